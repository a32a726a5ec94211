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
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
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

    @property
    def description(self) -> str:
        """Shown in the README table, e.g. "date (2020-03-26)"."""
        ...

    def check(self, name: str, node: yaml.Node, value: Any) -> tuple[Any, list[Issue]]:
        """Return the cleaned value and the issues found."""
        ...


def shown(value: Any) -> str:
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


# Characters no published text may hold: C0 controls other than tab and line feed, DEL, C1
# controls, lone surrogates and the non-characters U+FFFE and U+FFFF. XML (the feed, the
# sitemap) cannot hold most of them at all, HTML calls them parse errors, and on a terminal they
# are commands. Raw in a file YAML refuses them itself; these arrive through escapes ("\x1b").
_UNPUBLISHABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def unpublishable(text: str) -> str:
    """Describe the first character of `text` that cannot be published, or "" when none."""
    found = _UNPUBLISHABLE.search(text)
    if found is None:
        return ""
    code = ord(found[0])
    if 0xD800 <= code <= 0xDFFF:
        kind = "a lone surrogate"
    elif code >= 0xFFFE:
        kind = "a non-character"
    else:
        kind = "a control character"
    return f"U+{code:04X}, {kind}"


def _unpublishable_issue(name: str, node: yaml.Node, text: str) -> list[Issue]:
    """An issue when `text` holds a character pages and feeds cannot carry."""
    found = unpublishable(text)
    if not found:
        return []
    return [
        Issue(
            node,
            f"'{name}' contains a character that cannot be published ({found})",
            "delete it; in quoted YAML text it may come from an escape such as \\x1b",
        )
    ]


def _too_long(name: str, node: yaml.Node, text: str, limit: int | None) -> list[Issue]:
    """The issue of a text longer than `limit` characters (None: no limit)."""
    if limit is None or len(text) <= limit:
        return []
    message = f"'{name}' is {len(text)} characters long; at most {limit} are allowed"
    return [Issue(node, message, "shorten it")]


@dataclass(frozen=True)
class Text:
    """A non-empty piece of text (tabs and line breaks allowed, other control characters not)."""

    description: str = "text"
    max_length: int | None = None  # in characters, where the text becomes part of an address

    def check(self, name: str, node: yaml.Node, value: Any) -> tuple[Any, list[Issue]]:
        """Accept strings (and plain numbers, which editors mean as text, such as a number)."""
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            return None, [Issue(node, f"'{name}' must be text, got {shown(value)}")]
        text = str(value).strip()
        if not text:
            return None, [Issue(node, f"'{name}' must not be empty")]
        issues = _unpublishable_issue(name, node, text)
        if issues:
            return None, issues
        too_long = _too_long(name, node, text, self.max_length)
        if too_long:
            return None, too_long
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
        return None, [Issue(node, f"'{name}' must be a date like 2020-03-26, got {shown(value)}")]


@dataclass(frozen=True)
class Bool:
    """true or false."""

    description: str = "true or false"

    def check(self, name: str, node: yaml.Node, value: Any) -> tuple[Any, list[Issue]]:
        """Accept only real booleans, so 'no' in quotes is not silently true."""
        if isinstance(value, bool):
            return value, []
        return None, [Issue(node, f"'{name}' must be true or false, got {shown(value)}")]


_INT_TAG = "tag:yaml.org,2002:int"


def _count(value: int) -> str:
    """A whole number for a message: with thousands separators, or its size when huge."""
    digits = len(str(abs(value)))
    return f"{value:,}" if digits <= 24 else f"a number of {digits} digits"


