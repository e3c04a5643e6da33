"""Networks: stem + stages of slot-wired residual blocks + global-average-pool / linear head.

`expand_blocks` turns a `NetworkSpec` into the `BlockSpec` of every block it contains (with the
input shape each block sees), so checks, diagrams and export treat network blocks exactly like
single blocks. A stage's `shortcut` is the skip of its first block, where stride and channels
change (as torchvision and timm place their downsample); the later blocks, whose shapes match,
keep `auto` — an identity skip.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import torch
from torch import nn

from resattn.fusion import build_block
from resattn.layers import STEM_TABLES, BoundTable, instantiate
from resattn.shapes import block_out_hw, stem_out_hw
from schemas import BlockSpec, InputSpec, NetworkSpec, design_key


@dataclass(frozen=True)
class NetworkBlock:
    """One block of a network: where it sits and the block spec it compiles from."""

    stage: int  # 0-based stage index
    index: int  # 0-based block index within the stage
    spec: BlockSpec
    #: the block's JSON without its name (`schemas.design_key`), worked out once per expansion:
    #: every per-block cache of the engine is keyed by it
    key: str

    @property
    def path(self) -> str:
        """JSON path of the stage this block comes from."""
        return f"stages[{self.stage}]"


def expand_blocks(net: NetworkSpec) -> tuple[NetworkBlock, ...]:
    """Every block of the network as a `BlockSpec` with the input shape it actually sees.

    Cached by the network's JSON: lint, check, the estimates and the renderers all walk the
    blocks, and a 1,024-block network is expanded once, not once per caller. A block that
    repeats the one before it (`Stage.repeats_previous`) is that block renamed, sharing its
    key, so the expansion validates and serialises each distinct block once.
    """
    return _expand_blocks(design_key(net))


@functools.lru_cache(maxsize=64)
def _expand_blocks(net_json: str) -> tuple[NetworkBlock, ...]:
    net = NetworkSpec.model_validate_json(net_json)
    channels = net.stem.out_channels
    height, width = stem_out_hw(net.stem.type, net.input.height, net.input.width)
    blocks = []
    for i, stage in enumerate(net.stages):
        for j in range(stage.depth):
            stride = stage.stride if j == 0 else 1
            if stage.repeats_previous(j + 1):
                previous = blocks[-1]
                spec = previous.spec.model_copy(update={"name": _block_name(i, j)})
                key = previous.key
            else:
                spec = BlockSpec(
                    name=_block_name(i, j),
                    input=InputSpec(
                        channels=channels, height=height, width=width, batch=net.input.batch
                    ),
                    block={
                        **stage.block.model_dump(),
                        "out_channels": stage.out_channels,
                        "stride": stride,
                    },
                    slots=stage.block_slots(j + 1),
                    # the stage's shortcut is its first block's; the others keep their shapes
                    shortcut=stage.shortcut if j == 0 else "auto",
                    post_add_activation=stage.post_add_activation,
                    zero_init_last_bn=stage.zero_init_last_bn,
                )
                key = design_key(spec)
            blocks.append(NetworkBlock(i, j, spec, key))
            channels = stage.out_channels
            height, width = block_out_hw(height, width, stride)
    return tuple(blocks)


def _block_name(stage: int, index: int) -> str:
    """The name of block `index` of `stage` (both 0-based): ``stage1_block1``."""
    return f"stage{stage + 1}_block{index + 1}"


class ResAttnNet(nn.Module):
    """stem → stages → (final BN + ReLU for pre-activation) → global average pool → linear."""

    def __init__(
        self, stem: nn.Module, stages: nn.Module, final_norm: nn.Module | None, fc: nn.Linear
    ):
        super().__init__()
        self.stem = stem
        self.stages = stages
        self.final_norm = final_norm
        self.final_act = nn.ReLU() if final_norm is not None else None
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = fc

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stages(self.stem(x))
        if self.final_norm is not None:
            x = self.final_act(self.final_norm(x))
        return self.fc(torch.flatten(self.pool(x), 1))


def stem_table(net: NetworkSpec) -> BoundTable:
    """The stem's layer table (`resattn.layers.STEM_TABLES`) and the values of its parameters."""
    values = {"in_channels": net.input.channels, "out_channels": net.stem.out_channels}
    return STEM_TABLES[net.stem.type], values


def build_stem(net: NetworkSpec) -> nn.Sequential:
    """The network stem, instantiated from its layer table."""
    return instantiate(*stem_table(net))


def build_network(net: NetworkSpec) -> ResAttnNet:
    """Build the network of a (valid, lint-clean) `NetworkSpec`."""
    stages: list[list[nn.Module]] = [[] for _ in net.stages]
    for blk in expand_blocks(net):
        stages[blk.stage].append(build_block(blk.spec))
    last = net.stages[-1]
    final_norm = nn.BatchNorm2d(last.out_channels) if last.block.preact else None
    return ResAttnNet(
        stem=build_stem(net),
        stages=nn.Sequential(*(nn.Sequential(*blocks) for blocks in stages)),
        final_norm=final_norm,
        fc=nn.Linear(last.out_channels, net.num_classes),
    )
