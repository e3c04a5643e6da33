"""Benchmark: the worst valid designs through every entry — time and peak memory, or refusal.

    python bench/bench_limits.py [--repeats 3] [--no-studio | --studio-only]

Two designs sit at the edge of what the schema and the resource rules accept:

* the worst-case valid block — a basic block at 3,848 channels and 132 × 132 (activations just
  under the 2 GiB cap, parameters just under 1 GiB, 4.6 × 10¹² MACs);
* the 1,024-block network — 16 stages × 64 blocks at 64 channels with all four slots filled.

Each operation (lint, check, each renderer, graph_data, profile, export_python, export_onnx)
runs in a fresh Python process, `--repeats` times; the table gives the median wall time of the
operation itself and the largest peak RSS of the process (``ru_maxrss``). The reference in the
same run is a process that only imports the engine and loads the spec: "× ref RSS" is the peak
RSS over the reference's. An operation refused up front prints "refused" and the code it cites.
Targets: every operation ≤ 10 s and ≤ 2 GiB, or refused up front.

The studio's first paint of each design's share link is measured with a real server on a free
loopback port and Debian's Chromium: the time from the page's own load event to the design's
tabs being drawn (target ≤ 1 s); when, from the same load event, the browser received the end
of the page's first run (its ``script_finished`` message: the server's part done, the rest is
the browser's drawing); when the canvas (a custom component, drawn once its own JavaScript has
loaded and run) was on the page; the server's CPU time (user + system, from ``/proc``) over each
load, i.e. the page's run and what the page asks for in the 2 s after its paint (it grows far
less than the wall time when the browser and the server share a busy machine); how many runs of
the whole page and of fragments the page asked for; the server's peak RSS (``VmHWM``). Each
repeat starts a fresh server, warmed with a block and a network preset (`WARM_UPS`: what a
server imports once, such as the engine and the stage table's Arrow serialisation, is then
imported), and loads each link twice: "cold" is the link's first load, when nothing of the
design is cached anywhere (what a new hostile link costs), "warm" the second, from another
browser context (another session). The first row is the studio opened without a link (its
default design, `REFERENCE_PAGE`): what drawing the page costs whatever the design, since most
of a first paint is the browser's own work on the page's widgets. Each figure is the median over
`--repeats` fresh servers.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

WORST_BLOCK = {
    "name": "worst_block",
    "input": {"channels": 3848, "height": 132, "width": 132},
    "block": {"type": "basic", "out_channels": 3848},
}


def network_1024() -> dict:
    slots = {
        "pre_residual": {"type": "cbam"},
        "branch": {"type": "coord"},
        "post_add": {"type": "se"},
        "skip": {"type": "eca"},
    }
    stage = {"depth": 64, "out_channels": 64, "block": {"type": "basic"}, "slots": slots}
    return {
        "name": "net_1024",
        "input": {"channels": 3, "height": 16, "width": 16},
        "stem": {"type": "cifar", "out_channels": 64},
        "stages": [stage] * 16,
        "num_classes": 10,
    }


DESIGNS = {"worst-case block": WORST_BLOCK, "1,024-block network": network_1024()}

#: the first-paint part's reference row: the studio opened without a link (its default design),
#: so a link's figures read against what drawing the page costs for any design on this machine
REFERENCE_PAGE = "no link (reference)"

#: the links a fresh server is warmed with before the first paints are measured
WARM_UPS = ("preset:p1_se", "preset:resnet18")

#: operation → the statement it times (`spec` is the loaded spec)
OPERATIONS = {
    "reference (import + load)": "None",
    "lint": "lint(spec)",
    "check": "check(spec)",
    "render_ascii": "render_ascii(spec, shapes=True)",
    "render_dot": "render_dot(spec)",
    "graph_data": "graph_data(spec)",
    "profile (latency)": "profile(spec, latency=True, time_budget_s=3.0)",
    "export_python": "export_python(spec)",
    "export_onnx": "export_onnx(spec)",
}

CHILD = """
import json, resource, sys, time
from resattn.check import check
from resattn.diagrams.agraph import graph_data
from resattn.diagrams.ascii import render_ascii
from resattn.diagrams.dot import render_dot
from resattn.export.onnx import export_onnx
from resattn.export.python_code import export_python
from resattn.lint import lint
from resattn.loading import load_spec
from resattn.profile import profile
from schemas import DesignError
spec = load_spec(json.loads(sys.argv[1]))
start = time.perf_counter()
result = {"refused": None}
try:
    eval(sys.argv[2])
except DesignError as exc:
    result["refused"] = sorted({d.code for d in exc.diagnostics})
