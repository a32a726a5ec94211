"""Pages per issuing body, region, year and status, their feeds, and the finder that links
them (issue #14): real builds in temporary folders, pages parsed, feeds read by feedparser."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import feedparser
import pytest
from conftest import (
    SITE_YML,
    Page,
    build_site,
    parse,
    run_build,
    site_files,
    without_excerpts,
    write_site,
)

from briefsite import urls
from briefsite.config import BUILTIN_TEMPLATES, SiteConfig, load_config
from briefsite.output import published_hashes
from briefsite.pipeline import BuildOptions, build, publish

BASE = "https://example.org/briefs-site/"  # conftest's SITE_YML: a site under a sub-path
TODAY = dt.date(2024, 5, 1)
COMMERCE = "Bureau of Commerce"
CHINESE_BODY = "青岛市商务局"
# A Chinese name gets its address in pinyin, as a topic's does (never hex code points).
CHINESE_PATH = "bodies/qing-dao-shi-shang-wu-ju/"


def brief(
    title: str, day: str, body: str | None = None, region: str | None = None, extra: str = ""
) -> str:
    fields = f"issuing_body: {body}\n" if body else ""
    fields += f"region: {region}\n" if region else ""
    return (
        f"---\ntitle: {title}\ndate: {day}\nsummary: About {title}.\ntopics: [Land]\n"
        f"{fields}{extra}---\n## Terms\n\nText.\n"
    )


WITHDRAWN = "withdrawn:\n  date: 2021-04-01\n  reason: The policy ended.\n"
BRIEFS = {
    "a.md": brief("Alpha", "2021-03-01", COMMERCE, "Qingdao"),
    "b.md": brief("Bravo", "2021-02-01", COMMERCE, "Jinan"),
    "c.md": brief("Charlie", "2020-06-01", "Planning Office", "Qingdao", WITHDRAWN),
    "d.md": brief("Delta", "2020-05-01", COMMERCE, "Qingdao", "superseded_by: a.md\n"),
    "e.md": brief("Echo", "2019-01-01"),
    "f.md": brief("Foxtrot", "2021-01-15", CHINESE_BODY, "Qingdao"),
}
PAGED = SITE_YML + "page_size: 2\n"


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_site(tmp_path_factory.mktemp("facets") / "s", BRIEFS, PAGED)


@pytest.fixture(scope="module")
def built(source: Path) -> Path:
    return build_site(source, source.parent / "out")


def listed(page: Path) -> list[str]:
    """The titles a list page shows, in order."""
    doc = parse(page)
    return [Page.text(h) for h in doc.find_all("h2", class_="brief-list__title")]


def page_file(out: Path, path: str) -> Path:
    return out / urls.output_file(path)


def read_feed(path: Path) -> Any:
    """The feed as feedparser reads it, after checking that it is well-formed XML."""
    data = path.read_bytes()
    ET.fromstring(data)
    parsed = feedparser.parse(data)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    return parsed


# ------------------------------------------------------------------ pages of each value


# Each value's briefs, page by page (two to a page), newest first; withdrawn and replaced
# briefs stay in lists, as on topic pages.
LISTS = {
    "bodies/bureau-of-commerce/": [["Alpha", "Bravo"], ["Delta"]],
    "bodies/planning-office/": [["Charlie"]],
    CHINESE_PATH: [["Foxtrot"]],
    "regions/qingdao/": [["Alpha", "Foxtrot"], ["Charlie", "Delta"]],
    "regions/jinan/": [["Bravo"]],
    "years/2021/": [["Alpha", "Bravo"], ["Foxtrot"]],
    "years/2020/": [["Charlie", "Delta"]],
    "years/2019/": [["Echo"]],
    "status/current/": [["Alpha", "Bravo"], ["Foxtrot", "Echo"]],
    "status/withdrawn/": [["Charlie"]],
    "status/replaced/": [["Delta"]],
}


@pytest.mark.parametrize("path", LISTS)
def test_each_value_lists_exactly_its_briefs_in_order_over_its_pages(built: Path, path: str):
    pages = LISTS[path]
    for number, titles in enumerate(pages, start=1):
        assert listed(page_file(built, urls.list_page(path, number))) == titles, number
    assert not page_file(built, urls.list_page(path, len(pages) + 1)).exists()


def test_no_page_is_made_for_a_value_no_brief_has(built: Path) -> None:
    made = {p.relative_to(built).as_posix() for p in built.rglob("index.html")}
    for folder in (urls.BODIES, urls.REGIONS, urls.YEARS, urls.STATUS):
        found = {path.removesuffix("index.html") for path in made if path.startswith(folder)}
        wanted = {folder} | {
            urls.list_page(path, n)
            for path, pages in LISTS.items()
            if path.startswith(folder)
            for n in range(1, len(pages) + 1)
        }
        assert found == wanted, folder


def test_a_value_page_says_what_it_lists_and_marks_retired_briefs(built: Path) -> None:
    first = parse(page_file(built, "regions/qingdao/"))
    assert [Page.text(p) for p in first.find_all("p", class_="caption")] == ["Region"]
    assert [Page.text(h) for h in first.find_all("h1")] == ["Qingdao"]
    lead = Page.text(first.find_all("p", class_="lead")[0])
    assert lead == "4 briefs, newest first. Page 1 of 2: briefs 1 to 2."
    title = Page.text(first.find_all("title")[0])
    assert title == "Qingdao (page 1 of 2) \u2013 Test briefs"
    second = page_file(built, "regions/qingdao/page/2/")
    tags = [Page.text(t) for t in parse(second).find_all("strong", class_="tag")]
    assert tags == ["Withdrawn", "Replaced"]
    html = second.read_text(encoding="utf-8")
    assert '<link rel="prev" href="../../">' in html
    year = parse(page_file(built, "years/2021/"))
    assert [Page.text(h) for h in year.find_all("h1")] == ["Briefs published in 2021"]
    status = parse(page_file(built, "status/withdrawn/"))
    assert [Page.text(h) for h in status.find_all("h1")] == ["Withdrawn briefs"]
    meta = status.find_all("meta", name="description")[0]["attrs"]["content"]  # type: ignore[index]
    assert meta == "1 withdrawn brief."


def test_a_value_page_has_page_numbers_when_its_list_is_long(built: Path) -> None:
    page = page_file(built, "bodies/bureau-of-commerce/page/2/")
    [nav] = re.findall(r'<nav [^>]*aria-label="Pagination">.*?</nav>', page.read_text(), re.S)
    links = {Page.text(a): a["attrs"]["href"] for a in Page(nav).find_all("a")}  # type: ignore[index]
    assert links == {"Previous page": "../../", "1": "../../", "2": "./"}


def index_entries(page: Path) -> list[tuple[str, str, str]]:
    """The entries of a page listing every value of a facet: name, href and count."""
    doc = parse(page)
    found = []
    for item in doc.find_all("li"):
        at = doc.elements.index(item)
        link, count = doc.elements[at + 1 : at + 3]
        if link["tag"] == "a" and count["attrs"].get("class") == "count":  # type: ignore[union-attr]
            href = str(link["attrs"]["href"])  # type: ignore[index]
            found.append((Page.text(link), href, Page.text(count).strip("()")))
    return found


def test_each_facet_has_a_page_of_its_values_with_counts(built: Path) -> None:
    assert index_entries(page_file(built, "bodies/")) == [
        (COMMERCE, "bureau-of-commerce/", "3 briefs"),
        ("Planning Office", "planning-office/", "1 brief"),
        (CHINESE_BODY, CHINESE_PATH.removeprefix("bodies/"), "1 brief"),
    ]
    assert index_entries(page_file(built, "regions/")) == [
        ("Jinan", "jinan/", "1 brief"),
        ("Qingdao", "qingdao/", "4 briefs"),
    ]
    assert index_entries(page_file(built, "years/")) == [
        ("2021", "2021/", "3 briefs"),
        ("2020", "2020/", "2 briefs"),
        ("2019", "2019/", "1 brief"),
    ]
    assert index_entries(page_file(built, "status/")) == [
        ("Current", "current/", "4 briefs"),
        ("Withdrawn", "withdrawn/", "1 brief"),
        ("Replaced", "replaced/", "1 brief"),
    ]
    doc = parse(page_file(built, "bodies/"))
    assert [Page.text(h) for h in doc.find_all("h1")] == ["Issuing bodies"]


# ---------------------------------------------------------------------------- brief pages


def test_a_briefs_issuing_body_and_region_link_to_their_pages(built: Path) -> None:
    page = built / "briefs" / "f" / "index.html"
    doc = parse(page)
    links = {
        Page.text(a): str(a["attrs"]["href"])  # type: ignore[index]
        for a in doc.find_all("a")
        if str(a["attrs"].get("data-url", "")).startswith((BASE + "bodies/", BASE + "regions/"))  # type: ignore[union-attr]
    }
    assert links == {CHINESE_BODY: "../../" + CHINESE_PATH, "Qingdao": "../../regions/qingdao/"}
    for href in links.values():
        assert (page.parent / href / "index.html").is_file()
    # A brief without either names neither.
    echo = (built / "briefs" / "e" / "index.html").read_text(encoding="utf-8")
    assert "<dt>From</dt>" not in echo and "<dt>Applies to</dt>" not in echo


# ---------------------------------------------------------------------------------- feeds


FEEDS = {
    # Withdrawn and replaced briefs leave feeds, as they leave the site's and topics' feeds;
    # entries newest change first.
    "bodies/bureau-of-commerce/": (
        "Test briefs: briefs from Bureau of Commerce",
        ["Alpha", "Bravo"],
    ),
    "bodies/planning-office/": ("Test briefs: briefs from Planning Office", []),
    "regions/qingdao/": ("Test briefs: briefs that apply to Qingdao", ["Alpha", "Foxtrot"]),
    "regions/jinan/": ("Test briefs: briefs that apply to Jinan", ["Bravo"]),
    "years/2021/": ("Test briefs: briefs published in 2021", ["Alpha", "Bravo", "Foxtrot"]),
    "years/2020/": ("Test briefs: briefs published in 2020", []),
}


@pytest.mark.parametrize("path", FEEDS)
def test_each_issuing_body_region_and_year_has_a_valid_feed_of_its_current_briefs(
    built: Path, path: str
) -> None:
    title, entries = FEEDS[path]
    parsed = read_feed(built / urls.feed_path(path))
    assert parsed.feed.title == title
    assert [entry.title for entry in parsed.entries] == entries
    links = {link.rel: link.href for link in parsed.feed.links}
    assert links == {"self": BASE + path + "feed.xml", "alternate": BASE + path}
    assert parsed.feed.id == BASE + path
    for entry in parsed.entries:
        assert entry.link.startswith(BASE + "briefs/")


@pytest.mark.parametrize("path", FEEDS)
def test_every_page_of_a_value_links_its_feed_in_the_head_and_the_footer(
    built: Path, path: str
) -> None:
    for number in range(1, len(LISTS[path]) + 1):
        page = page_file(built, urls.list_page(path, number))
        doc = parse(page)
        [alternate] = doc.find_all("link", rel="alternate", type="application/atom+xml")
        assert alternate["attrs"]["title"] == FEEDS[path][0]  # type: ignore[index]
        assert (page.parent / str(alternate["attrs"]["href"])).resolve() == (  # type: ignore[index]
            built / urls.feed_path(path)
        ).resolve()
        footer = Page.text(doc.find_all("p", class_="site-footer__feed")[0])
        scope = {"bodies/": "from this issuing body", "regions/": "for this region",
                 "years/": "published in this year"}[path.split("/")[0] + "/"]  # fmt: skip
        assert footer == f"Subscribe to new briefs {scope} (Atom feed) or to all new briefs"


def test_status_pages_have_no_feed_of_their_own(built: Path) -> None:
    assert not list((built / "status").rglob("feed.xml"))
    # The current briefs are the site feed's; withdrawn and replaced ones leave every feed.
    current = parse(page_file(built, "status/current/"))
    [alternate] = current.find_all("link", rel="alternate", type="application/atom+xml")
    assert alternate["attrs"]["href"] == "../../feed.xml"  # type: ignore[index]
    withdrawn = parse(page_file(built, "status/withdrawn/"))
    assert not withdrawn.find_all("link", rel="alternate", type="application/atom+xml")


def test_the_sitemap_lists_every_page_of_every_value(built: Path) -> None:
    root = ET.parse(built / "sitemap.xml").getroot()
    ns = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    lastmod = {u.findtext(f"{ns}loc"): u.findtext(f"{ns}lastmod") for u in root}
    for path, pages in LISTS.items():
        for number in range(1, len(pages) + 1):
            assert BASE + urls.list_page(path, number) in lastmod, (path, number)
    for folder in (urls.BODIES, urls.REGIONS, urls.YEARS, urls.STATUS):
        assert BASE + folder in lastmod
    # A list page is dated by the newest brief it shows: Charlie's withdrawal.
    assert lastmod[BASE + "regions/qingdao/page/2/"] == "2021-04-01"


# ---------------------------------------------------------------------------------- finder


def finder(page: Path) -> Page:
    [found] = re.findall(
        r'<nav class="finder" aria-labelledby="finder-title">.*?</nav>', page.read_text(), re.S
    )
    return Page(found)


def finder_links(page: Path) -> list[tuple[str, str, bool]]:
    """Each link of a page's finder: its text, href and whether it is marked current."""
    return [
        (Page.text(a), str(a["attrs"]["href"]), a["attrs"].get("aria-current") == "true")  # type: ignore[index, union-attr]
        for a in finder(page).find_all("a")
    ]


