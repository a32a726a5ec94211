"""YAML read safely, with every problem placed in the file it came from.

Front matter and `site.yml` are both read here: plain data only (no aliases, no tags that build
objects, bounded depth, checked before any tree is built), with libyaml's loader when present,
and PyYAML's errors turned into `Problem`s at the file's own line and column.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from .problems import Problem, error
from .source import SourceFile

MAX_DEPTH = 20  # front matter is a few levels deep; deeper is a mistake or an attack

_SAFE_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}"
    for name in ("str", "int", "float", "bool", "null", "timestamp", "seq", "map")
)
_BaseLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present


class _Loader(_BaseLoader):  # type: ignore[misc]
    """The safe loader, but values Python cannot build stay text, for a clear error later:
    an impossible date (2020-02-30), or a whole number too long for Python to read (over 4300
    digits, which `int()` refuses with a ValueError)."""


def _timestamp_or_text(loader: Any, node: yaml.ScalarNode) -> Any:
    """Construct a YAML timestamp, or keep the text when it names no real date."""
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError:
        return node.value


def _int_or_text(loader: Any, node: yaml.ScalarNode) -> Any:
    """Construct a YAML integer, or keep the text when Python refuses to read it."""
    try:
        return yaml.SafeLoader.construct_yaml_int(loader, node)
    except ValueError:
        return node.value


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_or_text)
_Loader.add_constructor("tag:yaml.org,2002:int", _int_or_text)


def parse_yaml(
    source: SourceFile, text: str, first_line: int, what: str = "front matter"
) -> tuple[yaml.Node | None, Any, list[Problem]]:
    """Parse YAML `text`, which starts at `first_line` of `source`, into a node tree (for
    positions) and Python values (for checks).

    `what` names the YAML in messages: "front matter" for briefs, "site.yml" for settings.
    """
    base = source.line_starts[first_line - 1]
    try:
        # Text that cannot hold an alias, nor collections nested deeper than the composer
        # may safely go, is composed first and its depth looked at in the tree (a second
        # pass over the text's events was a fifth of the time of reading front matter).
        composed_first = "*" not in text and _collection_marks(text) < _COMPOSED_FIRST_AT_MOST
        if not composed_first:
            _check_events(text)
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            if node is not None:
                deep = _first_too_deep(node) if composed_first else None
                if deep is not None:
                    problem = problem_at(source, deep.start_mark, base, _TOO_DEEP)
                    return None, None, [problem]
                bad = _first_unsafe_tag(node)
                if bad is not None:
                    return (
                        None,
                        None,
                        [problem_at(source, bad.start_mark, base, _tag_message(bad.tag))],
                    )
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except _Refused as exc:
        return None, None, [problem_at(source, exc.mark, base, exc.message, exc.hint)]
    except yaml.MarkedYAMLError as exc:
        return None, None, [_yaml_problem(source, exc, base, what, text)]
    except yaml.YAMLError as exc:  # errors without a position, e.g. a reader error
        return None, None, [error(source.path, first_line, 1, f"{what}: {exc}")]
    return node, data, []


class _Refused(Exception):
    """YAML that parses but that we refuse before building anything from it."""

    def __init__(self, mark: Any, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.mark, self.message, self.hint = mark, message, hint


def _check_events(text: str) -> None:
    """Refuse aliases (the "billion laughs" attack) and deep nesting, before composing a tree.

    Scanning events is linear in the text and keeps no tree, so a hostile file costs no more
    than its size.
    """
    depth = 0
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.AliasEvent):
            raise _Refused(
                event.start_mark,
                f"YAML aliases (*{event.anchor}) are not allowed in front matter",
                "write the value out in full",
            )
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                raise _Refused(event.start_mark, _TOO_DEEP)
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1


_TOO_DEEP = "front matter is nested too deeply"
# Every collection starts at a mark of its own (a key's colon, a dash, a bracket, a question
# mark), so text with fewer of them than this holds no collection nested as deep, and
# libyaml's composer (which recurses in C) can build its tree safely.
_COMPOSED_FIRST_AT_MOST = 500


def _collection_marks(text: str) -> int:
    """How many characters of `text` could start a collection."""
    return sum(text.count(mark) for mark in ":-[{?")


def _first_too_deep(node: yaml.Node) -> yaml.Node | None:
    """The first collection, in the order of the text, nested deeper than MAX_DEPTH (as
    `_check_events` finds it in the events)."""
    stack = [(node, 1)]
    while stack:
        current, depth = stack.pop()
        if not isinstance(current, yaml.CollectionNode):
            continue
        if depth > MAX_DEPTH:
            return current
        if isinstance(current, yaml.MappingNode):
            for key, value in reversed(current.value):
                stack.extend(((value, depth + 1), (key, depth + 1)))
        else:
            stack.extend((item, depth + 1) for item in reversed(current.value))
    return None


def _first_unsafe_tag(node: yaml.Node) -> yaml.Node | None:
    """The first node with a tag that would construct something other than plain data."""
    stack = [node]
    while stack:
        current = stack.pop()
        if current.tag not in _SAFE_TAGS:
            return current
        if isinstance(current, yaml.MappingNode):
            for key, value in reversed(current.value):
                stack.extend((value, key))
        elif isinstance(current, yaml.SequenceNode):
            stack.extend(reversed(current.value))
    return None


def _tag_message(tag: str) -> str:
    """Name a refused tag the way it was written."""
    shown = "!!" + tag.removeprefix("tag:yaml.org,2002:") if tag.startswith("tag:") else tag
    return f"YAML tag '{shown}' is not allowed: front matter holds plain text, numbers and dates"


def _yaml_problem(
    source: SourceFile, exc: yaml.MarkedYAMLError, base: int, what: str, text: str
) -> Problem:
    """Turn a PyYAML error into a Problem at the place the editor has to change.

    YAML reports where its parser gave up, which for an unclosed quote or bracket can be
    lines below the mistake. So the problem points at the quote or bracket that was left open
    (the error's own context, or a quoted value found running over several lines) and says
    where the parser stopped; other errors stay where YAML put them.
    """
    context = (exc.context or "").strip()
    problem = (exc.problem or "").strip()
    stopped = exc.problem_mark
    opened = exc.context_mark
    if opened is not None and "quoted scalar" in context and "escape" not in problem:
        quote = _char_at(text, opened.index, '"')
        message = (
            f"{what} is not valid YAML: the quote ({quote}) opened here is never closed; "
            f"the parser stopped at {_place(source, base, stopped)} ({problem})"
        )
        return problem_at(
            source, opened, base, message, f"add the closing {quote} where the value ends"
        )
    if opened is not None and "flow" in context and _line(stopped) > _line(opened):
        bracket = _char_at(text, opened.index, "[")
        closer, items = ("}", "pairs") if bracket == "{" else ("]", "items")
        message = (
            f"{what} is not valid YAML: the '{bracket}' opened here is not closed before "
            f"{_place(source, base, stopped)}, where the parser stopped ({problem})"
        )
        hint = f"close it with '{closer}' where it ends, and separate its {items} with commas"
        return problem_at(source, opened, base, message, hint)
    quoted = _quoted_before(text, stopped) if stopped is not None else None
    if quoted is not None and _line(quoted.end_mark) > _line(quoted.start_mark):
        quote = _char_at(text, quoted.start_mark.index, '"')
        message = (
            f"{what} is not valid YAML: the quote ({quote}) opened here runs on to "
            f"{_place(source, base, stopped)}, where the parser stopped ({problem})"
        )
        hint = f"close the quote on this line: a value in quotes ends only at the next {quote}"
        return problem_at(source, quoted.start_mark, base, message, hint)
    message = f"{what} is not valid YAML: {problem}"
    if context:
        message += f" ({context})"
    offset = base + (stopped.index if stopped is not None else 0)
    line = source.position(offset)[0]
    line_text = source.text[source.line_starts[line - 1] :].split("\n", 1)[0]
    # libyaml's messages do not mention tabs, so look at the line itself.
    if "\t" in line_text or "tab" in problem:
        hint = "indent with spaces, not tabs"
    elif quoted is not None:  # a quoted value ended early, and text follows it on its line
        hint = (
            "inside '…' write an apostrophe as two (''), or put the value in double quotes"
            if _char_at(text, quoted.start_mark.index, '"') == "'"
            else 'inside "…" write a quote as \\", or put the value in single quotes'
        )
    elif "escape" in problem:
        hint = 'inside "…" a backslash starts an escape: write \\\\, or use single quotes'
    elif opened is not None and "flow" in context:
        hint = "separate the items with commas, and put text that contains ': ' in quotes"
    elif "mapping values are not allowed" in problem:
        hint = "put text that contains ': ' in quotes"
    else:
        hint = "check the indentation and quoting of this line"
    return problem_at(source, stopped, base, message, hint)


# A line inside a quoted value that looks like the next field ("date: 2020-04-07"): the sign
# of a quote left open, which swallowed the lines below it.
_FIELD_LINE = re.compile(r"\n[ \t]*[^\s#'\"\-][^\n:]*:(?:[ \t]|$)", re.MULTILINE)


def _quoted_before(text: str, stopped: Any) -> Any:
    """The quoted value that explains an error at `stopped`, or None.

    Either one that ran over several lines and swallowed what looks like the next field (a
    quote left open, closed by the next quote further down) or that ends on the line where the
    parser stopped; or one that ended just before `stopped`, on its line (an apostrophe in
    '…' or a quote in "…" that closed the value early).
    """
    tokens = []
    try:
        for token in yaml.scan(text, Loader=_Loader):
            if token.start_mark.index >= stopped.index:
                break
            tokens.append(token)
    except yaml.YAMLError:
        pass  # the tokens before the scanner's own error are enough
    quoted = [t for t in tokens if isinstance(t, yaml.ScalarToken) and t.style in ('"', "'")]
    for token in quoted:
        span = text[token.start_mark.index : token.end_mark.index]
        if "\n" in span and (_FIELD_LINE.search(span) or _line(token.end_mark) == _line(stopped)):
            return token
    if quoted:
        last = quoted[-1]
        between = text[last.end_mark.index : stopped.index]
        if _line(last.end_mark) == _line(stopped) and not between.strip(" \t"):
            return last
    return None


def _line(mark: Any) -> int:
    """A mark's line as YAML counts it (0 without a mark)."""
    return int(mark.line) if mark is not None else 0


def _char_at(text: str, index: int, default: str) -> str:
    """The character at `index` of the YAML text, or `default` past its end."""
    return text[index] if 0 <= index < len(text) else default


def _place(source: SourceFile, base: int, mark: Any) -> str:
    """'line 11, column 8': where a YAML mark falls in the file."""
    line, col = source.position(base + (mark.index if mark is not None else 0))
    return f"line {line}, column {col}"


def problem_at(source: SourceFile, mark: Any, base: int, message: str, hint: str = "") -> Problem:
    """A Problem at a YAML mark, placed in the file.

    `base` is where the YAML text starts in the file. The mark's character index is used, not
    its line: YAML also breaks lines at U+2028, U+2029 and NEL, which editors do not see as
    line breaks, so YAML's line numbers can run ahead of the file's.
    """
    offset = base + (mark.index if mark is not None else 0)
    return error(source.path, *source.position(offset), message, hint)
