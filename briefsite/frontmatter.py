"""From a `SourceFile` to a validated `Brief`, or to `Problem`s that point into the file.

Three steps, each able to fail with a precise position: split the `---` block from the body,
parse it as YAML (`safeyaml`: plain data only, no aliases, bounded depth), and check it
against `schema.BRIEF_FIELDS`. Every message names the line and column in the brief file
itself.
"""

from __future__ import annotations

import datetime as dt
import functools
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import groupby
from typing import Any

import yaml

from . import schema, urls
from .brief import Brief
from .problems import Problem, error
from .safeyaml import parse_yaml, problem_at
from .source import SourceFile

FENCE = "---"
CLOSERS = ("---", "...")
# A topic's address is a folder name; Chinese names are spelt in pinyin (up to six letters and
# a hyphen a character), names in other scripts become `topic-XXXX-...` hex, five characters
# each, so a topic of 40 such characters needs about 200. File systems allow 255 bytes.
MAX_TOPIC_ADDRESS = 200


@dataclass(frozen=True)
class Split:
    """The front-matter text, the body, and where each starts in the file (1-based lines)."""

    yaml_text: str
    yaml_line: int
    body: str
    body_line: int


def split(source: SourceFile) -> Split | Problem:
    """Separate the `---` block from the Markdown body."""
    text = source.text
    lines = text.split("\n")
    if not text.strip():
        return error(
            source.path,
            1,
            1,
            "file is empty",
            "start the file with a '---' line, the front-matter fields, another '---' line, "
            "then the text of the brief",
        )
    if lines[0].rstrip() != FENCE:
        return error(
            source.path,
            1,
            1,
            "front matter not opened: the first line must be '---'",
            "did you forget to add '---' above 'title:'? See README, 'Writing a brief'",
        )
    for index in range(1, len(lines)):
        if lines[index].rstrip() in CLOSERS:
            return Split(
                yaml_text="\n".join(lines[1:index]) + "\n",
                yaml_line=2,
                body="\n".join(lines[index + 1 :]),
                body_line=index + 2,
            )
    return error(
        source.path,
        1,
        1,
        "front matter opened on line 1 is never closed",
        "add a line with just '---' after the last front-matter field",
    )


def _han(ch: str) -> bool:
    """Whether a character is a Chinese character (CJK unified ideographs and extension A),
    which `default_slug` spells in pinyin."""
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"


def pinyin_words(text: str) -> str:
    """`text` with each run of Chinese characters spelt in pinyin without tones, a word per
    syllable (土地政策 -> " tu di zheng ce "), so an address made of it reads as the name.

    pypinyin (maintained, the usual choice) is loaded only when a name holds Chinese: it
    takes a third of a second, which a site in Latin script never pays."""
    if not any(_han(ch) for ch in text):
        return text
    from pypinyin import Style, lazy_pinyin

    spelt = []
    for is_han, run in groupby(text, key=_han):
        part = "".join(run)
        spelt.append(
            " " + " ".join(lazy_pinyin(part, style=Style.NORMAL)) + " " if is_han else part
        )
    return "".join(spelt)


def default_slug(stem: str) -> str:
    """A slug from a file name: NFC, Chinese in pinyin (`pinyin_words`), accents folded to
    ASCII, lowercase words joined by '-'."""
    folded = unicodedata.normalize("NFKD", pinyin_words(unicodedata.normalize("NFC", stem)))
    ascii_only = folded.encode("ascii", "ignore").decode("ascii").lower()
    words = "".join(ch if ch.isalnum() else " " for ch in ascii_only).split()
    return "-".join(words)


@functools.lru_cache(maxsize=4096)  # a site names few topics, each on thousands of briefs
def topic_slug(name: str) -> str:
    """The address part for a topic name; names with no Latin letters keep a stable fallback.

    It lives here, beside `default_slug`, so a brief's topics can be checked to make folder
    names a file system accepts before any page is written (see `_topic_problems`).
    """
    return name_slug(name, "topic")


@functools.lru_cache(maxsize=4096)  # a site names few issuing bodies and regions
def name_slug(name: str, kind: str) -> str:
    """The address part for a name briefs are grouped by (a topic, an issuing body, a region),
    made as a file's slug is (Chinese in pinyin: 土地 -> tu-di); a name with no letters or
    digits that spell so becomes `<kind>-` and its characters in hex, which is stable and a
    valid folder name."""
    return default_slug(name) or f"{kind}-" + "-".join(f"{ord(ch):x}" for ch in name.strip())


@dataclass(frozen=True)
class FrontMatter:
    """A file's front matter checked against a schema: the values (None when the block is no
    mapping), the problems at their places, and what later checks need to place their own."""

    part: Split
    node: yaml.Node
    base: int  # where the YAML text starts in the file (characters)
    values: dict[str, Any] | None
    problems: list[Problem]


