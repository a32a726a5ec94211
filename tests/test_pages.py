"""The template contract: which pages exist, what each receives, and related briefs."""

from __future__ import annotations

from test_catalog import make_brief, slugs

from briefsite.catalog import build_catalog
from briefsite.pages import RELATED_CANDIDATES, BriefSummary, related_briefs


def test_related_briefs_share_the_most_topics_first_then_are_newest():
    this = make_brief("briefs/this.md", front="topics: [Land, Tax, Energy]\n")
    two_old = make_brief("briefs/two-old.md", date="2019-01-01", front="topics: [Land, Tax]\n")
    one_new = make_brief("briefs/one-new.md", date="2021-01-01", front="topics: [Land]\n")
    one_newer = make_brief("briefs/one-newer.md", date="2022-01-01", front="topics: [Energy]\n")
    unrelated = make_brief("briefs/unrelated.md", date="2023-01-01", front="topics: [Ports]\n")
    catalog, _ = build_catalog([this, two_old, one_new, one_newer, unrelated])

    related = related_briefs(catalog)

    assert related["this"] == ("two-old", "one-newer", "one-new")
    assert related["two-old"] == ("this", "one-new")
    assert "unrelated" not in related  # nothing shares its topic: no section on its page


def test_related_briefs_are_at_most_five_and_ties_follow_the_listing_order():
    briefs = [
        make_brief(f"briefs/b{n}.md", title=f"Same {n % 2}", front="topics: [Land]\n")
        for n in range(8)
    ]
    catalog, _ = build_catalog(briefs)

    related = related_briefs(catalog)

    others = [s for s in slugs(catalog.briefs) if s != "b0"]
    assert related["b0"] == tuple(others[:5])  # one date: by title, then by slug


def test_only_the_newest_briefs_of_a_topic_are_candidates():
    briefs = [
        make_brief(f"briefs/b{n:03}.md", date=f"{2000 + n // 12}-{n % 12 + 1:02}-01",
                   front="topics: [Land]\n")
        for n in range(RELATED_CANDIDATES + 10)
    ]  # fmt: skip
    catalog, _ = build_catalog(briefs)

    related = related_briefs(catalog)

    oldest = catalog.briefs[-1].slug
    assert related[oldest] == tuple(slugs(catalog.briefs[:5]))


def test_a_summary_holds_what_listings_show_and_agrees_on_expiry():
    brief = make_brief(
        "briefs/land-offer.md",
        title="Land offer",
        front="number: QD-1\nissuing_body: Qingdao\nstatus: in-force\nexpires: 2021-06-01\n",
    )

    summary = BriefSummary.of(brief)

    assert (summary.slug, summary.path, summary.title) == ("land-offer", brief.path, "Land offer")
    assert (summary.number, summary.issuing_body) == ("QD-1", "Qingdao")
    for day in (brief.expires, brief.expires.replace(day=2)):
        assert summary.in_force_on(day) is brief.in_force_on(day)
