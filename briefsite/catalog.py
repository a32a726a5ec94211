"""The whole-site model: which briefs exist, their addresses, topics, years and the other
facets readers filter them by (issuing body, region, status).

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
from types import MappingProxyType

from . import urls
from .brief import Brief
from .frontmatter import MAX_TOPIC_ADDRESS, name_slug, topic_slug
from .i18n import N_
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
    folder: str = ""  # the language's folder of its briefs ("" for the default language)

    @property
    def anchor(self) -> str:
        """The id of this year's section on the archive page."""
        return urls.year_anchor(self.year)

    @property
    def path(self) -> str:
        """The page of this year's briefs."""
        return urls.in_language(self.folder, urls.facet_path(urls.YEARS, str(self.year)))


@dataclass(frozen=True)
class Group:
    """One value of a facet other than topics (an issuing body, a region, a year, a status)
    and the briefs that have it, in listing order."""

    name: str  # as readers see it (issuing bodies and regions arrive typeset)
    path: str  # its page: `urls.facet_path`
    briefs: tuple[Brief, ...]


# The facets besides topics, each by the folder of its pages, in the finder's order. A brief
# has at most one value of each (an issuing body and a region are optional).
FACETS = (urls.BODIES, urls.REGIONS, urls.YEARS, urls.STATUS)
# A brief's status among the lists: still current, withdrawn, or replaced by another brief (a
# brief both withdrawn and replaced is withdrawn, as its list entry's tag says). Not whether
# the policy is in force: that changes with the day of the build, and a list made from front
# matter alone does not.
# The names are English message ids, translated where pages show them (`pages.value_name`).
STATUSES = {"current": N_("Current"), "withdrawn": N_("Withdrawn"), "replaced": N_("Replaced")}
# Where each optional field's value lives on a brief, and the word its fallback address uses.
_NAMED = {urls.BODIES: ("issuing_body", "body"), urls.REGIONS: ("region", "region")}


def status_of(brief: Brief) -> str:
    """The key in `STATUSES` of a brief."""
    if brief.withdrawn is not None:
        return "withdrawn"
    return "replaced" if brief.superseded_by is not None else "current"


def facet_path(folder: str, name: str, language: str = "") -> str:
    """The page of an issuing body or a region (`folder` is `urls.BODIES` or `urls.REGIONS`),
    its address made from its name as a topic's is: so a brief's page links to it without
    the catalog. `language`: the folder of the briefs' language, as `Brief.folder`."""
    return urls.in_language(language, urls.facet_path(folder, name_slug(name, _NAMED[folder][1])))


@dataclass(frozen=True)
class Catalog:
    """Every published brief and the ways readers find them."""

    briefs: tuple[Brief, ...]  # in `listing_order`: the order of every listing
    by_source: Mapping[str, Brief]  # "briefs/land-offer.md" -> Brief, for link rewriting
    topics: tuple[Topic, ...]  # alphabetical
    years: tuple[Year, ...]  # newest first
    topics_by_slug: Mapping[str, tuple[Topic, ...]] = field(default_factory=dict)
    # By folder (`FACETS`): issuing bodies and regions alphabetical, years newest first,
    # statuses in `STATUSES`' order; only values some brief has.
    facets: Mapping[str, tuple[Group, ...]] = field(default_factory=dict)

    # Each brief's translations by their key (`Brief.translation_key`): language -> brief.
    translations: Mapping[str, Mapping[str, Brief]] = field(default_factory=dict)

    def topics_of(self, brief: Brief) -> tuple[Topic, ...]:
        """The topic pages a brief is listed on, alphabetical."""
        return self.topics_by_slug.get(brief.slug, ())

    def translations_of(self, brief: Brief) -> Mapping[str, Brief]:
        """The brief and its translations, by language (only itself when it has none)."""
        return self.translations.get(brief.translation_key) or {brief.lang: brief}

    def edition(self, folder: str) -> Catalog:
        """The catalog of one language's briefs (`folder`: its folder, "" for the default):
        the lists of that language's part of the site are made from it."""
        return index_catalog(tuple(b for b in self.briefs if b.folder == folder))

    @property
    def folders(self) -> tuple[str, ...]:
        """The language folders some brief is in, the default ("") first."""
        return tuple(sorted({b.folder for b in self.briefs}))


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
    for folder, (name, _) in _NAMED.items():
        problems += _name_problems(ordered, folder, name)
    problems += _series_collisions(ordered)
    problems += _translation_collisions(ordered)
    return index_catalog(ordered), problems


