"""Which pages the site has, and exactly what each template receives.

This is the template contract (MkDocs' `TemplateContext`, Zola's read-only pages are the model):
every template gets `site`, `page` and the named values of its `Page.context`, all immutable.
No Jinja here: `render` turns `Page`s into bytes.

A page receives only what it shows. A listing gets `BriefSummary` views (title, summary, date,
address, ...), never whole briefs, and a brief page names its topics by `TopicLink`: so editing
a brief's body changes the inputs of its own page alone, and the build skips every other page
(`pipeline.render_pages` keys each page by a digest of its context).

Long lists are split into pages (`site.yml`'s `page_size`): the archive, each topic and each
value of the other facets (an issuing body, a region, a year, a status) list their briefs
`page_size` at a time, page 1 at the list's address and page N at `.../page/N/`
(`urls.list_page`). Each such page receives only its slice, so an edit renders the page that
shows the brief, not the whole list.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import groupby, islice
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from . import pageids, urls
from .brief import Brief, in_force
from .catalog import FACETS, Catalog, facet_path, link_target_path
from .config import SiteConfig
from .i18n import N_, ntr, tr

if TYPE_CHECKING:  # links loads Markdown, Pygments and nh3: only for the type here
    from .links import RenderedBrief


@dataclass(frozen=True)
class Crumb:
    """One step of the breadcrumb trail: a title and a site path."""

    title: str
    path: str


@dataclass(frozen=True)
class FeedLink:
    """The Atom feed of the briefs a page lists (`feeds`), for its `<link rel="alternate">`."""

    path: str  # the feed's site path
    title: str  # the feed's own title
    # Which new briefs it announces, as the footer says ("Subscribe to new briefs on this
    # topic"): a list's own feed is not the site's, and the footer says whose it is.
    scope: str = N_("on this topic")  # translated where shown (base.html)


def topic_feed_title(site_title: str, topic_name: str) -> str:
    """The title of a topic's feed, as the feed and the links to it give it."""
    return f"{site_title}: {topic_name}"


def topic_feed(config: SiteConfig, name: str, path: str) -> FeedLink:
    """The link to a topic's feed from its pages; `name` typeset, `config` as
    `reader_settings` gives it (the site title of the topic's folder's language)."""
    return FeedLink(urls.feed_path(path), topic_feed_title(config.texts_at(path).title, name))


@dataclass(frozen=True)
class FacetKind:
    """How the pages of one facet besides topics (`catalog.FACETS`) speak of it."""

    folder: str  # where its pages are (`urls.BODIES`, ...), its index page at the folder
    label: str  # "Issuing body": the caption of a value's page and the finder's heading
    plural: str  # "Issuing bodies": the title of the page listing every value
    choose: str  # "Choose an issuing body": the finder's disclosure of its values
    phrase: str  # "from {name}": which briefs a value's page lists, after "3 briefs"
    heading: str = "{name}"  # a value's page title
    # The footer's words for a value's own feed ("from this issuing body"); None: it has no
    # feed of its own (`facet_feed`).
    feed_scope: str | None = None

    def title(self, name: str, lang: str = "en") -> str:
        """The title of the page of one value."""
        return tr(lang, self.heading).format(name=name)

    def described(self, count: int, name: str, lang: str = "en") -> str:
        """How many briefs the page of one value lists, and which ("3 briefs from X")."""
        if not self.phrase:  # a status: "2 withdrawn briefs"
            return ntr(lang, "{count} {status} brief", "{count} {status} briefs", count).format(
                count=count, status=name.lower()
            )
        phrase = tr(lang, self.phrase).format(name=name)
        return ntr(lang, "{count} brief {phrase}", "{count} briefs {phrase}", count).format(
            count=count, phrase=phrase
        )


FACET_KINDS = {
    urls.BODIES: FacetKind(
        urls.BODIES,
        N_("Issuing body"),
        N_("Issuing bodies"),
        N_("Choose an issuing body"),
        N_("from {name}"),
        feed_scope=N_("from this issuing body"),
    ),
    urls.REGIONS: FacetKind(
        urls.REGIONS,
        N_("Region"),
        N_("Regions"),
        N_("Choose a region"),
        N_("that apply to {name}"),
        feed_scope=N_("for this region"),
    ),
    urls.YEARS: FacetKind(
        urls.YEARS,
        N_("Year"),
        N_("Years"),
        N_("Choose a year"),
        N_("published in {name}"),
        heading=N_("Briefs published in {name}"),
        feed_scope=N_("published in this year"),
    ),
    # No feed of its own: the current briefs' feed is the site's, and withdrawn or replaced
    # briefs leave every feed (`feeds`), so theirs would always be empty.
    urls.STATUS: FacetKind(
        urls.STATUS,
        N_("Status"),
        N_("Status"),
        N_("Choose a status"),
        "",
        heading=N_("{name} briefs"),
    ),
}
# Their texts are English message ids (`i18n`): pages translate them for their language, the
# templates the label and choice words (`_(facet.label)`), these functions the rest.
CURRENT = urls.facet_path(urls.STATUS, "current")  # the page of the briefs still current


def value_name(folder: str, name: str, lang: str) -> str:
    """A value of a facet as a page in `lang` names it: a status (`catalog.STATUSES`) is the
    site's own word, translated; an issuing body, region or year is the briefs' own."""
    return tr(lang, name) if folder == urls.STATUS else name


def facet_feed_title(site_title: str, kind: FacetKind, name: str, lang: str = "en") -> str:
    """The title of the feed of one value's briefs, as the feed and the links to it give it."""
    phrase = tr(lang, kind.phrase).format(name=name)
    return tr(lang, "{site}: briefs {phrase}").format(site=site_title, phrase=phrase)


