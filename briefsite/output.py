"""Writing the built site: the only module that changes files, and only files it wrote.

The pipeline hands over the complete list of `Output`s only after every stage succeeded, so a
failed build never touches the published site. Publishing then follows three rules:

1. **Only our own files are ever removed or replaced.** The output folder holds a manifest,
   `.briefsite`, listing every file a build wrote with its SHA-256 and size, and bound to the
   folder's own device and inode. A manifest copied or committed into another folder (a pull
   request adding `site/.briefsite`) does not match that folder, so it proves nothing. A file
   that is not listed, or no longer holds what was listed, is never removed: it is carried
   over into the new site, and if a page needs its place the build stops and names it.
2. **The switch is atomic.** The new site is assembled in a hidden folder beside the output
   folder (unchanged files are hard links to the published ones, so they keep their
   timestamps and cost no copying), then the two folders are swapped in one step
   (`folders.exchange`). At every moment, even right after a kill, the output folder is the
   complete old site or the complete new one. A build that changes nothing writes nothing.
   The site it replaced is kept beside it (`.site.briefsite-previous`, mostly hard links to
   the same files) and brought up to date to become the next site: an edit to one brief then
   touches a few files, not a folder per page (ten thousand folders cost seconds to make and
   to remove).
3. **One build at a time, and never through a symbolic link.** The output's parent folder is
   locked for the duration; the output folder, and each folder between the site folder and
   it, must be real folders; new files are created exclusively, so nothing is written
   through a link planted in the tree.
"""

from __future__ import annotations

import contextlib
import errno
import gc
import hashlib
import json
import os
import posixpath
import re
import secrets
import shutil
import stat
import string
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from operator import itemgetter
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final, TypeVar

from . import folders
from .problems import Problem, error
from .source import RACY_NS

MARKER = ".briefsite"  # the manifest's file name inside the output folder
MANIFEST_FORMAT = "briefsite-output/2"  # columns; "/1" (a row per file) is still read
_MANIFEST_ROWS = "briefsite-output/1"
_NEW_SUFFIX = ".briefsite-new"  # .<name>.briefsite-new: the next site, while it is assembled
_OLD_SUFFIX = ".briefsite-old"  # only without RENAME_EXCHANGE: the previous site, briefly
_PREVIOUS_SUFFIX = ".briefsite-previous"  # the site before this one, to assemble the next
_BLOCK = 4096  # file systems allocate whole blocks: count them when estimating space
_MAX_LISTED = 10  # conflicts named in one message; the rest are counted
T = TypeVar("T")


@dataclass(frozen=True)
class Output:
    """The bytes of one file, at a path relative to the output folder (forward slashes).

    `data` is None for a page the build did not render again because the published file
    already holds it: then `sha256` names those bytes, and publishing keeps that file. It is
    None too for bytes written to the build's `Spool` (`spooled` names that file): publishing
    links it into the new site.
    """

    path: str
    data: bytes | None
    sha256: str = ""
    spooled: str = ""  # the file in the build's spool that holds the bytes, if any

    @property
    def digest(self) -> str:
        """The SHA-256 of the file's bytes, in hex."""
        return self.sha256 or hashlib.sha256(self.data or b"").hexdigest()

    def content(self) -> bytes | None:
        """The bytes, from memory or from the spool; None for a file only named by its hash."""
        if self.data is not None or not self.spooled:
            return self.data
        with open(self.spooled, "rb") as file:
            return file.read()


def held(output: Output) -> Output:
    """What a build without a `Spool` keeps of each file it makes: the file as made, its bytes
    in memory (`keep` of the stages that make files; a `Spool`'s `put` is the other)."""
    return output


@dataclass(frozen=True)
class SyncReport:
    """What publishing changed, for the summary line."""

    written: tuple[str, ...]
    unchanged: int
    removed: tuple[str, ...]
    kept: tuple[str, ...] = ()  # files in the folder that briefsite did not write, left alone


class OutputError(Exception):
    """The output folder cannot be written safely; nothing was changed."""


def check_outputs(outputs: Sequence[Output]) -> list[Problem]:
    """Refuse unsafe paths and two outputs claiming one path (Pelican's `_open_w` rule)."""
    problems = [
        error(o.path, 0, 0, "refusing to write outside the output folder")
        for o in outputs
        if not is_safe_relative(o.path)
    ]
    counts = Counter(o.path for o in outputs)
    problems += [
        error(path, 0, 0, f"{count} pages would be written to the same file")
        for path, count in sorted(counts.items())
        if count > 1
    ]
    return problems


# Paths made of plain names (no part empty or starting with a dot) are safe as they stand;
# any other path is judged part by part below.
_PLAIN_PATH = re.compile(r"[A-Za-z0-9_~+-][A-Za-z0-9_.~+-]*(?:/[A-Za-z0-9_~+-][A-Za-z0-9_.~+-]*)*")


def is_safe_relative(path: str) -> bool:
    """True for a normalised relative path with no '..', no backslash and no hidden parts."""
    if _PLAIN_PATH.fullmatch(path):
        return True
    if not path or path.startswith("/") or "\\" in path or "\x00" in path:
        return False
    if posixpath.normpath(path) != path:
        return False
    return not any(part in ("", ".", "..") or part.startswith(".") for part in path.split("/"))


# ------------------------------------------------------------------------ where it may go


def check_location(output: Path, root: Path, protected: Sequence[Path]) -> list[Problem]:
    """Problems with writing the site into `output` for the site folder `root`.

    The output folder may not be reached through a symbolic link (a `site -> .` link in a pull
    request would aim the build at the repository), may not be or contain the site folder,
    and may not be, contain or sit inside any `protected` folder (`briefs/`, the templates),
    empty or not: an empty `briefs/` used as output would lose the first brief added to it.
    """
    shown = output.as_posix()
    absolute = Path(os.path.abspath(output))
    problems = []
    link = _symlink_on_the_way(absolute, Path(os.path.abspath(root)))
    if link is not None:
        problems.append(
            error(
                shown,
                0,
                0,
                f"the output folder is reached through a symbolic link: {link.as_posix()}",
                "build into a real folder; remove the link or name the real folder with --output",
            )
        )
        return problems
    real = Path(os.path.realpath(absolute))
    real_root = Path(os.path.realpath(root))
    if real == real_root or real in real_root.parents:
        problems.append(
            error(
                shown,
                0,
                0,
                "the output folder would hold the site's own files (site.yml, briefs/)",
                "build into a folder of its own, e.g. --output site",
            )
        )
    for folder in protected:
        real_folder = Path(os.path.realpath(folder))
        if real == real_folder or real_folder in real.parents or real in real_folder.parents:
            problems.append(
                error(
                    shown,
                    0,
                    0,
                    f"the output folder overlaps {folder.as_posix()}, which the build reads",
                    "build into a folder of its own, e.g. --output site",
                )
            )
    return problems


def _symlink_on_the_way(output: Path, root: Path) -> Path | None:
    """The first symbolic link among the output folder and the folders from `root` to it.

    Folders above the site folder belong to the machine (a home folder may be a link); the
    ones inside it come from the repository, which pull requests change.
    """
    if output.is_symlink():
        return output
    if root not in output.parents:
        return None
    current = root
    for part in output.relative_to(root).parts:
        current = current / part
        if current.is_symlink():
            return current
    return None


