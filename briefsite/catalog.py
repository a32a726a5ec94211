"""The whole-site model: which briefs exist, their addresses, topics and years.

Built from validated `Brief`s before any Markdown is rendered, because rendering needs to know
where every other brief lives to rewrite links between them. It does no I/O.
"""

from __future__ import annotations

import posixpath
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from . import urls
from .brief import Brief
from .frontmatter import topic_slug
from .problems import Problem, error


@dataclass(frozen=True)
class Topic:
    """A topic and the briefs filed under it, newest first."""

    name: str
    slug: str
    path: str
    briefs: tuple[Brief, ...]


@dataclass(frozen=True)
class Year:
    """A year of publication and its briefs, newest first."""

    year: int
    briefs: tuple[Brief, ...]

    @property
    def anchor(self) -> str:
        """The id of this year's section on the archive page."""
        return urls.year_anchor(self.year)

    @property
    def path(self) -> str:
        """Where this year's briefs are listed."""
        return urls.year_path(self.year)


@dataclass(frozen=True)
class Catalog:
    """Every published brief and the ways readers find them."""

    briefs: tuple[Brief, ...]  # in `listing_order`: the order of every listing
    by_source: Mapping[str, Brief]  # "briefs/land-offer.md" -> Brief, for link rewriting
    topics: tuple[Topic, ...]  # alphabetical
    years: tuple[Year, ...]  # newest first
    topics_by_slug: Mapping[str, tuple[Topic, ...]] = field(default_factory=dict)

    def topics_of(self, brief: Brief) -> tuple[Topic, ...]:
        """The topic pages a brief is listed on, alphabetical."""
        return self.topics_by_slug.get(brief.slug, ())


def link_target_path(from_source: str, href_path: str) -> str:
    """The file a relative link in `from_source` names, as a source path ("briefs/x.md")."""
    return nfc(posixpath.normpath(posixpath.join(posixpath.dirname(from_source), href_path)))


def nfc(path: str) -> str:
    """A path in composed form: macOS stores 'é' decomposed, editors type it composed."""
    return unicodedata.normalize("NFC", path)


_DIGITS = re.compile(r"([0-9]+)")


def number_order(number: str) -> tuple[str | int, ...]:
    """A report number as people order them: its runs of digits as numbers, so QB-2020-2 comes
    before QB-2020-10; letters without regard to case. Text and numbers alternate in the same
    places of every key (`re.split` starts with text), so any two keys compare."""
    parts = _DIGITS.split(number.casefold())
    return tuple(int(part) if index % 2 else part for index, part in enumerate(parts))


ListingKey = tuple[int, bool, tuple[str | int, ...], str, str, str]


def listing_order(brief: Brief) -> ListingKey:
    """The order of every list, complete and deterministic: newest `date` first; on one day,
    briefs with a report `number` first, by number (`number_order`, then as written), then
    the others; then by title (ignoring case), then by slug, which is unique, so the order
    never depends on the order files are found in."""
    number = brief.number or ""
    return (
        -brief.date.toordinal(),
        brief.number is None,
        number_order(number),
        number,
        brief.title.casefold(),
        brief.slug,
    )


def build_catalog(briefs: Iterable[Brief]) -> tuple[Catalog, list[Problem]]:
    """Index the briefs, reporting slugs and topic names that collide."""
    ordered = tuple(sorted(briefs, key=listing_order))
    problems = _slug_collisions(ordered)
    problems += _topic_collisions(ordered)
    problems += _series_collisions(ordered)
    return index_catalog(ordered), problems


def index_catalog(ordered: tuple[Brief, ...]) -> Catalog:
    """The catalog of briefs already in `listing_order` (not checked again for collisions).

    A build that changed one brief's title knows every other brief's place already: it
    moves that one and indexes the list again, without sorting ten thousand briefs or
    checking slugs and topic names that did not change (`incremental`).
    """
    slugs: dict[str, str] = {}  # topic name -> slug: a few dozen names, each met thousands of times
    by_topic: dict[str, list[Brief]] = defaultdict(list)
    names: dict[str, str] = {}
    by_year: dict[int, list[Brief]] = defaultdict(list)
    for brief in ordered:
        for name in brief.topics:
            if name not in slugs:
                slugs[name] = topic_slug(name)
        # A brief listing one topic twice (or two spellings of it) is filed once.
        for slug in dict.fromkeys(slugs[name] for name in brief.topics):
            by_topic[slug].append(brief)
        for name in brief.topics:
            names.setdefault(slugs[name], name)
        by_year[brief.date.year].append(brief)
    topics = tuple(
        Topic(names[slug], slug, urls.topic_path(slug), tuple(items))
        for slug, items in sorted(by_topic.items(), key=lambda kv: names[kv[0]].casefold())
    )
    years = tuple(Year(year, tuple(items)) for year, items in sorted(by_year.items(), reverse=True))
    topics_of: dict[str, list[Topic]] = defaultdict(list)
    for topic in topics:
        for brief in topic.briefs:
            topics_of[brief.slug].append(topic)
    return Catalog(
        briefs=ordered,
        by_source={nfc(b.source_path): b for b in ordered},
        topics=topics,
        years=years,
        topics_by_slug={slug: tuple(found) for slug, found in topics_of.items()},
    )


def _slug_collisions(briefs: Iterable[Brief]) -> list[Problem]:
    """Two briefs with one address: name every file involved, in each file."""
    by_slug: dict[str, list[Brief]] = defaultdict(list)
    for brief in briefs:
        by_slug[brief.slug].append(brief)
    problems = []
    for slug, group in by_slug.items():
        if len(group) < 2:
            continue
        files = sorted(b.source_path for b in group)
        for brief in group:
            others = ", ".join(f for f in files if f != brief.source_path)
            problems.append(
                error(
                    brief.source_path,
                    *brief.position("slug"),
                    f"slug '{slug}' is also used by {others}",
                    "give one of the briefs a different 'slug:' or file name",
                )
            )
    return problems


def _topic_collisions(briefs: Iterable[Brief]) -> list[Problem]:
    """Topic names that differ only in case or punctuation would share one page: ask for one."""
    spellings: dict[str, dict[str, Brief]] = defaultdict(dict)
    for brief in briefs:
        for name in brief.topics:
            spellings[topic_slug(name)].setdefault(name, brief)
    problems = []
    for found in spellings.values():
        if len(found) < 2:
            continue
        names = sorted(found)
        for name in names[1:]:
            problems.append(
                error(
                    found[name].source_path,
                    *found[name].position("topics"),
                    f"topic '{name}' is spelt differently from '{names[0]}' "
                    f"in {found[names[0]].source_path}",
                    "write the topic the same way in every brief",
                )
            )
    return problems


def _series_collisions(briefs: Iterable[Brief]) -> list[Problem]:
    """Series names that differ only in case or punctuation: a brief spelt so would silently
    start a series of its own (its page would lose its neighbours), so ask for one spelling,
    as for topics."""
    spellings: dict[str, dict[str, Brief]] = defaultdict(dict)
    for brief in briefs:
        if brief.series is not None:
            spellings[topic_slug(brief.series)].setdefault(brief.series, brief)
    problems = []
    for found in spellings.values():
        names = sorted(found)
        for name in names[1:]:
            problems.append(
                error(
                    found[name].source_path,
                    *found[name].position("series"),
                    f"series '{name}' is spelt differently from '{names[0]}' "
                    f"in {found[names[0]].source_path}",
                    "write the series the same way in every brief of it",
                )
            )
    return problems
