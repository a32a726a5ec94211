"""What the last successful build knew, so that the next one can redo only what an edit changed.

Most edits change one brief's body. Such an edit changes nothing any other page is made of:
listings, related briefs, the feed and the sitemap show views of a brief's front matter
(title, summary, date, topics), never its body. So when everything but the bodies of some
briefs is as it was in the last successful build, the next build needs only those briefs,
the briefs their links reach, and the record below; not the ten thousand others, which a build
of the whole site would load, index, check and key (seconds at that size).

`SiteRecord` is that record: for each brief file, the cache key of its result (whose `Brief`
the next build compares with the new one), its address, its own problems, the anchors its
links ask of other briefs, and what its page is made of besides its body (its topics and
related briefs); for the site, the problems no brief's own compiling gave, and the digest of
every file written. `pipeline` keeps
one, signed like every cache entry, and takes the edit path only when the build would be the
same build but for those bodies:

- the settings, this run's choices, today, the templates, git's HEAD, the code and the set of
  brief files are all as recorded (`setting`);
- each changed file is still a published brief whose front matter (its whole `Brief`) is
  equal to the recorded one, so the catalog, every listing and every other page are too
  (or differs in its title or summary alone: below);
- the recorded build found no problem with links, and none of the changed briefs' links, nor
  any recorded link to an anchor in them, would give one now;
- every other file the recorded build wrote is still in the output folder, as written.

The next most common edit is a title (or a summary): the text that lists show. Its front
matter differs from the recorded one in those alone, so no check of the whole site can change
(addresses, topics, dates and replacements are as they were), but more pages show it: the
archive, topic, issuing body, region, year and status pages that list the brief, the home page
when it is among the latest, the pages of briefs that name it as related or as their
replacement, the pages beside it in the archive and its series (which link it by its title),
the feeds. And a title is the last tie-break of the order, after the date and the report
number: the brief can move within its day, moving the briefs it passes by one place (over page
breaks), changing which briefs are related to which (ties go to the first listed) and the
sitemap's order. The record keeps a `Listing` for this: every brief's listed fields and the
order of the archive, of each topic and of each value of the other facets, stored by the full
build; the rows an edit changes travel with the record's changes (`SiteRecord.relisted`), not
in a new listing's megabytes. The edit path makes exactly the list pages that can differ
(`relisted_pages`, by the functions `pages.listing_pages` makes every list page with), renders
the brief pages that show what changed, and makes the feeds, the open data and the redirect
pages that show it again; an edit that moves a brief goes the full way. It knows every file the
full build writes from the listing and the record (`SiteRecord.fixed`: files no title shows
in); a file it does not know (a new kind of output) sends the build the full way.

Anything else (a topic, a date, a report number, a new or deleted brief, a broken link) is
built by the full path, whose results these must equal byte for byte (tests/test_incremental.py
compares the two over random sequences of edits). A new output made from briefs' bodies
(a search index, say) must be made on the edit path too, or it would be left stale: each
brief's Markdown copy (`opendata`) is, with the other files beside its page, and so is the
search index. One made from front matter is safe (the path does not know it, and goes the
full way) until the edit path makes it too.
"""

from __future__ import annotations

import datetime as dt
import heapq
from bisect import insort
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import islice
from typing import TYPE_CHECKING, Any, NamedTuple

from . import urls
from .brief import Brief
from .catalog import Catalog, index_catalog, listing_order
from .config import SiteConfig
from .pages import (
    FACET_KINDS,
    Adjacent,
    BriefSummary,
    FeedLink,
    FilterOption,
    LanguageLink,
    Page,
    Pagination,
    TopicLink,
    TopicSummary,
    adjacent_briefs,
    archive_page,
    facet_feed,
    facet_page,
    finder,
    home_page,
    page_count,
    paginate,
    topic_feed,
    topic_page,
    year_links,
)
from .problems import Problem
from .selection import HeldBack

if TYPE_CHECKING:  # links loads Markdown, Pygments and nh3: only for the type here
    from .links import RenderedBrief


