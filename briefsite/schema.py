"""The front-matter and site.yml schemas, each one declarative table.

Every field is declared once here with its kind, whether it is required, and help text. The
validator in `frontmatter`/`config`, the error messages and the README's field table are all
derived from these tables, so they can never disagree.

A kind checks one YAML value and returns it cleaned, plus any issues. It receives the YAML node
too, so nested issues (a bad `value` in the third figure) point at the exact line and column.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import yaml

from .problems import did_you_mean

SLUG_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
# A language tag as BCP 47 writes the common cases: en, zh, zh-Hans, en-GB.
LANG_RE = re.compile(r"[a-z]{2,3}(?:-[A-Za-z]{2,4})?")


@dataclass(frozen=True)
class Issue:
    """A validation failure at a YAML node, before it is placed in a file."""

    node: yaml.Node
    message: str
    hint: str = ""


class Kind(Protocol):
    """What a field's value must be."""

    description: str  # shown in the README table, e.g. "date (2020-03-26)"

    def check(self, name: str, node: yaml.Node, value: Any) -> tuple[Any, list[Issue]]:
        """Return the cleaned value and the issues found."""
        ...


def _shown(value: Any) -> str:
    """A value as an editor would recognise it in a message."""
    if isinstance(value, str):
        return repr(value) if len(value) <= 60 else repr(value[:57] + "...")
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    return repr(value) if not isinstance(value, dt.date) else value.isoformat()


@dataclass(frozen=True)
class Text:
    """A non-empty line of text."""

    description: str = "text"

    def check(self, name: str, node: yaml.Node, value: Any) -> tuple[Any, list[Issue]]:
        """Accept strings (and plain numbers, which editors mean as text, such as a number)."""
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            return None, [Issue(node, f"'{name}' must be text, got {_shown(value)}")]
        text = str(value).strip()
        if not text:
            return None, [Issue(node, f"'{name}' must not be empty")]
        return text, []


@dataclass(frozen=True)
class Date:
    """A calendar date written as YYYY-MM-DD."""

    description: str = "date (2020-03-26)"

    def check(self, name: str, node: yaml.Node, value: Any) -> tuple[Any, list[Issue]]:
        """Accept YAML dates and ISO date strings; reject times, which briefs do not carry."""
        if isinstance(value, dt.datetime):
            return value.date(), []
        if isinstance(value, dt.date):
            return value, []
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value.strip()), []
            except ValueError:
                pass
        return None, [Issue(node, f"'{name}' must be a date like 2020-03-26, got {_shown(value)}")]


@dataclass(frozen=True)
class Bool:
    """true or false."""

    description: str = "true or false"

    def check(self, name: str, node: yaml.Node, value: Any) -> tuple[Any, list[Issue]]:
        """Accept only real booleans, so 'no' in quotes is not silently true."""
        if isinstance(value, bool):
            return value, []
        return None, [Issue(node, f"'{name}' must be true or false, got {_shown(value)}")]


@dataclass(frozen=True)
class Integer:
    """A whole number within bounds."""

    minimum: int = 0
    description: str = "whole number"

    def check(self, name: str, node: yaml.Node, value: Any) -> tuple[Any, list[Issue]]:
        """Accept ints at or above the minimum."""
        if isinstance(value, bool) or not isinstance(value, int):
            return None, [Issue(node, f"'{name}' must be a whole number, got {_shown(value)}")]
        if value < self.minimum:
            return None, [Issue(node, f"'{name}' must be at least {self.minimum}, got {value}")]
        return value, []


@dataclass(frozen=True)
class Number:
    """A plain number, which is what analysts can compute with."""

    description: str = "number (37.3)"

    def check(self, name: str, node: yaml.Node, value: Any) -> tuple[Any, list[Issue]]:
        """Accept ints and finite floats; text such as '37.3 km²' belongs in value plus unit."""
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
            return None, [
                Issue(
                    node,
                    f"'{name}' must be a number like 37.3, got {_shown(value)}",
                    "write the unit in 'unit' and words like 'up to' in 'qualifier'",
                )
            ]
        if isinstance(value, float) and value in (float("inf"), float("-inf")):
            return None, [Issue(node, f"'{name}' must be a finite number")]
        return value, []


@dataclass(frozen=True)
class Choice:
    """One of a fixed set of words."""

    options: tuple[str, ...]
    description: str = ""

    def check(self, name: str, node: yaml.Node, value: Any) -> tuple[Any, list[Issue]]:
        """Accept exactly one of the options."""
        if isinstance(value, str) and value in self.options:
            return value, []
        allowed = ", ".join(f"'{o}'" for o in self.options)
        return None, [Issue(node, f"'{name}' must be one of {allowed}, got {_shown(value)}")]