def test_the_archive_has_a_finder_with_a_heading_and_counts_per_facet(built: Path) -> None:
    page = built / "briefs" / "index.html"
    doc = finder(page)
    assert [Page.text(h) for h in doc.find_all("h2")] == ["Filter briefs"]
    assert [Page.text(h) for h in doc.find_all("h3")] == [
        "Topic",
        "Issuing body",
        "Region",
        "Year",
        "Status",
    ]
    assert [Page.text(s) for s in doc.find_all("summary")] == [
        "Choose a topic",
        "Choose an issuing body",
        "Choose a region",
        "Choose a year",
        "Choose a status",
    ]
    # On the archive, "All briefs" is the current filter, and every facet is closed.
    assert [(text, current) for text, _, current in finder_links(page) if current] == [
        ("All briefs", True)
    ]
    assert not [d for d in doc.find_all("details") if "open" in d["attrs"]]  # type: ignore[operator]
    counts = [Page.text(li) for li in doc.find_all("li")]
    assert "Qingdao (4 briefs)" in counts and "Planning Office (1 brief)" in counts
    assert "Land (6 briefs)" in counts and "Withdrawn (1 brief)" in counts


def test_a_value_page_marks_its_value_current_and_opens_its_facet(built: Path) -> None:
    for page in ("regions/qingdao/", "regions/qingdao/page/2/"):
        doc = finder(page_file(built, page))
        current = [(text, href) for text, href, now in finder_links(page_file(built, page)) if now]
        assert [text for text, _ in current] == ["Qingdao"]
        opened = [d for d in doc.find_all("details") if "open" in d["attrs"]]  # type: ignore[operator]
        assert len(opened) == 1 and "Qingdao" in Page.text(opened[0])
    topic = finder_links(page_file(built, "topics/land/"))
    assert [text for text, _, now in topic if now] == ["Land"]


