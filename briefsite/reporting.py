"""How problems are shown to a person or a tool: text (coloured on terminals), GitHub
annotations or JSON. Every command prints problems through here, so they look the same
wherever they come from (a build, `check`, `new`, the preview)."""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TextIO

from .problems import Problem, Severity, escaped, format_json


def shown_from_here(problems: Sequence[Problem], root: Path) -> list[Problem]:
    """Problems with paths as seen from the working folder, sorted.

    Stages name files relative to the site folder ("briefs/x.md"). Run from a repository
    with `--source sites/q`, editors' terminals and GitHub's annotations need
    "sites/q/briefs/x.md" instead. A site folder outside the working folder keeps its own
    relative paths; absolute paths (built-in templates elsewhere) stay as they are.
    """
    try:
        prefix = root.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        prefix = "."
    if prefix == ".":
        return sorted(problems)
    return sorted(
        p if p.path.startswith(("/", "option ")) else replace(p, path=f"{prefix}/{p.path}")
        for p in problems
    )


def report(problems: Sequence[Problem], stream: TextIO, root: Path | None = None) -> None:
    """Print problems sorted, then a count, so the editor sees the size of the job.

    `problems` name their files as `shown_from_here(..., root)` made them. With `root` (the
    site folder) each problem with a line also shows that line of its file, with a caret
    under the column; without it, and for files that cannot be read, just the message.
    """
    ordered = sorted(problems)
    lines = _wanted_lines(ordered, root) if root is not None else {}
    for problem in ordered:
        print(colour_problem(problem, stream, lines.get(problem.path, {})), file=stream)
    errors = sum(1 for p in ordered if p.severity is Severity.ERROR)
    warnings = len(ordered) - errors
    if ordered:
        files = len({p.path for p in ordered})
        print(
            f"{plural(errors, 'error')}, {plural(warnings, 'warning')} in {plural(files, 'file')}.",
            file=stream,
        )


def plural(count: int, word: str) -> str:
    """'1 error', '2 errors'."""
    return f"{count} {word}{'' if count == 1 else 's'}"


_COLOURS = {"error": "1;31", "warning": "1;33", "path": "1", "hint": "2", "gutter": "1;34"}


def wants_colour(stream: TextIO) -> bool:
    """Colour only on a terminal, never when NO_COLOR is set and not empty (no-color.org)."""
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    return bool(getattr(stream, "isatty", lambda: False)())


def paint(text: str, kind: str, stream: TextIO) -> str:
    """Wrap text in an ANSI colour when the stream wants colour."""
    if not wants_colour(stream):
        return text
    return f"\x1b[{_COLOURS[kind]}m{text}\x1b[0m"


def colour_problem(
    problem: Problem, stream: TextIO, lines: dict[int, str | None] | None = None
) -> str:
    """A problem as text: `path:line:col: severity: message`, the source line with a caret
    under the column when `lines` holds that line, then the hint. On terminals the place is
    bold and the severity and the caret are coloured."""
    first, _, hint = problem.format().partition("\n")
    severity = str(problem.severity)
    if wants_colour(stream):
        place, _, message = first.partition(f": {severity}: ")
        first = f"{paint(place, 'path', stream)}: {paint(severity, severity, stream)}: {message}"
    text = [first]
    source = (lines or {}).get(problem.line) if problem.line else None
    if source is not None:
        shown = excerpt(source, problem.col)
        if shown is not None:
            number = str(problem.line)
            text.append(f"{paint(f'{number:>4} |', 'gutter', stream)} {shown[0]}".rstrip())
            if shown[1] is not None:
                margin = paint(f"{'':>{max(4, len(number))}} |", "gutter", stream)
                text.append(f"{margin} {' ' * shown[1]}{paint('^', severity, stream)}")
    if hint:
        text.append(paint(hint, "hint", stream))
    return "\n".join(text)


# The source line under a problem. Columns count characters (code points) of the text as the
# stages read it (BOM dropped, CRLF and CR as line breaks; see `source.make_source`); a caret
# is placed by the width each character takes on a terminal, so it stays under its character
# after wide (CJK) characters, tabs and escaped control characters.
EXCERPT_WIDTH = 100  # terminal columns of source shown; longer lines are cut around the caret
EXCERPT_CHARS = 10_000  # longer lines (minified text, a file with no line breaks) are not shown
TAB_STOP = 4
_CUT = "..."  # ASCII: its width is 3 on every terminal, which "…" is not
# Characters shown as escapes: control and format characters (terminal escapes, bidirectional
# overrides that reorder what is shown, zero-width characters), surrogates, unassigned code
# points and line and paragraph separators. Printed raw, they would act on the terminal or hide
# what is there.
_ESCAPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Cn", "Zl", "Zp"})


