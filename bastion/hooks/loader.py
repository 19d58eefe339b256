"""Load the hook files: every `*.py` of the folder (not `_*.py`, which they may import from their
own folder) in name order, each run once as a module of its own.

The installed plugins' hooks (a `bastion.plugins` entry point: hooks/plugins.py) come first.
A file that cannot be compiled or raises while it runs stops the load with a `HookLoadError`
naming the file and line: `bastion serve` refuses to start on it (and a `--dev` reload keeps the
hooks it had).
"""

from __future__ import annotations

import sys
import traceback
import types
from pathlib import Path

from bastion.hooks.errors import HookLoadError
from bastion.hooks.plugins import plugin_hooks
from bastion.hooks.registry import HookRegistry, set_loading


def hook_files(directory: Path) -> list[Path]:
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.glob("*.py") if p.is_file() and not p.name.startswith(("_", ".")))


def load_hooks(directory: Path) -> HookRegistry:
    """The hooks the installed plugins (hooks/plugins.py), then the files of `directory`
    register (an empty registry when there is none)."""
    registry = plugin_hooks()
    files = hook_files(directory)
    if not files:
        return registry
    folder = str(directory.resolve())
    if folder not in sys.path:  # a hook file may import its folder's helper modules (`_common.py`)
        sys.path.append(folder)
    set_loading(registry)
    try:
        for path in files:
            _run(path.resolve(), registry)
    finally:
        set_loading(None)
    return registry


def _run(path: Path, registry: HookRegistry) -> None:
    name = str(path)
    try:
        source = path.read_text(encoding="utf-8")
        code = compile(source, name, "exec")
    except SyntaxError as exc:
        raise HookLoadError(f"hook file {name}:{exc.lineno or 0}: syntax error: {exc.msg}") from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise HookLoadError(f"cannot read the hook file {name}: {exc}") from None
    module = types.ModuleType(f"bastion_hooks.{path.stem}")
    module.__file__ = name
    # registered as modules are (dataclasses, pickle and typing look their module up); a reload
    # replaces it
    sys.modules[module.__name__] = module
    try:
        exec(code, module.__dict__)  # noqa: S102 - running the operator's hook files is the point
    except HookLoadError:
        sys.modules.pop(module.__name__, None)
        raise
    except Exception as exc:
        sys.modules.pop(module.__name__, None)
        raise HookLoadError(f"hook file {name}:{line_in(exc, name, 0)}: {type(exc).__name__}: {exc}") from exc
    registry.files.append(name)


def line_in(exc: BaseException, file: str, default: int) -> int:
    """The last line of `file` that the exception's traceback went through (else `default`)."""
    line = default
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename == file and frame.lineno is not None:
            line = frame.lineno
    return line
