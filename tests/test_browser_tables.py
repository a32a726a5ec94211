"""Tables as readers see them (issue 11, point 5), in headless Chromium at phone widths.

- A captioned table's caption stays within the visible width of its scroll region, even when
  the table is far wider and scrolls sideways (the caption is inside the table).
- Row labels (`<th scope="row">`) are never squeezed by columns of numbers: at least 8em wide,
  broken only at spaces, while the table scrolls sideways with its shadow cue and the page
  does not.
- The sample brief's "Table 1" has its caption and row headers and fits a 360 px screen.
- A code block wider than a phone scrolls on its own, and the keyboard reaches and scrolls it.

Fixtures (Chromium, the served sample site) come from tests/browser_support.py; a small site
with a wide table is built here into a temporary folder and opened from disk.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO, SEARCH_SITE_YML, run_build, write_site
from test_reader_quality import LINE_BREAKS_JS

SCREENSHOTS = REPO / "test-artifacts" / "screenshots"
NewPage = Callable[..., Any]

SHARES = " | ".join(f"{n}.5%" for n in range(1, 13))
GROWTH = " | ".join(f"{n}.1%" for n in range(1, 13))
CAPTION = (
    "Table 1: Shares of investment and growth year on year in twelve made-up columns, long "
    "enough to wrap on a phone"
)
WIDE_TABLE_BRIEF = f"""\
---
title: A wide table
date: 2020-04-07
summary: A captioned table with row labels and twelve columns of numbers.
---
## Table

{CAPTION}

| Measure | {" | ".join(f"Column {n} heading" for n in range(1, 13))} |
| --- | {" | ".join("---:" for _ in range(12))} |
| Share of investment in strategic emerging industries | {SHARES} |
| Growth year on year | {GROWTH} |

## Code

```text
{"industrial_land_offer_km2=37.3 " * 8}
```
"""

# For the first table of the page: its region, caption and row headers, measured.
TABLE_JS = """() => {
    const region = document.querySelector('.table-scroll');
    const box = e => { const r = e.getBoundingClientRect(); return {left: r.left, right: r.right,
        width: r.width, size: parseFloat(getComputedStyle(e).fontSize)}; };
    const caption = region.querySelector('caption');
    return {
        page: {scrollWidth: document.documentElement.scrollWidth, innerWidth},
        region: {...box(region), scrolls: region.scrollWidth > region.clientWidth,
                 label: region.getAttribute('aria-labelledby')},
        caption: caption && {...box(caption), id: caption.id, text: caption.textContent},
        rowHeaders: [...region.querySelectorAll('th[scope=row]')].map(box),
    };
}"""


@pytest.fixture(scope="module")
def table_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A site with the wide table above, built into ``<tmp>/briefs-site``."""
    root = tmp_path_factory.mktemp("tables")
    source = write_site(root / "source", {"wide-table.md": WIDE_TABLE_BRIEF}, SEARCH_SITE_YML)
    out = root / "out" / "briefs-site"
    result = run_build("build", "--source", source, "--output", out, "--quiet")
    assert result.returncode == 0, result.stdout + result.stderr
    return out


def _measure(new_page: NewPage, url: str, width: int) -> tuple[Any, dict[str, Any]]:
    page = new_page(viewport={"width": width, "height": 900})
    response = page.goto(url)
    assert response is not None and response.ok, url
    return page, page.evaluate(TABLE_JS)


def _breaks_inside_words(page: Any, selector: str) -> list[str]:
    """Texts of `selector` that wrap anywhere but at a space."""
    found = page.eval_on_selector_all(selector, f"els => els.map({LINE_BREAKS_JS})")
    return [
        f"{item['text']!r} breaks in {text!r}"
        for item in found
        for text in item["breaks"]
        if " " not in text and "\n" not in text
    ]


@pytest.mark.parametrize("width", [320, 360])
def test_a_wide_tables_caption_stays_in_view_and_its_row_labels_are_not_squeezed(
    reused_page: NewPage, table_site: Path, width: int
) -> None:
    url = (table_site / "briefs" / "wide-table" / "index.html").as_uri()
    page, state = _measure(reused_page, url, width)

    assert state["page"]["scrollWidth"] <= state["page"]["innerWidth"], state["page"]
    region, caption = state["region"], state["caption"]
    assert region["scrolls"], "the wide table should scroll inside its region"
    assert caption is not None and caption["text"] == CAPTION, caption
    assert region["label"] == caption["id"], "the region is named by its caption"
    assert caption["left"] >= region["left"] - 0.5, (caption, region)
    assert caption["right"] <= region["right"] + 0.5, f"caption runs out of view: {caption}"
    assert len(state["rowHeaders"]) == 2, state["rowHeaders"]
    for header in state["rowHeaders"]:
        assert header["width"] >= 8 * header["size"] - 0.5, f"row label squeezed: {header}"
    assert _breaks_inside_words(page, "th[scope=row]") == []
    if width == 360:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.locator(".table-scroll").screenshot(path=str(SCREENSHOTS / "table-360.png"))


def test_the_sample_table_has_its_caption_and_fits_a_phone(
    reused_page: NewPage, site_url: str
) -> None:
    url = f"{site_url}briefs/emerging-industry-investment/"
    page, state = _measure(reused_page, url, 360)

    assert state["page"]["scrollWidth"] <= state["page"]["innerWidth"], state["page"]
    caption = state["caption"]
    assert caption is not None and caption["text"].startswith("Table 1"), caption
    assert caption["right"] <= state["region"]["right"] + 0.5, caption
    assert not state["region"]["scrolls"], "two columns fit 360 px without scrolling"
    assert len(state["rowHeaders"]) == 5, state["rowHeaders"]
    assert _breaks_inside_words(page, "th[scope=row], td") == []


def test_a_wide_code_block_scrolls_by_keyboard_and_the_page_does_not(
    reused_page: NewPage, table_site: Path, axe: Any
) -> None:
    page = reused_page(viewport={"width": 320, "height": 900})
    page.goto((table_site / "briefs" / "wide-table" / "index.html").as_uri())
    block = page.locator("pre")
    assert block.evaluate("e => e.scrollWidth > e.clientWidth"), "the code should scroll"
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    # Chromium lets the keyboard into any scroller; other browsers need the tabindex, which
    # axe's rule asks for.
    rule = {"runOnly": {"type": "rule", "values": ["scrollable-region-focusable"]}}
    assert axe.run(page, options=rule).response["violations"] == []

    page.locator(".table-scroll").focus()
    page.keyboard.press("Tab")  # the next stop after the table is the code block
    assert page.evaluate("document.activeElement.tagName") == "PRE"
    page.keyboard.press("ArrowRight")
    page.wait_for_function("document.activeElement.scrollLeft > 0", timeout=5000)
