"""Writing the built site: the only module that changes files, and only inside the output folder.

The pipeline hands over the complete list of `Output`s only after every stage succeeded, so a
failed build never touches the published site. Syncing then replaces each changed file
atomically (write a temporary file beside it, then rename), leaves unchanged files alone (their
modification times stay, so hosts and rsync see no change), and removes files of briefs that no
longer exist. Every path is checked to stay inside the output folder, even through symbolic links.
"""

from __future__ import annotations

import os
import posixpath
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .problems import Problem, error

# Written into every output folder. Its presence says "briefsite owns this folder", which is what
# allows removing stale files; a non-empty folder without it is refused rather than emptied.
MARKER = ".briefsite"
MARKER_TEXT = b"This folder is written by briefsite. Every build replaces its contents.\n"
_TEMP_SUFFIX = ".briefsite-tmp"


@dataclass(frozen=True)
class Output:
    """The bytes of one file, at a path relative to the output folder (forward slashes)."""

    path: str
    data: bytes


@dataclass(frozen=True)
class SyncReport:
    """What a sync changed, for the summary line."""

    written: tuple[str, ...]
    unchanged: int
    removed: tuple[str, ...]


class OutputError(Exception):
    """The output folder cannot be written safely."""


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


def is_safe_relative(path: str) -> bool:
    """True for a normalised relative path with no '..', no backslash and no hidden parts."""
    if not path or path.startswith("/") or "\\" in path or "\x00" in path:
        return False
    if posixpath.normpath(path) != path:
        return False
    return not any(part in ("", ".", "..") or part.startswith(".") for part in path.split("/"))


def sync(outputs: Iterable[Output], folder: Path) -> SyncReport:
    """Make `folder` hold exactly `outputs` (plus the marker), changing as little as possible."""
    wanted = {o.path: o.data for o in outputs}
    _claim(folder)
    real_root = Path(os.path.realpath(folder))
    written: list[str] = []
    unchanged = 0
    for path in sorted(wanted):
        target = _make_parents(folder, path, real_root)
        if _same_content(target, wanted[path]):
            unchanged += 1
            continue
        _replace(target, wanted[path])
        written.append(path)
    removed = _remove_stale(folder, set(wanted))
    return SyncReport(tuple(written), unchanged, tuple(removed))


def _claim(folder: Path) -> None:
    """Create the folder, or check it is ours before replacing anything in it."""
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"{folder} exists and is not a folder")
    if folder.is_dir() and not (folder / MARKER).exists():
        visible = [p for p in folder.iterdir() if not p.name.startswith(".")]
        if visible:
            raise OutputError(
                f"{folder} is not empty and was not written by briefsite; "
                "choose an empty or new folder with --output"
            )
    folder.mkdir(parents=True, exist_ok=True)
    marker = folder / MARKER
    if not _same_content(marker, MARKER_TEXT):
        _replace(marker, MARKER_TEXT)


def _make_parents(folder: Path, path: str, real_root: Path) -> Path:
    """Create the folders above `path` one by one and return the file's full path.

    Each step is checked before anything is created in it, so a symbolic link leading out of
    the output folder is refused before a single folder appears outside. A file standing where
    a folder is now needed (an old page) is replaced by the folder.
    """
    current = folder
    for part in path.split("/")[:-1]:
        current = current / part
        if current.is_symlink():
            real = Path(os.path.realpath(current))
            if real != real_root and real_root not in real.parents:
                raise OutputError(
                    f"{current} leads outside {folder} through a symbolic link; remove it"
                )
        elif current.exists() and not current.is_dir():
            current.unlink()
        if not current.exists():
            current.mkdir()
    return current / path.split("/")[-1]


def _same_content(target: Path, data: bytes) -> bool:
    """True when the file already holds exactly these bytes."""
    try:
        if target.is_symlink() or not target.is_file() or target.stat().st_size != len(data):
            return False
        return target.read_bytes() == data
    except OSError:
        return False


def _replace(target: Path, data: bytes) -> None:
    """Write via a temporary file in the same folder and rename: readers never see half a file."""
    if target.is_dir() and not target.is_symlink():
        _remove_tree(target)
    temp = target.with_name(target.name + _TEMP_SUFFIX)
    with open(temp, "wb") as handle:
        handle.write(data)
    os.replace(temp, target)


def _remove_tree(path: Path) -> None:
    """Remove a folder that a file must replace, without following links."""
    for current, dirs, files in os.walk(path, topdown=False):
        for name in files + [d for d in dirs if os.path.islink(os.path.join(current, d))]:
            os.unlink(os.path.join(current, name))
        for name in dirs:
            full = os.path.join(current, name)
            if not os.path.islink(full):
                os.rmdir(full)
    os.rmdir(path)


def _remove_stale(folder: Path, wanted: set[str]) -> list[str]:
    """Delete files no page produces any more, then the folders they leave empty.

    Hidden files and folders (the marker, a `.git` of a deployment checkout) are left alone.
    """
    removed: list[str] = []
    for current, dirs, files in os.walk(folder, topdown=True):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        rel_dir = Path(current).relative_to(folder).as_posix()
        for name in sorted(files):
            if name.startswith("."):
                continue
            rel = name if rel_dir == "." else f"{rel_dir}/{name}"
            if rel not in wanted:
                os.unlink(os.path.join(current, name))
                removed.append(rel)
    for current, _dirs, _files in os.walk(folder, topdown=False):
        relative = Path(current).relative_to(folder)
        if any(part.startswith(".") for part in relative.parts):
            continue
        # Listed afresh: the walk's own lists predate the removals below this folder.
        if Path(current) != folder and not os.listdir(current):
            os.rmdir(current)
    return removed
