"""The training-curve figure of the siamese network (from ``metrics.json``)."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib.pyplot as plt

from ...plotting import save_figure, style


def plot_training_curve(metrics: dict, out: str | Path) -> None:
    """Loss and accuracy per epoch (train: augmented random pairs; val: all pairs).

    The best-validation epoch (the kept weights) is marked, and the test result and the paper's
    test result are drawn as reference lines.
    """
    style()
    hist = metrics["history"]
    ep = [h["epoch"] for h in hist]
    fig, (ax_l, ax_a) = plt.subplots(1, 2, figsize=(10, 4))
    ax_l.plot(ep, [h["train_loss"] for h in hist], "o-", ms=3, label="train (augmented)")
    ax_l.plot(ep, [h["val_loss"] for h in hist], "s-", ms=3, label="validation")
    ax_a.plot(ep, [h["train_accuracy"] for h in hist], "o-", ms=3, label="train (augmented)")
    ax_a.plot(ep, [h["val_accuracy"] for h in hist], "s-", ms=3, label="validation")
    paper = metrics.get("paper", {})
    for ax, key, paper_key in ((ax_l, "test_loss", "loss"), (ax_a, "test_accuracy", "accuracy")):
        ax.axhline(metrics[key], color="k", ls="--", lw=1,
                   label=f"test {metrics[key]:.4f} (best epoch)")
        if paper_key in paper:
            ax.axhline(paper[paper_key], color="gray", ls=":", lw=1,
                       label=f"paper test {paper[paper_key]:.4f}")
        if metrics.get("best_epoch", 0) > 0:
            ax.axvline(metrics["best_epoch"], color="C3", lw=0.8, alpha=0.6)
        ax.set_xlabel("epoch")
        ax.legend(fontsize="small")
    ax_l.set_ylabel("cross-entropy loss (nats)")
    ax_l.set_yscale("log")
    ax_a.set_ylabel("pair accuracy")
    ax_a.set_ylim(top=1.005)
    fig.suptitle(f"Siamese network training ({metrics['device_name']}, "
                 f"{metrics['epochs']} epochs, {metrics['wall_time_s'] / 60:.1f} min)")
    save_figure(fig, out)


def plot_training_curve_file(metrics_json: str | Path, out: str | Path) -> None:
    with open(metrics_json, encoding="utf-8") as fh:
        plot_training_curve(json.load(fh), out)
