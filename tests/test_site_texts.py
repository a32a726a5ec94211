# ruff: noqa: RUF001  (the en dash of titles and full-width Chinese punctuation are the text shown)
"""The site's own texts per language (site.yml's `translations`): a Chinese page says the
site's name, publisher and licence in Chinese, in its header, `<title>`, Open Graph, footer,
feeds and citations; an English page in English; a text a language does not give is the
default language's; every mistake in the block is an error at its place. One real build of a
two-language site, its pages parsed; settings checked by `load_config` on real files."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from conftest import SITE_YML, Page, parse, position, run_build, write_site

from briefsite.config import load_config

ATOM = "{http://www.w3.org/2005/Atom}"

# The Chinese texts give no description: the Chinese pages fall back to the English one.
SETTINGS = (
    SITE_YML
    + "description: Short briefs on investment.\n"
    + "publisher: Example Bureau\n"
    + "licence: Free to reuse with credit.\n"
    + "languages: [en, zh-Hans]\n"
    + "footer_links:\n  - page: about.md\n"
    + "translations:\n"
    + "  zh-Hans:\n"
    + "    title: 测试简报\n"
    + "    publisher: 示例局\n"
    + "    licence: 注明出处即可自由使用。\n"
)


def brief(title: str, topic: str, extra: str = "") -> str:
    return (
        f"---\ntitle: {title}\ndate: 2020-04-07\nsummary: About {title}.\n"
        f"topics: [{topic}]\nissuing_body: {title} office\n{extra}---\n## Terms\n\nText.\n"
    )


BRIEFS = {
    "land-offer.md": brief("Land offer", "Land"),
    "land-offer.zh.md": brief("工业用地供应", "土地"),
}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("site-texts")
    site = write_site(root / "s", BRIEFS, SETTINGS)
    (site / "pages").mkdir()
    (site / "pages" / "about.md").write_text(
        "---\ntitle: About these briefs\n---\nWho we are.\n", encoding="utf-8"
    )
    result = run_build("--source", site, "--output", root / "out", "--quiet")
    assert result.returncode == 0, result.stderr
    return root / "out"


def texts(page: Page) -> dict[str, object]:
    """What a page says of the site: header name, `<title>`, Open Graph site name, the
    footer's lines and its menu's link."""
    footer = page.elements.index(page.find_all("footer")[0])
    lines = [Page.text(e) for e in page.elements[footer:] if e["tag"] == "p"]
    (name,) = page.find_all("a", class_="site-header__name")
    (site_name,) = page.find_all("meta", property="og:site_name")
    (about,) = [e for e in page.elements[footer:] if e["tag"] == "a"][:1]
    attrs = about["attrs"]
    assert isinstance(attrs, dict)
    return {
        "header": Page.text(name),
        "title": Page.text(page.find_all("title")[0]),
        "og": site_name["attrs"]["content"],  # type: ignore[index]
        "footer": lines[:2],
        "about": (Page.text(about), attrs.get("lang"), attrs.get("hreflang")),
    }


def feed_texts(path: Path) -> tuple[str, str, str]:
    """A feed's title, subtitle and author."""
    feed = ET.parse(path).getroot()
    author = feed.find(f"{ATOM}author/{ATOM}name")
    parts = (feed.find(f"{ATOM}title"), feed.find(f"{ATOM}subtitle"), author)
    return tuple(part.text or "" for part in parts if part is not None)  # type: ignore[return-value]


@pytest.mark.parametrize(
    ("page", "said"),
    [
        (
            "zh/briefs/land-offer/index.html",
            {
                "header": "测试简报",
                "title": "工业用地供应 – 测试简报",
                "og": "测试简报",
                "footer": ["发布者：示例局。", "注明出处即可自由使用。"],
                # The About page is English alone: the Chinese footer links it, marked as
                # English.
                "about": ("About these briefs", "en", "en"),
            },
        ),
        (
            "briefs/land-offer/index.html",
            {
                "header": "Test briefs",
                "title": "Land offer – Test briefs",
                "og": "Test briefs",
                "footer": ["Published by Example Bureau.", "Free to reuse with credit."],
                "about": ("About these briefs", None, None),
            },
        ),
    ],
    ids=["chinese", "english"],
)
def test_each_page_says_the_site_s_texts_in_its_language(
    built: Path, page: str, said: dict[str, object]
) -> None:
    assert texts(parse(built / page)) == said


def test_the_chinese_home_page_has_the_chinese_name_and_falls_back_for_the_rest(
    built: Path,
) -> None:
    page = parse(built / "zh/index.html")
    assert Page.text(page.find_all("h1")[0]) == "测试简报"
    assert Page.text(page.find_all("title")[0]) == "测试简报"
    # No Chinese description given: the English one, as the default language's.
    assert Page.text(page.find_all("p", class_="lead")[0]) == "Short briefs on investment."
    english = parse(built / "index.html")
    assert Page.text(english.find_all("h1")[0]) == "Test briefs"


