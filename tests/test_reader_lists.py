"""Reader quality (issue 11, points 3, 6 and 7), in real builds parsed as HTML and XML.

- 3. Front-matter text gets the body's typography (curly quotes, dashes, numbers bound to
  their units by a no-break space) everywhere a reader sees it: headings, lists, <title>, meta
  descriptions, the feed; never in slugs, addresses, report numbers or web addresses.
- 6. The archive and topic pages are split into pages with a pagination nav; the home page
  shows the latest briefs and the main topics; incremental builds render only the pages whose
  slice changed.
- 7. List entries show the report number and status; same-day briefs are ordered by number.

The layout checks (a number never wraps away from its unit in a browser) are in
test_reader_quality.py.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from conftest import SITE_YML, Page, parse, position, site_files, write_site
from hypothesis import given, settings
from hypothesis import strategies as st

from briefsite.catalog import build_catalog
from briefsite.compiled import BriefSettings, compile_brief
from briefsite.config import SiteConfig, load_config
from briefsite.markup import Markup
from briefsite.output import published_hashes
from briefsite.pipeline import BuildOptions, build, publish
from briefsite.problems import error
from briefsite.typography import typeset

TODAY = dt.date(2021, 6, 1)
NBSP = "\u00a0"
ATOM = "{http://www.w3.org/2005/Atom}"


def config_of(site: Path, output: Path) -> SiteConfig:
    config = load_config(site, output)
    assert isinstance(config, SiteConfig), config
    return config


def build_into(site: Path, output: Path | None = None, cache: bool = False) -> Path:
    """A real build of `site` (in this process, one job) published into `output`."""
    output = output or site / "site"
    config = config_of(site, output)
    options = BuildOptions(today=TODAY, jobs=1, cache=cache, git=False)
    result = build(config, options, published_hashes(output) if cache else {})
    assert result.ok, result.problems
    publish(result, config)
    return output


def raw(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def texts(doc: Page, tag: str, **attrs: str) -> list[str]:
    """The text of each matching element, whitespace kept as written (no-break spaces too)."""
    return ["".join(e["text"]).strip() for e in doc.find_all(tag, **attrs)]  # type: ignore[arg-type]


# ------------------------------------------------------------ 3. typography of front matter

TYPESET_BRIEF = """\
---
title: "Qingdao offers 37.3 km² and up to 100 million yuan -- the 'golden' offer"
number: "QB-2020--01"
date: 2020-04-07
summary: 'Qingdao extended an "olive branch" to 500 companies... and more.'
issuing_body: "Qingdao's government"
topics: ["Women's land"]
figures:
  - label: "net land, the 'golden' offer"
    value: 37.3
    unit: km²
    source: 'Press release: "37.3 square kilometres"'
    qualifier: "about -- roughly"
sources:
  - title: 'Industrial Reform, "Cutting-Edge" Layout'
  - title: "https://example.org/report--2020/x...y"
    url: https://example.org/report--2020/x...y
updates:
  - date: 2020-05-01
    note: "Added the 'golden' offer -- 37.3 km²."
---
## Terms

