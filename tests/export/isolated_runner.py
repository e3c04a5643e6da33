"""Runs exported files in a fresh interpreter that cannot see `resattn` (not a test module).

Usage: ``python -I isolated_runner.py MANIFEST.json``. For each case of the manifest it imports
the exported file, loads the library module's state_dict (tensors only, weights_only=True),
runs the input in eval mode and (unless the case is an inference export) in train mode with the
given seed, and saves the outputs and the buffers after the train step for the parent test to
compare. It refuses to start if `resattn` or `schemas` can be imported.
"""

import importlib.abc
import importlib.util
import json
import sys
from pathlib import Path

BLOCKED = ("resattn", "schemas")


class _Blocker(importlib.abc.MetaPathFinder):
    """The package is installed in this environment: make sure no exported file can use it."""

    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ImportError(f"{name} is blocked in the isolated interpreter")
        return None


def main(manifest_path: str) -> None:
    sys.meta_path.insert(0, _Blocker())
    import torch

    manifest = json.loads(Path(manifest_path).read_text())
    torch.set_num_threads(manifest["threads"])
    report = {"blocked": True, "cases": []}
    for case in manifest["cases"]:
        spec = importlib.util.spec_from_file_location(case["module"], case["file"])
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        if "ctor" in case:  # the block class, built with another design's arguments
            ctor = case["ctor"]
            model = getattr(module, ctor["class"])(**ctor["kwargs"])
        else:
            model = module.build_model()
        state = torch.load(case["state"], weights_only=True)
        keys = list(model.state_dict())
        model.load_state_dict(state)
        x = torch.load(case["input"], weights_only=True)
        out = {}
        with torch.no_grad():
            out["eval"] = model.eval()(x)
        if case["train"]:
            torch.manual_seed(case["seed"])
            out["train"] = model.train()(x)
            out["buffers"] = {k: v for k, v in model.state_dict().items() if k in case["buffers"]}
        torch.save(out, case["output"])
        report["cases"].append({"file": case["file"], "keys": keys})
    report["visible"] = [m for m in sys.modules if m.split(".")[0] in BLOCKED]
    print(json.dumps(report))


if __name__ == "__main__":
    main(sys.argv[1])
