"""The siamese network of Paper A (Table I).

One subnetwork S~(X) maps a state (a 5-frame video, F channels of H x W pixels) to a scalar; the
siamese network compares two states by ``p = sigmoid(S~(X1) - S~(X0))``, the probability that
X1 is the later state. :meth:`SiameseNet.forward` returns the logit ``S~(X1) - S~(X0)``.

Input scaling: images are stored as uint8 (0 = empty, 255 = fully covered pixel);
:func:`to_input` maps them to float32 in [0, 1] (``x = img / 255``). Every caller (training,
inference, the axiom tests) must go through :func:`to_input`.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from ... import devices

CONV_CHANNELS = (16, 32, 64, 64, 128)
DENSE_UNITS = (128, 64)
DROPOUT = 0.25
MIN_SIZE = 2 ** len(CONV_CHANNELS)  # each 2x2 stride-2 convolution halves the image


def to_input(img_uint8: torch.Tensor | np.ndarray, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """The network input of uint8 images: ``img / 255`` as float in [0, 1].

    Parameters
    ----------
    img_uint8 : tensor or array, uint8, shape (..., F, H, W)
        Rendered states (any leading axes). A numpy array is copied into a CPU tensor.

    dtype : torch.float32 (default) or torch.bfloat16 (the input under bfloat16 autocast)

    Returns
    -------
    torch.Tensor, ``dtype``, same shape, on the input's device; channels-last when 4-D.
    """
    if isinstance(img_uint8, np.ndarray):
        img_uint8 = np.ascontiguousarray(img_uint8)
        if not img_uint8.flags.writeable:  # a read-only memory map: torch wants its own copy
            img_uint8 = img_uint8.copy()
        img_uint8 = torch.from_numpy(img_uint8)
    if img_uint8.dtype != torch.uint8:
        raise TypeError(f"to_input expects uint8 images, got {img_uint8.dtype}")
    # the channels-last layout of the convolutions (see SiameseNet.subnet), transposed while
    # still one byte a pixel; bfloat16 holds 0..255 exactly and mul_ computes in float32, so
    # the bfloat16 input equals what autocast would make of the float32 one
    fmt = torch.channels_last if img_uint8.ndim == 4 else torch.contiguous_format
    return img_uint8.contiguous(memory_format=fmt).to(dtype).mul_(1.0 / 255.0)


def resolve_device(name: str) -> torch.device:
    """The device for config value ``name`` (see :func:`thermolearn.devices.resolve_device`)."""
    return devices.resolve_device(name, "paper_a.train.device")


def bf16_native(device: torch.device) -> bool:
    """Whether ``device`` computes bfloat16 natively (CUDA; CPUs with AVX512-BF16 or AMX).

    Elsewhere bfloat16 is emulated and slower than float32, so autocast stays off there.
    """
    if device.type == "cuda":
        return True
    return device.type == "cpu" and bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())


def autocast(device: torch.device, enabled: bool):
    """bfloat16 autocast of the convolutions on ``device`` (a no-op context when disabled)."""
    return torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=bool(enabled))


def conv_out_size(size: int) -> int:
    """Side of the feature map after the five 2x2 stride-2 convolutions (``size // 32``)."""
    for _ in CONV_CHANNELS:
        size = (size - 2) // 2 + 1
    return size


def flatten_size(size: int) -> int:
    """Length of the flattened feature vector for a square ``size`` x ``size`` input."""
    if size < MIN_SIZE:
        raise ValueError(f"image size {size} is smaller than {MIN_SIZE}: five stride-2 "
                         "convolutions need at least 32 pixels (paper_a.render.size)")
    return CONV_CHANNELS[-1] * conv_out_size(size) ** 2


class SiameseNet(nn.Module):
    """Siamese network of Table I with a shared subnetwork S~.

    Parameters
    ----------
    size : int
        Image side H = W in pixels (256 in the paper); fixes the flatten size.
    n_frames : int
        Frames per state (input channels; 5 in the paper).

    Notes
    -----
    Weights are initialised as Keras does by default (the paper used TensorFlow): Glorot-uniform
    kernels, zero biases. ``features`` = the five convolutions and the flatten; ``head`` =
    dropout and the dense layers (kept in float32 under mixed precision).
    """

    def __init__(self, size: int, n_frames: int):
        super().__init__()
        self.size, self.n_frames = int(size), int(n_frames)
        conv: list[nn.Module] = []
        c_in = self.n_frames
        for c_out in CONV_CHANNELS:
            conv += [nn.Conv2d(c_in, c_out, kernel_size=2, stride=2), nn.ReLU(inplace=True)]
            c_in = c_out
        conv.append(nn.Flatten())
        head: list[nn.Module] = [nn.Dropout(DROPOUT)]
        n_in = flatten_size(self.size)
        for n_out in DENSE_UNITS:
            head += [nn.Linear(n_in, n_out), nn.ReLU()]
            n_in = n_out
        head.append(nn.Linear(n_in, 1))
        self.features = nn.Sequential(*conv)
        self.head = nn.Sequential(*head)
        self.reset_parameters()
        self.features.to(memory_format=torch.channels_last)  # see subnet()

    def reset_parameters(self) -> None:
        for mod in self.modules():
            if isinstance(mod, (nn.Conv2d, nn.Linear)):
                nn.init.xavier_uniform_(mod.weight)
                nn.init.zeros_(mod.bias)

    def _check(self, x: torch.Tensor) -> None:
        if x.ndim != 4 or tuple(x.shape[1:]) != (self.n_frames, self.size, self.size):
            raise ValueError(f"SiameseNet expects input (B, {self.n_frames}, {self.size}, "
                             f"{self.size}), got {tuple(x.shape)}")

    def subnet(self, x: torch.Tensor) -> torch.Tensor:
        """S~(x) for a batch of states.

        Parameters
        ----------
        x : tensor, float, shape (B, F, H, W)
            States scaled by :func:`to_input`.

        Returns
        -------
        tensor, shape (B,)
        """
        self._check(x)
        # channels-last (NHWC) layout: oneDNN's fast path for these stride-2 convolutions on the
        # CPU, and cuDNN's for bfloat16 on the GPU (a layout change only: same numbers)
        h = self.features(x.contiguous(memory_format=torch.channels_last))
        # the dense head runs in float32 also under autocast: S~ is compared by differences,
        # which bfloat16 (8 significant bits) would round away
        with torch.autocast(device_type=x.device.type, enabled=False):
            return self.head(h.float()).squeeze(-1)

    def forward(self, x0: torch.Tensor, x1: torch.Tensor) -> torch.Tensor:
        """Logit that ``x1`` is the later state: ``S~(x1) - S~(x0)``, shape (B,).

        Both inputs go through the subnetwork as one batch (same weights, one pass).
        """
        s = self.subnet(torch.cat([x0, x1], dim=0))
        s0, s1 = s.split(x0.shape[0])
        return s1 - s0


@torch.no_grad()
def score_tensor(model: SiameseNet, img_sfhw: torch.Tensor, batch_size: int = 256,
                 device: torch.device | str | None = None) -> torch.Tensor:
    """S~ of every state of a uint8 stack, in eval mode (no dropout), float32 on the CPU.

    Parameters
    ----------
    img_sfhw : uint8 tensor or array, shape (S, F, H, W)
    batch_size : int
        States per forward pass.
    device : optional
        Where to run (default: the model's device); batches are moved there one at a time.

    Returns
    -------
    torch.Tensor, float32, shape (S,)
    """
    was_training = model.training
    model.eval()
    dev = torch.device(device) if device is not None else next(model.parameters()).device
    out = []
    try:
        for start in range(0, len(img_sfhw), batch_size):
            chunk = img_sfhw[start:start + batch_size]
            if isinstance(chunk, np.ndarray):  # e.g. a read-only memory map: copy the batch
                chunk = torch.from_numpy(np.array(chunk, copy=True))
            out.append(model.subnet(to_input(chunk.to(dev))).float().cpu())
    finally:
        model.train(was_training)
    return torch.cat(out) if out else torch.zeros(0)
