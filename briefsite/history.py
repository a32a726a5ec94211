"""What git knows about the briefs: when each last changed, and whether its text did.

One `git log` process reads the history of the whole briefs folder (never one process per
file, which would be slow for thousands of briefs), and only when HEAD names a commit it has
not read before: the log is of committed history, so its answer is kept in the build cache
under that commit. Outside a git repository, in a shallow clone (whose oldest commit claims to
have added every file) or without git installed, this returns nothing and the site uses
front-matter dates only.
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .cache import entry_key

if TYPE_CHECKING:
    from .cache import Cache

_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")
_COMMIT = "\x00commit "


@dataclass(frozen=True)
class FileHistory:
    """The newest commit that touched a brief: its date and the file lines it changed."""

    date: dt.date
    changed_lines: tuple[tuple[int, int], ...]  # (first, count) in the committed file
    created: bool = False  # the newest commit is the one that added the file


def read_history(
    root: Path, briefs_dir: str, latest: dt.date | None = None, cache: Cache | None = None
) -> Mapping[str, FileHistory]:
    """The newest commit of each brief, keyed by path relative to `root` ("briefs/a.md").

    Commits dated after `latest` (the build's today) are not believed; see `parse_log`.

    The answer depends on nothing but the commit HEAD names, where `root` sits in the
    repository, the briefs folder's name and `latest` (uncommitted edits are not in the log),
    so with a `cache` it is kept under those and `git log` runs only for a HEAD not seen
    before. Without a commit to name (no git, no repository, no commit yet) nothing is kept.
    """
    head = git_head(root)
    if not _is_full(head):
        return {}
    key = entry_key("history", head, briefs_dir, latest) if cache is not None else ""
    if cache is not None:
        kept = cache.get_many([key]).get(key)
        if isinstance(kept, dict):
            return kept
    history, complete = _read_log(root, briefs_dir, latest)
    if cache is not None and complete:
        cache.put_many({key: history})
    return history


def _read_log(
    root: Path, briefs_dir: str, latest: dt.date | None
) -> tuple[dict[str, FileHistory], bool]:
    """One `git log` of the briefs folder, parsed, and whether git ran to its end (an answer
    from a git that could not start or failed part-way is used, but never kept)."""
    try:
        process = subprocess.Popen(
            ["git", "-c", "core.quotePath=false", "log", "--no-renames", "-p", "-U0",
             "--no-color", "--no-ext-diff", "--format=%x00commit %cs", "--relative",
             "--", f"{briefs_dir}/"],
            cwd=root,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            encoding="utf-8",
            errors="replace",
        )  # fmt: skip
    except OSError:
        return {}, False
    assert process.stdout is not None
    try:
        history = parse_log(process.stdout, prefix="", latest=latest)
    except BaseException:
        process.kill()  # we stopped reading before git finished old history
        raise
    finally:
        process.stdout.close()
        status = process.wait()  # git's output ended: it has finished, or was stopped
    return history, status == 0


def parse_log(
    lines: Iterable[str], prefix: str = "", latest: dt.date | None = None
) -> dict[str, FileHistory]:
    """Parse `git log -p -U0 --format=<NUL>commit %cs` output, newest commit first.

    Only the first (newest) commit seen for each file is kept. Commit dates are whatever the
    committer's clock or a pull request says: a date Python cannot read (git prints year
    10000 and beyond) or one after `latest` is no date at all. Such a commit still counts as
    the file's newest, so an older commit does not stand in for it: the file gets no entry,
    and the site uses its front-matter dates, as outside git.
    """
    found: dict[str, FileHistory] = {}
    untrusted: set[str] = set()  # files whose newest commit has no believable date
    date: dt.date | None = None
    current: str | None = None
    hunks: list[tuple[int, int]] = []
    created = False

    def flush() -> None:
        if current is None or current in found or current in untrusted:
            return
        if date is None:
            untrusted.add(current)
        else:
            found[current] = FileHistory(date, tuple(hunks), created)

    for line in lines:
        if line.startswith(_COMMIT):
            flush()
            current, hunks, created = None, [], False
            date = _commit_date(line[len(_COMMIT) :], latest)
        elif line.startswith("diff --git "):
            flush()
            current, hunks, created = None, [], False
        elif line.startswith("--- "):
            created = _diff_path(line) is None
        elif line.startswith("+++ "):
            name = _diff_path(line)
            current = None if name is None else prefix + name.removeprefix("b/")
        elif current is not None and (match := _HUNK.match(line)):
            start, count = int(match.group(1)), int(match.group(2) or "1")
            hunks.append((start, count))
    flush()
    return found


def _commit_date(text: str, latest: dt.date | None) -> dt.date | None:
    """A commit's date, or None when it cannot be read or lies after `latest`."""
    try:
        date = dt.date.fromisoformat(text.strip())
    except ValueError:
        return None
    return None if latest is not None and date > latest else date


def _diff_path(line: str) -> str | None:
    """The path on a '--- a/x' or '+++ b/x' line; None for /dev/null.

    git ends the line with a tab when the name holds a space, and writes names with quotes,
    backslashes or control characters C-quoted ("...").
    """
    name = line[4:].rstrip("\n").removesuffix("\t")
    if name == "/dev/null":
        return None
    if name.startswith('"') and name.endswith('"'):
        name = _unquote_c(name[1:-1])
    return name


def _unquote_c(text: str) -> str:
    """Undo git's C-style quoting of a path (octal escapes are UTF-8 bytes)."""
    escapes = {"n": b"\n", "t": b"\t", '"': b'"', "\\": b"\\", "a": b"\a", "b": b"\b",
               "f": b"\f", "r": b"\r", "v": b"\v"}  # fmt: skip
    out = bytearray()
    index = 0
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text):
            following = text[index + 1]
            if following in "01234567" and index + 3 < len(text) + 1:
                out.append(int(text[index + 1 : index + 4], 8))
                index += 4
                continue
            out += escapes.get(following, following.encode())
            index += 2
            continue
        out += char.encode()
        index += 1
    return out.decode("utf-8", "replace")


def git_head(root: Path) -> str:
    """What decides the history a build reads: whether this is a full repository, where
    `root` sits in it, and its HEAD commit; "" outside git or before the first commit."""
    try:
        result = subprocess.run(
            [
                "git",
                "rev-parse",
                "--is-inside-work-tree",
                "--is-shallow-repository",
                "--show-prefix",
                "HEAD",
            ],
            cwd=root,
            capture_output=True,
            encoding="utf-8",
            errors="backslashreplace",  # a folder's name may be any bytes; each stays distinct
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return result.stdout if result.returncode == 0 else ""


def _is_full(head: str) -> bool:
    """True when `git_head` found a work tree that is not a shallow clone (and has a commit)."""
    return head.splitlines()[:2] == ["true", "false"]


def body_changed(history: FileHistory, body_line: int) -> bool:
    """Whether the newest commit changed lines at or after where the body starts.

    A hunk that only removes lines (count 0) sits after line `start`, so it counts as touching
    the line after it.
    """
    if history.created:
        return False  # adding a brief is publishing it, not changing it
    for start, count in history.changed_lines:
        last = start + count - 1 if count else start + 1
        if last >= body_line:
            return True
    return False
