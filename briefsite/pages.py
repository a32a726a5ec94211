"""Which pages the site has, and exactly what each template receives.

This is the template contract (MkDocs' `TemplateContext`, Zola's read-only pages are the model):
every template gets `site`, `page` and the named values of its `Page.context`, all immutable.
No Jinja here: `render` turns `Page`s into bytes.

A page receives only what it shows. A listing gets `BriefSummary` views (title, summary, date,
address, ...), never whole briefs, and a brief page names its topics by `TopicLink`: so editing
a brief's body changes the inputs of its own page alone, and the build skips every other page
(`pipeline.render_pages` keys each page by a digest of its context).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from . import pageids, urls
from .brief import Brief, in_force
from .catalog import Catalog
from .config import SiteConfig

if TYPE_CHECKING:  # links loads Markdown, Pygments and nh3: only for the type here
    from .links import RenderedBrief


@dataclass(frozen=True)
class Crumb:
    """One step of the breadcrumb trail: a title and a site path."""

    title: str
    path: str


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
class TopicSummary:
    """A topic in a list of topics: its name, page and how many briefs it holds."""

    name: str
    path: str
    count: int


@dataclass(frozen=True)
class TopicListing:
    """A topic's own page: its briefs, newest first."""

    name: str
    path: str
    briefs: tuple[BriefSummary, ...]


@dataclass(frozen=True)
class YearLink:
    """A year of publication as the home page links to it."""

    year: int
    path: str


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
HOME_CRUMB = Crumb("Home", urls.HOME)
ARCHIVE_CRUMB = Crumb("Briefs", urls.ARCHIVE)
TOPICS_CRUMB = Crumb("Topics", urls.TOPICS)


def build_pages(
    config: SiteConfig,
    catalog: Catalog,
    rendered: Mapping[str, RenderedBrief],
    related: Mapping[str, tuple[str, ...]] | None = None,
) -> tuple[Page, ...]:
    """Every page of the site, in a fixed order. `related` is `related_briefs(catalog)`, when
    the caller has it already."""
    lang = config.language
    summaries = {brief.slug: BriefSummary.of(brief) for brief in catalog.briefs}
    topics = tuple(
        TopicListing(t.name, t.path, tuple(summaries[b.slug] for b in t.briefs))
        for t in catalog.topics
    )
    topic_list = tuple(TopicSummary(t.name, t.path, len(t.briefs)) for t in topics)
    years = tuple(
        YearListing(y.year, y.anchor, tuple(summaries[b.slug] for b in y.briefs))
        for y in catalog.years
    )
    related = related_briefs(catalog) if related is None else related
    links = {t.path: TopicLink(t.name, t.path) for t in topics}  # one each: digested once
    pages: list[Page] = [
        Page(
            path=urls.HOME,
            template="home.html",
            title=config.title,
            description=config.description or config.title,
            lang=lang,
            context=_context(
                latest=tuple(summaries[b.slug] for b in catalog.briefs[: config.latest_count]),
                total=len(catalog.briefs),
                topics=topic_list,
                years=tuple(YearLink(y.year, y.path) for y in catalog.years),
            ),
        ),
        Page(
            path=urls.ARCHIVE,
            template="archive.html",
            title="All briefs",
            description=f"All {len(catalog.briefs)} briefs by year of publication.",
            lang=lang,
            context=_context(years=years, total=len(catalog.briefs)),
            breadcrumbs=(HOME_CRUMB,),
        ),
        Page(
            path=urls.TOPICS,
            template="topics.html",
            title="Topics",
            description="Briefs grouped by topic.",
            lang=lang,
            context=_context(topics=topic_list),
            breadcrumbs=(HOME_CRUMB,),
        ),
        Page(
            path=urls.NOT_FOUND,
            template="404.html",
            title="Page not found",
            description="There is no page at this address.",
            lang=lang,
            noindex=True,
            root_relative=True,
        ),
    ]
    pages.extend(_topic_page(topic, lang) for topic in topics)
    pages.extend(
        _brief_page(
            rendered[b.slug],
            tuple(links[t.path] for t in catalog.topics_of(b)),
            tuple(summaries[slug] for slug in related.get(b.slug, ())),
            config,
        )
        for b in catalog.briefs
    )
    return tuple(pages)


