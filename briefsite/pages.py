"""Which pages the site has, and exactly what each template receives.

This is the template contract (MkDocs' `TemplateContext`, Zola's read-only pages are the model):
every template gets `site`, `page` and the named values of its `Page.context`, all immutable.
No Jinja here: `render` turns `Page`s into bytes.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from . import pageids, urls
from .catalog import Catalog, Topic
from .config import SiteConfig
from .frontmatter import Brief

if TYPE_CHECKING:  # markup loads Markdown, Pygments and nh3: only for the type here
    from .markup import RenderedBrief


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


def _context(**values: Any) -> Mapping[str, Any]:
    """A read-only template context."""
    return MappingProxyType(values)


CONTENTS_MIN = 3  # h2 headings a brief needs before it gets a contents list
HOME_CRUMB = Crumb("Home", urls.HOME)
ARCHIVE_CRUMB = Crumb("Briefs", urls.ARCHIVE)
TOPICS_CRUMB = Crumb("Topics", urls.TOPICS)


def build_pages(
    config: SiteConfig, catalog: Catalog, rendered: Mapping[str, RenderedBrief]
) -> tuple[Page, ...]:
    """Every page of the site, in a fixed order."""
    lang = config.language
    pages: list[Page] = [
        Page(
            path=urls.HOME,
            template="home.html",
            title=config.title,
            description=config.description or config.title,
            lang=lang,
            context=_context(
                latest=catalog.briefs[: config.latest_count],
                total=len(catalog.briefs),
                topics=catalog.topics,
                years=catalog.years,
            ),
        ),
        Page(
            path=urls.ARCHIVE,
            template="archive.html",
            title="All briefs",
            description=f"All {len(catalog.briefs)} briefs by year of publication.",
            lang=lang,
            context=_context(years=catalog.years, total=len(catalog.briefs)),
            breadcrumbs=(HOME_CRUMB,),
        ),
        Page(
            path=urls.TOPICS,
            template="topics.html",
            title="Topics",
            description="Briefs grouped by topic.",
            lang=lang,
            context=_context(topics=catalog.topics),
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
    pages.extend(_topic_page(topic, lang) for topic in catalog.topics)
    pages.extend(_brief_page(rendered[b.slug], catalog, config) for b in catalog.briefs)
    return tuple(pages)


def _topic_page(topic: Topic, lang: str) -> Page:
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


def _brief_page(item: RenderedBrief, catalog: Catalog, config: SiteConfig) -> Page:
    """One brief's page, with its topics resolved to pages and related briefs listed."""
    brief = item.brief
    topics = catalog.topics_of(brief)
    return Page(
        path=brief.path,
        template="brief.html",
        title=brief.title,
        description=brief.summary,
        lang=brief.lang,
        context=_context(
            brief=brief,
            rendered=item,
            topics=topics,
            related=_related(brief, topics),
            repository=_repository_links(config, brief),
            contents=tuple(h for h in item.toc if h.level == 2) if _has_contents(item) else (),
            updates=tuple(sorted(brief.updates, key=lambda u: u.date, reverse=True)),
        ),
        breadcrumbs=(HOME_CRUMB, ARCHIVE_CRUMB),
    )


def _has_contents(item: RenderedBrief) -> bool:
    """GOV.UK shows a contents list only on pages long enough to need one."""
    return sum(1 for h in item.toc if h.level == 2) >= CONTENTS_MIN


RELATED_CANDIDATES = 50  # newest briefs looked at per topic: keeps large topics linear


def _related(brief: Brief, topics: Sequence[Topic], limit: int = 5) -> tuple[Brief, ...]:
    """Other recent briefs sharing the most topics with this one, newest first.

    Only the newest RELATED_CANDIDATES briefs of each topic are candidates; otherwise a topic
    holding every brief would make this quadratic in the size of the site.
    """
    shared: dict[str, tuple[int, Brief]] = {}
    for topic in topics:
        for other in topic.briefs[:RELATED_CANDIDATES]:
            if other.slug != brief.slug:
                count, _ = shared.get(other.slug, (0, other))
                shared[other.slug] = (count + 1, other)
    ranked = heapq.nsmallest(  # the same as sorted(...)[:limit], without sorting them all
        limit,
        shared.values(),
        key=lambda pair: (-pair[0], -pair[1].date.toordinal(), pair[1].title.casefold()),
    )
    return tuple(b for _, b in ranked[:limit])


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
    if item.notes_html:
        ids.add(declared.notes)
    if _has_contents(item):
        ids.add(declared.contents)
    return item.ids | ids
