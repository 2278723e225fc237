"""A cross-process lock per sidecar, so concurrent writers never interleave.

:func:`locked` takes an exclusive ``fcntl.flock`` on ``<path>.lock``. The lock is re-entrant
within one thread (so :func:`~aienhance.sidecar.update_xmp` can hold it while
:func:`~aienhance.sidecar.write_atomic` takes it again) and exclusive between threads and
processes. The kernel releases a ``flock`` when its process dies, so a killed writer never
leaves a stale lock behind.

The lock file is removed on release, so photo folders are not left with ``.lock`` files. This is
safe because a waiter that wakes up on a lock file that was meanwhile unlinked (or replaced)
notices that the path no longer names the file it locked and tries again.

On platforms without :mod:`fcntl` (Windows) the lock falls back to creating ``<path>.lock``
exclusively (``O_CREAT | O_EXCL``); a lock file older than ``stale_after`` seconds is taken to
belong to a crashed process and removed.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from ..errors import SidecarError

try:  # POSIX
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

__all__ = ["lock_path", "locked"]

_POLL_SECONDS = 0.01
_registry_lock = threading.Lock()
_held: dict[str, _PathLock] = {}


class _PathLock:
    """The in-process half of a sidecar lock: a re-entrant lock plus the OS lock it guards."""

    def __init__(self) -> None:
        self.rlock = threading.RLock()
        self.depth = 0
        self.fd: int | None = None
        self.users = 0


def lock_path(path: str | os.PathLike) -> Path:
    """The lock file used for the sidecar at ``path`` (``<path>.lock``)."""
    path = Path(path)
    return path.with_name(path.name + ".lock")


def _try_flock(lock_file: Path) -> int | None:
    """Open and lock ``lock_file``; return the fd, or ``None`` if another holder has it."""
    fd = os.open(lock_file, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return None
        # The holder we waited for may have unlinked the file: make sure we hold the live one.
        try:
            on_disk = os.stat(lock_file)
        except FileNotFoundError:
            os.close(fd)
            return None
        held = os.fstat(fd)
        if (on_disk.st_dev, on_disk.st_ino) != (held.st_dev, held.st_ino):
            os.close(fd)
            return None
        return fd
    except BaseException:
        with contextlib.suppress(OSError):
            os.close(fd)
        raise


def _try_exclusive_create(lock_file: Path, stale_after: float) -> int | None:
    try:
        fd = os.open(lock_file, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        with contextlib.suppress(OSError):
            if time.time() - os.stat(lock_file).st_mtime > stale_after:
                os.unlink(lock_file)
        return None
    os.write(fd, str(os.getpid()).encode())
    return fd


def _acquire_os_lock(lock_file: Path, timeout: float, stale_after: float) -> int:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if fcntl is not None:
                fd = _try_flock(lock_file)
            else:  # pragma: no cover - exercised by monkeypatching in the tests
                fd = _try_exclusive_create(lock_file, stale_after)
        except FileNotFoundError:
            raise SidecarError(f"cannot lock sidecar: folder {lock_file.parent} does not exist") from None
        except OSError as exc:
            raise SidecarError(f"cannot lock sidecar via {lock_file}: {exc.strerror or exc}") from None
        if fd is not None:
            return fd
        if time.monotonic() >= deadline:
            raise SidecarError(
                f"timed out after {timeout:g} s waiting for the lock {lock_file} "
                "(another aienhance process is writing this sidecar)"
            )
        time.sleep(_POLL_SECONDS)


def _release_os_lock(lock_file: Path, fd: int) -> None:
    # Unlink while still holding the lock, then unlock: waiters see the inode change and retry.
    with contextlib.suppress(OSError):
        os.unlink(lock_file)
    if fcntl is not None:
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_UN)
    with contextlib.suppress(OSError):
        os.close(fd)


@contextlib.contextmanager
def locked(path: str | os.PathLike, timeout: float = 30, *, stale_after: float = 300) -> Iterator[Path]:
    """Hold the exclusive lock of the sidecar at ``path`` for the duration of a ``with`` block.

    Parameters
    ----------
    path
        The sidecar (not the lock file). Symbolic links are resolved, so a link and its target
        share one lock.
    timeout
        Seconds to wait for another holder before giving up.
    stale_after
        Fallback lock only (no :mod:`fcntl`): age in seconds after which a lock file is stale.

    Yields
    ------
    pathlib.Path
        The resolved sidecar path.

    Raises
    ------
    SidecarError
        If the lock cannot be taken within ``timeout`` or the folder is not writable.
    """
    target = Path(os.path.realpath(path))
    if os.path.lexists(path) and not target.is_file():
        # refuse before creating a lock file next to whatever a link points to (/dev/zero, …)
        if os.path.islink(path) and not target.exists():
            raise SidecarError(f"sidecar {os.fspath(path)} is a symbolic link to {target}, which does "
                               "not exist; refusing to write")
        kind = "a directory" if target.is_dir() else "a device, FIFO or socket"
        via = f" (a symbolic link to {target})" if os.path.islink(path) else ""
        raise SidecarError(f"sidecar {os.fspath(path)}{via} is {kind}, not a regular file; refusing to write")
    key = str(target)
    with _registry_lock:
        entry = _held.setdefault(key, _PathLock())
        entry.users += 1
    try:
        if not entry.rlock.acquire(timeout=timeout if timeout >= 0 else -1):
            raise SidecarError(f"timed out after {timeout:g} s waiting for the lock of {target}")
        try:
            if entry.depth == 0:
                entry.fd = _acquire_os_lock(lock_path(target), timeout, stale_after)
            entry.depth += 1
            try:
                yield target
            finally:
                entry.depth -= 1
                if entry.depth == 0 and entry.fd is not None:
                    _release_os_lock(lock_path(target), entry.fd)
                    entry.fd = None
        finally:
            entry.rlock.release()
    finally:
        with _registry_lock:
            entry.users -= 1
            if entry.users == 0 and _held.get(key) is entry:
                del _held[key]
