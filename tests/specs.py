"""The small specs the tests build: one builder for a block spec, one for a network spec.

Each returns the plain JSON object (a dict), so a test can still break it by hand or pass it
through `json.dumps`. An optional part left as None (the name, the batch, the slots, the
number of classes) is left out of the object, as in a hand-written spec; any other keyword is
written as given.
"""

from __future__ import annotations

from typing import Any, Optional


def input_of(channels: int, height: int, width: Optional[int] = None, batch: Optional[int] = None):
    """The ``input`` object: channels, height, width (= height unless given), batch if given."""
    data = {"channels": channels, "height": height, "width": height if width is None else width}
    if batch is not None:
        data["batch"] = batch
    return data


def block_spec(
    channels: int = 8,
    out_channels: Optional[int] = None,
    *,
    height: int = 8,
    width: Optional[int] = None,
    batch: Optional[int] = None,
    block: Optional[dict] = None,
    slots: Optional[dict] = None,
    name: Optional[str] = None,
    **fields: Any,
) -> dict:
    """A block spec: a basic block of `out_channels` (= `channels` unless given) on a
    `channels`×`height`×`width` input. `block` adds or overrides block fields (``type``,
    ``stride``, ``preact`` …), `slots` fills the attention slots, and any other keyword is a
    top-level field (``shortcut``, ``post_add_activation`` …)."""
    data: dict[str, Any] = {} if name is None else {"name": name}
    data["input"] = input_of(channels, height, width, batch)
    out = channels if out_channels is None else out_channels
    data["block"] = {"type": "basic", "out_channels": out, **(block or {})}
    if slots is not None:
        data["slots"] = slots
    return {**data, **fields}


def network_spec(
    stages: list,
    *,
    channels: int = 3,
    height: int = 32,
    width: Optional[int] = None,
    stem: str = "cifar",
    stem_channels: int = 16,
    num_classes: Optional[int] = None,
    name: Optional[str] = None,
    **fields: Any,
) -> dict:
    """A network spec: a `stem` stem of `stem_channels` on a `channels`×`height`×`width` input,
    then `stages`, then `num_classes` if given and any other top-level field."""
    data: dict[str, Any] = {} if name is None else {"name": name}
    data["input"] = input_of(channels, height, width)
    data["stem"] = {"type": stem, "out_channels": stem_channels}
    data["stages"] = stages
    if num_classes is not None:
        data["num_classes"] = num_classes
    return {**data, **fields}
