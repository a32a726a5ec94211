"""Reader quality (issue 11) in headless Chromium: what a reader sees at real widths, in dark
mode and on paper.

- Key figures: a value wraps only at a plain space ("100 million" stays together, the unit
  wraps as a word), never inside a word, at 320-1280 px; a qualifier ("up to") has a line of
  its own, at least half the number's size, and the numbers of a row line up.
- Wide images, figures, plain code blocks and tables stay inside the page; a table that
  scrolls shows a shadow on the side where more of it is hidden.
- Print: every link that leaves the page prints its address (links between briefs too), the
  feed link does not print, `@page` has margins, and the footer never sits alone on the last
  page (Letter and A4).
- Small ones: no empty band under the footer, the footer address breaks only after a slash,
  metadata labels stack on small screens, code is dark in dark mode, focus is visible on the
  dark background.
- Content: the sample briefs claim nothing the source does not say.

Fixtures (Chromium, the served sample site) come from tests/browser_support.py; a second,
small site with wide content is built here into a temporary folder and opened from disk.
"""

from __future__ import annotations

import base64
import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO, SEARCH_SITE_YML, parse, run_build, write_site
from PIL import Image

SCREENSHOTS = REPO / "test-artifacts" / "screenshots"
WIDTHS = [320, 360, 768, 1024, 1280]
BASE_URL = "https://example.org/briefs-site/"
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

LONG = "x" * 300
WIDE_BRIEF = f"""\
---
title: Wide things
date: 2020-04-07
summary: A wide image, a figure, long code lines and a wide table.
---
## Images

<img src="wide.png" alt="A wide chart">

![A wide chart in Markdown](wide.png)

<figure><img src="wide.png" alt="A chart in a figure">
<figcaption>A figure.</figcaption></figure>

## Code

<pre>plain = "{LONG}"</pre>

```python
def answer() -> str:  # a comment
    return "{LONG}" + str(42)
```

## Table

| Measure | {" | ".join(f"Column {n} heading" for n in range(1, 13))} |
| --- | {" | ".join("---:" for _ in range(12))} |
| Share of investment | {" | ".join(f"{n}.5%" for n in range(1, 13))} |
| Growth year on year | {" | ".join(f"{n}.1%" for n in range(1, 13))} |

See [the figures](figures.md).
"""


