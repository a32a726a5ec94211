"""Reader quality (issue 11) in headless Chromium: what a reader sees at real widths.

- Key figures: a value wraps only at a plain space ("100 million" stays together, the unit
  wraps as a word), never inside a word, at 320-1280 px; a qualifier ("up to") has a line of
  its own, at least half the number's size, and the numbers of a row line up.

Fixtures (Chromium, the served sample site) come from tests/browser_support.py; a second,
small site is built here into a temporary folder and opened from disk.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO, run_build, write_site

SCREENSHOTS = REPO / "test-artifacts" / "screenshots"
WIDTHS = [320, 360, 768, 1024, 1280]
NewPage = Callable[..., Any]

FIGURES_BRIEF = """\
---
title: Figures with long units
date: 2020-04-07
summary: Scale words, long units and qualifiers in one key-figures box.
figures:
  - label: net industrial land offered
    value: 37.3
    unit: km²
    source: test
  - label: award
    value: 100000000
    unit: yuan
    qualifier: up to
    source: test
  - label: above the growth rate of fixed-asset investment
    value: 4.9
    unit: percentage points
    source: test
  - label: total investment
    value: 390000000000
    unit: yuan
    qualifier: over
    source: test
  - label: signed online
    value: 300
    unit: projects
    qualifier: nearly
    source: test
  - label: a large sum
    value: 1500000000000
    unit: yuan
    qualifier: more than
    source: test
---
## Terms

Text.
"""


@pytest.fixture(scope="module")
def wide_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small site with the figures above, built into ``<tmp>/briefs-site``."""
    root = tmp_path_factory.mktemp("reader")
    source = write_site(root / "source", {"figures.md": FIGURES_BRIEF})
    out = root / "out" / "briefs-site"
    result = run_build("build", "--source", source, "--output", out, "--quiet")
    assert result.returncode == 0, result.stdout + result.stderr
    return out


def _brief_url(site: Path, slug: str) -> str:
    return (site / "briefs" / slug / "index.html").as_uri()


def _open(new_page: NewPage, url: str, **context_options: Any) -> Any:
    page = new_page(**context_options)
    response = page.goto(url)
    assert response is not None and response.ok, f"{url}: {response and response.status}"
    return page


# --- Measuring text in the page --------------------------------------------------------------

# Where the lines of an element's text end. For every place where the next visible character
# starts a new line, the characters from the last one on the line before to the first one on
# the new line (the text the line broke in). A character is on a new line when its box does
# not overlap the previous character's box by half its height.
LINE_BREAKS_JS = """el => {
    const chars = [];
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        for (let i = 0; i < node.data.length; i++) {
            const range = document.createRange();
            range.setStart(node, i);
            range.setEnd(node, i + 1);
            const rect = [...range.getClientRects()].find(r => r.width > 0 && r.height > 0);
            chars.push({c: node.data[i], rect});
        }
    }
    const breaks = [];
    let last = -1;
    chars.forEach((ch, i) => {
        if (!ch.rect) return;
        if (last >= 0) {
            const a = chars[last].rect, b = ch.rect;
            const overlap = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
            if (overlap < Math.min(a.height, b.height) / 2) {
                breaks.push(chars.slice(last, i + 1).map(x => x.c).join(''));
            }
        }
        last = i;
    });
    return {text: el.textContent, breaks};
}"""


def _bad_value_breaks(page: Any) -> list[str]:
    """Key-figure values that wrap anywhere but at a plain space (U+00A0 joins, so it does not
    count), as 'value: text around the break'."""
    values = page.eval_on_selector_all(".key-figures__value", f"els => els.map({LINE_BREAKS_JS})")
    assert values, "no key figures on the page"
    return [
        f"{' '.join(v['text'].split())!r} breaks in {b!r}"
        for v in values
        for b in v["breaks"]
        if not re.search(r"[ \t\n]", b)
    ]


def _sample_brief_urls(site: Path, site_url: str) -> list[str]:
    """The served address of every sample brief that has key figures."""
    return [
        f"{site_url}briefs/{path.parent.name}/"
        for path in sorted(site.glob("briefs/*/index.html"))
        if 'class="key-figures"' in path.read_text(encoding="utf-8")
    ]


