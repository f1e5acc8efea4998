"""The conda envs of the rules (envs/*.yaml) agree with pyproject.toml and with the rules.

- every job env has the package's runtime dependencies (torch only where a rule needs it),
  nothing pyproject does not declare, each pinned to a version inside pyproject's range;
- the pins are the versions the tests run with (same major.minor), so an env never pins what
  was never tested;
- the PyTorch pin is the CPU wheel that .ci/run and the README install;
- every rule names an existing env, and a rule whose code imports torch (directly or through
  the package) uses the torch env.
"""

from __future__ import annotations

import ast
import re
import tomllib
from importlib.metadata import version
from pathlib import Path

import pytest
import yaml
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from conftest import REPO

ENVS = REPO / "envs"
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())
# Runtime dependencies a job env does not hold: the Snakemake that drives the jobs (its
# scripts' preamble imports the driver's own installation).
DRIVER_ONLY = {"snakemake"}
# Conda-forge names of pip distributions where they differ.
CONDA_NAME = {"torch": "pytorch"}
GPU_FREE_ENVS = {"md"}  # envs that must not hold torch


def requirement(spec: str) -> tuple[str, SpecifierSet]:
    name, rest = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$", spec).groups()
    return name.lower(), SpecifierSet(rest.split(";")[0].strip())


PYPROJECT_DEPS = dict(requirement(d) for d in PYPROJECT["project"]["dependencies"])


def env_pins(path: Path) -> dict[str, str]:
    """Package -> pinned version ("2.4" for conda's numpy=2.4, "2.13.0" for pip's ==)."""
    env = yaml.safe_load(path.read_text())
    pins: dict[str, str] = {}
    for dep in env["dependencies"]:
        entries = dep["pip"] if isinstance(dep, dict) else [dep]
        sep = "==" if isinstance(dep, dict) else "="
        for entry in entries:
            name, _, pin = entry.partition(sep)
            assert pin or name == "pip", f"{path.name}: {entry!r} is not pinned"
            pins[name.strip().lower()] = pin.strip()
    return pins


ENV_FILES = sorted(ENVS.glob("*.yaml"))


def test_there_are_envs():
    assert {p.stem for p in ENV_FILES} >= {"md", "torch"}


@pytest.mark.parametrize("path", ENV_FILES, ids=lambda p: p.name)
def test_env_pins_lie_in_pyproject_ranges(path):
    pins = env_pins(path)
    python = Version(pins.pop("python"))
    assert python in SpecifierSet(PYPROJECT["project"]["requires-python"]), python
    pins.pop("pip", None)
    names = {{v: k for k, v in CONDA_NAME.items()}.get(n, n) for n in pins}
    needed = set(PYPROJECT_DEPS) - DRIVER_ONLY
    if path.stem in GPU_FREE_ENVS:
        needed -= {"torch"}
        assert "torch" not in names, f"{path.name} must not hold torch"
    assert names >= needed, f"{path.name} lacks {sorted(needed - names)} (pyproject needs them)"
    assert names <= set(PYPROJECT_DEPS), f"{path.name} holds {sorted(names - set(PYPROJECT_DEPS))}, which pyproject does not declare"
    for name, pin in pins.items():
        pip_name = {v: k for k, v in CONDA_NAME.items()}.get(name, name)
        assert PYPROJECT_DEPS[pip_name].contains(pin, prereleases=True), (
            f"{path.name}: {name}={pin} is outside pyproject's {pip_name}{PYPROJECT_DEPS[pip_name]}"
        )


@pytest.mark.parametrize("path", ENV_FILES, ids=lambda p: p.name)
def test_env_pins_are_the_tested_versions(path):
    """A pin "2.4" (conda: any 2.4.x) or "2.13.0" matches the installed version's leading parts."""
    pins = env_pins(path)
    pins.pop("python"), pins.pop("pip", None)
    for name, pin in pins.items():
        pip_name = {v: k for k, v in CONDA_NAME.items()}.get(name, name)
        installed = Version(version(pip_name)).release
        wanted = Version(pin).release
        assert installed[: len(wanted)] == wanted, (
            f"{path.name} pins {name}={pin} but the tests run {pip_name} {version(pip_name)}: "
            "update the pin (and pyproject's range) to what is tested"
        )


