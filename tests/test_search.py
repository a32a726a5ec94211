"""Search: Pagefind's index of the briefs, the search page, the header's box and the preview.

Builds run the real Pagefind binary (from the pinned `pagefind[extended]` package) over real
sites in temporary folders; where a test must count or break Pagefind's runs, a small shell
script named `pagefind_extended` stands in front of the real binary on PATH. The browser test
searches the sample site served under a sub-path in headless Chromium.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import re
import stat
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from conftest import (
    Page,
    build_here,
    manifest_of,
    parse,
    published_asset,
    run_build,
    snapshot,
    write_site,
)

from briefsite import search
from briefsite.search import BackgroundIndex
from briefsite.serve import PreviewState, rebuild, search_deliverer

REAL_ENGINE = search.find_engine()
pytestmark = pytest.mark.skipif(
    REAL_ENGINE is None, reason=f"Pagefind is not installed: {search.INSTALL}"
)

# Search on: conftest's SITE_YML has it off.
SITE_YML = "title: Test briefs\nbase_url: https://example.org/briefs-site/\n"


def brief(
    title: str,
    topics: str = "[Land and planning]",
    body: str = "## Terms\n\nThe terms.\n",
    extra: str = "",
    day: str = "2020-04-07",
) -> str:
    return (
        f"---\ntitle: {title}\ndate: {day}\nsummary: Summary of {title}.\ntopics: {topics}\n"
        f"{extra}---\n{body}"
    )


LAND_OFFER = brief(
    "Qingdao offers 37.3 km² of net industrial land",
    topics="[Land and planning, Investment promotion]",
    extra=(
        "number: QB-2020-01\nstatus: in-force\nissuing_body: Qingdao Municipal Government\n"
        "region: Qingdao\n"
        "figures:\n  - label: keyfigurelabel\n    value: 5\n    unit: km²\n"
        "    source: figuresourcetext\n"
        "sources:\n  - title: sourcetitletext\n"
    ),
    body="## Terms\n\nThe bodytext of the offer.[^1]\n\n[^1]: The notetext.\n",
)


def land_site(root: Path, site_yml: str = SITE_YML) -> Path:
    """A site of the land offer and a brief related to it (sharing a topic)."""
    return write_site(
        root,
        {
            "land-offer.md": LAND_OFFER,
            "other.md": brief("Relatedtitle brief", topics="[Land and planning]"),
        },
        site_yml,
    )


def fragments(site: Path) -> dict[str, dict[str, Any]]:
    """Pagefind's record of each indexed page (its text, filters and metadata), by URL."""
    found = {}
    for path in (site / "pagefind" / "fragment").iterdir():
        data = gzip.decompress(path.read_bytes())
        assert data.startswith(b"pagefind_dcd")
        record = json.loads(data[len(b"pagefind_dcd") :])
        found[record["url"]] = record
    return found


def engine_stand_in(folder: Path) -> Path:
    """A `pagefind_extended` that logs each run in `runs`, fails when `fail` exists, waits
    while `hold` exists, then runs the real binary."""
    assert REAL_ENGINE is not None
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / search.BINARY
    script.write_text(
        "#!/bin/sh\n"
        f'echo run >> "{folder}/runs"\n'
        f'if [ -e "{folder}/fail" ]; then echo "Error: the test broke Pagefind"; exit 3; fi\n'
        f'while [ -e "{folder}/hold" ]; do sleep 0.02; done\n'
        f'exec "{REAL_ENGINE.path}" "$@"\n'
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return folder


def runs(folder: Path) -> int:
    """How many times the stand-in ran."""
    log = folder / "runs"
    return len(log.read_text().splitlines()) if log.exists() else 0


@pytest.fixture
def stand_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Builds in this test run the stand-in: the package's binary is out of reach."""
    folder = engine_stand_in(tmp_path / "engine")
    monkeypatch.setattr(search, "PACKAGE", "briefsite_test_no_such_package")
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ.get('PATH', '')}")
    return folder


