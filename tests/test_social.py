"""Descriptions cut for search results and link previews, and Open Graph's locale: the
functions on their own (with properties), then the meta tags on every page of a real build."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import Page, parse, run_build, write_site
from hypothesis import example, given
from hypothesis import strategies as st

from briefsite.social import DESCRIPTION_LIMIT, ELLIPSIS, describe, og_locale
from briefsite.typography import typeset

NBSP = "\u00a0"

# ------------------------------------------------------------------------ cutting, by example

LONG = (
    "Qingdao's West Coast New Area offers 37.3\u00a0km² of net industrial land to investors "
    "in advanced manufacturing, with land prices at 70 per cent of the benchmark for "
    "projects above 100\u00a0million yuan and tax rebates for the first three years."
)


def test_a_short_text_is_kept_as_it_is() -> None:
    assert describe("Qingdao offers land.") == "Qingdao offers land."
    assert describe("x" * DESCRIPTION_LIMIT) == "x" * DESCRIPTION_LIMIT


def test_a_long_text_is_cut_at_a_word_with_an_ellipsis() -> None:
    assert len(LONG) > DESCRIPTION_LIMIT
    cut = describe(LONG)
    assert cut == (
        "Qingdao's West Coast New Area offers 37.3\u00a0km² of net industrial land to investors "
        "in advanced manufacturing, with land prices at 70 per cent of the benchmark…"
    )
    assert len(cut) <= DESCRIPTION_LIMIT


def test_a_number_is_never_cut_from_its_unit() -> None:
    # Cut just after "70": the unit "per cent" would be lost. The cut moves before the number.
    text = "a" * 140 + " prices at 70 per cent of the benchmark"
    assert describe(text) == "a" * 140 + " prices at…"
    # A unit bound by a no-break space (as typesetting binds it) is one word with its number.
    text = "b" * 145 + " land 37.3\u00a0km² more"
    assert describe(text) == "b" * 145 + " land…"


def test_chinese_is_cut_between_characters_but_not_inside_a_number_and_its_unit() -> None:
    text = "青岛西海岸新区" * 30
    cut = describe(text)
    assert cut.endswith(ELLIPSIS)
    assert len(cut) == DESCRIPTION_LIMIT
    assert text.startswith(cut[:-1])
    # The cut falls where "100亿元" and the characters after it are kept whole or dropped whole.
    text = "新" * 155 + "投资100亿元建设" + "区" * 20
    cut = describe(text)
    assert cut == "新" * 155 + "投资1…" or "100亿元" in cut or "1" not in cut
    assert not re.search(r"\d[^\d]{0,3}…$", cut), cut


def test_punctuation_before_the_cut_is_left_off() -> None:
    text = "word, " * 40
    cut = describe(text)
    assert cut.endswith("word…")
    assert len(cut) <= DESCRIPTION_LIMIT


def test_runs_of_spaces_and_line_breaks_become_one_space() -> None:
    assert describe("Qingdao\n  offers\tland. ") == "Qingdao offers land."


def test_a_word_longer_than_the_limit_is_never_cut_inside() -> None:
    word = "w" * 200
    assert describe(word) == word
    assert describe(word + " tail") == word + ELLIPSIS


# ------------------------------------------------------------------------ cutting, properties

WORDS = st.lists(
    st.one_of(
        st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=12),
        st.builds(
            lambda n, u: f"{n}{NBSP}{u}",
            st.integers(0, 10**6),
            st.sampled_from(["km²", "yuan", "million"]),
        ),
        st.builds(lambda n: f"{n} per cent", st.integers(0, 100)),
        st.sampled_from([",", "—", "(x)", "e.g.", "37.3"]),
    ),
    min_size=1,
    max_size=80,
)
BREAKS = ("\t", "\n", " ", "\u3000")


@given(WORDS, st.sampled_from([" ", "  ", "\n"]))
@example(["a" * 170], " ")
def test_property_latin_text(words: list[str], space: str) -> None:
    text = space.join(words)
    cut = describe(text)
    flat = re.sub(r"[\t\n\v\f\r ]+", " ", text).strip(" ")
    if len(flat) <= DESCRIPTION_LIMIT:
        assert cut == flat
        return
    if not cut.endswith(ELLIPSIS):
        assert cut == flat  # nowhere to cut at all
        return
    kept = cut[: -len(ELLIPSIS)]
    assert flat.startswith(kept)
    # Never mid-word: what follows the kept text, after left-off punctuation, is a space.
    rest = flat[len(kept) :].lstrip(",;:.-\u2013\u2014([{")
    assert rest == "" or rest[0] == " ", (kept, rest[:10])
    # Never mid-number-and-unit: every number-and-unit of the text is whole or absent.
    for match in re.finditer(r"\d+(?:\u00a0\w+²?| per cent)", flat):
        assert not match.start() < len(kept) < match.end(), (match.group(), kept[-30:])
    first_word = flat.split(" ")[0]
    if len(first_word) < DESCRIPTION_LIMIT:
        assert len(cut) <= DESCRIPTION_LIMIT


@given(st.text(alphabet="青岛西海岸新区投资建设开发", min_size=161, max_size=400))
def test_property_chinese_text_is_cut_at_a_character(text: str) -> None:
    cut = describe(text)
    assert cut.endswith(ELLIPSIS)
    assert len(cut) == DESCRIPTION_LIMIT
    assert text.startswith(cut[: -len(ELLIPSIS)])


@given(st.text(min_size=0, max_size=400))
def test_property_any_text(text: str) -> None:
    cut = describe(text)
    assert describe(cut) == cut or len(cut) > DESCRIPTION_LIMIT  # a cut text is not cut again
    if cut.endswith(ELLIPSIS) and not text.rstrip().endswith(ELLIPSIS):
        assert len(cut) <= DESCRIPTION_LIMIT or " " not in cut[:-1]


CHINESE_UNITS = st.builds(
    lambda n, unit: f"{n}{unit}",
    st.integers(0, 10**5),
    st.sampled_from(["亿元", "平方公里", "万", "个百分点"]),
)


@given(
    st.lists(
        st.one_of(st.sampled_from(list("青岛西海岸新区投资。\uff0c")), CHINESE_UNITS), min_size=40
    )
)
def test_property_chinese_numbers_keep_their_units(parts: list[str]) -> None:
    text = "".join(parts)
    cut = describe(text)
    if len(text) <= DESCRIPTION_LIMIT or not cut.endswith(ELLIPSIS):
        return
    kept = cut[: -len(ELLIPSIS)]
    assert text.startswith(kept)
    for match in re.finditer(r"\d+(?:亿元|平方公里|万|个百分点)", text):
        assert not match.start() < len(kept) < match.end(), (match.group(), kept[-10:])


# ----------------------------------------------------------------------------- og:locale


@pytest.mark.parametrize(
    ("lang", "locale"),
    [
        ("en", "en_US"),
        ("en-GB", "en_GB"),
        ("zh", "zh_CN"),
        ("zh-Hans", "zh_CN"),
        ("zh-Hant", "zh_TW"),
        ("zh-Hant-HK", "zh_HK"),
        ("fr", "fr_FR"),
        ("gsw", "gsw"),
    ],
)
def test_og_locale(lang: str, locale: str) -> None:
    assert og_locale(lang) == locale


# ----------------------------------------------------------------------- the built pages

BRIEF = f"""\
---
title: Land offer
date: 2020-04-07
summary: {LONG}
topics: [Land]
updates:
  - date: 2021-02-03
    note: Figures revised.
