"""`Brief`: a brief whose front matter passed validation, the central value every later stage
trusts (catalog, markup, pages, checks). `frontmatter` makes it from a file (and `compiled`
a stand-in, never published, for a file whose front matter failed, to check its text).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from . import schema, urls


def in_force(status: str | None, expires: dt.date | None, day: dt.date) -> bool:
    """Whether a policy still applies on `day`: not marked expired, and not past `expires`."""
    if status == "expired":
        return False
    return expires is None or expires >= day


@dataclass(frozen=True)
class Brief:
    """A brief whose front matter passed validation: everything later stages may trust."""

    source_path: str
    # The brief's key, unique in the site: its slug, after its language's folder when that is
    # not the site's default (`zh/land-offer`, `urls.brief_key`); `own_slug` is the slug.
    slug: str
    lang: str
    title: str
    date: dt.date
    summary: str
    body_markdown: str
    body_line: int  # the file line the body starts on, to place body problems
    number: str | None = None
    topics: tuple[str, ...] = ()
    series: str | None = None  # as written: it is a key, shared by the briefs of one series
    region: str | None = None
    issuing_body: str | None = None
    authors: tuple[str, ...] = ()
    status: str | None = None
    effective: dt.date | None = None
    expires: dt.date | None = None
    updates: tuple[schema.Update, ...] = ()
    figures: tuple[schema.Figure, ...] = ()
    sources: tuple[schema.SourceRef, ...] = ()
    withdrawn: schema.Withdrawal | None = None
    superseded_by: str | None = None  # another brief's file, as written (`check` resolves it)
    aliases: tuple[str, ...] = ()  # old addresses, as site paths (`schema.normal_alias`)
    draft: bool = False
    # What its translations share (`translation_key`, else its file's path in briefs/ without
    # `.md` and the language suffix); "" for a brief made outside a site (a stand-in).
    translation_key: str = ""
    # (field, line, column) of each front-matter value, so whole-site checks (two briefs with
    # one slug, one figure with two values) can point at the exact place in each file.
    positions: tuple[tuple[str, int, int], ...] = ()

    def figure_position(self, index: int) -> tuple[int, int]:
        """Line and column of the `index`-th figure (from 0), or of `figures:` if unknown."""
        name = f"figures[{index + 1}]"
        for key, line, col in self.positions:
            if key == name:
                return line, col
        return self.position("figures")

    def position(self, name: str) -> tuple[int, int]:
        """Line and column of a front-matter field's value; the opening '---' when absent."""
        for key, line, col in self.positions:
            if key == name:
                return line, col
        return 1, 1

    @property
    def own_slug(self) -> str:
        """The slug as the brief's address ends in, without its language's folder."""
        return urls.key_parts(self.slug)[1]

    @property
    def folder(self) -> str:
        """Its language's folder ("" for the site's default language)."""
        return urls.key_parts(self.slug)[0]

    @property
    def path(self) -> str:
        """The brief's page address, decided by `urls`."""
        return urls.brief_path(self.slug)

    def in_force_on(self, day: dt.date) -> bool:
        """False once the policy has expired: by its status, or because `expires` has passed."""
        return in_force(self.status, self.expires, day)

    @property
    def retired(self) -> bool:
        """Withdrawn or replaced by another brief: still published at its address and listed
        where a complete list is expected, but no longer among the latest briefs (GOV.UK's
        withdrawn publications stay up, with a notice)."""
        return self.withdrawn is not None or self.superseded_by is not None

    @property
    def last_updated(self) -> dt.date:
        """The newest change-note date, or the publication date when there is none."""
        return max((u.date for u in self.updates), default=self.date)

    @property
    def last_modified(self) -> dt.date:
        """When the brief last changed for its readers, as every feed entry, sitemap `lastmod`
        and `article:modified_time` says: its newest change note, or its withdrawal if later,
        else the day it was published.

        Never a commit date: a commit that fixes a typo is no change readers are told of
        (GOV.UK's rule: only a change note makes an update), and a page that says "First
        published 7 April 2020" must not be announced as changed the day of any commit.
        """
        withdrawn = self.withdrawn.date if self.withdrawn is not None else self.date
        return max(self.last_updated, withdrawn)