@dataclass(frozen=True)
class Pattern:
    """Text matching a regular expression, such as a slug or a language tag."""

    regex: re.Pattern[str]
    example: str
    hint: str
    description: str = ""

    def check(self, name: str, node: yaml.Node, value: Any) -> tuple[Any, list[Issue]]:
        """Accept text that matches the whole pattern."""
        if isinstance(value, str) and self.regex.fullmatch(value):
            return value, []
        return None, [
            Issue(
                node,
                f"'{name}' must look like '{self.example}', got {_shown(value)}",
                self.hint,
            )
        ]


@dataclass(frozen=True)
class Url:
    """An absolute http(s) URL."""

    description: str = "URL (https://…)"

    def check(self, name: str, node: yaml.Node, value: Any) -> tuple[Any, list[Issue]]:
        """Accept http and https URLs only: other schemes (javascript:, file:) are unsafe."""
        if isinstance(value, str) and re.fullmatch(r"https?://[^\s<>\"]+", value.strip()):
            return value.strip(), []
        return None, [
            Issue(node, f"'{name}' must be a web address starting https://, got {_shown(value)}")
        ]


@dataclass(frozen=True)
class ListOf:
    """A YAML list whose items are each of one kind."""

    item: Kind
    description: str = ""

    def check(self, name: str, node: yaml.Node, value: Any) -> tuple[Any, list[Issue]]:
        """Check each item, numbering them from 1 in messages as editors count."""
        if isinstance(value, str) and isinstance(self.item, Text):
            value = [value]  # `topics: Land` is a one-item list, as editors expect
            node = yaml.SequenceNode("tag:yaml.org,2002:seq", [node], node.start_mark)
        if not isinstance(value, list) or not isinstance(node, yaml.SequenceNode):
            return None, [Issue(node, f"'{name}' must be a list, got {_shown(value)}")]
        items: list[Any] = []
        issues: list[Issue] = []
        for index, (item_node, item) in enumerate(zip(node.value, value, strict=True), 1):
            clean, found = self.item.check(f"{name}[{index}]", item_node, item)
            items.append(clean)
            issues.extend(found)
        return tuple(items), issues


@dataclass(frozen=True)
class Field:
    """One key of a mapping: its kind, whether it must be there, and what it is for."""

    name: str
    kind: Kind
    help: str
    required: bool = False
    default: Any = None


@dataclass(frozen=True)
class Record:
    """A mapping with declared fields, built into a frozen dataclass."""

    fields: tuple[Field, ...]
    build: Callable[..., Any]
    description: str = ""

    def check(self, name: str, node: yaml.Node, value: Any) -> tuple[Any, list[Issue]]:
        """Validate a nested mapping, such as one figure."""
        values, issues = check_mapping(self.fields, node, value, prefix=f"{name}.")
        if issues or values is None:
            return None, issues
        return self.build(**values), issues


def check_mapping(
    fields: Sequence[Field],
    node: yaml.Node,
    value: Any,
    prefix: str = "",
    what: str = "the front matter",
) -> tuple[dict[str, Any] | None, list[Issue]]:
    """Validate a mapping against declared fields: unknown keys, missing keys, each value.

    `what` names the whole mapping in messages when there is no `prefix` (a nested record).
    """
    if not isinstance(value, dict) or not isinstance(node, yaml.MappingNode):
        shown = f"'{prefix.rstrip('.')}'" if prefix else what
        return None, [Issue(node, f"{shown} must be a mapping of 'key: value' lines")]
    by_name = {f.name: f for f in fields}
    issues: list[Issue] = []
    result: dict[str, Any] = {}
    seen: set[str] = set()
    for key_node, value_node in node.value:
        key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
        if not isinstance(key, str) or key not in by_name:
            issues.append(_unknown_key(prefix, key_node, key, by_name))
            continue
        if key in seen:
            issues.append(Issue(key_node, f"'{prefix}{key}' is given twice"))
            continue
        seen.add(key)
        field = by_name[key]
        raw = value[key]
        if raw is None:
            if field.required:
                issues.append(Issue(value_node, f"'{prefix}{key}' must not be empty", field.help))
            else:
                result[key] = field.default  # `expires:` left empty means "not set"
            continue
        clean, found = field.kind.check(prefix + key, value_node, raw)
        issues.extend(found)
        result[key] = clean
    for field in fields:
        if field.name in seen:
            continue
        if field.required:
            issues.append(Issue(node, f"missing required field '{prefix}{field.name}'", field.help))
        else:
            result[field.name] = field.default
    return result, issues