def facet_feed(config: SiteConfig, kind: FacetKind, name: str, path: str) -> FeedLink | None:
    """The feed a value's pages link to (`config` as `reader_settings` gives it): its own,
    the site's for the current briefs (the same briefs; its language's), else none. Titled
    in the language of the value's folder, with that language's site title."""
    config = config.texts_at(path)
    if kind.feed_scope is not None:
        return FeedLink(
            urls.feed_path(path),
            facet_feed_title(config.title, kind, name, config.language_at(path)),
            kind.feed_scope,
        )
    home = urls.in_language(config.folder_at(path), urls.HOME)
    return FeedLink(urls.feed_path(home), config.title) if path == home + CURRENT else None


@dataclass(frozen=True)
class Page:
    """One HTML page to render: its address, template, and the values the template may use."""

    path: str
    template: str
    title: str
    description: str
    lang: str
    context: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    breadcrumbs: tuple[Crumb, ...] = ()
    noindex: bool = False
    # The 404 page is served at whatever address was missing, so its links start at the root.
    root_relative: bool = False
    # What the whole page is made from, when that is less than its context: every field and
    # context value of the page must follow, by code alone, from these (and from the
    # settings, today and the templates, which every page's key covers). A brief's page is
    # keyed by them instead of by its ten-odd derived values, for each of thousands of pages
    # in every build. None: the page is keyed by all it holds.
    inputs: tuple[Any, ...] | None = None
    # The addresses of the briefs a list page shows, for the sitemap's `lastmod`.
    lists: tuple[str, ...] = ()
    # The feed of the briefs this page lists: the site's on the home page and the archive, a
    # topic's on its pages; None elsewhere.
    feed: FeedLink | None = None
    # A brief's page is an article (Open Graph): when it was published and last changed
    # (`Brief.last_modified`, as its feed entry says). None on every other page.
    published: dt.date | None = None
    modified: dt.date | None = None
    # On a site of several languages: the page in each other language (`with_languages`),
    # for the language switcher and `<link rel="alternate" hreflang>`. () on a site of one.
    languages: tuple[LanguageLink, ...] = ()

    @property
    def translations(self) -> tuple[LanguageLink, ...]:
        """The pages in other languages that translate this one (not a language's home page
        stood in for a missing translation): each an `hreflang` alternate."""
        return tuple(link for link in self.languages if link.translation)

    @property
    def default_version(self) -> str | None:
        """The address for `hreflang="x-default"`: the default language's version of the page
        (this page, or its translation), when the page has translations and that is one."""
        if not self.translations:
            return None
        found = [link.path for link in self.languages if link.default and link.translation]
        return found[0] if found else (self.path if not self.languages[0].default else None)


@dataclass(frozen=True)
class LanguageLink:
    """The version of a page in another language, as the language switcher links it: its
    address, its language's tag and name in that language, and whether it translates the
    page (else it is that language's home page: there is no translation)."""

    lang: str
    name: str  # in its own language: English, 中文
    path: str
    translation: bool
    default: bool  # the site's default language (for `x-default`)


@dataclass(frozen=True)
class BriefSummary:
    """What a listing shows of a brief (home, archive, topic pages, related briefs)."""

    slug: str
    path: str
    title: str
    summary: str
    lang: str
    date: dt.date
    number: str | None
    issuing_body: str | None
    region: str | None
    status: str | None
    expires: dt.date | None
    withdrawn: dt.date | None  # the day it was withdrawn
    superseded: bool  # another brief replaces it

    @classmethod
    def of(cls, brief: Brief) -> BriefSummary:
        return cls(
            brief.slug,
            brief.path,
            brief.title,
            brief.summary,
            brief.lang,
            brief.date,
            brief.number,
            brief.issuing_body,
            brief.region,
            brief.status,
            brief.expires,
            brief.withdrawn.date if brief.withdrawn else None,
            brief.superseded_by is not None,
        )

    def in_force_on(self, day: dt.date) -> bool:
        """As `Brief.in_force_on`: listings mark briefs that no longer apply."""
        return in_force(self.status, self.expires, day)


@dataclass(frozen=True)
class TopicLink:
    """A topic as a brief page names it: no count, so a brief filed under the same topic
    does not change this page."""

    name: str
    path: str


@dataclass(frozen=True)
class BriefLink:
    """A brief as a link from the pages beside it shows it: its title alone (with its
    address and language), so that only an edit of its title changes those pages."""

    title: str
    path: str
    lang: str

    @classmethod
    def of(cls, summary: BriefSummary) -> BriefLink:
        return cls(summary.title, summary.path, summary.lang)


@dataclass(frozen=True)
class Neighbours:
    """The briefs beside a brief, as its page links them: the one before and after it in the
    archive (newest first), and the one published before and after it in its series."""

    newer: BriefLink | None = None
    older: BriefLink | None = None
    previous: BriefLink | None = None  # in its series: published before it
    next: BriefLink | None = None  # ... and after it


# The slugs of a brief's `Neighbours`, in its fields' order (None: no such brief).
Adjacent = tuple[str | None, str | None, str | None, str | None]
NO_ADJACENT: Adjacent = (None, None, None, None)


