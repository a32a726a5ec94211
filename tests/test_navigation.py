"""Navigation between pages: the breadcrumb trail on every page but the home page, the
previous and next brief of a series, the newer and older brief of the archive, and the edit
path that keeps the pages beside a retitled brief as a cold build makes them.

Real builds into temporary folders; pages parsed as HTML; links followed as a browser
resolves them (from the page's own address, under a sub-path, and from disk).
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

import pytest
from conftest import run_build, site_files, write_site
from PIL import Image

from briefsite import pipeline
from briefsite.config import BUILTIN_TEMPLATES, SiteConfig, load_config
from briefsite.i18n import tr
from briefsite.output import published_hashes
from briefsite.pipeline import BuildOptions, BuildResult, build, publish
from briefsite.problems import Problem

BASE = "https://example.org/briefs-site/"
TODAY = dt.date(2021, 6, 1)


def brief(
    title: str, day: str, series: str | None = None, topics: str = "", extra: str = ""
) -> str:
    lines = [f"title: {title}", f"date: {day}", f"summary: About {title}."]
    lines += [f"series: {series}"] if series else []
    lines += [f"topics: [{topics}]"] if topics else []
    lines += [extra] if extra else []
    return "---\n" + "\n".join(lines) + "\n---\n## Terms\n\nText.\n"


# A series of five ("Reform") whose first two parts came out on one day; a brief in a series
# of its own; one in none. Newest first: a, b, c, d, e, p1, p2 (p1 before p2: same day, title).
BRIEFS = {
    "a.md": brief("Alpha", "2020-04-09", "Reform"),
    "b.md": brief("Beta", "2020-04-08"),
    "c.md": brief("Gamma", "2020-04-07", "Reform"),
    "d.md": brief("Delta", "2020-04-06", "Reform", extra="lang: zh-Hans"),
    "e.md": brief("Echo", "2020-04-05", "Solo"),
    "p1.md": brief("Reform, part 1", "2020-04-01", "Reform"),
    "p2.md": brief("Reform, part 2", "2020-04-01", "Reform"),
}
ORDER = ["a", "b", "c", "d", "e", "p1", "p2"]


class Navigation(HTMLParser):
    """A page's `<nav>` landmarks (their label, and each link's href, rel, text and the
    language of its title) and its JSON-LD scripts."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.navs: dict[str, list[dict[str, str]]] = {}
        self.items: dict[str, list[dict[str, str]]] = {}  # each <li> of each nav
        self.linked_data: list[object] = []
        self._nav: str | None = None
        self._link: dict[str, str] | None = None
        self._item: dict[str, str] | None = None
        self._script: list[str] | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "nav":
            self._nav = values.get("aria-label", "")
            self.navs.setdefault(self._nav, [])
            self.items.setdefault(self._nav, [])
        elif tag == "li" and self._nav is not None:
            self._item = {"text": "", "aria-current": values.get("aria-current", "")}
            self.items[self._nav].append(self._item)
        elif tag == "a" and self._nav is not None:
            self._link = {"href": values.get("href", ""), "rel": values.get("rel", ""), "text": ""}
            self.navs[self._nav].append(self._link)
        elif tag == "span" and self._link is not None and "lang" in values:
            self._link["lang"] = values["lang"]
        elif tag == "script" and values.get("type") == "application/ld+json":
            self._script = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "nav":
            self._nav = None
        elif tag == "a" and self._link is not None:
            self._link["text"] = " ".join(self._link["text"].split())
            self._link = None
        elif tag == "li" and self._item is not None:
            self._item["text"] = " ".join(self._item["text"].split())
            self._item = None
        elif tag == "script" and self._script is not None:
            self.linked_data.append(json.loads("".join(self._script)))
            self._script = None

    def handle_data(self, data: str) -> None:
        for part in (self._link, self._item):
            if part is not None:
                part["text"] += data
        if self._script is not None:
            self._script.append(data)


