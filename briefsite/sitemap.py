"""`sitemap.xml` and `robots.txt`, so search engines find every brief and its last change."""

from __future__ import annotations

from collections.abc import Sequence

from . import urls
from .catalog import Catalog
from .config import SiteConfig
from .output import Output
from .pages import Page


def build_sitemap(
    config: SiteConfig, catalog: Catalog, pages: Sequence[Page]
) -> tuple[Output, Output]:
    """The sitemap of every indexable page (each page of a paginated list included), and a
    robots.txt that points to it.

    A brief's `lastmod` is `Brief.last_modified`, as its feed entry's `updated` (its newest
    change note or withdrawal, else its publication: never a commit date); a list page's is
    the newest of the briefs it shows (`Page.lists`); any other page's the newest of all.
    Withdrawn briefs stay: their pages do. The sitemap holds addresses and dates only: no
    text to typeset. Redirects from `aliases` are no pages of their own, so not listed.
    A page with translations lists each version and x-default as `xhtml:link` alternates
    (Google's form), itself included, as its `<link rel="alternate" hreflang>` do.
    """
    from xml.sax.saxutils import escape  # loads urllib.request: only when used

    changed = {b.path: b.last_modified for b in catalog.briefs}
    newest = max(changed.values(), default=None)
    pairs = any(page.translations for page in pages)
    namespaces = ' xmlns:xhtml="http://www.w3.org/1999/xhtml"' if pairs else ""
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"{namespaces}>',
    ]
    for page in pages:
        if page.noindex:
            continue
        lastmod = changed.get(page.path)
        if lastmod is None:
            lastmod = max((changed[path] for path in page.lists), default=newest)
        lines.append("<url>")
        lines.append(f"<loc>{escape(urls.absolute(page.path, config.base_url))}</loc>")
        if lastmod:
            lines.append(f"<lastmod>{lastmod.isoformat()}</lastmod>")
        lines += [_alternate(lang, path, config.base_url) for lang, path in _versions(page)]
        lines.append("</url>")
    lines.append("</urlset>")
    sitemap = Output(urls.SITEMAP, ("\n".join(lines) + "\n").encode("utf-8"))
    robots_text = (
        f"User-agent: *\nAllow: /\n\nSitemap: {urls.absolute(urls.SITEMAP, config.base_url)}\n"
    )
    return sitemap, Output(urls.ROBOTS, robots_text.encode("utf-8"))


def _versions(page: Page) -> list[tuple[str, str]]:
    """(hreflang, site path) of each version of a page with translations, itself first, then
    x-default (`Page.default_version`); none for a page without translations."""
    if not page.translations:
        return []
    found = [(page.lang, page.path), *((v.lang, v.path) for v in page.translations)]
    if page.default_version is not None:
        found.append(("x-default", page.default_version))
    return found


def _alternate(lang: str, path: str, base_url: str) -> str:
    """One `xhtml:link` alternate of a sitemap entry."""
    from xml.sax.saxutils import quoteattr

    href = quoteattr(urls.absolute(path, base_url))
    return f'<xhtml:link rel="alternate" hreflang={quoteattr(lang)} href={href}/>'
