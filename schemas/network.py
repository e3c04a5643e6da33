"""Network specs (spec v1): stem + stages of residual blocks + classifier head."""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import Field

from schemas.attention import Slots
from schemas.block import (
    BasicFields,
    BottleneckFields,
    InputSpec,
    OutChannels,
    PostAddActivation,
    StrideField,
    ZeroInit,
)
from schemas.common import Name, SpecModel


class Stem(SpecModel):
    """The network's stem."""

    type: Annotated[
        Literal["imagenet", "cifar", "deep", "deep_tiered"],
        Field(
            description="'imagenet': 7×7/2 conv + BN + ReLU + 3×3/2 max-pool; 'cifar': 3×3/1 "
            "conv + BN + ReLU; 'deep' (ResNet-C): three 3×3 convs 32 → 32 → out_channels, the "
            "first with stride 2, BN + ReLU after each, then 3×3/2 max-pool; 'deep_tiered': the "
            "same with 24 → 32 → out_channels. With `shortcut: avgpool_conv1x1` per stage a "
            "deep stem makes ResNet-D."
        ),
    ] = "imagenet"
    out_channels: Annotated[int, Field(ge=1, le=4096, description="Channels the stem outputs.")] = (
        64
    )


StageBlock = Annotated[
    Union[BasicFields, BottleneckFields],
    Field(
        discriminator="type",
        description="The block fields of this stage (out_channels and stride are the stage's).",
    ),
]


class Stage(SpecModel):
    """`depth` blocks of one kind; the stride applies to the first block."""

    depth: Annotated[int, Field(ge=1, le=64, description="Number of blocks in the stage.")]
    out_channels: OutChannels
    stride: StrideField = 1
    block: StageBlock
    slots: Annotated[Slots, Field(description="Attention slots of every block of this stage.")] = (
        Slots()
    )
    shortcut: Annotated[
        Literal["auto", "identity", "conv1x1", "avgpool_conv1x1"],
        Field(
            description="The skip P of the stage's first block (where stride or channels "
            "change): 'auto', 'identity', 'conv1x1' or 'avgpool_conv1x1' (ResNet-D). The later "
            "blocks of the stage keep matching shapes and an identity skip. Notes §12.2."
        ),
    ] = "auto"
    post_add_activation: PostAddActivation = None
    zero_init_last_bn: ZeroInit = True


class NetworkSpec(SpecModel):
    """A classifier: stem, stages of residual blocks, global average pool + linear head."""

    schema_version: Annotated[
        Literal[1], Field(description="Version of the spec format (always written; 1).")
    ] = 1
    name: Name = "resattn_net"
    input: Annotated[InputSpec, Field(description="Shape of the network's input.")]
    stem: Annotated[Stem, Field(description="The stem.")] = Stem()
    stages: Annotated[
        list[Stage], Field(min_length=1, max_length=16, description="The stages, in order.")
    ]
    num_classes: Annotated[
        int, Field(ge=1, le=100_000, description="Outputs of the linear classifier.")
    ] = 1000

    @property
    def kind(self) -> str:
        return "network"