class BriefState(NamedTuple):
    """One brief file as the last build left it (a tuple: ten thousand are read and written
    in every build of a large site, and tuples load several times faster than objects)."""

    key: str  # the cache key of its `CompiledBrief` (whose `Brief` is its front matter)
    slug: str | None  # its address, when it was published
    problems: tuple[Problem, ...]  # its own: from reading and compiling it
    fragments: tuple[tuple[str, str], ...]  # (target's source path, NFC; anchor) per link
    page: str = ""  # the cache key of its page, when published
    topics: tuple[TopicLink, ...] = ()  # its page's topics
    related: tuple[str, ...] = ()  # the slugs of the related briefs its page lists
    files: str = ""  # the cache key of the files beside its page (`opendata.brief_outputs`)
    # The slugs of the briefs beside it that its page links (`pages.Adjacent`): a body edit
    # renders its page with their titles again.
    adjacent: Adjacent = (None, None, None, None)
    # On a site of several languages (empty on a site of one): the slug of each version of
    # the brief, itself included, by language (`Catalog.translations_of`), so that the edit
    # path sends a link to this file where the full build does (`links.resolve`: to the
    # linking brief's language's version); and its page's links to its versions in the other
    # languages (`pages.with_languages`). A body edit changes neither: which translations
    # exist is front matter and file names.
    translations: tuple[tuple[str, str], ...] = ()
    languages: tuple[LanguageLink, ...] = ()


@dataclass(frozen=True)
class SiteRecord:
    """The last successful build whose links were all good, as the edit path needs it."""

    setting: bytes  # a digest of all it read but the brief files (see `pipeline.setting`)
    briefs: Mapping[str, BriefState]  # by display path: every brief file it compiled
    problems: tuple[Problem, ...]  # the rest: whole-site checks, found by no brief alone
    outputs: Mapping[str, str]  # path -> SHA-256 of every file it wrote
    brief_count: int
    page_count: int
    build_key: str = ""  # the cache key of its `BuildRecord`, replaced by the next build
    token: str = ""  # names this record as stored, for the `RecordChanges` made on top of it
    held: tuple[HeldBack, ...] = ()  # the valid briefs it left out: an edit leaves out the same
    listing: str = ""  # the cache key of its `Listing`, for an edit of titles
    # The rows of that listing that edits of titles changed since it was stored, by slug:
    # a few, carried with the record instead of writing the listing's megabytes again.
    relisted: Mapping[str, ListedRow] = field(default_factory=dict)
    # The files it wrote that no brief's front matter shapes (the theme's assets): an edit of
    # titles keeps them. Any other file it cannot make again sends such an edit the full way.
    fixed: frozenset[str] = frozenset()

    def __getstate__(self) -> dict[str, object]:
        """Pickled with each brief's state as a plain tuple: a large site's record is read
        and written in every build, and plain tuples load several times faster."""
        state = dict(self.__dict__)
        state["briefs"] = {path: tuple(item) for path, item in self.briefs.items()}
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        rows = state["briefs"]
        assert isinstance(rows, dict)
        state["briefs"] = {path: BriefState._make(row) for path, row in rows.items()}
        for name, value in state.items():
            object.__setattr__(self, name, value)


def fragment_links(
    item: RenderedBrief, source_of: Mapping[str, str]
) -> tuple[tuple[str, str], ...]:
    """The links of a brief that ask a published brief for an anchor: (the source path, in
    NFC, of the brief whose page the link leads to, the anchor). Those are the links an edit
    of the target's body could break. The page led to, not the file written: on a site of
    several languages a link to `land-offer.md` from a Chinese brief leads to (and asks its
    anchor of) `land-offer.zh.md`. `source_of`: each published brief's source path (NFC) by
    slug."""
    return tuple(
        (source_of[link.target_slug], link.fragment)
        for link in item.links
        if link.fragment and link.target_slug is not None
    )


def wanted_anchors(
    record: SiteRecord, targets: frozenset[str], skip: frozenset[str]
) -> dict[str, set[str]]:
    """The anchors that recorded links from briefs not in `skip` ask of each of `targets`
    (source paths in NFC)."""
    wanted: dict[str, set[str]] = {}
    for path, state in record.briefs.items():
        if path in skip:
            continue
        for target, fragment in state.fragments:
            if target in targets:
                wanted.setdefault(target, set()).add(fragment)
    return wanted