def _cell(char: str, column: int) -> tuple[str, int]:
    """How one character is shown at a terminal column: (text, width in columns)."""
    if char == "\t":
        spaces = TAB_STOP - column % TAB_STOP
        return " " * spaces, spaces
    if unicodedata.category(char) in _ESCAPED_CATEGORIES:
        shown = escaped(char)
        return shown, len(shown)
    if unicodedata.category(char) in ("Mn", "Me"):  # combining marks join the character before
        return char, 0
    return char, 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def excerpt(line: str, col: int) -> tuple[str, int | None] | None:
    """A source line as shown under a problem, and how many terminal columns precede the caret
    under character `col` (1-based; None: no caret, for col 0 or a column past the line's end).

    Tabs are expanded, control and format characters escaped, and a line wider than
    EXCERPT_WIDTH is cut to a window around the caret. None when the line is too long to show.
    """
    if len(line) > EXCERPT_CHARS:
        return None
    cells: list[tuple[str, int]] = []
    column = 0
    for char in line:
        cells.append(_cell(char, column))
        column += cells[-1][1]
    target = col - 1 if 1 <= col <= len(line) + 1 else None
    start, end = _window(cells, target)
    prefix = _CUT if start else ""
    suffix = _CUT if end < len(cells) else ""
    shown = prefix + "".join(text for text, _ in cells[start:end]) + suffix
    if target is None:
        return shown, None
    return shown, len(prefix) + sum(width for _, width in cells[start:target])


def _window(cells: Sequence[tuple[str, int]], target: int | None) -> tuple[int, int]:
    """The cells to show, [start, end): all when they fit in EXCERPT_WIDTH, else a window that
    holds the caret's cell with some of what comes before it."""
    if sum(width for _, width in cells) <= EXCERPT_WIDTH:
        return 0, len(cells)
    room = EXCERPT_WIDTH - 2 * len(_CUT)
    start = 0
    if target is not None:
        # Back from the caret by up to a third of the room, so the caret has context on both
        # sides; a caret near the start keeps the line's start.
        before = 0
        start = min(target, len(cells))
        while start > 0 and before + cells[start - 1][1] <= room // 3:
            start -= 1
            before += cells[start][1]
    end, used = start, 0
    while end < len(cells) and used + cells[end][1] <= room:
        used += cells[end][1]
        end += 1
    return start, end


def _wanted_lines(problems: Sequence[Problem], root: Path) -> dict[str, dict[int, str | None]]:
    """For each file the problems name, the lines they point at (None: not shown)."""
    wanted: dict[str, set[int]] = {}
    for problem in problems:
        if problem.line > 0 and not problem.path.startswith("option "):
            wanted.setdefault(problem.path, set()).add(problem.line)
    base = _shown_base(root)
    return {path: source_lines(base / path, numbers) for path, numbers in wanted.items()}


def _shown_base(root: Path) -> Path:
    """The folder that the paths `shown_from_here` gives are relative to: the working folder
    when the site folder is inside it, else the site folder."""
    try:
        root.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return root
    return Path.cwd()


def source_lines(path: Path, numbers: set[int]) -> dict[int, str | None]:
    """Lines `numbers` (1-based) of a text file, numbered as the stages number them.

    Read once, front to back, and never whole: a line longer than EXCERPT_CHARS is None. A
    file that is missing, unreadable or not a regular file, or that holds a NUL byte before the
    last line wanted (a binary file), gives nothing: the problem is printed without its line.
    """
    if not numbers:
        return {}
    try:
        if not path.is_file():  # a folder or a FIFO: nothing to show, and never block on it
            return {}
        # Universal newlines: CRLF and CR become line breaks, as in `source.make_source`;
        # undecodable bytes become U+FFFD, as in `source.decode`'s column count.
        with path.open(encoding="utf-8", errors="replace", newline=None) as stream:
            return {
                number: text
                for number, text in _numbered_lines(stream, max(numbers))
                if number in numbers
            }
    except (OSError, _Binary):
        return {}


class _Binary(Exception):
    """The file holds a NUL byte: not text to show."""


def _numbered_lines(stream: TextIO, last: int) -> Iterator[tuple[int, str | None]]:
    """(number, text) of each line up to `last`; text None for a line over EXCERPT_CHARS.

    As in `SourceFile.position`, the end of a file that ends with a line break (or is empty)
    is the start of one more, empty line: "end of file" problems point there."""
    for number in range(1, last + 1):
        chunk = stream.readline(EXCERPT_CHARS + 1)
        if "\x00" in chunk:
            raise _Binary
        if number == 1:
            chunk = chunk.removeprefix("\ufeff")  # a BOM is not part of the text
        if chunk.endswith("\n"):
            yield number, chunk[:-1]
        elif len(chunk) <= EXCERPT_CHARS:  # the last line, without a line break, or none
            yield number, chunk
            return
        else:
            while chunk and not chunk.endswith("\n"):  # skip the rest of an over-long line
                chunk = stream.readline(1 << 16)
                if "\x00" in chunk:
                    raise _Binary
            yield number, None
            if not chunk:
                return


def print_formatted(problems: Sequence[Problem], style: str, out: TextIO) -> None:
    """Machine-readable problem output: GitHub annotations or JSON, without source lines.

    Both are safe to print on any UTF-8 stream: `Problem.format_github` escapes control
    characters, and neither form holds a lone surrogate.
    """
    if style == "json":
        print(format_json(sorted(problems)), file=out)
    else:
        for problem in sorted(problems):
            print(problem.format_github(), file=out)