# ----------------------------------------------------------------------------- the manifest


def _all_plain(paths: Iterable[str]) -> bool:
    """Whether every path is plain (see `_PLAIN_PATH`), checked in a few passes over all of
    them at once: one line each (no path holds a line break of its own), only the plain
    characters, and no part empty or starting with a dot."""
    names = list(paths)
    if not names:
        return True
    lines = "\n" + "\n".join(names) + "\n"
    if lines.count("\n") != len(names) + 1:
        return False
    # As bytes: a character outside ASCII becomes bytes no plain character is. Then with
    # every line break a slash, a part empty or starting with a dot is "//" or "/.".
    data = lines.encode()
    if data.translate(None, _PLAIN_BYTES):
        return False
    parts = data.replace(b"\n", b"/")
    return b"//" not in parts and b"/." not in parts


FolderStamp = tuple[int, int, int]  # a folder's modification time, change time (ns), inode


def stamp_of(status: os.stat_result) -> FolderStamp:
    """A folder's stamp, from its status."""
    return (status.st_mtime_ns, status.st_ctime_ns, status.st_ino)


def _settled(stamp: FolderStamp, before: int) -> bool:
    """Whether a folder last changed before `before`, so its stamp may be trusted."""
    return max(stamp[0], stamp[1]) < before


def clock_ns() -> int:
    """The wall clock that folder times are compared with (a seam for tests of that rule)."""
    return time.time_ns()


# One file a build wrote: its content hash (SHA-256) and the size, modification time and
# inode it had when written. A plain tuple, not a named one: a manifest lists fifty thousand
# of them, made in every build, and a named tuple costs several times more to make.
Listed = tuple[str, int, int, int]
# Its fields (2 is the modification time, only ever compared with the rest).
SHA: Final = 0
SIZE: Final = 1
INODE: Final = 3


@dataclass(frozen=True)
class Manifest:
    """What the build that wrote a folder put in it, bound to that folder's identity.

    It also keeps each folder's stamp (modification and change times, inode) as it was once
    the build had put its files in: a folder whose stamp is unchanged holds the same names, so
    the next build need not list it (git's "untracked cache" rule). Adding, removing or
    renaming an entry moves both times, and no program can set the change time back (`tar`
    and `rsync` restoring an old modification time still move it). A folder changed in the
    same tick of the clock as its stamp was taken could change again without either moving,
    so such a folder (changed within RACY_NS before `taken`) is always listed. Readers that
    do not know these keys (earlier releases) ignore them.
    """

    folder: tuple[int, int]  # device and inode of the folder this manifest describes
    files: Mapping[str, Listed]
    folders: Mapping[str, FolderStamp] = field(default_factory=dict)
    taken: int = 0  # the clock before the stamps were taken
    before: Before | None = None  # the manifest of the site this one replaced (see `Before`)
    # The status of the file it was read from (None when made here), to be named by the
    # next manifest's `before`. Not written, nor compared.
    file: FileStamp | None = field(default=None, compare=False)

    @cached_property
    def layout(self) -> _Layout:
        """Where its files and folders lie, worked out once: a build scans the live site
        twice with the same manifest (`read_manifest` keeps it), and every pass over fifty
        thousand paths costs a few hundredths of a second."""
        return _Layout.of(self)

    def to_bytes(self) -> bytes:
        """Compact JSON in columns, one value a line so a person can read it: the files'
        paths, then their hashes, sizes, times and inodes in the same order. Columns, not a
        row per file, because a build reads the manifest of a site of fifty thousand files
        in every edit: one list of strings and a few lists of numbers parse several times
        faster than as many small lists, and need no check row by row."""
        before = "" if self.before is None else f'"before": {self.before.to_json(self)},\n'
        return (
            "{\n"
            f'"about": "This folder is written by briefsite: it lists the files it wrote.",\n'
            f'"format": "{MANIFEST_FORMAT}",\n'
            f'"folder": [{self.folder[0]}, {self.folder[1]}],\n'
            f'"taken": {self.taken},\n'
            f'"files": {_file_columns_json(self.files)},\n'
            f"{before}"
            f'"folders": {_folder_columns_json(self.folders)}\n'
            "}\n"
        ).encode()


FileStamp = tuple[int, int, int, int, int]  # a file's device, inode, size, times (ns)


def file_stamp(status: os.stat_result) -> FileStamp:
    """A file's stamp, from its status: a manifest file with the same one holds the same
    bytes (manifests are only ever replaced, never changed in place)."""
    return (status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns, status.st_ctime_ns)


@dataclass(frozen=True)
class Before:
    """The manifest of the site a manifest's site replaced, as the difference from it.

    That site is kept as the previous one and becomes the start of the next build's site
    (`_update`), which needs its manifest: fifty thousand rows to parse again, a tenth of a
    second, though all but a few are this manifest's rows too. So a manifest carries that one
    as its difference: its rows that this one lacks or lists otherwise, the paths this one
    added, and its folders' stamps (every folder of a site is its own). It is used only while
    that manifest's file is the very file it was (`file`); otherwise that file is read.
    """

    file: FileStamp  # the stamp of the manifest file this describes
    folder: tuple[int, int]  # its folder's device and inode
    taken: int
    added: tuple[str, ...]  # paths listed here that it did not list
    files: Mapping[str, Listed]  # its rows that are not listed here, or listed otherwise
    folders: Mapping[str, FolderStamp]

    @classmethod
    def of(cls, old: Manifest | None, files: Mapping[str, Listed]) -> Before | None:
        """`old` as the difference from a manifest of `files`; None when `old` was not read
        from a file, or when most of its rows differ (a build that made every page again):
        then the difference would cost as much to write and read as that manifest itself."""
        if old is None or old.file is None:
            return None
        changed = {path: row for path, row in old.files.items() if files.get(path) != row}
        if len(changed) * 2 > len(old.files):
            return None
        added = tuple(sorted(files.keys() - old.files.keys()))
        return cls(old.file, old.folder, old.taken, added, changed, old.folders)

    def manifest(self, now: Manifest) -> Manifest:
        """The manifest this describes, from `now`, the manifest that carries it."""
        files = dict(now.files)
        for path in self.added:
            files.pop(path, None)
        files.update(self.files)
        old = Manifest(self.folder, files, self.folders, self.taken, None, self.file)
        if (
            not self.added
            and self.files.keys() <= now.files.keys()
            and self.folders.keys() == now.folders.keys()
        ):
            # The same files (in the same order) and folders: the same layout, not worked
            # out again. (Set as `cached_property` sets it.)
            old.__dict__["layout"] = now.layout
        return old

    def to_json(self, now: Manifest) -> str:
        """As JSON, in the manifest `now` that carries it. Its folders are most often the
        same as `now`'s (the two sites have the same pages): their paths are then not
        written again ("paths": "same")."""
        folders = _folder_columns_json(self.folders, same=self.folders.keys() == now.folders.keys())
        return (
            "{\n"
            f'"manifest": [{", ".join(map(str, self.file))}],\n'
            f'"folder": [{self.folder[0]}, {self.folder[1]}],\n'
            f'"taken": {self.taken},\n'
            f'"added": {_paths_json(self.added)},\n'
            f'"files": {_file_columns_json(self.files)},\n'
            f'"folders": {folders}\n'
            "}"
        )

    @classmethod
    def from_json(cls, data: Mapping[str, Any], now: Mapping[str, Any]) -> Before:
        """From `to_json`'s output parsed, in the parsed manifest `now`; TypeError,
        ValueError or KeyError if it is not."""
        device, inode, size, mtime, ctime = map(_integer, data["manifest"])
        folder_device, folder_inode = map(_integer, data["folder"])
        added = data["added"]
        if not set(map(type, added)) <= {str}:
            raise TypeError("not a manifest of ours")
        stamps = data["folders"]
        if stamps["paths"] == "same":
            stamps = {**stamps, "paths": now["folders"]["paths"]}
        return cls(
            (device, inode, size, mtime, ctime),
            (folder_device, folder_inode),
            _integer(data["taken"]),
            tuple(added),
            _file_columns(data["files"]),
            _folder_columns(stamps),
        )


