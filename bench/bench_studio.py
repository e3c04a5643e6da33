"""Studio benchmark (prints figures; never asserts timings).

    python bench/bench_studio.py [--drops 10] [--sessions 10] [--edits 10]

1. cold start: `streamlit run app.py` → health endpoint up → the canvas painted in a browser;
2. drop → diagram: median / p95 time from releasing a chip on a zone to the updated ASCII
   diagram on the page;
3. load: N concurrent browser sessions each making M edits (drag a chip on, press × to take it
   off) on 127.0.0.1 — errors and the p95 of the edit round trip.

Needs Debian's Chromium (/usr/bin/chromium) and the Python `playwright` package.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.server import (  # noqa: E402  (the browser tests' server helpers)
    CHROMIUM,
    CHROMIUM_ARGS,
    free_port,
    start_server,
    stop_server,
)

ZONES = ["branch", "skip", "pre_residual", "post_add"]
CHIPS = ["se", "eca", "cbam", "coord"]
ASCII_JS = """() => [...document.querySelectorAll('[data-testid="stCode"]')]
    .map(e => e.textContent).find(t => t.includes('⊕')) || ''"""


def start_timed(port: int) -> tuple[subprocess.Popen, float]:
    """Start the studio; return it and the seconds until its health endpoint answered."""
    t0 = time.perf_counter()
    proc = start_server(port)
    return proc, time.perf_counter() - t0


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    if not values:
        return float("nan")
    k = min(len(values) - 1, max(0, round(q / 100 * (len(values) - 1))))
    return values[k]


async def wait_idle(page) -> None:
    await asyncio.sleep(0.1)
    for _ in range(600):
        if await page.locator('[data-testid="stStatusWidget"]').count() == 0:
            return
        await asyncio.sleep(0.05)


async def drop(page, chip: str, zone: str) -> float:
    """Drag `chip` onto `zone` with a stepped mouse move; returns the time of the release."""
    a = await page.locator(f".ra-chip[data-type={chip}]").bounding_box()
    b = await page.locator(f"g.ra-zone[data-slot={zone}]").bounding_box()
    x0, y0 = a["x"] + a["width"] / 2, a["y"] + a["height"] / 2
    x1, y1 = b["x"] + b["width"] / 2, b["y"] + b["height"] / 2
    await page.mouse.move(x0, y0)
    await page.mouse.down()
    for k in range(1, 21):
        await page.mouse.move(x0 + (x1 - x0) * k / 20, y0 + (y1 - y0) * k / 20)
    t0 = time.perf_counter()
    await page.mouse.up()
    return t0


async def drop_to_diagram(browser, url: str, n: int) -> list[float]:
    """Seconds from the drop (mouse released) to a changed ASCII diagram."""
    page = await browser.new_page(viewport={"width": 1600, "height": 1000})
    await page.goto(url)
    await page.locator("svg.ra-svg").wait_for(timeout=120_000)
    await wait_idle(page)
    times = []
    for i in range(n):
        zone = ZONES[(i // 2) % len(ZONES)]
        before = await page.evaluate(ASCII_JS)
        if await page.locator(f"g.ra-placed[data-slot={zone}]").count() == 0:
            chip = page.locator(f".ra-chip[data-type={CHIPS[i % 4]}]")
            target = page.locator(f"g.ra-zone[data-slot={zone}]")
            a, b = await chip.bounding_box(), await target.bounding_box()
            await page.mouse.move(a["x"] + a["width"] / 2, a["y"] + a["height"] / 2)
            await page.mouse.down()
            for k in range(1, 21):
                await page.mouse.move(
                    a["x"] + (b["x"] + b["width"] / 2 - a["x"]) * k / 20,
                    a["y"] + (b["y"] + b["height"] / 2 - a["y"]) * k / 20,
                )
            t0 = time.perf_counter()
            await page.mouse.up()
        else:
            t0 = time.perf_counter()
            await page.locator(f"[data-remove={zone}]").first.click()
        for _ in range(1200):
            if await page.evaluate(ASCII_JS) != before:
                break
            await asyncio.sleep(0.01)
        times.append(time.perf_counter() - t0)
        await wait_idle(page)
    await page.close()
    return times


async def session(browser, url: str, edits: int, idx: int) -> tuple[list[float], list[str]]:
    ctx = await browser.new_context(viewport={"width": 1500, "height": 950})
    page = await ctx.new_page()
    times, errors = [], []
    try:
        await page.goto(url)
        await page.locator("svg.ra-svg").wait_for(timeout=180_000)
        # A user starts once the page has settled: the tabs (below the canvas) are drawn.
        await page.locator('[data-testid="stTabs"]').wait_for(timeout=180_000)
        await wait_idle(page)
        for i in range(edits):
            zone = ZONES[(idx + i // 2) % len(ZONES)]
            placed = page.locator(f"g.ra-placed[data-slot={zone}]")
            try:
                if await placed.count():
                    remove = page.locator(f"[data-remove={zone}]")
                    await remove.scroll_into_view_if_needed()
                    t0 = time.perf_counter()
                    await remove.click()
                    await placed.wait_for(state="detached", timeout=60_000)
                else:
                    t0 = await drop(page, CHIPS[(idx + i) % 4], zone)
                    await placed.wait_for(timeout=60_000)
                times.append(time.perf_counter() - t0)
            except Exception as exc:  # noqa: BLE001 - count every failure
                note = await page.locator(".ra-status").text_content()
                errors.append(
                    f"session {idx} edit {i}: {type(exc).__name__} (canvas said: {note!r})"
                )
            await wait_idle(page)
        if await page.locator('[data-testid="stException"]').count():
            errors.append(f"session {idx}: an exception is shown on the page")
    finally:
        await ctx.close()
    return times, errors


async def main_async(args) -> None:
    from playwright.async_api import async_playwright

    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    proc, health_s = start_timed(port)
    t_start = time.perf_counter() - health_s
    try:
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = await browser.new_page(viewport={"width": 1600, "height": 1000})
            await page.goto(url)
            await page.locator("svg.ra-svg").wait_for(timeout=120_000)
            first_paint = time.perf_counter() - t_start
            await page.close()
            print(
                f"cold start: server healthy after {health_s:.2f} s; "
                f"canvas painted after {first_paint:.2f} s (process start → first paint)"
            )

            drops = [] if args.skip_drops else await drop_to_diagram(browser, url, args.drops)
            if drops:
                print(
                    f"drop → updated diagram over {len(drops)} edits: "
                    f"median {statistics.median(drops):.3f} s, p95 {pct(drops, 95):.3f} s, "
                    f"max {max(drops):.3f} s (target: median ≤ 1.5 s)"
                )

            t0 = time.perf_counter()
            results = await asyncio.gather(
                *(session(browser, url, args.edits, i) for i in range(args.sessions))
            )
            wall = time.perf_counter() - t0
            times = [t for r in results for t in r[0]]
            errors = [e for r in results for e in r[1]]
            print(
                f"load: {args.sessions} concurrent sessions × {args.edits} edits in "
                f"{wall:.1f} s — {len(times)} edits ok, {len(errors)} errors; "
                "release → canvas updated "
                f"median {statistics.median(times) if times else float('nan'):.3f} s, "
                f"p95 {pct(times, 95):.3f} s"
            )
            for e in errors[:10]:
                print("  error:", e)
            await browser.close()
    finally:
        stop_server(proc)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--drops", type=int, default=10)
    ap.add_argument("--sessions", type=int, default=10)
    ap.add_argument("--edits", type=int, default=10)
    ap.add_argument("--skip-drops", action="store_true", help="only the cold start and the load")
    asyncio.run(main_async(ap.parse_args()))


if __name__ == "__main__":
    main()
