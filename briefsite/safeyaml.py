"""YAML read safely, with every problem placed in the file it came from.

Front matter and `site.yml` are both read here: plain data only (no aliases, no tags that build
objects, bounded depth, checked before any tree is built), with libyaml's loader when present,
and PyYAML's errors turned into `Problem`s at the file's own line and column.
"""

from __future__ import annotations

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
        _check_events(text)
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            if node is not None:
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
        return None, None, [_yaml_problem(source, exc, base, what)]
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
                raise _Refused(event.start_mark, "front matter is nested too deeply")
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1


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


def _yaml_problem(source: SourceFile, exc: yaml.MarkedYAMLError, base: int, what: str) -> Problem:
    """Turn a PyYAML error into a Problem at YAML's own position in the file.

    For an unclosed quote or bracket the useful place is where it was opened (the context mark),
    not the end of the block where the parser gave up.
    """
    context = (exc.context or "").strip()
    problem = (exc.problem or "").strip()
    opened = context.startswith(("while scanning a quoted", "while parsing a flow"))
    mark = exc.context_mark if opened and exc.context_mark is not None else exc.problem_mark
    message = f"{what} is not valid YAML: {problem}"
    if context:
        message += f" ({context})"
    line = source.position(base + (mark.index if mark is not None else 0))[0]
    line_text = source.text[source.line_starts[line - 1] :].split("\n", 1)[0]
    # libyaml's messages do not mention tabs, so look at the line itself.
    hint = _yaml_hint(problem, opened, "\t" in line_text)
    return problem_at(source, mark, base, message, hint)


def _yaml_hint(problem: str, opened: bool, tab_on_line: bool) -> str:
    """A plain-language suggestion for the common YAML mistakes editors make."""
    if tab_on_line or "tab" in problem:
        return "indent with spaces, not tabs"
    if opened:
        return "close the quote or bracket that starts here"
    if "mapping values are not allowed" in problem:
        return "put text that contains ': ' in quotes"
    return "check the indentation and quoting of this line"


def problem_at(source: SourceFile, mark: Any, base: int, message: str, hint: str = "") -> Problem:
    """A Problem at a YAML mark, placed in the file.

    `base` is where the YAML text starts in the file. The mark's character index is used, not
    its line: YAML also breaks lines at U+2028, U+2029 and NEL, which editors do not see as
    line breaks, so YAML's line numbers can run ahead of the file's.
    """
    offset = base + (mark.index if mark is not None else 0)
    return error(source.path, *source.position(offset), message, hint)