Qingdao extended an "olive branch" to 500 companies... and more.
"""

TITLE = (
    f"Qingdao offers 37.3{NBSP}km² and up to 100{NBSP}million{NBSP}yuan"
    " \u2013 the \u2018golden\u2019 offer"
)
DESCRIPTION = f"Qingdao\u2019s briefs \u2013 2020\u2019s 37.3{NBSP}km²"
LDQUO, RDQUO = "\u201c", "\u201d"
SUMMARY = f"Qingdao extended an \u201colive branch\u201d to 500{NBSP}companies\u2026 and more."


@pytest.fixture(scope="module")
def typeset_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site_yml = SITE_YML + "description: \"Qingdao's briefs -- 2020's 37.3 km²\"\n"
    site = write_site(tmp_path_factory.mktemp("typeset"), {"land.md": TYPESET_BRIEF}, site_yml)
    return build_into(site)


def test_a_brief_page_shows_its_front_matter_typeset(typeset_site: Path) -> None:
    page = raw(typeset_site / "briefs" / "land" / "index.html")
    doc = Page(page)
    assert texts(doc, "h1") == [TITLE]
    assert texts(doc, "p", class_="lead") == [SUMMARY]
    # The same words in the body read the same as in the summary.
    assert SUMMARY in texts(doc, "p")
    [title] = texts(doc, "title")
    assert title.startswith(TITLE + " \u2013 ")
    [meta] = doc.find_all("meta", name="description")
    assert meta["attrs"]["content"] == SUMMARY  # type: ignore[index]
    assert "From" in texts(doc, "dt")
    assert "Qingdao\u2019s government" in texts(doc, "dd")
    labels = texts(doc, "span", class_="key-figures__label")
    assert labels == ["net land, the \u2018golden\u2019 offer"]
    assert texts(doc, "span", class_="key-figures__qualifier") == ["about \u2013 roughly"]
    figure_sources = doc.find_all("dl", class_="figure-sources")[0]
    assert "Press release: \u201c37.3 square kilometres\u201d" in "".join(figure_sources["text"])  # type: ignore[arg-type]
    history = "".join(doc.find_all("ol", class_="history__list")[0]["text"])  # type: ignore[arg-type]
    assert f"Added the \u2018golden\u2019 offer \u2013 37.3{NBSP}km²." in history
    # A plain character, never markup: the text is escaped like any other text.
    assert f"<h1>{TITLE}</h1>" in page and f'content="{SUMMARY}"' in page


def test_values_programs_read_are_kept_as_written(typeset_site: Path) -> None:
    doc = parse(typeset_site / "briefs" / "land" / "index.html")
    # The report number is an identifier: no en dash in it.
    assert texts(doc, "span", class_="caption__number") == ["QB-2020--01"]
    # A source whose title is its address: the visible address is the real one.
    links = {
        e["attrs"]["href"]: Page.text(e)
        for e in doc.find_all("a")
        if e["attrs"].get("href", "").startswith("https://example.org/report")
    }  # type: ignore[union-attr, index]
    assert links == {
        "https://example.org/report--2020/x...y": "https://example.org/report--2020/x...y"
    }
    # The topic's address comes from its name as written; readers see the name typeset.
    topic = typeset_site / "topics" / "women-s-land" / "index.html"
    assert texts(parse(topic), "h1") == ["Women\u2019s land"]
    assert texts(doc, "a", href="../../topics/women-s-land/") == ["Women\u2019s land"]


def test_lists_titles_and_feeds_carry_the_typeset_text(typeset_site: Path) -> None:
    for listing in ("index.html", "briefs/index.html", "topics/women-s-land/index.html"):
        doc = parse(typeset_site / listing)
        assert listed(doc) == [TITLE], listing
        assert texts(doc, "p", class_="brief-list__summary") == [SUMMARY], listing
        [meta] = texts(doc, "p", class_="brief-list__meta")
        assert meta.startswith("Policy brief QB-2020--01 · "), listing
    home = parse(typeset_site / "index.html")
    assert texts(home, "p", class_="lead") == [DESCRIPTION]
    topics = parse(typeset_site / "topics" / "index.html")
    assert "Women\u2019s land" in texts(topics, "a")

    feed = ET.fromstring((typeset_site / "feed.xml").read_bytes())
    assert feed.findtext(f"{ATOM}subtitle") == DESCRIPTION
    [entry] = feed.findall(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}title") == TITLE
    assert entry.findtext(f"{ATOM}summary") == SUMMARY
    # A category's term is the key the brief is filed under, as written.
    assert [c.get("term") for c in entry.findall(f"{ATOM}category")] == ["Women's land"]
    # The sitemap holds addresses and dates only.
    sitemap = raw(typeset_site / "sitemap.xml")
    assert "golden" not in sitemap and "women-s-land" in sitemap


def test_text_with_markup_characters_stays_escaped(tmp_path: Path) -> None:
    brief = TYPESET_BRIEF.replace(
        'title: "Qingdao offers', 'title: "R&D <b>bold</b> & \\"Qingdao\\" offers'
    )
    out = build_into(write_site(tmp_path / "s", {"land.md": brief}))
    page = raw(out / "briefs" / "land" / "index.html")
    assert f"<h1>R&amp;D &lt;b&gt;bold&lt;/b&gt; &amp; {LDQUO}Qingdao{RDQUO} offers 37.3" in page
    assert "<b>bold" not in page


def test_front_matter_is_typeset_once_per_brief_when_it_is_compiled() -> None:
    """The compiled brief, which the cache keeps and every page and the feed read, holds the
    typeset text: no page render sets it again."""
    result = compile_brief(
        "briefs/land.md", TYPESET_BRIEF.encode(), BriefSettings("en", "sanitize")
    )
    brief = result.brief
    assert brief is not None
    assert (brief.title, brief.summary, brief.number) == (TITLE, SUMMARY, "QB-2020--01")
    assert brief.topics == ("Women's land",)
    assert brief.sources[1].title == brief.sources[1].url
    assert brief.updates[0].note == f"Added the \u2018golden\u2019 offer \u2013 37.3{NBSP}km²."
    assert brief.figures[0].unit == "km²"


def test_typeset_keeps_web_addresses_and_drops_markdowns_placeholder_characters() -> None:
    assert (
        typeset('See "https://example.org/a--b...c".')
        == "See \u201chttps://example.org/a--b...c\u201d."
    )
    assert typeset("www.example.org/a--b and it's") == "www.example.org/a--b and it\u2019s"
    assert typeset("a\x02\ue0000\x03b -- c") == "a\ue0000b \u2013 c"


# Text Markdown reads as plain words: letters, digits, spaces and the characters the
# typography rules look at, never Markdown syntax, so a paragraph of it is the text alone.
PLAIN_TEXT = st.lists(
    st.sampled_from(
        ["a", "s", "x", "1", "37.3", "80s", " ", "'", '"', "-", "--", "---", ".", "...", "(",
         ",", "!", "km²", "million", "billion", "yuan", " yuan", " million", " km²"]
    ),
    min_size=1,
    max_size=14,
).map("".join)  # fmt: skip

BODY = Markup()
BLOCK = re.compile(r"!!!|\d+\.\s")  # an admonition (`!!! a`) or an ordered list item (`1. a`)


@settings(max_examples=300, deadline=None, database=None)
@given(PLAIN_TEXT)
def test_plain_text_is_typeset_exactly_as_the_body_sets_the_same_words(text: str) -> None:
    """One pass, not two: the body's HTML for a paragraph of `text` reads as `typeset(text)`."""
    words = text.strip()
    if not words or words[0] in "-.(" or words.endswith(("-", "---")) or BLOCK.match(words):
        return  # a list item, a heading underline, an admonition: not a plain paragraph
    body = BODY.body(_brief_with_body(words)).html.strip()
    assert body.startswith("<p>") and body.endswith("</p>"), body
    assert html.unescape(body[3:-4]) == typeset(words)


