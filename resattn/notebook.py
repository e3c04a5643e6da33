"""Designs and imports that show themselves in Jupyter: `show(spec)`, ``_repr_html_``.

The HTML holds the SVG diagram (Graphviz; the ASCII drawing when Graphviz is unavailable), the
summary numbers (parameters and MACs counted from the spec on the meta device, no weights
allocated) and the diagnostics — and, for an import, the fit report.
"""

from __future__ import annotations

import html
from typing import Any

from schemas import BlockSpec


def distinct_block_diagrams(spec) -> list[str]:
    """ASCII drawings: a block, or a network's overview plus one drawing per distinct block
    kind (type, pre-activation, attention slots, with or without a projection)."""
    from resattn.diagrams.ascii import render_ascii
    from resattn.networks import expand_blocks

    if isinstance(spec, BlockSpec):
        return [render_ascii(spec)]
    drawings = [render_ascii(spec)]
    seen = set()
    for blk in expand_blocks(spec):
        b = blk.spec
        projects = b.block.stride > 1 or b.input.channels != b.block.out_channels
        key = (b.block.type, b.block.preact, b.slots.model_dump_json(), b.shortcut, projects)
        if key not in seen:
            seen.add(key)
            drawings.append(render_ascii(spec, block=blk.spec.name))
    return drawings


def _svg(spec) -> str:
    from resattn.diagrams.dot import render_svg

    try:
        return render_svg(spec)
    except Exception:  # noqa: BLE001 - no Graphviz binary: the ASCII drawing still answers
        from resattn.diagrams.ascii import render_ascii

        return f"<pre>{html.escape(render_ascii(spec))}</pre>"


def spec_html(spec) -> str:
    """HTML of a design: diagram, parameters and MACs, diagnostics."""
    from resattn.counting import without_attention
    from resattn.estimates import analytic_params, compute_work
    from resattn.lint import lint

    diagnostics = lint(spec)
    parts = [f"<div><h4>{html.escape(spec.name)} ({spec.kind})</h4>"]
    if any(d.severity == "error" for d in diagnostics):
        parts.append("<p>design errors: not counted</p>")
    else:
        params = analytic_params(spec)
        in_attention = params - analytic_params(without_attention(spec))
        parts.append(
            f"<p>{params:,} parameters ({in_attention:,} in attention) · "
            f"{compute_work(spec).macs:,} MACs</p>"
        )
        parts.append(_svg(spec))
    parts.append(_diagnostics_html(diagnostics))
    parts.append("</div>")
    return "".join(parts)


def _diagnostics_html(diagnostics) -> str:
    if not diagnostics:
        return "<p>no findings</p>"
    items = "".join(
        f"<li><b>{d.severity}</b> [{html.escape(d.code)}] {html.escape(d.path or '(spec)')}: "
        f"{html.escape(d.message)} <i>{html.escape(d.hint)}</i> ({html.escape(d.cite)})</li>"
        for d in diagnostics
    )
    return f"<ul>{items}</ul>"


def import_html(result) -> str:
    """HTML of an import: the fit, the fit report and the design's own display."""
    head = f"<p><b>import of {html.escape(result.source or 'a model')}: {result.fit} fit</b></p>"
    findings = "".join(f"<li>{html.escape(str(f))}</li>" for f in result.unsupported)
    report = f"<ul>{findings}</ul>" if findings else "<p>every part has its place</p>"
    body = spec_html(result.spec) if result.spec is not None else ""
    return f"<div>{head}{report}{body}</div>"


class Shown:
    """What `show` returns: displays as HTML in a notebook, as text in a console."""

    def __init__(self, markup: str, text: str):
        self._html, self._text = markup, text

    def _repr_html_(self) -> str:
        return self._html

    def __repr__(self) -> str:
        return self._text


def show(spec: Any) -> Shown:
    """Display a design (anything `load_spec` reads) or an import result in a notebook."""
    from resattn.loading import load_spec

    if hasattr(spec, "unsupported") and hasattr(spec, "fit"):  # an ImportResult
        text = f"import: {spec.fit} fit" + "".join(f"\n  {f}" for f in spec.unsupported)
        return Shown(import_html(spec), text)
    spec = load_spec(spec)
    return Shown(spec_html(spec), "\n\n".join(distinct_block_diagrams(spec)))