def wide_png() -> bytes:
    """A real 1200 x 200 image, published beside the brief that shows it (its width and
    height in the page come from the file)."""
    out = io.BytesIO()
    Image.new("RGB", (1200, 200), (86, 148, 202)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture(scope="module")
def wide_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small site with the figures and wide content above, built into ``<tmp>/briefs-site``."""
    root = tmp_path_factory.mktemp("reader")
    briefs = {"figures.md": FIGURES_BRIEF, "wide.md": WIDE_BRIEF, "wide.png": wide_png()}
    source = write_site(root / "source", briefs, SEARCH_SITE_YML)  # as readers get pages
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


def test_key_figure_values_break_only_at_spaces(
    reused_page: NewPage, briefs_site: Path, site_url: str, wide_site: Path
) -> None:
    # Each page is loaded once and laid out again at every width (a load costs a browser
    # several times what a new layout does).
    page = reused_page(viewport={"width": WIDTHS[0], "height": 900})
    urls = [*_sample_brief_urls(briefs_site, site_url), _brief_url(wide_site, "figures")]
    assert len(urls) >= 5, urls
    failures = []
    for url in urls:
        page.set_viewport_size({"width": WIDTHS[0], "height": 900})
        response = page.goto(url)
        assert response is not None and response.ok, url
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            failures += [f"{url} at {width}px: {bad}" for bad in _bad_value_breaks(page)]
    assert not failures, "key-figure values broken inside a word:\n" + "\n".join(failures)


def test_key_figure_values_keep_scale_words_and_wrap_units_as_words(
    reused_page: NewPage, wide_site: Path
) -> None:
    """At 320 px "over 390 billion yuan" cannot fit on one line: it wraps before "yuan", never
    between "390" and "billion"."""
    page = _open(
        reused_page, _brief_url(wide_site, "figures"), viewport={"width": 320, "height": 900}
    )
    values = page.eval_on_selector_all(".key-figures__value", f"els => els.map({LINE_BREAKS_JS})")
    breaks = {re.sub(r"[ \t\n]+", " ", v["text"]).strip(): v["breaks"] for v in values}
    # One break after the qualifier's line, one before the unit: "over / 390 billion / yuan".
    assert breaks["over 390\u00a0billion yuan"] == ["r 3", "n y"], breaks
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.locator(".key-figures").screenshot(path=str(SCREENSHOTS / "key-figures-320.png"))


# --- 3. Titles, summaries and list entries: a number stays with its unit -------------------

# A number and the unit or scale word after it ("37.3 km²", "100 million yuan"), written with
# any space: the line must never break in the spaces between them (nor "million / yuan").
BOUND = re.compile(
    r"(?<=\d)[ \u00a0]+(?=(?:km²|million|billion|yuan|companies|projects)\b)"
    r"|(?<=million|billion)[ \u00a0]+(?=yuan\b)"
)

# Where the lines of an element's text start: the index in its textContent of each visible
# character that begins a new line (as LINE_BREAKS_JS decides a new line).
LINE_STARTS_JS = """el => {
    const starts = [];
    let index = 0, last = null;
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        for (let i = 0; i < node.data.length; i++, index++) {
            const range = document.createRange();
            range.setStart(node, i);
            range.setEnd(node, i + 1);
            const rect = [...range.getClientRects()].find(r => r.width > 0 && r.height > 0);
            if (!rect) continue;
            if (last) {
                const overlap = Math.min(last.bottom, rect.bottom) - Math.max(last.top, rect.top);
                if (overlap < Math.min(last.height, rect.height) / 2) starts.push(index);
            }
            last = rect;
        }
    }
    return {text: el.textContent, starts};
}"""


def _breaks_inside_bound_pairs(page: Any, selector: str) -> list[str]:
    """Line breaks in the elements matching `selector` that fall in the spaces between a number
    and its unit, as 'text: the words around the break'."""
    found = page.eval_on_selector_all(selector, f"els => els.map({LINE_STARTS_JS})")
    assert found, f"nothing matches {selector}"
    bad = []
    for item in found:
        text = item["text"]
        for match in BOUND.finditer(text):
            # A break in these spaces starts the next line at the unit: at match.end().
            if match.end() in item["starts"]:
                around = text[max(0, match.start() - 8) : match.end() + 8]
                bad.append(f"{' '.join(text.split())[:60]!r}... breaks in {around!r}")
    return bad


# Pages and the front-matter text on them (titles, summaries, list entries) to check.
TITLE_CHECKS = {
    "land-offer": ("briefs/land-offer/", "h1, .lead"),
    "online-investment-signing": ("briefs/online-investment-signing/", "h1, .lead"),
    "home": ("", ".brief-list__title, .brief-list__summary"),
    "archive": ("briefs/", ".brief-list__title, .brief-list__summary"),
}


@pytest.mark.parametrize("name", TITLE_CHECKS)
def test_titles_summaries_and_list_entries_keep_numbers_with_their_units(
    reused_page: NewPage, site_url: str, name: str
) -> None:
    """Issue 11, point 3: "37.3 / km²" split in the h1 and lead at 360 px, "up to 100 /
    million yuan" in the home list. Front-matter text is now typeset like the body.

    The page is loaded once and laid out again at every width (a load costs a browser
    several times what a new layout does)."""
    path, selector = TITLE_CHECKS[name]
    page = _open(reused_page, site_url + path, viewport={"width": WIDTHS[0], "height": 900})
    failures = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        failures += [f"at {width}px: {bad}" for bad in _breaks_inside_bound_pairs(page, selector)]
    assert not failures, f"a number split from its unit on {site_url + path}:\n" + "\n".join(
        failures
    )


# --- 6. Pagination: a row of links, the current page marked, not printed --------------------


@pytest.fixture(scope="module")
def paged_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Twelve briefs, one to a page: the archive has twelve pages."""
    root = tmp_path_factory.mktemp("paged")
    briefs = {
        f"b{n:02}.md": f"---\ntitle: Brief {n}\ndate: 2020-01-{n:02}\nsummary: About {n}.\n"
        "---\nText.\n"
        for n in range(1, 13)
    }
    source = write_site(
        root / "source", briefs, f"title: Paged\nbase_url: {BASE_URL}\npage_size: 1\n"
    )
    out = root / "out" / "briefs-site"
    result = run_build("build", "--source", source, "--output", out, "--quiet")
    assert result.returncode == 0, result.stdout + result.stderr
    return out


