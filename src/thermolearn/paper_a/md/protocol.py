"""The piston protocol of Paper A: a process as a schedule of piston moves and holds.

A *process* (Paper A, Sec. III A): the piston starts at Lx = L; after an initial hold of t_eq it is
pushed at v_push in moves of dL_push, each followed by a hold of t_hold, until Lx = Lx_min; then
pulled back at v_pull in moves of dL_pull with holds until Lx = L. ``n_cycles`` such cycles. At
the end of every hold (the initial one included) ``n_frames`` snapshots ``dt_rec`` apart are
recorded, the last at the hold's end: one *microscopic state*.

Pure arithmetic on the config (no integrator), so the process design imports it without the MD
engine; :mod:`.process` runs a schedule.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Segment:
    """One piece of the protocol: the piston goes from ``Lx_a`` to ``Lx_b`` in ``n_steps``.

    ``record`` marks a hold at whose end a state is recorded.
    """

    Lx_a: float
    Lx_b: float
    n_steps: int
    record: bool

    @property
    def is_hold(self) -> bool:
        return self.Lx_a == self.Lx_b


def steps_for(duration: float, dt: float) -> int:
    """Integration steps of length ``dt`` in ``duration`` (nearest integer)."""
    return int(round(duration / dt))


def moves(start: float, end: float, dL: float) -> list[float]:
    """Piston targets of one half cycle from ``start`` to ``end`` in moves of ``dL``.

    Targets are computed from the endpoints (not accumulated), so the last one is ``end``
    exactly.
    """
    k = int(round(abs(end - start) / dL))
    return [start + (i + 1) * (end - start) / k for i in range(k)]


def schedule(L: float, Lx_min: float, n_cycles: int, v_push: float, v_pull: float,
             dL_push: float, dL_pull: float, t_eq: float, t_hold: float,
             dt: float) -> list[Segment]:
    """The protocol as a list of segments (moves and recording holds)."""
    segs = [Segment(L, L, steps_for(t_eq, dt), True)]
    Lx = L
    for _ in range(n_cycles):
        for v, target in [(v_push, x) for x in moves(L, Lx_min, dL_push)] + [
            (v_pull, x) for x in moves(Lx_min, L, dL_pull)
        ]:
            segs.append(Segment(Lx, target, steps_for(abs(target - Lx) / v, dt), False))
            segs.append(Segment(target, target, steps_for(t_hold, dt), True))
            Lx = target
    return segs


def n_states(L: float, Lx_min: float, n_cycles: int, dL_push: float, dL_pull: float) -> int:
    """Number of recorded states of a process (1 + one per hold)."""
    per_cycle = round((L - Lx_min) / dL_push) + round((L - Lx_min) / dL_pull)
    return 1 + n_cycles * per_cycle


def process_segments(paper_a: dict, row: dict, n_cycles: int | None = None,
                     t_eq: float | None = None, t_hold: float | None = None,
                     dt: float | None = None) -> list[Segment]:
    """The schedule of one design row under the configured protocol; ``n_cycles``, ``t_eq``,
    ``t_hold`` and ``dt`` replace the config's values where given (the MD accuracy sweep)."""
    proto, gas = paper_a["protocol"], paper_a["gas"]

    def pick(value, default):
        return float(default if value is None else value)

    return schedule(
        L=float(gas["L"]), Lx_min=float(proto["Lx_min"]),
        n_cycles=int(pick(n_cycles, proto["n_cycles"])),
        v_push=float(row["v_push"]), v_pull=float(row["v_pull"]),
        dL_push=float(row["dL_push"]), dL_pull=float(row["dL_pull"]),
        t_eq=pick(t_eq, proto["t_eq"]), t_hold=pick(t_hold, proto["t_hold"]),
        dt=pick(dt, paper_a["integrator"]["dt"]),
    )
