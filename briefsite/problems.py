"""Every error and warning a build can report, and how they are printed.

Stages never raise for bad input: they return `Problem`s, the pipeline collects them all, and the
command line prints them sorted so an editor sees every mistake in one run.
"""

from __future__ import annotations

import difflib
import json
import re
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
        """Render as `path:line:col: severity: message`, the form editors' tools read.

        Paths and messages carry text from briefs and file names, so control characters and
        line breaks in them are shown escaped (see `visible`): the only line break printed is
        the one before the hint.
        """
        place = visible(self.path)
        if self.line:
            place += f":{self.line}:{self.col or 1}"
        text = f"{place}: {self.severity}: {visible(self.message)}"
        if self.hint:
            text += f"\n  hint: {visible(self.hint)}"
        return text

    def format_github(self) -> str:
        """Render as a GitHub Actions workflow command, which annotates the pull request diff.

        Line breaks are escaped as GitHub's toolkit does (%0A), so a message stays one command;
        other control characters are shown escaped, so none reaches the log viewer.
        """
        kind = "error" if self.severity is Severity.ERROR else "warning"
        props = f"file={_gh_escape_property(visible(self.path, keep=LINE_BREAKS))}"
        if self.line:
            props += f",line={self.line},col={self.col or 1}"
        message = self.message + (f" ({self.hint})" if self.hint else "")
        return f"::{kind} {props}::{_gh_escape_data(visible(message, keep=LINE_BREAKS))}"

    def as_dict(self) -> dict[str, object]:
        """A plain mapping for machine-readable output.

        The text is kept as it is (JSON escapes control characters itself), except that lone
        surrogates, which no UTF-8 output can hold, are written as `\\udcff` escapes.
        """
        return {
            "path": encodable(self.path),
            "line": self.line,
            "col": self.col,
            "severity": str(self.severity),
            "message": encodable(self.message),
            "hint": encodable(self.hint),
        }


# C0 and C1 control characters, DEL, lone surrogates (from file names that are not UTF-8, or a
# YAML "\\ud800" escape) and the Unicode line and paragraph separators: printed raw they would
# move the cursor, recolour or retitle a terminal, forge a GitHub workflow command on a line of
# its own, or make printing fail on a UTF-8 stream.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
LINE_BREAKS = frozenset("\r\n")


def escaped(char: str) -> str:
    """One character as the escape a Python programmer would type for it ("\\x1b", "\\t")."""
    code = ord(char)
    if char in _NAMED:
        return _NAMED[char]
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def visible(text: str, keep: frozenset[str] = frozenset()) -> str:
    """Text safe to print on a terminal or in a CI log: every unsafe character escaped.

    `keep` names characters the caller escapes its own way (GitHub's %0A for line breaks).
    """
    return _UNSAFE.sub(lambda m: m[0] if m[0] in keep else escaped(m[0]), text)


def encodable(text: str) -> str:
    """Text that UTF-8 can encode: lone surrogates become `\\udcff`, the rest is unchanged."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


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


def _gh_escape_data(text: str) -> str:
    """Escape a workflow-command message as GitHub's toolkit does."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_escape_property(text: str) -> str:
    """Escape a workflow-command property value as GitHub's toolkit does."""
    return _gh_escape_data(text).replace(":", "%3A").replace(",", "%2C")