@pytest.fixture
def no_engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No Pagefind anywhere: neither the package's binary nor one on PATH."""
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setattr(search, "PACKAGE", "briefsite_test_no_such_package")
    monkeypatch.setenv("PATH", str(empty))


def poll(condition: Callable[[], bool], what: str, seconds: float = 60.0) -> None:
    """Wait until `condition()` holds, or fail naming `what`."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"waited {seconds} s for {what}")
        time.sleep(0.02)


# ------------------------------------------------------------------------ what is indexed


def test_brief_pages_mark_what_pagefind_indexes_filters_and_shows(tmp_path: Path) -> None:
    site = land_site(tmp_path / "s")
    build_here("--source", site, "--quiet")
    page = parse(site / "site" / "briefs" / "land-offer" / "index.html")

    (article,) = page.find_all("article")
    assert "data-pagefind-body" in article["attrs"]  # type: ignore[operator]
    ignored = [e for e in page.elements if "data-pagefind-ignore" in e["attrs"]]  # type: ignore[operator]
    classes = {str(e["attrs"].get("class")) for e in ignored}  # type: ignore[union-attr]
    assert {"caption", "metadata", "key-figures", "sources", "history", "related"} <= classes
    assert not page.find_all("p", class_="lead")[0]["attrs"].get("data-pagefind-ignore")  # type: ignore[union-attr]
    filters = sorted(
        (str(e["attrs"]["data-pagefind-filter"]), Page.text(e))  # type: ignore[index]
        for e in page.elements
        if "data-pagefind-filter" in e["attrs"]  # type: ignore[operator]
    )
    assert filters == [
        ("Issuing body", "Qingdao Municipal Government"),
        ("Region", "Qingdao"),
        ("Status", "In force"),
        ("Topic", "Investment promotion"),
        ("Topic", "Land and planning"),
        ("Year:2020", "7 April 2020"),
    ]
    (lead,) = page.find_all("p", class_="lead")
    assert lead["attrs"]["data-pagefind-meta"] == "summary"  # type: ignore[index]


def test_the_index_holds_each_briefs_own_text_its_filters_and_summary(tmp_path: Path) -> None:
    site = land_site(tmp_path / "s")
    build_here("--source", site, "--quiet")

    found = fragments(site / "site")
    assert sorted(found) == ["/briefs/land-offer/", "/briefs/other/"]  # brief pages only
    land = found["/briefs/land-offer/"]
    text = land["content"]
    for own in ("37.3", "industrial land", "Summary of Qingdao", "bodytext", "notetext"):
        assert own in text, own
    # Metadata, key figures, sources, the report number and related briefs are not its text.
    for other in ("keyfigurelabel", "sourcetitletext", "figuresourcetext", "QB-2020-01"):
        assert other not in text, other
    assert "Relatedtitle" not in text and "Municipal" not in text and "Updates" not in text
    assert land["filters"] == {
        "Issuing body": ["Qingdao Municipal Government"],
        "Region": ["Qingdao"],
        "Status": ["In force"],
        "Topic": ["Investment promotion", "Land and planning"],
        "Year": ["2020"],
    }
    assert land["meta"]["title"] == "Qingdao offers 37.3\xa0km² of net industrial land"
    assert (
        land["meta"]["summary"] == "Summary of Qingdao offers 37.3\xa0km² of net industrial land."
    )


def test_html_typed_into_a_brief_cannot_mark_itself_for_search(tmp_path: Path) -> None:
    # A result's link comes from the `url` metadata when a page sets it: typed into a brief,
    # it would send searchers anywhere. The sanitiser drops every data-pagefind-* attribute.
    body = (
        '<p data-pagefind-meta="url:https://evil.example/" data-pagefind-ignore="all">Hidden</p>\n'
        '<p data-pagefind-filter="Topic:Forged">Text.</p>\n'
    )
    site = write_site(tmp_path / "s", {"a.md": brief("Alpha", body=body)}, SITE_YML)
    build_here("--source", site, "--quiet")

    html = (site / "site" / "briefs" / "a" / "index.html").read_text()
    assert "evil.example" not in html and "Forged" not in html
    (record,) = fragments(site / "site").values()
    assert record["url"] == "/briefs/a/" and "Hidden" in record["content"]
    assert record["filters"]["Topic"] == ["Land and planning"]


def test_chinese_briefs_are_split_into_words_and_merged_into_the_search_page(
    tmp_path: Path,
) -> None:
    zh = brief("青岛提供工业用地", body="青岛市推出工业用地政策。\n", extra="lang: zh\n")
    site = write_site(tmp_path / "s", {"en.md": brief("Land offer"), "zh.md": zh}, SITE_YML)
    build_here("--source", site, "--quiet")
    out = site / "site"

    entry = json.loads((out / "pagefind" / "pagefind-entry.json").read_text())
    assert sorted(entry["languages"]) == ["en", "zh"]  # an index per language
    (root,) = parse(out / "search" / "index.html").find_all("div", id="search")
    assert root["attrs"]["data-languages"] == "zh"  # type: ignore[index]
    # The extended binary splits 工业用地 ("industrial land") into 工业 and 用地, so either
    # finds the brief: each is a word (a CBOR text of six bytes) of the Chinese index.
    (chunk,) = (out / "pagefind" / "index").glob("zh_*.pf_index")
    words = gzip.decompress(chunk.read_bytes())
    for word in ("工业", "用地", "政策"):
        assert b"\x66" + word.encode() in words, word


# --------------------------------------------------------------- the search page and box


@pytest.mark.parametrize("file_urls", [False, True])
def test_the_search_page_loads_pagefind_from_the_bundle_beside_it(
    tmp_path: Path, file_urls: bool
) -> None:
    site = land_site(tmp_path / "s")
    build_here("--source", site, "--quiet", *(["--file-urls"] if file_urls else []))
    out = site / "site"
    page = parse(out / "search" / "index.html")

    (root,) = page.find_all("div", id="search")
    # Relative, as every link: the script makes them absolute from the page's address.
    assert root["attrs"]["data-bundle"] == "../pagefind/pagefind.js"  # type: ignore[index]
    assert root["attrs"]["data-base"] == ("../index.html" if file_urls else "../")  # type: ignore[index]
    scripts = [str(e["attrs"]["src"]) for e in page.find_all("script")]  # type: ignore[index]
    assert scripts == ["../pagefind/pagefind-ui.js", f"../assets/{published_asset('search.js')}"]
    for script in scripts:
        assert (out / "search" / script).resolve().is_file()
    (style,) = [e for e in page.find_all("link") if "pagefind" in str(e["attrs"].get("href"))]  # type: ignore[union-attr]
    assert (out / "search" / str(style["attrs"]["href"])).resolve().is_file()  # type: ignore[index]
    # Without JavaScript the page says so and leads to the lists of every brief.
    (fallback,) = page.find_all("div", id="search-fallback")
    assert "needs JavaScript" in Page.text(fallback)
    hrefs = [e["attrs"]["href"] for e in page.find_all("a")]  # type: ignore[index]
    archive = "../briefs/index.html" if file_urls else "../briefs/"
    assert archive in hrefs
    assert page.find_all("meta", name="robots", content="noindex")
    assert not page.find_all("form")  # the page's own box is Pagefind's: none in the header
    sitemap = (out / "sitemap.xml").read_text()
    assert "search/" not in sitemap


def test_every_other_page_has_a_labelled_search_box_that_submits_to_the_search_page(
    tmp_path: Path,
) -> None:
    site = land_site(tmp_path / "s")
    build_here("--source", site, "--quiet")
    out = site / "site"
    for path, action in [
        ("index.html", "search/"),
        ("briefs/land-offer/index.html", "../../search/"),
        ("404.html", "/briefs-site/search/"),  # served at any address: from base_url's path
    ]:
        page = parse(out / path)
        (form,) = page.find_all("form", role="search")
        assert form["attrs"]["action"] == action and form["attrs"]["method"] == "get"  # type: ignore[index]
        (field,) = page.find_all("input", name="q")
        (label,) = page.find_all("label", for_=str(field["attrs"]["id"]))  # type: ignore[index]
        assert Page.text(label) == "Search briefs"
        assert Page.text(page.find_all("button", type="submit")[0]) == "Search"


def test_search_off_builds_no_index_page_or_box_even_without_pagefind(
    tmp_path: Path, no_engine: None
) -> None:
    site = land_site(tmp_path / "s", SITE_YML + "search: false\n")
    result = run_build("--source", site)
    assert result.returncode == 0, result.stderr
    out = site / "site"
    assert not (out / "pagefind").exists() and not (out / "search").exists()
    assert not parse(out / "index.html").find_all("form")


# ---------------------------------------------------------------------- building the index


def test_the_bundle_is_published_through_the_manifest_and_leaves_with_search_off(
    tmp_path: Path,
) -> None:
    site = land_site(tmp_path / "s")
    build_here("--source", site, "--quiet")
    out = site / "site"
    manifest = manifest_of(out)[0]
    bundle = sorted(p.relative_to(out).as_posix() for p in (out / "pagefind").rglob("*"))
    bundle = [p for p in bundle if (out / p).is_file()]
    assert "pagefind/pagefind-ui.js" in bundle and "pagefind/pagefind-entry.json" in bundle
    assert set(bundle) <= set(manifest)
    entry = json.loads((out / "pagefind" / "pagefind-entry.json").read_text())
    assert entry["languages"]["en"]["page_count"] == 2

    (site / "site.yml").write_text(SITE_YML + "search: false\n")
    result = run_build("--source", site, "--verbose")
    assert result.returncode == 0, result.stderr
    assert not (out / "pagefind").exists() and not (out / "search").exists()
    assert "removed pagefind/pagefind-ui.js" in " ".join(result.stdout.split())


def test_without_pagefind_the_build_fails_saying_how_to_install_it_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = land_site(tmp_path / "s")
    build_here("--source", site, "--quiet")
    before = snapshot(site / "site")
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setattr(search, "PACKAGE", "briefsite_test_no_such_package")
    monkeypatch.setenv("PATH", str(empty))

    result = run_build("--source", site)  # nothing else changed: still not "unchanged"

    assert result.returncode == 1
    err = " ".join(result.stderr.split())
    assert "site.yml: error: search is on, but Pagefind, which makes the search index, " in err
    assert 'python -m pip install "pagefind[extended]==1.5.2"' in err
    assert "'search: false'" in err and "Traceback" not in err
    assert snapshot(site / "site") == before


def test_a_failed_pagefind_run_fails_the_build_with_its_words_and_writes_nothing(
    tmp_path: Path, stand_in: Path
) -> None:
    site = land_site(tmp_path / "s")
    build_here("--source", site, "--quiet")
    before = snapshot(site / "site")
    (stand_in / "fail").touch()
    (site / "briefs" / "other.md").write_text(brief("Changed brief"))

    result = run_build("--source", site)

    assert result.returncode == 1
    assert "pagefind/: error: Pagefind could not make the search index: Error: the test broke " in (
        " ".join(result.stderr.split())
    )
    assert "Build failed; nothing was written" in result.stderr
    assert snapshot(site / "site") == before


def test_pagefind_runs_only_when_a_brief_page_changed(
    tmp_path: Path, stand_in: Path, full_builds: list[str]
) -> None:
    site = land_site(tmp_path / "s")
    build_here("--source", site, "--quiet")
    assert runs(stand_in) == 1

    build_here("--source", site, "--quiet")  # nothing changed
    (site / "site.yml").write_text(SITE_YML + "description: Only the home page shows this.\n")
    build_here("--source", site, "--quiet")  # every page rendered again; briefs' pages equal
    assert full_builds[-1] == "full" and runs(stand_in) == 1
    assert "Only the home page" in (site / "site" / "index.html").read_text()

    land = site / "briefs" / "land-offer.md"
    land.write_text(LAND_OFFER.replace("The bodytext", "The new bodytext"))
    build_here("--source", site, "--quiet")  # a body: the edit path
    assert full_builds[-1] == "edit" and runs(stand_in) == 2
    (site / "briefs" / "other.md").write_text(brief("Renamed brief"))
    build_here("--source", site, "--quiet")  # a title: the edit path too, and a new index
    assert full_builds[-1] == "edit" and runs(stand_in) == 3
    found = fragments(site / "site")
    assert "new bodytext" in found["/briefs/land-offer/"]["content"]
    assert found["/briefs/other/"]["meta"]["title"] == "Renamed brief"


def test_the_index_is_byte_identical_across_runs(tmp_path: Path) -> None:
    # Pagefind itself writes filter values in a random order each run; with six topics two
    # runs agree by chance once in 720.
    topics = ["Land", "Tax", "Trade", "Talent", "Energy", "Ports"]
    briefs = {
        f"b{i}.md": brief(f"Brief {i}", topics=f"[{topic}]") for i, topic in enumerate(topics)
    }
    site = write_site(tmp_path / "s", briefs, SITE_YML)
    made = []
    for run in range(3):
        out = tmp_path / f"out{run}"
        build_here("--source", site, "--output", out, "--no-cache", "--quiet")
        made.append({p: d for p, d in snapshot(out).items() if p.startswith("pagefind/")})
    assert made[0] == made[1] == made[2]
    assert any(p.startswith("pagefind/filter/") for p in made[0])


def test_a_static_file_inside_the_index_folder_is_refused(tmp_path: Path) -> None:
    site = land_site(tmp_path / "s")
    (site / "static" / "pagefind").mkdir(parents=True)
    (site / "static" / "pagefind" / "notes.txt").write_text("mine")
    result = run_build("--source", site)
    assert result.returncode == 1
    assert "static/pagefind/notes.txt: error: pagefind/ holds the search index" in result.stderr


# ----------------------------------------------------------------------------- the preview


def test_the_background_index_delivers_and_a_newer_build_stops_a_stale_run(
    tmp_path: Path, stand_in: Path
) -> None:
    pages = {
        "briefs/a/index.html": b"<html lang=en><body><h1>Alpha</h1><p>apples</p></body></html>"
    }
    got: list[tuple[int, Mapping[str, bytes] | None, str]] = []
    index = BackgroundIndex(lambda version, bundle, message: got.append((version, bundle, message)))
    try:
        (stand_in / "hold").touch()
        index.submit(1, pages, False)
        poll(lambda: runs(stand_in) == 1, "the first run to start")
        newer = {**pages, "briefs/b/index.html": pages["briefs/a/index.html"].replace(b"A", b"B")}
        index.submit(2, newer, False)  # the run of build 1 is stale: it is stopped
        poll(lambda: runs(stand_in) == 2, "the second run to start")
        (stand_in / "hold").unlink()
        poll(lambda: bool(got), "a bundle")
        assert [version for version, _, _ in got] == [2]
        bundle = got[0][1]
        assert bundle is not None and "pagefind/pagefind-entry.json" in bundle
        assert (
            json.loads(bundle["pagefind/pagefind-entry.json"])["languages"]["en"]["page_count"] == 2
        )
        index.submit(3, newer, False)  # the same pages: the same bundle, without a run
        poll(lambda: len(got) == 2, "the bundle again")
        assert got[1] == (3, bundle, "") and runs(stand_in) == 2
    finally:
        index.close()


def test_a_preview_build_never_waits_for_the_index_and_serves_it_once_made(
    tmp_path: Path, stand_in: Path
) -> None:
    site = land_site(tmp_path / "s")
    state = PreviewState()
    err = io.StringIO()
    state.index = BackgroundIndex(search_deliverer(state, err))
    try:
        (stand_in / "hold").touch()  # Pagefind cannot finish while the build runs
        assert rebuild(site, "http://127.0.0.1:8000/", state, err, False), err.getvalue()
        files, version = state.site()
        assert files is not None and "search/index.html" in files
        assert not any(path.startswith("pagefind/") for path in files)
        (stand_in / "hold").unlink()
        poll(lambda: "pagefind/pagefind-ui.js" in (state.site()[0] or {}), "the served index")
        assert state.site()[1] == version  # no new build number: open pages do not reload
    finally:
        state.index.close()
    assert (site / "site").exists() is False  # the preview writes nothing


# ------------------------------------------------------------------- in a reader's browser

# WCAG 2.0, 2.1 and 2.2 at levels A and AA, as tests/test_browser.py runs axe.
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]},
    "rules": {"target-size": {"enabled": True}},
    "resultTypes": ["violations"],
}
LAND_OFFER_PATH = "briefs/land-offer/"
RESULTS_JS = """() => [...document.querySelectorAll('.pagefind-ui__result-link')].map(a => ({
    text: a.textContent.replace(/\\s+/g, ' ').trim(), href: a.getAttribute('href'),
}))"""


def _plain(text: str) -> str:
    return " ".join(text.split())


def _search(page: Any, words: str) -> list[dict[str, str]]:
    """Type `words` into the search page's box; the results once Pagefind shows them."""
    page.get_by_label("Search the briefs by word, figure or name").fill(words)
    return _results_for(page, words)


