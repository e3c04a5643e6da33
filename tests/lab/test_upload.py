"""Uploads: a .zip of an image folder or an .npz, every hostile archive refused with a message
naming the entry, nothing written outside the folder given."""

from __future__ import annotations

import io
import stat
import zipfile

import numpy as np
import pytest
from PIL import Image

from resattn.lab import upload
from resattn.lab.data import DataError, load_dataset
from resattn.lab.upload import unpack_upload


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(np.full((6, 6), 128, np.uint8)).save(buffer, "PNG")
    return buffer.getvalue()


def _zip(entries: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _folder_zip(top: str = "") -> bytes:
    entries = {f"{top}{c}/{i}.png": _png() for c in ("cat", "dog") for i in range(4)}
    entries["__MACOSX/._cat"] = b"metadata"  # skipped, like hidden files
    return _zip(entries)


def _refused(tmp_path, data: bytes, name: str, match: str) -> None:
    into = tmp_path / "into"
    into.mkdir()
    with pytest.raises(DataError, match=match) as error:
        unpack_upload(data, name, into)
    assert error.value.message.startswith("The upload cannot be used: ")
    assert not (tmp_path / "evil.png").exists()


@pytest.mark.parametrize("top", ["", "my_images/"])
def test_a_zipped_image_folder_unpacks_and_loads(tmp_path, top):
    root = unpack_upload(_folder_zip(top), "data.zip", tmp_path)
    assert tmp_path in root.parents
    data = load_dataset(str(root))
    assert data.classes == ("cat", "dog") and data.x.shape == (8, 1, 8, 8)


def test_an_npz_upload_is_kept_as_a_file_and_loads(tmp_path):
    buffer = io.BytesIO()
    x = (np.zeros((8, 4, 4)) + np.arange(8)[:, None, None]).astype(np.uint8)
    np.savez(buffer, x=x, y=[0, 1] * 4)
    path = unpack_upload(buffer.getvalue(), "mine.NPZ", tmp_path)
    assert path.parent == tmp_path and load_dataset(str(path)).num_classes == 2


def test_a_zip_slip_entry_is_refused(tmp_path):
    _refused(tmp_path, _zip({"../evil.png": _png()}), "d.zip", r"\.\./evil\.png.*zip-slip")


def test_an_absolute_entry_is_refused(tmp_path):
    _refused(tmp_path, _zip({"/tmp/evil.png": _png()}), "d.zip", "absolute path")


def test_a_symbolic_link_is_refused(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        link = zipfile.ZipInfo("cat/link.png")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "/etc/passwd")
    _refused(tmp_path, buffer.getvalue(), "d.zip", "cat/link.png: symbolic links")


def test_a_decompression_bomb_is_refused_by_its_ratio(tmp_path):
    bomb = _zip({"cat/0.png": b"\0" * 20_000_000})  # 20 MB of zeros: ~20 kB compressed
    _refused(tmp_path, bomb, "d.zip", "decompression bomb")


def test_a_bomb_too_large_in_total_is_refused_before_unpacking(tmp_path, monkeypatch):
    monkeypatch.setattr(upload, "MAX_UNPACKED_BYTES", 1000)
    data = _zip({f"cat/{i}.png": _png() for i in range(40)}, zipfile.ZIP_STORED)
    _refused(tmp_path, data, "d.zip", "unpacks to .* GiB allowed: a decompression bomb")


def test_a_non_image_file_is_refused(tmp_path):
    _refused(tmp_path, _zip({"cat/run.sh": b"rm -rf /"}), "d.zip", "run.sh.*not a PNG or JPEG")


def test_an_upload_over_the_size_cap_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(upload, "MAX_UPLOAD_BYTES", 100)
    _refused(tmp_path, _folder_zip(), "d.zip", "over the 0 MB allowed")


@pytest.mark.parametrize(
    "data, name, match",
    [(b"plain text", "d.zip", "not a valid .zip archive"), (b"", "d.txt", "upload a .zip")],
)
def test_a_file_that_is_not_an_archive_is_refused(tmp_path, data, name, match):
    _refused(tmp_path, data, name, match)


def test_a_refusal_reads_in_the_current_language(tmp_path):
    from resattn import i18n

    with pytest.raises(DataError) as error:
        unpack_upload(_zip({"../evil.png": _png()}), "d.zip", tmp_path)
    with i18n.use_language("tr"):
        turkish = error.value.message
    with i18n.use_language("en"):
        english = error.value.message
    assert "zip-slip" in english and "climbs out of the folder" in english
    assert "klasörün dışına çıkan" in turkish and "climbs out" not in turkish
    with i18n.use_language("tr"):  # the JSON form stays English
        assert "climbs out of the folder" in str(error.value.to_json())