def _integer(value: object) -> int:
    if type(value) is not int:
        raise TypeError("not a manifest of ours")
    return value


# The columns of a manifest: sorted, taken a column at a time (`_columns`) and joined, with no
# Python step per file, since every edit build writes a manifest of fifty thousand rows.


def _file_columns_json(files: Mapping[str, Listed]) -> str:
    paths = sorted(files)
    hashes, sizes, mtimes, inodes = _columns([files[path] for path in paths], 4)
    return (
        "{\n"
        f'"paths": {_paths_json(paths)},\n'
        f'"sha256": {_strings_json(hashes)},\n'
        f'"sizes": {_numbers_json(sizes)},\n'
        f'"mtimes": {_numbers_json(mtimes)},\n'
        f'"inodes": {_numbers_json(inodes)}\n'
        "}"
    )


def _folder_columns_json(stamps: Mapping[str, FolderStamp], same: bool = False) -> str:
    """The folders' stamps; with `same`, their paths are those of the manifest that holds
    them, and are written as "same"."""
    paths = sorted(stamps)
    mtimes, ctimes, inodes = _columns([stamps[path] for path in paths], 3)
    written = '"same"' if same else _paths_json(paths)
    return (
        "{\n"
        f'"paths": {written},\n'
        f'"mtimes": {_numbers_json(mtimes)},\n'
        f'"ctimes": {_numbers_json(ctimes)},\n'
        f'"inodes": {_numbers_json(inodes)}\n'
        "}"
    )


def _numbers_json(values: Sequence[int]) -> str:
    # (A list's own text, "[1, 2]", is made without a Python step per number.)
    return "[\n" + str(list(values))[1:-1].replace(", ", ",\n") + "\n]"


def _lines_json(values: Iterable[str]) -> str:
    """JSON texts (each a value), one a line, in a list."""
    return "[\n" + ",\n".join(values) + "\n]"


def _strings_json(values: Sequence[str]) -> str:
    """Strings that need no escaping (hashes, plain paths), one a line."""
    return '[\n"' + '",\n"'.join(values) + '"\n]' if values else "[\n\n]"


def _paths_json(paths: Sequence[str]) -> str:
    return _strings_json(paths) if _all_plain(paths) else _lines_json(map(json.dumps, paths))


@dataclass(frozen=True)
class _Layout:
    """Where a manifest's files and folders lie, for a scan that finds its folders as they
    were stamped (`_scan_settled`)."""

    paths: tuple[str, ...]  # every file
    parents: tuple[str, ...]  # the folder of each ("" for the top one)
    unlooked: Mapping[str, None]  # every file below the top folder, with None (not looked at)
    holding: frozenset[str]  # the folders (and "", the top) that hold a file or a folder
    nested: bool  # whether every file and folder lies in a stamped folder or the top one

    @classmethod
    def of(cls, manifest: Manifest) -> _Layout:
        paths = tuple(manifest.files)
        parents = tuple([path.rpartition("/")[0] for path in paths])
        unlooked = dict.fromkeys(paths)
        for path in [path for path in paths if "/" not in path]:
            del unlooked[path]
        stamps = manifest.folders
        holding = {*parents, *(path.rpartition("/")[0] for path in stamps)}
        nested = holding <= stamps.keys() | {""}
        return cls(paths, parents, unlooked, frozenset(holding), nested)

    def files_in(self, folders: Iterable[str]) -> list[str]:
        """The files of these folders (not of the folders below them)."""
        wanted = set(folders)
        if not wanted:
            return []
        return [
            path for path, parent in zip(self.paths, self.parents, strict=True) if parent in wanted
        ]


def _columns(rows: list[tuple[Any, ...]], width: int) -> list[list[Any]]:
    """Rows of `width` values as `width` columns."""
    return [list(map(itemgetter(i), rows)) for i in range(width)]


# The last manifests read, by their file's place and status: a build reads the published
# one twice (to know which pages need no rendering, then to publish), and parsing ten thousand
# rows costs a tenth of a second. Manifests are only ever replaced (a new inode), so a file
# with the same status holds the same bytes; at worst this is our own earlier manifest.
_MANIFESTS: dict[tuple[str, int, int, int, int, int], Manifest | None] = {}


def read_manifest(folder: Path) -> Manifest | None:
    """The folder's manifest when it is valid and written for this very folder, else None."""
    try:
        status = os.lstat(folder / MARKER)
    except OSError:
        return None
    if not _is_regular(status) or status.st_size > 512 * 1024 * 1024:
        return None
    stamp = file_stamp(status)
    seen = (os.fspath(folder), *stamp)
    if seen not in _MANIFESTS:
        _MANIFESTS.clear()  # one or two are read per build: keep only the newest
        _MANIFESTS[seen] = _parse_manifest(folder, stamp)
    manifest = _MANIFESTS[seen]
    return manifest if manifest and manifest.folder == folders.identity(folder) else None


def _parse_manifest(folder: Path, stamp: FileStamp | None = None) -> Manifest | None:
    """A manifest file's contents, or None when it is not one (of either format); `stamp`,
    the file's."""
    try:
        data = json.loads((folder / MARKER).read_bytes())
        if not isinstance(data, dict):
            return None
        device, inode = data["folder"]
        taken = int(data.get("taken", 0))
        before = None
        if data.get("format") == MANIFEST_FORMAT:
            files, stamps = _file_columns(data["files"]), _folder_columns(data["folders"])
            # A damaged description of the manifest before: that one is read from its file.
            with contextlib.suppress(ValueError, TypeError, KeyError, IndexError, AttributeError):
                before = Before.from_json(data["before"], data) if "before" in data else None
        elif data.get("format") == _MANIFEST_ROWS:  # written by releases before columns
            files = {
                path: (row[0], row[1], row[2], row[3])
                for path, row in _safe_rows(data["files"], (str, int, int, int))
            }
            stamps = {
                path: (row[0], row[1], row[2])
                for path, row in _safe_rows(data.get("folders", {}), (int, int, int))
            }
        else:
            return None
        return Manifest((int(device), int(inode)), files, stamps, taken, before, stamp)
    except (OSError, ValueError, TypeError, KeyError, IndexError, AttributeError):
        return None


