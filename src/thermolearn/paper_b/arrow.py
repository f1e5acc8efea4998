"""The learned arrow of time of a Paper B training, read from its log (Paper B, Sec. IV).

Over an epoch's batches let ``P = mean(dh+)``, ``N = mean(dh-)`` and ``Q = mean(dh^2)``, with
``dh = h(V_t+1) - h(V_t)``, ``dh+ = max(dh, 0)`` and ``dh- = max(-dh, 0)``. The tilted loss of
tilt ``alpha`` is then exactly

- ``L_alpha = -(alpha P - N) + lambda Q`` and ``L_alpha - L_1 = (1 - alpha) P``.

``r = N / P`` is the learned h's backward-to-forward ratio: ``r < 1`` when h rises on average.
With h's scale at its optimum for the current tilt (``lambda Q = (alpha P - N) / 2``),
``L_alpha = -(alpha P - N) / 2``, so the tilted loss crosses zero where ``alpha = r``: the tilt
at the critical epoch measures r.

Our trainings log P, N and Q (:mod:`.train`), so their r is ``N / P``. The published log has
only ``L_alpha``, ``L_1`` and the last batch's mean dh (a one-batch value, too noisy for N);
there ``P = (L_alpha - L_1) / (1 - alpha)`` and N follows from the optimum-scale condition:
``r = alpha + 2 L_alpha / P`` (undefined in the first epoch, where ``alpha = 1``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def ratio_from_log(log: pd.DataFrame) -> np.ndarray:
    """``r = N / P`` per epoch of one of our training logs (columns ``mean_dh_neg``,
    ``mean_dh_pos``); NaN where P = 0.

    Parameters
    ----------
    log : DataFrame
        A training log of :func:`thermolearn.paper_b.train.train_model`.

    Returns
    -------
    ndarray, shape (epochs,)
    """
    pos = np.asarray(log["mean_dh_pos"], dtype=float)
    neg = np.asarray(log["mean_dh_neg"], dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(pos > 0, neg / pos, np.nan)


#: The paper's Adam steps per epoch: all 500 runs, 499 pairs each, batches of 512, the
#: incomplete last batch dropped (its public code).
PAPER_STEPS_PER_EPOCH = 487
#: The paper's number of epochs (its tilt schedule).
PAPER_EPOCHS = 120
#: Arrow row: the tilt at the crossing (the learned h's r there) at most this: h's backward
#: steps below half its forward ones when the tilt overtakes it (see :func:`collapsed`).
MAX_CROSSING_RATIO = 0.5


def _alpha(epoch_from_1, n_epochs: int, alpha_final: float) -> np.ndarray:
    """The tilt of epochs counted from 1 (:func:`.deepsets.alpha_schedule`, vectorised)."""
    e = np.asarray(epoch_from_1, dtype=float) - 1.0
    return 1.0 - (1.0 - alpha_final) * e / (n_epochs - 1) if n_epochs > 1 else np.ones_like(e)


def paper_ratio_curve(ref_log: pd.DataFrame, steps_per_epoch: int = PAPER_STEPS_PER_EPOCH,
                      alpha_final: float = 0.2) -> pd.DataFrame:
    """The published trainings' r per epoch from their log (module docstring).

    Parameters
    ----------
    ref_log : DataFrame
        :func:`.reference.parse_training_log` (columns ``hidden``, ``epoch`` from 1,
        ``tilted_loss``, ``untilted_loss``).
    steps_per_epoch : int
        Adam steps per epoch of the published trainings (487).
    alpha_final : float
        Their final tilt (0.2).

    Returns
    -------
    DataFrame
        Columns ``hidden``, ``epoch``, ``steps`` (cumulative Adam steps at the epoch's end),
        ``alpha``, ``P`` (``(L_alpha - L_1) / (1 - alpha)``) and ``r``
        (``alpha + 2 L_alpha / P``); NaN in the first epoch (``alpha = 1``).
    """
    out = []
    for h, lg in ref_log.groupby("hidden", sort=True):
        lg = lg.sort_values("epoch")
        n_epochs = int(lg["epoch"].max())
        alpha = _alpha(lg["epoch"], n_epochs, alpha_final)
        la = lg["tilted_loss"].to_numpy(float)
        l1 = lg["untilted_loss"].to_numpy(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            p = np.where(alpha < 1.0, (la - l1) / (1.0 - alpha), np.nan)
            r = alpha + 2.0 * la / p
        out.append(pd.DataFrame({"hidden": int(h), "epoch": lg["epoch"].to_numpy(int),
                                 "steps": lg["epoch"].to_numpy(int) * int(steps_per_epoch),
                                 "alpha": alpha, "P": p, "r": r}))
    return pd.concat(out, ignore_index=True)


def our_ratio_curve(log: pd.DataFrame, hidden: int) -> pd.DataFrame:
    """Our training's r per epoch: the columns of :func:`paper_ratio_curve` from a log of
    :func:`thermolearn.paper_b.train.train_model` (``P`` and ``r = N / P`` measured)."""
    return pd.DataFrame({"hidden": int(hidden), "epoch": log["epoch"].to_numpy(int),
                         "steps": log["steps"].to_numpy(int),
                         "alpha": log["alpha"].to_numpy(float),
                         "P": log["mean_dh_pos"].to_numpy(float), "r": ratio_from_log(log)})


def ratio_at_steps(curve: pd.DataFrame, steps: float) -> float:
    """r of one training's curve (:func:`paper_ratio_curve`, one width) at ``steps`` cumulative
    Adam steps: linear in steps between epochs' ends; NaN outside the epochs with an r.
    """
    ok = np.isfinite(curve["r"].to_numpy(float))
    x = curve["steps"].to_numpy(float)[ok]
    y = curve["r"].to_numpy(float)[ok]
    if not len(x) or not np.isfinite(steps) or steps < x[0] or steps > x[-1]:
        return float("nan")
    return float(np.interp(steps, x, y))


def crossing(tilted_loss_e, n_epochs: int | None = None, alpha_final: float = 0.2,
             steps_per_epoch: int = PAPER_STEPS_PER_EPOCH) -> dict:
    """The critical epoch of a log, its tilt and its cumulative Adam steps.

    Returns
    -------
    dict
        ``critical_epoch`` (from 1, :func:`thermolearn.paper_b.train.critical_epoch`; NaN if
        none), ``critical_alpha`` (the tilt of that epoch, which equals the learned h's r
        there) and ``critical_steps`` (Adam steps up to that epoch's end).
    """
    from .train import critical_epoch  # here: loads torch (start-up time)

    loss_e = np.asarray(tilted_loss_e, dtype=float)
    n_epochs = len(loss_e) if n_epochs is None else int(n_epochs)
    ce = critical_epoch(loss_e)
    if not np.isfinite(ce):
        return {"critical_epoch": ce, "critical_alpha": np.nan, "critical_steps": np.nan}
    return {"critical_epoch": ce, "critical_alpha": float(_alpha(ce, n_epochs, alpha_final)),
            "critical_steps": float(ce * steps_per_epoch)}


def collapsed(critical_alpha: float) -> bool:
    """The collapse test of the Arrow row, from the logged tilted loss.

    The tilted loss crosses zero where the tilt equals the learned h's ratio r = N / P (module
    docstring). A model that learned the arrow has small r (the paper's: 0.37, 0.30, 0.26 at
    their crossings): its h steps back much less than forward. A model whose h is flat up to
    noise has r -> 1 and is overtaken as soon as the tilt starts to fall. The model counts as
    collapsed when it never crossed or crossed at a tilt above :data:`MAX_CROSSING_RATIO`, i.e.
    when its backward steps were more than half its forward ones when the tilt overtook it.
    """
    return not (np.isfinite(critical_alpha) and critical_alpha <= MAX_CROSSING_RATIO)