def _unknown_key(prefix: str, key_node: yaml.Node, key: Any, by_name: dict[str, Field]) -> Issue:
    """Explain an unknown key, suggesting the nearest known one."""
    shown = key if isinstance(key, str) else _shown(getattr(key_node, "value", key))
    known = f"known fields are: {', '.join(sorted(by_name))}"
    hint = did_you_mean(str(shown), by_name, known, prefix)
    return Issue(key_node, f"unknown field '{prefix}{shown}'", hint)


# --------------------------------------------------------------------------- the brief's data


@dataclass(frozen=True)
class Figure:
    """A headline statistic: qualifier, value and unit, then what it counts, and where from."""

    label: str
    value: int | float
    unit: str
    source: str
    qualifier: str | None = None


@dataclass(frozen=True)
class SourceRef:
    """A document the brief draws on."""

    title: str
    url: str | None = None
    date: dt.date | None = None


@dataclass(frozen=True)
class Update:
    """A change note shown to readers, as GOV.UK's page history."""

    date: dt.date
    note: str


FIGURE_FIELDS = (
    Field("label", Text(), "what the number counts, read after it", required=True),
    Field("value", Number(), "the number alone, e.g. 37.3 or 100000000", required=True),
    Field("unit", Text(), "e.g. km², yuan, %, projects", required=True),
    Field("source", Text(), "where the figure comes from", required=True),
    Field("qualifier", Text(), "a word read before the number: 'up to', 'over', 'nearly'"),
)
SOURCE_FIELDS = (
    Field("title", Text(), "the document's title", required=True),
    Field("url", Url(), "where readers can find it"),
    Field("date", Date(), "when it was published"),
)
UPDATE_FIELDS = (
    Field("date", Date(), "when the change was published", required=True),
    Field("note", Text(), "what changed, in one sentence", required=True),
)

STATUSES = ("in-force", "proposed", "expired")

BRIEF_FIELDS: tuple[Field, ...] = (
    Field("title", Text(), "the brief's title, shown as its heading", required=True),
    Field("date", Date(), "when the brief was first published", required=True),
    Field(
        "summary", Text(), "one or two sentences shown under the title and in lists", required=True
    ),
    Field(
        "slug",
        Pattern(
            SLUG_RE,
            "land-offer",
            "use lowercase letters, digits and single hyphens",
            "slug (land-offer)",
        ),
        "the last part of the brief's address (/briefs/land-offer/); defaults to the file name",
    ),
    Field("number", Text(), "the brief's report number, e.g. QB-2020-01"),
    Field("topics", ListOf(Text(), "list of text"), "topics the brief is filed under", default=()),
    Field("region", Text(), "the place the policy applies to"),
    Field("issuing_body", Text(), "who issued the policy"),
    Field("authors", ListOf(Text(), "list of text"), "who wrote the brief", default=()),
    Field("status", Choice(STATUSES, " or ".join(STATUSES)), "whether the policy applies now"),
    Field("effective", Date(), "when the policy took effect"),
    Field("expires", Date(), "when the policy stops applying"),
    Field(
        "updates",
        ListOf(Record(UPDATE_FIELDS, Update), "list of {date, note}"),
        "change notes shown to readers, as GOV.UK's page history",
        default=(),
    ),
    Field(
        "figures",
        ListOf(Record(FIGURE_FIELDS, Figure), "list of {label, value, unit, source, qualifier}"),
        "headline statistics shown in the key-figures box",
        default=(),
    ),
    Field(
        "sources",
        ListOf(Record(SOURCE_FIELDS, SourceRef), "list of {title, url, date}"),
        "documents the brief draws on",
        default=(),
    ),
    Field("draft", Bool(), "true keeps the brief out of the published site", default=False),
    Field(
        "lang",
        Pattern(LANG_RE, "en", "use a language tag such as 'en' or 'zh-Hans'", "language (en)"),
        "the brief's language; defaults to the site's",
    ),
)


def field_table(fields: Sequence[Field]) -> str:
    """A Markdown table of fields, for the README (generated, never hand-copied)."""
    rows = ["| field | required | value | what it is for |", "| --- | --- | --- | --- |"]
    for field in fields:
        required = "yes" if field.required else "no"
        rows.append(f"| `{field.name}` | {required} | {field.kind.description} | {field.help} |")
    return "\n".join(rows)
