"""DESIGN.md's budgets, on the sample site as built: a brief page's HTML and the stylesheets
it loads stay within 30 KB uncompressed, the stylesheets within 12 KB. The source stylesheet
keeps its comments (they say why); what readers download is minified (`assets.minified`)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from briefsite.assets import minified

KB = 1024
CSS_BUDGET = 12 * KB
PAGE_BUDGET = 30 * KB
STYLESHEET = re.compile(r'<link rel="stylesheet" href="([^"]+)"')


def _brief_pages(site: Path) -> list[Path]:
    pages = sorted(site.glob("briefs/*/index.html"))
    assert len(pages) >= 7, pages  # every sample brief
    return pages


def test_every_brief_page_and_its_stylesheets_are_within_budget(briefs_site: Path) -> None:
    for page in _brief_pages(briefs_site):
        html = page.read_text(encoding="utf-8")
        sheets = [(page.parent / href).resolve() for href in STYLESHEET.findall(html)]
        assert sheets, f"{page} loads no stylesheet"
        css = sum(sheet.stat().st_size for sheet in sheets)
        assert css <= CSS_BUDGET, f"{page}: {css} bytes of CSS"
        total = len(html.encode("utf-8")) + css
        assert total <= PAGE_BUDGET, f"{page}: {total} bytes of HTML and CSS"


def test_published_stylesheets_are_minified_and_keep_every_rule() -> None:
    source = (Path(__file__).parent.parent / "templates" / "assets" / "site.css").read_bytes()
    small = minified("site.css", source)
    assert len(small) < len(source) * 0.9
    assert b"/*" not in small
    # Same rules: every custom property and selector of the source is still there.
    for name in set(re.findall(rb"--[a-z0-9-]+(?=:)", source)):
        assert name + b":" in small, name
    assert minified("favicon.svg", b"<svg> /* kept */ </svg>") == b"<svg> /* kept */ </svg>"


@pytest.mark.parametrize(
    ("css", "kept"),
    [
        (b"a { width: max(1px, .0625rem); }", b"max(1px,.0625rem)"),
        (b'li::before { content: "\xe2\x80\x94" / ""; }', b'content:"\xe2\x80\x94" / ""'),
        (b"@media (min-width: 641px) { a { b: c } }", b"@media (min-width:641px)"),
    ],
)
def test_minifying_keeps_what_the_browser_needs(css: bytes, kept: bytes) -> None:
    assert kept in minified("x.css", css)
