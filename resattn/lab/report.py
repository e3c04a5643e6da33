"""The ablation's tables as text: numbers formatted for people (M, G, %), shared by the CLI and the
studio's Compare tab.

Counts read "218.37 M" rather than 218365952, percentages carry one decimal and a sign, and a
latency overhead the timed rounds cannot tell from zero reads "within noise" next to its figure
(`resattn.lab.ablate.within_noise`).
"""

from __future__ import annotations

from typing import Optional

from resattn.lab.stats import interval_text, signed


def si(n) -> str:
    """1234 → "1.23 k", 218365952 → "218.37 M" (None → "—")."""
    if n is None:
        return "—"
    n = float(n)
    for unit, scale in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(n) >= scale:
            return f"{n / scale:,.2f} {unit}"
    return f"{n:,.0f}"


def pct(value: Optional[float]) -> str:
    """+31.0 % (None → "—")."""
    return "—" if value is None else f"{signed(value)} %"


def points(fraction: Optional[float]) -> str:
    """0.9213 → "92.1 %"."""
    return "—" if fraction is None else f"{100 * fraction:.1f} %"


def interval(ci, scale: float = 100.0, unit: str = "") -> str:
    """(0.91, 0.93) → "91.0…93.0" (None → "—")."""
    if ci is None:
        return "—"
    return f"{ci[0] * scale:.1f}…{ci[1] * scale:.1f}{unit}"


def latency(result) -> str:
    s = result.static
    if s.latency_ms is None:
        return "—"
    return f"{s.latency_ms:.2f} ± {s.latency_spread_ms / 2:.2f}"


def latency_overhead(result) -> str:
    value = result.overhead_pct.get("latency_ms")
    if value is None:
        return "—"
    if result.variant.name == "baseline":
        return pct(0.0)
    return pct(value) + (" (within noise)" if result.latency_within_noise else "")


def static_rows(results) -> list[dict[str, str]]:
    """One row per variant: params, MACs, elementwise ops (formatted) and their overheads."""
    rows = []
    for r in results:
        s, o = r.static, r.overhead_pct
        rows.append(
            {
                "variant": r.variant.label,
                "params": si(s.params),
                "MACs": si(s.macs),
                "elementwise": si(s.elementwise_ops),
                "latency ms (±IQR/2)": latency(r),
                "+params": pct(o.get("params")),
                "+MACs": pct(o.get("macs")),
                "+latency": latency_overhead(r),
            }
        )
    return rows


def training_rows(results) -> list[dict[str, str]]:
    """One row per trained variant: seeds, accuracy mean and interval, loss, the paired
    difference with the baseline and the verdict."""
    rows = []
    for r in results:
        summary = r.summary
        if not summary:
            continue
        vs = summary["vs_baseline"]
        rows.append(
            {
                "variant": r.variant.label,
                "seeds": str(summary["seeds"]),
                "accuracy": points(summary["accuracy_mean"]),
                "95 % CI": interval(summary["accuracy_ci95"]),
                "loss": f"{summary['loss_mean']:.3f}",
                "vs baseline (pts)": "—" if vs is None else signed(100 * vs["diff_mean"]),
                "diff 95 % CI": "—" if vs is None else interval_text(vs["diff_ci95"]),
                "p": "—" if vs is None or vs["p_value"] is None else f"{vs['p_value']:.3f}",
                "verdict": "—" if vs is None else vs["verdict"],
            }
        )
    return rows


def text_table(rows: list[dict[str, str]]) -> str:
    """Rows of strings as an aligned text table (first column left, the others right)."""
    if not rows:
        return ""
    columns = list(rows[0])
    widths = {c: max(len(c), *(len(row[c]) for row in rows)) for c in columns}

    def line(cells: dict[str, str]) -> str:
        parts = [
            cells[c].ljust(widths[c]) if i == 0 else cells[c].rjust(widths[c])
            for i, c in enumerate(columns)
        ]
        return "  ".join(parts).rstrip()

    return "\n".join([line({c: c for c in columns}), *(line(row) for row in rows)])
