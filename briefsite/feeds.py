"""The Atom feed of published briefs (RFC 4287), newest first.

Readers subscribe to it in feed readers and email services. Every value is escaped for XML,
and every date comes from the briefs (or git), never from the clock, so rebuilds are identical.
Titles, summaries and the site's name arrive typeset (`compiled.typeset_brief`,
`pages.reader_settings`), as the pages show them; a category's `term` is the topic as written,
the key it is filed under.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from . import urls
from .catalog import Catalog, last_changed
from .config import SiteConfig
from .output import Output

FEED_SIZE = 50  # entries; feed readers only need what is new


def _stamp(day: dt.date) -> str:
    """An Atom date-time for a calendar date."""
    return f"{day.isoformat()}T00:00:00Z"


def build_feed(config: SiteConfig, catalog: Catalog, modified: Mapping[str, dt.date]) -> Output:
    """`feed.xml`: one entry per brief; `updated` is its newest change note or git commit."""
    from xml.sax.saxutils import escape, quoteattr  # loads urllib.request: only when used

    entries = catalog.briefs[:FEED_SIZE]
    updated = {b.slug: last_changed(b, modified) for b in entries}
    newest = max(updated.values(), default=dt.date(2000, 1, 1))
    author = config.publisher or config.title
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang={quoteattr(config.language)}>',
        f"<title>{escape(config.title)}</title>",
    ]
    if config.description:
        lines.append(f"<subtitle>{escape(config.description)}</subtitle>")
    lines += [
        f"<id>{escape(urls.absolute(urls.HOME, config.base_url))}</id>",
        f'<link rel="self" href={quoteattr(urls.absolute(urls.FEED, config.base_url))}/>',
        f"<link href={quoteattr(urls.absolute(urls.HOME, config.base_url))}/>",
        f"<updated>{_stamp(newest)}</updated>",
        f"<author><name>{escape(author)}</name></author>",
    ]
    for brief in entries:
        address = urls.absolute(brief.path, config.base_url)
        lines += [
            "<entry>",
            f"<title>{escape(brief.title)}</title>",
            f"<id>{escape(address)}</id>",
            f"<link href={quoteattr(address)}/>",
            f"<published>{_stamp(brief.date)}</published>",
            f"<updated>{_stamp(updated[brief.slug])}</updated>",
            f"<summary>{escape(brief.summary)}</summary>",
            *(f"<category term={quoteattr(topic)}/>" for topic in brief.topics),
            "</entry>",
        ]
    lines.append("</feed>")
    return Output(urls.FEED, ("\n".join(lines) + "\n").encode("utf-8"))
