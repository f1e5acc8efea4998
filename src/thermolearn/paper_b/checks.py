"""Cross-field rules of the ``paper_b`` config section (called by
:func:`thermolearn.checks.check_physics`); every message names its dotted key."""

from __future__ import annotations

import math
from typing import Mapping

MAX_PACKING = 0.3


def check_paper_b(config: Mapping) -> list[str]:
    msgs: list[str] = []
    b = config.get("paper_b")
    if not b:
        return msgs
    gas, runs, train = b["gas"], b["runs"], b["train"]
    eta = gas["n_disks"] * math.pi * gas["radius"] ** 2
    if eta > MAX_PACKING:
        msgs.append(
            f"config key 'paper_b.gas.radius': {gas['radius']} gives packing fraction {eta:.3f} "
            f"for {gas['n_disks']} disks (> {MAX_PACKING}): not a dilute gas, and overlaps "
            "without position correction pile up")
    step = 2.0 * gas["speed"] / gas["frame_rate"]
    if step >= 0.5:
        msgs.append(
            f"config key 'paper_b.gas.frame_rate': {gas['frame_rate']} moves a disk at twice "
            f"the initial speed by {step:.3g} per step (>= half the box)")
    for rate in b["frame_rate_sweep"]["frame_rates"]:
        if 3.0 * gas["speed"] / rate >= 1.0:
            msgs.append(
                f"config key 'paper_b.frame_rate_sweep.frame_rates': {rate} moves a fast disk "
                "(3 s) by a box side or more per step")
    if train["first_frame"] >= runs["n_frames"]:
        msgs.append(
            f"config key 'paper_b.train.first_frame': {train['first_frame']} leaves no pair of "
            f"frames in runs of {runs['n_frames']} steps")
    else:
        pairs = runs["n_train"] * (runs["n_frames"] - train["first_frame"])
        if train["batch_size"] > pairs:
            msgs.append(
                f"config key 'paper_b.train.batch_size': {train['batch_size']} exceeds the "
                f"{pairs} training pairs (n_train x (n_frames - first_frame)): no full batch")
    return msgs