PAGINATION_JS = """nav => ({
    items: [...nav.querySelectorAll('li')].map(li => {
        const r = li.getBoundingClientRect();
        return {text: li.textContent.trim(), top: r.top, left: r.left, right: r.right,
                height: r.height};
    }),
    current: [...nav.querySelectorAll('[aria-current=page]')].map(a => ({
        text: a.textContent, weight: getComputedStyle(a).fontWeight })),
    others: [...nav.querySelectorAll('a:not([aria-current])')].map(a =>
        getComputedStyle(a).fontWeight),
    width: document.documentElement.scrollWidth, viewport: innerWidth,
})"""


@pytest.mark.parametrize("width", [320, 1280])
def test_pagination_is_a_row_of_links_with_the_current_page_marked(
    reused_page: NewPage, paged_site: Path, width: int
) -> None:
    url = (paged_site / "briefs" / "page" / "3" / "index.html").as_uri()
    page = _open(reused_page, url, viewport={"width": width, "height": 900})
    state = page.eval_on_selector('nav[aria-label="Pagination"]', PAGINATION_JS)
    texts = [item["text"] for item in state["items"]]
    assert texts == ["Previous page", "1", "2", "3", "4", "\u2026", "12", "Next page"], texts
    assert state["current"] == [{"text": "3", "weight": "700"}], state["current"]
    assert all(weight == "400" for weight in state["others"]), state["others"]
    assert state["width"] <= state["viewport"], "the pagination widens the page"
    # Entries sit side by side (wrapping at most into a few rows), each a target of 24 px or
    # with room around it (WCAG 2.5.8).
    rows = {round(item["top"]) for item in state["items"]}
    assert len(rows) <= (1 if width >= 768 else 3), state["items"]
    assert all(item["height"] >= 24 for item in state["items"]), state["items"]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.locator('nav[aria-label="Pagination"]').screenshot(
        path=str(SCREENSHOTS / f"pagination-{width}.png")
    )


