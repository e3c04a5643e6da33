"""The probe's data: scikit-learn's handwritten digits (1,797 real 8×8 images, 10 classes).

The images ship inside scikit-learn, so nothing is downloaded. The split is stratified and fixed
by its seed, so every variant of an ablation trains and is judged on exactly the same images.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import torch

#: Shape of one digit image: 1 channel, 8 × 8 pixels; ten classes.
IMAGE_SHAPE = (1, 8, 8)
NUM_CLASSES = 10


@dataclass(frozen=True)
class Split:
    """Train and held-out tensors (images N×1×8×8, standardised with the train statistics)."""

    x_train: torch.Tensor
    y_train: torch.Tensor
    x_val: torch.Tensor
    y_val: torch.Tensor


@lru_cache(maxsize=4)
def digits_split(seed: int = 0, val_fraction: float = 0.25) -> Split:
    """The digits split into train / held-out sets, stratified by class, fixed by `seed`.

    Pixels (0-16) are standardised with the training set's mean and standard deviation only,
    so nothing about the held-out images leaks into training. Cached: callers must not modify
    the tensors in place.
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    images, labels = load_digits(return_X_y=True)
    x_tr, x_va, y_tr, y_va = train_test_split(
        images, labels, test_size=val_fraction, random_state=seed, stratify=labels
    )
    x_train = torch.as_tensor(x_tr, dtype=torch.float32).view(-1, *IMAGE_SHAPE)
    x_val = torch.as_tensor(x_va, dtype=torch.float32).view(-1, *IMAGE_SHAPE)
    mean, std = x_train.mean(), x_train.std()
    return Split(
        x_train=(x_train - mean) / std,
        y_train=torch.as_tensor(y_tr, dtype=torch.long),
        x_val=(x_val - mean) / std,
        y_val=torch.as_tensor(y_va, dtype=torch.long),
    )
