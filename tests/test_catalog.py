"""The whole-site model: listing order, topics, years, collisions and links between briefs."""

from __future__ import annotations

from briefsite import urls
from briefsite.brief import Brief
from briefsite.catalog import build_catalog, link_target_path, topic_slug
from briefsite.frontmatter import load_brief
from briefsite.problems import Severity
from briefsite.schema import SLUG_RE
from briefsite.source import make_source


def make_brief(
    path: str, *, title: str = "A brief", date: str = "2020-01-01", front: str = ""
) -> Brief:
    """A brief loaded from file text through the real source and front-matter stages."""
    text = f"---\ntitle: {title}\ndate: {date}\nsummary: What it says.\n{front}---\nBody.\n"
    loaded = load_brief(make_source(path, text), "en")
    assert isinstance(loaded, Brief), loaded
    return loaded


def slugs(briefs) -> list[str]:
    return [b.slug for b in briefs]


def test_briefs_are_listed_newest_first_then_by_title():
    old = make_brief("briefs/old.md", title="Old", date="2019-05-01")
    zebra = make_brief("briefs/zebra.md", title="Zebra", date="2021-02-03")
    apple = make_brief("briefs/apple.md", title="apple", date="2021-02-03")
    newest = make_brief("briefs/newest.md", title="Newest", date="2022-01-01")

    catalog, problems = build_catalog([old, zebra, newest, apple])

    assert problems == []
    assert slugs(catalog.briefs) == ["newest", "apple", "zebra", "old"]


def test_briefs_with_the_same_date_and_title_are_ordered_by_slug():
    second = make_brief("briefs/b-second.md", title="Same")
    first = make_brief("briefs/a-first.md", title="Same")

    catalog, _ = build_catalog([second, first])

    assert slugs(catalog.briefs) == ["a-first", "b-second"]


def test_listing_order_does_not_depend_on_input_order():
    briefs = [
        make_brief("briefs/a.md", title="Alpha", date="2020-01-01"),
        make_brief("briefs/b.md", title="Beta", date="2020-06-01"),
        make_brief("briefs/c.md", title="Gamma", date="2020-06-01"),
    ]

    forward, _ = build_catalog(briefs)
    backward, _ = build_catalog(list(reversed(briefs)))

    assert slugs(forward.briefs) == slugs(backward.briefs) == ["b", "c", "a"]


def test_topics_are_alphabetical_and_list_their_briefs_newest_first():
    land_old = make_brief("briefs/land-old.md", date="2019-01-01", front="topics: [Land, Trade]\n")
    land_new = make_brief("briefs/land-new.md", date="2021-01-01", front="topics: [Land]\n")
    invest = make_brief("briefs/invest.md", date="2020-01-01", front="topics: [investment]\n")

    catalog, problems = build_catalog([land_old, land_new, invest])

    assert problems == []
    assert [t.name for t in catalog.topics] == ["investment", "Land", "Trade"]
    by_name = {t.name: t for t in catalog.topics}
    assert slugs(by_name["Land"].briefs) == ["land-new", "land-old"]
    assert slugs(by_name["Trade"].briefs) == ["land-old"]
    assert slugs(by_name["investment"].briefs) == ["invest"]


def test_topic_has_a_slug_and_page_address():
    brief = make_brief("briefs/a.md", front="topics: [Land and planning]\n")

    catalog, _ = build_catalog([brief])

    (topic,) = catalog.topics
    assert topic.slug == "land-and-planning"
    assert topic.path == "topics/land-and-planning/"
    assert urls.topic_path(topic_slug("Land and planning")) == "topics/land-and-planning/"


def test_a_topic_written_twice_in_one_brief_lists_it_once():
    brief = make_brief("briefs/a.md", front="topics: [Land, Land]\n")

    catalog, problems = build_catalog([brief])

    assert problems == []
    assert [(t.name, slugs(t.briefs)) for t in catalog.topics] == [("Land", ["a"])]


def test_topics_without_latin_letters_get_distinct_usable_addresses():
    land = make_brief("briefs/land.md", front="topics: [土地]\n")
    invest = make_brief("briefs/invest.md", front="topics: [招商]\n")

    catalog, problems = build_catalog([land, invest])

    assert problems == []
    topic_slugs = [t.slug for t in catalog.topics]
    assert len(set(topic_slugs)) == 2
    assert all(SLUG_RE.fullmatch(slug) for slug in topic_slugs)
    assert {t.path for t in catalog.topics} == {f"topics/{s}/" for s in topic_slugs}
    assert urls.topic_path(topic_slug("土地")) in {t.path for t in catalog.topics}


def test_years_are_newest_first_with_their_briefs():
    briefs = [
        make_brief("briefs/a.md", date="2019-03-01"),
        make_brief("briefs/b.md", date="2020-01-15"),
        make_brief("briefs/c.md", date="2020-11-30"),
        make_brief("briefs/d.md", date="2018-07-07"),
    ]

    catalog, _ = build_catalog(briefs)

    assert [(y.year, slugs(y.briefs)) for y in catalog.years] == [
        (2020, ["c", "b"]),
        (2019, ["a"]),
        (2018, ["d"]),
    ]


