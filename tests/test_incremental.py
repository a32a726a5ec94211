"""Rebuilds skip what did not change, and always give what a clean cold build gives."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jinja2
import pytest
from conftest import SEARCH_SITE_YML, SITE_YML, site_files, write_site
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from briefsite import feeds, pipeline, render, search
from briefsite.cache import Cache
from briefsite.config import BUILTIN_TEMPLATES, SiteConfig, load_config
from briefsite.output import published_hashes
from briefsite.pipeline import BuildOptions, build, publish

TODAY = dt.date(2021, 6, 1)


def brief(title: str, topics: str = "Land", day: str = "2020-04-07", body: str = "Text.") -> str:
    return (
        f"---\ntitle: {title}\ndate: {day}\nsummary: About {title}.\ntopics: [{topics}]\n"
        f"expires: 2021-06-02\n---\n## Terms\n\n{body} See [other](b.md#terms).\n"
    )


def make(root: Path, site_yml: str = SITE_YML) -> Path:
    files = {"a.md": brief("Alpha"), "b.md": brief("Beta"), "c.md": brief("C")}
    files["d.md"] = brief("Delta", topics="Other").replace("b.md#terms", "d.md#terms")
    site = write_site(root, files, site_yml)
    shutil.copytree(BUILTIN_TEMPLATES, site / "templates")
    return site


def config_of(site: Path, output: Path) -> SiteConfig:
    config = load_config(site, output)
    assert isinstance(config, SiteConfig), config
    return config


def rebuild(site: Path, today: dt.date = TODAY) -> pipeline.BuildResult:
    """An incremental build into site/, as `python build.py` does it."""
    config = config_of(site, site / "site")
    result = build(config, BuildOptions(today=today, jobs=1), published_hashes(config.output))
    assert result.ok, result.problems
    publish(result, config)
    return result


def cold(site: Path, folder: Path, today: dt.date = TODAY) -> dict[str, bytes]:
    """A clean build: no cache, an empty output folder."""
    config = config_of(site, folder)
    result = build(config, BuildOptions(today=today, jobs=1, cache=False))
    assert result.ok, result.problems
    publish(result, config)
    return site_files(folder)


def test_nothing_changed_renders_no_page(tmp_path, rendered_pages):
    site = make(tmp_path / "s")
    rebuild(site)
    rendered_pages.clear()

    result = rebuild(site)

    assert rendered_pages == []
    assert all(o.data is None for o in result.outputs if o.path.endswith(".html"))


def test_a_body_edit_renders_only_that_briefs_page(tmp_path, rendered_pages):
    site = make(tmp_path / "s")
    rebuild(site)
    rendered_pages.clear()
    (site / "briefs" / "a.md").write_text(brief("Alpha", body="New text."))

    rebuild(site)

    # Its own page alone: listings and related briefs show only views of it (title,
    # summary, date, address), which a body edit does not change.
    assert rendered_pages == ["briefs/a/"]
    assert site_files(site / "site") == cold(site, tmp_path / "cold")


def test_a_title_edit_renders_the_pages_that_show_it(tmp_path, rendered_pages, full_builds):
    site = make(tmp_path / "s")
    rebuild(site)
    rendered_pages.clear()
    full_builds.clear()
    # (Between Beta and Delta still: a title that moved it would go the full way.)
    (site / "briefs" / "c.md").write_text(brief("Charlie"))

    rebuild(site)

    assert full_builds == ["edit"]  # from the record's listing, not the whole site

    # Its own page (now at its old slug), the lists that show titles, the briefs that list
    # it as related (a, b) and those beside it in the archive (b, d), whose links show it.
    assert sorted(rendered_pages) == [
        "",
        "briefs/",
        "briefs/a/",
        "briefs/b/",
        "briefs/c/",
        "briefs/d/",
        "status/current/",
        "topics/land/",
        "years/2020/",
    ]
    assert site_files(site / "site") == cold(site, tmp_path / "cold")


def test_a_new_day_re_renders_what_expired(tmp_path):
    site = make(tmp_path / "s")
    rebuild(site)
    before = (site / "site" / "briefs" / "a" / "index.html").read_text()

    later = TODAY + dt.timedelta(days=2)  # every brief expires on 2 June 2021
    rebuild(site, today=later)

    after = (site / "site" / "briefs" / "a" / "index.html").read_text()
    assert "No longer in force" not in before
    assert "No longer in force" in after
    assert site_files(site / "site") == cold(site, tmp_path / "cold", today=later)


def test_a_page_deleted_from_the_output_is_rendered_again(tmp_path):
    site = make(tmp_path / "s")
    rebuild(site)
    (site / "site" / "briefs" / "b" / "index.html").unlink()

    rebuild(site)

    assert site_files(site / "site") == cold(site, tmp_path / "cold")


# -------------------------------------------------------------- any sequence of edits

EDITS = st.lists(
    st.sampled_from(
        [
            "body",
            "body-back",
            "anchors",
            "links",
            "same-size",
            "title",
            "title-first",
            "title-last",
            "title-replacement",
            "summary",
            "topics",
            "future",
            "template",
            "settings",
            "add",
            "delete",
            "corrupt-cache",
            "next-day",
            "zh-body",  # the Chinese edits: on the site of two languages only
            "zh-anchors",
            "zh-title",
        ]
    ),
    min_size=1,
    max_size=4,
)


def make_listed(root: Path, site_yml: str = SITE_YML) -> Path:
    """`make`'s site with more for a title to move through: lists two to a page (so the
    archive's and topics' page breaks fall between briefs of one day), two briefs on the home
    page, one brief with a report number (it comes first in its day whatever its title), and
    one that names d as its replacement (its page shows d's title)."""
    site = make(root, site_yml)
    with (site / "site.yml").open("a") as handle:
        handle.write("page_size: 2\nlatest_count: 2\n")
    briefs = site / "briefs"
    (briefs / "e.md").write_text(brief("Echo").replace("---\n##", "superseded_by: d.md\n---\n##"))
    (briefs / "g.md").write_text(brief("Golf").replace("---\n##", "number: QB-1\n---\n##"))
    return site


@pytest.mark.slow
@settings(
    max_examples=12,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(edits=EDITS, settled=st.booleans(), bilingual=st.booleans())
@example(edits=["title-first", "title", "summary", "title-last"], settled=False, bilingual=False)
@example(edits=["title-replacement", "body", "title-first"], settled=True, bilingual=False)
@example(edits=["zh-body", "body", "zh-anchors", "zh-title"], settled=True, bilingual=True)
def test_any_sequence_of_edits_builds_what_a_cold_build_builds(
    tmp_path_factory, edits, settled, bilingual
):
    root = tmp_path_factory.mktemp("edits")
    # The search index too is what a cold build makes.
    site = make_listed(root / "s", SEARCH_SITE_YML + ("languages: [en, zh-Hans]\n" * bilingual))
    if bilingual:  # Chinese versions of a and b; a's link to b.md#terms leads to b.zh.md
        (site / "briefs" / "a.zh.md").write_text(brief("甲"), encoding="utf-8")
        (site / "briefs" / "b.zh.md").write_text(brief("乙"), encoding="utf-8")
    today = TODAY
    with pytest.MonkeyPatch.context() as patch:
        if settled:  # every file older than the racy window: trusted by its stamp
            a_minute_later(patch)
        # A feed of the two newest briefs: most briefs are not in it, as on a large site.
        patch.setattr(feeds, "FEED_SIZE", 2)
        patch.setattr(pipeline, "FEED_SIZE", 2)
        # Pagefind was half this test's time. Its bundle is a function of the pages it is
        # given: asked again for the same pages (the cold build after an incremental one), it
        # gives what it gave. Whether a build asks it, and with which pages, is as before.
        patch.setattr(search, "run_pagefind", same_bundle_for_same_pages(search.run_pagefind))
        rebuild(site, today)
        for step, edit in enumerate(edits):
            apply(site, edit, step)
            if edit == "next-day":
                today += dt.timedelta(days=1)
            rebuild(site, today)
            assert site_files(site / "site") == cold(site, root / f"cold{step}", today), edits


def same_bundle_for_same_pages(run: Callable[..., Any]) -> Callable[..., Any]:
    """`search.run_pagefind` run once for each set of pages (paths and bytes) and way of
    asking, and its bundle given again when asked again."""
    made: dict[object, dict[str, bytes] | None] = {}

    def run_once(engine, pages, keep_index_url, stop=lambda: False):  # type: ignore[no-untyped-def]
        key = (engine, tuple(sorted(pages.items())), keep_index_url)
        if key not in made:
            made[key] = run(engine, pages, keep_index_url, stop)
        bundle = made[key]
        return None if bundle is None else dict(bundle)

    return run_once


def apply(site: Path, edit: str, step: int) -> None:
    """One editor's change to the site folder."""
    briefs = site / "briefs"
    if edit == "body":
        (briefs / "a.md").write_text(brief("Alpha", body=f"Edited {step}."))
    elif edit == "body-back":
        (briefs / "a.md").write_text(brief("Alpha"))
    elif edit == "anchors":  # other ids in b, whose #terms other briefs link to
        (briefs / "b.md").write_text(brief("Beta", body=f"Text.\n\n## Step {step}\n\n[^{step}]"))
    elif edit == "links":  # a links to one more anchor
        (briefs / "a.md").write_text(brief("Alpha", body=f"[D](d.md#terms) {step}."))
    elif edit == "same-size":
        same_size_edit(briefs / "b.md")
    elif edit == "title":
        (briefs / "c.md").write_text(brief(f"Gamma {step}"))
    elif edit == "title-first":  # c goes first among the briefs of its day
        (briefs / "c.md").write_text(brief(f"Aardvark {step}"))
    elif edit == "title-last":  # a, which b and c list as related, goes last in its day
        (briefs / "a.md").write_text(brief(f"Zulu {step}"))
    elif edit == "title-replacement":  # d, which e names as its replacement
        text = brief(f"Delta {step}", topics="Other").replace("b.md#terms", "d.md#terms")
        (briefs / "d.md").write_text(text)
    elif edit == "summary":  # b's summary alone
        (briefs / "b.md").write_text(brief("Beta").replace("About Beta.", f"Beta, {step}."))
    elif edit == "topics":
        (briefs / "a.md").write_text(brief("Alpha", topics=f"Land, Topic {step}"))
    elif edit == "future":
        (briefs / "c.md").write_text(brief("C", day="2030-01-01"))
    elif edit == "template":
        path = site / "templates" / "base.html"
        path.write_text(path.read_text().replace("</body>", f"<!-- {step} -->\n</body>", 1))
    elif edit == "settings":
        with (site / "site.yml").open("a") as handle:
            handle.write(f"description: Edited {step}.\n" if step == 0 else "")
        text = (site / "site.yml").read_text()
        (site / "site.yml").write_text(text.replace("Edited", f"Edited {step}", 1))
    elif edit == "add":
        (briefs / f"new{step}.md").write_text(brief(f"New {step}"))
    elif edit == "delete":
        remaining = sorted(p for p in briefs.glob("*.md") if p.name not in ("b.md", "d.md"))
        if remaining:
            remaining[0].unlink()
    elif edit.startswith("zh-") and not (briefs / "b.zh.md").exists():
        return  # a site of one language (or one whose b.zh.md was deleted)
    elif edit == "zh-body":
        (briefs / "a.zh.md").write_text(brief("甲", body=f"改动{step}。"), encoding="utf-8")
    elif edit == "zh-anchors":  # other ids in b.zh.md, whose #terms a.zh.md's link asks
        (briefs / "b.zh.md").write_text(
            brief("乙", body=f"文字。\n\n## 第{step}步"), encoding="utf-8"
        )
    elif edit == "zh-title":
        (briefs / "a.zh.md").write_text(brief(f"甲{step}"), encoding="utf-8")
    elif edit == "corrupt-cache":
        database = site / ".briefsite-cache" / "cache.sqlite"
        for extra in database.parent.glob("cache.sqlite-*"):
            extra.unlink()
        database.write_bytes(b"junk" * 64)


def same_size_edit(path: Path) -> None:
    """Change a brief's text without changing its size or modification time."""
    before = path.stat()
    text = path.read_text()
    if "Text." in text:
        path.write_text(text.replace("Text.", "Txet.", 1))
    else:
        path.write_text(text.replace("Txet.", "Text.", 1))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = path.stat()
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)


def a_minute_later(patch: pytest.MonkeyPatch) -> None:
    """Builds run as if a minute from now: the files a test wrote are then as old as files
    an editor saved a while ago, past the window in which a file is never trusted."""
    real = time.time_ns
    patch.setattr(pipeline, "clock_ns", lambda: real() + 60 * 10**9)


# ------------------------------------------------------------ files known by their stamp


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the brief files each build reads."""
    seen: list[str] = []
    real = pipeline.read_brief_bytes

    def counting(root: Path, path: Path | str, limit: int) -> bytes | object:
        seen.append(Path(path).name)
        return real(root, path, limit)

    monkeypatch.setattr(pipeline, "read_brief_bytes", counting)
    return seen


def test_files_unchanged_since_the_last_build_are_not_read_again(tmp_path, reads, monkeypatch):
    site = make(tmp_path / "s")
    a_minute_later(monkeypatch)
    rebuild(site)
    assert sorted(reads) == ["a.md", "b.md", "c.md", "d.md"]
    reads.clear()
    (site / "briefs" / "a.md").write_text(brief("Alpha", body="New text."))

    rebuild(site)

    assert reads == ["a.md"]
    assert site_files(site / "site") == cold(site, tmp_path / "cold")


def test_an_edit_that_keeps_the_size_and_the_modification_time_is_seen(tmp_path, monkeypatch):
    site = make(tmp_path / "s")
    a_minute_later(monkeypatch)
    rebuild(site)

    same_size_edit(site / "briefs" / "b.md")  # its change time moves all the same
    rebuild(site)

    assert "Txet." in (site / "site" / "briefs" / "b" / "index.html").read_text()
    assert site_files(site / "site") == cold(site, tmp_path / "cold")


def test_a_file_modified_just_before_a_build_is_read_again_even_if_its_stamp_holds(
    tmp_path, monkeypatch
):
    # A file system without a change time (some network and FUSE ones): the stamp of a file
    # edited within one tick of its clock, keeping its size, does not move at all.
    real = pipeline.file_stamp

    def without_ctime(path: Path) -> tuple[int, int, int, int, int] | None:
        stamp = real(path)
        return None if stamp is None else (stamp[0], stamp[1], 0, stamp[3], stamp[4])

    monkeypatch.setattr(pipeline, "file_stamp", without_ctime)
    site = make(tmp_path / "s")
    rebuild(site)  # the files were written moments ago: they are not trusted next time

    same_size_edit(site / "briefs" / "b.md")
    rebuild(site)

    assert "Txet." in (site / "site" / "briefs" / "b" / "index.html").read_text()
    assert site_files(site / "site") == cold(site, tmp_path / "cold")


# ------------------------------------------------------------- nothing changed at all


def settle(site: Path) -> None:
    """Date every brief a minute back: a file changed within the last moments is never
    trusted to be unchanged (it could change again within its clock tick)."""
    past = time.time() - 60
    for path in (site / "briefs").glob("*.md"):
        os.utime(path, (past, past))


def test_a_build_with_nothing_changed_is_answered_from_its_record(tmp_path, full_builds):
    site = make(tmp_path / "s")
    settle(site)
    first = rebuild(site)
    again = rebuild(site)

    assert len(full_builds) == 1
    assert again.brief_count == first.brief_count == 4
    assert again.page_count == first.page_count
    assert [(o.path, o.digest) for o in again.outputs] == [
        (o.path, o.digest) for o in first.outputs
    ]


@pytest.mark.parametrize(
    "change",
    ["edit", "touch", "template", "settings", "output", "day", "new-file"],
)
def test_any_change_goes_through_the_stages_again(tmp_path, full_builds, change):
    site = make(tmp_path / "s")
    settle(site)
    rebuild(site)
    today = TODAY
    if change == "edit":
        (site / "briefs" / "a.md").write_text(brief("Alpha", body="Other."))
        settle(site)
    elif change == "touch":
        os.utime(site / "briefs" / "a.md", (time.time() - 30, time.time() - 30))
    elif change == "template":
        (site / "templates" / "404.html").write_text("{% extends 'base.html' %}\n")
    elif change == "settings":
        (site / "site.yml").write_text((site / "site.yml").read_text() + "description: New.\n")
    elif change == "output":
        (site / "site" / "404.html").unlink()
    elif change == "day":
        today = TODAY + dt.timedelta(days=1)
    elif change == "new-file":
        (site / "briefs" / "e.md").write_text(brief("Echo"))
        settle(site)

    rebuild(site, today)

    assert len(full_builds) == 2
    assert site_files(site / "site") == cold(site, tmp_path / "cold", today)


def test_a_brief_changed_moments_ago_is_never_trusted_unchanged(tmp_path, full_builds):
    site = make(tmp_path / "s")
    rebuild(site)  # the briefs were written just now
    rebuild(site)

    assert len(full_builds) == 2


def test_related_briefs_are_worked_out_again_only_when_topics_or_order_change(
    tmp_path, monkeypatch
):
    calls: list[int] = []
    real = pipeline.related_briefs
    monkeypatch.setattr(pipeline, "related_briefs", lambda c: calls.append(1) or real(c))
    site = make(tmp_path / "s")
    rebuild(site)
    (site / "briefs" / "a.md").write_text(brief("Alpha", body="New text."))
    rebuild(site)
    assert calls == [1]  # a body edit: the answer is kept

    (site / "briefs" / "a.md").write_text(brief("Alpha", topics="Other"))
    rebuild(site)

    assert calls == [1, 1]
    assert site_files(site / "site") == cold(site, tmp_path / "cold")


# ------------------------------------------------------------------------- the edit path


@pytest.fixture
def compiled(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The brief files each build asks results of (from the cache or compiled)."""
    seen: list[list[str]] = []
    real = pipeline.compile_some

    def recording(config, options, sources, wanted, cache):  # type: ignore[no-untyped-def]
        seen.append(list(wanted))
        return real(config, options, sources, wanted, cache)

    monkeypatch.setattr(pipeline, "compile_some", recording)
    return seen


def test_a_body_edit_takes_only_that_brief_and_reports_what_a_full_build_reports(
    tmp_path, full_builds, compiled, rendered_pages
):
    site = make(tmp_path / "s")
    (site / "briefs" / "notes.markdown").write_text("Not a brief.\n")  # a warning
    first = rebuild(site)
    assert [p.path for p in first.problems] == ["briefs/notes.markdown"]
    full_builds.clear()
    compiled.clear()
    rendered_pages.clear()
    (site / "briefs" / "a.md").write_text(brief("Alpha", body="New text."))

    result = rebuild(site)

    assert full_builds == ["edit"]
    assert compiled == [["briefs/a.md"]]
    assert rendered_pages == ["briefs/a/"]
    assert result.problems == first.problems
    assert (result.brief_count, result.page_count) == (first.brief_count, first.page_count)
    assert site_files(site / "site") == cold(site, tmp_path / "cold")


@pytest.mark.parametrize("edit", ["number", "topics", "date", "draft"])
def test_front_matter_edits_go_the_full_way(tmp_path, full_builds, edit):
    site = make(tmp_path / "s")
    rebuild(site)
    full_builds.clear()
    text = {
        "number": brief("C").replace("---\n## Terms", "number: QB-1\n---\n## Terms"),
        "topics": brief("C", topics="Land, Sea"),
        "date": brief("C", day="2020-04-08"),
        "draft": brief("C").replace("---\n## Terms", "draft: true\n---\n## Terms"),
    }[edit]
    (site / "briefs" / "c.md").write_text(text)

    rebuild(site)

    assert full_builds == ["full"]
    assert site_files(site / "site") == cold(site, tmp_path / "cold")


def build_here(site: Path, cache: bool = True) -> pipeline.BuildResult:
    """A build of the site into site/, without publishing it."""
    config = config_of(site, site / "site")
    on_disk = published_hashes(config.output) if cache else {}
    return build(config, BuildOptions(today=TODAY, jobs=1, cache=cache), on_disk)


@pytest.mark.parametrize(
    ("name", "body", "broken"),
    [
        # b's heading goes: the links of a and c (and its own) to b.md#terms break.
        ("b.md", "Text.\n\n## Conditions", "briefs/a.md"),
        # a links to an anchor d does not have.
        ("a.md", "See [d](d.md#nowhere).", "briefs/a.md"),
        # a links to a brief that does not exist.
        ("a.md", "See [x](x.md).", "briefs/a.md"),
    ],
)
def test_a_body_edit_that_breaks_a_link_is_reported_as_a_full_build_reports_it(
    tmp_path, full_builds, name, body, broken
):
    site = make(tmp_path / "s")
    rebuild(site)
    full_builds.clear()
    title = {"a.md": "Alpha", "b.md": "Beta"}[name]
    text = brief(title, body=body)
    if name == "b.md":
        text = text.replace("## Terms", "## Overview")
    (site / "briefs" / name).write_text(text)
    written = site_files(site / "site")

    result = build_here(site)

    assert full_builds == ["full"]
    assert not result.ok
    assert any(p.path == broken and "link" in p.message for p in result.problems)
    assert result.problems == build_here(site, cache=False).problems
    assert site_files(site / "site") == written


def test_a_body_edit_with_another_page_gone_from_the_output_restores_it(tmp_path, full_builds):
    site = make(tmp_path / "s")
    rebuild(site)
    full_builds.clear()
    (site / "site" / "briefs" / "b" / "index.html").unlink()
    (site / "briefs" / "a.md").write_text(brief("Alpha", body="New text."))

    rebuild(site)

    assert full_builds == ["full"]
    assert site_files(site / "site") == cold(site, tmp_path / "cold")


def test_body_edits_one_after_another_keep_the_cache_to_what_is_used(tmp_path, full_builds):
    site = make(tmp_path / "s")
    rebuild(site)
    database = site / ".briefsite-cache" / "cache.sqlite"
    count = len(Cache.open(site).stored_keys())
    for step in range(3):
        (site / "briefs" / "a.md").write_text(brief("Alpha", body=f"Edit {step}."))
        rebuild(site)
    assert full_builds == ["full", "edit", "edit", "edit"]
    cache = Cache.open(site)
    try:
        # The brief and page each edit replaced are gone; one of each is left, as before,
        # and the edits' changes to the site's record and to the index of brief files are
        # kept beside them.
        assert len(cache.stored_keys()) == count + 2
    finally:
        cache.close()
    assert database.exists()
    assert site_files(site / "site") == cold(site, tmp_path / "cold")


@pytest.fixture
def compiled_templates(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The name of each template Jinja compiles from now on (the rest came compiled)."""
    names: list[str] = []
    real = jinja2.Environment.compile

    def compiling(self, source, name=None, filename=None, *args, **kwargs):  # type: ignore[no-untyped-def]
        names.append(name)
        return real(self, source, name, filename, *args, **kwargs)

    monkeypatch.setattr(jinja2.Environment, "compile", compiling)
    return names


def test_templates_compiled_once_are_taken_from_the_cache(
    tmp_path, monkeypatch, compiled_templates
):
    # Another site folder's build first: this process holds the templates' code already, and
    # the site's build must still keep it in its cache for the next process.
    rebuild(make(tmp_path / "another"))
    site = make(tmp_path / "s")
    rebuild(site)
    compiled_templates.clear()
    render.environment_for.cache_clear()  # as in a new process: no environment, no code kept
    monkeypatch.setattr(render, "_CODE", {})
    (site / "briefs" / "a.md").write_text(brief("Alpha", body="New text."))

    rebuild(site)

    assert compiled_templates == []
    path = site / "templates" / "base.html"
    path.write_text(path.read_text().replace("</body>", "<!-- edited -->\n</body>", 1))
    render.environment_for.cache_clear()

    rebuild(site)

    assert compiled_templates == ["base.html"]  # the edited one alone
    assert site_files(site / "site") == cold(site, tmp_path / "cold")


def test_a_second_site_with_the_same_templates_compiles_none_and_names_its_own_files(
    tmp_path, compiled_templates
):
    """Code compiled for one site folder's templates serves another folder's templates of the
    same source (kept in the process), and a template error still names the file it is in."""
    sites = [make(tmp_path / name) for name in ("one", "two")]
    for site in sites:  # a template error, in a source no other test compiles
        path = site / "templates" / "base.html"
        unique = tmp_path.name.replace("-", "_")
        path.write_text(
            path.read_text().replace("</body>", f"{{{{ no_such_name_{unique} }}}}\n</body>", 1)
        )
    line = 1 + path.read_text().split("{{ no_such_name_")[0].count("\n")
    for number, site in enumerate(sites):
        config = config_of(site, site / "site")
        compiled_templates.clear()
        result = build(config, BuildOptions(today=TODAY, jobs=1, cache=False))

        if number == 0:
            assert "base.html" in compiled_templates
        else:
            assert compiled_templates == []
        places = {(p.path, p.line) for p in result.problems if "no_such_name" in p.message}
        assert places == {("templates/base.html", line)}, result.problems


@pytest.mark.parametrize("most", [256, 1])
def test_edit_builds_store_only_their_changes_to_the_record(tmp_path, monkeypatch, most):
    monkeypatch.setattr(pipeline, "MAX_CHANGES", most)
    site = make(tmp_path / "s")
    rebuild(site)
    stored: list[set[str]] = []
    real = Cache.put_many

    def recording(self, items):  # type: ignore[no-untyped-def]
        stored.append(set(items))
        return real(self, items)

    monkeypatch.setattr(Cache, "put_many", recording)
    whole = pipeline.entry_key(pipeline.SITE_RECORD)
    for step, name in enumerate(["a.md", "c.md", "a.md"]):
        stored.clear()
        title = {"a.md": "Alpha", "c.md": "C"}[name]
        (site / "briefs" / name).write_text(brief(title, body=f"Edit {step}."))
        rebuild(site)
        written = set().union(*stored)
        # The states of a, then a and c, changed since the record was written whole: it is
        # written whole again only when they would be more than `most` (then anew from it).
        assert (whole in written) == (most == 1 and step == 1), (step, most)
        assert site_files(site / "site") == cold(site, tmp_path / f"cold{step}")


def test_a_body_edit_keeps_what_the_full_path_adds_to_pages_and_reports(tmp_path, full_builds):
    """Typeset topic names on the edited page, the briefs a build held back, and a page that
    names its replacement come out of a body edit exactly as from a full build."""
    site = make(tmp_path / "s")
    briefs = site / "briefs"
    quoted = brief("Alpha", topics="'Land \"plots\" -- offers'").replace("b.md#terms", "c.md#terms")
    (briefs / "a.md").write_text(quoted)
    (briefs / "draft.md").write_text(brief("Draft").replace("---\n##", "draft: true\n---\n##"))
    replaced = brief("Beta").replace("---\n##", "superseded_by: c.md\n---\n##")
    (briefs / "b.md").write_text(replaced)
    first = rebuild(site)
    assert [h.path for h in first.held_back] == ["briefs/draft.md"]
    full_builds.clear()

    (briefs / "a.md").write_text(quoted.replace("Text.", "New text."))
    edited = rebuild(site)
    assert full_builds == ["edit"]
    page = (site / "site" / "briefs" / "a" / "index.html").read_text()
    assert "Land \u201cplots\u201d \u2013 offers" in page
    assert site_files(site / "site") == cold(site, tmp_path / "cold")
    full_builds.clear()
    (briefs / "b.md").write_text(replaced.replace("Text.", "Other text."))
    replacing = rebuild(site)

    assert full_builds == ["full"]  # a brief naming its replacement goes the full way
    assert edited.held_back == replacing.held_back == first.held_back
    assert site_files(site / "site") == cold(site, tmp_path / "cold2")


def test_brief_files_bytes_are_let_go_once_compiled(tmp_path):
    # Ten thousand briefs are 80 MB: a build must not hold them while its pages render.
    site = make(tmp_path / "s")
    config = config_of(site, site / "site")
    options = BuildOptions(today=TODAY, jobs=1)
    inputs = pipeline.BuildInputs.find(config)
    sources = pipeline.identify(config, options, inputs, None)
    assert len(sources.data) == 4

    compiled_now = pipeline.compile_some(config, options, sources, list(sources.keys), None)

    assert len(compiled_now) == 4
    assert sources.data == {}


# ------------------------------------------------------------------ titles and summaries


def retitle(path: Path, title: str) -> None:
    """Give a brief of `make`'s another title, keeping the rest of its front matter."""
    text = path.read_text()
    old = text.split("title: ", 1)[1].split("\n", 1)[0]
    path.write_text(text.replace(f"title: {old}\n", f"title: {title}\n", 1))


def test_a_title_that_moves_its_brief_within_its_day_goes_the_full_way(
    tmp_path, full_builds, rendered_pages
):
    site = make_listed(tmp_path / "s")
    rebuild(site)
    full_builds.clear()
    rendered_pages.clear()
    sitemap = (site / "site" / "sitemap.xml").read_text()
    assert sitemap.index("/briefs/a/") < sitemap.index("/briefs/c/")

    # The title is the tie-break among briefs of one day: c now comes before a and b,
    # which move one place down, over the archive's and the topic's page breaks.
    retitle(site / "briefs" / "c.md", "Aardvark")
    rebuild(site)

    # Related briefs and the sitemap's order move with it, which the record's listing cannot
    # make again: the full path renders the pages whose keys moved.
    assert full_builds == ["full"]
    assert "briefs/page/2/" in rendered_pages and "topics/land/page/2/" in rendered_pages
    sitemap = (site / "site" / "sitemap.xml").read_text()
    assert sitemap.index("/briefs/c/") < sitemap.index("/briefs/a/")
    assert site_files(site / "site") == cold(site, tmp_path / "cold")


def test_a_title_edit_renders_the_page_that_names_it_as_replacement(
    tmp_path, full_builds, rendered_pages
):
    site = make_listed(tmp_path / "s")
    rebuild(site)
    full_builds.clear()
    rendered_pages.clear()

    retitle(site / "briefs" / "d.md", "Delta renamed")
    rebuild(site)

    assert full_builds == ["edit"]
    assert "briefs/e/" in rendered_pages  # e's notice names d, by its title
    assert "Delta renamed" in (site / "site" / "briefs" / "e" / "index.html").read_text()
    assert "briefs/a/" not in rendered_pages  # shows neither d nor a brief that moved
    assert site_files(site / "site") == cold(site, tmp_path / "cold")


def test_a_summary_edit_takes_the_edit_path(tmp_path, full_builds):
    site = make_listed(tmp_path / "s")
    rebuild(site)
    full_builds.clear()
    path = site / "briefs" / "b.md"
    path.write_text(path.read_text().replace("summary: About Beta.", "summary: New words."))

    rebuild(site)

    assert full_builds == ["edit"]
    assert "New words." in (site / "site" / "feed.xml").read_text()
    assert site_files(site / "site") == cold(site, tmp_path / "cold")


def test_a_title_edit_makes_every_file_that_shows_the_title_again(tmp_path, full_builds):
    # The files made from front matter that hold titles: the topic's feed and the site's,
    # briefs.json (one line of it), llms.txt, the brief's own files (its Markdown copy and
    # citations) and those of the brief it replaces, and its redirect pages.
    site = make_listed(tmp_path / "s")
    path = site / "briefs" / "d.md"
    path.write_text(path.read_text().replace("---\n##", "aliases: [/old/delta/]\n---\n##"))
    rebuild(site)
    full_builds.clear()

    retitle(path, "Delta renamed")
    rebuild(site)

    assert full_builds == ["edit"]
    out = site / "site"
    for made in (
        "feed.xml",
        "topics/other/feed.xml",
        "briefs.json",
        "llms.txt",
        "briefs/d/index.md",
        "briefs/d/index.json",
        "briefs/d/cite.bib",
        "briefs/d/cite.ris",
        "briefs/e/index.md",  # e is replaced by d, and says by what
        "old/delta/index.html",
    ):
        assert "Delta renamed" in (out / made).read_text(), made
    assert site_files(out) == cold(site, tmp_path / "cold")


def test_a_title_edit_with_a_file_the_edit_path_cannot_make_goes_the_full_way(
    tmp_path, full_builds, monkeypatch
):
    # A file made from the catalog that the edit path does not know how to make again (as
    # an export of every brief's title would be) must not be kept as it was.
    from briefsite.output import Output

    real = pipeline.build_sitemap

    def with_titles(config, catalog, pages):  # type: ignore[no-untyped-def]
        titles = "\n".join(b.title for b in catalog.briefs).encode()
        return (*real(config, catalog, pages), Output("titles.txt", titles))

    monkeypatch.setattr(pipeline, "build_sitemap", with_titles)
    site = make(tmp_path / "s")
    rebuild(site)
    full_builds.clear()

    retitle(site / "briefs" / "c.md", "Charlie")  # (it does not move: see above)
    rebuild(site)

    assert full_builds == ["full"]
    assert "Charlie" in (site / "site" / "titles.txt").read_text()
    assert site_files(site / "site") == cold(site, tmp_path / "cold")


def test_a_listing_knows_the_addresses_of_the_list_pages(tmp_path):
    from briefsite.incremental import Listing
    from briefsite.pages import brief_summaries, listing_pages

    site = make_listed(tmp_path / "s")
    config = config_of(site, site / "site")
    result = build(config, BuildOptions(today=TODAY, jobs=1, cache=False))
    catalog = result.catalog

    listing = Listing.of(catalog)

    made = listing_pages(config, catalog, brief_summaries(catalog))
    assert sorted(listing.list_pages(config.page_size)) == sorted(p.path for p in made)
    assert [listing.brief(b.slug).title for b in catalog.briefs] == [
        b.title for b in catalog.briefs
    ]


def test_title_edits_store_the_rows_they_changed_not_the_whole_listing(
    tmp_path, monkeypatch, full_builds
):
    # At 10,000 briefs the listing is megabytes: an edit writes the rows it changed, with
    # the record's changes, and the next edit reads them back over the stored listing.
    site = make_listed(tmp_path / "s")
    rebuild(site)
    full_builds.clear()
    stored: list[str] = []
    real = Cache.put_many

    def recording(self, items):  # type: ignore[no-untyped-def]
        stored.extend(type(value).__name__ for value in items.values())
        return real(self, items)

    monkeypatch.setattr(Cache, "put_many", recording)
    for title in ("Cat", "Cobra", "Crane"):  # between Beta and Delta: none moves it
        retitle(site / "briefs" / "c.md", title)
        rebuild(site)
        assert site_files(site / "site") == cold(site, tmp_path / f"cold-{title}")

    assert full_builds == ["edit", "full"] * 3  # each edit, then the cold build it is held to
    assert "Listing" not in stored and "RecordChanges" in stored


# -------------------------------------------------------------- the index of brief files


@pytest.fixture
def stored_keys(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The cache keys each build stores."""
    stored: list[str] = []
    real = Cache.put_many

    def recording(self, items):  # type: ignore[no-untyped-def]
        stored.extend(items)
        return real(self, items)

    monkeypatch.setattr(Cache, "put_many", recording)
    return stored


def test_an_edit_stores_the_index_entries_it_changed_and_the_next_build_trusts_them(
    tmp_path, reads, monkeypatch, stored_keys
):
    whole, changes = (pipeline.entry_key(k) for k in (pipeline.FILE_INDEX, pipeline.FILE_CHANGES))
    site = make(tmp_path / "s")
    a_minute_later(monkeypatch)
    rebuild(site)
    assert whole in stored_keys
    stored_keys.clear()
    reads.clear()

    (site / "briefs" / "a.md").write_text(brief("Alpha", body="New text."))
    rebuild(site)
    assert reads == ["a.md"]
    assert changes in stored_keys and whole not in stored_keys  # a few entries, not all
    reads.clear()
    (site / "briefs" / "b.md").write_text(brief("Beta", body="Other text."))
    rebuild(site)

    assert reads == ["b.md"]  # a.md is vouched for by the changes the last build stored
    assert site_files(site / "site") == cold(site, tmp_path / "cold")


def test_files_written_just_before_a_build_are_trusted_once_they_settle(
    tmp_path, reads, monkeypatch
):
    site = make(tmp_path / "s")
    rebuild(site)  # every brief was written moments ago: none can be trusted by its stamp
    a_minute_later(monkeypatch)
    (site / "briefs" / "a.md").write_text(brief("Alpha", body="New text."))
    reads.clear()
    rebuild(site)  # so each is read again, and is now known to be settled
    assert sorted(reads) == ["a.md", "b.md", "c.md", "d.md"]
    reads.clear()

    (site / "briefs" / "c.md").write_text(brief("C", body="Other text."))
    rebuild(site)

    assert reads == ["c.md"]
    assert site_files(site / "site") == cold(site, tmp_path / "cold")


def test_titles_and_a_body_edited_together_take_the_edit_path(tmp_path, full_builds):
    site = make_listed(tmp_path / "s")
    rebuild(site)
    full_builds.clear()

    retitle(site / "briefs" / "c.md", "Charlie")  # neither moves in its day
    retitle(site / "briefs" / "a.md", "Able")
    (site / "briefs" / "b.md").write_text(brief("Beta", body="New text."))
    rebuild(site)

    assert full_builds == ["edit"]
    assert site_files(site / "site") == cold(site, tmp_path / "cold")