def _brief_with_body(text: str):  # type: ignore[no-untyped-def]
    from briefsite.brief import Brief

    return Brief("briefs/x.md", "x", "en", "X", dt.date(2020, 1, 1), "X", text + "\n", 5)


# --------------------------------------------------------------------------- 6. pagination


def dated(number: int, day: str, topics: str = "[Land]", extra: str = "") -> str:
    return (
        f"---\ntitle: Brief {number}\ndate: {day}\nsummary: About brief {number}.\n"
        f"topics: {topics}\n{extra}---\nText.\n"
    )


# Seven briefs over two years, all under Land, two (3 and 6) also under Trade.
SEVEN = {
    f"b{n}.md": dated(
        n, f"{2021 if n <= 4 else 2020}-0{n}-01", "[Land, Trade]" if n % 3 == 0 else "[Land]"
    )
    for n in range(1, 8)
}
PAGED_YML = SITE_YML + "page_size: 3\n"


def listed(doc: Page) -> list[str]:
    return texts(doc, "h3", class_="brief-list__title") or texts(
        doc, "h2", class_="brief-list__title"
    )


def pagination(page: Path) -> dict[str, object]:
    """The one pagination nav of a page: its page numbers (text, href), the current one, and
    its previous and next links."""
    [found] = re.findall(r'<nav [^>]*aria-label="Pagination">.*?</nav>', raw(page), re.S)
    links = Page(found).find_all("a")
    return {
        "numbers": [
            (Page.text(a), a["attrs"]["href"]) for a in links if "aria-label" in a["attrs"]
        ],  # type: ignore[operator, index]
        "current": [Page.text(a) for a in links if a["attrs"].get("aria-current") == "page"],  # type: ignore[union-attr]
        "rel": {a["attrs"]["rel"]: a["attrs"]["href"] for a in links if "rel" in a["attrs"]},  # type: ignore[index, operator]
    }


