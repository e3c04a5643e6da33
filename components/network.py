"""A network's overview: stem, stages (drill down to a stage's block on the canvas), head."""

from __future__ import annotations

import streamlit as st

from components import design
from components.texts import ATTENTION
from resattn.networks import expand_blocks


def _slots_text(slots) -> str:
    parts = [f"{ATTENTION[a.type][0]}@{name}" for name, a in slots.items() if a is not None]
    return ", ".join(parts) or "—"


def render_network(spec, *, key: str) -> None:
    blocks = expand_blocks(spec)
    first = {b.stage: b.spec for b in reversed(blocks)}
    rows = []
    for i, s in enumerate(spec.stages):
        b = first[i]
        rows.append(
            {
                "stage": i + 1,
                "blocks": s.depth,
                "family": design.FAMILIES[design.family_of(b.block)][0],
                "out channels": s.out_channels,
                "stride": s.stride,
                "input": f"{b.input.channels}×{b.input.height}×{b.input.width}",
                "attention": _slots_text(s.slots),
            }
        )
    stem = (
        "7×7/2 conv + BN + ReLU + 3×3/2 max-pool"
        if spec.stem.type == "imagenet"
        else "3×3 conv + BN + ReLU"
    )
    st.markdown(
        f"**{spec.name}** — stem: {stem} ({spec.stem.out_channels} ch) → "
        f"{len(spec.stages)} stages, {len(blocks)} blocks → global average pool → "
        f"linear ({spec.num_classes} classes). Choose a stage below to see and edit its block."
    )
    st.dataframe(rows, hide_index=True, width="stretch", key=f"{key}.stages")
