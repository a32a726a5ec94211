"""The operating-system steps that make publishing atomic: a lock, and swapping two folders.

Kept apart from `output` because they are about the file system, not about the site: Linux's
`renameat2(RENAME_EXCHANGE)` (which Python does not expose, so it is called through ctypes)
swaps two folders in one step, so a web server or `rsync` reading the output folder sees the
complete old site or the complete new one, never a mix, even if the build is killed.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import functools
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

_AT_FDCWD = -100
_RENAME_NOREPLACE = 1
_RENAME_EXCHANGE = 2


class Busy(Exception):
    """Another process holds the lock."""


@contextlib.contextmanager
def locked(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on `folder` (the output's parent) for the block, or raise `Busy`.

    flock on the folder itself leaves no lock file behind, and the kernel drops the lock when
    the process dies, so a killed build never blocks the next one.
    """
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise Busy(str(folder)) from exc
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _renameat2(source: Path | str, target: Path | str, flags: int) -> bool:
    """Call renameat2; False when this system or file system does not offer it."""
    function = _renameat2_function()
    if function is None:
        return False
    if function(_AT_FDCWD, os.fsencode(source), _AT_FDCWD, os.fsencode(target), flags) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False  # an old kernel or a file system without the flag: use the fallback
    raise OSError(code, os.strerror(code), str(target))


@functools.cache
def _renameat2_function() -> Any:
    """The C library's renameat2 (glibc or musl on Linux), or None where there is none.

    Looked up once per process: each `ctypes.CDLL` makes a new library object with its own
    function classes, which the garbage collector (paused while publishing) does not free.
    Looked up for every spooled file, that was 150 MB and seconds of a cold build of 10,000
    briefs (50,000 files moved into place)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:  # pragma: no cover - platforms without a loadable libc
        return None
    function = getattr(libc, "renameat2", None)
    if function is not None:
        function.argtypes = (ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                             ctypes.c_uint)  # fmt: skip
        function.restype = ctypes.c_int
    return function


def exchange(new: Path, live: Path, old: Path) -> Path:
    """Put folder `new` at `live`; return where the previous `live` folder now is.

    With RENAME_EXCHANGE the swap is one atomic step and the previous folder ends up at `new`'s
    name. Without it, two renames: `live` -> `old`, then `new` -> `live`; for a moment `live`
    does not exist (never a mix), and `recover_pair` puts `old` back if the build dies there.
    """
    if _renameat2(new, live, _RENAME_EXCHANGE):
        return new
    os.rename(live, old)
    os.rename(new, live)
    return old


def move_into_place(new: Path | str, live: Path | str) -> None:
    """Rename `new` to `live`, which must not exist (the first build into a folder, a spooled
    file into the new site)."""
    if _renameat2(new, live, _RENAME_NOREPLACE):
        return
    if os.path.lexists(live):  # the fallback must not replace an empty folder made meanwhile
        raise FileExistsError(errno.EEXIST, "already exists", str(live))
    os.rename(new, live)


def identity(path: Path) -> tuple[int, int]:
    """The device and inode of a folder: what a manifest is bound to."""
    status = os.lstat(path)
    return status.st_dev, status.st_ino
