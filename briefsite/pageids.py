"""The ids a brief's page gives its own sections, declared once.

Templates write them from here (`{{ ids.key_figures }}`), the link check accepts links to
them from here (`pages.brief_page_ids`), and `markup` keeps a brief's own headings and raw
HTML off them. Renaming one here renames it everywhere; a test builds a page and checks that
the ids it carries are exactly these.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass


@dataclass(frozen=True)
class PageIds:
    """Each section's id on a brief's page (and the main landmark's, on every page)."""

    main_content: str = "main-content"  # every page: the skip link's target
    contents: str = "contents"
    key_figures: str = "key-figures"
    notes: str = "notes"
    sources: str = "sources"
    history: str = "history"
    related_title: str = "related-title"
    draft_title: str = "draft-title"
    expired_title: str = "expired-title"
    withdrawn_title: str = "withdrawn-title"
    cite: str = "cite"  # "Cite this brief"
    site_search: str = "site-search-words"  # every page with search on: the header's box


IDS = PageIds()
PAGE_IDS: tuple[str, ...] = tuple(str(value) for value in dataclasses.astuple(IDS))


def page_ids() -> tuple[str, ...]:
    """The ids of `IDS` (looked up when called, so every user sees one declaration)."""
    # (`dataclasses.astuple` copies each value deeply: a hundredth of the time of compiling
    # a brief, which looks up its page's ids once per heading.)
    return tuple(str(getattr(IDS, field.name)) for field in dataclasses.fields(IDS))