def index_catalog(ordered: tuple[Brief, ...]) -> Catalog:
    """The catalog of briefs already in `listing_order` (not checked again for collisions).

    A build that changed one brief's title knows every other brief's place already: it
    moves that one and indexes the list again, without sorting ten thousand briefs or
    checking slugs and topic names that did not change (`incremental`).
    """
    slugs: dict[str, str] = {}  # topic name -> slug: a few dozen names, each met thousands of times
    # Topics and years by (language folder, key): each language lists its own.
    by_topic: dict[tuple[str, str], list[Brief]] = defaultdict(list)
    names: dict[tuple[str, str], str] = {}
    by_year: dict[tuple[int, str], list[Brief]] = defaultdict(list)
    translations: dict[str, dict[str, Brief]] = defaultdict(dict)
    for brief in ordered:
        folder = brief.folder
        for name in brief.topics:
            if name not in slugs:
                slugs[name] = topic_slug(name)
        # A brief listing one topic twice (or two spellings of it) is filed once.
        for slug in dict.fromkeys(slugs[name] for name in brief.topics):
            by_topic[folder, slug].append(brief)
        for name in brief.topics:
            names.setdefault((folder, slugs[name]), name)
        by_year[brief.date.year, folder].append(brief)
        translations[brief.translation_key].setdefault(brief.lang, brief)
    topics = tuple(
        Topic(names[key], key[1], urls.topic_path(key[1], key[0]), tuple(items))
        for key, items in sorted(by_topic.items(), key=lambda kv: names[kv[0]].casefold())
    )
    years = tuple(
        Year(year, tuple(items), folder)
        for (year, folder), items in sorted(by_year.items(), reverse=True)
    )
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
        facets=_facets(ordered, years),
        translations={key: MappingProxyType(found) for key, found in translations.items()},
    )


def _facets(ordered: tuple[Brief, ...], years: tuple[Year, ...]) -> dict[str, tuple[Group, ...]]:
    """Every facet's groups (`Catalog.facets`) of briefs in listing order."""
    facets = {}
    for folder, (attribute, _) in _NAMED.items():
        by_path: dict[str, list[Brief]] = defaultdict(list)
        names: dict[str, str] = {}
        for brief in ordered:
            name = getattr(brief, attribute)
            if name is not None:
                path = facet_path(folder, name, brief.folder)
                by_path[path].append(brief)
                names.setdefault(path, name)
        facets[folder] = tuple(
            Group(names[path], path, tuple(items))
            for path, items in sorted(by_path.items(), key=lambda kv: names[kv[0]].casefold())
        )
    facets[urls.YEARS] = tuple(Group(str(year.year), year.path, year.briefs) for year in years)
    by_status: dict[tuple[str, str], list[Brief]] = defaultdict(list)
    for brief in ordered:
        by_status[brief.folder, status_of(brief)].append(brief)
    facets[urls.STATUS] = tuple(
        Group(shown, urls.in_language(folder, urls.facet_path(urls.STATUS, key)), tuple(found))
        for folder in sorted({folder for folder, _ in by_status})
        for key, shown in STATUSES.items()
        if (found := by_status[folder, key])
    )
    return facets


def _slug_collisions(briefs: Iterable[Brief]) -> list[Problem]:
    """Two briefs with one address: name every file involved, in each file."""
    by_slug: dict[str, list[Brief]] = defaultdict(list)
    for brief in briefs:
        by_slug[brief.slug].append(brief)
    problems = []
    for group in by_slug.values():
        if len(group) < 2:
            continue
        files = sorted(b.source_path for b in group)
        for brief in group:
            others = ", ".join(f for f in files if f != brief.source_path)
            problems.append(
                error(
                    brief.source_path,
                    *brief.position("slug"),
                    f"slug '{brief.own_slug}' is also used by {others}",
                    "give one of the briefs a different 'slug:' or file name",
                )
            )
    return problems


