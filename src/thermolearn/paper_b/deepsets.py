"""The DeepSets model of Paper B (Table 1) and its tilted arrow-of-time loss (Eqs. 11-12).

``h(V) = rho(sum_i phi(v_i))`` with ``phi = Linear(2, h), ReLU, Linear(h, h), ReLU`` applied to
each disk's velocity and ``rho = Linear(h, h), ReLU, Linear(h, 1)``: invariant under permutations
of the disks. The state-dict keys (``phi.0``, ``phi.2``, ``rho.0``, ``rho.2``) are those of the
published weights, which therefore load into this class unchanged.

Training on a CPU does not go through autograd: :func:`tilted_pair_grads` computes the tilted
loss of a batch of pairs and the exact gradient of every parameter in one pass over cache-sized
chunks of pairs (phi, the sum over disks, rho, the loss, and the hand-written backward of each,
while the chunk's activations are still in cache), in float32. It also uses that consecutive
frames differ only in the few disks that collided in between: phi runs on every disk of
``V_t`` and on the changed disks only of ``V_t+1``. Autograd through
``nn.Sequential`` writes and reads ``2 B N h`` activations per layer and batch (512 pairs,
1000 disks, h = 64: 262 MB per layer) and is memory-bound; the fused pass is not
(``benchmarks/deepsets_throughput.py``). Its results equal autograd's to float32 rounding
(tested against autograd in float64). :func:`autograd_pair_grads` is the plain autograd step
(used on CUDA, and as the reference of the tests).
"""

from __future__ import annotations

import numpy as np
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

        Without autograd (``torch.no_grad``) on a CPU, the sum over disks is taken over chunks
        of states (:func:`phi_sum`) so that no ``B N h`` activation is ever stored; the result
        equals the plain ``nn.Sequential`` forward to float32 rounding.

        Parameters
        ----------
        vel_bnd : tensor, shape (B, N, 2)
            Velocities of the N disks of B states.

        Returns
        -------
        tensor, shape (B,)
        """
        if not torch.is_grad_enabled() and vel_bnd.device.type == "cpu":
            return self.rho(phi_sum(self, vel_bnd)).squeeze(-1)
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
    full ``dh``; ``alpha = 1`` is the untilted loss of Eq. (10b). Written as in the paper's
    code, ``-leaky_relu(-dh, alpha)``, so that its gradient at ``dh = 0`` (which float32 outputs
    reach) is the paper's: ``alpha``.
    """
    return (-(-torch.nn.functional.leaky_relu(-dh_b, negative_slope=alpha)).mean()
            + lambda_reg * (dh_b**2).mean())


def tilted_loss_grad(dh_b: torch.Tensor, alpha: float, lambda_reg: float,
                     n_pairs: int) -> torch.Tensor:
    """``d tilted_loss / d dh`` of each pair of a batch of ``n_pairs``:
    ``(-s + 2 lambda dh) / n_pairs`` with ``s = 1`` for ``dh < 0`` and ``alpha`` otherwise
    (``leaky_relu``'s slope at 0 included)."""
    slope_b = torch.full_like(dh_b, -alpha).masked_fill_(dh_b < 0, -1.0)  # in dh's dtype
    return (slope_b + 2.0 * lambda_reg * dh_b) / n_pairs