def adjacent_briefs(listed: Sequence[tuple[str, str | None, int]]) -> dict[str, Adjacent]:
    """Each brief's neighbours (`Adjacent`), from every brief's (slug, series, day number)
    in listing order: the archive's neighbours are the briefs listed just before and after;
    a series is read in publication order, oldest first, so its previous brief is the one
    published before. Briefs of one day keep the listing's order among them (by report
    number, then title: part 1 before part 2), which is why the series' order is the
    listing's days reversed, not the listing reversed. A pure function of the order alone,
    for the full build (`catalog.briefs`) and a title edit (`incremental.Listing`) alike."""
    found: dict[str, Adjacent] = {}
    series: dict[str, list[tuple[int, str]]] = {}
    last = len(listed) - 1
    for index, (slug, name, day) in enumerate(listed):
        newer = listed[index - 1][0] if index else None
        older = listed[index + 1][0] if index < last else None
        found[slug] = (newer, older, None, None)
        if name is not None:
            series.setdefault(name, []).append((day, slug))
    for members in series.values():
        days = [list(run) for _, run in groupby(members, key=lambda member: member[0])]
        ordered = [slug for run in reversed(days) for _, slug in run]
        for index, slug in enumerate(ordered):
            before = ordered[index - 1] if index else None
            after = ordered[index + 1] if index < len(ordered) - 1 else None
            found[slug] = (*found[slug][:2], before, after)
    return found


def catalog_adjacent(catalog: Catalog) -> dict[str, Adjacent]:
    """`adjacent_briefs` of a catalog's briefs: of each language's on its own, as each has its
    own archive."""
    if len(catalog.folders) > 1:
        return {
            slug: found
            for folder in catalog.folders
            for slug, found in catalog_adjacent(catalog.edition(folder)).items()
        }
    return adjacent_briefs([(b.slug, b.series, b.date.toordinal()) for b in catalog.briefs])


def neighbours(adjacent: Adjacent, link: Callable[[str], BriefLink]) -> Neighbours:
    """A brief's `Neighbours` from their slugs, each made by `link`."""
    return Neighbours(*(None if slug is None else link(slug) for slug in adjacent))


@dataclass(frozen=True)
class TopicSummary:
    """A topic in a list of topics: its name, page and how many briefs it holds."""

    name: str
    path: str
    count: int


@dataclass(frozen=True)
class FacetLink:
    """An issuing body or a region as a brief's page names it: its page, no count."""

    name: str
    path: str


@dataclass(frozen=True)
class FilterOption:
    """One value readers can filter the briefs by: its name, page and how many briefs it has
    (the finder's links, and the pages listing every value of a facet)."""

    name: str
    path: str
    count: int


@dataclass(frozen=True)
class FinderFacet:
    """One facet of the finder: its heading, its disclosure's words, its values."""

    label: str
    choose: str
    options: tuple[FilterOption, ...]


@dataclass(frozen=True)
class Finder:
    """The "Filter briefs" block of the archive and of every page of one value of a facet:
    plain links to the static pages of each topic, issuing body, region, year and status,
    so filtering needs no server and no JavaScript. One value at a time: a static site
    cannot hold a page for every combination. The same for every page (the template marks
    the page's own value), so it is digested once per build and no title edit changes it."""

    total: int  # every brief: the archive's count
    facets: tuple[FinderFacet, ...]  # only facets some brief has a value of


@dataclass(frozen=True)
class FacetListing:
    """A page of one value of a facet: the facet's `label`, the value's `name` and page
    (`path`: its first page), and this page's briefs."""

    label: str
    name: str
    path: str
    briefs: tuple[BriefSummary, ...]


@dataclass(frozen=True)
class TopicListing:
    """A topic's own page: its briefs (on that page), newest first."""

    name: str
    path: str
    briefs: tuple[BriefSummary, ...]


@dataclass(frozen=True)
class YearLink:
    """A year of publication as the home page links to it: its own page."""

    year: int
    path: str


@dataclass(frozen=True)
class PageLink:
    """One entry of a list's page numbers: a page (`number`, its `path`, whether it is the
    page shown), or a gap ("…") between numbers, when `number` is 0."""

    number: int
    path: str = ""
    current: bool = False


@dataclass(frozen=True)
class Pagination:
    """Where one page of a list stands among the list's pages.

    `links` holds the first and the last page, this one and its neighbours, with gaps between
    (GOV.UK's pagination): a list of 200 pages shows seven entries, not 200.
    """

    number: int  # this page, from 1
    count: int  # how many pages the list has
    previous: str | None  # the site path of the page before, None on the first
    next: str | None  # the site path of the page after, None on the last
    links: tuple[PageLink, ...]
    first: int  # the place in the whole list of this page's first entry, from 1
    last: int  # ... and of its last entry


def page_numbers(current: int, count: int) -> tuple[int, ...]:
    """The page numbers a page of `count` shows, 0 for a gap: the first and last page, the
    current one and one either side; a gap of a single page shows that page instead."""
    wanted = sorted({1, current - 1, current, current + 1, count} & set(range(1, count + 1)))
    shown: list[int] = []
    for number in wanted:
        before = shown[-1] if shown else 0
        if number - before == 2:
            shown.append(before + 1)
        elif number - before > 2:
            shown.append(0)
        shown.append(number)
    return tuple(shown)