def _topic_collisions(briefs: Iterable[Brief]) -> list[Problem]:
    """Topic names that differ only in case or punctuation would share one page: ask for one."""
    spellings: dict[str, dict[str, Brief]] = defaultdict(dict)
    for brief in briefs:
        for name in brief.topics:
            spellings[brief.folder + "/" + topic_slug(name)].setdefault(name, brief)
    return _spelt_twice(spellings, "topics", "write the topic the same way in every brief", "topic")


def _name_problems(briefs: Iterable[Brief], folder: str, attribute: str) -> list[Problem]:
    """An issuing body or a region (`attribute`) whose page could not be made: spelt two ways
    that give one address (both would be listed on one page, under whichever name came
    first), or with an address too long for a folder name. Each at the value, in its file."""
    label = attribute.replace("_", " ")
    spellings: dict[str, dict[str, Brief]] = defaultdict(dict)
    problems = []
    for brief in briefs:
        name = getattr(brief, attribute)
        if name is None:
            continue
        slug = name_slug(name, _NAMED[folder][1])
        if len(slug.encode("utf-8")) > MAX_TOPIC_ADDRESS:
            problems.append(
                error(
                    brief.source_path,
                    *brief.position(attribute),
                    f"{label} '{name}' would need an address of {len(slug)} characters; "
                    f"at most {MAX_TOPIC_ADDRESS} fit in a file name",
                    f"write the {label} shorter (names in Chinese take up to seven characters "
                    "each, in pinyin)",
                )
            )
        spellings[brief.folder + "/" + slug].setdefault(name, brief)
    return problems + _spelt_twice(
        spellings, attribute, f"write the {label} the same way in every brief"
    )


def _series_collisions(briefs: Iterable[Brief]) -> list[Problem]:
    """Series names that differ only in case or punctuation: a brief spelt so would silently
    start a series of its own (its page would lose its neighbours), so ask for one spelling,
    as for topics."""
    spellings: dict[str, dict[str, Brief]] = defaultdict(dict)
    for brief in briefs:
        if brief.series is not None:
            spellings[brief.folder + "/" + topic_slug(brief.series)].setdefault(brief.series, brief)
    return _spelt_twice(spellings, "series", "write the series the same way in every brief of it")


def _translation_collisions(briefs: Iterable[Brief]) -> list[Problem]:
    """Two briefs of one language sharing a translation key: which of them would the other
    language's page link to? Each at its `translation_key` (or `lang`, or the opening line:
    the key then comes from the file name), naming the other files."""
    by_key: dict[tuple[str, str], list[Brief]] = defaultdict(list)
    for brief in briefs:
        by_key[brief.translation_key, brief.lang].append(brief)
    problems = []
    for (key, lang), group in by_key.items():
        if len(group) < 2:
            continue
        files = sorted(b.source_path for b in group)
        for brief in group:
            field_name = (
                "translation_key" if brief.position("translation_key") != (1, 1) else "lang"
            )
            others = ", ".join(f for f in files if f != brief.source_path)
            problems.append(
                error(
                    brief.source_path,
                    *brief.position(field_name),
                    f"this brief and {others} are both the '{lang}' version of '{key}'",
                    "one brief per language translates another: give one of them another "
                    "'translation_key:' or 'lang:', or rename its file",
                )
            )
    return problems


def _spelt_twice(
    spellings: Mapping[str, Mapping[str, Brief]], attribute: str, hint: str, label: str = ""
) -> list[Problem]:
    """Each spelling of a name (`attribute`'s value; `label`, what the message calls it) after
    the first of those that give one key (`spellings`: key -> spelling -> the first brief with
    it), at that spelling."""
    label = label or attribute.replace("_", " ")
    problems = []
    for found in spellings.values():
        names = sorted(found)
        for name in names[1:]:
            problems.append(
                error(
                    found[name].source_path,
                    *found[name].position(attribute),
                    f"{label} '{name}' is spelt differently from '{names[0]}' "
                    f"in {found[names[0]].source_path}",
                    hint,
                )
            )
    return problems