def test_a_facet_no_brief_has_a_value_of_is_left_out_of_the_finder(tmp_path: Path) -> None:
    site = write_site(tmp_path / "s", {"e.md": brief("Echo", "2019-01-01")})
    out = build_site(site, tmp_path / "out")
    headings = [Page.text(h) for h in finder(out / "briefs" / "index.html").find_all("h3")]
    assert headings == ["Topic", "Year", "Status"]
    assert not (out / "bodies").exists() and not (out / "regions").exists()


def _every_finder_link_leads_to_a_page(out: Path) -> int:
    checked = 0
    lists = [out / "briefs" / "index.html", out / "topics" / "land" / "index.html"]
    lists += [page_file(out, urls.list_page(path, 2)) for path in ("regions/qingdao/",)]
    for page in lists:
        links = finder_links(page)
        assert len(links) == 1 + 1 + 3 + 2 + 3 + 3  # all; topics, bodies, regions, years, status
        for text, href, _ in links:
            target = page.parent / urlsplit(href).path
            if not href.endswith(".html"):
                target = target / "index.html"
            assert target.resolve().is_file(), (page, text, href)
            checked += 1
    return checked


def test_every_finder_link_leads_to_a_page_of_the_site_under_a_sub_path(built: Path) -> None:
    assert _every_finder_link_leads_to_a_page(built) == 39
    assert urlsplit(BASE).path == "/briefs-site/"  # the site is published under a sub-path


