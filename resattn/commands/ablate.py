"""`resattn ablate SPEC`: the notes' §8 ablation — baseline / P1 / P2 / P3 / P4 and your design
side by side, trained over seeds with a verdict per variant (docs/lab.md)."""

from __future__ import annotations

import sys

from resattn.commands._common import EXIT_OK, add_spec_argument, print_json
from resattn.i18n import N_, _

NAME = "ablate"
HELP = N_(
    "compare the fusion patterns of a design (params, MACs, latency) and train each over seeds "
    "on digits, mnist5k or your own images, with a verdict versus the baseline"
)


def add_arguments(parser) -> None:
    from resattn.lab.probe import DEVICES, SEED_LIMIT, ProbeConfig
    from resattn.lab.trials import EXECUTORS
    from schemas import ATTENTION_MODELS

    add_spec_argument(parser)
    parser.add_argument(
        "--attention",
        choices=sorted(ATTENTION_MODELS),
        help=_("attention type of every variant (default: the design's first attention, else SE)"),
    )
    parser.add_argument(
        "--variant",
        action="append",
        metavar="[TYPE:]PATTERN[@STAGES]",
        help=_(
            "a variant to run (repeatable; default baseline, P1, P2, P3, P4), e.g. cbam:P1, "
            "or P1@3,4 for attention in stages 3 and 4 of a network only"
        ),
    )
    parser.add_argument(
        "--epochs",
        type=_int_in("epochs", 1, 100),
        default=ProbeConfig.epochs,
        metavar="N",
        help=_("training epochs (1-100)"),
    )
    parser.add_argument(
        "--seed",
        type=_int_in("seed", 0, SEED_LIMIT - 1),
        default=ProbeConfig.seed,
        metavar="S",
        help=_(
            "the first seed of every variant's probe (0 to 2**32 - 1); --seeds N trains on S "
            "to S+N-1"
        ),
    )
    parser.add_argument(
        "--time-budget",
        type=_seconds,
        default=None,
        metavar="SECONDS",
        help=_(
            "stop each variant's training after this many seconds, a finite number > 0 "
            "(the curves say so)"
        ),
    )
    parser.add_argument(
        "--data",
        default=ProbeConfig.data,
        metavar="digits|mnist5k|PATH",
        help=_(
            "training data: the built-in digits (default, fast) or mnist5k, or a folder with "
            "one sub-folder of PNG/JPEG images per class, or an .npz with x and y"
        ),
    )
    parser.add_argument(
        "--image-size",
        type=_int_in("image size", 4, 256),
        default=None,
        metavar="PX",
        help=_(
            "resize every image to PX×PX (default for your data: the smallest power of two "
            ">= the median side, at most 64)"
        ),
    )
    parser.add_argument(
        "--seeds",
        type=_int_in("seeds", 1, 50),
        default=1,
        metavar="N",
        help=_(
            "train every variant on N seeds from --seed (default 1, the quick demo; 5 for a "
            "claim): mean, 95%% interval and a paired verdict versus the baseline"
        ),
    )
    parser.add_argument(
        "--width",
        type=_int_in("width", 1, 256),
        default=ProbeConfig.width,
        metavar="C",
        help=_("channels of the probe's 3×3 convs (1-256)"),
    )
    parser.add_argument(
        "--depth",
        type=_int_in("depth", 1, 8),
        default=ProbeConfig.depth,
        metavar="N",
        help=_("blocks in the probe (1-8)"),
    )
    parser.add_argument(
        "--as-designed",
        action="store_true",
        help=_(
            "train the design at its own channel widths (refused with an estimate when too "
            "large for the data)"
        ),
    )
    parser.add_argument(
        "--jobs",
        type=_int_in("jobs", 1, 256),
        default=None,
        metavar="N",
        help=_(
            "train N trials (variant × seed) at once in separate processes (default: the "
            "number of cores); results are identical to --jobs 1"
        ),
    )
    parser.add_argument(
        "--device",
        choices=DEVICES,
        default="auto",
        help=_(
            "where to train: auto (default: CUDA when torch sees a GPU, else the CPU), cpu, or cuda"
        ),
    )
    parser.add_argument(
        "--executor",
        choices=EXECUTORS,
        default="local",
        help=_("local (default) or ray: the trials as Ray Tune trials (pip install -e .[ray])"),
    )
    parser.add_argument(
        "--address",
        default=None,
        metavar="ADDR",
        help=_(
            "with --executor ray: the Ray cluster to join (e.g. ray://head:10001; default a "
            "local Ray)"
        ),
    )
    parser.add_argument(
        "--emit-script",
        default=None,
        metavar="FILE",
        help=_(
            "write a standalone script (torch + the exported designs, no resattn) that runs "
            "the same variants × seeds and prints the same JSON, and stop"
        ),
    )
    parser.add_argument("--no-train", action="store_true", help=_("static comparison only"))
    parser.add_argument("--no-latency", action="store_true", help=_("skip the latency runs"))
    parser.add_argument("--json", action="store_true", help=_("print the results as JSON"))