@dataclass(frozen=True)
class Integer:
    """A whole number within bounds."""

    minimum: int = 0
    maximum: int | None = None  # None: no upper bound
    description: str = "whole number"

    def check(self, name: str, node: yaml.Node, value: Any) -> tuple[Any, list[Issue]]:
        """Accept ints between the minimum and the maximum."""
        if isinstance(value, str) and node.tag == _INT_TAG:  # too many digits to read
            return None, [Issue(node, f"'{name}' is too large")]
        if isinstance(value, bool) or not isinstance(value, int):
            return None, [Issue(node, f"'{name}' must be a whole number, got {shown(value)}")]
        if value < self.minimum:
            return None, [
                Issue(node, f"'{name}' must be at least {self.minimum}, got {_count(value)}")
            ]
        if self.maximum is not None and value > self.maximum:
            return None, [
                Issue(node, f"'{name}' must be at most {self.maximum:,}, got {_count(value)}")
            ]
        return value, []


# The numbers a figure can hold and the site can typeset exactly: below a thousand trillion,
# and zero or at least a billionth, with at most 15 significant digits, which is what a
# binary float carries exactly. Within these, `render.format_number` prints exactly the number
# typed, never rounded and never in scientific notation.
FIGURE_LIMIT = Decimal(10) ** 15
FIGURE_SMALLEST = Decimal(10) ** -9
FIGURE_DIGITS = 15


def exact_number(node: yaml.Node, value: int | float) -> Decimal:
    """The number as the editor typed it: ints exactly, floats from their YAML text.

    YAML's text is used because a float may have rounded away digits the editor typed
    (0.1000000000000000001 reads as 0.1); forms Decimal does not read (60-based 1:30.5) use the
    float's shortest form.
    """
    if isinstance(value, int):
        return Decimal(value)
    text = node.value.replace("_", "") if isinstance(node, yaml.ScalarNode) else ""
    try:
        exact = Decimal(text)
    except InvalidOperation:
        return Decimal(repr(value))
    return exact if exact.is_finite() else Decimal(repr(value))


@dataclass(frozen=True)
class Number:
    """A plain number, which is what analysts can compute with."""

    description: str = "number (37.3)"

    def check(self, name: str, node: yaml.Node, value: Any) -> tuple[Any, list[Issue]]:
        """Accept ints and finite floats the site can show exactly (see FIGURE_LIMIT)."""
        scale = "write large amounts in a larger unit, e.g. value: 390 with unit: billion yuan"
        if isinstance(value, str) and node.tag == _INT_TAG:  # too many digits to read
            return None, [Issue(node, f"'{name}' is too large to show", scale)]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
            return None, [
                Issue(
                    node,
                    f"'{name}' must be a number like 37.3, got {shown(value)}",
                    "write the unit in 'unit' and words like 'up to' in 'qualifier'",
                )
            ]
        if isinstance(value, float) and value in (float("inf"), float("-inf")):
            return None, [Issue(node, f"'{name}' must be a finite number", scale)]
        exact = exact_number(node, value)
        if abs(exact) >= FIGURE_LIMIT:
            return None, [
                Issue(
                    node,
                    f"'{name}' is too large to show: figures must be below "
                    "1,000,000,000,000,000 (a thousand trillion)",
                    scale,
                )
            ]
        if exact and abs(exact) < FIGURE_SMALLEST:
            return None, [
                Issue(
                    node,
                    f"'{name}' is too small to show: figures other than 0 must be at least "
                    "0.000000001 (a billionth)",
                    "write small amounts in a smaller unit, e.g. mg instead of kg",
                )
            ]
        digits = len(exact.normalize().as_tuple().digits)
        if digits > FIGURE_DIGITS:
            return None, [
                Issue(
                    node,
                    f"'{name}' has {digits} significant digits; the site shows at most "
                    f"{FIGURE_DIGITS} exactly",
                    "round it to fewer digits",
                )
            ]
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
        return None, [Issue(node, f"'{name}' must be one of {allowed}, got {shown(value)}")]