def test_every_finder_link_leads_to_a_file_with_file_urls(source: Path, tmp_path: Path) -> None:
    out = build_site(source, tmp_path / "local", "--file-urls")
    assert _every_finder_link_leads_to_a_page(out) == 39
    for page in (out / "briefs" / "index.html", page_file(out, "regions/qingdao/page/2/")):
        assert all(href.endswith("index.html") for _, href, _ in finder_links(page))
    brief_page = (out / "briefs" / "a" / "index.html").read_text(encoding="utf-8")
    assert 'href="../../regions/qingdao/index.html"' in brief_page


def test_a_standalone_page_may_not_take_a_facets_folder() -> None:
    for folder in (urls.BODIES, urls.REGIONS, urls.YEARS, urls.STATUS):
        assert urls.generated_address(folder + "x/") == folder


# --------------------------------------------------------------------- names that collide


@pytest.mark.parametrize(
    ("field", "label"), [("issuing_body", "issuing body"), ("region", "region")]
)
def test_two_spellings_of_one_address_are_errors_at_the_value(
    tmp_path: Path, field: str, label: str
) -> None:
    first = (
        "---\ntitle: A\ndate: 2020-01-01\nsummary: S.\n" + f"{field}: Bureau of Commerce\n---\nT.\n"
    )
    second = first.replace("title: A", "title: B").replace("Commerce", "commerce")
    site = write_site(tmp_path / "s", {"a.md": first, "b.md": second})
    result = run_build("--source", site)
    assert result.returncode == 1
    column = len(field) + 3
    assert without_excerpts(result.stderr)[:2] == [
        f"briefs/b.md:5:{column}: error: {label} 'Bureau of commerce' is spelt differently "
        "from 'Bureau of Commerce' in briefs/a.md",
        f"  hint: write the {label} the same way in every brief",
    ]
    assert not (site / "site").exists()


