"""The build's spool (`output.Spool`): pages' and open data's bytes written to files as they
are made, beside the output folder, and linked into the new site by publishing; so that a
build of ten thousand briefs does not hold every file's bytes until it publishes."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from conftest import GOOD_BRIEF, run_build, site_files, write_site

from briefsite import output
from briefsite.config import SiteConfig, load_config
from briefsite.output import Output, Spool, spooled
from briefsite.pipeline import BuildOptions, build, publish


def site_of(tmp_path: Path, count: int = 3) -> Path:
    briefs = {f"b{i}.md": GOOD_BRIEF.replace("Land offer", f"Brief {i}") for i in range(count)}
    return write_site(tmp_path / "s", briefs)


def config_of(site: Path, out: Path) -> SiteConfig:
    config = load_config(site, out)
    assert isinstance(config, SiteConfig), config
    return config


def beside(site: Path) -> list[str]:
    """The names in the folder that holds the output folder."""
    return sorted(os.listdir(site))


def test_spooled_pages_are_not_held_and_publish_the_same_site(tmp_path):
    site = site_of(tmp_path)
    config = config_of(site, site / "site")
    plain = config_of(site, tmp_path / "plain")
    publish(build(plain, BuildOptions(cache=False)), plain)

    with spooled(config.output) as spool:
        result = build(config, BuildOptions(cache=False), {}, spool)
        pages = [o for o in result.outputs if o.path.endswith(".html")]
        data = [o for o in result.outputs if o.path.endswith(("index.json", "index.md"))]
        held = [o.path for o in (*pages, *data) if o.data is not None]
        assert pages and data and not held  # every page and open-data file is in the spool
        assert all(Path(o.spooled).is_file() for o in (*pages, *data))
        assert pages[0].content() == Path(pages[0].spooled).read_bytes()
        publish(result, config)
        spool_folder = spool.root
    assert spool_folder is not None and not os.path.exists(spool_folder)  # removed after
    assert site_files(config.output) == site_files(plain.output)
    assert not [name for name in beside(site) if "spool" in name]


def test_a_build_from_the_command_line_leaves_no_spool_and_the_same_site(tmp_path):
    site = site_of(tmp_path)
    plain = config_of(site, tmp_path / "plain")
    publish(build(plain, BuildOptions(cache=False)), plain)

    assert run_build("--source", site, "--quiet").returncode == 0

    assert site_files(site / "site") == site_files(plain.output)
    assert not [name for name in beside(site) if "spool" in name]


def test_a_build_with_nothing_to_write_makes_no_spool(tmp_path, monkeypatch):
    site = site_of(tmp_path)
    assert run_build("--source", site, "--quiet").returncode == 0
    made: list[str] = []
    real = output.tempfile.mkdtemp
    monkeypatch.setattr(output.tempfile, "mkdtemp", lambda **k: made.append("x") or real(**k))

    assert run_build("--source", site, "--quiet").returncode == 0
    assert made == []  # nothing rendered, nothing spooled: no folder made, no file written


def test_a_spool_a_killed_build_left_is_removed_and_nothing_else(tmp_path):
    site = site_of(tmp_path)
    left = site / ".site.briefsite-spool-killed"
    left.mkdir()
    (left / ".briefsite-spool").write_bytes(output._SPOOL_TEXT)
    (left / "0").write_bytes(b"<p>a page</p>")
    lookalike = site / ".site.briefsite-spool-mine"  # the name, without the marker: not ours
    lookalike.mkdir()
    (lookalike / "notes.txt").write_text("mine")
    forged = site / ".site.briefsite-spool-forged"  # a marker with other words: not ours
    forged.mkdir()
    (forged / ".briefsite-spool").write_text("something else")

    assert run_build("--source", site, "--quiet").returncode == 0

    assert not left.exists()
    assert (lookalike / "notes.txt").read_text() == "mine"
    assert (forged / ".briefsite-spool").read_text() == "something else"


def test_a_spool_in_use_by_another_build_is_never_removed(tmp_path):
    site = site_of(tmp_path)
    other = Spool(site / "site")
    taken = other.put(Output("x/index.html", b"<p>the other build's page</p>"))
    assert other.root is not None and taken.spooled
    try:
        assert run_build("--source", site, "--quiet").returncode == 0
        assert Path(taken.spooled).read_bytes() == b"<p>the other build's page</p>"
    finally:
        other.close()
    assert not os.path.exists(other.root or taken.spooled)


def test_a_spool_that_cannot_be_made_keeps_the_bytes_in_memory(tmp_path):
    # The output folder's parent does not exist yet: a build that fails must leave no folder
    # behind, so the spool is not made and the bytes stay where they were.
    spool = Spool(tmp_path / "not" / "yet" / "site")
    page = Output("index.html", b"<p>home</p>")

    assert spool.put(page) is page
    assert spool.root is None
    spool.close()
    assert not (tmp_path / "not").exists()


def test_the_spool_is_locked_while_in_use(tmp_path):
    spool = Spool(tmp_path / "site")
    spool.put(Output("index.html", b"<p>home</p>"))
    assert spool.root is not None
    fd = os.open(spool.root, os.O_RDONLY | os.O_DIRECTORY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            locked = False
        except BlockingIOError:
            locked = True
        assert locked
    finally:
        os.close(fd)
        spool.close()


def test_bytes_the_output_folder_holds_already_are_not_spooled_again(tmp_path):
    # A change of settings renders every page again, and most come out as published: those
    # keep only their hash (publishing keeps the published file), and only the others are
    # written to the spool. Their page keys are still recorded, so the next build skips them.
    same, other = b"<p>as published</p>", b"<p>changed</p>"
    published = {"a/index.html": output._sha256(same), "b/index.html": output._sha256(same)}
    spool = Spool(tmp_path / "site", published)
    try:
        kept = spool.put(Output("a/index.html", same))
        changed = spool.put(Output("b/index.html", other))
        assert (kept.data, kept.spooled, kept.digest) == (None, "", output._sha256(same))
        assert changed.data is None and Path(changed.spooled).read_bytes() == other
    finally:
        spool.close()


def test_an_unchanged_page_rendered_again_is_skipped_by_the_next_build(tmp_path, monkeypatch):
    # The first build after a settings change renders every page (its key moved) but most
    # come out as published; their new keys are recorded all the same, so a later full
    # build (a brief added) renders only the pages the new brief changes.
    site = site_of(tmp_path, count=6)
    assert run_build("--source", site, "--quiet").returncode == 0
    settings = site / "site.yml"
    settings.write_text(settings.read_text() + "description: A new description.\n")
    assert run_build("--source", site, "--quiet").returncode == 0
    rendered: list[int] = []
    from briefsite import pagework

    real = pagework.render_all

    def counting(env, site_, pages, *args, **kwargs):  # type: ignore[no-untyped-def]
        rendered.append(len(pages))
        return real(env, site_, pages, *args, **kwargs)

    monkeypatch.setattr(pagework, "render_all", counting)
    added = GOOD_BRIEF.replace("Land offer", "A new brief").replace("2020-04-07", "2019-01-02")
    (site / "briefs" / "new.md").write_text(added)
    assert run_build("--source", site, "--quiet").returncode == 0
    pages = len(list((site / "site").rglob("index.html")))
    assert rendered and rendered[0] < pages - 4, (rendered, pages)  # (all of them, before)


def test_moving_spooled_files_into_place_takes_no_memory_per_file(tmp_path):
    """Publishing moves every spooled file with `renameat2`, with the collector paused. The
    C library was once loaded again for each file, each time with new function classes the
    paused collector never freed: 150 MB at 10,000 briefs (50,000 files)."""
    import gc
    import tracemalloc

    from briefsite import folders

    spool, site = tmp_path / "spool", tmp_path / "site"
    spool.mkdir()
    site.mkdir()
    for i in range(400):
        (spool / str(i)).write_bytes(b"x")
    folders.move_into_place(spool / "0", site / "0")  # the first move may set things up
    gc.disable()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for i in range(1, 400):
            folders.move_into_place(spool / str(i), site / str(i))
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
        gc.enable()
    assert sorted(os.listdir(site), key=int) == [str(i) for i in range(400)]
    assert grown < 50_000, f"{grown} bytes kept for 399 moves"