def _int_in(name: str, low: int, high: int):
    """An argparse type: an integer in [low, high]. Named `name`, so that argparse reports
    text that is no integer as "invalid NAME value: 'TEXT'"."""
    import argparse

    def parse(text: str) -> int:
        value = int(text)  # ValueError → argparse: "invalid NAME value"
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(
                _("{name} must be between {low} and {high} (got {value})").format(
                    name=name, low=low, high=high, value=value
                )
            )
        return value

    parse.__name__ = name
    return parse


def _seconds(text: str) -> float:
    """An argparse type: a finite number of seconds > 0 ("nan" and "inf" are refused)."""
    import argparse
    import math

    value = float(text)  # ValueError → argparse: "invalid time budget value"
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(
            _("time budget must be a finite number of seconds > 0 (got {text})").format(
                text=repr(text)
            )
        )
    return value


_seconds.__name__ = "time budget"


def run(args) -> int:
    from resattn.commands._common import write_output
    from resattn.lab.ablate import ablate
    from resattn.lab.probe import ProbeConfig
    from resattn.lab.trials import check_executor, default_jobs
    from resattn.loading import load_spec

    spec = load_spec(args.spec)
    config = ProbeConfig(
        epochs=args.epochs,
        seed=args.seed,
        time_budget_s=args.time_budget,
        width=args.width,
        depth=args.depth,
        data=args.data,
        image_size=args.image_size,
        device=args.device,
        as_designed=args.as_designed,
    )
    jobs = args.jobs or default_jobs()
    check_executor(args.executor, jobs)
    if args.emit_script:
        from resattn.lab.emit import emit_script

        source = emit_script(spec, args.variant, args.attention, config=config, seeds=args.seeds)
        write_output(args.emit_script, source)
        wrote = _("wrote {file}: python {file} [--data PATH]").format(file=args.emit_script)
        print(wrote, file=sys.stderr)
        return EXIT_OK
    interactive = sys.stderr.isatty() and not args.json
    result = ablate(
        spec,
        args.variant,
        args.attention,
        config=config,
        seeds=args.seeds,
        jobs=jobs,
        executor=args.executor,
        address=args.address,
        latency=not args.no_latency,
        train=not args.no_train,
        estimate=interactive,
        progress=_print_progress if interactive else None,
    )
    if args.json:
        print_json(result.to_json())
    else:
        print_report(result)
    return EXIT_OK


def _print_progress(fraction: float, message) -> None:
    end = "\n" if fraction >= 1.0 else ""
    sys.stderr.write(f"\r{100 * fraction:5.1f}%  {str(message)[:70]:<70}{end}")
    sys.stderr.flush()


def print_report(result) -> None:
    """The static table, the training table and the verdicts, numbers formatted (M, G, %), in
    the current language."""
    from resattn.lab.report import static_rows, text_table, training_rows, verdict_sentence
    from resattn.lab.variants import shown_label

    print(text_table(static_rows(result.results)))
    rows = training_rows(result.results)
    if rows:
        print()
        print(text_table(rows))
        verdicts = [verdict_sentence(r.variant.label, r.summary) for r in result.results]
        verdicts = [v for v in verdicts if v]
        if verdicts:
            print()
            print("\n".join(verdicts))
    for hint in result.hints:
        line = _("hint: {variant}: {message} (notes {ref})")
        variant = shown_label(hint.variant)
        print(line.format(variant=variant, message=hint.message, ref=hint.ref))
