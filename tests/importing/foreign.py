"""Models that are not (entirely) spec v1 designs, written with torch for the fit-report tests."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F


def _stem() -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(3, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8), nn.ReLU())


class _Net(nn.Module):
    """cifar stem → one residual block of channels 8 → pool → linear (3 classes)."""

    def __init__(self, block: nn.Module):
        super().__init__()
        self.stem, self.block, self.fc = _stem(), block, nn.Linear(8, 3)

    def forward(self, x):
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(self.block(self.stem(x)), 1), 1))


class _Residual(nn.Module):
    def __init__(self, branch: nn.Module):
        super().__init__()
        self.branch = branch

    def forward(self, x):
        return F.relu(x + self.branch(x))


def basic_branch(norm=nn.BatchNorm2d) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(8, 8, 3, padding=1, bias=False),
        norm(8),
        nn.ReLU(),
        nn.Conv2d(8, 8, 3, padding=1, bias=False),
        norm(8),
    )


def groupnorm_net() -> nn.Module:
    """A residual block whose norms are GroupNorm (2 groups)."""
    return _Net(_Residual(basic_branch(lambda c: nn.GroupNorm(2, c))))


class ContextBlock(nn.Module):
    """Global-context block (Cao et al., GCNet): x + transform(softmax-pooled context)."""

    def __init__(self, c: int, hidden: int = 4):
        super().__init__()
        self.mask = nn.Conv2d(c, 1, 1)
        self.transform = nn.Sequential(
            nn.Conv2d(c, hidden, 1),
            nn.LayerNorm([hidden, 1, 1]),
            nn.ReLU(),
            nn.Conv2d(hidden, c, 1),
        )

    def forward(self, x):
        n, c, h, w = x.shape
        weights = torch.softmax(self.mask(x).view(n, 1, h * w), dim=-1)  # N×1×HW
        context = torch.matmul(x.view(n, c, h * w), weights.transpose(1, 2)).view(n, c, 1, 1)
        return x + self.transform(context)


def context_net() -> nn.Module:
    """A basic residual block with a global-context (additive) block at the end of its branch."""
    return _Net(_Residual(nn.Sequential(*basic_branch(), ContextBlock(8))))


class SelectiveKernel(nn.Module):
    """Selective-kernel conv (Li et al., SKNet): 3×3 and dilated 3×3 paths, softmax-selected."""

    def __init__(self, c: int):
        super().__init__()
        self.paths = nn.ModuleList(
            nn.Sequential(nn.Conv2d(c, c, 3, padding=d, dilation=d, bias=False), nn.ReLU())
            for d in (1, 2)
        )
        self.fc = nn.Conv2d(c, 4, 1)
        self.select = nn.Conv2d(4, 2 * c, 1)

    def forward(self, x):
        a, b = (p(x) for p in self.paths)
        z = self.fc((a + b).mean((2, 3), keepdim=True))
        n, c = x.shape[:2]
        attn = torch.softmax(self.select(z).view(n, 2, c, 1, 1), dim=1)
        return a * attn[:, 0] + b * attn[:, 1]


def sk_net() -> nn.Module:
    branch = nn.Sequential(
        nn.Conv2d(8, 8, 1, bias=False),
        nn.ReLU(),
        SelectiveKernel(8),
        nn.Conv2d(8, 8, 1, bias=False),
        nn.BatchNorm2d(8),
    )
    return _Net(_Residual(branch))


def plain_cnn() -> nn.Module:
    """No skip connection anywhere."""
    return nn.Sequential(
        _stem(),
        nn.Conv2d(8, 8, 3, padding=1),
        nn.ReLU(),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(8, 3),
    )


EXAMPLE = torch.zeros(1, 3, 8, 8)