---
## Terms

Text.
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = write_site(tmp_path_factory.mktemp("social") / "s", {"land-offer.md": BRIEF})
    out = site / "out"
    result = run_build("--source", site, "--output", out, "--quiet")
    assert result.returncode == 0, result.stderr
    return out


def meta(page: Page) -> dict[str, str]:
    """Every meta tag's property or name, with its content."""
    found = {}
    for tag in page.find_all("meta"):
        attrs = tag["attrs"]
        key = attrs.get("property") or attrs.get("name")
        if key:
            assert key not in found, f"{key} twice"
            found[key] = attrs["content"]
    return found


def test_a_brief_page_is_an_article_with_its_dates(built: Path) -> None:
    found = meta(parse(built / "briefs" / "land-offer" / "index.html"))
    tags = {k: v for k, v in found.items() if not k.startswith("citation_")}  # test_citation's
    cut = describe(typeset(LONG))  # the summary as typeset, then cut
    assert cut.endswith("of the benchmark…")
    assert tags == {
        "viewport": "width=device-width, initial-scale=1",
        "color-scheme": "light dark",
        "description": cut,
        "og:title": "Land offer",
        "og:description": cut,
        "og:url": "https://example.org/briefs-site/briefs/land-offer/",
        "og:type": "article",
        "og:site_name": "Test briefs",
        "og:locale": "en_US",
        "article:published_time": "2020-04-07",
        "article:modified_time": "2021-02-03",
        "twitter:card": "summary",
    }


@pytest.mark.parametrize(
    ("path", "url"),
    [
        ("index.html", "https://example.org/briefs-site/"),
        ("briefs/index.html", "https://example.org/briefs-site/briefs/"),
        ("topics/index.html", "https://example.org/briefs-site/topics/"),
        ("topics/land/index.html", "https://example.org/briefs-site/topics/land/"),
        ("404.html", "https://example.org/briefs-site/404.html"),
    ],
)
def test_every_other_page_is_a_website(built: Path, path: str, url: str) -> None:
    page = parse(built / path)
    tags = meta(page)
    assert tags["og:type"] == "website"
    assert tags["og:url"] == url
    assert tags["og:site_name"] == "Test briefs"
    assert tags["og:locale"] == "en_US"
    assert tags["twitter:card"] == "summary"
    assert tags["og:title"] == Page.text(page.find_all("title")[0]).split(" \u2013 ")[0]
    assert tags["og:description"] == tags["description"]
    assert "article:published_time" not in tags