@dataclass(frozen=True)
class Pattern:
    """Text matching a regular expression, such as a slug or a language tag."""

    regex: re.Pattern[str]
    example: str
    hint: str
    description: str = ""
    max_length: int | None = None  # slugs become folder names, which file systems limit

    def check(self, name: str, node: yaml.Node, value: Any) -> tuple[Any, list[Issue]]:
        """Accept text that matches the whole pattern, and is not too long."""
        if isinstance(value, str) and self.regex.fullmatch(value):
            too_long = _too_long(name, node, value, self.max_length)
            if too_long:
                return None, too_long
            return value, []
        return None, [
            Issue(
                node,
                f"'{name}' must look like '{self.example}', got {shown(value)}",
                self.hint,
            )
        ]


@dataclass(frozen=True)
class Url:
    """An absolute http(s) URL."""

    description: str = "URL (https://…)"

    def check(self, name: str, node: yaml.Node, value: Any) -> tuple[Any, list[Issue]]:
        """Accept http and https URLs only: other schemes (javascript:, file:) are unsafe."""
        if isinstance(value, str) and (issues := _unpublishable_issue(name, node, value)):
            return None, issues
        if isinstance(value, str) and re.fullmatch(r"https?://[^\s<>\"]+", value.strip()):
            return value.strip(), []
        return None, [
            Issue(node, f"'{name}' must be a web address starting https://, got {shown(value)}")
        ]


@dataclass(frozen=True)
class BriefFile:
    """Another brief named by its file, as a link to it is written: `land-offer.md`.

    Whether that brief exists is known only once every brief is read (`check.check_replacements`);
    here only the form is checked, so a web address or a heading link is refused at once.
    """

    description: str = "a brief's file name (land-offer.md)"

    def check(self, name: str, node: yaml.Node, value: Any) -> tuple[Any, list[Issue]]:
        """Accept a relative path to a Markdown file, without an anchor or query."""
        text, issues = Text().check(name, node, value)
        if issues:
            return None, issues
        if not text.endswith(".md") or re.search(r"[#?\\]|^/|://", text):
            return None, [
                Issue(
                    node,
                    f"'{name}' must name a brief's file, like land-offer.md, got {shown(value)}",
                    "write the file name of the brief, as you would link to it in the text",
                )
            ]
        return text, []


# What an old address may hold once decoded: no spaces or control characters, nor what the
# hosts' `_redirects` files read as syntax (`*` a splat, `:` a placeholder) or no file name
# can hold on every system (backslash, quotes, `<>|`); `?` and `#` are refused with a reason.
_ALIAS_REFUSED = re.compile(r'[\s\x00-\x1f\x7f-\x9f\\*:"<>|%]')
_ALIAS_PAGE = (".html", ".htm")
MAX_ALIAS_BYTES = 500  # percent-encoded; Cloudflare Pages reads redirect lines of 1,000


class AliasError(ValueError):
    """Why a text is no old address of this site, and what to do."""

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.message, self.hint = message, hint


