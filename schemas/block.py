"""Block specs (spec v1): one residual block with four attention slots (docs/design.md §1-§2)."""

from __future__ import annotations

from typing import Annotated, Literal, Optional, Union

from pydantic import Field

from resattn.i18n import N_
from schemas.attention import Slots
from schemas.common import MAX_BATCH, MAX_CHANNELS, MAX_SPATIAL, Name, SchemaVersion, SpecModel

Preact = Annotated[
    bool,
    Field(
        description=N_(
            "Pre-activation order BN → ReLU → conv (ResNet v2). Pre-activation blocks "
            "have no activation after the add by default (notes §12.3)."
        )
    ),
]
Dropout = Annotated[
    float,
    Field(
        ge=0.0,
        lt=1.0,
        allow_inf_nan=False,
        description=N_("Dropout probability between the branch convs (0 = off)."),
    ),
]
OutChannels = Annotated[
    int, Field(ge=1, le=MAX_CHANNELS, description=N_("Channels the block outputs."))
]
StrideField = Annotated[
    int,
    Field(
        ge=1,
        le=2,
        description=N_("Stride of the block (1 or 2); 2 halves H and W and needs a projection."),
    ),
]
Expansion = Annotated[
    int,
    Field(
        ge=1,
        le=64,
        description=N_("Bottleneck expansion: out_channels = planes × expansion (ResNet: 4)."),
    ),
]
Groups = Annotated[
    int,
    Field(
        ge=1,
        le=MAX_CHANNELS,
        description=N_("Groups of the 3×3 conv (cardinality; > 1 makes a ResNeXt block)."),
    ),
]
BaseWidth = Annotated[
    int,
    Field(
        ge=1,
        le=MAX_CHANNELS,
        description=N_(
            "Width per group at 64 planes: 64 = ResNet, 4 with 32 groups = ResNeXt "
            "32×4d, 128 = Wide-ResNet-50-2."
        ),
    ),
]


class BasicFields(SpecModel):
    """Fields shared by every basic block (3×3 → 3×3)."""

    type: Annotated[Literal["basic"], Field(description=N_("Basic block: 3×3 conv → 3×3 conv."))]
    preact: Preact = False
    dropout: Dropout = 0.0


class BottleneckFields(SpecModel):
    """Fields shared by every bottleneck block (1×1 reduce → 3×3 → 1×1 expand)."""

    type: Annotated[
        Literal["bottleneck"],
        Field(description=N_("Bottleneck block: 1×1 reduce → 3×3 (stride here) → 1×1 expand.")),
    ]
    expansion: Expansion = 4
    groups: Groups = 1
    base_width: BaseWidth = 64
    preact: Preact = False
    dropout: Dropout = 0.0


class BasicBlock(BasicFields):
    """A basic block with its output channels and stride."""

    out_channels: OutChannels
    stride: StrideField = 1


class BottleneckBlock(BottleneckFields):
    """A bottleneck block with its output channels and stride."""

    out_channels: OutChannels
    stride: StrideField = 1


BlockFields = Annotated[
    Union[BasicBlock, BottleneckBlock],
    Field(discriminator="type", description=N_("The residual branch F: basic or bottleneck.")),
]


class InputSpec(SpecModel):
    """The tensor the design is checked, profiled and exported for (N × C × H × W)."""

    channels: Annotated[int, Field(ge=1, le=MAX_CHANNELS, description=N_("Input channels C."))]
    height: Annotated[int, Field(ge=1, le=MAX_SPATIAL, description=N_("Input height H."))]
    width: Annotated[int, Field(ge=1, le=MAX_SPATIAL, description=N_("Input width W."))]
    batch: Annotated[
        int,
        Field(ge=1, le=MAX_BATCH, description=N_("Batch size N used for checks and profiling.")),
    ] = 1


Shortcut = Annotated[
    Literal["auto", "identity", "conv1x1", "avgpool_conv1x1"],
    Field(
        description=N_(
            "The skip path P: 'auto' (identity when shapes match, else 1×1 conv + BN), "
            "'identity', 'conv1x1' (always project), 'avgpool_conv1x1' (ResNet-D: average-pool "
            "then 1×1 conv + BN). Notes §12.2."
        )
    ),
]
PostAddActivation = Annotated[
    Optional[Literal["relu", "none"]],
    Field(
        description=N_(
            "Activation after the add: 'relu', 'none', or null for the family default "
            "(ReLU for post-activation blocks, none for pre-activation; notes §12.3)."
        )
    ),
]
ZeroInit = Annotated[
    bool,
    Field(
        description=N_(
            "Zero the branch's last BN gamma (last conv for pre-activation) so the block "
            "starts as an identity (notes §6)."
        )
    ),
]


class BlockSpec(SpecModel):
    """A single residual block with attention slots: the studio's main design (spec v1)."""

    schema_version: SchemaVersion = 1
    name: Name = "resattn_block"
    input: Annotated[InputSpec, Field(description=N_("Shape of the block's input."))]
    block: BlockFields
    slots: Annotated[Slots, Field(description=N_("The four attention slots."))] = Slots()
    shortcut: Shortcut = "auto"
    post_add_activation: PostAddActivation = None
    zero_init_last_bn: ZeroInit = True

    @property
    def kind(self) -> str:
        return "block"

    def _repr_html_(self) -> str:
        """Jupyter display: diagram, counts and diagnostics (`resattn.notebook`)."""
        from resattn.notebook import spec_html

        return spec_html(self)
