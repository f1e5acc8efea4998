"""Cross-field rules of ``paper_a.axioms`` (called from :func:`thermolearn.checks.check_physics`)."""

from __future__ import annotations

from typing import Mapping


def a5_durations(paper_a: Mapping) -> tuple[float, float]:
    """``(t_split, t_recomb)`` of A5; a null value means ``protocol.t_hold``."""
    a5, t_hold = paper_a["axioms"]["a5"], float(paper_a["protocol"]["t_hold"])
    return tuple(t_hold if a5[k] is None else float(a5[k]) for k in ("t_split", "t_recomb"))


def check_axioms(config: Mapping) -> list[str]:
    """Messages (naming the dotted key) for axiom settings the schema cannot judge."""
    a = config["paper_a"]
    if a.get("axioms") is None:
        return []
    msgs = []
    proto, dt = a["protocol"], float(a["integrator"]["dt"])
    window = (proto["n_frames"] - 1) * proto["dt_rec"]
    for key, t in zip(("t_split", "t_recomb"), a5_durations(a)):
        name = f"paper_a.axioms.a5.{key}"
        if a["axioms"]["a5"][key] is None:
            name += " (null: paper_a.protocol.t_hold)"
        if t < window:
            msgs.append(f"config key '{name}': {t} is shorter than the recording window "
                        f"(n_frames - 1) * dt_rec = {window}")
        n = t / dt
        if abs(n - round(n)) > 1e-6 * max(1.0, n):
            msgs.append(f"config key '{name}': {t} is not a whole number of time steps dt = {dt}")
    if proto["Lx_min"] > a["gas"]["L"] / 2:
        msgs.append(f"config key 'paper_a.protocol.Lx_min': {proto['Lx_min']} > L/2: no state "
                    "reaches Lx = L/2, where axiom A3 combines two gas halves into one image")
    return msgs