result["seconds"] = time.perf_counter() - start
result["rss"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps(result))
"""


def run_child(spec: dict, statement: str, timeout: float = 600) -> dict:
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, json.dumps(spec), statement],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=timeout,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "OMP_NUM_THREADS": "2"},
    )
    if proc.returncode != 0:
        return {"error": proc.stderr.strip().splitlines()[-1:]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def gib(n: float) -> str:
    return f"{n / 2**30:.2f} GiB"


def measure(repeats: int) -> None:
    for design, spec in DESIGNS.items():
        print(f"\n{design}")
        print(f"  {'operation':28} {'median s':>9} {'peak RSS':>10} {'× ref RSS':>9}  outcome")
        ref_rss = None
        for op, statement in OPERATIONS.items():
            runs = [run_child(spec, statement) for _ in range(repeats)]
            bad = [r for r in runs if "error" in r]
            if bad:
                print(f"  {op:28} failed: {bad[0]['error']}")
                continue
            seconds = statistics.median(r["seconds"] for r in runs)
            rss = max(r["rss"] for r in runs)
            ref_rss = ref_rss or rss
            refused = runs[0]["refused"]
            outcome = f"refused up front ({', '.join(refused)})" if refused else "done"
            ok = seconds <= 10 and rss <= 2 * 2**30
            flag = "" if ok or refused else "  OVER TARGET"
            print(f"  {op:28} {seconds:9.3f} {gib(rss):>10} {rss / ref_rss:9.2f}  {outcome}{flag}")


async def first_paints(repeats: int = 1) -> None:
    from playwright.async_api import async_playwright

    from resattn.export.share import share_token
    from resattn.loading import load_spec
    from tests.e2e.server import CHROMIUM, CHROMIUM_ARGS, free_port, start_server, stop_server

    urls = {REFERENCE_PAGE: "/"}  # the reference: what the page costs whatever the design
    urls |= {design: f"/?spec={share_token(spec)}" for design, spec in DESIGNS.items()}
    loads: dict[str, list[tuple]] = {design: [] for design in urls}
    hwm = dict.fromkeys(urls, 0)
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for _ in range(repeats):
            port = free_port()
            server = start_server(port)
            try:
                base = f"http://127.0.0.1:{port}"
                for warm_up in WARM_UPS:  # what the server imports once, not per link
                    await _paint(browser, f"{base}/?spec={share_token(load_spec(warm_up))}")
                for design, url in urls.items():
                    pair = []
                    for _ in range(2):
                        cpu = _cpu_s(server.pid)
                        paint = await _paint(browser, base + url)
                        pair.append((*paint, _cpu_s(server.pid) - cpu))  # [6]: server CPU s
                    loads[design].append(tuple(pair))
                    hwm[design] = max(hwm[design], _vm_hwm(server.pid))
            finally:
                stop_server(server)
        await browser.close()
    print(f"\nstudio first paint of the share link (real server on loopback, median of {repeats})")

    def median(runs: list, i: int) -> float:
        return statistics.median(r[i] for r in runs)

    for design, pairs in loads.items():
        cold, warm = [[pair[i] for pair in pairs] for i in (0, 1)]
        full = max(r[2] for pair in pairs for r in pair)
        fragments = max(r[3] for pair in pairs for r in pair)
        print(
            f"  {design:22} link {len(base + urls[design]):4} chars: page load "
            f"{median(cold, 0):.2f} s; first paint after it: cold {median(cold, 1):.2f} s, warm "
            f"{median(warm, 1):.2f} s, the page's run over after {median(cold, 4):.2f} / "
            f"{median(warm, 4):.2f} s, the canvas drawn after {median(cold, 5):.2f} / "
            f"{median(warm, 5):.2f} s; server CPU per load: cold {median(cold, 6):.2f} s, warm "
            f"{median(warm, 6):.2f} s (runs asked per load: {full} of the "
            f"page, {fragments} of fragments); server peak RSS {gib(hwm[design])}"
        )


async def _paint(browser, url: str) -> tuple[float, float, int, int, float, float]:
    """(page load s, first paint s after it, page runs, fragment runs the page asked for, s from
    the load to the end of the page's first run — its last message received by the browser, s
    from the load to the canvas drawn)."""
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    ctx = await browser.new_context(viewport={"width": 1500, "height": 950})
    page = await ctx.new_page()
    runs, finished = [], []

    def sent(payload) -> None:
        msg = BackMsg()
        msg.ParseFromString(payload if isinstance(payload, bytes) else payload.encode())
        if msg.WhichOneof("type") == "rerun_script":
            runs.append(bool(msg.rerun_script.fragment_id))

    def received(payload) -> None:
        msg = ForwardMsg()
        msg.ParseFromString(payload if isinstance(payload, bytes) else payload.encode())
        if msg.WhichOneof("type") == "script_finished":
            finished.append(time.perf_counter())

    def watch(ws) -> None:
        ws.on("framesent", sent)
        ws.on("framereceived", received)

    page.on("websocket", watch)
    try:
        start = time.perf_counter()
        await page.goto(url, wait_until="load", timeout=300_000)
        loaded = time.perf_counter()
        await page.locator('[data-testid="stTabs"]').wait_for(timeout=300_000)
        painted = time.perf_counter()
        await page.locator(".ra-canvas").first.wait_for(timeout=300_000)
        canvas = time.perf_counter()
        await asyncio.sleep(2.0)  # what the page asks for once it is drawn counts too
        ran = finished[0] - loaded if finished else float("nan")
        return (
            loaded - start,
            painted - loaded,
            runs.count(False),
            runs.count(True),
            ran,
            canvas - loaded,
        )
    finally:
        await ctx.close()


def _cpu_s(pid: int) -> float:
    """CPU seconds (user + system, all threads) the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _vm_hwm(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parts = parser.add_mutually_exclusive_group()
    parts.add_argument("--no-studio", action="store_true", help="skip the first-paint part")
    parts.add_argument("--studio-only", action="store_true", help="only the first-paint part")
    args = parser.parse_args()
    if not args.studio_only:
        measure(max(1, args.repeats))
    if not args.no_studio:
        asyncio.run(first_paints(max(1, args.repeats)))


if __name__ == "__main__":
    main()
