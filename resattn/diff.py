"""`diff(a, b)`: what changed between two designs, field by field, and what it costs.

Changes are listed in spec order with JSON paths: attention placed, removed, moved (the same
module leaving one slot of a block or stage and appearing in another) or changed (its options),
block and stage fields, stages added or removed. Deltas are b − a of the profile's parameter,
MAC and elementwise-op counts (counting rules in `resattn.profile`) and of the activation
memory estimated from the spec (`resattn.check.estimate_activation_bytes`). A design with linter
errors cannot be counted: its figures are None and `notes` says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from resattn.i18n import N_, _
from resattn.i18n.text import Text
from schemas import SLOT_NAMES, BlockSpec

#: the metrics a diff compares, in display order → their label (English, marked: shown as
#: ``_(label)``)
METRICS = {
    "params": N_("parameters"),
    "macs": "MACs",
    "elementwise_ops": N_("elementwise ops"),
    "activation_bytes": N_("activation memory (bytes)"),
}

#: the metric column's name (a word the studio's catalogs translate; looked up, not marked here)
METRIC_HEADER = "metric"


@dataclass(frozen=True)
class Change:
    """One difference: `kind` is placed | removed | moved | changed | added."""

    path: str
    kind: str
    before: Any = None
    after: Any = None

    def __str__(self) -> str:
        """The change in one line, in the current language."""
        before, after = _label(self.before), _label(self.after)
        if self.kind == "moved":
            line = _("{path}: {after} moved from {before}")
            return line.format(path=self.path, after=after, before=self.before)
        if self.kind == "placed":
            return _("{path}: {after} placed").format(path=self.path, after=after)
        if self.kind == "removed":
            return _("{path}: {before} removed").format(path=self.path, before=before)
        if self.kind == "added":
            return _("{path}: added ({after})").format(path=self.path, after=after)
        return f"{self.path}: {before} → {after}"

    def to_dict(self) -> dict:
        return {"path": self.path, "kind": self.kind, "before": self.before, "after": self.after}


@dataclass(frozen=True)
class Delta:
    metric: str
    a: Optional[int]
    b: Optional[int]

    @property
    def delta(self) -> Optional[int]:
        return None if self.a is None or self.b is None else self.b - self.a

    @property
    def pct(self) -> Optional[float]:
        if self.delta is None or not self.a:
            return None
        return 100.0 * self.delta / self.a

    def to_dict(self) -> dict:
        return {
            "metric": self.metric,
            "a": self.a,
            "b": self.b,
            "delta": self.delta,
            "pct": self.pct,
        }


@dataclass
class SpecDiff:
    changes: list[Change]
    deltas: list[Delta]
    #: what could not be compared (`Text`s, rendered where shown; ``to_dict`` has the English)
    notes: list = field(default_factory=list)

    @property
    def same(self) -> bool:
        return not self.changes

    def changed_slots(self, side: str) -> set[str]:
        """Slot paths (``slots.branch``, ``stages[1].slots.skip``) to highlight on side ``"a"``
        or ``"b"``: a moved module shows where it left on a and where it went on b."""
        if side not in ("a", "b"):
            raise ValueError("side is 'a' or 'b'")
        paths = set()
        for c in self.changes:
            slot = _slot_of(c.path)
            if slot is None:
                continue
            paths.add(c.before if c.kind == "moved" and side == "a" else slot)
        return paths

    def to_dict(self) -> dict:
        return {
            "same": self.same,
            "changes": [c.to_dict() for c in self.changes],
            "deltas": [d.to_dict() for d in self.deltas],
            "notes": [Text.of(n).english() for n in self.notes],
        }

    def text(self) -> str:
        """The changes and the metric table, in the current language."""
        lines = [str(c) for c in self.changes] or [_("no changes")]
        lines.append("")
        metric = _(METRIC_HEADER)
        lines.append(f"{metric:<28}{'a':>16}{'b':>16}{'b − a':>16}{'%':>9}")
        for d in self.deltas:
            pct = "" if d.pct is None else f"{d.pct:+.1f}"
            lines.append(
                f"{_(METRICS[d.metric]):<28}{_num(d.a):>16}{_num(d.b):>16}"
                f"{_num(d.delta, signed=True):>16}{pct:>9}"
            )
        lines += [_("note: {note}").format(note=Text.of(n)) for n in self.notes]
        return "\n".join(lines)


def _num(value: Optional[int], signed: bool = False) -> str:
    if value is None:
        return "—"
    return f"{value:+,}" if signed else f"{value:,}"


def _label(value: Any) -> str:
    if isinstance(value, dict) and "type" in value:
        opts = ", ".join(f"{k}={v}" for k, v in value.items() if k != "type")
        return f"{value['type']}({opts})"
    if isinstance(value, dict) and "depth" in value:
        return f"{value['depth']} × {value['block']['type']} → {value['out_channels']} ch"
    return "null" if value is None else str(value)


def diff(a: Any, b: Any, *, metrics: bool = True) -> SpecDiff:
    """Compare two designs (anything `load_spec` reads). `metrics=False` skips the counts."""
    from resattn.loading import load_spec

    a, b = load_spec(a), load_spec(b)
    da, db = a.model_dump(mode="json"), b.model_dump(mode="json")
    changes: list[Change] = []
    if isinstance(a, BlockSpec) != isinstance(b, BlockSpec):
        changes.append(Change("", "changed", a.kind, b.kind))
    elif isinstance(a, BlockSpec):
        _fields(da, db, "", changes, skip={"slots"})
        _slots(da["slots"], db["slots"], "", changes)
    else:
        _fields(da, db, "", changes, skip={"stages"})
        _stages(da["stages"], db["stages"], changes)
    deltas, notes = _deltas(a, b) if metrics else ([], [])
    return SpecDiff(changes, deltas, notes)


def _fields(a: dict, b: dict, prefix: str, out: list, skip=frozenset()) -> None:
    for key in [k for k in a if k not in skip] + [k for k in b if k not in a and k not in skip]:
        path = f"{prefix}{key}" if not prefix else f"{prefix}.{key}"
        va, vb = a.get(key), b.get(key)
        if isinstance(va, dict) and isinstance(vb, dict) and "type" not in va:
            _fields(va, vb, path, out)
        elif isinstance(va, dict) and isinstance(vb, dict) and va.get("type") == vb.get("type"):
            _fields(va, vb, path, out)
        elif va != vb:
            out.append(Change(path, "changed", va, vb))


def _slots(a: dict, b: dict, prefix: str, out: list) -> None:
    """Slot changes; a module that leaves one slot and appears, identical, in an emptied or
    newly filled other slot is one move."""
    p = f"{prefix}slots."
    gone = [s for s in SLOT_NAMES if a[s] is not None and a[s] != b[s]]
    new = [s for s in SLOT_NAMES if b[s] is not None and a[s] != b[s]]
    moved: dict[str, str] = {}
    for src in gone:
        if b[src] is not None:
            continue
        for dst in new:
            if dst not in moved.values() and a[dst] is None and b[dst] == a[src]:
                moved[src] = dst
                break
    for slot in SLOT_NAMES:
        if slot in moved:
            continue
        if slot in moved.values():
            src = next(s for s, d in moved.items() if d == slot)
            out.append(Change(p + slot, "moved", p + src, b[slot]))
        elif a[slot] is None and b[slot] is not None:
            out.append(Change(p + slot, "placed", None, b[slot]))
        elif a[slot] is not None and b[slot] is None:
            out.append(Change(p + slot, "removed", a[slot], None))
        elif a[slot] != b[slot]:
            if a[slot]["type"] != b[slot]["type"]:
                out.append(Change(p + slot, "changed", a[slot], b[slot]))
            else:
                _fields(a[slot], b[slot], p + slot, out)


def _stages(a: list, b: list, out: list) -> None:
    for i in range(max(len(a), len(b))):
        prefix = f"stages[{i}]"
        if i >= len(a):
            out.append(Change(prefix, "added", None, b[i]))
        elif i >= len(b):
            out.append(Change(prefix, "removed", a[i], None))
        else:
            _fields(a[i], b[i], prefix, out, skip={"slots"})
            _slots(a[i]["slots"], b[i]["slots"], f"{prefix}.", out)


def _deltas(a, b) -> tuple[list[Delta], list[str]]:
    figures, notes = {}, []
    for side, spec in (("a", a), ("b", b)):
        figures[side] = _figures(spec)
        if figures[side] is None:
            notes.append(
                Text(
                    N_("{side} has design errors, so it cannot be counted (run validate)"),
                    side=side,
                )
            )
    return [
        Delta(
            m,
            None if figures["a"] is None else figures["a"][m],
            None if figures["b"] is None else figures["b"][m],
        )
        for m in METRICS
    ], notes


def _figures(spec) -> Optional[dict]:
    from resattn.check import estimate_activation_bytes
    from resattn.lint import lint
    from resattn.profile import profile

    if any(d.severity == "error" for d in lint(spec)):
        return None
    prof = profile(spec, latency=False)
    return {
        "params": prof.params,
        "macs": prof.macs,
        "elementwise_ops": prof.elementwise_ops,
        "activation_bytes": estimate_activation_bytes(spec),
    }


def _slot_of(path: str) -> Optional[str]:
    """The slot path a change lies in (``stages[0].slots.skip.reduction`` →
    ``stages[0].slots.skip``), or None."""
    parts = path.split(".")
    if "slots" not in parts:
        return None
    i = parts.index("slots")
    return ".".join(parts[: i + 2]) if len(parts) > i + 1 else None


_HIGHLIGHT = ', penwidth=3, color="#d62728"];'


def highlighted_dot(spec, slot_paths: set[str]) -> str:
    """The design's DOT diagram with the given slots (`SpecDiff.changed_slots`) outlined: a
    block's attention node and gate, or every block of a network stage whose slots changed."""
    from resattn.diagrams.dot import render_dot
    from schemas import SLOT

    ids = set()
    for path in slot_paths:
        slot = path.rsplit(".", 1)[-1]
        if path.startswith("stages["):
            stage = int(path[len("stages[") : path.index("]")])
            ids.add(f"stage{stage + 1}_block")
        elif slot in SLOT:
            ids.update({SLOT[slot].attr, f"{SLOT[slot].attr}_gate"})
    lines = []
    for line in render_dot(spec, shapes=False).split("\n"):
        node = line.strip().split(" [", 1)[0].strip('"')
        hit = node in ids or any(i.endswith("_block") and node.startswith(i) for i in ids)
        if hit and "->" not in line and line.endswith("];"):
            line = line[: -len("];")] + _HIGHLIGHT  # the last color given wins
        lines.append(line)
    return "\n".join(lines)