def test_a_name_too_long_for_a_folder_is_an_error_at_the_value(tmp_path: Path) -> None:
    name = "青" * 41  # five characters of address each (qing-)
    text = f"---\ntitle: A\ndate: 2020-01-01\nsummary: S.\nregion: {name}\n---\nT.\n"
    result = run_build("--source", write_site(tmp_path / "s", {"a.md": text}))
    assert result.returncode == 1
    assert without_excerpts(result.stderr)[0] == (
        f"briefs/a.md:5:9: error: region '{name}' would need an address of 204 characters; "
        "at most 200 fit in a file name"
    )


# ------------------------------------------------------------------ the edit path of titles


def config_of(site: Path, output: Path) -> SiteConfig:
    config = load_config(site, output)
    assert isinstance(config, SiteConfig), config
    return config


def rebuild(site: Path, output: Path, cache: bool = True) -> None:
    """A build as `python build.py` does it (one job, so pages render in this process)."""
    config = config_of(site, output)
    options = BuildOptions(today=TODAY, jobs=1, cache=cache)
    result = build(config, options, published_hashes(config.output) if cache else {})
    assert result.ok, result.problems
    publish(result, config)


def test_a_title_edit_renders_the_facet_pages_that_show_it_and_equals_a_cold_build(
    tmp_path: Path, rendered_pages: list[str], full_builds: list[str]
) -> None:
    site = write_site(tmp_path / "s", BRIEFS, PAGED)
    shutil.copytree(BUILTIN_TEMPLATES, site / "templates")
    rebuild(site, site / "site")
    rendered_pages.clear()
    full_builds.clear()
    # Bravo keeps its place (alone on its day), so the order does not move.
    (site / "briefs" / "b.md").write_text(
        BRIEFS["b.md"].replace("Bravo", "Bravo renamed"), encoding="utf-8"
    )

    rebuild(site, site / "site")

    assert full_builds == ["edit"]
    lists = sorted(p for p in rendered_pages if not re.fullmatch(r"briefs/[a-f]/", p))
    assert lists == [
        "",
        "bodies/bureau-of-commerce/",
        "briefs/",
        "regions/jinan/",
        "status/current/",
        "topics/land/",
        "years/2021/",
    ]
    out = site / "site"
    assert listed(out / "regions" / "jinan" / "index.html") == ["Bravo renamed"]
    feed = read_feed(out / "bodies" / "bureau-of-commerce" / "feed.xml")
    assert [entry.title for entry in feed.entries] == ["Alpha", "Bravo renamed"]
    rebuild(site, tmp_path / "cold", cache=False)
    assert site_files(out) == site_files(tmp_path / "cold")
