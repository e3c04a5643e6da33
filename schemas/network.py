"""Network specs (spec v1): stem + stages of residual blocks + classifier head."""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import Field, model_validator

from resattn.i18n import N_
from resattn.i18n.text import Text
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
from schemas.common import Name, SchemaVersion, SpecModel


class Stem(SpecModel):
    """The network's stem."""

    type: Annotated[
        Literal["imagenet", "cifar", "deep", "deep_tiered"],
        Field(
            description=N_(
                "'imagenet': 7×7/2 conv + BN + ReLU + 3×3/2 max-pool; 'cifar': 3×3/1 "
                "conv + BN + ReLU; 'deep' (ResNet-C): three 3×3 convs 32 → 32 → out_channels, the "
                "first with stride 2, BN + ReLU after each, then 3×3/2 max-pool; 'deep_tiered': "
                "the same with 24 → 32 → out_channels. With `shortcut: avgpool_conv1x1` per stage "
                "a deep stem makes ResNet-D."
            )
        ),
    ] = "imagenet"
    out_channels: Annotated[
        int, Field(ge=1, le=4096, description=N_("Channels the stem outputs."))
    ] = 64


StageBlock = Annotated[
    Union[BasicFields, BottleneckFields],
    Field(
        discriminator="type",
        description=N_("The block fields of this stage (out_channels and stride are the stage's)."),
    ),
]


class BlockOverride(SpecModel):
    """The attention of one block of a stage, in place of the stage's `slots` (notes §12.4:
    attention chosen where it pays, down to the block)."""

    index: Annotated[
        int,
        Field(
            ge=1, le=64, description=N_("The block's position in its stage, 1-based (1 = first).")
        ),
    ]
    slots: Annotated[
        Slots, Field(description=N_("Attention slots of this block (replacing the stage's slots)."))
    ] = Slots()


class Stage(SpecModel):
    """`depth` blocks of one kind; the stride applies to the first block.

    Every block holds the stage's `slots`, except those listed in `overrides`, which hold their
    own (a stage written before overrides existed simply has none).
    """

    depth: Annotated[int, Field(ge=1, le=64, description=N_("Number of blocks in the stage."))]
    out_channels: OutChannels
    stride: StrideField = 1
    block: StageBlock
    slots: Annotated[
        Slots, Field(description=N_("Attention slots of every block of this stage."))
    ] = Slots()
    shortcut: Annotated[
        Literal["auto", "identity", "conv1x1", "avgpool_conv1x1"],
        Field(
            description=N_(
                "The skip P of the stage's first block (where stride or channels "
                "change): 'auto', 'identity', 'conv1x1' or 'avgpool_conv1x1' (ResNet-D). The later "
                "blocks of the stage keep matching shapes and an identity skip. Notes §12.2."
            )
        ),
    ] = "auto"
    post_add_activation: PostAddActivation = None
    zero_init_last_bn: ZeroInit = True
    overrides: Annotated[
        list[BlockOverride],
        Field(
            max_length=64,
            description=N_(
                "Blocks of this stage whose attention differs from the stage's `slots` "
                "(each index at most once, within the depth)."
            ),
        ),
    ] = []

    @model_validator(mode="after")
    def _overrides_in_stage(self) -> Stage:
        indices = [o.index for o in self.overrides]
        outside = [i for i in indices if i > self.depth]
        if outside:
            raise ValueError(
                Text(
                    N_("overrides name block {index}, but the stage has {depth} blocks")
                    if self.depth > 1
                    else N_("overrides name block {index}, but the stage has {depth} block"),
                    index=outside[0],
                    depth=self.depth,
                )
            )
        if len(set(indices)) != len(indices):
            twice = next(i for i in indices if indices.count(i) > 1)
            raise ValueError(Text(N_("overrides name block {index} more than once"), index=twice))
        return self

    def block_slots(self, index: int) -> Slots:
        """The attention slots of block `index` (1-based): its override's, else the stage's."""
        return next((o.slots for o in self.overrides if o.index == index), self.slots)

    def repeats_previous(self, index: int) -> bool:
        """Whether block `index` (1-based) is the same design as the block before it, only its
        name differing: from the third block on (the first changes stride and channels, so the
        second sees another input), unless an override gives it other attention."""
        if index <= 2:
            return False
        return not self.overrides or self.block_slots(index) == self.block_slots(index - 1)


class NetworkSpec(SpecModel):
    """A classifier: stem, stages of residual blocks, global average pool + linear head."""

    schema_version: SchemaVersion = 1
    name: Name = "resattn_net"
    input: Annotated[InputSpec, Field(description=N_("Shape of the network's input."))]
    stem: Annotated[Stem, Field(description=N_("The stem."))] = Stem()
    stages: Annotated[
        list[Stage], Field(min_length=1, max_length=16, description=N_("The stages, in order."))
    ]
    num_classes: Annotated[
        int, Field(ge=1, le=100_000, description=N_("Outputs of the linear classifier."))
    ] = 1000

    @property
    def kind(self) -> str:
        return "network"

    def _repr_html_(self) -> str:
        """Jupyter display: diagram, counts and diagnostics (`resattn.notebook`)."""
        from resattn.notebook import spec_html

        return spec_html(self)
