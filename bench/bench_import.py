"""Benchmark: time to import a ResNet-50-sized ONNX model, against `onnx.load` of the same file.

    python bench/bench_import.py [SPEC] [--repeats N] [--threads T]

Exports the design (default ``preset:se_resnet50``: ResNet-50 with SE in every block, 28 M
parameters, ~110 MB of ONNX) once with ``torch.onnx.export``, then times, alternating, `onnx.load`
of the file and `resattn.importing.import_model` of it (read + parse + recognition + weights in
build(spec)'s keys + lint). Prints both medians, the import / load ratio, what the import adds
over the load as a multiple of the load time (target: recognition ≤ 1×), and the median of each
phase: read, parse, graph index (initializers → numpy: one copy of the weights), recognition
(walk + assemble + lint) and tensors (numpy → writable torch tensors: a second copy).
"""

from __future__ import annotations

import argparse
import io
import statistics
import tempfile
import time
import warnings
from pathlib import Path

import onnx
import torch

from resattn import build, load_spec
from resattn.importing import api, import_model
from resattn.importing.graph import Graph
from resattn.importing.reading import parse_model, read_bytes
from resattn.importing.recognise import Walker
from resattn.lint import lint


def phases(path: Path) -> dict[str, float]:
    """One import, phase by phase (the steps `import_model` takes)."""
    marks = [time.perf_counter()]
    data, where = read_bytes(path)
    marks.append(time.perf_counter())
    model = parse_model(data, where)
    marks.append(time.perf_counter())
    graph = Graph(model)
    marks.append(time.perf_counter())
    walker = Walker(graph)
    spec, weights = api._assemble(walker.run(), "bench", walker.findings)
    lint(spec)
    marks.append(time.perf_counter())
    api._state_dict(spec, weights)
    marks.append(time.perf_counter())
    names = ("read", "parse", "graph index", "recognition", "tensors")
    return {n: marks[i + 1] - marks[i] for i, n in enumerate(names)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("spec", nargs="?", default="preset:se_resnet50")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    spec = load_spec(args.spec)
    model = build(spec).eval()
    x = torch.zeros(1, spec.input.channels, spec.input.height, spec.input.width)
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (x,), buf, dynamo=False, opset_version=17)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "model.onnx"
        path.write_bytes(buf.getvalue())
        size = path.stat().st_size
        loads, imports, steps = [], [], []
        result = import_model(path)  # warm-up (imports, caches)
        for _ in range(args.repeats):
            t = time.perf_counter()
            onnx.load(str(path))
            loads.append(time.perf_counter() - t)
            t = time.perf_counter()
            result = import_model(path)
            imports.append(time.perf_counter() - t)
            steps.append(phases(path))
    load_s, import_s = statistics.median(loads), statistics.median(imports)
    print(f"design            {spec.name}: {sum(p.numel() for p in model.parameters()):,} params")
    print(f"ONNX file         {size / 2**20:,.1f} MB")
    print(f"fit               {result.fit}, {len(result.state_dict)} tensors")
    print(f"onnx.load         median {load_s * 1e3:,.0f} ms ({args.repeats} runs)")
    print(f"import_model      median {import_s * 1e3:,.0f} ms ({args.repeats} runs)")
    print(f"ratio             import / load = {import_s / load_s:.2f}")
    print(f"import adds       {(import_s - load_s) / load_s:.2f} × the load time")
    for name in steps[0]:
        median = statistics.median(step[name] for step in steps)
        print(f"  {name:<15} median {median * 1e3:,.0f} ms = {median / load_s:.2f} × load")


if __name__ == "__main__":
    main()
