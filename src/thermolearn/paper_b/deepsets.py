"""The DeepSets model of Paper B (Table 1) and its tilted arrow-of-time loss (Eqs. 11-12).

``h(V) = rho(sum_i phi(v_i))`` with ``phi = Linear(2, h), ReLU, Linear(h, h), ReLU`` applied to
each disk's velocity and ``rho = Linear(h, h), ReLU, Linear(h, 1)``: invariant under permutations
of the disks. The state-dict keys (``phi.0``, ``phi.2``, ``rho.0``, ``rho.2``) are those of the
published weights, which therefore load into this class unchanged.
"""

from __future__ import annotations

import torch
from torch import nn

from .. import devices


class DeepSets(nn.Module):
    """``h(V) = rho(sum_i phi(v_i))``.

    Parameters
    ----------
    hidden : int
        Width ``h`` of every hidden layer.
    particle_dim : int
        Features per disk (2: vx, vy).
    """

    def __init__(self, hidden: int, particle_dim: int = 2):
        super().__init__()
        self.hidden = hidden
        self.phi = nn.Sequential(nn.Linear(particle_dim, hidden), nn.ReLU(),
                                 nn.Linear(hidden, hidden), nn.ReLU())
        self.rho = nn.Sequential(nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, 1))

    def forward(self, vel_bnd: torch.Tensor) -> torch.Tensor:
        """Model output per set.

        Parameters
        ----------
        vel_bnd : tensor, shape (B, N, 2)
            Velocities of the N disks of B states.

        Returns
        -------
        tensor, shape (B,)
        """
        return self.rho(self.phi(vel_bnd).sum(dim=1)).squeeze(-1)


def alpha_schedule(epoch: int, n_epochs: int, alpha_final: float = 0.2) -> float:
    """Tilt of epoch ``epoch`` (counted from 0): ``1 - (1 - alpha_final) epoch / (E - 1)``
    (Eq. 12; the paper's code uses ``alpha_final = 0.2``)."""
    if n_epochs <= 1:
        return 1.0
    return 1.0 - (1.0 - alpha_final) * epoch / (n_epochs - 1)


def tilted_loss(dh_b: torch.Tensor, alpha: float, lambda_reg: float = 0.2) -> torch.Tensor:
    """``-mean(min(dh, alpha dh)) + lambda mean(dh^2)`` for ``dh = h(V_t+1) - h(V_t)`` (Eq. 11).

    For ``alpha <= 1`` an increase of h (dh > 0) earns ``alpha dh`` while a decrease costs the
    full ``dh``; ``alpha = 1`` is the untilted loss of Eq. (10b).
    """
    return -torch.minimum(dh_b, alpha * dh_b).mean() + lambda_reg * (dh_b**2).mean()


def resolve_device(name: str) -> torch.device:
    """The device for config value ``name`` (see :func:`thermolearn.devices.resolve_device`)."""
    return devices.resolve_device(name, "paper_b.device")


@torch.no_grad()
def model_outputs(model: DeepSets, vel_rfnd, device: torch.device,
                  chunk: int = 256) -> "np.ndarray":  # noqa: F821
    """Model output for every frame of every run.

    Parameters
    ----------
    vel_rfnd : ndarray, shape (R, F, N, 2)
        Velocities (float32 is what the model sees).

    Returns
    -------
    ndarray, shape (R, F), float64
    """
    import numpy as np

    model.eval()
    n_runs, n_frames = vel_rfnd.shape[:2]
    flat_snd = vel_rfnd.reshape(n_runs * n_frames, *vel_rfnd.shape[2:])
    out = np.empty(n_runs * n_frames)
    for a in range(0, len(flat_snd), chunk):
        x = torch.as_tensor(np.ascontiguousarray(flat_snd[a:a + chunk], dtype=np.float32),
                            device=device)
        out[a:a + chunk] = model(x).double().cpu().numpy()
    return out.reshape(n_runs, n_frames)
