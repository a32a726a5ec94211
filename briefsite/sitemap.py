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
    """
    from xml.sax.saxutils import escape  # loads urllib.request: only when used

    changed = {b.path: b.last_modified for b in catalog.briefs}
    newest = max(changed.values(), default=None)
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
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
        lines.append("</url>")
    lines.append("</urlset>")
    sitemap = Output(urls.SITEMAP, ("\n".join(lines) + "\n").encode("utf-8"))
    robots_text = (
        f"User-agent: *\nAllow: /\n\nSitemap: {urls.absolute(urls.SITEMAP, config.base_url)}\n"
    )
    return sitemap, Output(urls.ROBOTS, robots_text.encode("utf-8"))