def _file_columns(columns: Mapping[str, list[Any]]) -> dict[str, Listed]:
    """The files of a manifest in columns, checked a column at a time (TypeError or
    ValueError: not a manifest of ours); rows with unsafe paths are left out."""
    paths, hashes = columns["paths"], columns["sha256"]
    numbers = (columns["sizes"], columns["mtimes"], columns["inodes"])
    if any(len(column) != len(paths) for column in (hashes, *numbers)):
        raise ValueError("columns of different lengths")
    if not set(map(type, paths)) <= {str} or not set(map(type, hashes)) <= {str}:
        raise TypeError("not a manifest of ours")
    if not set(map(len, hashes)) <= {64}:  # (compared, never used as a name: no more to check)
        raise ValueError("not a SHA-256")
    if not all(set(map(type, column)) <= {int} for column in numbers):
        raise TypeError("not a manifest of ours")
    files = dict(zip(paths, zip(hashes, *numbers, strict=True), strict=True))
    return _safe_paths(files)


def _folder_columns(columns: Mapping[str, list[Any]]) -> dict[str, FolderStamp]:
    """The folders' stamps of a manifest in columns, checked as `_file_columns` does."""
    paths = columns["paths"]
    numbers = (columns["mtimes"], columns["ctimes"], columns["inodes"])
    if any(len(column) != len(paths) for column in numbers):
        raise ValueError("columns of different lengths")
    if not set(map(type, paths)) <= {str}:
        raise TypeError("not a manifest of ours")
    if not all(set(map(type, column)) <= {int} for column in numbers):
        raise TypeError("not a manifest of ours")
    return _safe_paths(dict(zip(paths, zip(*numbers, strict=True), strict=True)))


def _safe_paths(rows: dict[str, T]) -> dict[str, T]:
    """`rows` without those whose paths are not safe (all are, in the usual case: checked in
    bulk)."""
    if _all_plain(rows):
        return rows
    return {path: row for path, row in rows.items() if is_safe_relative(path)}


# The characters of plain paths (see _PLAIN_PATH), one a line: checked over a whole manifest.
_PLAIN_BYTES = (string.ascii_letters + string.digits + "_.~+/\n-").encode()


def _safe_rows(
    rows: Mapping[str, list[Any]], kinds: tuple[type, ...]
) -> list[tuple[str, list[Any]]]:
    """A manifest's rows whose paths are safe (the rest are left out), each with values of
    exactly the kinds given (else TypeError: not a manifest of ours). Ten thousand rows are
    read in every build, so the usual case is checked in bulk."""
    items = list(rows.items())
    if not _all_plain(path for path, _ in items):
        items = [(p, row) for p, row in items if isinstance(p, str) and is_safe_relative(p)]
    for _, row in items:
        if tuple(map(type, row)) != kinds:
            raise TypeError("not a manifest row")
    return items


def _is_regular(status: os.stat_result) -> bool:
    """A plain file (not a link, folder, socket or device)."""
    return stat.S_ISREG(status.st_mode)


# ------------------------------------------------------------------------------- the spool

_SPOOL_INFIX = ".briefsite-spool-"  # .<name>.briefsite-spool-<random>: a build's spool
_SPOOL_MARKER = ".briefsite-spool"  # in it, so that only a spool of ours is ever removed
_SPOOL_TEXT = b"A build of briefsite keeps the files it makes here until it publishes them.\n"


def spool_pattern(folder: Path) -> str:
    """The names of the spools of builds into `folder`, as a glob (for `.gitignore`)."""
    return f".{folder.name}{_SPOOL_INFIX}*"


Keep = Callable[[Output], Output]  # what is kept of an output as it is made (`Spool.put`)


class Spool:
    """The bytes of outputs written to files as a build makes them, in a folder beside the
    output folder (where the new site is assembled too), so that a build does not hold every
    file's bytes until it publishes: about 30 KB a brief, 300 MB at 10,000 briefs. Publishing
    moves each file into the new site (`_put`).

    The folder is made at the first file (a build with nothing to write makes none), under a
    new name each time, locked while in use, and removed by `close`; one a killed build left
    is removed by a later build (`_remove_old_spools`), only when it holds the marker file a
    spool starts with and no running build holds its lock. Where the folder cannot be made
    (the output's parent does not exist yet: a failed build must leave nothing behind), the
    bytes stay in memory, as without a spool."""

    def __init__(self, folder: Path, published: Mapping[str, str] = MappingProxyType({})) -> None:
        self._beside = Path(os.path.abspath(folder))
        self._published = published  # `published_hashes(folder)`: files already as wanted
        self.root: str | None = None
        self._lock = contextlib.ExitStack()  # holds the folder's lock while it is in use
        self._failed = False
        self._count = 0
        # Workers forked while the spool is open put their files in it too (`share`), each
        # under names of its own: the process that opened it numbers them plainly, every other
        # one after its process id and a random part (a process id may come round again).
        self._pid = os.getpid()
        self._prefix = ""

    def share(self) -> Keep:
        """`put`, ready to be called in worker processes forked after this: the folder is made
        now (in a worker it would be that worker's alone). The bytes stay in memory where it
        cannot be made, as with `put`."""
        if self.root is None and not self._failed:
            self._open()
        return self.put

    def put(self, output: Output) -> Output:
        """`output` with its bytes in the spool, not in memory (as it was, when it has none).
        Bytes the output folder holds already at that path are not written again: the
        `Output` keeps only their hash, and publishing keeps the published file, as it does
        for a page that was not rendered again (a change of settings renders every page,
        and most come out as they were)."""
        if output.data is None:
            return output
        digest = output.digest
        if self._published.get(output.path) == digest:
            return Output(output.path, None, digest)
        if self._failed or (self.root is None and not self._open()):
            return output
        if os.getpid() != self._pid:  # in a worker forked from the build (`share`)
            self._pid, self._count = os.getpid(), 0
            self._prefix = f"{self._pid}-{secrets.token_hex(4)}-"
        name = f"{self.root}/{self._prefix}{self._count}"
        self._count += 1
        try:
            _create(name, output.data, name)
        except OutputError:  # a full disk: kept in memory, and publishing will say so
            self._failed = True
            return output
        return Output(output.path, None, digest, name)

    def _open(self) -> bool:
        """Make the folder, its lock and its marker; False (and never again) if it cannot be."""
        try:
            _remove_old_spools(self._beside)
            prefix = f".{self._beside.name}{_SPOOL_INFIX}"
            root = tempfile.mkdtemp(prefix=prefix, dir=self._beside.parent)
        except OSError:
            self._failed = True
            return False
        self.root = root
        try:
            self._lock.enter_context(folders.locked(Path(root)))  # a new folder: never busy
            _create(f"{root}/{_SPOOL_MARKER}", _SPOOL_TEXT, f"{root}/{_SPOOL_MARKER}")
        except (OSError, OutputError, folders.Busy):
            self.close()
            self._failed = True
            return False
        return True

    def close(self) -> None:
        """Remove the folder (its files are ours alone: a new, private folder)."""
        if self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)
            self.root = None
        self._lock.close()


@contextlib.contextmanager
def spooled(folder: Path, published: Mapping[str, str] = MappingProxyType({})) -> Iterator[Spool]:
    """A `Spool` beside the output folder `folder` for one build and its publishing;
    `published`: what `published_hashes(folder)` said (those files are not spooled again)."""
    spool = Spool(folder, published)
    try:
        yield spool
    finally:
        spool.close()


