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
    Shortcut,
    StrideField,
    ZeroInit,
)
from schemas.common import Name, SchemaVersion, SpecModel


class Stem(SpecModel):
    """The network's stem."""

    type: Annotated[
        Literal["imagenet", "cifar"],
        Field(
            description="'imagenet': 7×7/2 conv + BN + ReLU + 3×3/2 max-pool; 'cifar': 3×3/1 "
            "conv + BN + ReLU."
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
    shortcut: Shortcut = "auto"
    post_add_activation: PostAddActivation = None
    zero_init_last_bn: ZeroInit = True


class NetworkSpec(SpecModel):
    """A classifier: stem, stages of residual blocks, global average pool + linear head."""

    schema_version: SchemaVersion = 1
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
