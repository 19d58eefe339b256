"""Plugins: hooks shipped as installed packages, found by their `bastion.plugins` entry point.

    # the plugin's pyproject.toml
    [project.entry-points."bastion.plugins"]
    audit = "bastion_audit"                # a module: importing it registers its hooks
    # or: audit = "bastion_audit:setup"    # a callable: called with `hooks` (bastion.hooks.hooks)

Every process loads them when it loads the hook files, before the files, in entry point name
order. A plugin is code installed in the environment, not a file of the hooks folder: it is
imported once per process and its registrations are kept, so a `--dev` reload of the files keeps
the plugins' hooks as they were (a changed or newly installed plugin is seen after a restart).

A plugin that does not load (its import raises, its callable raises, a bad registration) stops
the start with a `HookLoadError` naming the plugin, its distribution and the target: a server
that came up without the audit plugin its operator installed would be worse than one that did
not come up.
"""

from __future__ import annotations

import sys
from importlib.metadata import EntryPoint, entry_points
from types import ModuleType

from bastion.hooks.errors import HookLoadError
from bastion.hooks.registry import HookRegistry, hooks, set_loading

GROUP = "bastion.plugins"

# what each entry point registered, once per process: (distribution path, name, target)
_loaded: dict[tuple[str, str, str], HookRegistry] = {}


def _key(ep: EntryPoint) -> tuple[str, str, str]:
    dist = ep.dist
    where = str(dist.locate_file("")) if dist is not None else ""
    return (where, ep.name, ep.value)


def _label(ep: EntryPoint) -> str:
    dist = ep.dist
    of = f" of {dist.metadata['Name']} {dist.version}" if dist is not None else ""
    return f"plugin {ep.name!r}{of} ({ep.value})"


# the entry points, listed once per sys.path (reading every distribution's metadata costs a few
# milliseconds: paid once per process, not at each App start or `--dev` reload)
_listed: tuple[tuple[str, ...], list[EntryPoint]] | None = None


def _entry_points() -> list[EntryPoint]:
    global _listed
    path = tuple(sys.path)
    if _listed is None or _listed[0] != path:
        found = sorted(entry_points(group=GROUP), key=lambda e: (e.name, e.value))
        _listed = (path, found)
    return _listed[1]


def plugin_hooks() -> HookRegistry:
    """The hooks every installed plugin registers, in entry point name order."""
    registry = HookRegistry()
    for ep in _entry_points():
        key = _key(ep)
        part = _loaded.get(key)
        if part is None:
            part = _load(ep)
            _loaded[key] = part
        registry.extend(part)
    return registry


def _load(ep: EntryPoint) -> HookRegistry:
    part = HookRegistry(plugins=[_label(ep)])
    set_loading(part)
    try:
        target = ep.load()
        if not isinstance(target, ModuleType):
            if not callable(target):
                raise TypeError(f"the target is neither a module nor a callable: {target!r}")
            target(hooks)
    except HookLoadError as exc:
        raise HookLoadError(f"{_label(ep)}: {exc}") from exc
    except Exception as exc:
        raise HookLoadError(f"{_label(ep)} failed to load: {type(exc).__name__}: {exc}") from exc
    finally:
        set_loading(None)
    return part
