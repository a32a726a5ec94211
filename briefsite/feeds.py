"""Atom feeds (RFC 4287): the site's, and one per topic, issuing body, region and year, of
its most recently changed briefs.

Readers subscribe to them in feed readers and email services; `pages` links each from the
pages that list the same briefs (`<link rel="alternate">`: the home page, the archive and the
current briefs' page to the site's feed, a topic's pages to its own, and so on; the pages of
withdrawn and replaced briefs to none, as such briefs leave the feeds).

What an entry says follows GOV.UK's rules for updates:

- `updated` is `Brief.last_modified`: the newest change note, else the day it was published;
  never a commit date, so a typo fix announces nothing. The feed's own `updated` is the newest
  of its entries'. Entries are ordered by it, newest first, so a brief with a new change note
  comes back to the top, where subscribers see it, as GOV.UK's feeds order by its "public
  updated" time.
- A withdrawn or replaced brief leaves the feeds, as GOV.UK's withdrawn pages leave its
  search and so the feeds made from it: the page stays, with its notice, but a withdrawal is
  not news sent to subscribers. (Feed readers keep the entries they have.)

Every value is escaped for XML and every date comes from the briefs, never from the clock, so
rebuilds are identical. Titles, summaries and the site's name arrive typeset
(`compiled.typeset_brief`, `pages.reader_settings`), as the pages show them; a category's
`term` is the topic as written, the key it is filed under.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from . import urls
from .brief import Brief
from .catalog import Catalog
from .config import SiteConfig
from .output import Output
from .pages import FACET_KINDS, facet_feed_title, topic_feed_title

FEED_SIZE = 50  # entries; feed readers only need what is new
NO_DATE = dt.date(2000, 1, 1)  # a feed must say when it was updated, even with no briefs


def _stamp(day: dt.date) -> str:
    """An Atom date-time for a calendar date."""
    return f"{day.isoformat()}T00:00:00Z"


def feed_entries(briefs: Sequence[Brief]) -> list[Brief]:
    """What a feed of these briefs (in listing order) holds: the FEED_SIZE most recently
    changed of those still current, newest change first, then in listing order."""
    current = [(index, b) for index, b in enumerate(briefs) if not b.retired]
    current.sort(key=lambda pair: (-pair[1].last_modified.toordinal(), pair[0]))
    return [brief for _, brief in current[:FEED_SIZE]]


def build_feeds(config: SiteConfig, catalog: Catalog) -> list[Output]:
    """`feed.xml`, `topics/<key>/feed.xml` for every topic, and the feed in the folder of
    each issuing body's, region's and year's page (`bodies/<key>/feed.xml`, ...); on a site
    of several languages, each language's in its folder (`zh/feed.xml`, `zh/topics/...`),
    whose `xml:lang` is that language's. `config` is as `pages.reader_settings` gives it
    (the site's name typeset)."""
    from .typography import typeset  # topic names as pages show them; Markdown is loaded

    if config.multilingual:  # each language's own, in its folder (zh/feed.xml), always there
        feeds = [
            _feed(config, home, config.texts_at(home).title, found)
            for folder in ("", *config.language_folders)
            for home in [urls.in_language(folder, urls.HOME)]
            for found in [tuple(b for b in catalog.briefs if b.folder == folder)]
        ]
    else:
        feeds = [_feed(config, urls.HOME, config.title, catalog.briefs)]
    for topic in catalog.topics:
        title = topic_feed_title(config.texts_at(topic.path).title, typeset(topic.name))
        feeds.append(_feed(config, topic.path, title, topic.briefs))
    for folder, groups in catalog.facets.items():
        kind = FACET_KINDS[folder]
        if kind.feed_scope is None:
            continue  # statuses: see `pages.facet_feed`
        for group in groups:
            site_title, lang = config.texts_at(group.path).title, config.language_at(group.path)
            title = facet_feed_title(site_title, kind, group.name, lang)
            feeds.append(_feed(config, group.path, title, group.briefs))
    return feeds


def _feed(config: SiteConfig, listing: str, title: str, briefs: Sequence[Brief]) -> Output:
    """The feed of one list of briefs, whose page is at `listing`."""
    entries = feed_entries(briefs)
    # With no current brief (every one withdrawn), the list itself last changed when they did.
    newest = max((b.last_modified for b in entries or briefs), default=NO_DATE)
    return feed(config, listing, title, entries, newest)


def feed(
    config: SiteConfig, listing: str, title: str, entries: Sequence[Brief], newest: dt.date
) -> Output:
    """A feed of `entries` (as `feed_entries` chose them), last changed on `newest`, for the
    list at `listing`; an edit that changed an entry's title makes it again with this."""
    from xml.sax.saxutils import escape, quoteattr  # loads urllib.request: only when used

    page = urls.absolute(listing, config.base_url)
    language = config.language_at(listing)  # a language's feeds are in its folder
    config = config.texts_in(language)  # ... and say what the site is in that language
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang={quoteattr(language)}>',
        f"<title>{escape(title)}</title>",
    ]
    if config.description:
        lines.append(f"<subtitle>{escape(config.description)}</subtitle>")
    self_link = urls.absolute(urls.feed_path(listing), config.base_url)
    lines += [
        f"<id>{escape(page)}</id>",
        f'<link rel="self" type="application/atom+xml" href={quoteattr(self_link)}/>',
        f'<link rel="alternate" type="text/html" href={quoteattr(page)}/>',
        f"<updated>{_stamp(newest)}</updated>",
        f"<author><name>{escape(config.publisher or config.title)}</name></author>",
    ]
    for brief in entries:
        address = urls.absolute(brief.path, config.base_url)
        lang = f" xml:lang={quoteattr(brief.lang)}" if brief.lang != language else ""
        lines += [
            f"<entry{lang}>",
            f"<title>{escape(brief.title)}</title>",
            f"<id>{escape(address)}</id>",
            f'<link rel="alternate" type="text/html" href={quoteattr(address)}/>',
            f"<published>{_stamp(brief.date)}</published>",
            f"<updated>{_stamp(brief.last_modified)}</updated>",
            *(f"<author><name>{escape(name)}</name></author>" for name in brief.authors),
            f"<summary>{escape(brief.summary)}</summary>",
            *(f"<category term={quoteattr(topic)}/>" for topic in brief.topics),
            "</entry>",
        ]
    lines.append("</feed>")
    return Output(urls.feed_path(listing), ("\n".join(lines) + "\n").encode("utf-8"))