@dataclass(frozen=True)
class RecordChanges:
    """What builds by the edit path changed in a stored `SiteRecord` (by its `token`): the
    record is kept as it is and only these are written, a few hundred bytes rather than the
    megabytes of ten thousand briefs' states, until they grow large (MAX_CHANGES)."""

    base: str  # the token of the record they apply to
    briefs: Mapping[str, BriefState]
    outputs: Mapping[str, str]
    setting: bytes
    build_key: str
    relisted: Mapping[str, ListedRow] = field(default_factory=dict)  # all since the record

    def apply(self, record: SiteRecord) -> SiteRecord:
        """The record with these changes made."""
        return replace(
            record,
            briefs={**record.briefs, **self.briefs},
            outputs={**record.outputs, **self.outputs},
            setting=self.setting,
            build_key=self.build_key,
            relisted={**record.relisted, **self.relisted},
        )


MAX_CHANGES = 256  # brief states kept as changes before the whole record is written again


# The fields of a `Brief` that lists, related briefs, the feed and the sitemap read (and the
# catalog, to order and file it): a `Listing` keeps these of each brief, and nothing else.
_LISTED = (
    "source_path",
    "slug",
    "lang",
    "title",
    "date",
    "summary",
    "number",
    "topics",
    "series",  # the briefs beside each brief in its series (`pages.adjacent_briefs`)
    "region",
    "issuing_body",
    "status",
    "expires",
    "withdrawn",
    "superseded_by",
    "authors",  # the feeds
    "updates",  # `Brief.last_modified`, for the feeds
    "aliases",  # the redirect pages, which show the title
)
_SUPERSEDED_BY = _LISTED.index("superseded_by")
_WITHDRAWN = _LISTED.index("withdrawn")
_ALIASES = _LISTED.index("aliases")
_SERIES = _LISTED.index("series")
_DATE = _LISTED.index("date")
# Dates are kept as day numbers (`date.toordinal`): ten thousand rows load several times
# faster without a `date` object each to make.
_DATES = tuple(_LISTED.index(name) for name in ("date", "expires"))
ListedRow = tuple[Any, ...]  # `_LISTED`'s values (dates as day numbers), then the last change
ListedTopic = tuple[str, str, tuple[str, ...]]  # name as written, address, its briefs' slugs
# A value of another facet (`catalog.Group`): its facet's folder, name as shown, address, and
# its briefs' slugs.
ListedFacet = tuple[str, str, str, tuple[str, ...]]


