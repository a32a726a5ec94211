"""How problems are shown to a person or a tool: text (coloured on terminals), GitHub
annotations or JSON. Every command prints problems through here, so they look the same
wherever they come from (a build, `check`, `new`, the preview)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TextIO

from .problems import Problem, Severity, format_json


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


def report(problems: Sequence[Problem], stream: TextIO) -> None:
    """Print problems sorted, then a count, so the editor sees the size of the job."""
    ordered = sorted(problems)
    for problem in ordered:
        print(colour_problem(problem, stream), file=stream)
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


_COLOURS = {"error": "1;31", "warning": "1;33", "path": "1", "hint": "2"}


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


def colour_problem(problem: Problem, stream: TextIO) -> str:
    """A problem as text, with the place in bold and the severity coloured on terminals."""
    text = problem.format()
    if not wants_colour(stream):
        return text
    first, _, rest = text.partition("\n")
    place, _, message = first.partition(f": {problem.severity}: ")
    line = (
        f"{paint(place, 'path', stream)}: "
        f"{paint(str(problem.severity), str(problem.severity), stream)}: {message}"
    )
    return line + ("\n" + paint(rest, "hint", stream) if rest else "")


def print_formatted(problems: Sequence[Problem], style: str, out: TextIO) -> None:
    """Machine-readable problem output: GitHub annotations or JSON.

    Both are safe to print on any UTF-8 stream: `Problem.format_github` escapes control
    characters, and neither form holds a lone surrogate.
    """
    if style == "json":
        print(format_json(sorted(problems)), file=out)
    else:
        for problem in sorted(problems):
            print(problem.format_github(), file=out)