def normal_alias(text: str) -> str:
    """The site path (as `urls` writes them: no leading slash) of an old address written
    from the site's root, like `/briefs/old-slug/`, or AliasError.

    Normalised, so two spellings of one address are one: percent-escapes decoded, Unicode
    composed (NFC), empty parts dropped (`//`), and an address without a file name
    (`/briefs/old-slug`) or ending in `index.html` made the folder it names. Only page
    addresses can be redirected by a page: a folder, or a name ending in .html or .htm.
    """
    from urllib.parse import quote, unquote_to_bytes

    example = "like /briefs/old-slug/"
    if not text.startswith("/") or text.startswith("//"):
        raise AliasError(
            f"must be an address on this site starting with /, {example}",
            "write the old address from the site's root: without https://, the domain or "
            "base_url's path",
        )
    if "?" in text or "#" in text:
        raise AliasError(
            "cannot hold a query (?) or a fragment (#): a static site redirects only paths",
            "leave out everything from the ? or #",
        )
    try:
        decoded = unicodedata.normalize("NFC", unquote_to_bytes(text).decode("utf-8"))
    except UnicodeDecodeError:
        raise AliasError(
            "has percent-escapes that are not UTF-8", "write the address as a browser shows it"
        ) from None
    refused = _ALIAS_REFUSED.search(decoded)
    if refused:
        raise AliasError(
            f"contains {refused.group()!r}, which an old address redirected here cannot hold",
            "an address with spaces, quotes, '*', ':' or '%' must be redirected by your host",
        )
    parts = [part for part in decoded.split("/") if part]
    if any(part in (".", "..") for part in parts):
        raise AliasError("must not contain . or .. parts", "write the address as it was served")
    if any(part.startswith(".") for part in parts):
        raise AliasError(
            "has a part starting with a dot: hosts do not serve hidden files",
            "write the address of a page",
        )
    folder = decoded.endswith("/") or not parts or "." not in parts[-1]
    if parts and parts[-1] == "index.html":
        parts, folder = parts[:-1], True
    if not folder and not parts[-1].endswith(_ALIAS_PAGE):
        raise AliasError(
            f"ends in {parts[-1]!r}, which is not a page: only a folder or a name ending in "
            ".html or .htm can be redirected by a page",
            "end it with / if it names a folder; redirect other files with your host's rules",
        )
    path = "/".join(parts) + ("/" if folder and parts else "")
    if any(len(part.encode("utf-8")) > 255 for part in parts):
        raise AliasError("has a part longer than a file name may be (255 bytes)", "shorten it")
    if len(quote(path)) > MAX_ALIAS_BYTES:
        raise AliasError(f"is longer than {MAX_ALIAS_BYTES} characters", "shorten it")
    return path


@dataclass(frozen=True)
class Alias:
    """An address a brief had before (a renamed slug, another publishing system's page), to
    be redirected to where it is now. Stored as its normalised site path (`normal_alias`)."""

    description: str = "an old address on this site (/briefs/old-slug/)"

    def check(self, name: str, node: yaml.Node, value: Any) -> tuple[Any, list[Issue]]:
        """Accept an address from the site's root, normalised."""
        text, issues = Text().check(name, node, value)
        if issues:
            return None, issues
        try:
            return normal_alias(text), []
        except AliasError as exc:
            return None, [Issue(node, f"'{name}' {exc.message}, got {shown(text)}", exc.hint)]


@dataclass(frozen=True)
class ListOf:
    """A YAML list whose items are each of one kind, at most `maximum` of them."""

    item: Kind
    description: str = ""
    # Every topic is a page and every item is shown: one brief must not make a site of
    # twenty thousand pages. None: no limit.
    maximum: int | None = None

    def check(self, name: str, node: yaml.Node, value: Any) -> tuple[Any, list[Issue]]:
        """Check each item, numbering them from 1 in messages as editors count."""
        if isinstance(value, str) and isinstance(self.item, (Text, Alias)):
            value = [value]  # `topics: Land` is a one-item list, as editors expect
            node = yaml.SequenceNode("tag:yaml.org,2002:seq", [node], node.start_mark)
        if not isinstance(value, list) or not isinstance(node, yaml.SequenceNode):
            return None, [Issue(node, f"'{name}' must be a list, got {shown(value)}")]
        if self.maximum is not None and len(value) > self.maximum:
            return None, [
                Issue(
                    node,
                    f"'{name}' has {len(value)} entries; at most {self.maximum} are allowed",
                    "keep the ones readers need most, or split the brief",
                )
            ]
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
    name = key if isinstance(key, str) else shown(getattr(key_node, "value", key))
    known = f"known fields are: {', '.join(sorted(by_name))}"
    hint = did_you_mean(str(name), by_name, known, prefix)
    return Issue(key_node, f"unknown field '{prefix}{name}'", hint)


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
class Withdrawal:
    """When and why a brief was withdrawn, shown at the top of its page as GOV.UK does."""

    date: dt.date
    reason: str


@dataclass(frozen=True)
class Update:
    """A change note shown to readers, as GOV.UK's page history."""

    date: dt.date
    note: str


