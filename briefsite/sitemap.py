"""`sitemap.xml` and `robots.txt`, so search engines find every brief and its last change."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from . import urls
from .catalog import Catalog, last_changed
from .config import SiteConfig
from .output import Output
from .pages import Page


def build_sitemap(
    config: SiteConfig,
    catalog: Catalog,
    pages: Sequence[Page],
    modified: Mapping[str, dt.date],
) -> tuple[Output, Output]:
    """The sitemap of every indexable page (each page of a paginated list included), and a
    robots.txt that points to it.

    A brief's `lastmod` is its git commit date when known, else its newest change note; a
    list page's is the newest of the briefs it shows (`Page.lists`); any other page's the
    newest of all. The sitemap holds addresses and dates only: no text to typeset.
    """
    from xml.sax.saxutils import escape  # loads urllib.request: only when used

    changed = {b.path: last_changed(b, modified) for b in catalog.briefs}
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