def read_front_matter(
    source: SourceFile, fields: Sequence[schema.Field]
) -> FrontMatter | list[Problem]:
    """Split, parse and check a file's front matter against `fields`: the one reader for
    briefs (`BRIEF_FIELDS`) and standalone pages (`PAGE_FIELDS`)."""
    part = split(source)
    if isinstance(part, Problem):
        return [part]
    node, data, problems = parse_yaml(source, part.yaml_text, part.yaml_line)
    if problems:
        return problems
    base = source.line_starts[part.yaml_line - 1]
    if node is None:  # an empty block: every required field is missing
        node = yaml.MappingNode("tag:yaml.org,2002:map", [], yaml.Mark("", 0, 0, 0, "", 0))
        data = {}
    values, issues = schema.check_mapping(fields, node, data)
    # A field missing from the whole block is reported at the opening '---', where the editor
    # will add it; every other issue sits at its own key or value.
    problems = [
        error(source.path, 1, 1, issue.message, issue.hint)
        if issue.node is node
        else problem_at(source, issue.node.start_mark, base, issue.message, issue.hint)
        for issue in issues
    ]
    return FrontMatter(part, node, base, values, problems)


def file_language(stem: str, languages: Sequence[str]) -> tuple[str, str | None]:
    """A file name's stem without its language suffix, and the language it names: the
    suffix `.<folder>` names a configured language by its folder (`land-offer.zh` -> zh-Hans
    when the site has zh-Hans). The default language has no folder on the site but is named
    by its own (`land-offer.en`). A suffix that names none is part of the stem, as before."""
    head, dot, suffix = stem.rpartition(".")
    if dot and head:
        for tag in languages:
            if urls.language_folder(tag) == suffix.lower():
                return head, tag
    return stem, None


def configured_language(written: str, languages: Sequence[str]) -> str | None:
    """The configured tag a brief's `lang` names: the tag itself (in any letter case) or its
    folder (zh for zh-Hans); None when it names none."""
    for tag in languages:
        if written.lower() in (tag.lower(), urls.language_folder(tag)):
            return tag
    return None


def default_translation_key(path: str, stem: str) -> str:
    """What a brief's translations share when it names nothing: its file's path inside the
    briefs folder, without `.md` and without its language suffix (`stem`, from
    `file_language`): land-offer.md and land-offer.zh.md are both `land-offer`."""
    inside = path.split("/", 1)[1] if "/" in path else path
    folder = inside.rpartition("/")[0]
    return f"{folder}/{stem}" if folder else stem


def load_brief(
    source: SourceFile, default_lang: str, languages: Sequence[str] = ()
) -> Brief | list[Problem]:
    """The whole edge of the pipeline for one file: split, parse, validate, build a `Brief`.

    `languages`: the site's, the default first, when `site.yml` lists them: a brief's `lang`
    must be one of them, a file name may name one (`land-offer.zh.md`), and a brief in a
    language other than the default gets the key of its folder (`Brief.slug`). Without them
    any `lang` is accepted and every brief is at the root, as for a site of one language."""
    read = read_front_matter(source, schema.BRIEF_FIELDS)
    if isinstance(read, list):
        return read
    part, node, base, values, problems = read.part, read.node, read.base, read.values, read.problems
    if values is None:
        return problems
    stem, named = file_language(source.stem, languages)
    lang = values["lang"]
    if lang is not None and languages:
        lang = configured_language(lang, languages)
        if lang is None:
            at = _value_node(node, "lang")
            assert at is not None  # (a value was given)
            problems.append(
                problem_at(
                    source,
                    at.start_mark,
                    base,
                    f"language '{values['lang']}' is not one of this site's languages",
                    "use one of "
                    + ", ".join(f"'{tag}'" for tag in languages)
                    + " (site.yml's 'languages'), or add it there",
                )
            )
    slug = values["slug"] or default_slug(stem)
    if not values["slug"] and not schema.SLUG_RE.fullmatch(slug):
        problems.append(
            error(
                source.path,
                1,
                1,
                f"cannot make an address from the file name '{source.stem}'",
                "add a 'slug:' field with lowercase letters, digits and hyphens, "
                "e.g. slug: land-offer",
            )
        )
    elif len(slug) > schema.MAX_SLUG:
        problems.append(
            error(
                source.path,
                1,
                1,
                f"the address made from the file name is {len(slug)} characters long; "
                f"at most {schema.MAX_SLUG} are allowed",
                "add a shorter 'slug:' field, or shorten the file name",
            )
        )
    problems += _topic_problems(source, node, base, values["topics"] or ())
    if problems:
        return problems
    values["lang"] = lang or named or default_lang
    default = not languages or values["lang"] == languages[0]
    folder = "" if default else urls.language_folder(values["lang"])
    values["slug"] = urls.brief_key(folder, slug)
    values["translation_key"] = values["translation_key"] or default_translation_key(
        source.path, stem
    )
    positions = tuple(value_positions(node, source, base))
    return Brief(
        source_path=source.path,
        positions=positions,
        body_markdown=part.body,
        body_line=part.body_line,
        **values,
    )