# --- 1. Key figures never break inside a word -----------------------------------------------


@pytest.mark.parametrize("width", WIDTHS)
def test_key_figure_values_break_only_at_spaces(
    new_page: NewPage, briefs_site: Path, site_url: str, wide_site: Path, width: int
) -> None:
    page = new_page(viewport={"width": width, "height": 900})
    urls = [*_sample_brief_urls(briefs_site, site_url), _brief_url(wide_site, "figures")]
    assert len(urls) >= 5, urls
    failures = []
    for url in urls:
        response = page.goto(url)
        assert response is not None and response.ok, url
        failures += [f"{url}: {bad}" for bad in _bad_value_breaks(page)]
    assert not failures, f"key-figure values broken inside a word at {width}px:\n" + "\n".join(
        failures
    )


def test_key_figure_values_keep_scale_words_and_wrap_units_as_words(
    new_page: NewPage, wide_site: Path
) -> None:
    """At 320 px "over 390 billion yuan" cannot fit on one line: it wraps before "yuan", never
    between "390" and "billion"."""
    page = _open(new_page, _brief_url(wide_site, "figures"), viewport={"width": 320, "height": 900})
    values = page.eval_on_selector_all(".key-figures__value", f"els => els.map({LINE_BREAKS_JS})")
    breaks = {re.sub(r"[ \t\n]+", " ", v["text"]).strip(): v["breaks"] for v in values}
    # One break after the qualifier's line, one before the unit: "over / 390 billion / yuan".
    assert breaks["over 390\u00a0billion yuan"] == ["r 3", "n y"], breaks
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.locator(".key-figures").screenshot(path=str(SCREENSHOTS / "key-figures-320.png"))


# --- 4. Qualifiers: their own line, readable size, numbers line up --------------------------

# For each key-figure item: where its number starts (the first digit), the font size there,
# and where the qualifier text (whatever comes before the first digit) is and how big it is.
FIGURE_PARTS_JS = """items => items.map(li => {
    const value = li.querySelector('.key-figures__value');
    const walker = document.createTreeWalker(value, NodeFilter.SHOW_TEXT);
    let digit = null, qualifier = null;
    for (let node = walker.nextNode(); node && !digit; node = walker.nextNode()) {
        for (let i = 0; i < node.data.length; i++) {
            if (/\\d/.test(node.data[i])) { digit = {node, i}; break; }
            if (!qualifier && /\\S/.test(node.data[i])) qualifier = {node, i};
        }
    }
    const box = ({node, i}) => {
        const range = document.createRange();
        range.setStart(node, i);
        range.setEnd(node, i + 1);
        const r = range.getBoundingClientRect();
        return {top: r.top, bottom: r.bottom,
                size: parseFloat(getComputedStyle(node.parentElement).fontSize)};
    };
    return {text: value.textContent.trim(), row: Math.round(li.getBoundingClientRect().top),
            number: box(digit), qualifier: qualifier && box(qualifier)};
})"""


@pytest.mark.parametrize("width", [1024, 1280])
def test_qualifiers_have_their_own_line_and_the_numbers_of_a_row_line_up(
    new_page: NewPage, wide_site: Path, width: int
) -> None:
    page = _open(
        new_page, _brief_url(wide_site, "figures"), viewport={"width": width, "height": 900}
    )
    items = page.eval_on_selector_all(".key-figures__item", FIGURE_PARTS_JS)
    rows: dict[int, list[dict[str, Any]]] = {}
    for item in items:
        rows.setdefault(item["row"], []).append(item)
    assert any(len(row) > 1 for row in rows.values()), f"one figure per row at {width}px"
    for row in rows.values():
        tops = [item["number"]["top"] for item in row]
        assert max(tops) - min(tops) < 1, f"numbers of a row do not line up: {row}"
    for item in items:
        qualifier, number = item["qualifier"], item["number"]
        if qualifier is None:
            continue
        assert qualifier["bottom"] <= number["top"] + 1, f"qualifier not on its own line: {item}"
        assert qualifier["size"] >= number["size"] / 2, f"qualifier under half the size: {item}"
