"""The package code a workflow script runs, found by a static walk of its imports.

Each rule carries one *code digest* as a parameter (``params: code=code_of("<script>")`` in
``workflow/rules/common.smk``): a checksum over the script it runs plus every ``thermolearn``
module that script imports, directly or indirectly (function-local imports included). It changes
only when that closure's content changes, so Snakemake's ``params`` rerun trigger reruns exactly
the rules whose scripts import the edited module, and parsing the workflow reads the sources
without writing anything (a dry run, ``--lint``, ``--report`` and each cluster job's re-parse
leave the tree as it was).

Only ``import``/``from ... import`` statements are followed (no ``importlib`` strings); importing
``a.b.c`` also counts ``a/__init__.py`` and ``a/b/__init__.py``, which Python runs first.
"""

from __future__ import annotations

import ast
import hashlib
from pathlib import Path

PACKAGE = "thermolearn"
PACKAGE_DIR = Path(__file__).resolve().parent


def module_file(name: str, package_dir: Path = PACKAGE_DIR) -> Path | None:
    """The source file of dotted module ``name`` inside the package, or None if not one."""
    parts = name.split(".")
    if parts[0] != PACKAGE:
        return None
    base = package_dir.joinpath(*parts[1:])
    if (base / "__init__.py").is_file():
        return base / "__init__.py"
    if base.with_suffix(".py").is_file():
        return base.with_suffix(".py")
    return None


def _module_name(path: Path, package_dir: Path) -> str:
    rel = path.relative_to(package_dir).with_suffix("")
    parts = [PACKAGE, *rel.parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _with_parents(name: str) -> list[str]:
    """``a.b.c`` -> ``a``, ``a.b``, ``a.b.c``: importing a module runs its packages first."""
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts) + 1)]


def imported_modules(path: Path, package_dir: Path = PACKAGE_DIR) -> set[str]:
    """Dotted names of the package modules that the source file ``path`` imports.

    ``path`` may lie outside the package (a workflow script); relative imports are resolved
    only for files inside it.
    """
    tree = ast.parse(Path(path).read_text(encoding="utf-8"), filename=str(path))
    inside = Path(path).resolve().is_relative_to(package_dir)
    if inside:
        own = _module_name(Path(path).resolve(), package_dir)
        is_pkg = Path(path).name == "__init__.py"
        own_package = own if is_pkg else own.rpartition(".")[0]
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                if not inside:
                    continue
                base = own_package.split(".")
                base = base[: len(base) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            names.add(module)
            # "from pkg import sub" imports the submodule sub when there is one
            names.update(f"{module}.{alias.name}" for alias in node.names if alias.name != "*")
    found = set()
    for name in names:
        for candidate in _with_parents(name):
            if module_file(candidate, package_dir) is not None:
                found.add(candidate)
    return found


def import_closure(entry: Path, package_dir: Path = PACKAGE_DIR) -> list[Path]:
    """``entry`` and every package module it imports, directly or indirectly, sorted."""
    seen: dict[str, Path] = {}
    todo = sorted(imported_modules(entry, package_dir))
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen[name] = module_file(name, package_dir)
        todo.extend(sorted(imported_modules(seen[name], package_dir) - seen.keys()))
    return [Path(entry)] + sorted(seen.values())


def fingerprint_text(entry: Path, package_dir: Path = PACKAGE_DIR) -> str:
    """One line per file of the closure: ``sha256  path`` (paths relative to the package's
    parent for modules, the file name for the entry)."""
    lines = []
    for i, path in enumerate(import_closure(entry, package_dir)):
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        shown = path.name if i == 0 else path.relative_to(package_dir.parent).as_posix()
        lines.append(f"{digest}  {shown}")
    return "\n".join(lines) + "\n"


def code_digest(entry: Path, package_dir: Path = PACKAGE_DIR) -> str:
    """SHA-256 of ``entry``'s code fingerprint (:func:`fingerprint_text`): the same for the same
    code, whatever the file mtimes; computed, never written."""
    return hashlib.sha256(fingerprint_text(Path(entry), package_dir).encode()).hexdigest()