def _topic_problems(
    source: SourceFile, node: yaml.Node, base: int, topics: tuple[str | None, ...]
) -> list[Problem]:
    """Topics whose address (a folder name) would be too long for a file system.

    `topics` holds None for a topic with its own problem, already reported.
    """
    value = _value_node(node, "topics")
    items = value.value if isinstance(value, yaml.SequenceNode) else [value]
    problems = []
    for item, name in zip(items, topics, strict=False):
        if item is None or name is None:
            continue
        address = topic_slug(name)
        if len(address.encode("utf-8")) > MAX_TOPIC_ADDRESS:
            problems.append(
                problem_at(
                    source,
                    item.start_mark,
                    base,
                    f"topic {schema.shown(name)} would need an address of {len(address)} "
                    f"characters; at most {MAX_TOPIC_ADDRESS} fit in a file name",
                    "use a shorter topic name (names in Chinese take up to seven characters "
                    "each, in pinyin)",
                )
            )
    return problems


def _value_node(node: yaml.Node, name: str) -> yaml.Node | None:
    """The value node of a top-level key, or None."""
    if not isinstance(node, yaml.MappingNode):
        return None
    for key, value in node.value:
        if isinstance(key, yaml.ScalarNode) and key.value == name:
            return value  # type: ignore[no-any-return]  # PyYAML's stubs leave `value` as Any
    return None


def value_positions(
    node: yaml.Node, source: SourceFile, base: int
) -> Iterator[tuple[str, int, int]]:
    """(field, line, col) of each top-level value, of each figure as `figures[N]`, of each
    change note's date as `updates[N].date`, of the withdrawal's as `withdrawn.date`, and of
    each old address as `aliases[N]`."""
    if not isinstance(node, yaml.MappingNode):
        return
    for key, value in node.value:
        if not isinstance(key, yaml.ScalarNode):
            continue
        yield (key.value, *source.position(base + value.start_mark.index))
        if key.value == "figures" and isinstance(value, yaml.SequenceNode):
            for index, item in enumerate(value.value, 1):
                yield (f"figures[{index}]", *source.position(base + item.start_mark.index))
        if key.value == "updates" and isinstance(value, yaml.SequenceNode):
            for index, item in enumerate(value.value, 1):
                date = _value_node(item, "date")
                if date is not None:
                    at = source.position(base + date.start_mark.index)
                    yield (f"updates[{index}].date", *at)
        if key.value == "withdrawn" and (date := _value_node(value, "date")) is not None:
            yield ("withdrawn.date", *source.position(base + date.start_mark.index))
        if key.value == "aliases":  # each old address, for a clash found across the site
            items = value.value if isinstance(value, yaml.SequenceNode) else [value]
            for index, item in enumerate(items, 1):
                yield (f"aliases[{index}]", *source.position(base + item.start_mark.index))


def check_update_dates(brief: Brief, today: dt.date) -> list[Problem]:
    """Change notes must fall between the brief's date and the build's today.

    A note dated 9999-12-31 would tell readers "Last updated 31 December 9999". `today` is
    the build's (`pipeline.BuildOptions.today`), so this check sits outside `load_brief`, which
    stays a pure function of the file. A brief scheduled for the future may carry notes up to
    its own date: its notes are bound by max(today, its date).
    """
    latest = max(today, brief.date)
    problems = []
    for index, update in enumerate(brief.updates, 1):
        if update.date < brief.date:
            message = (
                f"change note dated {update.date.isoformat()} is earlier than the brief's "
                f"date, {brief.date.isoformat()}"
            )
            hint = "a change note records a change after publication; check the date"
        elif update.date > latest and brief.date > today:
            message = (
                f"change note dated {update.date.isoformat()} is later than the brief's date, "
                f"{brief.date.isoformat()}, for which it is scheduled"
            )
            hint = "a brief not yet published can only have notes up to its own date"
        elif update.date > latest:
            message = (
                f"change note dated {update.date.isoformat()} is in the future "
                f"(today is {today.isoformat()})"
            )
            hint = "date the note on the day the change is published"
        else:
            continue
        line, col = brief.position(f"updates[{index}].date")
        problems.append(error(brief.source_path, line, col, message, hint))
    return problems


def check_withdrawal_date(brief: Brief, today: dt.date) -> list[Problem]:
    """A withdrawal lies between the brief's date and the build's today, as change notes do.

    A notice saying "withdrawn on 1 June 2030" would state as done what has not happened;
    a date before the brief's own is a typing mistake. Outside `load_brief`, which stays a pure
    function of the file, for the same reason as `check_update_dates`.
    """
    if brief.withdrawn is None:
        return []
    day = brief.withdrawn.date
    if day < brief.date:
        message = (
            f"withdrawal dated {day.isoformat()} is earlier than the brief's date, "
            f"{brief.date.isoformat()}"
        )
        hint = "a brief is withdrawn after it is published; check the date"
    elif day > max(today, brief.date):
        message = (
            f"withdrawal dated {day.isoformat()} is in the future (today is {today.isoformat()})"
        )
        hint = "date it on the day the brief is withdrawn, and publish it then"
    else:
        return []
    line, col = brief.position("withdrawn.date")
    return [error(brief.source_path, line, col, message, hint)]