def _filter_names(page: Any) -> list[str]:
    """The names of the filters in the search page's panel, in order."""
    return [_plain(n) for n in page.locator(".pagefind-ui__filter-name").all_text_contents()]


def _open_filter(page: Any, name: str, option: str, seconds: float = 15.0) -> Any:
    """The checkbox of `option` in the filter `name`, once a reader has opened its disclosure.
    Pagefind's interface draws its filter panel again as the counts of a search arrive, which
    can close a disclosure opened just before (seen under load): so until the box shows, the
    disclosure is opened whenever it is closed, within a deadline."""
    box = page.get_by_label(option)
    block = page.locator(
        "details.pagefind-ui__filter-block",
        has=page.locator(".pagefind-ui__filter-name", has_text=name),
    )
    deadline = time.monotonic() + seconds
    while not box.is_visible():
        assert time.monotonic() < deadline, f"the filter {name!r} did not open"
        if not block.evaluate("details => details.open"):
            block.locator(".pagefind-ui__filter-name").click()
        page.wait_for_timeout(50)  # a poll step, not a wait for something to happen
    return box


def _count(page: Any) -> int:
    """How many results Pagefind's message says there are ("7 results for ...", "找到 7 个 ...")."""
    return int(re.findall(r"\d+", page.locator(".pagefind-ui__message").text_content() or "")[0])