def test_each_language_s_feeds_are_titled_in_it(built: Path) -> None:
    assert feed_texts(built / "zh/feed.xml") == (
        "测试简报",
        "Short briefs on investment.",
        "示例局",
    )
    assert feed_texts(built / "feed.xml") == (
        "Test briefs",
        "Short briefs on investment.",
        "Example Bureau",
    )
    topics = sorted((built / "zh/topics").glob("*/feed.xml"))
    assert [feed_texts(path)[0] for path in topics] == ["测试简报: 土地"]
    year = feed_texts(built / "zh/years/2020/feed.xml")[0]
    assert year == "测试简报：发布于2020年的简报"
    # The pages link their feeds by the same titles.
    page = parse(built / "zh/years/2020/index.html")
    (link,) = page.find_all("link", type="application/atom+xml")
    assert link["attrs"]["title"] == year  # type: ignore[index]
    assert feed_texts(built / "years/2020/feed.xml")[0] == "Test briefs: briefs published in 2020"


def test_a_chinese_brief_s_citations_name_the_chinese_publisher(built: Path) -> None:
    # Without authors the publisher is the author too; the brief's issuing body is no
    # publisher while the site names one.
    ris = (built / "zh/briefs/land-offer/cite.ris").read_text(encoding="utf-8")
    assert "PB  - 示例局" in ris.splitlines()
    bib = (built / "zh/briefs/land-offer/cite.bib").read_text(encoding="utf-8")
    assert "institution = {示例局}" in bib
    english = (built / "briefs/land-offer/cite.ris").read_text(encoding="utf-8")
    assert "PB  - Example Bureau" in english.splitlines()
    page = parse(built / "zh/briefs/land-offer/index.html")
    (meta,) = page.find_all("meta", name="citation_technical_report_institution")
    assert meta["attrs"]["content"] == "示例局"  # type: ignore[index]


# ------------------------------------------------------------------ mistakes, at their place


TWO = SITE_YML + "languages: [en, zh-Hans]\n"


@pytest.mark.parametrize(
    ("settings", "needle", "message"),
    [
        (TWO + "translations:\n  zh-Hans:\n    titel: 测试\n", "titel",
         "unknown field 'translations.zh-Hans.titel'"),
        (TWO + "translations:\n  fr:\n    title: Essai\n", "fr:",
         "'translations' gives texts for 'fr', which is not in 'languages'"),
        (TWO + "translations:\n  en:\n    title: Test\n", "en:\n",
         "'translations' gives texts for 'en', the default language"),
        (SITE_YML + "translations:\n  zh-Hans:\n    title: 测试\n", "zh-Hans:",
         "'translations' gives texts for 'zh-Hans', but the site has one language"),
        (TWO + "translations:\n  zh-Hans:\n    title: [a, b]\n", "[a, b]",
         "'translations.zh-Hans.title' must be text, got a list"),
        (TWO + "translations:\n  zh-Hans: 测试\n", "测试",
         "'translations.zh-Hans' must be a mapping of 'key: value' lines"),
        (TWO + "translations: 测试\n", "测试",
         "'translations' must be a mapping of language tags, each to its texts"),
        (TWO + "translations:\n  Chinese:\n    title: 测试\n", "Chinese",
         "'translations' must be keyed by language tags, got 'Chinese'"),
    ],
)  # fmt: skip
def test_a_mistake_in_translations_is_an_error_at_its_place(
    make_site, settings: str, needle: str, message: str
) -> None:
    site = make_site({"a.md": brief("A", "Land")}, settings)
    line, col = position(settings, needle)
    loaded = load_config(site)
    assert isinstance(loaded, list)
    assert [(p.path, p.line, p.col, p.message) for p in loaded] == [
        ("site.yml", line, col, message)
    ]


def test_a_language_s_texts_replace_only_those_it_gives(make_site) -> None:
    settings = SETTINGS.replace("footer_links:\n  - page: about.md\n", "")
    loaded = load_config(make_site({"a.md": brief("A", "Land")}, settings))
    assert not isinstance(loaded, list), loaded
    chinese = loaded.texts_in("zh-Hans")
    assert (chinese.title, chinese.description, chinese.publisher, chinese.licence) == (
        "测试简报",
        "Short briefs on investment.",
        "示例局",
        "注明出处即可自由使用。",
    )
    assert loaded.texts_in("en") is loaded
    assert loaded.texts_at("zh/briefs/a/").title == "测试简报"
    assert loaded.texts_at("briefs/a/").title == "Test briefs"
