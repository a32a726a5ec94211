"""What readers get: the built sample site in headless Chromium, served over HTTP from a sub-path.

Accessibility (axe-core, WCAG 2.2 A/AA, light and dark), links, the skip link, the contents
list, keyboard order, no sideways scrolling at 360 and 1280 px, print styles, and screenshots
for reviewers in test-artifacts/screenshots/. Fixtures come from tests/browser_support.py.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urldefrag, urlsplit

import pytest
from conftest import REPO, SEARCH_SITE_YML, run_build, write_site

SCREENSHOTS = REPO / "test-artifacts" / "screenshots"

# One page of each kind, as paths below the site's root.
PAGE_KINDS = {
    "home": "",
    "brief": "briefs/land-offer/",
    "archive": "briefs/",
    "topic": "topics/land-and-planning/",
    "topics": "topics/",
    "region": "regions/qingdao/",  # a facet's page: its finder has that facet open
    "404": "404.html",
    "about": "about/",
    # The Chinese part of the site (languages: [en, zh-Hans]): a brief and a list.
    "zh-brief": "zh/briefs/land-offer/",
    "zh-topic": "zh/topics/tu-di-yu-gui-hua/",
}
AXE_PAGES = ["home", "brief", "archive", "topic", "region", "404", "about", "zh-brief", "zh-topic"]
WIDTHS = [360, 1280]

# WCAG 2.0, 2.1 and 2.2 at levels A and AA; target-size (2.5.8, AA) is off in axe by default.
AXE_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"],
    },
    "rules": {"target-size": {"enabled": True}},
    "resultTypes": ["violations"],
}

NewPage = Callable[..., Any]


def _page_urls(site: Path, site_url: str) -> list[str]:
    """The address of every HTML page in a built site, home first."""
    urls = []
    for path in sorted(site.rglob("*.html")):
        rel = path.relative_to(site).as_posix()
        if rel == "index.html" or rel.endswith("/index.html"):
            rel = rel[: -len("index.html")]
        urls.append(site_url + rel)
    return sorted(urls, key=lambda url: (url != site_url, url))


def _open(new_page: NewPage, url: str, **context_options: Any) -> Any:
    page = new_page(**context_options)
    response = page.goto(url)
    assert response is not None and response.status == 200, f"{url}: {response and response.status}"
    return page


# --- Accessibility --------------------------------------------------------------------------


def _axe_report(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        lines.append(
            f"{violation['id']} ({violation.get('impact')}): {violation['help']} "
            f"[{', '.join(t for t in violation['tags'] if t.startswith('wcag'))}]"
        )
        for node in violation["nodes"]:
            target = " ".join(map(str, node["target"]))
            summary = " ".join((node.get("failureSummary") or "").split())
            lines.append(f"    {target}: {summary}")
    return "\n".join(lines)


@pytest.mark.parametrize("kind", AXE_PAGES)
def test_axe_finds_no_wcag_violations(
    reused_page: NewPage, site_url: str, axe: Any, kind: str
) -> None:
    page = _open(reused_page, site_url + PAGE_KINDS[kind], color_scheme="light")
    reports = []
    for scheme in ("light", "dark"):  # one load, both schemes: the page restyles in place
        page.emulate_media(color_scheme=scheme)
        assert page.evaluate(f"matchMedia('(prefers-color-scheme: {scheme})').matches")
        violations = axe.run(page, options=AXE_OPTIONS).response["violations"]
        if violations:
            reports.append(f"{scheme} scheme:\n{_axe_report(violations)}")
    assert not reports, f"axe on the {kind} page ({PAGE_KINDS[kind] or '/'}), " + "\n".join(reports)


# --- Links ----------------------------------------------------------------------------------

LINKS_JS = """() => [...document.querySelectorAll('a[href], link[href]')].map(e => ({
    tag: e.tagName.toLowerCase(), raw: e.getAttribute('href'), url: e.href,
}))"""
IDS_JS = """() => [...document.querySelectorAll('[id], a[name]')].map(e => e.id || e.name)"""


OVERFLOW_JS = """() => {
    const doc = document.documentElement;
    if (doc.scrollWidth <= window.innerWidth) return null;
    const name = e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
        (typeof e.className === 'string' && e.className.trim()
            ? '.' + e.className.trim().split(/\\s+/).join('.') : '');
    const wide = [...document.body.querySelectorAll('*')]
        .filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5)
        .slice(0, 8)
        .map(e => `${name(e)} (right edge ${Math.round(e.getBoundingClientRect().right)}px)`);
    return {scrollWidth: doc.scrollWidth, innerWidth: window.innerWidth, wide};
}"""


@pytest.mark.slow
def test_every_link_and_anchor_resolves_and_no_page_scrolls_sideways(
    reused_page: NewPage, briefs_site: Path, site_url: str
) -> None:
    """Crawl from every built page (home first): every same-origin link answers 200 and every
    #fragment names an id on the page it leads to; and no page scrolls sideways at any of
    `WIDTHS`. One test, so each page is loaded once (a load costs a browser several times what
    laying the page out again at another width does)."""
    page = reused_page(viewport={"width": WIDTHS[0], "height": 800})
    sideways: list[str] = []
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(site_url))
    queue = _page_urls(briefs_site, site_url)
    linked_from: dict[str, str] = {url: "(built page)" for url in queue}
    ids: dict[str, set[str]] = {}
    fragments: list[tuple[str, str, str, str]] = []  # (page, raw href, target, fragment)
    assets: dict[str, str] = {}
    failures: list[str] = []

    while queue:
        url = queue.pop(0)
        if url in ids:
            continue
        response = page.goto(url)
        ids[url] = set()
        if response is None or response.status != 200:
            status = response.status if response else "no response"
            failures.append(f"{url} answered {status} (linked from {linked_from[url]})")
            continue
        ids[url] = set(page.evaluate(IDS_JS))
        links = page.evaluate(LINKS_JS)
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 800})
            if overflow := page.evaluate(OVERFLOW_JS):
                sideways.append(f"{url} at {width}px: {overflow}")
        page.set_viewport_size({"width": WIDTHS[0], "height": 800})
        for link in links:
            target, fragment = urldefrag(link["url"])
            if not target.startswith(origin + "/"):
                continue  # another site: canonical links, licence links, sources
            where = f"{url} ({link['raw']!r})"
            if not target.startswith(site_url):
                failures.append(f"{where} leaves the site's sub-path: {target}")
                continue
            if fragment:
                fragments.append((url, link["raw"], target, unquote(fragment)))
            path = urlsplit(target).path
            if link["tag"] == "a" and (path.endswith("/") or path.endswith(".html")):
                if target not in ids and target not in linked_from:
                    linked_from[target] = where
                    queue.append(target)
            else:
                assets.setdefault(target, where)

    for target, where in sorted(assets.items()):
        response = page.request.get(target)
        if response.status != 200:
            failures.append(f"{where}: {target} answered {response.status}")
    for source, raw, target, fragment in fragments:
        if target in ids and ids[target] and fragment not in ids[target]:
            failures.append(f"{source} ({raw!r}): no id {fragment!r} on {target}")

    assert len(ids) >= 14 and assets, (ids, assets)
    assert not failures, "\n".join(failures)
    assert not sideways, "horizontal scrolling:\n" + "\n".join(sideways)


# --- Keyboard -------------------------------------------------------------------------------

FOCUSED_JS = """() => {
    const e = document.activeElement;
    if (!e || e === document.body || e === document.documentElement) return null;
    const r = e.getBoundingClientRect();
    return {
        tag: e.tagName.toLowerCase(), id: e.id, cls: String(e.className || ''),
        href: e.getAttribute('href'), order: e.dataset.tabOrder ?? null,
        width: r.width, height: r.height, top: r.top, left: r.left,
    };
}"""

# Links inside a closed <details> (the finder's) are not reached by Tab, though Chromium
# still gives them boxes; the <summary> that opens them is a stop of its own (no link).
TAB_ORDER_JS = """() => {
    const links = [...document.querySelectorAll('a[href]')].filter(a => {
        const style = getComputedStyle(a);
        return a.tabIndex >= 0 && a.getClientRects().length > 0 && style.visibility !== 'hidden'
            && !a.closest('details:not([open]) > :not(summary)');
    });
    links.forEach((a, i) => { a.dataset.tabOrder = String(i); });
    return links.map(a => a.getAttribute('href'));
}"""


@pytest.mark.parametrize("kind", PAGE_KINDS)
def test_skip_link_is_first_and_moves_focus_to_the_main_content(
    reused_page: NewPage, site_url: str, kind: str
) -> None:
    page = _open(reused_page, site_url + PAGE_KINDS[kind])
    page.keyboard.press("Tab")
    focused = page.evaluate(FOCUSED_JS)
    assert focused and "skip-link" in focused["cls"].split(), f"first Tab focused {focused}"
    assert focused["width"] > 1 and focused["height"] > 1 and focused["top"] >= 0, (
        f"the focused skip link is not visible: {focused}"
    )
    page.keyboard.press("Enter")
    page.wait_for_function("document.activeElement && document.activeElement.id === 'main-content'")
    focused = page.evaluate(FOCUSED_JS)
    assert focused and focused["tag"] == "main", focused
    # The next Tab continues from the main content, not from the top of the page.
    page.keyboard.press("Tab")
    inside = page.evaluate(
        "document.getElementById('main-content').contains(document.activeElement)"
    )
    assert inside, f"Tab after the skip link focused {page.evaluate(FOCUSED_JS)}"


@pytest.mark.parametrize("kind", PAGE_KINDS)
def test_tab_reaches_every_link_in_document_order(
    reused_page: NewPage, site_url: str, kind: str
) -> None:
    page = _open(reused_page, site_url + PAGE_KINDS[kind])
    expected = page.evaluate(TAB_ORDER_JS)
    assert expected, "no links on the page"
    stops: list[dict[str, Any]] = []
    for _ in range(len(expected) + 30):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED_JS)
        if focused is None:
            break  # past the last focusable element
        stops.append(focused)
    reached = [int(stop["order"]) for stop in stops if stop["order"] is not None]
    described = [
        stop["href"] if stop["order"] is not None else f"<{stop['tag']} id={stop['id']!r}>"
        for stop in stops
    ]
    assert reached == list(range(len(expected))), (
        f"Tab order on the {kind} page:\n  expected {expected}\n  got      {described}"
    )


@pytest.mark.parametrize("width", WIDTHS)
def test_contents_links_scroll_to_their_headings(
    new_page: NewPage, site_url: str, width: int
) -> None:
    page = _open(new_page, site_url + PAGE_KINDS["brief"], viewport={"width": width, "height": 720})
    links = page.locator("nav.contents a[href^='#']")
    count = links.count()
    assert count >= 2, "the brief page has no contents list"
    for index in range(count):
        link = links.nth(index)
        target = unquote(link.get_attribute("href")[1:])
        link.click()
        try:
            page.wait_for_function(
                """id => {
                    const h = document.getElementById(id);
                    if (!h || decodeURIComponent(location.hash) !== '#' + id) return false;
                    const top = h.getBoundingClientRect().top;
                    return top >= -1 && top < window.innerHeight - 10;
                }""",
                arg=target,
                timeout=5_000,
            )
        except Exception as error:
            state = page.evaluate(
                """id => { const h = document.getElementById(id);
                    return {hash: location.hash, innerHeight, scrollY,
                            tag: h && h.tagName, top: h && h.getBoundingClientRect().top}; }""",
                target,
            )
            raise AssertionError(f"contents link #{target} at {width}px: {state}") from error
        tag = page.evaluate("id => document.getElementById(id).tagName", target)
        assert tag in {"H2", "H3", "H4"}, f"#{target} is a {tag}, not a heading"


# --- Layout, print, screenshots -------------------------------------------------------------


def _display(page: Any, selector: str) -> list[str]:
    return page.eval_on_selector_all(selector, "els => els.map(e => getComputedStyle(e).display)")


def test_print_hides_navigation_chrome(reused_page: NewPage, site_url: str) -> None:
    page = _open(reused_page, site_url + PAGE_KINDS["brief"])
    selectors = [".site-header nav", "nav.breadcrumbs", "nav.neighbours", "a.skip-link"]
    for selector in selectors:
        assert _display(page, selector), f"no {selector} on the brief page"
    page.emulate_media(media="print")
    shown = {s: d for s in selectors if (d := _display(page, s)) != ["none"] * len(d)}
    assert not shown, f"shown in print (computed display): {shown}"


PRINT_BRIEF = """\
---
title: Land offer
date: 2020-03-26
summary: Qingdao offers 37.3 km² of net industrial land.
sources:
  - title: Industrial land report
    url: https://example.org/report
    date: 2020-04-07
  - title: A source without an address