def navigation(site: Path, path: str) -> Navigation:
    return Navigation((site / path).read_text(encoding="utf-8"))


# Search (Pagefind) only where its page's trail is tested: it runs in every build otherwise.
NO_SEARCH = "search: false\n"


def make(root: Path, briefs: dict[str, str] = BRIEFS, settings: str = NO_SEARCH) -> Path:
    site = write_site(root, briefs, f"title: Test briefs\nbase_url: {BASE}\n{settings}")
    (site / "pages").mkdir()
    (site / "pages" / "about.md").write_text("---\ntitle: About us\n---\nWho we are.\n")
    return site


# ------------------------------------------------------------------------ breadcrumbs


# Each page (its file) and the pages above it: the site path each step leads to, and its text.
TRAILS = {
    "index.html": None,  # the home page has none
    "briefs/index.html": [("", "Home")],
    "briefs/page/2/index.html": [("", "Home"), ("briefs/", "Briefs")],
    "briefs/page/3/index.html": [("", "Home"), ("briefs/", "Briefs")],
    "topics/index.html": [("", "Home")],
    "topics/land/index.html": [("", "Home"), ("topics/", "Topics")],
    "topics/land/page/2/index.html": [
        ("", "Home"),
        ("topics/", "Topics"),
        ("topics/land/", "Land"),
    ],
    "briefs/c/index.html": [("", "Home"), ("briefs/", "Briefs")],
    "about/index.html": [("", "Home")],
    "search/index.html": [("", "Home")],
    "404.html": [("", "Home")],
}


@pytest.mark.parametrize("file_urls", [False, True], ids=["served", "from-disk"])
def test_every_page_but_the_home_page_has_a_trail_to_the_pages_above_it(tmp_path, file_urls):
    # One topic of all seven briefs, three to a page: three pages of the archive and of it.
    briefs = {
        f"{name}.md": brief(name, f"2020-04-0{n}", topics="Land")
        for n, name in enumerate("abcdefg", 1)
    }
    site = make(tmp_path / "s", briefs, "page_size: 3\n")
    out = tmp_path / "out"
    args = ["build", "--source", site, "--output", out] + (["--file-urls"] if file_urls else [])
    done = run_build(*args)
    assert done.returncode == 0, done.stdout + done.stderr

    for path, trail in TRAILS.items():
        page = navigation(out, path)
        if trail is None:
            assert "Breadcrumb" not in page.navs, path
            continue
        # Each step a link, in an ordered list; never the page itself (its h1 names it).
        assert [item["aria-current"] for item in page.items["Breadcrumb"]] == [""] * len(trail)
        links = page.navs["Breadcrumb"]
        assert [link["text"] for link in links] == [text for _, text in trail], path
        if path == "404.html":
            # Served at any address: its links start at the root, under the site's sub-path.
            assert [link["href"] for link in links] == ["/briefs-site/"]
            continue
        here = BASE + path  # (a page served at its folder resolves links the same way)
        wanted = [BASE + target + ("index.html" if file_urls else "") for target, _ in trail]
        assert [urljoin(here, link["href"]) for link in links] == wanted, path


def test_search_engines_get_each_trail_ending_in_the_page_itself(tmp_path):
    site = make(tmp_path / "s", {"c.md": brief('G</script><b>"&', "2020-04-07")}, "")
    out = tmp_path / "out"
    assert run_build("build", "--source", site, "--output", out).returncode == 0
    text = (out / "briefs" / "c" / "index.html").read_text(encoding="utf-8")
    assert "G</script>" not in text  # escaped inside the script, as the citation's JSON-LD

    (trail,) = [d for d in navigation(out, "briefs/c/index.html").linked_data
                if isinstance(d, dict) and d.get("@type") == "BreadcrumbList"]  # fmt: skip
    assert trail["itemListElement"] == [
        {"@type": "ListItem", "position": 1, "name": "Home", "item": BASE},
        {"@type": "ListItem", "position": 2, "name": "Briefs", "item": BASE + "briefs/"},
        {"@type": "ListItem", "position": 3, "name": "G</script><b>\u201d&"},
    ]
    # Pages not for search engines (noindex) have none.
    for path in ("404.html", "search/index.html", "index.html"):
        assert not [
            d for d in navigation(out, path).linked_data if d.get("@type") == "BreadcrumbList"
        ], path


