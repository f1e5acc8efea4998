"""Figure style and atomic saving."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import seaborn as sns  # noqa: E402

from .io import atomic_path  # noqa: E402


def style() -> None:
    """A clean, talk-ready style (seaborn's ticks with a readable context)."""

    sns.set_theme(context="notebook", style="ticks", palette="colorblind")
    plt.rcParams.update({"figure.dpi": 110, "savefig.dpi": 150, "axes.grid": True,
                         "grid.alpha": 0.3, "figure.constrained_layout.use": True})


def save_figure(fig, path, **kwargs) -> None:
    """Save ``fig`` atomically (format from the suffix) and close it."""
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format=str(path).rsplit(".", 1)[-1], **kwargs)
    plt.close(fig)