def _topic_page(topic: TopicListing, lang: str) -> Page:
    """The list of briefs under one topic."""
    count = len(topic.briefs)
    return Page(
        path=topic.path,
        template="topic.html",
        title=topic.name,
        description=f"{count} brief{'s' if count != 1 else ''} on {topic.name}.",
        lang=lang,
        context=_context(topic=topic),
        breadcrumbs=(HOME_CRUMB, TOPICS_CRUMB),
    )


@dataclass(frozen=True)
class RepositoryLinks:
    """Where a brief's file can be read and edited in its public repository."""

    view: str
    edit: str


def _repository_links(config: SiteConfig, brief: Brief) -> RepositoryLinks | None:
    """'View source' and 'Suggest a change' addresses, when `repo_url` is set."""
    if not config.repo_url:
        return None
    parts = (config.repo_url, config.repo_branch, config.repo_folder, brief.source_path)
    return RepositoryLinks(
        urls.repository_file(*parts, edit=False), urls.repository_file(*parts, edit=True)
    )


def _brief_page(
    item: RenderedBrief,
    topics: tuple[TopicLink, ...],
    related: tuple[BriefSummary, ...],
    config: SiteConfig,
) -> Page:
    """One brief's page, with its topics and related briefs."""
    brief = item.brief
    return Page(
        inputs=(item, topics, related),  # the context is derived from these and `config`
        path=brief.path,
        template="brief.html",
        title=brief.title,
        description=brief.summary,
        lang=brief.lang,
        context=Deferred(lambda: _brief_context(item, topics, related, config)),
        breadcrumbs=(HOME_CRUMB, ARCHIVE_CRUMB),
    )


def brief_page(
    item: RenderedBrief,
    topics: tuple[TopicLink, ...],
    related: tuple[BriefSummary, ...],
    config: SiteConfig,
) -> Page:
    """One brief's page exactly as `build_pages` makes it, for a build that makes it alone."""
    return _brief_page(item, topics, related, config)


def _brief_context(
    item: RenderedBrief,
    topics: tuple[TopicLink, ...],
    related: tuple[BriefSummary, ...],
    config: SiteConfig,
) -> dict[str, Any]:
    """What brief.html receives."""
    brief = item.brief
    return dict(
        brief=brief,
        rendered=item,
        topics=topics,
        related=related,
        repository=_repository_links(config, brief),
        contents=tuple(h for h in item.toc if h.level == 2) if _has_contents(item) else (),
        updates=tuple(sorted(brief.updates, key=lambda u: u.date, reverse=True)),
    )


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
    """All that `related_briefs` depends on: the briefs in listing order with their topics."""
    rows = [(b.slug, tuple(t.slug for t in catalog.topics_of(b))) for b in catalog.briefs]
    return repr(rows).encode()


def related_briefs(catalog: Catalog, limit: int = RELATED_COUNT) -> dict[str, tuple[str, ...]]:
    """For each brief, the slugs of the other briefs sharing the most topics with it; among
    equals, the ones listed first (newest, then by title).

    Only the newest RELATED_CANDIDATES briefs of each topic are candidates; otherwise a topic
    holding every brief would make this quadratic in the size of the site. Each candidate is
    one integer, `rank - shared * total`, so the smallest are the best, no key function runs
    per candidate, and one sort in C picks them (this loop meets every brief's candidates:
    about a million at 10,000 briefs).
    """
    total = len(catalog.briefs)
    rank = {brief.slug: index for index, brief in enumerate(catalog.briefs)}
    heads = {
        topic.slug: [rank[b.slug] for b in topic.briefs[:RELATED_CANDIDATES]]
        for topic in catalog.topics
    }
    found: dict[str, tuple[str, ...]] = {}
    for brief in catalog.briefs:
        shared: Counter[int] = Counter()
        for topic in catalog.topics_of(brief):
            shared.update(heads[topic.slug])
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
    ids = {declared.main_content, declared.history}
    if brief.figures:
        ids.add(declared.key_figures)
    if brief.sources or brief.figures:
        ids.add(declared.sources)
    if item.body.notes_html:  # the body's own: placeholders do not change whether it is empty
        ids.add(declared.notes)
    if _has_contents(item):
        ids.add(declared.contents)
    return item.ids | ids