# --------------------------------------------------------------- series and the archive


SERIES = "Previous and next in this series"
ARCHIVE = "Newer and older briefs"


def neighbours(out: Path, slug: str, label: str) -> list[tuple[str, str, str]]:
    """The links of one of a brief page's navigations: (what, the brief it leads to, rel).
    `label` and `what` in English: a page in another language says them in its own (brief d
    is Chinese), read back here through its catalogue."""
    page = navigation(out, f"briefs/{slug}/index.html")
    lang = "zh-Hans" if slug == "d" else "en"
    words = ("Previous in this series", "Next in this series", "Newer brief", "Older brief")
    english = {tr(lang, word): word for word in words}
    here = f"{BASE}briefs/{slug}/"
    found = []
    for link in page.navs.get(tr(lang, label), []):
        target = urljoin(here, link["href"]).removeprefix(BASE + "briefs/").rstrip("/")
        what = link["text"].split(":")[0]
        found.append((english.get(what, what), target, link["rel"]))
    return found


def test_a_brief_links_the_briefs_before_and_after_it_in_its_series_and_the_archive(tmp_path):
    site = make(tmp_path / "s")
    out = tmp_path / "out"
    assert run_build("build", "--source", site, "--output", out).returncode == 0

    # Read in publication order: parts of one day in the listing's order (part 1 first).
    series = {
        "p1": [("Next in this series", "p2", "next")],
        "p2": [("Previous in this series", "p1", "prev"), ("Next in this series", "d", "next")],
        "d": [("Previous in this series", "p2", "prev"), ("Next in this series", "c", "next")],
        "c": [("Previous in this series", "d", "prev"), ("Next in this series", "a", "next")],
        "a": [("Previous in this series", "c", "prev")],
        "e": [],  # a series of one: no sequence to move in
        "b": [],  # in no series
    }
    for slug, wanted in series.items():
        assert neighbours(out, slug, SERIES) == wanted, slug

    # The archive's order, newest first; no link past either end.
    for index, slug in enumerate(ORDER):
        wanted = []
        if index:
            wanted.append(("Newer brief", ORDER[index - 1], ""))
        if index < len(ORDER) - 1:
            wanted.append(("Older brief", ORDER[index + 1], ""))
        assert neighbours(out, slug, ARCHIVE) == wanted, slug

    # The link's accessible name is what it is and the brief's title, in the title's language.
    page = navigation(out, "briefs/c/index.html")
    assert page.navs[SERIES][0]["text"] == "Previous in this series: Delta"
    assert page.navs[SERIES][0]["lang"] == "zh-Hans"
    assert "lang" not in page.navs[SERIES][1]
    # The series is named among the brief's facts.
    text = (out / "briefs" / "c" / "index.html").read_text(encoding="utf-8")
    assert "<dt>Series</dt><dd>Reform</dd>" in text


def test_a_brief_alone_on_the_site_has_no_neighbours(tmp_path):
    site = make(tmp_path / "s", {"a.md": BRIEFS["a.md"]})
    out = tmp_path / "out"
    assert run_build("build", "--source", site, "--output", out).returncode == 0
    navs = navigation(out, "briefs/a/index.html").navs
    assert SERIES not in navs and ARCHIVE not in navs


# -------------------------------------------------------------------------- the schema