FIGURE_FIELDS = (
    Field("label", Text(), "what the number counts, read after it", required=True),
    Field(
        "value",
        Number(),
        "the number alone, e.g. 37.3 or 100000000; below a thousand trillion, 0 or at least "
        "0.000000001, at most 15 significant digits",
        required=True,
    ),
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
    Field(
        "date",
        Date(),
        "when the change was published: not before the brief's date, not after today",
        required=True,
    ),
    Field("note", Text(), "what changed, in one sentence", required=True),
)

WITHDRAWN_FIELDS = (
    Field(
        "date",
        Date(),
        "when the brief was withdrawn: not before the brief's date, not after today",
        required=True,
    ),
    Field("reason", Text(), "why, in a sentence or two, for readers", required=True),
)

STATUSES = ("in-force", "proposed", "expired")

# Limits that keep one brief from making an unbuildable or enormous site. A slug and a topic's
# address are folder names (file systems allow 255 bytes); every topic is a page of its own.
MAX_SLUG = 80  # characters of a brief's address
MAX_TOPIC = 80  # characters of a topic's name
MAX_TOPICS = 20
MAX_SERIES = 120  # characters of a series' name: a label beside the title, not a sentence
MAX_FIGURES = 50
MAX_ENTRIES = 100  # authors, updates, sources
MAX_ALIASES = 20  # old addresses of one brief, each a page of its own

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
            f"slug (land-offer), at most {MAX_SLUG} characters",
            MAX_SLUG,
        ),
        "the last part of the brief's address (/briefs/land-offer/); defaults to the file name",
    ),
    Field("number", Text(), "the brief's report number, e.g. QB-2020-01"),
    Field(
        "topics",
        ListOf(
            Text(max_length=MAX_TOPIC),
            f"list of up to {MAX_TOPICS} texts of at most {MAX_TOPIC} characters",
            MAX_TOPICS,
        ),
        "topics the brief is filed under",
        default=(),
    ),
    Field(
        "series",
        Text(f"text of at most {MAX_SERIES} characters", MAX_SERIES),
        "the series the brief is part of, written the same way in each of its briefs: its page "
        "names the series and links the briefs published before and after it in the series",
    ),
    Field("region", Text(), "the place the policy applies to"),
    Field("issuing_body", Text(), "who issued the policy"),
    Field(
        "authors",
        ListOf(Text(), f"list of up to {MAX_ENTRIES} texts", MAX_ENTRIES),
        "who wrote the brief",
        default=(),
    ),
    Field("status", Choice(STATUSES, " or ".join(STATUSES)), "whether the policy applies now"),
    Field("effective", Date(), "when the policy took effect"),
    Field("expires", Date(), "when the policy stops applying"),
    Field(
        "updates",
        ListOf(
            Record(UPDATE_FIELDS, Update),
            f"list of up to {MAX_ENTRIES} {{date, note}}",
            MAX_ENTRIES,
        ),
        "change notes shown to readers, as GOV.UK's page history",
        default=(),
    ),
    Field(
        "figures",
        ListOf(
            Record(FIGURE_FIELDS, Figure),
            f"list of up to {MAX_FIGURES} {{label, value, unit, source, qualifier}}",
            MAX_FIGURES,
        ),
        "headline statistics shown in the key-figures box",
        default=(),
    ),
    Field(
        "sources",
        ListOf(
            Record(SOURCE_FIELDS, SourceRef),
            f"list of up to {MAX_ENTRIES} {{title, url, date}}",
            MAX_ENTRIES,
        ),
        "documents the brief draws on",
        default=(),
    ),
    Field(
        "withdrawn",
        Record(WITHDRAWN_FIELDS, Withdrawal, "{date, reason}"),
        "the brief no longer reflects current policy: its page stays, with a notice at the "
        "top, and it leaves the home page's latest briefs",
    ),
    Field(
        "superseded_by",
        BriefFile(),
        "the brief that replaces this one: its page then says so at the top, with a link, and "
        "it leaves the home page's latest briefs",
    ),
    Field(
        "aliases",
        ListOf(
            Alias(),
            f"list of up to {MAX_ALIASES} addresses from the site's root (/briefs/old-slug/)",
            MAX_ALIASES,
        ),
        "addresses the brief had before (a changed slug, an older site's page): each leads "
        "readers and search engines to the brief's page",
        default=(),
    ),
    Field("draft", Bool(), "true keeps the brief out of the published site", default=False),
    Field(
        "lang",
        Pattern(LANG_RE, "en", "use a language tag such as 'en' or 'zh-Hans'", "language (en)"),
        "the brief's language, one of the site's `languages` (or the folder of one: zh for "
        "zh-Hans); defaults to the file name's (land-offer.zh.md), else the site's",
    ),
    Field(
        "translation_key",
        Text(),
        "what the translations of one brief share: by default its file's path in briefs/ "
        "without the language (land-offer for land-offer.md and land-offer.zh.md); give "
        "another brief's to pair files named differently",
    ),
)


