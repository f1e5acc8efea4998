"""Cross-field rules of the ``paper_a`` config section (gathered by :mod:`thermolearn.checks`);
every message names its dotted key. The axioms' rules are in :mod:`.axioms.checks`."""

from __future__ import annotations

import math
from typing import Mapping


def contact_time(gas: Mapping) -> float:
    """Duration of a head-on disk-disk contact: half a period of the harmonic pair mode.

    The relative coordinate has reduced mass m/2 and stiffness C, so omega = sqrt(2 C / m)
    and the contact lasts pi / omega (independent of the impact speed).
    """
    return math.pi / math.sqrt(2.0 * gas["C"] / gas["mass"])


MIN_STEPS_PER_CONTACT = 10
MAX_PACKING = 0.4


def check_paper_a(config: Mapping) -> list[str]:
    """Messages (naming the dotted key) for ``paper_a`` settings the schema cannot judge."""
    msgs: list[str] = []
    a = config["paper_a"]
    gas, integ, proto, design = a["gas"], a["integrator"], a["protocol"], a["design"]
    L, R = gas["L"], gas["R"]

    if not (2 * R < proto["Lx_min"] <= L):
        msgs.append(
            f"config key 'paper_a.protocol.Lx_min': {proto['Lx_min']} must lie in "
            f"(2R, L] = ({2 * R}, {L}]"
        )
    t_c = contact_time(gas)
    if integ["dt"] > t_c / MIN_STEPS_PER_CONTACT:
        msgs.append(
            f"config key 'paper_a.integrator.dt': {integ['dt']} does not resolve a collision: a "
            f"contact of stiffness C = {gas['C']} lasts {t_c:.4g}, so dt must be <= "
            f"{t_c / MIN_STEPS_PER_CONTACT:.4g} ({MIN_STEPS_PER_CONTACT} steps per contact)"
        )
    if integ["skin"] > R:
        msgs.append(f"config key 'paper_a.integrator.skin': {integ['skin']} must be <= R = {R}")

    t_frames = (proto["n_frames"] - 1) * proto["dt_rec"]
    for key in ("t_eq", "t_hold"):
        if proto[key] < t_frames:
            msgs.append(
                f"config key 'paper_a.protocol.{key}': {proto[key]} is shorter than the "
                f"recording window (n_frames - 1) * dt_rec = {t_frames}"
            )
    for key in ("t_eq", "t_hold", "dt_rec"):
        n = proto[key] / integ["dt"]
        if abs(n - round(n)) > 1e-6 * max(1.0, n):
            msgs.append(
                f"config key 'paper_a.protocol.{key}': {proto[key]} is not a whole number of "
                f"time steps dt = {integ['dt']}"
            )

    stroke = L - proto["Lx_min"]
    if stroke > 0:
        for dl in design["dL"]:
            k = stroke / dl
            if abs(k - round(k)) > 1e-9 * k or round(k) < 1:
                msgs.append(
                    f"config key 'paper_a.design.dL': {dl} does not divide the stroke "
                    f"L - Lx_min = {stroke} into whole moves"
                )
        for n_disks in design["N"] + [a["relaxation"]["N"]]:
            eta = n_disks * math.pi * R**2 / (L * proto["Lx_min"])
            if eta > MAX_PACKING:
                key = (
                    "paper_a.design.N"
                    if n_disks in design["N"]
                    else "paper_a.relaxation.N"
                )
                msgs.append(
                    f"config key '{key}': {n_disks} disks do not fit: packing fraction "
                    f"{eta:.3f} at Lx = Lx_min exceeds {MAX_PACKING}"
                )

    n_cells = len(design["N"]) * len(design["v"]) ** 2
    n_proc = design["n_processes"]
    if n_proc % n_cells:
        msgs.append(
            f"config key 'paper_a.design.n_processes': {n_proc} is not a multiple of the "
            f"{n_cells} (N, v_push, v_pull) cells, so the design cannot be balanced"
        )
    elif n_proc // n_cells > len(design["dL"]) ** 2:
        msgs.append(
            f"config key 'paper_a.design.n_processes': {n_proc} needs {n_proc // n_cells} "
            f"distinct (dL_push, dL_pull) pairs per cell but only {len(design['dL']) ** 2} exist"
        )
    split = design["split"]
    if sum(split.values()) != n_proc:
        msgs.append(
            f"config key 'paper_a.design.split': train + val + test = {sum(split.values())} "
            f"must equal n_processes = {n_proc}"
        )
    for part, count in split.items():
        if count % len(design["N"]):
            msgs.append(
                f"config key 'paper_a.design.split.{part}': {count} cannot be stratified "
                f"over {len(design['N'])} values of N"
            )
    render = a.get("render")
    if render is not None:
        if render["size"] > render["canvas"]:
            msgs.append(
                f"config key 'paper_a.render.size': {render['size']} exceeds the canvas "
                f"{render['canvas']} (images are downsampled from the canvas)"
            )
        if 2 * R * render["canvas"] / L < 2:
            msgs.append(
                f"config key 'paper_a.render.canvas': {render['canvas']} px draws a disk "
                f"{2 * R * render['canvas'] / L:.2f} px across (< 2) for L = {L}, R = {R}"
            )
        if a.get("train") is not None and render["size"] < 32:
            msgs.append(
                f"config key 'paper_a.render.size': {render['size']} px is too small for the "
                "siamese network (five 2x2 stride-2 convolutions need at least 32)"
            )
    return msgs
