"""Every error and warning a build can report, and how they are printed.

Stages never raise for bad input: they return `Problem`s, the pipeline collects them all, and the
command line prints them sorted so an editor sees every mistake in one run.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    """How bad a problem is: errors stop the build, warnings do not."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class Problem:
    """One finding about one place in one file (line and column are 1-based; 0 means unknown)."""

    path: str
    line: int
    col: int
    severity: Severity
    message: str
    hint: str = ""

    def format(self) -> str:
        """Render as `path:line:col: severity: message`, the form editors' tools read."""
        place = self.path
        if self.line:
            place += f":{self.line}:{self.col or 1}"
        text = f"{place}: {self.severity}: {self.message}"
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text

    def format_github(self) -> str:
        """Render as a GitHub Actions workflow command, which annotates the pull request diff."""
        kind = "error" if self.severity is Severity.ERROR else "warning"
        props = f"file={_gh_escape_property(self.path)}"
        if self.line:
            props += f",line={self.line},col={self.col or 1}"
        message = self.message + (f" ({self.hint})" if self.hint else "")
        return f"::{kind} {props}::{_gh_escape_data(message)}"

    def as_dict(self) -> dict[str, object]:
        """A plain mapping for machine-readable output."""
        return {
            "path": self.path,
            "line": self.line,
            "col": self.col,
            "severity": str(self.severity),
            "message": self.message,
            "hint": self.hint,
        }


def error(path: str, line: int, col: int, message: str, hint: str = "") -> Problem:
    """Shorthand for an error-level `Problem`."""
    return Problem(path, line, col, Severity.ERROR, message, hint)


def warning(path: str, line: int, col: int, message: str, hint: str = "") -> Problem:
    """Shorthand for a warning-level `Problem`."""
    return Problem(path, line, col, Severity.WARNING, message, hint)


def did_you_mean(word: str, options: Iterable[str], otherwise: str, prefix: str = "") -> str:
    """A hint naming the closest option ("did you mean 'topics'?"), or `otherwise`."""
    close = difflib.get_close_matches(word, list(options), n=1)
    return f"did you mean '{prefix}{close[0]}'?" if close else otherwise


def has_errors(problems: Iterable[Problem]) -> bool:
    """True when any problem would stop a build."""
    return any(p.severity is Severity.ERROR for p in problems)


def sort_problems(problems: Iterable[Problem]) -> tuple[Problem, ...]:
    """Sort by file, then position, dropping exact duplicates, so output is stable run to run."""
    return tuple(sorted(set(problems)))


def format_json(problems: Iterable[Problem]) -> str:
    """A JSON array of problems, for tools."""
    return json.dumps([p.as_dict() for p in problems], ensure_ascii=False, indent=2)


class BuildFailed(Exception):
    """Raised by the pipeline when errors were collected; carries all of them."""

    def __init__(self, problems: tuple[Problem, ...]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


def _gh_escape_data(text: str) -> str:
    """Escape a workflow-command message as GitHub's toolkit does."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_escape_property(text: str) -> str:
    """Escape a workflow-command property value as GitHub's toolkit does."""
    return _gh_escape_data(text).replace(":", "%3A").replace(",", "%2C")
