"""Paper A, Fig. 1(b): the piston protocol of one process and example images."""

from __future__ import annotations

from typing import Mapping

import numpy as np


def example_states(Lx_s: np.ndarray, L: float) -> list[int]:
    """Four states of the first cycle: start, mid-push, turning point, mid-pull.

    Parameters
    ----------
    Lx_s : array, shape (S,)
        Piston position of every state.
    L : float
        Container side (the piston starts at Lx = L).
    """
    n = len(Lx_s)
    turn = int(np.argmin(Lx_s))  # first state at the turning point
    back = next((s for s in range(turn, n) if Lx_s[s] >= L - 1e-9), n - 1)
    picks = [0, turn // 2, turn, (turn + back) // 2]
    out = []
    for s in picks:  # distinct, in order (tiny processes have few states)
        if s not in out:
            out.append(s)
    return out


def crop_window(size: int) -> int:
    """Side of the zoomed crop: an eighth of the image, at least 16 px."""
    return max(16, min(size, size // 8))


def plot_fig1b(md: Mapping[str, np.ndarray], img_sfhw: np.ndarray, paper_a: Mapping,
               process: str, path) -> None:
    """Piston position vs time with the recording times marked, and example frames.

    Parameters
    ----------
    md : mapping
        Arrays of the MD artifact: ``piston_t``, ``piston_Lx``, ``time_sf``, ``Lx_s``.
    img_sfhw : uint8 array, shape (S, F, H, W)
        The process's images.
    paper_a : mapping
        ``paper_a`` config (``gas.L``, ``render``).
    process : str
        Process name (for the title).
    path : path
        Output figure.
    """
    import matplotlib.pyplot as plt
    from matplotlib.gridspec import GridSpec

    from ...plotting import save_figure, style

    style()
    L = float(paper_a["gas"]["L"])
    n_s, n_f, size = img_sfhw.shape[0], img_sfhw.shape[1], img_sfhw.shape[2]
    picks = example_states(md["Lx_s"], L)
    letters = "abcdefgh"
    n_col = len(picks) + 1
    fig = plt.figure(figsize=(3.0 * n_col, 6.6))
    gs = GridSpec(2, n_col, figure=fig, height_ratios=[1.0, 1.1])

    ax = fig.add_subplot(gs[0, :])
    ax.plot(md["piston_t"], md["piston_Lx"], color="C0", lw=1.6, label=r"piston $L_x(t)$")
    t_rec = md["time_sf"]  # (S, F): the recording times
    top = L * 1.06
    ax.plot(t_rec[:, 0], np.full(n_s, top), ls="none", marker="v", ms=7, color="C3",
            label=f"state recorded ({n_f} frames, $\\Delta t$ = "
                  f"{paper_a['protocol']['dt_rec']:g})")
    for s, letter in zip(picks, letters):
        ax.annotate(f"({letter})", (t_rec[s, 0], top), xytext=(0, 7),
                    textcoords="offset points", ha="center", va="bottom", fontsize=10)
    ax.set_xlabel(r"time $t$  [$R\sqrt{m/k_BT_0}$]")
    ax.set_ylabel(r"piston position $L_x$  [$R$]")
    ax.set_ylim(0.4 * L, 1.16 * L)
    ax.set_xlim(0, float(md["piston_t"][-1]) * 1.01)
    ax.legend(loc="lower right", fontsize=9, framealpha=0.9)
    ax.set_title(f"Process {process}: {n_s} states; images {size} x {size} px "
                 f"(canvas {paper_a['render']['canvas']} px)", fontsize=11)

    for col, (s, letter) in enumerate(zip(picks, letters)):
        axi = fig.add_subplot(gs[1, col])
        axi.imshow(img_sfhw[s, 0], cmap="gray", vmin=0, vmax=255, origin="lower",
                   extent=(0, L, 0, L), interpolation="nearest")
        axi.axvline(md["Lx_s"][s], color="C1", lw=1.2, ls="--")
        axi.set_title(f"({letter}) $t$ = {t_rec[s, 0]:.0f}, $L_x$ = {md['Lx_s'][s]:.4g}",
                      fontsize=9)
        axi.set_xticks([0, L / 2, L])
        axi.set_yticks([0, L / 2, L])
        axi.grid(False)
        if col == 0:
            axi.set_ylabel(r"$y$  [$R$]")
        axi.set_xlabel(r"$x$  [$R$]")

    # Zoom: the first and last frame of one state overlaid (motion = temperature)
    s = picks[-1]
    c = crop_window(size)
    w_piston = int(md["Lx_s"][s] * size / L)
    w0 = max(0, min(w_piston // 2 - c // 2, size - c))
    h0 = (size - c) // 2
    crop0 = img_sfhw[s, 0, h0:h0 + c, w0:w0 + c].astype(float) / 255
    crop1 = img_sfhw[s, -1, h0:h0 + c, w0:w0 + c].astype(float) / 255
    rgb = np.stack([crop0, crop1, crop0], axis=-1)  # frame 0 magenta, last frame green
    px = L / size
    axz = fig.add_subplot(gs[1, -1])
    axz.imshow(rgb, origin="lower", interpolation="nearest",
               extent=(w0 * px, (w0 + c) * px, h0 * px, (h0 + c) * px))
    axz.set_title(f"zoom of ({letters[len(picks) - 1]}): frame 1 (magenta)\n"
                  f"vs frame {n_f} (green), {c} x {c} px", fontsize=9)
    axz.set_xlabel(r"$x$  [$R$]")
    axz.grid(False)
    save_figure(fig, path)