def test_duplicate_slug_is_reported_in_each_file_naming_the_other():
    top = make_brief("briefs/land-offer.md")
    nested = make_brief("briefs/sub/land-offer.md")

    _, problems = build_catalog([top, nested])

    assert len(problems) == 2
    by_path = {p.path: p for p in problems}
    assert set(by_path) == {"briefs/land-offer.md", "briefs/sub/land-offer.md"}
    assert all(p.severity is Severity.ERROR for p in problems)
    assert "slug 'land-offer'" in by_path["briefs/land-offer.md"].message
    assert "briefs/sub/land-offer.md" in by_path["briefs/land-offer.md"].message
    assert "briefs/land-offer.md" in by_path["briefs/sub/land-offer.md"].message


def test_duplicate_slug_points_at_the_slug_field_when_written():
    written = make_brief("briefs/a.md", front="number: QB-1\nslug: land-offer\n")
    from_name = make_brief("briefs/land-offer.md")

    _, problems = build_catalog([written, from_name])

    by_path = {p.path: p for p in problems}
    # The 'slug:' value sits on line 6, column 7, of briefs/a.md.
    assert (by_path["briefs/a.md"].line, by_path["briefs/a.md"].col) == (6, 7)
    assert (
        by_path["briefs/a.md"].message == "slug 'land-offer' is also used by briefs/land-offer.md"
    )


def test_distinct_slugs_are_not_reported():
    _, problems = build_catalog([make_brief("briefs/a.md"), make_brief("briefs/sub/b.md")])

    assert problems == []


def test_topic_spelt_differently_is_an_error():
    first = make_brief("briefs/a.md", front="topics: [Land]\n")
    second = make_brief("briefs/b.md", front="topics: [land]\n")

    _, problems = build_catalog([first, second])

    (problem,) = problems
    assert problem.severity is Severity.ERROR
    assert problem.path == "briefs/b.md"
    assert problem.message == "topic 'land' is spelt differently from 'Land' in briefs/a.md"
    assert (problem.line, problem.col) == (5, 9)  # the topics value in briefs/b.md
    assert problem.hint


def test_topic_differing_in_punctuation_is_an_error():
    first = make_brief("briefs/a.md", front="topics: [Land and planning]\n")
    second = make_brief("briefs/b.md", front="topics: [land-and-planning]\n")

    _, problems = build_catalog([first, second])

    assert len(problems) == 1
    assert "land-and-planning" in problems[0].message
    assert "Land and planning" in problems[0].message


def test_same_topic_spelt_the_same_way_is_fine():
    first = make_brief("briefs/a.md", front="topics: [Land]\n")
    second = make_brief("briefs/b.md", front="topics: [Land]\n")

    catalog, problems = build_catalog([first, second])

    assert problems == []
    assert [slugs(t.briefs) for t in catalog.topics] == [["a", "b"]]


def test_link_targets_resolve_relative_paths():
    top = make_brief("briefs/land-offer.md")
    nested = make_brief("briefs/sub/deep.md")
    catalog, _ = build_catalog([top, nested])

    assert catalog.by_source.get(link_target_path("briefs/other.md", "land-offer.md")) is top
    assert catalog.by_source.get(link_target_path("briefs/other.md", "./land-offer.md")) is top
    assert catalog.by_source.get(link_target_path("briefs/other.md", "sub/deep.md")) is nested
    assert catalog.by_source.get(link_target_path("briefs/sub/deep.md", "../land-offer.md")) is top
    assert catalog.by_source.get(link_target_path("briefs/sub/deep.md", "deep.md")) is nested
    assert (
        catalog.by_source.get(link_target_path("briefs/sub/deep.md", "../sub/./deep.md")) is nested
    )


def test_link_targets_that_are_not_briefs_find_none():
    top = make_brief("briefs/land-offer.md")
    catalog, _ = build_catalog([top])

    assert catalog.by_source.get(link_target_path("briefs/other.md", "missing.md")) is None
    # From a subfolder, a bare name is looked up in that subfolder.
    assert catalog.by_source.get(link_target_path("briefs/sub/deep.md", "land-offer.md")) is None
    assert catalog.by_source.get(link_target_path("briefs/other.md", "../land-offer.md")) is None
    assert (
        catalog.by_source.get(link_target_path("briefs/other.md", "../../briefs/land-offer.md"))
        is None
    )


def test_by_source_maps_every_file_to_its_brief():
    top = make_brief("briefs/land-offer.md")
    nested = make_brief("briefs/sub/deep.md")

    catalog, _ = build_catalog([top, nested])

    assert dict(catalog.by_source) == {
        "briefs/land-offer.md": top,
        "briefs/sub/deep.md": nested,
    }
