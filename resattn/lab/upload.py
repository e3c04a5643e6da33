"""Uploaded data (the studio's Compare tab): a ``.zip`` of an image folder or an ``.npz``, checked
before anything is written, unpacked into a temporary folder only.

Refused with a message naming the entry: an upload over `MAX_UPLOAD_BYTES`; a name that is
neither ``.zip`` nor ``.npz``; an archive that is not a zip; an entry with an absolute path,
a drive letter, a backslash or ``..`` (zip-slip); a symbolic link; an entry that is not a PNG /
JPEG image (hidden files and ``__MACOSX/`` metadata are skipped); more than `MAX_ENTRIES`
entries; a decompression bomb — more than `MAX_UNPACKED_BYTES` unpacked in total, or an entry
that unpacks more than `MAX_RATIO` times its compressed size. The sizes an archive declares are
checked first and the bytes actually written are counted while unpacking, so a lying header
gains nothing. An ``.npz`` is a zip too: its arrays get the same size checks before NumPy reads
them.
"""

from __future__ import annotations

import io
import os
import stat
import zipfile
from pathlib import Path, PurePosixPath

from resattn.i18n import N_
from resattn.i18n.text import Text
from resattn.lab.data import DataError
from resattn.lab.portable import IMAGE_SUFFIXES
from schemas import Problem

#: Largest upload accepted (bytes): 200 MB.
MAX_UPLOAD_BYTES = 200 * 1000**2
#: Largest total an archive may unpack to: 1 GiB.
MAX_UNPACKED_BYTES = 1024**3
#: Largest unpacked / compressed ratio of one entry (real PNG/JPEG barely compress; a bomb's
#: ratio is in the thousands).
MAX_RATIO = 200
#: Most entries one archive may hold.
MAX_ENTRIES = 200_000
_CHUNK = 1 << 20


def _refuse(name: str, reason: Text) -> DataError:
    return DataError([Problem(name, reason)], headline=N_("The upload cannot be used"))


def _skipped(parts: tuple[str, ...]) -> bool:
    return any(p.startswith(".") or p == "__MACOSX" for p in parts)


def _check_entry(info: zipfile.ZipInfo, archive: str) -> PurePosixPath:
    """The entry's safe relative path, or a refusal naming it."""
    name = info.filename
    where = f"{archive}: {name}"
    if name.startswith(("/", "\\")) or "\\" in name or (len(name) > 1 and name[1] == ":"):
        raise _refuse(
            where, Text(N_("an absolute path or a backslash in an entry name is refused"))
        )
    path = PurePosixPath(name)
    if ".." in path.parts:
        raise _refuse(
            where, Text(N_("an entry that climbs out of the folder ('..', zip-slip) is refused"))
        )
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        raise _refuse(where, Text(N_("symbolic links are refused")))
    if info.compress_size and info.file_size > MAX_RATIO * info.compress_size:
        raise _refuse(
            where,
            Text(
                N_(
                    "unpacks {ratio} times its compressed size (over {limit}×): a decompression "
                    "bomb is refused"
                ),
                ratio=f"{info.file_size / info.compress_size:,.0f}",
                limit=MAX_RATIO,
            ),
        )
    return path


def _check_archive(archive: zipfile.ZipFile, label: str) -> list[zipfile.ZipInfo]:
    infos = archive.infolist()
    if len(infos) > MAX_ENTRIES:
        raise _refuse(
            label,
            Text(
                N_("holds {n} entries; at most {limit}"),
                n=f"{len(infos):,}",
                limit=f"{MAX_ENTRIES:,}",
            ),
        )
    total = 0
    for info in infos:
        _check_entry(info, label)
        total += info.file_size
    if total > MAX_UNPACKED_BYTES:
        raise _refuse(
            label,
            Text(
                N_(
                    "unpacks to {size} GiB, over the {limit} GiB allowed: a decompression bomb "
                    "is refused"
                ),
                size=f"{total / 1024**3:.1f}",
                limit=f"{MAX_UNPACKED_BYTES / 1024**3:.0f}",
            ),
        )
    return infos


def _copy_counted(source, target, budget: list[int], where: str) -> None:
    """Copy in chunks, counting the bytes against the remaining `budget` (a one-item list)."""
    while chunk := source.read(_CHUNK):
        budget[0] -= len(chunk)
        if budget[0] < 0:
            raise _refuse(
                where, Text(N_("unpacks to more than its header says: refused as a bomb"))
            )
        target.write(chunk)


def unpack_upload(data: bytes, name: str, into: str | os.PathLike) -> Path:
    """Check an uploaded file and unpack it into the folder `into` (a temporary folder the caller
    owns); the path to give `resattn.lab.data.load_dataset`: the image folder (the archive's
    single top folder when it has one) or the ``.npz`` file."""
    into = Path(into)
    if len(data) > MAX_UPLOAD_BYTES:
        raise _refuse(
            name,
            Text(
                N_("is {size} MB, over the {limit} MB allowed"),
                size=f"{len(data) / 1e6:,.0f}",
                limit=f"{MAX_UPLOAD_BYTES / 1e6:,.0f}",
            ),
        )
    suffix = PurePosixPath(name).suffix.lower()
    if suffix not in (".zip", ".npz"):
        raise _refuse(name, Text(N_("upload a .zip of an image folder or an .npz with x and y")))
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise _refuse(name, Text(N_("is not a valid {suffix} archive"), suffix=suffix)) from None
    with archive:
        infos = _check_archive(archive, name)
        if suffix == ".npz":
            target = into / "upload.npz"
            target.write_bytes(data)
            return target
        budget = [MAX_UNPACKED_BYTES]
        root = (into / "images").resolve()
        root.mkdir(parents=True, exist_ok=True)
        for info in infos:
            path = PurePosixPath(info.filename)
            if _skipped(path.parts) or info.is_dir():
                continue
            if path.suffix.lower() not in IMAGE_SUFFIXES:
                raise _refuse(
                    f"{name}: {info.filename}",
                    Text(N_("is not a PNG or JPEG image (by its name)")),
                )
            target = (root / Path(*path.parts)).resolve()
            if root not in target.parents:  # belt and braces after _check_entry
                raise _refuse(
                    f"{name}: {info.filename}", Text(N_("lands outside the upload folder"))
                )
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                with archive.open(info) as source, open(target, "wb") as out:
                    _copy_counted(source, out, budget, f"{name}: {info.filename}")
            except (zipfile.BadZipFile, OSError, EOFError) as exc:
                raise _refuse(
                    f"{name}: {info.filename}",
                    Text(N_("cannot be unpacked ({reason})"), reason=str(exc)),
                ) from None
    entries = [p for p in root.iterdir() if not _skipped((p.name,))]
    if len(entries) == 1 and entries[0].is_dir():
        inner = [p for p in entries[0].iterdir() if not _skipped((p.name,))]
        if inner and all(p.is_dir() for p in inner):
            return entries[0]
    return root