---
## Terms

Text.
"""


def test_print_shows_the_address_of_each_linked_source(
    reused_page: NewPage, tmp_path: Path
) -> None:
    source = write_site(tmp_path / "source", {"land-offer.md": PRINT_BRIEF}, SEARCH_SITE_YML)
    out = tmp_path / "out" / "briefs-site"
    result = run_build("build", "--source", source, "--output", out, "--quiet")
    assert result.returncode == 0, result.stdout + result.stderr
    page = reused_page()
    page.goto((out / "briefs" / "land-offer" / "index.html").as_uri())
    after_js = """els => els.map(a => ({
        href: a.getAttribute('href'), after: getComputedStyle(a, '::after').content }))"""
    on_screen = page.eval_on_selector_all(".source-list a[href]", after_js)
    assert [link["href"] for link in on_screen] == ["https://example.org/report"]
    assert all("example.org" not in link["after"] for link in on_screen), on_screen
    page.emulate_media(media="print")
    printed = page.eval_on_selector_all(".source-list a[href]", after_js)
    missing = [link for link in printed if link["href"] not in link["after"]]
    assert not missing, f"printed source links without their address: {missing}"


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("kind", ["home", "brief"])
def test_screenshots_for_reviewers(
    reused_page: NewPage, site_url: str, kind: str, width: int
) -> None:
    page = _open(reused_page, site_url + PAGE_KINDS[kind], viewport={"width": width, "height": 800})
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{kind}-{width}.png"
    path.unlink(missing_ok=True)
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 1000
