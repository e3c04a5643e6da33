"""The ablation's tables as text: numbers formatted for people (M, G, %), shared by the CLI and the
studio's Compare tab.

Counts read "218.37 M" rather than 218365952, percentages carry one decimal and a sign, and a
latency overhead the timed rounds cannot tell from zero reads "within noise" next to its figure
(`resattn.lab.ablate.within_noise`).

Words are written in the current language when a table or a sentence is made (`resattn.i18n`):
the rows' keys stay the English column names (`text_table` and `headers` show them translated),
and `verdict_sentence` writes a variant's verdict from the numbers of its summary — the JSON keeps
the English ``verdict`` and ``text`` of `resattn.lab.stats`.

The curves of the trials (loss, gradient norm, the gates' mean α per step) are drawn from
`band_rows` and `gate_rows`: at most `CHART_POINTS` steps per series, evenly spaced over a long
run with its first and last step, each point the exact value at its step — a chart of a long
run costs what a chart of a short one does, in the studio and in the browser that draws it.
"""

from __future__ import annotations

import math
from statistics import fmean
from typing import Optional

from resattn.i18n import N_, _
from resattn.i18n.text import Text
from resattn.lab.stats import BETTER, NO_VERDICT, SAME, WORSE, interval_text, signed
from resattn.lab.variants import shown_label

#: The verdicts of `resattn.lab.stats` as catalog messages (the same English words).
VERDICTS = {
    BETTER: N_("better"),
    WORSE: N_("worse"),
    SAME: N_("no detectable difference"),
    NO_VERDICT: N_("one seed: no verdict"),
}

#: The columns of the tables (`static_rows`, `training_rows`) as catalog messages.
COLUMNS = (
    N_("variant"),
    "params",  # the board's catalog has it
    "MACs",
    N_("elementwise"),
    N_("latency ms (±IQR/2)"),
    "+params",
    "+MACs",
    N_("+latency"),
    N_("seeds"),
    N_("accuracy"),
    N_("95 % CI"),
    N_("loss"),
    N_("vs baseline (pts)"),
    N_("diff 95 % CI"),
    "p",
    N_("verdict"),
)


def verdict_word(word: str) -> str:
    """A verdict of `resattn.lab.stats` (``"better"`` …) in the current language."""
    return _(VERDICTS.get(word, word))


def verdict_sentence(name: str, summary: dict) -> Optional[str]:
    """ "SE-P2: −0.4 pts vs baseline (95 % CI −1.1…+0.3, 5 seeds): no detectable difference",
    in the current language (the variant's label too: `shown_label`), from a variant's
    `summary` (as `resattn.lab.stats.summary` makes it, or read back from JSON); None without
    a comparison with the baseline."""
    vs = summary.get("vs_baseline") if summary else None
    if not vs:
        return None
    name = shown_label(name)
    diff = signed(vs["diff_mean"] * 100)
    word = Text(VERDICTS.get(vs["verdict"], vs["verdict"]))
    if vs["diff_ci95"] is None:
        text = Text(
            N_("{name}: {diff} pts vs baseline (1 seed): {word} — run 5 seeds for a claim"),
            name=name,
            diff=diff,
            word=word,
        )
    else:
        text = Text(
            N_("{name}: {diff} pts vs baseline (95 % CI {ci}, {n} seeds): {word}"),
            name=name,
            diff=diff,
            ci=interval_text(vs["diff_ci95"]),
            n=summary["seeds"],
            word=word,
        )
    return text.render()


#: The most steps a chart draws per series (a line and its band).
CHART_POINTS = 120


def chart_steps(n: int, limit: int = CHART_POINTS) -> list[int]:
    """The steps of a curve of `n` steps that a chart draws: every step when `n` ≤ `limit`,
    else `limit` evenly spaced ones, the first and the last included (`limit` ≥ 2)."""
    if limit < 2:
        raise ValueError(f"a chart needs at least 2 points per series (got {limit})")
    if n <= limit:
        return list(range(n))
    return [round(i * (n - 1) / (limit - 1)) for i in range(limit)]


def band_rows(results, curve: str, limit: int = CHART_POINTS) -> list[dict]:
    """The chart rows of `curve` (``"loss"``, ``"grad_norm"``) of every trained variant: at each
    step `chart_steps` draws, the mean over the seeds that reached it (``"mean"``) and the
    lowest and highest seed's value (``"low"``, ``"high"``); NaN values are left out."""
    rows = []
    for r in results:
        curves = [getattr(record, curve) for _seed, record in r.runs]
        label = shown_label(r.variant.label)
        for step in chart_steps(max(map(len, curves), default=0), limit):
            values = [c[step] for c in curves if step < len(c) and not math.isnan(c[step])]
            if values:
                rows.append(
                    {
                        "step": step,
                        "variant": label,
                        "mean": fmean(values),
                        "low": min(values),
                        "high": max(values),
                    }
                )
    return rows


def gate_rows(results, limit: int = CHART_POINTS) -> list[dict]:
    """The chart rows of the gates' mean α per step in the first seed of every trained
    variant, one series per variant and slot (``"variant"``: ``"SE-P1 · branch"``) at the
    steps `chart_steps` draws; NaN values are left out."""
    rows = []
    for r in results:
        if not r.runs:
            continue
        for slot, stats in r.runs[0][1].gate_stats.items():
            mean, series = stats["mean"], f"{shown_label(r.variant.label)} · {slot}"
            for step in chart_steps(len(mean), limit):
                if not math.isnan(mean[step]):
                    rows.append({"step": step, "variant": series, "mean": mean[step]})
    return rows


def headers(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """`rows` with their column names in the current language (the values as they are)."""
    return [{_(k): v for k, v in row.items()} for row in rows]


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
    if result.latency_within_noise:
        return _("{value} (within noise)").format(value=pct(value))
    return pct(value)


def static_rows(results) -> list[dict[str, str]]:
    """One row per variant: params, MACs, elementwise ops (formatted) and their overheads."""
    rows = []
    for r in results:
        s, o = r.static, r.overhead_pct
        rows.append(
            {
                "variant": shown_label(r.variant.label),
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
                "variant": shown_label(r.variant.label),
                "seeds": str(summary["seeds"]),
                "accuracy": points(summary["accuracy_mean"]),
                "95 % CI": interval(summary["accuracy_ci95"]),
                "loss": f"{summary['loss_mean']:.3f}",
                "vs baseline (pts)": "—" if vs is None else signed(100 * vs["diff_mean"]),
                "diff 95 % CI": "—" if vs is None else interval_text(vs["diff_ci95"]),
                "p": "—" if vs is None or vs["p_value"] is None else f"{vs['p_value']:.3f}",
                "verdict": "—" if vs is None else verdict_word(vs["verdict"]),
            }
        )
    return rows


def text_table(rows: list[dict[str, str]]) -> str:
    """Rows of strings as an aligned text table (first column left, the others right), the
    column names in the current language."""
    if not rows:
        return ""
    rows = headers(rows)
    columns = list(rows[0])
    widths = {c: max(len(c), *(len(row[c]) for row in rows)) for c in columns}

    def line(cells: dict[str, str]) -> str:
        parts = [
            cells[c].ljust(widths[c]) if i == 0 else cells[c].rjust(widths[c])
            for i, c in enumerate(columns)
        ]
        return "  ".join(parts).rstrip()

    return "\n".join([line({c: c for c in columns}), *(line(row) for row in rows)])