def test_pagination_does_not_print(reused_page: NewPage, paged_site: Path) -> None:
    url = (paged_site / "briefs" / "page" / "3" / "index.html").as_uri()
    page = _open(reused_page, url)
    page.emulate_media(media="print")
    display = page.eval_on_selector(
        'nav[aria-label="Pagination"]', "nav => getComputedStyle(nav).display"
    )
    assert display == "none"


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
    reused_page: NewPage, wide_site: Path, width: int
) -> None:
    page = _open(
        reused_page, _brief_url(wide_site, "figures"), viewport={"width": width, "height": 900}
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


# --- 2. Wide images, figures, code and tables stay inside the page ---------------------------

OVERFLOW_JS = """() => ({
    scrollWidth: document.documentElement.scrollWidth, innerWidth,
    images: [...document.images].map(i => ({
        loaded: i.complete && i.naturalWidth === 1200,
        right: i.getBoundingClientRect().right,
        column: i.closest('.body').getBoundingClientRect().right })),
    figures: [...document.querySelectorAll('.body figure')].map(f => [
        f.getBoundingClientRect().left, f.parentElement.getBoundingClientRect().left]),
    pres: [...document.querySelectorAll('.body pre')].map(p => ({
        inside: p.scrollWidth > p.clientWidth,
        right: p.getBoundingClientRect().right,
        column: p.closest('.body').getBoundingClientRect().right })),
    tables: [...document.querySelectorAll('.table-scroll')].map(t => ({
        scrolls: t.scrollWidth > t.clientWidth,
        right: t.getBoundingClientRect().right })),
})"""


@pytest.mark.parametrize("width", [360, 1280])
def test_wide_images_code_and_tables_do_not_widen_the_page(
    reused_page: NewPage, wide_site: Path, width: int
) -> None:
    page = _open(
        reused_page, _brief_url(wide_site, "wide"), viewport={"width": width, "height": 900}
    )
    page.wait_for_function("[...document.images].every(i => i.complete && i.naturalWidth > 0)")
    state = page.evaluate(OVERFLOW_JS)
    assert len(state["images"]) == 3 and all(i["loaded"] for i in state["images"]), state
    assert state["scrollWidth"] <= state["innerWidth"], f"the page scrolls sideways: {state}"
    for image in state["images"]:
        assert image["right"] <= image["column"] + 0.5, f"an image leaves the column: {state}"
    for left, parent_left in state["figures"]:
        assert abs(left - parent_left) < 0.5, f"a figure is indented: {state['figures']}"
    assert len(state["pres"]) == 2, state["pres"]
    for pre in state["pres"]:
        assert pre["inside"] and pre["right"] <= pre["column"] + 0.5, f"code overflows: {state}"
    assert state["tables"] and all(t["scrolls"] for t in state["tables"]), state["tables"]


# Mean colour of rectangles of a PNG, read back through a canvas in the page.
REGIONS_JS = """async ({png, regions}) => {
    const image = new Image();
    image.src = 'data:image/png;base64,' + png;
    await image.decode();
    const canvas = document.createElement('canvas');
    canvas.width = image.width;
    canvas.height = image.height;
    const context = canvas.getContext('2d');
    context.drawImage(image, 0, 0);
    return regions.map(([x, y, w, h]) => {
        const data = context.getImageData(x, y, w, h).data;
        const sum = [0, 0, 0];
        for (let i = 0; i < data.length; i += 4) for (let c = 0; c < 3; c++) sum[c] += data[i + c];
        return sum.map(s => s / (data.length / 4));
    });
}"""


def _luminance(rgb: list[float]) -> float:
    """Relative luminance (WCAG) of an sRGB colour with 0-255 channels."""

    def linear(channel: float) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast(a: list[float], b: list[float]) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def _region_colours(page: Any, png: bytes, regions: list[tuple[int, int, int, int]]) -> Any:
    return page.evaluate(REGIONS_JS, {"png": base64.b64encode(png).decode(), "regions": regions})


def _edges(page: Any, locator: Any) -> dict[str, float]:
    """Luminance of a thin strip at the left edge, the middle and the right edge of an element
    (top half, away from any scrollbar), from a screenshot."""
    png = locator.screenshot()
    box = locator.bounding_box()
    width, height = int(box["width"]), int(box["height"])
    strip, top, tall = 4, 2, max(4, height // 2 - 2)
    regions = [(x, top, strip, tall) for x in (1, width // 2, width - strip - 1)]
    left, middle, right = (_luminance(c) for c in _region_colours(page, png, regions))
    return {"left": left, "middle": middle, "right": right}


def test_a_table_that_scrolls_shows_a_shadow_where_more_is_hidden(
    reused_page: NewPage, wide_site: Path
) -> None:
    page = _open(reused_page, _brief_url(wide_site, "wide"), viewport={"width": 360, "height": 900})
    # Only the scroll region's own background is measured: hide the table's text and rules.
    page.add_style_tag(
        content=".table-scroll :is(th, td) { color: transparent !important;"
        " border-color: transparent !important; }"
    )
    region = page.locator(".table-scroll").first
    region.scroll_into_view_if_needed()
    at_start = _edges(page, region)
    assert at_start["right"] < at_start["middle"] - 0.02, f"no shadow on the right: {at_start}"
    assert abs(at_start["left"] - at_start["middle"]) < 0.01, f"shadow at the start: {at_start}"
    region.evaluate("e => { e.scrollLeft = e.scrollWidth; }")
    page.wait_for_function(
        "() => { const e = document.querySelector('.table-scroll');"
        " return e.scrollLeft + e.clientWidth >= e.scrollWidth - 1; }"
    )
    at_end = _edges(page, region)
    assert at_end["left"] < at_end["middle"] - 0.02, f"no shadow on the left: {at_end}"
    assert abs(at_end["right"] - at_end["middle"]) < 0.01, f"shadow at the end: {at_end}"


# --- 9. Print ---------------------------------------------------------------------------------

PRINTED_LINKS_JS = """els => els.filter(a => a.getClientRects().length > 0).map(a => ({
    href: a.getAttribute('href'), text: a.textContent.trim().slice(0, 40),
    after: getComputedStyle(a, '::after').content }))"""

PAGE_RULES_JS = """() => {
    const found = [];
    const walk = rules => { for (const rule of rules) {
        if (rule instanceof CSSPageRule) found.push({top: rule.style.marginTop,
            right: rule.style.marginRight, bottom: rule.style.marginBottom,
            left: rule.style.marginLeft});
        if (rule.cssRules) walk(rule.cssRules);
    } };
    for (const sheet of document.styleSheets) walk(sheet.cssRules);
    return found;
}"""

MM = {"mm": 1.0, "cm": 10.0, "in": 25.4, "pt": 25.4 / 72, "px": 25.4 / 96}


def _millimetres(length: str) -> float:
    match = re.fullmatch(r"([\d.]+)(mm|cm|in|pt|px)", length)
    assert match, f"unexpected @page margin {length!r}"
    return float(match.group(1)) * MM[match.group(2)]


def test_printed_pages_have_margins(reused_page: NewPage, site_url: str) -> None:
    page = _open(reused_page, site_url + "briefs/land-offer/")
    margins = page.evaluate(PAGE_RULES_JS)
    assert margins, "no @page rule in the stylesheet"
    assert all(_millimetres(m) >= 15 for rule in margins for m in rule.values()), margins


def test_print_shows_the_address_of_every_link_that_leaves_the_page(
    reused_page: NewPage, site_url: str
) -> None:
    """Links between briefs too: as written in the text, absolute (from base_url) where the
    template knows the address. The feed link does not print."""
    page = _open(reused_page, site_url + "briefs/land-offer/")
    page.emulate_media(media="print")
    links = page.eval_on_selector_all("a[href]:not([href^='#'])", PRINTED_LINKS_JS)
    between_briefs = [link for link in links if link["href"].startswith("../")]
    assert between_briefs, f"no relative links on the page: {links}"
    missing = []
    for link in links:
        after = link["after"]
        absolute = re.search(r"\((https?://[^)]+)\)", after)
        if link["href"] in after:
            continue  # printed as written
        if absolute and absolute.group(1).startswith(BASE_URL):
            continue  # printed as the absolute address made from base_url
        missing.append(link)
    assert not missing, f"printed without their address: {missing}"
    related = page.eval_on_selector_all(".related a[href]", PRINTED_LINKS_JS)
    assert related and all(f"({BASE_URL}briefs/" in link["after"] for link in related), related
    feed = page.eval_on_selector_all("a[href$='feed.xml']", PRINTED_LINKS_JS)
    assert feed == [], f"the feed link prints: {feed}"


# Named destinations in a Chromium PDF: "/name [12 0 R /XYZ x y 0]" (page object 12).
_DEST = re.compile(rb"/([\w:.%-]+) \[(\d+) 0 R /XYZ")
_OBJECT = re.compile(rb"(?:^|\n)(\d+) 0 obj\b")


def _pdf_objects(pdf: bytes) -> dict[int, bytes]:
    """Each object's dictionary text, by number (streams cut off: only dictionaries matter)."""
    starts = list(_OBJECT.finditer(pdf))
    objects = {}
    for match, following in zip(starts, [*starts[1:], None], strict=True):
        body = pdf[match.end() : following.start() if following else len(pdf)]
        objects[int(match.group(1))] = body.split(b"stream", 1)[0]
    return objects


def _pdf_pages_of(pdf: bytes) -> dict[str, int]:
    """The page number (1-based) of each named destination of a PDF made by Chromium."""
    objects = _pdf_objects(pdf)
    catalog = next(body for body in objects.values() if b"/Type /Catalog" in body)
    root = int(re.search(rb"/Pages (\d+) 0 R", catalog).group(1))  # type: ignore[union-attr]
    order: list[int] = []

    def walk(number: int) -> None:
        body = objects[number]
        if re.search(rb"/Type /Pages\b", body):
            kids = re.search(rb"/Kids \[([^\]]*)\]", body)
            for kid in re.findall(rb"(\d+) 0 R", kids.group(1) if kids else b""):
                walk(int(kid))
        else:
            order.append(number)

    walk(root)
    return {name.decode(): order.index(int(page)) + 1 for name, page in _DEST.findall(pdf)}


# Ids for the last element of the text, the footer and its last line, with links to them so
# that Chromium writes them into the PDF as named destinations (the links do not print).
PROBES_JS = """() => {
    // (navigation rows, .site-nav, are not printed: a brief's neighbours end its main)
    const printed = el => [...el.children].filter(child => !child.matches('.site-nav')).pop();
    let last = document.querySelector('main');
    while (printed(last)) last = printed(last);
    last.id ||= 'probe-end';
    document.querySelector('.site-footer').id = 'probe-footer';
    // (its last line in print: the feed's link does not print, and ends a noindex page's)
    [...document.querySelectorAll('.site-footer p:not(.site-footer__feed)')].pop().id =
        'probe-footer-end';
    const links = document.createElement('div');
    links.id = 'probes';
    links.innerHTML = [last.id, 'probe-footer', 'probe-footer-end']
        .map(id => `<a href="#${id}">.</a>`).join(' ');
    document.body.append(links);
    const style = document.createElement('style');
    style.textContent = '#probes { display: none; }';
    document.head.append(style);
    return last.id;
}"""


def test_the_printed_footer_is_never_alone_on_the_last_page(
    reused_page: NewPage, briefs_site: Path
) -> None:
    """Every sample page printed on Letter and A4: the footer starts and ends on the page where
    the text ends."""
    page = reused_page()
    failures = []
    for path in sorted(briefs_site.rglob("*.html")):
        if path.name == "404.html":
            continue  # root-relative stylesheet: unstyled from disk
        page.goto(path.as_uri())
        end = page.evaluate(PROBES_JS)
        for paper in ("Letter", "A4"):  # printing leaves the page as it was: one load for both
            pages = _pdf_pages_of(page.pdf(format=paper))
            where = (pages[end], pages["probe-footer"], pages["probe-footer-end"])
            if len(set(where)) != 1:
                failures.append(
                    f"{path.relative_to(briefs_site)} on {paper}: text ends on page "
                    f"{where[0]}, footer on pages {where[1]}-{where[2]}"
                )
    assert not failures, "\n".join(failures)


# --- 11. Small ones --------------------------------------------------------------------------


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_band_of_another_colour_under_the_footer(
    reused_page: NewPage, site_url: str, scheme: str
) -> None:
    page = _open(
        reused_page,
        site_url + "topics/",
        viewport={"width": 1280, "height": 1600},
        color_scheme=scheme,
    )
    footer = page.evaluate("document.querySelector('.site-footer').getBoundingClientRect().bottom")
    assert footer < 1590, "the page is not short enough to show what lies under the footer"
    png = page.screenshot()
    inside, under = _region_colours(page, png, [(10, int(footer) - 8, 100, 4), (10, 1592, 100, 4)])
    assert _contrast(inside, under) < 1.01, f"footer {inside} but under it {under}"


def test_the_footer_address_breaks_only_after_a_slash(
    reused_page: NewPage, briefs_site: Path, site_url: str
) -> None:
    page = reused_page(viewport={"width": 320, "height": 800})
    broke = 0
    failures = []
    for path in sorted(briefs_site.glob("briefs/*/index.html")):
        page.goto(f"{site_url}briefs/{path.parent.name}/")
        result = page.eval_on_selector(".site-footer__canonical", LINE_BREAKS_JS)
        broke += len(result["breaks"])
        failures += [
            f"{path.parent.name}: {b!r}"
            for b in result["breaks"]
            if not (b[0] == "/" or re.search(r"\s", b))
        ]
    assert broke, "no footer address wrapped at 320px"
    assert not failures, "footer addresses broken inside a word:\n" + "\n".join(failures)


METADATA_JS = """els => els.map(div => {
    const dt = div.querySelector('dt').getBoundingClientRect();
    const dd = div.querySelector('dd').getBoundingClientRect();
    return {label: div.querySelector('dt').textContent, dtBottom: dt.bottom, ddTop: dd.top,
            dtLeft: dt.left, ddLeft: dd.left, dtRight: dt.right};
})"""


@pytest.mark.parametrize("width", [360, 1280])
def test_metadata_labels_stack_on_small_screens(
    reused_page: NewPage, site_url: str, width: int
) -> None:
    page = _open(
        reused_page, site_url + "briefs/land-offer/", viewport={"width": width, "height": 900}
    )
    rows = page.eval_on_selector_all(".metadata > div", METADATA_JS)
    assert len(rows) >= 3, rows
    for row in rows:
        if width < 641:
            assert row["dtBottom"] <= row["ddTop"] + 0.5, f"label beside its value: {row}"
            assert abs(row["dtLeft"] - row["ddLeft"]) < 0.5, row
        else:
            assert row["dtRight"] <= row["ddLeft"], f"label not beside its value: {row}"


def test_code_blocks_are_dark_and_readable_in_dark_mode(
    reused_page: NewPage, wide_site: Path, axe: Any
) -> None:
    page = _open(
        reused_page,
        _brief_url(wide_site, "wide"),
        color_scheme="dark",
        viewport={"width": 1280, "height": 900},
    )
    background = page.eval_on_selector(
        ".highlight pre", "e => getComputedStyle(e).backgroundColor.match(/[\\d.]+/g).map(Number)"
    )
    assert _luminance(background) < 0.05, f"code block background {background} in dark mode"
    options = {"runOnly": {"type": "rule", "values": ["color-contrast"]}}
    violations = axe.run(page, context=".highlight", options=options).response["violations"]
    assert not violations, [n["target"] for v in violations for n in v["nodes"]]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.locator(".highlight").screenshot(path=str(SCREENSHOTS / "code-dark.png"))


FOCUS_JS = """() => {
    const e = document.activeElement;
    const s = getComputedStyle(e);
    return {tag: e.tagName, href: e.getAttribute('href'), style: s.outlineStyle,
            width: parseFloat(s.outlineWidth), colour: s.outlineColor,
            page: getComputedStyle(document.body).backgroundColor};
}"""


def _rgba(colour: str) -> list[float]:
    parts = [float(p) for p in re.findall(r"[\d.]+", colour)]
    return parts + [1.0] * (4 - len(parts))


def test_focus_is_visible_on_the_dark_background(reused_page: NewPage, site_url: str) -> None:
    """WCAG 2.2 focus appearance: on a dark page the focus indicator still has 3:1 against
    the page, for the first link in the text and the skip link."""
    page = _open(reused_page, site_url + "briefs/land-offer/", color_scheme="dark")
    page.keyboard.press("Tab")
    skip = page.evaluate(FOCUS_JS)
    page.locator(".body a[href]").first.focus()
    page.wait_for_function("document.activeElement.closest('.body') !== null")
    link = page.evaluate(FOCUS_JS)
    for focused in (skip, link):
        assert focused["tag"] == "A" and focused["style"] != "none", focused
        assert focused["width"] >= 2, focused
        colour, background = _rgba(focused["colour"]), _rgba(focused["page"])
        assert colour[3] > 0.99, f"transparent outline: {focused}"
        assert _contrast(colour, background) >= 3, focused


# --- Content: say only what the source says -------------------------------------------------


def test_sample_briefs_claim_only_what_the_source_says(briefs_site: Path) -> None:
    """The metadata claims no status, start date or issuer the article does not give; figures
    are quoted as stated and cited as the article identifies itself."""

    def labels(slug: str) -> list[str]:
        doc = parse(briefs_site / "briefs" / slug / "index.html")
        return [doc.text(dt) for dt in doc.find_all("dt")]

    assert not {"Status", "In force from"} & set(labels("land-offer")), labels("land-offer")
    assert "From" not in labels("strategic-emerging-industries-2019")
    for path in sorted(briefs_site.glob("briefs/*/index.html")):
        doc = parse(path)
        assert "Qingdao press release" not in path.read_text(encoding="utf-8"), path
        values = [doc.text(e) for e in doc.find_all("span", class_="key-figures__value")]
        assert not [v for v in values if "percentage points" in v], (path, values)