def rows_per_chunk(hidden: int) -> int:
    """States per chunk times disks: about 2**18 activations of width ``hidden`` (1 MB in float32)
    per layer, which keeps a chunk in the L2/L3 cache (measured best on a 2-core EPYC)."""
    return max(1, 2**18 // int(hidden))


@torch.no_grad()
def phi_sum(model: DeepSets, vel_bnd: torch.Tensor) -> torch.Tensor:
    """``sum_i phi(v_i)`` per state, over chunks of states; shape (B, h)."""
    n_states, n_disks, dim = vel_bnd.shape
    w1t, b1 = model.phi[0].weight.t(), model.phi[0].bias
    w2t, b2 = model.phi[2].weight.t(), model.phi[2].bias
    per = max(1, rows_per_chunk(model.hidden) // n_disks)
    out = torch.empty(n_states, model.hidden, dtype=w1t.dtype, device=vel_bnd.device)
    for a in range(0, n_states, per):
        x = vel_bnd[a:a + per].reshape(-1, dim)
        a2 = torch.addmm(b2, torch.addmm(b1, x, w1t).relu_(), w2t).relu_()
        out[a:a + per] = a2.view(-1, n_disks, model.hidden).sum(dim=1)
    return out


def autograd_pair_grads(model: DeepSets, v0_bnd: torch.Tensor, v1_bnd: torch.Tensor,
                        alpha: float, lambda_reg: float = 0.2) -> torch.Tensor:
    """The plain autograd step: ``model`` on both states, :func:`tilted_loss`, backward.

    Sets ``p.grad`` of every parameter (overwriting it) and returns ``dh`` (B,), detached.
    """
    h = model(torch.cat([v0_bnd, v1_bnd]))
    dh = h[len(v0_bnd):] - h[:len(v0_bnd)]
    loss = tilted_loss(dh, alpha, lambda_reg)
    model.zero_grad(set_to_none=True)
    loss.backward()
    return dh.detach()


def _phi_backward(grads: dict, x: torch.Tensor, a1: torch.Tensor, g_z2: torch.Tensor,
                  w1, b1, w2, b2) -> None:
    """Add phi's parameter gradients for rows ``x`` (M, 2) with first-layer activations ``a1``
    (M, h) and the gradient ``g_z2`` (M, h) at the second layer's pre-activation."""
    grads[w2] += g_z2.t() @ a1
    grads[b2] += g_z2.sum(dim=0)
    g_z1 = (g_z2 @ w2).mul_(a1 > 0)
    grads[w1] += g_z1.t() @ x
    grads[b1] += g_z1.sum(dim=0)


@torch.no_grad()
def tilted_pair_grads(model: DeepSets, v0_bnd: torch.Tensor, v1_bnd: torch.Tensor,
                      alpha: float, lambda_reg: float = 0.2,
                      pairs_per_chunk: int | None = None) -> torch.Tensor:
    """Gradient of :func:`tilted_loss` over a batch of pairs, fused and chunked (no autograd).

    Consecutive frames differ only in the disks that collided in between (a few percent), so
    ``S(V_t+1) = S(V_t) + sum over changed disks of (phi(v') - phi(v))`` with ``S = sum_i phi``.
    For each chunk of pairs: phi on every disk of ``V_t`` (``a1 = relu(x W1^T + b1)``,
    ``a2 = relu(a1 W2^T + b2)``) and on the changed disks of both states, the two sums,
    ``y = relu(S R1^T + c1)``, ``out = y R2^T + c2``, ``dh = out(V_t+1) - out(V_t)``; then, with
    ``g = dL/d dh`` (:func:`tilted_loss_grad`), the chain rule back through rho and the sums
    (``dL/dS_t + dL/dS_t+1`` for every disk of ``V_t``, ``+-dL/dS_t+1`` for the changed disks)
    and both phi layers, while the chunk's activations are in cache. The loss is separable over
    pairs, so the chunks' gradients add up to the batch gradient; all of it equals autograd's up
    to the order of the float sums (a pair whose states differ everywhere just costs more).

    Parameters
    ----------
    v0_bnd, v1_bnd : tensor, shape (B, N, 2)
        The states ``V_t`` and ``V_t+1`` of B pairs.
    alpha, lambda_reg : float
        Tilt and weight of ``mean(dh^2)``.
    pairs_per_chunk : int, optional
        Default: :func:`rows_per_chunk` rows (N disks per pair).

    Returns
    -------
    dh_b : tensor, shape (B,)
        ``h(V_t+1) - h(V_t)``. Every parameter's ``.grad`` is set (overwritten).
    """
    n_pairs, n_disks, dim = v0_bnd.shape
    hid = model.hidden
    w1, b1 = model.phi[0].weight, model.phi[0].bias
    w2, b2 = model.phi[2].weight, model.phi[2].bias
    r1, c1 = model.rho[0].weight, model.rho[0].bias
    r2, c2 = model.rho[2].weight, model.rho[2].bias
    w1t, w2t, r1t = w1.t(), w2.t(), r1.t()
    grads = {p: torch.zeros_like(p) for p in (w1, b1, w2, b2, r1, c1, r2, c2)}
    per = pairs_per_chunk or max(1, rows_per_chunk(hid) // n_disks)
    dh_b = torch.empty(n_pairs, dtype=w1.dtype, device=v0_bnd.device)
    for a in range(0, n_pairs, per):
        c = min(per, n_pairs - a)
        x0, x1 = v0_bnd[a:a + c], v1_bnd[a:a + c]                           # (c, N, 2)
        pair_k, disk_k = (x0 != x1).any(dim=-1).nonzero(as_tuple=True)      # changed disks
        xc = torch.cat([x0[pair_k, disk_k], x1[pair_k, disk_k]])            # (2 K, 2)
        x = x0.reshape(-1, dim)                                              # (c N, 2)
        a1 = torch.addmm(b1, x, w1t).relu_()                                 # (c N, h)
        a2 = torch.addmm(b2, a1, w2t).relu_()
        ac1 = torch.addmm(b1, xc, w1t).relu_()                               # (2 K, h)
        ac2 = torch.addmm(b2, ac1, w2t).relu_()
        k = len(pair_k)
        s0 = a2.view(c, n_disks, hid).sum(dim=1)                             # (c, h)
        ds = torch.zeros_like(s0).index_add_(0, pair_k, ac2[k:]).index_add_(0, pair_k,
                                                                            ac2[:k], alpha=-1)
        s = torch.cat([s0, s0 + ds])                                         # (2 c, h)
        y = torch.addmm(c1, s, r1t)
        r = y.relu()
        out = torch.addmm(c2, r, r2.t()).squeeze(-1)                         # (2 c,)
        dh = out[c:] - out[:c]
        dh_b[a:a + c] = dh
        g_dh = tilted_loss_grad(dh, alpha, lambda_reg, n_pairs)
        g_out = torch.cat([-g_dh, g_dh])                                     # (2 c,)
        grads[r2] += g_out[None, :] @ r
        grads[c2] += g_out.sum()
        g_y = (g_out[:, None] * r2).mul_(y > 0)                              # (2 c, h)
        grads[r1] += g_y.t() @ s
        grads[c1] += g_y.sum(dim=0)
        g_s = g_y @ r1                                                       # (2 c, h)
        g_s0, g_s1 = g_s[:c], g_s[c:]
        g_z2 = torch.where(a2.view(c, n_disks, hid) > 0, (g_s0 + g_s1)[:, None, :], 0.0)
        _phi_backward(grads, x, a1, g_z2.view(-1, hid), w1, b1, w2, b2)
        if k:
            g_c = g_s1[pair_k]
            g_zc2 = torch.cat([-g_c, g_c]).mul_(ac2 > 0)
            _phi_backward(grads, xc, ac1, g_zc2, w1, b1, w2, b2)
    for p, g in grads.items():
        p.grad = g
    return dh_b


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
    model.eval()
    n_runs, n_frames = vel_rfnd.shape[:2]
    flat_snd = vel_rfnd.reshape(n_runs * n_frames, *vel_rfnd.shape[2:])
    out = np.empty(n_runs * n_frames)
    for a in range(0, len(flat_snd), chunk):
        x = torch.as_tensor(np.ascontiguousarray(flat_snd[a:a + chunk], dtype=np.float32),
                            device=device)
        out[a:a + chunk] = model(x).double().cpu().numpy()
    return out.reshape(n_runs, n_frames)
