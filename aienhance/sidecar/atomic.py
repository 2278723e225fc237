"""Crash-safe sidecar writes: lock, keep a backup, write a temp file, fsync, rename.

A reader (darktable, Lightroom, exiftool, another aienhance) sees either the old sidecar or the
new one, never a mixture, even if the writer is killed at any instant: the new bytes go to a
temporary file in the same folder, which is flushed and ``fsync``-ed and then moved over the old
file with :func:`os.replace` (an atomic rename on POSIX and on NTFS); the folder is ``fsync``-ed
afterwards so the rename itself survives a power cut. The previous version is kept as
``<path>.bak``, written the same careful way.

``AIENHANCE_SIDECAR_TEST_PAUSE`` (seconds, test hook) makes the writer sleep after the temporary
file is complete and before the rename, so tests can kill it in that window.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

from ..errors import SidecarError
from .locking import locked
from .xmp import XmpTree, read_xmp, serialise_xmp

__all__ = ["TEMP_SUFFIX", "backup_path", "update_xmp", "write_atomic"]

#: Suffix of the temporary files :func:`write_atomic` creates next to the sidecar.
TEMP_SUFFIX = ".aienhance-tmp"
_PAUSE_ENV = "AIENHANCE_SIDECAR_TEST_PAUSE"


def backup_path(path: str | os.PathLike) -> Path:
    """Where :func:`write_atomic` keeps the previous version of ``path`` (``<path>.bak``)."""
    path = Path(path)
    return path.with_name(path.name + ".bak")


#: Leading bytes of image files (photos are never replaced by a sidecar, style or report).
_IMAGE_SIGNATURES: tuple[tuple[int, bytes, str], ...] = (
    (0, b"\xff\xd8\xff", "JPEG"),
    (0, b"\x89PNG\r\n\x1a\n", "PNG"),
    (0, b"II*\x00", "TIFF or TIFF-based raw"),
    (0, b"MM\x00*", "TIFF or TIFF-based raw"),
    (0, b"IIRO", "Olympus raw"),
    (0, b"IIRS", "Olympus raw"),
    (0, b"IIU\x00", "Panasonic raw"),
    (0, b"FUJIFILMCCD-RAW", "Fujifilm raw"),
    (0, b"\x00MRM", "Minolta raw"),
    (0, b"FOVb", "Sigma raw"),
    (0, b"II\x1a\x00\x00\x00HEAPCCDR", "Canon CRW raw"),
    (4, b"ftyp", "HEIF/CR3/AVIF"),
    (0, b"GIF8", "GIF"),
    (0, b"8BPS", "Photoshop"),
    (8, b"WEBP", "WebP"),
)


def _image_kind(path: Path) -> str | None:
    """The image format ``path`` starts with, if it is an image file."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(32)
    except OSError:
        return None
    for offset, magic, kind in _IMAGE_SIGNATURES:
        if head[offset:offset + len(magic)] == magic:
            return kind
    return None


def _fsync_directory(directory: Path) -> None:
    if not hasattr(os, "O_DIRECTORY"):  # pragma: no cover - Windows cannot open folders
        return
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover - some file systems refuse; the rename is still atomic
        pass
    finally:
        os.close(fd)


def _default_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _remove_orphan_temps(target: Path) -> None:
    """Delete temp files of ``target`` left by killed writers (we hold the lock, so none is live)."""
    prefix = f".{target.name}."
    with contextlib.suppress(OSError):
        for entry in os.scandir(target.parent):
            if entry.name.startswith(prefix) and entry.name.endswith(TEMP_SUFFIX):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)


def _replace_with(target: Path, write: Callable[[object], None], mode: int, *, hook: bool = False) -> None:
    fd, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=TEMP_SUFFIX, dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp_name, mode)
        pause = os.environ.get(_PAUSE_ENV) if hook else None
        if pause:
            time.sleep(float(pause))
        os.replace(temp_name, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        raise


def write_atomic(path: str | os.PathLike, data: bytes, *, backup: bool = True) -> None:
    """Replace the file at ``path`` with ``data`` so that no reader ever sees a partial file.

    Parameters
    ----------
    path
        The sidecar to write. A symbolic link is followed (the link stays a link).
    data
        The complete new contents.
    backup
        Keep the previous contents as ``<path>.bak`` (replacing an older backup).

    Raises
    ------
    SidecarError
        If ``path`` is not a regular file or is an image (a photo is never replaced by a
        sidecar, style or report), its folder is missing or not writable, the disk is full, or
        the lock cannot be taken. The old file is then left unchanged.

    Notes
    -----
    Steps, all under :func:`~aienhance.sidecar.locked`: copy the old file to ``<path>.bak`` via
    a temporary file and rename; write ``data`` to a temporary file in the same folder, flush and
    ``fsync`` it; :func:`os.replace` it over ``path``; ``fsync`` the folder.
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"write_atomic needs bytes, got {type(data).__name__}")
    data = bytes(data)
    try:
        with locked(path) as target:
            _remove_orphan_temps(target)
            mode = _default_mode()
            if os.path.lexists(target):
                if not target.is_file():
                    raise SidecarError(f"sidecar {target} exists but is not a regular file")
                kind = _image_kind(target)
                if kind is not None:
                    raise SidecarError(f"refusing to replace {target}: it is an image file ({kind}), "
                                       "not a sidecar, style or report")
                mode = os.stat(target).st_mode & 0o7777
                if backup:
                    with open(target, "rb") as old:
                        _replace_with(backup_path(target), lambda h: shutil.copyfileobj(old, h), mode)
            _replace_with(target, lambda h: h.write(data), mode, hook=True)
            _fsync_directory(target.parent)
    except SidecarError:
        raise
    except OSError as exc:
        raise SidecarError(f"cannot write sidecar {path}: {exc.strerror or exc}") from None


def update_xmp(
    path: str | os.PathLike,
    merge: Callable[[XmpTree | None], bytes | ET.ElementTree | ET.Element],
    *,
    backup: bool = True,
) -> bytes:
    """Read, merge and write a sidecar as one step under its lock (read-merge-write).

    Parameters
    ----------
    path
        The sidecar; it need not exist yet.
    merge
        Called with the current tree (or ``None`` if there is no sidecar) and returns the new
        document, either as bytes or as a tree/element that :func:`serialise_xmp` writes with
        the original file's prefixes and packet wrapper. It may modify the tree in place.
    backup
        Passed to :func:`write_atomic`.

    Returns
    -------
    bytes
        What was written.

    Raises
    ------
    SidecarError
        If the existing sidecar is hostile or corrupt (it is then left untouched) or the write
        fails.
    """
    with locked(path) as target:
        tree = read_xmp(target)
        result = merge(tree)
        if isinstance(result, (bytes, bytearray, memoryview)):
            data = bytes(result)
        elif isinstance(result, ET.Element):
            if tree is not None and result is tree.getroot():
                data = serialise_xmp(tree)
            else:
                data = serialise_xmp(XmpTree(result, namespaces=tree.namespaces if tree else ()))
        elif isinstance(result, ET.ElementTree):
            data = serialise_xmp(result)
        else:
            raise TypeError(
                f"merge function must return bytes or an ElementTree, got {type(result).__name__}"
            )
        write_atomic(target, data, backup=backup)
        return data
