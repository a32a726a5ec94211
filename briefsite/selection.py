"""Which briefs a run publishes, and what it says about the ones it holds back.

A build publishes briefs that are neither drafts nor dated after its today (unless `--drafts`
or `--future`). `check` reads every brief, drafts and scheduled ones included, so each link is
checked as the build that first publishes its brief will check it: a published brief may not
link to a draft, and a brief scheduled for 1 June may not link to one scheduled for 1 July,
because the daily build of 1 June would fail. A draft's day is unknown, so any brief it links
to will do. One rule here serves the build, `check` and the messages about both.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .brief import Brief

# Up to this many held-back briefs a build names one per line; more get one summary line,
# so a repository with hundreds of drafts does not bury the build's own report.
NAMED_AT_MOST = 5


@dataclass(frozen=True)
class HeldBack:
    """A valid brief a build left out: its file, and its date when it waits for that date
    (None for a draft)."""

    path: str
    scheduled: dt.date | None = None

    @property
    def reason(self) -> str:
        """Why, in a few words: 'a draft', 'scheduled for 2024-06-01'."""
        if self.scheduled is None:
            return "a draft"
        return f"scheduled for {self.scheduled.isoformat()}"


@dataclass(frozen=True)
class Selection:
    """The briefs a build publishes: today's, plus drafts and later ones when asked."""

    today: dt.date
    drafts: bool = False
    future: bool = False

    def held_back(self, brief: Brief, day: dt.date | None = None) -> str:
        """Why a valid brief stays out of the build made on `day` (default: today), or ""."""
        day = day or self.today
        if brief.draft and not self.drafts:
            return "it is a draft"
        if brief.date > day and not self.future:
            return f"it is scheduled for {brief.date.isoformat()}"
        return ""

    def first_day(self, brief: Brief) -> dt.date | None:
        """The day of the first build that publishes `brief`: today, its own date when it is
        scheduled, None for a draft (nobody knows)."""
        if brief.draft and not self.drafts:
            return None
        return self.today if brief.date <= self.today or self.future else brief.date

    def missing_when_published(self, source: Brief, target: Brief) -> tuple[str, dt.date | None]:
        """Why `target` will not be published in the build that first publishes `source`
        ("" when it will), and that build's day when it is later than today."""
        day = self.first_day(source)
        if day is None:
            return "", None
        reason = self.held_back(target, day)
        return reason, (day if day > self.today else None)

    def held(self, briefs: Iterable[Brief]) -> tuple[HeldBack, ...]:
        """The briefs of `briefs` this selection leaves out, in the order given."""
        return tuple(
            HeldBack(b.source_path, None if b.draft and not self.drafts else b.date)
            for b in briefs
            if self.held_back(b)
        )


def counts(briefs: Iterable[Brief], today: dt.date) -> tuple[int, int]:
    """How many of `briefs` are drafts, and how many others are dated after `today`."""
    drafts = scheduled = 0
    for brief in briefs:
        if brief.draft:
            drafts += 1
        elif brief.date > today:
            scheduled += 1
    return drafts, scheduled


def checked_line(total: int, drafts: int, scheduled: int) -> str:
    """`check`'s count: 'Checked 8 briefs (1 draft, 0 scheduled)', so the number matches the
    files in briefs/ and says how many of them a build would not publish today."""
    noun = "brief" if total == 1 else "briefs"
    draft_noun = "draft" if drafts == 1 else "drafts"
    return f"Checked {total} {noun} ({drafts} {draft_noun}, {scheduled} scheduled)"


def held_back_lines(held: Sequence[HeldBack]) -> list[str]:
    """What a build says about the briefs it left out: one line each, or one line for all
    past `NAMED_AT_MOST`, with the option that would include them."""
    if len(held) <= NAMED_AT_MOST:
        return [
            f"Held back {item.path}: {item.reason} ({_option(item)} to include it)."
            for item in held
        ]
    drafts = sum(1 for item in held if item.scheduled is None)
    dates = sorted(item.scheduled for item in held if item.scheduled is not None)
    parts = []
    if drafts:
        parts.append(f"{drafts} draft{'s' if drafts > 1 else ''} (--drafts to include)")
    if dates:
        parts.append(
            f"{len(dates)} scheduled for later, the first for {dates[0].isoformat()} "
            "(--future to include)"
        )
    return [f"Held back {len(held)} briefs: " + " and ".join(parts) + "."]


def _option(item: HeldBack) -> str:
    """The command-line option that would publish a held-back brief."""
    return "--drafts" if item.scheduled is None else "--future"