def _results_for(page: Any, words: str, previous: int | None = None) -> list[dict[str, str]]:
    """The results shown (Pagefind shows five at first) once Pagefind's message names
    `words` (and, given `previous`, a count other than it), without waiting a fixed time."""
    page.wait_for_function(
        """([words, previous]) => {
            const m = document.querySelector('.pagefind-ui__message');
            if (!m || !m.textContent.includes(words)) return false;
            const shown = document.querySelectorAll('.pagefind-ui__result-link').length;
            const count = parseInt(m.textContent.match(/\\d+/), 10);  // ("找到 2 个 ...")
            return shown === Math.min(count, 5) && (previous === null || count !== previous);
        }""",
        arg=[words, previous],
    )
    found: list[dict[str, str]] = page.evaluate(RESULTS_JS)
    return found


def _topic_briefs(site: Path, topic: str) -> set[str]:
    """The addresses of the sample's briefs filed under `topic`, from their pages."""
    found = set()
    for path in (site / "briefs").glob("*/index.html"):
        links = parse(path).find_all("a", **{"data-pagefind-filter": "Topic"})
        if topic in [Page.text(link) for link in links]:
            found.add(f"/briefs-site/{path.parent.relative_to(site).as_posix()}/")
    return found


@pytest.mark.slow
def test_readers_find_the_land_offer_narrow_by_topic_and_reach_it_without_javascript(
    new_page: Callable[..., Any], site_url: str, briefs_site: Path, axe: Any
) -> None:
    title = _plain(Page.text(parse(briefs_site / LAND_OFFER_PATH / "index.html").find_all("h1")[0]))
    page = new_page(viewport={"width": 1280, "height": 900})
    page.goto(site_url + "search/")

    for words in ("37.3", "industrial land"):
        results = _search(page, words)
        assert results and results[0]["text"] == title, (words, results)
        assert results[0]["href"] == f"/briefs-site/{LAND_OFFER_PATH}"
        # The summary, not a snippet, is shown under the result, once.
        summary = page.locator(".pagefind-ui__result-excerpt").first.text_content() or ""
        assert _plain(summary).startswith("An article of 7 April 2020 reports")
        assert not page.locator(".pagefind-ui__result-tag").count()

    _search(page, "Qingdao")
    everything = _count(page)
    _open_filter(page, "Topic", "Land and planning").check()
    narrowed = _results_for(page, "Qingdao", previous=everything)
    wanted = _topic_briefs(briefs_site, "Land and planning")
    assert 0 < _count(page) == len(narrowed) < everything
    # (With the Chinese index merged in, Pagefind writes some results' links in full: the
    # same pages, on this origin.)
    assert {urlsplit(r["href"]).path for r in narrowed} == wanted

    failures = []
    for scheme in ("light", "dark"):  # with results and an open filter on the page
        page.emulate_media(color_scheme=scheme)
        violations = axe.run(page, options=AXE_OPTIONS).response["violations"]
        failures += [
            f"{scheme}: {v['id']}: {v['help']} {v['nodes'][0]['target']}" for v in violations
        ]
    assert not failures, failures
    page.set_viewport_size({"width": 320, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 320

    # The header's box on any page, with JavaScript: the words are searched on arrival.
    page.goto(site_url)
    page.get_by_label("Search briefs").fill("37.3")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**/search/?q=37.3")
    assert _results_for(page, "37.3")[0]["text"] == title


@pytest.mark.slow
def test_without_javascript_the_search_box_leads_to_the_same_brief(
    new_page: Callable[..., Any], site_url: str, briefs_site: Path
) -> None:
    title = _plain(Page.text(parse(briefs_site / LAND_OFFER_PATH / "index.html").find_all("h1")[0]))
    page = new_page(viewport={"width": 320, "height": 800}, java_script_enabled=False)
    page.goto(site_url + "topics/")
    page.get_by_label("Search briefs").fill("industrial land")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**/search/?q=industrial+land")
    assert "needs JavaScript" in (page.locator("#search-fallback").text_content() or "")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    page.locator("#search-fallback").get_by_role("link", name="all briefs").click()
    page.wait_for_url(site_url + "briefs/")
    page.get_by_role("link", name=title).click()
    page.wait_for_url(site_url + LAND_OFFER_PATH)
    assert _plain(page.locator("h1").text_content() or "") == title


ZH_LAND_OFFER_PATH = "zh/briefs/land-offer/"
# The filters of the Chinese search page: the Chinese index's, then the joined English one's.
ZH_PAGE_FILTERS = ["主题", "地区", "年份", "Region", "Topic", "Year"]
EN_LAND_OFFER_TITLE = (
    "Qingdao offers 37.3 km² of net industrial land and an award of up to 100 million yuan"
)


@pytest.mark.slow
def test_searching_chinese_words_on_the_chinese_search_page_finds_the_chinese_brief(
    new_page: Callable[..., Any], site_url: str, briefs_site: Path
) -> None:
    # Issue #15: "searching 工业用地 finds the Chinese land-offer brief". The extended Pagefind
    # splits the brief into words at build time; the reader types the phrase unsplit.
    zh_page = parse(briefs_site / ZH_LAND_OFFER_PATH / "index.html")
    title = _plain(Page.text(zh_page.find_all("h1")[0]))
    assert title.startswith("青岛提供37.3平方公里净工业用地")
    page = new_page(viewport={"width": 1280, "height": 900})
    page.goto(site_url + "zh/search/")
    assert page.evaluate("document.documentElement.lang") == "zh-Hans"

    page.get_by_label("按词语、数字或名称搜索简报").fill("工业用地")
    results = _results_for(page, "工业用地")
    # At its address under /zh/ (Pagefind's addresses start at the site's root, not at the
    # Chinese home page: not /zh/zh/briefs/...), first.
    assert results[0] == {"text": title, "href": f"/briefs-site/{ZH_LAND_OFFER_PATH}"}, results

    # The Chinese briefs' filters are named in Chinese, as their pages are; the English
    # index, joined to the Chinese one, brings its own. All of them, with the first results:
    # the search starts only once every filter has loaded (see the next test).
    assert _filter_names(page) == ZH_PAGE_FILTERS

    # The English page, the English words: the English brief first, and each result once
    # (the Chinese index joins the English one; it does not add the English one again).
    page.goto(site_url + "search/")
    results = _search(page, "industrial land")
    assert results[0] == {"text": EN_LAND_OFFER_TITLE, "href": f"/briefs-site/{LAND_OFFER_PATH}"}
    paths = [urlsplit(result["href"]).path for result in results]
    assert len(paths) == len(set(paths)), paths


@pytest.mark.slow
def test_a_search_on_arrival_waits_for_every_filter_so_the_panel_has_them_all(
    new_page: Callable[..., Any], site_url: str
) -> None:
    # Pagefind's panel shows the filters a search's results come with, and a search brings
    # only the filters whose data has loaded by then. A search started earlier (here: ?q= from
    # the header's box, on arrival) left the filters still loading out of the panel for good:
    # seen as a flaky test whenever one filter file came late. Here one comes late on purpose.
    page = new_page(viewport={"width": 1280, "height": 900})
    held: list[Any] = []

    def hold_one(route: Any) -> None:
        if held:
            route.continue_()
        else:
            held.append(route)

    page.route("**/pagefind/filter/zh-hans_*.pf_filter", hold_one)
    with page.expect_request(lambda request: request.url.endswith(".pf_filter")):
        page.goto(site_url + "zh/search/?q=" + "工业用地")
    deadline = time.monotonic() + 30
    while not held:  # (the handler runs while Playwright is called)
        assert time.monotonic() < deadline, "no Chinese filter file was asked for"
        page.wait_for_timeout(20)  # a poll step, not a wait for something to happen

    # While a filter is loading there is no search box, so no search: the links to every
    # brief stand in for it.
    assert page.locator("#search input").count() == 0
    assert page.locator("#search-fallback").get_by_role("link", name="全部简报").is_visible()
    held[0].continue_()

    results = _results_for(page, "工业用地")
    assert results[0]["href"] == f"/briefs-site/{ZH_LAND_OFFER_PATH}", results
    assert _filter_names(page) == ZH_PAGE_FILTERS
    assert not page.locator("#search-fallback").is_visible()


@pytest.mark.slow
@pytest.mark.parametrize("missing", ["pagefind.js", "pagefind.zh-hans_*.pf_meta"])
def test_when_the_index_cannot_load_the_search_page_says_so_and_keeps_its_links(
    new_page: Callable[..., Any], site_url: str, missing: str
) -> None:
    # A site published without its index (or a part of it): the reader is told, and keeps the
    # links to every brief, rather than a search box that never answers.
    page = new_page(viewport={"width": 1280, "height": 900})
    page.route(f"**/pagefind/{missing}", lambda route: route.fulfill(status=404, body="gone"))
    page.goto(site_url + "zh/search/?q=" + "工业用地")
    unavailable = page.locator("#search-unavailable")
    unavailable.wait_for(state="visible")
    assert "无法加载" in (unavailable.text_content() or "")
    assert not page.locator("#search-no-script").is_visible()
    assert page.locator("#search input").count() == 0
    assert page.locator("#search-fallback").get_by_role("link", name="全部简报").is_visible()
