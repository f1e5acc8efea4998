"""What the axiom rules hand to the figure and table rules: per-sample tables and example images.

The compute rules (:mod:`.jobs`) write one csv per axiom (``results/<preset>/paper_a/axioms/
<name>.csv``) and, for the figures that show a constructed state, a small ``.npz`` of that
example (:func:`save_example`); the figure rules (:mod:`.figures`) and the table
(:mod:`.table`) read them back with :func:`read_samples` and :func:`load_example`, which name
the file in every error. No plotting and no network here: both sides import this module.
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

import numpy as np
import pandas as pd

from ...io import ArtifactError, load_npz, save_npz
from ...provenance import provenance

# the columns each reader (analyses, figures, table) relies on, per table
COLUMNS = {
    "a1": ["process", "state", "N", "S", "S_rerun"],
    "a3": ["a", "b", "N_a", "S_a", "S_b", "S_compound"],
    "a4": ["process", "state", "N", "S", "variant", "lam", "direction", "dN", "S_scaled"],
    "a5": ["process", "state", "axis", "n_removed", "S", "S_split", "S_recomb"],
    "a6": ["zpair", "eps", "process", "state", "S", "z1", "z2", "z1_S", "z2_S", "zpair_role",
           "eps_z1", "eps_z2", "S_z1", "S_z2"],
    "additivity": ["pair", "lam", "direction", "S_x", "S_y", "S_compound"],
    "canonical": ["direction", "process", "state", "N", "S", "S_vdW", "lam_canon", "lam_vdw"],
    "canonical_curve": ["N", "direction", "lam", "S_compound"],
}

# the example images of the figures that show a constructed state: arrays and their meaning
EXAMPLES = {
    # X, X' (both at Lx = L/2) and the compound (X, X'): uint8 (F, H, W) each
    "a3": ("x_fhw", "x2_fhw", "compound_fhw"),
    # lam X masked along each direction: uint8 (n_dir, F, H, W); directions (n_dir,) str;
    # lam () float
    "a4": ("scaled_dfhw", "directions", "lam"),
    # (X, eps Z1): uint8 (F, H, W); eps () float; side_px () int, the dust square's side in px
    "a6": ("embedded_fhw", "eps", "side_px"),
}


def example_kind(name: str) -> str:
    """The provenance kind of axiom ``name``'s example artifact."""
    return f"paper_a.axioms.{name}_example"


def read_samples(path: str | Path, name: str) -> pd.DataFrame:
    """A per-sample table of axiom ``name`` (a key of :data:`COLUMNS`), checked.

    Raises
    ------
    ArtifactError
        Naming ``path`` when it is missing, unreadable, empty or lacks a column its readers use.
    """
    path = Path(path)
    try:
        df = pd.read_csv(path)
    except FileNotFoundError:
        raise ArtifactError(f"{path}: {name} table missing") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise ArtifactError(f"{path}: unreadable {name} table ({type(exc).__name__}: "
                            f"{exc})") from None
    missing = [c for c in COLUMNS[name] if c not in df.columns]
    if missing:
        raise ArtifactError(f"{path}: not a {name} table: lacks columns {missing}")
    if df.empty:
        raise ArtifactError(f"{path}: the {name} table has no rows")
    return df


def save_example(path: str | Path, name: str, config: Mapping, **arrays) -> None:
    """Write axiom ``name``'s example images atomically, with provenance.

    Parameters
    ----------
    path : output ``.npz``.
    name : ``a3``, ``a4`` or ``a6``; ``arrays`` must be exactly :data:`EXAMPLES` ``[name]``.
    config : the config values the example depends on (recorded with their hash).
    **arrays : the arrays (see :data:`EXAMPLES` for shapes and dtypes).
    """
    if set(arrays) != set(EXAMPLES[name]):
        raise ValueError(f"{name} example takes arrays {EXAMPLES[name]}, got {sorted(arrays)}")
    save_npz(path, provenance(example_kind(name), dict(config)),
             **{k: np.asarray(v) for k, v in arrays.items()})


def load_example(path: str | Path, name: str) -> dict[str, np.ndarray]:
    """The arrays of axiom ``name``'s example (:func:`save_example`); errors name ``path``."""
    _, arrays = load_npz(path, kind=example_kind(name), arrays=EXAMPLES[name])
    return arrays
