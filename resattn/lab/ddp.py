"""The process-group functions the probe's loop calls: alone they are identities, under
``torchrun`` they make DistributedDataParallel train the one-process model (gloo, CPU).

`resattn.lab.probe.train_probe` calls the functions here, so the same loop runs alone or under
``torchrun`` (the entry point is `resattn.lab.distributed`, which imports the probe; this module
imports nothing of the lab, so the two form no import cycle): every process draws the same
shuffled global batch and trains on its own equal slice of it; DDP averages the gradients,
which equals the gradient of the global batch's mean loss. Two things in a block would still
see only the local slice, and the lab handles both:

- **BatchNorm** normalises with batch statistics. PyTorch's `SyncBatchNorm` refuses CPU tensors,
  so `GlobalBatchNorm2d` sums the statistics over the processes with a differentiable
  all-reduce (the same algorithm on CPU). With it, N processes compute the one-process model up
  to float rounding (the sums are added in another order).
- **Dropout** masks come from each process's own random stream, so with ``dropout > 0`` the
  runs agree in distribution, not bit for bit.
"""

from __future__ import annotations

import torch
import torch.distributed as dist
from torch import nn


def world() -> tuple[int, int]:
    """(rank, world size) of this process; (0, 1) when not running distributed."""
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def all_sum(tensor: torch.Tensor) -> torch.Tensor:
    """The element-wise sum of `tensor` over every process (itself when alone)."""
    if world()[1] > 1:
        tensor = tensor.clone()
        dist.all_reduce(tensor)
    return tensor


class _SumOverProcesses(torch.autograd.Function):
    """All-reduce (sum) with a gradient: the gradient of a sum over processes is the sum of the
    gradients over processes."""

    @staticmethod
    def forward(ctx, tensor: torch.Tensor) -> torch.Tensor:
        return all_sum(tensor)

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> torch.Tensor:
        return all_sum(grad)


class GlobalBatchNorm2d(nn.BatchNorm2d):
    """BatchNorm2d whose training statistics are those of the global batch over every process.

    Mean and variance come from all-reduced sums with a gradient (`_SumOverProcesses`), so the
    gradient flows to every process's inputs exactly as in one process. Alone, or in eval mode,
    it is plain `nn.BatchNorm2d`.
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or world()[1] == 1:
            return super().forward(x)
        all_reduce = _SumOverProcesses.apply
        count = torch.tensor(float(x.numel() // x.shape[1]))
        count = all_sum(count)
        mean = all_reduce(x.sum((0, 2, 3))) / count
        centred = x - mean.view(1, -1, 1, 1)
        var = all_reduce(centred.pow(2).sum((0, 2, 3))) / count
        with torch.no_grad():
            self.num_batches_tracked.add_(1)
            m = self.momentum
            self.running_mean.mul_(1 - m).add_(mean.detach(), alpha=m)
            unbiased = var.detach() * count / (count - 1).clamp(min=1)
            self.running_var.mul_(1 - m).add_(unbiased, alpha=m)
        out = centred * torch.rsqrt(var + self.eps).view(1, -1, 1, 1)
        return out * self.weight.view(1, -1, 1, 1) + self.bias.view(1, -1, 1, 1)


def to_global_batchnorm(model: nn.Module) -> nn.Module:
    """Turn every `nn.BatchNorm2d` of `model` into a `GlobalBatchNorm2d` in place, keeping its
    parameters and buffers (the same tensors), and return the model."""
    for module in model.modules():
        if type(module) is nn.BatchNorm2d:
            module.__class__ = GlobalBatchNorm2d
    return model


def wrap(model: nn.Module) -> nn.Module:
    """The module to train: DDP around `model` (global batch norm) when distributed, else
    `model` itself."""
    if world()[1] == 1:
        return model
    from torch.nn.parallel import DistributedDataParallel

    to_global_batchnorm(model)
    # Buffers need no broadcast: global batch norm keeps running statistics equal everywhere.
    return DistributedDataParallel(model, forward_sync_buffers=False)


def local_slice(batch: torch.Tensor) -> torch.Tensor:
    """This process's equal, contiguous share of a global batch of indices."""
    rank, size = world()
    share = len(batch) // size
    return batch[rank * share : (rank + 1) * share]