def _remove_old_spools(folder: Path) -> None:
    """Remove the spools that killed builds left beside `folder`: folders with a spool's name
    that hold a spool's marker file, with its text, and that no running build holds locked;
    nothing else."""
    prefix = f".{folder.name}{_SPOOL_INFIX}"
    with os.scandir(folder.parent) as listing:
        found = [e.path for e in listing if e.name.startswith(prefix)]
    for path in found:
        ours = _read_not_through_links(f"{path}/{_SPOOL_MARKER}", len(_SPOOL_TEXT) + 1)
        if ours != _SPOOL_TEXT or not os.path.isdir(path) or os.path.islink(path):
            continue
        try:
            with folders.locked(Path(path)):  # not while the build that made it runs
                shutil.rmtree(path, ignore_errors=True)  # its entries: numbered files of ours
        except (folders.Busy, OSError):
            continue


# ------------------------------------------------------------------------------- publishing


@contextlib.contextmanager
def collection_paused() -> Iterator[None]:
    """Python's cycle collector paused for a while.

    Publishing reads and writes manifests of tens of thousands of rows, and a build's
    bookkeeping loads records as large: each makes many small objects that live to the end,
    and each full collection walks every object the process holds, a fifth of a second at
    ten thousand pages. None of it makes cycles worth collecting. A worker forked meanwhile
    starts without the collector, so this is only for work with few workers' tasks (the
    edit path), never a whole build.
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            # What was made meanwhile is young, and the first collection after the pause
            # would walk it all (a twentieth of a second of an edit's build at ten thousand
            # briefs): it is moved to the oldest generation instead (freezing and thawing
            # every object is two list splices), where collections still find its cycles.
            gc.freeze()
            gc.unfreeze()
            gc.enable()


def sync(outputs: Iterable[Output], folder: Path) -> SyncReport:
    """Make `folder` hold `outputs`, switching from the old site to the new in one step."""
    wanted = {o.path: o for o in outputs}
    folder = Path(os.path.abspath(folder))
    if folder.is_symlink():
        raise OutputError(f"{folder} is a symbolic link; build into a real folder")
    parent = folder.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{parent}: cannot create the folder: {exc.strerror or exc}") from exc
    try:
        with folders.locked(parent), collection_paused():
            _recover(folder)
            return _publish(wanted, folder)
    except folders.Busy:
        raise OutputError(
            f"another build is writing into {parent} right now; "
            "wait for it to finish, then build again"
        ) from None


def _new_path(folder: Path) -> Path:
    return folder.with_name(f".{folder.name}{_NEW_SUFFIX}")


def _old_path(folder: Path) -> Path:
    return folder.with_name(f".{folder.name}{_OLD_SUFFIX}")


def previous_path(folder: Path) -> Path:
    """Where the site before the published one is kept, to become the next one cheaply."""
    return folder.with_name(f".{folder.name}{_PREVIOUS_SUFFIX}")


def _recover(folder: Path) -> None:
    """Finish what a killed build left: put the old site back, or remove the half-built one."""
    old, new = _old_path(folder), _new_path(folder)
    if os.path.lexists(old):
        _require_ours(old)
        if not os.path.lexists(folder):
            os.rename(old, folder)  # killed between the two renames: the old site returns
        else:
            _remove_ours(old)
    if os.path.lexists(new):
        _require_ours(new)
        _remove_ours(new)  # every file in it is either new or a hard link of a live one


def _remove_ours(path: Path) -> None:
    """Remove a folder of ours, its manifest last: killed half-way, it is still recognisable."""
    with os.scandir(path) as listing:
        entries = [entry for entry in listing if entry.name != MARKER]
    for entry in entries:
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path)  # never follows links (rmtree's fd-based walk on Linux)
        else:
            os.unlink(entry.path)
    if os.path.lexists(path / MARKER):
        os.unlink(path / MARKER)
    os.rmdir(path)


def _require_ours(path: Path) -> None:
    """Refuse to remove a leftover folder that an earlier build of ours did not make."""
    if path.is_dir() and not path.is_symlink():
        if read_manifest(path) is not None:
            return
        if all(entry.name == MARKER for entry in os.scandir(path)):
            return  # killed before its manifest was complete: nothing else in it
    raise OutputError(
        f"{path} is in the way: briefsite assembles the new site under that name; "
        "move it elsewhere, then build again"
    )


@dataclass(frozen=True)
class _Found:
    """Everything in the current output folder, without following links."""

    # Every non-folder entry (files, links, others) with its status; None for a file of a
    # folder whose names are as recorded, taken to be as written without looking (`_scan`).
    entries: Mapping[str, os.stat_result | None]
    empty_folders: tuple[str, ...]
    folders: frozenset[str] = frozenset()  # every folder below the top one
    stamps: Mapping[str, FolderStamp] = field(default_factory=dict)  # of each folder seen
    taken: int = 0  # the clock before the first folder was looked at


def _scan(folder: Path, known: Manifest | None = None) -> _Found:
    """List the tree below `folder`; symbolic links are listed, never followed.

    A folder whose stamp is as `known` recorded it (and was not racy then) holds the names it
    held: our files listed in `known` and the folders below it. Its files are not looked at:
    each name still leads to the file a build wrote there (replacing, removing or adding a
    name moves the folder's stamp), and their entries are None. Only a file changed in place
    keeps its name; publishing looks at each file it would replace or remove before it does
    (`_plan`), and a file it keeps is the same file, changed or not. At fifty thousand files,
    looking at each costs more than all else an edit build does.
    Paths are plain strings: at ten thousand pages, a `Path` per entry costs more than the
    listing itself."""
    taken = clock_ns()
    if known is not None and known.folders:
        settled = _scan_settled(os.fspath(folder), known, taken)
        if settled is not None:
            return settled
    stamps = known.folders if known else {}
    trusted_before = known.taken - RACY_NS if known else 0
    files_in: dict[str, list[tuple[str, Listed]]] = {}
    folders_in: dict[str, list[str]] = {}
    if stamps and known:  # (paths are relative and normalised: their folder is before "/")
        for path, listed in known.files.items():
            files_in.setdefault(path.rpartition("/")[0], []).append((path, listed))
        for path in stamps:
            folders_in.setdefault(path.rpartition("/")[0], []).append(path)
    entries: dict[str, os.stat_result | None] = {}
    empty: list[str] = []
    found: list[str] = []
    seen_stamps: dict[str, FolderStamp] = {}
    base = os.fspath(folder)
    stack = [""]
    while stack:
        relative = stack.pop()
        where = f"{base}/{relative}" if relative else base
        if relative:
            seen_stamps[relative] = stamp_of(os.lstat(where))
            stamp = stamps.get(relative)
            if (
                stamp is not None
                and _settled(stamp, trusted_before)
                and stamp == seen_stamps[relative]
            ):
                names = files_in.get(relative, ())
                entries.update((path, None) for path, _ in names)
                below = folders_in.get(relative, [])
                stack.extend(below)
                found.extend(below)
                if not names and not below:
                    empty.append(relative)
                continue
        with os.scandir(where) as listing:
            items = list(listing)
        if relative and not items:
            empty.append(relative)
        prefix = f"{relative}/" if relative else ""
        for item in items:
            path = prefix + item.name
            if item.is_dir(follow_symlinks=False):
                stack.append(path)
                found.append(path)
            elif path != MARKER:
                entries[path] = item.stat(follow_symlinks=False)
    return _Found(entries, tuple(sorted(empty)), frozenset(found), seen_stamps, taken)


def _scan_settled(base: str, known: Manifest, taken: int) -> _Found | None:
    """`_scan` when the folders below the top one are the folders `known` stamped, as after
    most builds: the same answer without walking the tree. Each folder is looked at once
    (`lstat`); one whose stamp is as recorded (and was settled) holds the names it held, and
    its files are not looked at; any other is listed (never through a link). None when a
    folder is gone or is no longer a folder, or a listed folder holds a folder `known` did not
    stamp: then the tree is walked.

    The top folder is listed: it holds the names of the folders below it."""
    trusted_before = known.taken - RACY_NS
    stamps = known.folders
    layout = known.layout
    if not layout.nested:
        return None  # a file or folder in a folder the manifest did not stamp: walk the tree
    looked: dict[str, os.stat_result] = {}
    with os.scandir(base) as listing:
        for item in listing:
            if item.is_dir(follow_symlinks=False):
                if item.name not in stamps:
                    return None
            elif item.name != MARKER:
                looked[item.name] = item.stat(follow_symlinks=False)
    lstat = os.lstat
    seen_stamps: dict[str, FolderStamp] = {}
    listed: dict[str, bool] = {}  # the folders listed: whether each was empty
    try:
        for path, stamp in stamps.items():
            status = lstat(f"{base}/{path}")
            now = seen_stamps[path] = (status.st_mtime_ns, status.st_ctime_ns, status.st_ino)
            if now == stamp and max(now[0], now[1]) < trusted_before:
                continue
            if not stat.S_ISDIR(status.st_mode):
                return None  # now a link or a file: never listed through
            with os.scandir(f"{base}/{path}") as listing:
                items = list(listing)
            for item in items:
                name = f"{path}/{item.name}"
                if item.is_dir(follow_symlinks=False):
                    if name not in stamps:
                        return None
                else:
                    looked[name] = item.stat(follow_symlinks=False)
            listed[path] = not items
    except OSError:  # gone, or changed while we looked: the walk finds what is there
        return None
    # Each file below the top folder whose folder holds the names it held is as written:
    # None. The files of the folders listed are those found there.
    entries: dict[str, os.stat_result | None] = dict(layout.unlooked)
    for name in layout.files_in(listed):
        del entries[name]
    entries.update(looked)
    holding = layout.holding
    empty = tuple(sorted(path for path in stamps if listed.get(path, path not in holding)))
    return _Found(entries, empty, frozenset(stamps), seen_stamps, taken)


@dataclass(frozen=True)
class _Plan:
    """What the next site is made of."""

    write: Mapping[str, bytes | str]  # new or changed files: their bytes, or a spool file
    link: Mapping[str, Listed]  # unchanged files of ours, hard-linked from the old site
    removed: tuple[str, ...]  # our files no page produces any more
    kept: tuple[str, ...]  # entries we did not write (or that changed since), carried over
    kept_folders: tuple[str, ...]  # empty folders we did not make, carried over
    hashes: Mapping[str, str]  # SHA-256 of every wanted file
    live: Manifest | None = None  # the manifest of the site published now

    @property
    def changes_nothing(self) -> bool:
        return not self.write and not self.removed


def _plan(wanted: Mapping[str, Output], folder: Path) -> tuple[_Plan, os.stat_result | None]:
    """Compare the wanted site with the folder; refuse what would lose someone's file."""
    hashes = {path: output.digest for path, output in wanted.items()}
    try:
        status = os.lstat(folder)
    except FileNotFoundError:
        return _Plan(_all_data(wanted, {}), {}, (), (), (), hashes), None
    if not os.path.isdir(folder):
        raise OutputError(f"{folder} exists and is not a folder; choose another --output")
    manifest = read_manifest(folder)
    found = _scan(folder, manifest)
    if manifest is None and (found.entries or found.empty_folders or _has_marker(folder)):
        raise OutputError(
            f"{folder} is not empty and was not written by briefsite (or was copied from "
            "elsewhere); choose an empty or new folder with --output, or empty it yourself"
        )
    listed = manifest.files if manifest else {}
    entries = dict(found.entries)
    ours = _ours(folder, listed, entries)
    link = {path: ours[path] for path in wanted if path in ours and ours[path][SHA] == hashes[path]}
    # A file of ours not looked at (its folder's names are as recorded) that this build would
    # replace or remove is looked at now: changed in place since it was written, it is not
    # ours any more, and is carried over (or stops the build) instead.
    for path in [path for path in ours.keys() - link.keys() if entries[path] is None]:
        item = ours.pop(path)
        try:
            entries[path] = now = os.lstat(f"{folder}/{path}")
        except FileNotFoundError:
            del entries[path]  # gone while we looked: nothing to keep or to remove
            continue
        if _still_ours(folder, path, now, item):
            ours[path] = item
    write = _all_data({p: o for p, o in wanted.items() if p not in link}, link)
    kept = tuple(sorted(p for p in entries if p not in ours))
    _refuse_clashes(folder, wanted, kept, found.empty_folders, listed)
    removed = tuple(sorted(p for p in ours if p not in wanted))
    plan = _Plan(write, link, removed, kept, found.empty_folders, hashes, manifest)
    return plan, status


def _ours(
    folder: Path, listed: Mapping[str, Listed], entries: Mapping[str, os.stat_result | None]
) -> dict[str, Listed]:
    """The listed files still in the folder as a build wrote them: those not looked at (their
    folder's names are as recorded), those with the status they were written with, and those
    whose bytes still have the listed hash."""
    ours = {}
    for path, item in listed.items():
        if path not in entries:
            continue
        entry = entries[path]
        # (Most entries are None: said here, before any call, as this runs for every file.)
        if entry is None or _as_written(entry, item) or _still_ours(folder, path, entry, item):
            ours[path] = item
    return ours


def _all_data(
    outputs: Mapping[str, Output], linked: Mapping[str, Listed]
) -> dict[str, bytes | str]:
    """The bytes of each file to write, or the spool file holding them; a page that was not
    rendered must be one of ours."""
    missing = sorted(
        path for path, output in outputs.items() if output.data is None and not output.spooled
    )
    if missing:
        raise OutputError(
            f"{missing[0]} was not rendered again but is not in the output folder as it was; "
            "build again (the output folder changed during the build)"
        )
    return {
        path: output.data if output.data is not None else output.spooled
        for path, output in outputs.items()
    }


def published_hashes(folder: Path) -> dict[str, str]:
    """The files of ours in `folder` that still hold what a build wrote: path -> SHA-256.

    A page whose new bytes would equal one of these need not be rendered again. The files of
    a folder whose names are as recorded are not looked at (`_scan`): one changed in place
    is left as it is, since publishing keeps that very file, and is looked at before any
    build replaces or removes it.
    """
    with collection_paused():
        return _published_hashes(Path(os.path.abspath(folder)))


def published(folder: Path, path: str, digest: str) -> bytes | None:
    """A file's bytes as the output folder holds it, when they are still the bytes a build
    wrote there (`digest`), for a build that makes a file again from it; never read through
    a symbolic link. None otherwise."""
    data = _read_not_through_links(folder / path)
    return data if data is not None and hashlib.sha256(data).hexdigest() == digest else None


def _read_not_through_links(path: str | Path, limit: int = -1) -> bytes | None:
    """A file's bytes (up to `limit`), never read through a symbolic link; None when it
    cannot be read."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as file:
        try:
            return file.read(limit)
        except OSError:  # a folder, or the disk failed
            return None


def _published_hashes(folder: Path) -> dict[str, str]:
    """`published_hashes`, for a folder given as an absolute path."""
    if folder.is_symlink() or not folder.is_dir():
        return {}
    manifest = read_manifest(folder)
    if manifest is None:
        return {}
    entries = _scan(folder, manifest).entries
    found = {}
    for path, item in manifest.files.items():
        if path not in entries:
            continue
        entry = entries[path]
        # Not looked at (None, said before any call: its folder holds the names it held), or
        # looked at and as written.
        if entry is None or _as_written(entry, item):
            found[path] = item[SHA]
    return found


def _has_marker(folder: Path) -> bool:
    return os.path.lexists(folder / MARKER)


def _still_ours(folder: Path, path: str, status: os.stat_result, item: Listed) -> bool:
    """Whether a listed file still holds what the build wrote (re-hashed only if touched)."""
    if not _is_regular(status) or status.st_size != item[SIZE]:
        return False
    if _untouched(status, item):
        return True
    try:
        return _sha256((folder / path).read_bytes()) == item[SHA]
    except OSError:
        return False


def _as_written(status: os.stat_result, item: Listed) -> bool:
    """Whether a listed file looked at is the regular file a build wrote, untouched since."""
    return _untouched(status, item) and _is_regular(status)


def _untouched(status: os.stat_result, item: Listed) -> bool:
    """Whether a file has the size, time and inode it had when written: its listed hash
    then still holds without reading it."""
    return (status.st_size, status.st_mtime_ns, status.st_ino) == item[1:]


def _refuse_clashes(
    folder: Path,
    wanted: Mapping[str, Output],
    kept: Sequence[str],
    kept_folders: Sequence[str],
    listed: Mapping[str, Listed],
) -> None:
    """Stop when a page needs the place of a file (or folder) that briefsite did not write."""
    if not kept and not kept_folders:
        return
    wanted_folders = {posixpath.dirname(p) for p in wanted}
    wanted_folders |= {f for p in list(wanted_folders) for f in _ancestors(p)}
    clashes = []
    for path in [*kept, *kept_folders]:
        is_folder = path in kept_folders
        blocked = path in wanted or (not is_folder and path in wanted_folders)
        blocked = blocked or any(a in wanted for a in _ancestors(path))
        if blocked:
            why = "changed since briefsite wrote it" if path in listed else "not written by it"
            clashes.append(f"{path} ({why})")
    if clashes:
        shown = ", ".join(clashes[:_MAX_LISTED])
        more = f" and {len(clashes) - _MAX_LISTED} more" if len(clashes) > _MAX_LISTED else ""
        raise OutputError(
            f"{folder}: the new site needs the place of {shown}{more}; briefsite never "
            "overwrites files it did not write: move them out of the folder, then build again"
        )


def _folders_above(paths: Iterable[str]) -> set[str]:
    """Every folder above any of `paths` ('a/b/c' gives 'a' and 'a/b'), as `_ancestors` of
    each, each folder's parents looked for once: ten thousand pages have as many folders."""
    found: set[str] = set()
    for path in paths:
        folder = path.rpartition("/")[0]
        while folder and folder not in found:
            found.add(folder)
            folder = folder.rpartition("/")[0]
    return found


def _ancestors(path: str) -> list[str]:
    """'a/b/c' -> ['a', 'a/b']."""
    parts = path.split("/")
    return ["/".join(parts[:i]) for i in range(1, len(parts))]


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _publish(wanted: Mapping[str, Output], folder: Path) -> SyncReport:
    """Assemble the new site beside the old one and swap them, or change nothing at all."""
    plan, status = _plan(wanted, folder)
    report = SyncReport(tuple(sorted(plan.write)), len(plan.link), plan.removed, plan.kept)
    if status is not None and plan.changes_nothing:
        return report
    _check_space(folder, plan)
    new, previous = _new_path(folder), previous_path(folder)
    try:
        earlier = _previous_site(previous, plan.live) if status is not None else None
        if earlier is not None and status is not None:
            os.rename(previous, new)  # from here on a leftover to remove, like any new one
            _update(new, earlier, folder, plan, status)
        else:
            _assemble(new, folder, plan, status)
        if status is None:
            folders.move_into_place(new, folder)
            return report
        replaced = folders.exchange(new, folder, _old_path(folder))
    except BaseException:
        if os.path.lexists(new) and not os.path.islink(new):
            shutil.rmtree(new, ignore_errors=True)
        raise
    # The old site (our files, and links to what was carried over) becomes the next one's
    # start; if something not ours holds that name, it is left alone and the old site goes.
    if os.path.lexists(previous):
        _remove_ours(replaced)
    else:
        os.rename(replaced, previous)
    return report


def _previous_site(path: Path, live: Manifest | None) -> Manifest | None:
    """The manifest of `path` when it is a site a build of ours published (a real folder whose
    manifest was written for it), so it may be taken apart to make the next one. When its
    manifest file is the one the `live` manifest describes as the one before, that
    description is used rather than the file read."""
    if not path.is_dir() or path.is_symlink():
        return None
    if live is not None and live.before is not None:
        try:
            status = os.lstat(path / MARKER)
        except OSError:
            return None
        if _is_regular(status) and file_stamp(status) == live.before.file:
            manifest = live.before.manifest(live)
            return manifest if manifest.folder == folders.identity(path) else None
    return read_manifest(path)


def _check_space(folder: Path, plan: _Plan) -> None:
    """Refuse before writing anything when the disk cannot hold the new files."""
    # (A spooled file is on this disk already: it is moved, not written again.)
    needed = sum(
        -(-len(data) // _BLOCK) * _BLOCK for data in plan.write.values() if isinstance(data, bytes)
    )
    needed += _BLOCK * (len(plan.write) + len(plan.link)) // 8  # folders and the manifest
    free = shutil.disk_usage(folder.parent).free
    if needed > free:
        raise OutputError(
            f"{folder}: not enough disk space: the new files need about {_size(needed)}, and "
            f"{_size(free)} is free; free some space, then build again (nothing was changed)"
        )


def _size(count: int) -> str:
    """Bytes for people: '1.2 MB'."""
    for unit, size in (("GB", 10**9), ("MB", 10**6), ("kB", 10**3)):
        if count >= size:
            return f"{count / size:.1f} {unit}"
    return f"{count} bytes"


def _assemble(new: Path, folder: Path, plan: _Plan, status: os.stat_result | None) -> None:
    """Build the complete new site in `new`: written files, hard links, what is carried over."""
    os.mkdir(new)
    if status is not None:
        os.chmod(new, status.st_mode & 0o7777)  # the served folder keeps its permissions
    identity = folders.identity(new)
    # A manifest first, so a leftover of a killed build is recognisably ours.
    _create(f"{new}/{MARKER}", Manifest(identity, {}).to_bytes(), f"{folder}/{MARKER}")
    _fill(new, folder, plan, set(), {}, _Stamps(clock_ns(), {}))


def _update(
    new: Path, manifest: Manifest, folder: Path, plan: _Plan, status: os.stat_result
) -> None:
    """Turn `new`, a site an earlier build wrote, into the next site: keep each file that
    already holds what the plan wants, remove the rest, and add what is missing, as
    `_assemble` would. Everything in `new` was made by builds (written, hard-linked or carried
    over), and the folder is a leftover to remove if this is interrupted."""
    os.chmod(new, status.st_mode & 0o7777)
    listed = manifest.files  # renamed, the folder is the same one: its manifest still holds
    found = _scan(new, manifest)
    reused: dict[str, Listed] = {}
    touched: set[str] = set()  # folders whose entries change: their stamps are taken again
    hashes = plan.hashes
    for path, entry in found.entries.items():
        item = listed.get(path)
        # Reused when still as written (not looked at, or `_as_written`) and wanted as it is.
        if (
            item is not None
            and hashes.get(path) == item[SHA]
            and (entry is None or _as_written(entry, item))
        ):
            reused[path] = item
        else:
            os.unlink(new / path)
            touched.add(posixpath.dirname(path))
    needed = _folders_above((*plan.hashes, *plan.kept, *(f"{k}/" for k in plan.kept_folders)))
    present = set(found.folders)  # files were removed since, but no folder
    for path in sorted(present - needed, key=lambda p: -p.count("/")):
        os.rmdir(new / path)  # deepest first; nothing of the next site was in them
        touched.add(posixpath.dirname(path))
    kept = {f: found.stamps[f] for f in present & needed if f not in touched}
    _fill(new, folder, plan, present & needed, reused, _Stamps(found.taken, kept))


@dataclass(frozen=True)
class _Stamps:
    """Folder stamps already taken in this build (of folders not changed since) and when."""

    taken: int
    kept: Mapping[str, FolderStamp]


def _fill(
    new: Path,
    folder: Path,
    plan: _Plan,
    made: set[str],
    reused: Mapping[str, Listed],
    stamps: _Stamps,
) -> None:
    """Put the plan's files in `new` (written, or hard-linked from the live site) except those
    `reused` there already, then its manifest, then what is carried over. `made` names the
    folders that exist in `new` already; `stamps`, those of them that did not change since
    they were looked at, with their stamps."""
    fresh, live = os.fspath(new), os.fspath(folder)
    listed: dict[str, Listed] = dict(reused)
    existed = set(made)
    touched: set[str] = set()
    for path in sorted(plan.write):
        if path in reused:  # the site before the live one held these bytes already
            continue
        _parents(fresh, path, made)
        written = _put(f"{fresh}/{path}", plan.write[path], f"{live}/{path}")
        touched.add(posixpath.dirname(path))
        listed[path] = (plan.hashes[path], written.st_size, written.st_mtime_ns, written.st_ino)
    for path in sorted(plan.link.keys() - reused.keys()):
        _parents(fresh, path, made)
        _carry(f"{live}/{path}", f"{fresh}/{path}")
        touched.add(posixpath.dirname(path))
        listed[path] = plan.link[path]
    # Each folder's stamp, now that our files are in: taken again where this build changed
    # it (new folders, and those their files or folders were added to).
    touched |= {posixpath.dirname(f) for f in made - existed}
    # The clock is read just before the stamps are taken, not when publishing began: then a
    # folder this build made more than RACY_NS before that is trusted by the next build. With
    # the earlier clock, every folder of a site assembled whole was racy, and listed by every
    # build until one rewrote the manifest. A stamp kept from the scan must have been settled
    # by the scan's clock (`_settled`), or it is taken again now.
    base = os.fspath(new)
    folder_stamps = {}
    taken = clock_ns()
    for path in made:
        stamp = stamps.kept.get(path) if path in existed and path not in touched else None
        if stamp is None or not _settled(stamp, stamps.taken - RACY_NS):
            stamp = stamp_of(os.lstat(f"{base}/{path}"))
        folder_stamps[path] = stamp
    before = Before.of(plan.live, listed)
    manifest = Manifest(folders.identity(new), listed, folder_stamps, taken, before)
    temp = new / (MARKER + ".next")  # before carrying over: no entry of theirs has this name yet
    _create(os.fspath(temp), manifest.to_bytes(), f"{live}/{MARKER}")
    os.replace(temp, new / MARKER)
    for path in plan.kept:
        _parents(fresh, path, made)
        _carry(f"{live}/{path}", f"{fresh}/{path}")
    for path in plan.kept_folders:
        os.makedirs(new / path, exist_ok=True)


def _parents(root: str, path: str, made: set[str]) -> None:
    """Create the folders above `path` inside the new site (each once)."""
    for folder in _ancestors(path):
        if folder not in made:
            made.add(folder)
            os.mkdir(f"{root}/{folder}")


def _put(target: str, data: bytes | str, shown: str) -> os.stat_result:
    """Put a new file in place: its bytes written, or its spool file (`data` a path) moved
    there. Moved, not linked: one change to the folders rather than a link now and an unlink
    when the spool is removed, and making entries in folders is most of what publishing
    costs on a slow disk. Like a file written, it never replaces an entry that is there;
    where it fails for another file system, the bytes are copied."""
    if isinstance(data, bytes):
        return _create(target, data, shown)
    try:
        folders.move_into_place(data, target)  # never over an entry that is there
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise _write_error(exc, shown, 0) from exc
        with open(data, "rb") as file:
            return _create(target, file.read(), shown)
    return os.lstat(target)


def _create(target: str, data: bytes, shown: str) -> os.stat_result:
    """Create a new file exclusively (never through a planted link) and return its status."""
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o666)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            return os.fstat(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        raise _write_error(exc, shown, len(data)) from exc


def _write_error(exc: OSError, shown: str, size: int) -> OutputError:
    """Name the file and, when the disk is full, how much room there is."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        try:
            free = _size(shutil.disk_usage(_existing_above(shown)).free)
        except OSError:
            free = "unknown"
        return OutputError(
            f"{shown}: no space left on the disk while writing {_size(size)} ({free} free); "
            "free some space, then build again (nothing was changed)"
        )
    return OutputError(f"{shown}: cannot write: {exc.strerror or exc}; nothing was changed")


def _carry(source: str, target: str) -> None:
    """Bring an entry of the old site into the new one: a hard link, or a copy if links fail.
    (Paths as plain strings: a site of fifty thousand files has as many, and a `Path` each
    cost seconds.) Errors name the entry where it is published, `source`."""
    try:
        os.link(source, target, follow_symlinks=False)
        return
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.EXDEV, errno.EMLINK, errno.ENOTSUP):
            raise _write_error(exc, source, 0) from exc
    try:
        if os.path.islink(source):
            os.symlink(os.readlink(source), target)
        else:
            shutil.copy2(source, target, follow_symlinks=False)
    except OSError as exc:
        raise _write_error(exc, source, 0) from exc


def _existing_above(path: str) -> str:
    """The nearest folder above `path` that exists (to ask how much room its disk has)."""
    folder = os.path.dirname(path)
    while folder and not os.path.isdir(folder) and os.path.dirname(folder) != folder:
        folder = os.path.dirname(folder)
    return folder or "."
