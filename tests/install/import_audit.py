"""Run by a plain `pip install` of the wheel: is every module Bastion imports at run time declared?

Prints a JSON report: modules of the `bastion` package that fail to import, and third-party
imports (at any depth, also inside functions) whose distribution is not one of the package's own
`[project.dependencies]`. An import inside `try: ... except ImportError` is optional (zstandard)
and left out, and so is one under `if TYPE_CHECKING:` (stubs such as mypy_boto3_s3 never load). Standard library only, so it runs in any fresh venv.

A module that needs an optional extra (`bastion[otel]`: `bastion/obs/tracing_otel.py`, imported
only once traces are turned on) fails to import in a plain install by design: it and its imports
are reported under "extras" instead, when the missing module is one of an extra's distributions.
"""

from __future__ import annotations

import ast
import importlib
import importlib.metadata as md
import json
import pkgutil
import re
import sys
from pathlib import Path


def _optional_lines(tree: ast.AST) -> set[int]:
    """Line numbers inside a `try` whose handlers catch ImportError/ModuleNotFoundError."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Try):
            continue
        caught = {getattr(h.type, "id", None) for h in node.handlers if h.type is not None} | {
            getattr(e, "id", None)
            for h in node.handlers
            if isinstance(h.type, ast.Tuple)
            for e in h.type.elts
        }
        if caught & {"ImportError", "ModuleNotFoundError"}:
            for stmt in node.body:
                lines.update(range(stmt.lineno, (stmt.end_lineno or stmt.lineno) + 1))
    return lines


def _type_checking_lines(tree: ast.AST) -> set[int]:
    """Line numbers inside `if TYPE_CHECKING:`: imports for the type checker, never run."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        test = node.test if isinstance(node, ast.If) else None
        name = test.id if isinstance(test, ast.Name) else test.attr if isinstance(test, ast.Attribute) else ""
        if name == "TYPE_CHECKING":
            for stmt in node.body:
                lines.update(range(stmt.lineno, (stmt.end_lineno or stmt.lineno) + 1))
    return lines


def third_party_imports(package_dir: Path) -> dict[str, str]:
    """{top-level module name: first file that imports it} for every non-stdlib, non-bastion import."""
    found: dict[str, str] = {}
    for path in sorted(package_dir.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        optional = _optional_lines(tree) | _type_checking_lines(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            if node.lineno in optional:
                continue
            for name in names:
                top = name.split(".")[0]
                if top in sys.stdlib_module_names or top == "bastion":
                    continue
                found.setdefault(top, str(path.relative_to(package_dir.parent)))
    return found


# import names of an extra's distributions that are not their distribution's name
_IMPORTED_AS = {"grpc": "grpcio", "grpc-reflection": "grpcio-reflection"}


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def main() -> None:
    import bastion

    package_dir = Path(bastion.__file__).parent
    requirements = md.requires("bastion") or []
    declared = {_name(req) for req in requirements if "extra ==" not in req}
    optional = {_name(req) for req in requirements if "extra ==" in req}

    def in_an_extra(module: str) -> bool:  # opentelemetry -> opentelemetry-sdk, …
        top = _canonical(module.split(".")[0])
        top = _IMPORTED_AS.get(top, top)
        return any(dist == top or dist.startswith(f"{top}-") for dist in optional)

    broken, extras = {}, {}
    for info in pkgutil.walk_packages(bastion.__path__, "bastion."):
        try:
            importlib.import_module(info.name)
        except ModuleNotFoundError as exc:
            (extras if exc.name and in_an_extra(exc.name) else broken)[info.name] = repr(exc)
        except Exception as exc:  # noqa: BLE001 - every failure is reported
            broken[info.name] = repr(exc)
    providers = md.packages_distributions()
    undeclared = {}
    for module, where in third_party_imports(package_dir).items():
        dists = {_canonical(d) for d in providers.get(module, [])}
        if dists & declared:
            continue
        if not dists and in_an_extra(module):
            extras[module] = where
            continue
        undeclared[module] = {"imported_by": where, "installed_from": sorted(dists)}
    report = {"broken": broken, "undeclared": undeclared, "extras": extras, "declared": sorted(declared)}
    print(json.dumps(report))


def _name(requirement: str) -> str:
    return _canonical(re.split(r"[\s;<>=!~\[(]", requirement, maxsplit=1)[0])


if __name__ == "__main__":
    main()