def has_pagination(page: Path) -> bool:
    return 'aria-label="Pagination"' in raw(page)


def head_links(page: str) -> dict[str, str]:
    head = page.split("</head>")[0]
    return dict(re.findall(r'<link rel="(prev|next)" href="([^"]*)">', head))


@pytest.fixture(scope="module")
def paged_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = write_site(tmp_path_factory.mktemp("paged"), SEVEN, PAGED_YML)
    return build_into(site)


def test_the_archive_is_split_into_pages_with_a_pagination_nav(paged_site: Path) -> None:
    archive = paged_site / "briefs"
    first, second, third = (archive / "index.html", archive / "page" / "2" / "index.html",
                            archive / "page" / "3" / "index.html")  # fmt: skip
    assert not (archive / "page" / "4").exists()
    # Every brief once, newest first, three to a page.
    assert listed(parse(first)) == ["Brief 4", "Brief 3", "Brief 2"]
    assert listed(parse(second)) == ["Brief 1", "Brief 7", "Brief 6"]
    assert listed(parse(third)) == ["Brief 5"]
    # A year that goes on over a page break has its section on both pages.
    assert texts(parse(second), "h2") == ["Filter briefs", "2021", "2020"]

    nav = pagination(second)
    assert nav["numbers"] == [("1", "../../"), ("2", "./"), ("3", "../3/")]
    assert nav["current"] == ["2"]
    assert nav["rel"] == {"prev": "../../", "next": "../3/"}
    assert head_links(raw(second)) == {"prev": "../../", "next": "../3/"}
    assert pagination(first)["rel"] == {"next": "page/2/"}
    assert pagination(first)["current"] == ["1"]
    assert head_links(raw(first)) == {"next": "page/2/"}
    assert pagination(third)["rel"] == {"prev": "../2/"}
    assert texts(parse(second), "title") == ["All briefs (page 2 of 3) \u2013 Test briefs"]
    assert texts(parse(second), "p", class_="lead") == [
        "7 briefs, newest first. Page 2 of 3: briefs 4 to 6."
    ]


def test_topic_pages_are_split_and_short_lists_have_no_pagination(paged_site: Path) -> None:
    land = paged_site / "topics" / "land"
    pages = [land / "index.html", land / "page" / "2" / "index.html",
             land / "page" / "3" / "index.html"]  # fmt: skip
    assert [title for page in pages for title in listed(parse(page))] == [
        "Brief 4", "Brief 3", "Brief 2", "Brief 1", "Brief 7", "Brief 6", "Brief 5"
    ]  # fmt: skip
    assert pagination(pages[2])["current"] == ["3"]
    assert pagination(pages[2])["rel"] == {"prev": "../2/"}
    assert texts(parse(pages[2]), "title") == ["Land (page 3 of 3) \u2013 Test briefs"]
    trade = paged_site / "topics" / "trade" / "index.html"
    assert listed(parse(trade)) == ["Brief 3", "Brief 6"]
    assert not has_pagination(trade)
    assert head_links(raw(trade)) == {}
    assert not (paged_site / "topics" / "trade" / "page").exists()


def test_a_long_list_shows_the_first_last_and_neighbouring_page_numbers(tmp_path: Path) -> None:
    briefs = {f"b{n:02}.md": dated(n, f"2020-01-{n:02}") for n in range(1, 21)}
    out = build_into(write_site(tmp_path / "s", briefs, SITE_YML + "page_size: 2\n"))
    page = out / "briefs" / "page" / "5" / "index.html"
    assert [n for n, _ in pagination(page)["numbers"]] == ["1", "4", "5", "6", "10"]  # type: ignore[attr-defined]
    [nav] = re.findall(r'<nav [^>]*aria-label="Pagination">.*?</nav>', raw(page), re.S)
    assert nav.count("\u2026") == 2  # a gap each side of 4, 5, 6


def test_paged_pages_are_in_the_sitemap_with_the_dates_of_what_they_list(paged_site: Path) -> None:
    root = ET.fromstring((paged_site / "sitemap.xml").read_bytes())
    ns = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    lastmod = {u.findtext(f"{ns}loc"): u.findtext(f"{ns}lastmod") for u in root}
    base = "https://example.org/briefs-site/"
    assert lastmod[base + "briefs/page/2/"] == "2021-01-01"  # its newest: Brief 1
    assert lastmod[base + "briefs/page/3/"] == "2020-05-01"
    assert lastmod[base + "topics/land/page/3/"] == "2020-05-01"
    assert base + "topics/trade/page/2/" not in lastmod