@dataclass(frozen=True)
class Listing:
    """Every published brief as the pages that list it see it, in listing order.

    A title shows on more pages than its brief's own: the archive, topic and other facets'
    pages that list it, the home page, the pages of briefs that name it as related or as their
    replacement or that link it as their neighbour, the feeds; and, as the last tie-break of
    the order (after the date and the report number), it can move its brief within its day,
    which changes the pages around it and the sitemap's order. Working those out takes every
    brief's front matter, which the record does not keep and which ten thousand cached briefs
    take seconds to load. This is that front matter alone, a few fields a brief (`_LISTED`, and
    its `last_modified` for the feeds), with the order of the archive, of each topic and of each
    value of the other facets (issuing body, region, year, status), kept as plain tuples beside
    the record: an edit makes views (`BriefSummary`) of the few briefs its pages show.
    """

    slugs: tuple[str, ...]  # in listing order
    rows: Mapping[str, ListedRow]  # by slug
    topics: tuple[ListedTopic, ...]  # in the catalog's order of topics
    years: tuple[tuple[int, int], ...]  # (year, how many briefs it has), newest first
    # Each value of the other facets (issuing bodies, regions, years, statuses), in the
    # catalog's order (`Catalog.facets`).
    facets: tuple[ListedFacet, ...] = ()

    @classmethod
    def of(cls, catalog: Catalog) -> Listing:
        """The listing of a build's catalog."""
        return cls(
            tuple(b.slug for b in catalog.briefs),
            {b.slug: listed_row(b) for b in catalog.briefs},
            tuple((t.name, t.path, tuple(b.slug for b in t.briefs)) for t in catalog.topics),
            tuple((year.year, len(year.briefs)) for year in catalog.years),
            tuple(
                (folder, g.name, g.path, tuple(b.slug for b in g.briefs))
                for folder, groups in catalog.facets.items()
                for g in groups
            ),
        )

    def brief(self, slug: str) -> Brief:
        """A brief with its listed fields only (the others empty)."""
        return listed_brief(self.rows[slug])

    def feed_entries(self, slugs: Sequence[str], size: int) -> list[str]:
        """The `size` briefs a feed of these briefs (in listing order) holds, as
        `feeds.feed_entries` chooses them, from the rows alone: ten thousand briefs need not
        be made to find the fifty newest."""
        current = [
            (-row[-1], index, slug)
            for index, slug in enumerate(slugs)
            if (row := self.rows[slug])[_WITHDRAWN] is None and row[_SUPERSEDED_BY] is None
        ]
        return [slug for _, _, slug in heapq.nsmallest(size, current)]

    def aliases(self) -> Iterator[tuple[str, str]]:
        """Each old address (`aliases`) with the slug of the brief it leads to."""
        for slug, row in self.rows.items():
            for alias in row[_ALIASES]:
                yield alias, slug

    def superseded_by(self, slug: str) -> str | None:
        """The file a brief names as its replacement, as written."""
        value: str | None = self.rows[slug][_SUPERSEDED_BY]
        return value

    def catalog(self) -> Catalog:
        """The catalog of all its briefs, as the build that listed them made it."""
        return index_catalog(tuple(self.brief(slug) for slug in self.slugs))

    def adjacent(self) -> dict[str, Adjacent]:
        """Each brief's neighbours, as `pages.catalog_adjacent` finds them in a catalog of
        these briefs (dates are day numbers here already)."""
        rows = self.rows
        return adjacent_briefs([(s, rows[s][_SERIES], rows[s][_DATE]) for s in self.slugs])

    def latest(self, count: int) -> tuple[str, ...]:
        """The newest `count` briefs still current, as the home page lists them."""
        return tuple(islice((s for s in self.slugs if not self.brief(s).retired), count))

    def list_pages(self, size: int) -> list[str]:
        """The addresses of the pages `pages.listing_pages` makes of these briefs (`size` to
        a page of a list), without making them."""
        found = [urls.HOME, urls.TOPICS, urls.NOT_FOUND]
        found += dict.fromkeys(folder for folder, _, _, _ in self.facets)  # their index pages
        for first, count in [
            (urls.ARCHIVE, len(self.slugs)),
            *((path, len(slugs)) for _, path, slugs in self.topics),
            *((path, len(slugs)) for _, _, path, slugs in self.facets),
        ]:
            found += [urls.list_page(first, n) for n in range(1, page_count(count, size) + 1)]
        return found

    def relisted(self, edited: Sequence[Brief]) -> tuple[Listing, dict[str, ListedRow]]:
        """The listing with some briefs' listed text (title, summary) changed, the rest of
        their front matter (and their last change) as it was; and their new rows."""
        rows = {b.slug: listed_row(b) for b in edited}
        return self.with_rows(rows), rows

    def with_rows(self, changed: Mapping[str, ListedRow]) -> Listing:
        """The listing with some briefs' rows replaced by rows that differ in listed text
        alone. Every other brief keeps its place, and each of these goes where the order
        now puts it: a title decides only among briefs of one day and one report number, so
        a brief can move, but only within that group."""
        if not changed:
            return self
        rows = {**self.rows, **changed}
        moved = frozenset(changed)

        def placed(slugs: tuple[str, ...]) -> tuple[str, ...]:
            if moved.isdisjoint(slugs):
                return slugs
            order = [slug for slug in slugs if slug not in moved]
            for slug in sorted(moved.intersection(slugs)):
                insort(order, slug, key=lambda s: listing_order(listed_brief(rows[s])))
            return tuple(order)

        topics = tuple((name, path, placed(slugs)) for name, path, slugs in self.topics)
        facets = tuple((kind, name, path, placed(slugs)) for kind, name, path, slugs in self.facets)
        return Listing(placed(self.slugs), rows, topics, self.years, facets)