# ------------------------------------------------------------ standalone pages and the footer
# Pages that are not briefs (About, Accessibility statement) live in pages/; see `standalone`.

PAGE_FIELDS: tuple[Field, ...] = (
    Field(
        "title",
        Text(),
        "the page's title, shown as its heading and in the footer menu",
        required=True,
    ),
    Field(
        "summary",
        Text(),
        "one sentence for search engines (the page's meta description); "
        "defaults to the site's description, or the title when there is none",
    ),
    Field(
        "slug",
        Pattern(
            SLUG_RE,
            "about",
            "use lowercase letters, digits and single hyphens",
            f"slug (about), at most {MAX_SLUG} characters",
            MAX_SLUG,
        ),
        "the last part of the page's address (/about/); defaults to the file name",
    ),
)


@dataclass(frozen=True)
class PageFile:
    """A standalone page named by its file inside pages/: `about.md`, `accessibility/statement.md`.

    Only the form is checked here; whether the page exists is known once pages/ is read
    (`standalone.footer_problems`).
    """

    description: str = "a page's file in pages/ (about.md)"

    def check(self, name: str, node: yaml.Node, value: Any) -> tuple[Any, list[Issue]]:
        """Accept a relative path to a Markdown file that stays inside pages/."""
        text, issues = Text().check(name, node, value)
        if issues:
            return None, issues
        outside = any(part in ("", ".", "..") for part in text.split("/"))
        if not text.endswith(".md") or re.search(r"[#?\\]|://", text) or outside:
            return None, [
                Issue(
                    node,
                    f"'{name}' must name a page's file in pages/, like about.md, got "
                    f"{shown(value)}",
                    "write the file's path inside pages/, e.g. about.md or "
                    "accessibility/statement.md",
                )
            ]
        return text, []


@dataclass(frozen=True)
class FooterLink:
    """One entry of the footer menu: a standalone page, or a web address with its text."""

    title: str | None  # the link's text; for a page, its title when not given
    page: str | None  # the page's file inside pages/ ("about.md")
    url: str | None  # a web address, instead of a page
    offset: int = 0  # where the entry's `page` or `url` value starts in site.yml (characters)
    line: int = 0  # ... as a line and column, for problems (`config` places it)
    col: int = 0
    path: str = ""  # the page's address, once the build has found it (`standalone`)
    # The page's language, once found: a page in another language marks the link with it.
    lang: str = ""


FOOTER_FIELDS = (
    Field("title", Text(), "the link's text; for a page, defaults to the page's title"),
    Field("page", PageFile(), "a standalone page, by its file in pages/ (about.md)"),
    Field("url", Url(), "a web address, instead of a page (needs a title)"),
)
MAX_FOOTER_LINKS = 20  # a footer menu, not a site map


