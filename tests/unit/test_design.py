"""The process design: the split and every training subset are balanced by (N, v_push, v_pull)
cell, in every committed preset."""

from __future__ import annotations

import re

import pytest

from conftest import REPO
from thermolearn.checks import load_config
from thermolearn.paper_a.design import PARTS, cell_counts, deal, make_design, split_counts
from thermolearn.paper_a.siamese.train import subset_processes


def preset_stacks() -> list[tuple[str, ...]]:
    """Every committed preset as the config files it runs with (a study point on its base)."""
    stacks = [(p.relative_to(REPO).as_posix(),) for p in sorted((REPO / "presets").glob("*.yaml"))]
    for p in sorted((REPO / "presets" / "study").glob("*.yaml")):
        base = re.search(r"overrides on top of (presets/\S+\.yaml)", p.read_text())
        rel = p.relative_to(REPO).as_posix()
        stacks.append((rel,) if base is None or base.group(1) == rel else (base.group(1), rel))
    return [()] + stacks  # () = config.yaml alone (the paper's scale)


def test_the_presets_are_all_found():
    names = {s[-1] for s in preset_stacks() if s}
    assert {"presets/smoke.yaml", "presets/demo.yaml", "presets/repro.yaml",
            "presets/rehearsal.yaml", "presets/study/repro_procs112_sub72.yaml"} <= names
    assert ("presets/repro.yaml", "presets/study/repro_procs28.yaml") in preset_stacks()


@pytest.mark.parametrize("stack", preset_stacks(), ids=lambda s: "+".join(s) or "paper")
def test_every_cell_has_each_part_where_the_preset_can_give_it_one(stack):
    config = load_config(REPO / "config.yaml", *(REPO / s for s in stack))
    d = config["paper_a"]["design"]
    design = make_design(config)
    counts = cell_counts(design)
    n_cells = len(d["N"]) * len(d["v"]) ** 2
    assert len(counts) == n_cells and (counts["total"] == d["n_processes"] // n_cells).all()
    for part in PARTS:
        assert counts[part].sum() == d["split"][part]
        # floor or ceiling of count / n_cells in every cell: a part with at least one process
        # per cell has one in every cell
        lo = d["split"][part] // n_cells
        assert counts[part].between(lo, lo + 1).all(), (part, counts)
        if d["split"][part] >= n_cells:
            assert (counts[part] >= 1).all()
        per_n = design[design.split == part].groupby("N").size()
        assert (per_n == d["split"][part] // len(d["N"])).all()
    k = config["paper_a"]["train"]["train_processes"]
    train = design[design.split == "train"].set_index("process")
    chosen = subset_processes(train[["N", "v_push", "v_pull"]], k, config["seed"])
    sub = train.loc[chosen].groupby(["N", "v_push", "v_pull"]).size()
    if len(chosen) >= n_cells:
        assert len(sub) == n_cells  # every cell is trained on
    assert sub.max() - sub.min() <= 1


def test_the_split_is_seeded_and_keeps_the_draw_of_the_processes(smoke_config):
    one = make_design(smoke_config)
    assert make_design(smoke_config).equals(one)
    other = [make_design(dict(smoke_config, seed=smoke_config["seed"] + s)) for s in range(1, 6)]
    assert any(not o["split"].equals(one["split"]) for o in other)
    # the split never changes the balance: each seed's design has the same cell counts
    for o in other:
        assert cell_counts(o)[list(PARTS)].equals(cell_counts(one)[list(PARTS)])


def test_deal_gives_each_cell_the_floor_or_ceiling():
    assert deal(10, 4).tolist() == [3, 3, 2, 2]
    assert deal(10, 4, start=3).tolist() == [3, 2, 2, 3]
    assert deal(0, 3).tolist() == [0, 0, 0]
    out = split_counts(13, {"train": 72, "val": 8, "test": 24}, 8)
    assert out.tolist() == [[9, 1, 3]] * 8
    out = split_counts(1, {"train": 4, "val": 2, "test": 2}, 8)  # one process per cell
    assert (out.sum(axis=1) == 1).all() and out.sum(axis=0).tolist() == [4, 2, 2]
    with pytest.raises(ValueError, match="does not fill"):
        split_counts(3, {"train": 4, "val": 2, "test": 2}, 4)