def page_count(count: int, size: int) -> int:
    """How many pages a list of `count` entries has, `size` to a page: an empty list still
    has its one page, which says so."""
    return max(1, -(-count // size))


def paginate(
    first: str, count: int, size: int, only: Iterable[int] | None = None
) -> tuple[tuple[Pagination, slice], ...]:
    """The pages of a list of `count` entries, `size` to a page, whose first page is at
    `first`: each page's pagination and the slice of the list it shows. An empty list still
    has its one page, which says so. `only`: just those pages (numbers from 1), in order, for
    a build that makes a few pages of lists two hundred pages long."""
    pages = page_count(count, size)
    made = []
    for number in range(1, pages + 1) if only is None else sorted(only):
        links = tuple(
            PageLink(n, urls.list_page(first, n), n == number) if n else PageLink(0)
            for n in page_numbers(number, pages)
        )
        start = (number - 1) * size
        end = min(start + size, count)
        pagination = Pagination(
            number=number,
            count=pages,
            previous=urls.list_page(first, number - 1) if number > 1 else None,
            next=urls.list_page(first, number + 1) if number < pages else None,
            links=links,
            first=start + 1 if count else 0,
            last=end,
        )
        made.append((pagination, slice(start, end)))
    return tuple(made)


def page_label(title: str, pagination: Pagination, lang: str = "en") -> str:
    """A list page's title: the list's title, and which page when there are several."""
    if pagination.count == 1:
        return title
    return tr(lang, "{title} (page {number} of {count})").format(
        title=title, number=pagination.number, count=pagination.count
    )


def main_topics(topics: Sequence[TopicSummary], limit: int) -> tuple[TopicSummary, ...]:
    """The `limit` topics with the most briefs, those first; equal counts alphabetically (the
    order `topics` is in: the sort is stable)."""
    return tuple(sorted(topics, key=lambda t: -t.count)[:limit])


def reader_settings(config: SiteConfig) -> SiteConfig:
    """The settings with the text readers see (the site's name, description, publisher and
    licence line, in every language of `translations`) typeset as the briefs' text is, once
    per build, for pages and the feed."""
    from .typography import typeset  # loads Markdown: only where pages are made

    def shown(text: str | None) -> str | None:
        return None if text is None else typeset(text)

    return dataclasses.replace(
        config,
        title=typeset(config.title),
        description=typeset(config.description),
        publisher=typeset(config.publisher),
        licence=typeset(config.licence),
        translations=tuple(
            dataclasses.replace(
                texts,
                title=shown(texts.title),
                description=shown(texts.description),
                publisher=shown(texts.publisher),
                licence=shown(texts.licence),
            )
            for texts in config.translations
        ),
    )


@dataclass(frozen=True)
class YearListing:
    """A year's section of the archive."""

    year: int
    anchor: str
    briefs: tuple[BriefSummary, ...]


def _context(**values: Any) -> Mapping[str, Any]:
    """A read-only template context."""
    return MappingProxyType(values)


CONTENTS_MIN = 3  # h2 headings a brief needs before it gets a contents list
HOME_CRUMB = Crumb(N_("Home"), urls.HOME)
ARCHIVE_CRUMB = Crumb(N_("Briefs"), urls.ARCHIVE)
TOPICS_CRUMB = Crumb(N_("Topics"), urls.TOPICS)


def crumbs(lang: str, *steps: Crumb) -> tuple[Crumb, ...]:
    """The site's own steps of a trail (`HOME_CRUMB`, ...) in the page's language."""
    return tuple(Crumb(tr(lang, step.title), step.path) for step in steps)


def crumbs_in(folder: str, crumbs: tuple[Crumb, ...]) -> tuple[Crumb, ...]:
    """A trail in a language's part of the site (`folder`; "" leaves it as it is)."""
    if not folder:
        return crumbs
    return tuple(Crumb(c.title, urls.in_language(folder, c.path)) for c in crumbs)


def build_pages(
    config: SiteConfig,
    catalog: Catalog,
    rendered: Mapping[str, RenderedBrief],
    related: Mapping[str, tuple[str, ...]] | None = None,
    adjacent: Mapping[str, Adjacent] | None = None,
) -> tuple[Page, ...]:
    """Every page of the site, in a fixed order. `related` is `related_briefs(catalog)` and
    `adjacent` is `catalog_adjacent(catalog)`, when the caller has them already. `config` is
    as `reader_settings` gives it."""
    summaries = brief_summaries(catalog)
    related = related_briefs(catalog) if related is None else related
    adjacent = catalog_adjacent(catalog) if adjacent is None else adjacent
    links = topic_links(catalog)
    if config.multilingual:  # each language's lists, in its folder, in `languages`' order
        pages = [
            page
            for lang in config.languages
            for page in listing_pages(
                config, catalog.edition(config.folder_of(lang)), summaries, lang
            )
        ]
    else:
        pages = listing_pages(config, catalog, summaries)
    # One link per brief, shared by the pages beside it (a shared view is fingerprinted once).
    brief_links = {slug: BriefLink.of(summary) for slug, summary in summaries.items()}
    pages.extend(
        listed_brief_page(
            b,
            rendered[b.slug],
            catalog,
            summaries,
            related,
            links,
            config,
            neighbours(adjacent.get(b.slug, NO_ADJACENT), brief_links.__getitem__),
        )
        for b in catalog.briefs
    )
    return tuple(pages)


def brief_summaries(catalog: Catalog) -> dict[str, BriefSummary]:
    """What every listing shows of each brief, by slug."""
    return {brief.slug: BriefSummary.of(brief) for brief in catalog.briefs}


def topic_links(catalog: Catalog) -> dict[str, TopicLink]:
    """Each topic as brief pages name it, by its address: one each, so digested once.

    Topic names are kept as written in briefs (they are keys: a topic's address is made from
    its name); readers see them typeset, once per build.
    """
    from .typography import typeset  # loads Markdown: only where pages are made

    return {t.path: TopicLink(typeset(t.name), t.path) for t in catalog.topics}


def listing_pages(
    config: SiteConfig,
    catalog: Catalog,
    summaries: Mapping[str, BriefSummary],
    language: str | None = None,
) -> list[Page]:
    """Every page but the briefs' own, in `build_pages`' order: the home page, the archive,
    the topics, the page for missing addresses, each topic's list, then for each other
    facet (`catalog.FACETS`) the page of its values and each value's list. They show views
    of front matter alone (`BriefSummary`), never a body. Each is made by one function of
    what it shows (`home_page`, `archive_page`, `topic_page`, `facet_page`), which a build
    that changed a few titles calls for the pages that show them (`incremental`).

    `language`: the language whose lists these are (the catalog holds its briefs alone), for
    a site of several; its pages are in its folder (`SiteConfig.folder_of`)."""
    lang, size = language or config.language, config.page_size
    config = config.texts_in(lang)  # the site's name and description in this language
    folder = config.folder_of(lang)
    home = urls.in_language(folder, urls.HOME)
    links = topic_links(catalog)
    topic_list = tuple(
        TopicSummary(links[t.path].name, t.path, len(t.briefs)) for t in catalog.topics
    )
    current = (summaries[b.slug] for b in catalog.briefs if not b.retired)
    site_feed = FeedLink(urls.feed_path(home), config.title)
    total = len(catalog.briefs)
    pages: list[Page] = [
        home_page(
            config,
            tuple(islice(current, config.latest_count)),
            total,
            topic_list,
            year_links([year.year for year in catalog.years], folder),
            lang,
        )
    ]
    options = {
        folder: tuple(FilterOption(g.name, g.path, len(g.briefs)) for g in groups)
        for folder, groups in catalog.facets.items()
    }
    find = finder(total, topic_list, options, lang)
    archive = urls.in_language(folder, urls.ARCHIVE)
    for pagination, part in paginate(archive, total, size):
        shown = tuple(summaries[b.slug] for b in catalog.briefs[part])
        pages.append(archive_page(pagination, shown, total, lang, site_feed, find, folder))
    pages.append(topics_page(topic_list, lang, folder))
    pages.append(not_found_page(lang, folder))
    for topic in catalog.topics:
        name, count = links[topic.path].name, len(topic.briefs)
        feed = topic_feed(config, name, topic.path)
        for pagination, part in paginate(topic.path, count, size):
            shown = tuple(summaries[b.slug] for b in topic.briefs[part])
            pages.append(
                topic_page(name, topic.path, count, pagination, shown, lang, feed, find, folder)
            )
    for facet in FACETS:
        groups = catalog.facets.get(facet, ())
        if not groups:
            continue
        kind = FACET_KINDS[facet]
        pages.append(facet_index_page(kind, options[facet], lang, folder))
        for group in groups:
            count = len(group.briefs)
            its_feed = facet_feed(config, kind, group.name, group.path)
            for pagination, part in paginate(group.path, count, size):
                shown = tuple(summaries[b.slug] for b in group.briefs[part])
                pages.append(
                    facet_page(
                        kind,
                        group.name,
                        group.path,
                        count,
                        pagination,
                        shown,
                        lang,
                        its_feed,
                        find,
                        folder,
                    )
                )
    return pages


def finder(
    total: int,
    topics: Sequence[TopicSummary],
    options: Mapping[str, tuple[FilterOption, ...]],
    lang: str = "en",
) -> Finder:
    """The finder of a site of `total` briefs with these topics (typeset) and these values
    of the other facets (by folder), in `catalog.FACETS`' order; a facet no brief has a
    value of is left out."""
    topic_options = tuple(FilterOption(t.name, t.path, t.count) for t in topics)
    facets = [FinderFacet(tr(lang, "Topic"), tr(lang, "Choose a topic"), topic_options)]
    for folder in FACETS:
        kind = FACET_KINDS[folder]
        shown = tuple(
            dataclasses.replace(o, name=value_name(folder, o.name, lang))
            for o in options.get(folder, ())
        )
        facets.append(FinderFacet(tr(lang, kind.label), tr(lang, kind.choose), shown))
    return Finder(total, tuple(facet for facet in facets if facet.options))


def home_page(
    config: SiteConfig,
    latest: tuple[BriefSummary, ...],
    total: int,
    topic_list: tuple[TopicSummary, ...],
    years: tuple[YearLink, ...],
    language: str | None = None,
) -> Page:
    """The home page: the newest briefs still current (`latest`: a withdrawn or replaced
    brief is not news), how many there are, the main topics and the years. `language`: whose
    home page, on a site of several (in its folder)."""
    lang = language or config.language
    config = config.texts_in(lang)
    home = urls.in_language(config.folder_of(lang), urls.HOME)
    return Page(
        path=home,
        template="home.html",
        title=config.title,
        description=config.description or config.title,
        lang=lang,
        lists=tuple(b.path for b in latest),
        feed=FeedLink(urls.feed_path(home), config.title),
        context=_context(
            latest=latest,
            total=total,
            topics=main_topics(topic_list, config.main_topic_count),
            topic_total=len(topic_list),
            years=years,
        ),
    )


def archive_page(
    pagination: Pagination,
    shown: tuple[BriefSummary, ...],
    total: int,
    lang: str,
    feed: FeedLink,
    find: Finder,
    folder: str = "",
) -> Page:
    """One page of the archive (every brief, newest first, `page_size` to a page): its
    briefs in sections by year (a year that goes on over a page break has a section on
    both)."""
    by_year: dict[int, list[BriefSummary]] = {}
    for brief in shown:
        by_year.setdefault(brief.date.year, []).append(brief)
    years = tuple(
        YearListing(year, urls.year_anchor(year), tuple(items)) for year, items in by_year.items()
    )
    described = tr(lang, "All {total} briefs by year of publication").format(total=total)
    return Page(
        path=urls.list_page(urls.in_language(folder, urls.ARCHIVE), pagination.number),
        template="archive.html",
        title=page_label(tr(lang, "All briefs"), pagination, lang),
        description=page_label(described, pagination, lang) + tr(lang, "."),
        lang=lang,
        context=_context(years=years, total=total, pagination=pagination, finder=find),
        breadcrumbs=crumbs_in(
            folder,
            list_crumbs(crumbs(lang, HOME_CRUMB), crumbs(lang, ARCHIVE_CRUMB)[0], pagination),
        ),
        lists=tuple(b.path for b in shown),
        feed=feed,
    )


def list_crumbs(
    parents: tuple[Crumb, ...], first: Crumb, pagination: Pagination
) -> tuple[Crumb, ...]:
    """The trail of a page of a list: its parents, and on pages 2 and after the list's first
    page too, which is then a page above this one (the trail never names the page shown)."""
    return parents if pagination.number == 1 else (*parents, first)


def topics_page(topic_list: tuple[TopicSummary, ...], lang: str, folder: str = "") -> Page:
    """The list of topics, with how many briefs each holds."""
    return Page(
        path=urls.in_language(folder, urls.TOPICS),
        template="topics.html",
        title=tr(lang, "Topics"),
        description=tr(lang, "Briefs grouped by topic."),
        lang=lang,
        context=_context(topics=topic_list),
        breadcrumbs=crumbs_in(folder, crumbs(lang, HOME_CRUMB)),
    )


def not_found_page(lang: str, folder: str = "") -> Page:
    """The page served at any address that has none (a language's own in its folder, which
    hosts that look for the nearest 404.html serve under it, as Cloudflare Pages does)."""
    return Page(
        path=urls.in_language(folder, urls.NOT_FOUND),
        template="404.html",
        title=tr(lang, "Page not found"),
        description=tr(lang, "There is no page at this address."),
        lang=lang,
        breadcrumbs=crumbs_in(
            folder, crumbs(lang, HOME_CRUMB)
        ),  # written from the root, as all its links (`root_relative`)
        noindex=True,
        root_relative=True,
    )


def topic_page(
    name: str,
    path: str,
    count: int,
    pagination: Pagination,
    shown: tuple[BriefSummary, ...],
    lang: str,
    feed: FeedLink,
    find: Finder,
    folder: str = "",
) -> Page:
    """One page of a topic's briefs (`count` of them, `page_size` to a page); `name` is
    typeset, `feed` the topic's (`topic_feed`)."""
    described = ntr(lang, "{count} brief on {name}", "{count} briefs on {name}", count)
    described = described.format(count=count, name=name)
    return Page(
        path=urls.list_page(path, pagination.number),
        template="topic.html",
        title=page_label(name, pagination, lang),
        description=page_label(described, pagination, lang) + tr(lang, "."),
        lang=lang,
        context=_context(
            topic=TopicListing(name, path, shown),
            total=count,
            pagination=pagination,
            finder=find,
        ),
        breadcrumbs=list_crumbs(
            crumbs_in(folder, crumbs(lang, HOME_CRUMB, TOPICS_CRUMB)), Crumb(name, path), pagination
        ),
        lists=tuple(b.path for b in shown),
        feed=feed,
    )


def year_links(years: Sequence[int], folder: str = "") -> tuple[YearLink, ...]:
    """Each year (newest first), linked to its own page (in a language's `folder`)."""
    return tuple(
        YearLink(year, urls.in_language(folder, urls.facet_path(urls.YEARS, str(year))))
        for year in years
    )


def facet_index_page(
    kind: FacetKind, values: tuple[FilterOption, ...], lang: str, folder: str = ""
) -> Page:
    """The page listing every value of a facet, with how many briefs each has (as the
    topics page lists topics)."""
    return Page(
        path=urls.in_language(folder, kind.folder),
        template="facets.html",
        title=tr(lang, kind.plural),
        description=tr(lang, "Briefs grouped by {facet}.").format(
            facet=tr(lang, kind.label).lower()
        ),
        lang=lang,
        context=_context(heading=tr(lang, kind.plural), values=values),
        breadcrumbs=crumbs_in(folder, crumbs(lang, HOME_CRUMB)),
    )


def facet_page(
    kind: FacetKind,
    name: str,
    path: str,
    count: int,
    pagination: Pagination,
    shown: tuple[BriefSummary, ...],
    lang: str,
    feed: FeedLink | None,
    find: Finder,
    folder: str = "",
) -> Page:
    """One page of the briefs with one value of a facet (`count` of them, `page_size` to a
    page): as a topic's page, withdrawn and replaced briefs listed with their tags. `feed` is
    `facet_feed`'s."""
    name = value_name(kind.folder, name, lang)
    return Page(
        path=urls.list_page(path, pagination.number),
        template="facet.html",
        title=page_label(kind.title(name, lang), pagination, lang),
        description=page_label(kind.described(count, name, lang), pagination, lang) + tr(lang, "."),
        lang=lang,
        context=_context(
            facet=FacetListing(tr(lang, kind.label), kind.title(name, lang), path, shown),
            total=count,
            pagination=pagination,
            finder=find,
        ),
        breadcrumbs=crumbs_in(folder, crumbs(lang, HOME_CRUMB, Crumb(kind.plural, kind.folder))),
        lists=tuple(b.path for b in shown),
        feed=feed,
    )


def listed_brief_page(
    brief: Brief,
    item: RenderedBrief,
    catalog: Catalog,
    summaries: Mapping[str, BriefSummary],
    related: Mapping[str, tuple[str, ...]],
    links: Mapping[str, TopicLink],
    config: SiteConfig,
    beside: Neighbours,
) -> Page:
    """A brief's page as `build_pages` makes it: `brief` is as the catalog holds it (for its
    topics, related briefs and replacement), `item` its rendered body, `beside` its
    neighbours."""
    return _brief_page(
        item,
        tuple(links[t.path] for t in catalog.topics_of(brief)),
        tuple(summaries[slug] for slug in related.get(brief.slug, ())),
        config,
        _replacement(brief, catalog, summaries),
        beside,
    )


def stand_in_brief_page(brief: Brief) -> Page:
    """A brief's page as the sitemap sees it (its address and what the page says of itself),
    without its body: for a build that lists every page but renders few (`incremental`)."""
    return Page(**_brief_page_fields(brief))


def _replacement(
    brief: Brief, catalog: Catalog, summaries: Mapping[str, BriefSummary]
) -> BriefSummary | None:
    """The brief that replaces `brief`, as its notice links to it (checked to exist)."""
    if brief.superseded_by is None:
        return None
    found = catalog.by_source.get(link_target_path(brief.source_path, brief.superseded_by))
    return summaries[found.slug] if found is not None else None


@dataclass(frozen=True)
class RepositoryLinks:
    """Where a brief's file can be read and edited in its public repository."""

    view: str
    edit: str


def _repository_links(config: SiteConfig, brief: Brief) -> RepositoryLinks | None:
    """'View source' and 'Suggest a change' addresses, when `repo_url` is set."""
    if not config.repo_url or not config.repo_kind:  # no kind: a site.yml warning says why
        return None
    parts = (config.repo_url, config.repo_branch, config.repo_folder, brief.source_path)
    kind = config.repo_kind
    return RepositoryLinks(
        urls.repository_file(*parts, edit=False, kind=kind),
        urls.repository_file(*parts, edit=True, kind=kind),
    )


def _brief_page(
    item: RenderedBrief,
    topics: tuple[TopicLink, ...],
    related: tuple[BriefSummary, ...],
    config: SiteConfig,
    replacement: BriefSummary | None,
    beside: Neighbours,
) -> Page:
    """One brief's page, with its topics, related briefs, the brief replacing it and the
    briefs beside it."""
    return Page(
        **_brief_page_fields(item.brief),
        # The context is derived from these and `config`: a neighbour's new title changes
        # `beside`, and so this page's key.
        inputs=(item, topics, related, replacement, beside),
        context=Deferred(
            lambda: _brief_context(item, topics, related, config, replacement, beside)
        ),
    )


def _brief_page_fields(brief: Brief) -> dict[str, Any]:
    """What a brief's page says of itself, apart from its content: the one place for them,
    so a stand-in (`stand_in_brief_page`) says the same as the page."""
    return dict(
        path=brief.path,
        template="brief.html",
        title=brief.title,
        description=brief.summary,
        lang=brief.lang,
        breadcrumbs=crumbs_in(brief.folder, crumbs(brief.lang, HOME_CRUMB, ARCHIVE_CRUMB)),
        published=brief.date,
        modified=brief.last_modified,
    )


def brief_page(
    item: RenderedBrief,
    topics: tuple[TopicLink, ...],
    related: tuple[BriefSummary, ...],
    config: SiteConfig,
    replacement: BriefSummary | None,
    beside: Neighbours,
) -> Page:
    """One brief's page exactly as `build_pages` makes it, for a build that makes it alone."""
    return _brief_page(item, topics, related, config, replacement, beside)


def _brief_context(
    item: RenderedBrief,
    topics: tuple[TopicLink, ...],
    related: tuple[BriefSummary, ...],
    config: SiteConfig,
    replacement: BriefSummary | None,
    beside: Neighbours,
) -> dict[str, Any]:
    """What brief.html receives."""
    from .citation import reference  # only where a page is rendered, never when none is
    from .typography import typeset  # (loaded already: the body was rendered)

    brief = item.brief
    return dict(
        brief=brief,
        rendered=item,
        topics=topics,
        issuing_body_link=_facet_link(urls.BODIES, brief.issuing_body, brief.folder),
        region_link=_facet_link(urls.REGIONS, brief.region, brief.folder),
        related=related,
        replacement=replacement,
        # The series' name as written is a key (`adjacent_briefs`); readers see it typeset.
        series=None if brief.series is None else typeset(brief.series),
        neighbours=beside,  # (none in its series when it is alone in it, or has none)
        repository=_repository_links(config, brief),
        contents=tuple(h for h in item.toc if h.level == 2) if _has_contents(item) else (),
        updates=tuple(sorted(brief.updates, key=lambda u: u.date, reverse=True)),
        citation=reference(brief, config),
        pdf=None,  # the brief's `pdf.PdfFile`, when the site makes PDFs (`pdf.with_pdf`)
    )


def _facet_link(folder: str, name: str | None, language: str = "") -> FacetLink | None:
    """The link from a brief's page to the page of its issuing body or region (in its
    language's folder): its address follows from the brief alone, so the page's key (its
    brief) covers it."""
    return None if name is None else FacetLink(name, facet_path(folder, name, language))


def breadcrumb_list(page: Page, base_url: str) -> dict[str, Any]:
    """schema.org's `BreadcrumbList` of a page's trail, for search engines: each step with its
    public address, then the page itself by name alone (the form schema.org and Google give
    the current page, which the visible trail leaves out)."""
    steps: list[dict[str, Any]] = [
        {
            "@type": "ListItem",
            "position": number,
            "name": crumb.title,
            "item": urls.absolute(crumb.path, base_url),
        }
        for number, crumb in enumerate(page.breadcrumbs, 1)
    ]
    steps.append({"@type": "ListItem", "position": len(steps) + 1, "name": page.title})
    return {"@context": "https://schema.org", "@type": "BreadcrumbList", "itemListElement": steps}


class Deferred(Mapping[str, Any]):
    """A read-only template context made the first time a template reads it.

    A brief page is keyed by its `inputs`, so a build that skips it (most pages of most builds)
    never spends time making its context.
    """

    def __init__(self, make: Callable[[], dict[str, Any]]) -> None:
        self._make: Callable[[], dict[str, Any]] | None = make
        self._values: Mapping[str, Any] = MappingProxyType({})

    def _made(self) -> Mapping[str, Any]:
        if self._make is not None:
            self._values, self._make = MappingProxyType(self._make()), None
        return self._values

    def __getitem__(self, name: str) -> Any:
        return self._made()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._made())

    def __len__(self) -> int:
        return len(self._made())


def _has_contents(item: RenderedBrief) -> bool:
    """GOV.UK shows a contents list only on pages long enough to need one."""
    return sum(1 for h in item.toc if h.level == 2) >= CONTENTS_MIN


RELATED_CANDIDATES = 50  # newest briefs looked at per topic: keeps large topics linear
RELATED_COUNT = 5


def related_inputs(catalog: Catalog) -> bytes:
    """All that `related_briefs` depends on: the briefs in listing order, whether each is
    retired, and their topics."""
    rows = [
        (b.slug, b.retired, tuple(t.slug for t in catalog.topics_of(b))) for b in catalog.briefs
    ]
    return repr(rows).encode()


def related_briefs(catalog: Catalog, limit: int = RELATED_COUNT) -> dict[str, tuple[str, ...]]:
    """For each brief, the slugs of the other briefs sharing the most topics with it; among
    equals, the ones listed first (`catalog.listing_order`). Withdrawn and replaced briefs are
    not suggested: readers would be sent to what is no longer current.

    Only the newest RELATED_CANDIDATES briefs of each topic are candidates; otherwise a topic
    holding every brief would make this quadratic in the size of the site. Each candidate is
    one integer, `rank - shared * total`, so the smallest are the best, no key function runs
    per candidate, and one sort in C picks them (this loop meets every brief's candidates:
    about a million at 10,000 briefs).

    A site of several languages suggests briefs in the brief's own language (each language's
    catalog on its own).
    """
    if len(catalog.folders) > 1:
        return {
            slug: found
            for folder in catalog.folders
            for slug, found in related_briefs(catalog.edition(folder), limit).items()
        }
    total = len(catalog.briefs)
    rank = {brief.slug: index for index, brief in enumerate(catalog.briefs)}
    heads = {
        topic.path: list(
            islice((rank[b.slug] for b in topic.briefs if not b.retired), RELATED_CANDIDATES)
        )
        for topic in catalog.topics
    }
    found: dict[str, tuple[str, ...]] = {}
    for brief in catalog.briefs:
        shared: Counter[int] = Counter()
        for topic in catalog.topics_of(brief):
            shared.update(heads[topic.path])
        shared.pop(rank[brief.slug], None)
        best = sorted([r - count * total for r, count in shared.items()])[:limit]
        if best:
            found[brief.slug] = tuple(catalog.briefs[value % total].slug for value in best)
    return found


def brief_page_ids(item: RenderedBrief) -> frozenset[str]:
    """Ids a link may target on a brief's page: the body's, plus the template's own sections.

    The template writes its ids from the same declaration (`pageids.IDS`).
    """
    brief = item.brief
    declared = pageids.IDS  # the one declaration, looked up now
    ids = {declared.main_content, declared.history, declared.cite}
    if brief.figures:
        ids.add(declared.key_figures)
    if brief.sources or brief.figures:
        ids.add(declared.sources)
    if item.body.notes_html:  # the body's own: placeholders do not change whether it is empty
        ids.add(declared.notes)
    if _has_contents(item):
        ids.add(declared.contents)
    return item.ids | ids


# Each language's name in itself, as the language switcher writes it (by the tag's primary
# subtag); a language not here is named by its tag.
LANGUAGE_NAMES = {
    "en": "English",
    "zh": "中文",
    "fr": "Français",
    "de": "Deutsch",
    "es": "Español",
    "ja": "日本語",
    "ko": "한국어",
    "ru": "Русский",
    "ar": "العربية",
    "pt": "Português",
}


def language_name(tag: str) -> str:
    """A language's name in that language (`LANGUAGE_NAMES`), else its tag."""
    return LANGUAGE_NAMES.get(urls.language_folder(tag), tag)


def with_languages(config: SiteConfig, catalog: Catalog, pages: Iterable[Page]) -> list[Page]:
    """Each page with its versions in the site's other languages (`Page.languages`), on a
    site of several; the pages as they are on a site of one.

    A brief's page pairs with its translations (`Catalog.translations_of`); any other page
    with the page at the same address in the other language's folder (the archive with the
    archive, the year 2020 with the year 2020; a topic named alike in both). A language with
    no such page is linked at its home page, which every language has. Pairs are found from
    the set of pages, so both sides of each pair name each other."""
    made = list(pages)
    if not config.multilingual:
        return made
    folders = {lang: config.folder_of(lang) for lang in config.languages}
    at = {page.path for page in made}
    by_path = {b.path: b for b in catalog.briefs}
    result = []
    for page in made:
        own = config.language_at(page.path)
        brief = by_path.get(page.path) if page.template == "brief.html" else None
        if brief is not None:
            found = catalog.translations_of(brief)
            versions = {lang: b.path for lang, b in found.items() if b.path in at}
        else:
            inside = page.path[len(folders[own]) + 1 :] if folders[own] else page.path
            versions = {
                lang: path
                for lang in config.languages
                if (path := urls.in_language(folders[lang], inside)) in at
            }
        links = tuple(
            LanguageLink(
                lang,
                language_name(lang),
                versions.get(lang) or urls.in_language(folders[lang], urls.HOME),
                lang in versions,
                lang == config.language,
            )
            for lang in config.languages
            if lang != own
        )
        result.append(with_language_links(page, links))
    return result


def with_language_links(page: Page, links: tuple[LanguageLink, ...]) -> Page:
    """`page` with the links to its versions in the other languages, which are part of what
    its key is made of (`Page.inputs`): a page whose versions change is rendered again."""
    inputs = None if page.inputs is None else (*page.inputs, links)
    return dataclasses.replace(page, languages=links, inputs=inputs)