@dataclass(frozen=True)
class FooterEntry:
    """One footer menu entry: {page} or {title, page} or {title, url}, never both targets."""

    description: str = "{title, page} or {title, url}"

    def check(self, name: str, node: yaml.Node, value: Any) -> tuple[Any, list[Issue]]:
        """Check the fields, that exactly one of `page` and `url` is there, and that a web
        address has a title (it has no page to take one from)."""
        values, issues = check_mapping(FOOTER_FIELDS, node, value, prefix=f"{name}.")
        if issues or values is None:
            return None, issues
        if (values["page"] is None) == (values["url"] is None):
            return None, [
                Issue(
                    node,
                    f"'{name}' needs either 'page' or 'url'"
                    + (", not both" if values["page"] is not None else ""),
                    "link a page with 'page: about.md', or a web address with 'title:' and 'url:'",
                )
            ]
        if values["url"] is not None and values["title"] is None:
            return None, [
                Issue(
                    node,
                    f"'{name}' links a web address, so it needs a 'title'",
                    "add 'title:' with the link's text",
                )
            ]
        target = "page" if values["page"] is not None else "url"
        where = next(
            (v for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == target),
            node,
        )
        return FooterLink(**values, offset=where.start_mark.index), []


@dataclass(frozen=True)
class SiteTexts:
    """The site's own texts in one of its languages besides the default (site.yml's
    `translations`); a text not given (None) is the default language's."""

    lang: str  # a tag of `languages`, as written there
    title: str | None = None
    description: str | None = None
    publisher: str | None = None
    licence: str | None = None


SITE_TEXT_FIELDS = (
    Field("title", Text(), "the site's name in this language"),
    Field("description", Text(), "the home page's line under its heading, in this language"),
    Field("publisher", Text(), "the publisher line of the footer and citations, in this language"),
    Field("licence", Text(), "the licence line of the footer, in this language"),
)


@dataclass(frozen=True)
class ByLanguage:
    """A mapping of language tags, each to a mapping of the same declared fields (the site's
    texts per language). Whether each tag is one of the site's `languages` is checked by
    `config`, which knows them."""

    fields: tuple[Field, ...]
    build: Callable[..., Any]  # called with `lang` and the checked fields
    description: str = ""

    def check(self, name: str, node: yaml.Node, value: Any) -> tuple[Any, list[Issue]]:
        """Check each tag's form and each tag's fields, every issue at its node."""
        if not isinstance(value, dict) or not isinstance(node, yaml.MappingNode):
            return None, [
                Issue(
                    node,
                    f"'{name}' must be a mapping of language tags, each to its texts",
                    "write e.g. 'zh-Hans:' on its own line, and under it 'title: ...'",
                )
            ]
        found: list[Any] = []
        issues: list[Issue] = []
        seen: set[str] = set()
        for key_node, value_node in node.value:
            tag = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            # YAML reads some two-letter words as other things (`no:` is false): the key as
            # written must be the key as read.
            if not isinstance(tag, str) or not LANG_RE.fullmatch(tag) or tag not in value:
                issues.append(
                    Issue(
                        key_node,
                        f"'{name}' must be keyed by language tags, got "
                        f"{shown(getattr(key_node, 'value', tag))}",
                        "use a tag of 'languages', e.g. zh-Hans (in quotes if YAML reads it "
                        "as something else, such as 'no')",
                    )
                )
                continue
            if tag in seen:
                issues.append(Issue(key_node, f"'{name}.{tag}' is given twice"))
                continue
            seen.add(tag)
            values, more = check_mapping(self.fields, value_node, value[tag], f"{name}.{tag}.")
            issues.extend(more)
            if values is not None and not more:
                found.append(self.build(lang=tag, **values))
        return tuple(found), issues


def field_table(fields: Sequence[Field]) -> str:
    """A Markdown table of fields, for the README (generated, never hand-copied)."""
    rows = ["| field | required | value | what it is for |", "| --- | --- | --- | --- |"]
    for field in fields:
        required = "yes" if field.required else "no"
        rows.append(f"| `{field.name}` | {required} | {field.kind.description} | {field.help} |")
    return "\n".join(rows)