def test_torch_pin_is_the_one_ci_and_readme_install():
    pinned = {env_pins(p).get("torch") or env_pins(p).get("pytorch") for p in ENV_FILES} - {None}
    assert len(pinned) == 1, f"envs pin different torch versions: {pinned}"
    (pin,) = pinned
    for doc in (".ci/run", "README.md"):
        found = set(re.findall(r"torch==([0-9][0-9.]*[0-9])", (REPO / doc).read_text()))
        assert found == {pin}, f"{doc} installs torch {found}, envs pin {pin}"


def rules_with_env() -> dict[str, tuple[str, str | None]]:
    """Rule -> (env stem, script file) from workflow/rules/*.smk."""
    out = {}
    for smk in sorted((REPO / "workflow" / "rules").glob("*.smk")):
        blocks = re.split(r"^rule (\w+):\n", smk.read_text(), flags=re.M)
        for name, body in zip(blocks[1::2], blocks[2::2]):
            env = re.search(r'^\s+conda:\n\s+"\.\./\.\./envs/([\w-]+)\.yaml"', body, re.M)
            script = re.search(r'^\s+script:\n\s+"\.\./scripts/([\w-]+\.py)"', body, re.M)
            out[name] = (env.group(1) if env else None, script.group(1) if script else None)
    return out


def module_imports(tree: ast.Module):
    """Import statements run when the module is imported: module level, also inside if/try,
    not inside functions (lazy imports) nor in ``try: ... except ImportError`` (optional)."""
    stack = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        elif isinstance(node, ast.If):
            stack += node.body + node.orelse
        elif isinstance(node, ast.Try):
            optional = any(isinstance(h.type, ast.Name)
                           and h.type.id in ("ImportError", "ModuleNotFoundError")
                           for h in node.handlers)
            stack += ([] if optional else node.body) + node.orelse + node.finalbody


def imports_torch(path: Path, seen: set[Path]) -> bool:
    """Whether importing ``path`` imports torch, itself or through thermolearn modules."""
    if path in seen or not path.is_file():
        return False
    seen.add(path)
    pkg = REPO / "src" / "thermolearn"
    for node in module_imports(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            mods = [a.name for a in node.names]
        elif node.level:  # relative: resolve against the importing module's package
            base = path.parent
            for _ in range(node.level - 1):
                base = base.parent
            rel = base.relative_to(pkg.parent).as_posix().replace("/", ".")
            mods = [f"{rel}.{node.module}" if node.module else rel]
            mods += [f"{mods[0]}.{a.name}" for a in node.names]
        else:
            mods = [node.module or ""] + [f"{node.module}.{a.name}" for a in node.names]
        for mod in mods:
            if mod == "torch" or mod.startswith("torch."):
                return True
            parts = mod.split(".")
            if parts[0] != "thermolearn":
                continue
            # importing a.b.c runs a/__init__, a/b/__init__ and a/b/c
            for i in range(1, len(parts) + 1):
                rel = Path(*parts[:i])
                for cand in (REPO / "src" / rel.with_suffix(".py"),
                             REPO / "src" / rel / "__init__.py"):
                    if imports_torch(cand, seen):
                        return True
    return False


def test_every_rule_has_an_env_and_torch_code_runs_in_the_torch_env():
    rules = rules_with_env()
    assert len(rules) > 10
    stems = {p.stem for p in ENV_FILES}
    for rule, (env, script) in rules.items():
        if script is None:
            continue
        assert env in stems, f"rule {rule}: conda env {env!r} is not one of envs/*.yaml"
        uses_torch = imports_torch(REPO / "workflow" / "scripts" / script, set())
        if uses_torch:
            assert env not in GPU_FREE_ENVS, f"rule {rule} imports torch but runs in envs/{env}.yaml"
    assert any(imports_torch(REPO / "workflow" / "scripts" / s, set())
               for e, s in rules.values() if s and e == "torch"), "the torch check finds nothing"