def problems_of(site: Path) -> list[Problem]:
    config = load_config(site, site / "site")
    assert isinstance(config, SiteConfig), config
    result = build(config, BuildOptions(today=TODAY, jobs=1, cache=False, search=False))
    assert not result.ok
    return list(result.problems)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("[Reform, Land]", "'series' must be text, got a list"),
        ('""', "'series' must not be empty"),
        ("R" * 121, "'series' is 121 characters long; at most 120 are allowed"),
    ],
)
def test_a_series_that_is_no_short_text_is_an_error_where_it_is_written(tmp_path, value, message):
    site = make(tmp_path / "s", {"a.md": brief("Alpha", "2020-04-09", extra=f"series: {value}")})
    (problem,) = problems_of(site)
    assert (problem.path, problem.line, problem.col) == ("briefs/a.md", 5, 9)
    assert problem.message == message


def test_a_series_spelt_two_ways_is_an_error_in_the_brief_that_differs(tmp_path):
    site = make(
        tmp_path / "s",
        {
            "a.md": brief("Alpha", "2020-04-09", "Land reform"),
            "b.md": brief("Beta", "2020-04-08", "land Reform"),
            "c.md": brief("Gamma", "2020-04-07", "Land reform"),
        },
    )
    (problem,) = problems_of(site)
    assert (problem.path, problem.line, problem.col) == ("briefs/b.md", 5, 9)
    assert problem.message == (
        "series 'land Reform' is spelt differently from 'Land reform' in briefs/a.md"
    )
    assert problem.hint == "write the series the same way in every brief of it"


# ------------------------------------------------------------------- the edit path (#9)


def png(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (64, 48), (86, 148, 202)).save(path, "PNG")


def make_edited(root: Path, patch: pytest.MonkeyPatch) -> Path:
    """`BRIEFS` without topics (so no brief is related to another: only neighbours show a
    title), the built-in templates copied, and a brief beside c whose body shows an image and
    links a standalone page (what a page rendered again from the cache must still show).
    Builds run as if a minute later: files just written are trusted by their stamps, as an
    editor's are (`pipeline.clock_ns`), or the edit path would not be taken."""
    real = time.time_ns
    patch.setattr(pipeline, "clock_ns", lambda: real() + 60 * 10**9)
    briefs = dict(BRIEFS)
    briefs["b.md"] = briefs["b.md"].replace(
        "Text.", "![Chart](b/chart.png) [Us](../pages/about.md)."
    )
    site = make(root, briefs)
    png(site / "briefs" / "b" / "chart.png")
    shutil.copytree(BUILTIN_TEMPLATES, site / "templates")
    return site


def rebuild(site: Path) -> BuildResult:
    """An incremental build into site/, as `python build.py` does it."""
    config = load_config(site, site / "site")
    assert isinstance(config, SiteConfig), config
    result = build(config, BuildOptions(today=TODAY, jobs=1), published_hashes(config.output))
    assert result.ok, result.problems
    publish(result, config)
    return result


def cold(site: Path, folder: Path) -> dict[str, bytes]:
    """A clean build: no cache, an empty output folder."""
    config = load_config(site, folder)
    assert isinstance(config, SiteConfig), config
    result = build(config, BuildOptions(today=TODAY, jobs=1, cache=False))
    assert result.ok, result.problems
    publish(result, config)
    return site_files(folder)


def brief_pages(rendered: list[str]) -> list[str]:
    return sorted(p.removeprefix("briefs/").rstrip("/") for p in rendered
                  if p.startswith("briefs/") and p.count("/") == 2)  # fmt: skip


def test_a_title_edit_renders_the_pages_beside_the_brief_and_equals_a_cold_build(
    tmp_path, rendered_pages, full_builds, monkeypatch
):
    site = make_edited(tmp_path / "s", monkeypatch)
    rebuild(site)
    rendered_pages.clear()
    (site / "briefs" / "c.md").write_text(brief("Gamma ray", "2020-04-07", "Reform"))

    rebuild(site)

    assert full_builds == ["full", "edit"]
    # Its own page, its neighbours in the archive (b, d) and in its series (d, a); no other.
    assert brief_pages(rendered_pages) == ["a", "b", "c", "d"]
    assert ("Older brief", "c", "") in neighbours(site / "site", "b", ARCHIVE)
    # d is a Chinese brief: its page says what each link is in Chinese.
    assert f"{tr('zh-Hans', 'Newer brief')}: Gamma ray" in [
        link["text"]
        for link in navigation(site / "site", "briefs/d/index.html").navs[tr("zh-Hans", ARCHIVE)]
    ]
    assert site_files(site / "site") == cold(site, tmp_path / "cold")


