"""The conda envs of the rules (envs/*.yaml) agree with pyproject.toml and with the rules.

- every job env has the package's runtime dependencies (torch only where a rule needs it),
  nothing pyproject does not declare, each pinned to a version inside pyproject's range;
- envs/requirements.lock (uv's output) pins every dependency, transitive included, inside
  pyproject's ranges, and the envs' pins are its versions (same major.minor); .ci/run and the
  README install from it. Nothing here looks at what the package index serves today;
- the PyTorch pin is the one that .ci/run and the README install;
- every rule names an existing env, and a rule whose code imports torch (directly or through
  the package) uses the torch env.
"""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from conftest import REPO

ENVS = REPO / "envs"
LOCK = ENVS / "requirements.lock"
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())
# Runtime dependencies a job env does not hold: the Snakemake that drives the jobs (its
# scripts' preamble imports the driver's own installation).
DRIVER_ONLY = {"snakemake"}
# Conda-forge names of pip distributions where they differ.
CONDA_NAME = {"torch": "pytorch"}
GPU_FREE_ENVS = {"md"}  # envs that must not hold torch
# The README's test command: the one line of its first fenced block that runs pytest.
README_TEST_COMMAND = next(line for line in (REPO / "README.md").read_text().splitlines()
                           if line.startswith("python3 -m pip") and "pytest" in line)


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


def lock_pins() -> dict[str, str]:
    """Package -> exact version in envs/requirements.lock, for the tested Python (3.11, Linux).

    A line whose environment marker excludes that interpreter (numpy's Python >= 3.12 branch of
    the universal lock) is left out.
    """
    env = {"python_version": "3.11", "python_full_version": "3.11.7", "sys_platform": "linux",
           "platform_system": "Linux", "platform_machine": "x86_64", "implementation_name": "cpython",
           "platform_python_implementation": "CPython", "os_name": "posix"}
    pins = {}
    for line in LOCK.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith(("#", "-")):
            continue
        req = Requirement(line)
        if req.marker is not None and not req.marker.evaluate(env):
            continue
        (spec,) = req.specifier
        assert spec.operator == "==", f"{LOCK.name}: {line!r} is not an exact pin"
        assert req.name.lower() not in pins, f"{LOCK.name} pins {req.name} twice for Python 3.11"
        pins[req.name.lower()] = spec.version
    return pins


def test_lock_is_uv_output_with_its_command():
    """The lock names the command that regenerates it, and that command reads pyproject."""
    header = LOCK.read_text().splitlines()[:2]
    assert header[0].startswith("# This file was autogenerated by uv"), header
    assert "uv pip compile pyproject.toml envs/requirements.in --extra test" in header[1], header


def test_lock_pins_every_declared_dependency_inside_pyproject_ranges():
    pins = lock_pins()
    declared = dict(PYPROJECT_DEPS)
    declared.update(requirement(d) for d in PYPROJECT["project"]["optional-dependencies"]["test"])
    for name, spec in declared.items():
        assert name in pins, f"{LOCK.name} does not pin {name}, which pyproject declares"
        assert spec.contains(pins[name], prereleases=True), (
            f"{LOCK.name} pins {name}=={pins[name]}, outside pyproject's {name}{spec}")
    # PyTorch's CUDA runtime comes with the CUDA build of torch, never from the lock.
    cuda = [n for n in pins if n.startswith(("nvidia-", "cuda-")) or n == "triton"]
    assert not cuda, f"{LOCK.name} pins CUDA packages {cuda}: a CPU install would pull them"


@pytest.mark.parametrize("path", ENV_FILES, ids=lambda p: p.name)
def test_env_pins_are_the_locked_versions(path):
    """A conda pin "2.4" (any 2.4.x) or pip's "2.13.0" matches the lock's leading parts."""
    pins = env_pins(path)
    python = pins.pop("python")
    pins.pop("pip", None)
    locked = lock_pins()
    assert python == "3.11", f"{path.name} pins python {python}; the lock is for 3.11"
    for name, pin in pins.items():
        pip_name = {v: k for k, v in CONDA_NAME.items()}.get(name, name)
        wanted = Version(pin).release
        have = Version(locked[pip_name]).release
        assert have[: len(wanted)] == wanted, (
            f"{path.name} pins {name}={pin} but {LOCK.name} has {pip_name}=={locked[pip_name]}")


def test_install_commands_use_the_lock():
    """.ci/run and the README's test command install from the lock, torch first."""
    for doc in (".ci/run", "README.md"):
        text = (REPO / doc).read_text()
        assert "-r envs/requirements.lock" in text, f"{doc} does not install envs/requirements.lock"
    assert README_TEST_COMMAND in (REPO / ".ci/run").read_text()


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