def test_pages_work_from_disk_with_file_urls(tmp_path: Path) -> None:
    site = write_site(tmp_path / "s", SEVEN, PAGED_YML + "directory_urls: false\n")
    page = build_into(site) / "briefs" / "page" / "2" / "index.html"
    nav = pagination(page)
    for _, href in nav["numbers"]:  # type: ignore[attr-defined]
        assert (page.parent / href).resolve().is_file(), href
    assert nav["rel"] == {"prev": "../../index.html", "next": "../3/index.html"}


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("page_size: 0", "'page_size' must be at least 1, got 0"),
        ("page_size: 5000", "'page_size' must be at most 1,000, got 5,000"),
        ("page_size: many", "'page_size' must be a whole number, got 'many'"),
        ("main_topic_count: -1", "'main_topic_count' must be at least 0, got -1"),
    ],
)
def test_list_settings_are_checked_and_placed(tmp_path: Path, setting: str, message: str) -> None:
    text = SITE_YML + setting + "\n"
    (tmp_path / "site.yml").write_text(text, encoding="utf-8")
    problems = load_config(tmp_path)
    value = setting.split(": ")[1]
    assert problems == [error("site.yml", *position(text, value, text.count(value) - 1), message)]


def test_list_settings_have_defaults(tmp_path: Path) -> None:
    (tmp_path / "site.yml").write_text(SITE_YML, encoding="utf-8")
    config = config_of(tmp_path, tmp_path / "site")
    assert (config.page_size, config.main_topic_count, config.latest_count) == (50, 10, 10)


def test_the_home_page_shows_the_latest_briefs_and_the_main_topics(tmp_path: Path) -> None:
    briefs = dict(SEVEN)
    briefs["b8.md"] = dated(8, "2019-01-01", "[Alpha, Land, Trade]")
    yml = PAGED_YML + "latest_count: 2\nmain_topic_count: 2\n"
    out = build_into(write_site(tmp_path / "s", briefs, yml))
    home = parse(out / "index.html")
    assert listed(home) == ["Brief 4", "Brief 3"]
    base = "https://example.org/briefs-site/"
    topic_links = [
        Page.text(a)
        for a in home.find_all("a")
        if a["attrs"].get("data-url", "").startswith(base + "topics/")  # type: ignore[union-attr]
        and a["attrs"]["href"] != "topics/"  # type: ignore[index]
    ]
    assert topic_links == ["Land", "Trade"]  # the most briefs first; not Alpha (one brief)
    by_text = {Page.text(a): a["attrs"]["href"] for a in home.find_all("a")}  # type: ignore[index]
    assert by_text["All briefs"] == "briefs/"
    assert by_text["All topics"] == "topics/"
    # Each year links to its own page.
    assert [by_text[year] for year in ("2021", "2020", "2019")] == [
        "years/2021/",
        "years/2020/",
        "years/2019/",
    ]
    assert listed(parse(out / "years" / "2019" / "index.html")) == ["Brief 8"]
    assert parse(out / "briefs" / "page" / "3" / "index.html").find_all("h2", id="year-2019")
    # The topics page still lists every topic.
    topics = parse(out / "topics" / "index.html")
    assert [
        Page.text(a)
        for a in topics.find_all("a")
        if a["attrs"].get("data-url", "").startswith(base + "topics/")
    ] == ["Alpha", "Land", "Trade"]  # type: ignore[union-attr]


def test_an_edit_renders_only_the_list_pages_whose_slice_changed(
    tmp_path: Path, rendered_pages: list[str]
) -> None:
    site = write_site(tmp_path / "s", SEVEN, PAGED_YML + "latest_count: 2\n")
    build_into(site, cache=True)
    rendered_pages.clear()
    (site / "briefs" / "b6.md").write_text(SEVEN["b6.md"].replace("Brief 6", "Renamed"))

    build_into(site, cache=True)

    # Brief 6 is on the second page of the archive, of Land and of the current briefs, and on
    # the one page of Trade and of 2020; the other pages of those lists, and the home page,
    # show nothing of it.
    lists = sorted(p for p in rendered_pages if not re.fullmatch(r"briefs/b[0-9]/", p))
    assert lists == [
        "briefs/page/2/",
        "status/current/page/2/",
        "topics/land/page/2/",
        "topics/trade/",
        "years/2020/",
    ]
    assert "briefs/b6/" in rendered_pages
    assert site_files(site / "site") == site_files(build_into(site, tmp_path / "cold"))


