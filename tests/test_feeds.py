"""The Atom feeds (the site's and each topic's) and the sitemap's dates, read back with a real
feed parser (feedparser) and XML parser, from real builds in temporary folders."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import feedparser
import pytest
from conftest import build_site, parse, write_site

from briefsite.config import SiteConfig, load_config
from briefsite.feeds import FEED_SIZE
from briefsite.output import published_hashes
from briefsite.pipeline import BuildOptions, BuildResult, build, publish

ATOM = "{http://www.w3.org/2005/Atom}"
BASE = "https://example.org/briefs-site/"
TODAY = dt.date(2024, 5, 1)


def brief(title: str, date: str, topics: str = "[Land]", extra: str = "", body: str = "") -> str:
    return (
        f"---\ntitle: {title}\ndate: {date}\nsummary: About {title}.\ntopics: {topics}\n"
        f"{extra}---\n## Terms\n\n{body or 'Text.'}\n"
    )


NOTED = "updates:\n  - date: 2024-03-01\n    note: Figures revised.\n"
WITHDRAWN = "withdrawn:\n  date: 2024-04-01\n  reason: The policy ended.\n"
BRIEFS = {
    "old.md": brief("Old but revised", "2020-01-01", extra=NOTED),
    "new.md": brief("New brief", "2024-02-01", topics="[Land, Trade]"),
    "older.md": brief("Older brief", "2019-05-05", topics="[Trade]"),
    "gone.md": brief("Withdrawn brief", "2023-01-01", topics="[Land, Trade]", extra=WITHDRAWN),
    "replaced.md": brief("Replaced brief", "2022-01-01", extra="superseded_by: new.md\n"),
    "zh.md": brief("青岛 <土地> & 投资", "2021-01-01", extra="lang: zh\n"),
}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = write_site(tmp_path_factory.mktemp("feeds") / "s", BRIEFS)
    return build_site(site, site / "out")


def read_feed(path: Path) -> Any:
    """The feed as feedparser reads it, after checking that it is well-formed XML."""
    data = path.read_bytes()
    ET.fromstring(data)  # raises on anything that is not well-formed
    parsed = feedparser.parse(data)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    return parsed


def titles(parsed: Any) -> list[str]:
    return [entry.title for entry in parsed.entries]


# --------------------------------------------------------------------------- the site feed


def test_the_site_feed_is_valid_atom_ordered_by_last_change(built: Path) -> None:
    parsed = read_feed(built / "feed.xml")
    # The brief revised in March 2024 comes first: its change note is its newest date.
    assert titles(parsed) == ["Old but revised", "New brief", "青岛 <土地> & 投资", "Older brief"]
    first = parsed.entries[0]
    assert first.published == "2020-01-01T00:00:00Z"
    assert first.updated == "2024-03-01T00:00:00Z"
    assert first.link == BASE + "briefs/old/"
    assert first.id == BASE + "briefs/old/"
    assert first.summary == "About Old but revised."
    assert [tag.term for tag in first.tags] == ["Land"]
    # The feed's own date is the newest of its entries'.
    assert parsed.feed.updated == "2024-03-01T00:00:00Z"
    assert parsed.feed.title == "Test briefs"
    links = {link.rel: link.href for link in parsed.feed.links}
    assert links == {"self": BASE + "feed.xml", "alternate": BASE}


def test_text_is_escaped_and_other_languages_are_marked(built: Path) -> None:
    parsed = read_feed(built / "feed.xml")
    [zh] = [e for e in parsed.entries if e.link.endswith("/briefs/zh/")]
    assert zh.title == "青岛 <土地> & 投资"
    root = ET.parse(built / "feed.xml").getroot()
    langs = {
        e.findtext(f"{ATOM}title"): e.get("{http://www.w3.org/XML/1998/namespace}lang")
        for e in root.iter(f"{ATOM}entry")
    }
    assert langs["青岛 <土地> & 投资"] == "zh"
    assert langs["New brief"] is None  # the site's language, given once on the feed


def test_withdrawn_and_replaced_briefs_leave_the_feeds_but_not_the_sitemap(built: Path) -> None:
    # GOV.UK: a withdrawn page stays, with its notice, but leaves search and the feeds.
    for feed in ("feed.xml", "topics/land/feed.xml", "topics/trade/feed.xml"):
        shown = titles(read_feed(built / feed))
        assert "Withdrawn brief" not in shown, feed
        assert "Replaced brief" not in shown, feed
    sitemap = sitemap_dates(built)
    assert sitemap[BASE + "briefs/gone/"] == "2024-04-01"  # the day it was withdrawn
    assert sitemap[BASE + "briefs/replaced/"] == "2022-01-01"
    assert (built / "briefs" / "gone" / "index.html").is_file()


# ---------------------------------------------------------------------------- topic feeds


def test_each_topic_has_its_own_feed(built: Path) -> None:
    land = read_feed(built / "topics" / "land" / "feed.xml")
    assert land.feed.title == "Test briefs: Land"
    assert titles(land) == ["Old but revised", "New brief", "青岛 <土地> & 投资"]
    links = {link.rel: link.href for link in land.feed.links}
    assert links == {"self": BASE + "topics/land/feed.xml", "alternate": BASE + "topics/land/"}
    assert land.feed.id == BASE + "topics/land/"
    trade = read_feed(built / "topics" / "trade" / "feed.xml")
    assert titles(trade) == ["New brief", "Older brief"]
    assert trade.feed.updated == "2024-02-01T00:00:00Z"


def alternates(page: Path) -> list[tuple[str, str]]:
    doc = parse(page)
    return [
        (link["attrs"]["title"], link["attrs"]["href"])  # type: ignore[index]
        for link in doc.find_all("link", rel="alternate", type="application/atom+xml")
    ]


@pytest.mark.parametrize(
    ("page", "feed"),
    [
        ("index.html", ("Test briefs", "feed.xml")),
        ("briefs/index.html", ("Test briefs", "../feed.xml")),
        ("topics/land/index.html", ("Test briefs: Land", "feed.xml")),
        ("topics/trade/index.html", ("Test briefs: Trade", "feed.xml")),
    ],
)
def test_list_pages_link_the_feed_of_what_they_list(built: Path, page: str, feed: tuple) -> None:
    assert alternates(built / page) == [feed]
    target = (built / page).parent / feed[1]
    assert target.is_file()


@pytest.mark.parametrize("page", ["briefs/new/index.html", "topics/index.html", "404.html"])
def test_other_pages_link_no_feed_in_their_head(built: Path, page: str) -> None:
    assert alternates(built / page) == []


def test_a_topic_page_offers_its_feed_and_the_sites_in_the_footer(built: Path) -> None:
    html = (built / "topics" / "land" / "index.html").read_text(encoding="utf-8")
    footer = re.search(r'<p class="site-footer__feed">(.*?)</p>', html)
    assert footer and "Subscribe to new briefs on this topic" in footer.group(1)
    assert re.findall(r'href="([^"]+)"', footer.group(1)) == ["feed.xml", "../../feed.xml"]


# ------------------------------------------------------------------------- size and edits


def test_a_feed_holds_the_most_recently_changed_briefs(tmp_path: Path) -> None:
    many = {f"b{i:02d}.md": brief(f"Brief {i}", f"2020-01-{i % 28 + 1:02d}") for i in range(55)}
    many["b00.md"] = brief("Brief 0", "2019-01-01", extra=NOTED)  # the oldest, revised
    out = build_site(write_site(tmp_path / "s", many), tmp_path / "out")
    parsed = read_feed(out / "feed.xml")
    assert len(parsed.entries) == FEED_SIZE
    assert parsed.entries[0].title == "Brief 0"
    updated = [e.updated for e in parsed.entries]
    assert updated == sorted(updated, reverse=True)


def config_of(site: Path) -> SiteConfig:
    config = load_config(site, site / "site")
    assert isinstance(config, SiteConfig), config
    return config


def rebuild(site: Path) -> BuildResult:
    config = config_of(site)
    result = build(config, BuildOptions(today=TODAY, jobs=1), published_hashes(config.output))
    assert result.ok, result.problems
    publish(result, config)
    return result


FEEDS_AND_SITEMAP = ("feed.xml", "topics/land/feed.xml", "topics/trade/feed.xml", "sitemap.xml")


def test_a_body_edit_reuses_every_feed_and_a_title_edit_makes_them_again(tmp_path: Path) -> None:
    site = write_site(tmp_path / "s", BRIEFS)
    rebuild(site)
    (site / "briefs" / "new.md").write_text(
        brief("New brief", "2024-02-01", "[Land, Trade]", body="New words.")
    )
    outputs = {o.path: o for o in rebuild(site).outputs}
    assert all(outputs[path].data is None for path in FEEDS_AND_SITEMAP)  # kept as they are
    assert "New words." in (site / "site" / "briefs" / "new" / "index.html").read_text()

    (site / "briefs" / "new.md").write_text(brief("Renamed brief", "2024-02-01", "[Land, Trade]"))
    rebuild(site)
    for path in FEEDS_AND_SITEMAP[:3]:
        assert "Renamed brief" in titles(read_feed(site / "site" / path)), path


# ------------------------------------------------------------------------------ the sitemap


def sitemap_dates(out: Path) -> dict[str, str | None]:
    root = ET.parse(out / "sitemap.xml").getroot()
    ns = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    return {u.findtext(f"{ns}loc") or "": u.findtext(f"{ns}lastmod") for u in root}


def test_sitemap_dates_are_the_feeds_dates(built: Path) -> None:
    dates = sitemap_dates(built)
    for entry in read_feed(built / "feed.xml").entries:
        assert dates[entry.link] == entry.updated[:10], entry.link
    assert dates[BASE] == "2024-03-01"  # the newest of the current briefs the home page lists
    assert dates[BASE + "topics/trade/"] == "2024-04-01"  # it lists the withdrawn brief too
    assert not any(loc.endswith("feed.xml") for loc in dates)