def listed_row(brief: Brief) -> ListedRow:
    """A brief's row of a `Listing`."""
    row: list[Any] = [getattr(brief, name) for name in _LISTED]
    for index in _DATES:
        row[index] = None if row[index] is None else row[index].toordinal()
    return (*row, brief.last_modified.toordinal())


def listed_brief(row: ListedRow) -> Brief:
    """A `Listing`'s row as a `Brief` holding the listed fields only."""
    values = dict(zip(_LISTED, row, strict=False))
    for index in _DATES:
        if row[index] is not None:
            values[_LISTED[index]] = dt.date.fromordinal(row[index])
    return Brief(**values, body_markdown="", body_line=0)


class Summaries(dict[str, BriefSummary]):
    """What lists show of a listing's briefs, by slug, each made once when first asked for
    (a page shows dozens; the site has thousands)."""

    def __init__(self, listing: Listing) -> None:
        super().__init__()
        self.listing = listing

    def __missing__(self, slug: str) -> BriefSummary:
        made = self[slug] = BriefSummary.of(self.listing.brief(slug))
        return made


def relisted_pages(
    before: Listing, after: Listing, edited: frozenset[str], config: SiteConfig
) -> tuple[list[Page], Summaries]:
    """The list pages that show one of the `edited` briefs, before or after the edit, or
    whose briefs moved with it: exactly those of `listing_pages` that can differ between
    the two listings, made as `listing_pages` makes them (`config` as `reader_settings` gives
    it). Also the views made for them, for the other pages of the same build."""
    from .typography import typeset  # loads Markdown: only where pages are made

    shown = Summaries(after)
    size, lang, total = config.page_size, config.language, len(after.slugs)
    pages = []
    site_feed = FeedLink(urls.feed_path(urls.HOME), config.title)
    latest = after.latest(config.latest_count)
    topic_list = tuple(
        TopicSummary(typeset(name), path, len(slugs)) for name, path, slugs in after.topics
    )
    if not edited.isdisjoint((*before.latest(config.latest_count), *latest)):
        years = year_links([year for year, _ in after.years])
        pages.append(home_page(config, tuple(shown[s] for s in latest), total, topic_list, years))
    options: dict[str, list[FilterOption]] = {}
    for folder, name, path, slugs in after.facets:
        options.setdefault(folder, []).append(FilterOption(name, path, len(slugs)))
    grouped = {folder: tuple(found) for folder, found in options.items()}
    find = finder(total, topic_list, grouped, lang)
    for pagination, part in _moved(urls.ARCHIVE, before.slugs, after.slugs, edited, size):
        pages.append(
            archive_page(
                pagination, tuple(shown[s] for s in after.slugs[part]), total, lang, site_feed, find
            )
        )
    for (name, path, old), (_, _, new) in zip(before.topics, after.topics, strict=True):
        for pagination, part in _moved(path, old, new, edited, size):
            pages.append(
                topic_page(
                    typeset(name),
                    path,
                    len(new),
                    pagination,
                    tuple(shown[s] for s in new[part]),
                    lang,
                    topic_feed(config, typeset(name), path),
                    find,
                )
            )
    for (folder, name, path, old), (_, _, _, new) in zip(before.facets, after.facets, strict=True):
        kind = FACET_KINDS[folder]
        for pagination, part in _moved(path, old, new, edited, size):
            shows = tuple(shown[s] for s in new[part])
            feed = facet_feed(config, kind, name, path)
            pages.append(
                facet_page(kind, name, path, len(new), pagination, shows, lang, feed, find)
            )
    return pages, shown


def _moved(
    first: str, old: tuple[str, ...], new: tuple[str, ...], edited: frozenset[str], size: int
) -> list[tuple[Pagination, slice]]:
    """The pages of a list (`paginate`) that show an edited brief before or after, or any
    brief between its two places (which moved by one)."""
    places = [(old.index(slug), new.index(slug)) for slug in edited.intersection(new)]
    if not places:
        return []
    numbers = {n for i, j in places for n in range(min(i, j) // size + 1, max(i, j) // size + 2)}
    return list(paginate(first, len(new), size, numbers))