# ------------------------------------------------------------ 7. list entries and their order


def test_same_day_briefs_are_ordered_by_report_number_then_title_then_slug(tmp_path: Path) -> None:
    day = "2020-04-07"
    briefs = {
        "overview.md": dated(1, day, extra="number: QB-2020-1\n").replace("Brief 1", "Overview"),
        "ten.md": dated(2, day, extra="number: QB-2020-10\n").replace("Brief 2", "Apples"),
        "two.md": dated(3, day, extra="number: qb-2020-2\n").replace("Brief 3", "Bananas"),
        "plain-b.md": dated(4, day).replace("Brief 4", "Same"),
        "plain-a.md": dated(5, day).replace("Brief 5", "Same"),
        "alpha.md": dated(6, day).replace("Brief 6", "Alpha"),
        "newer.md": dated(7, "2020-04-08", extra="number: QB-2020-99\n"),
    }
    out = build_into(write_site(tmp_path / "s", briefs))
    expected = ["Brief 7", "Overview", "Bananas", "Apples", "Alpha", "Same", "Same"]
    for listing in ("index.html", "briefs/index.html", "topics/land/index.html"):
        assert listed(parse(out / listing)) == expected, listing
    archive = parse(out / "briefs" / "index.html")
    slugs = [a["attrs"]["href"] for a in archive.find_all("a") if Page.text(a) == "Same"]  # type: ignore[index]
    assert slugs == ["plain-a/", "plain-b/"]
    feed = ET.fromstring((out / "feed.xml").read_bytes())
    assert [e.findtext(f"{ATOM}title") for e in feed.findall(f"{ATOM}entry")] == expected


def test_listing_order_is_complete_whatever_order_files_come_in() -> None:
    from briefsite.frontmatter import load_brief
    from briefsite.source import make_source

    def loaded(name: str, text: str):  # type: ignore[no-untyped-def]
        return load_brief(make_source(f"briefs/{name}", text), "en")

    day = "2020-04-07"
    briefs = [
        loaded("a.md", dated(1, day, extra="number: QB-2\n")),
        loaded("b.md", dated(1, day, extra="number: QB-02\n")),
        loaded("c.md", dated(1, day, extra="number: QB-10\n")),
        loaded("d.md", dated(1, day)),
        loaded("e.md", dated(1, day)),
    ]
    forward, _ = build_catalog(briefs)
    backward, _ = build_catalog(list(reversed(briefs)))
    # QB-02 and QB-2 are the same number: as written decides ("0" before "2").
    assert [b.slug for b in forward.briefs] == [b.slug for b in backward.briefs] == [
        "b", "a", "c", "d", "e"
    ]  # fmt: skip


STATUS_BRIEFS = {
    "in-force.md": dated(
        1, "2020-04-01", extra="number: QB-1\nstatus: in-force\nissuing_body: City\n"
    ),
    "proposed.md": dated(2, "2020-04-02", extra="number: QB-2\nstatus: proposed\n"),
    "expired.md": dated(3, "2020-04-03", extra="status: in-force\nexpires: 2021-01-01\n"),
    "silent.md": dated(4, "2020-04-04"),
}


def test_list_entries_show_the_report_number_and_the_status_when_set(tmp_path: Path) -> None:
    out = build_into(write_site(tmp_path / "s", STATUS_BRIEFS))
    for listing in ("index.html", "briefs/index.html", "topics/land/index.html"):
        doc = parse(out / listing)
        entries = dict(zip(listed(doc), texts(doc, "p", class_="brief-list__meta"), strict=True))
        assert entries == {
            "Brief 4": "Policy brief · 4 April 2020",
            "Brief 3": "Policy brief · 3 April 2020 No longer in force",
            "Brief 2": "Policy brief QB-2 · 2 April 2020 Proposed",
            "Brief 1": "Policy brief QB-1 · 1 April 2020 · City · In force",
        }, listing