def test_a_summary_or_body_edit_renders_no_page_beside_the_brief(
    tmp_path, rendered_pages, full_builds, monkeypatch
):
    site = make_edited(tmp_path / "s", monkeypatch)
    rebuild(site)
    summed_up = BRIEFS["c.md"].replace("About Gamma.", "Gamma, summed up.")  # lists show it
    for step, text in enumerate([summed_up, summed_up.replace("Text.", "Other text.")]):
        rendered_pages.clear()
        full_builds.clear()
        (site / "briefs" / "c.md").write_text(text)

        rebuild(site)

        assert full_builds == ["edit"]
        assert brief_pages(rendered_pages) == ["c"]
        assert site_files(site / "site") == cold(site, tmp_path / f"cold{step}")


def test_a_brief_added_or_deleted_changes_the_pages_beside_it(
    tmp_path, rendered_pages, full_builds, monkeypatch
):
    site = make_edited(tmp_path / "s", monkeypatch)
    rebuild(site)
    added = site / "briefs" / "x.md"
    # Between b and c in the archive (b's day, after "Beta"), and between c and a in the series.
    added.write_text(brief("Bravo", "2020-04-08", "Reform"))

    rendered_pages.clear()
    rebuild(site)

    assert ("Older brief", "x", "") in neighbours(site / "site", "b", ARCHIVE)
    assert ("Newer brief", "x", "") in neighbours(site / "site", "c", ARCHIVE)
    assert ("Next in this series", "x", "next") in neighbours(site / "site", "c", SERIES)
    assert ("Previous in this series", "x", "prev") in neighbours(site / "site", "a", SERIES)
    assert {"a", "b", "c", "x"} <= set(brief_pages(rendered_pages))
    assert site_files(site / "site") == cold(site, tmp_path / "cold-added")

    added.unlink()
    rendered_pages.clear()
    rebuild(site)

    assert ("Older brief", "c", "") in neighbours(site / "site", "b", ARCHIVE)
    assert ("Next in this series", "a", "next") in neighbours(site / "site", "c", SERIES)
    assert {"a", "b", "c"} <= set(brief_pages(rendered_pages))
    assert site_files(site / "site") == cold(site, tmp_path / "cold-deleted")
    assert full_builds.count("edit") == 0


def test_a_related_briefs_page_rendered_for_a_title_keeps_its_images_and_page_links(
    tmp_path, full_builds, monkeypatch
):
    # b lists c as related (one topic): c's new title renders b's page again from the cache,
    # which must show b's image with its size and its link to a page, as a cold build does.
    site = make_edited(tmp_path / "s", monkeypatch)
    for name in ("a.md", "d.md", "e.md", "p1.md", "p2.md"):
        (site / "briefs" / name).unlink()
    for name in ("b.md", "c.md"):
        path = site / "briefs" / name
        path.write_text(
            path.read_text()
            .replace("series: Reform\n", "")
            .replace("---\n##", "topics: [Land]\n---\n##")
        )
    rebuild(site)
    (site / "briefs" / "c.md").write_text(brief("Gamma ray", "2020-04-07", topics="Land"))

    rebuild(site)

    assert full_builds == ["full", "edit"]
    page = (site / "site" / "briefs" / "b" / "index.html").read_text(encoding="utf-8")
    assert '<img alt="Chart" src="chart.png" width="64" height="48">' in page
    assert site_files(site / "site") == cold(site, tmp_path / "cold")
