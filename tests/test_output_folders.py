"""Publishing lists a folder again only when it changed since its stamp was taken.

Each manifest keeps every folder's stamp (times and inode) as the build left it; the next
build looks at each folder (one `lstat`) and lists only those whose stamp moved, or that
changed within moments of being stamped. These tests run the builds "a minute later" (the
output module's clock moved on), so that the folders the tests make are settled, except
where a test is about folders changed moments ago.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from conftest import manifest_of, snapshot
from hypothesis import given
from hypothesis import strategies as st

from briefsite import output
from briefsite.output import MARKER, Output, OutputError, previous_path, published_hashes, sync

PAGES = 12
OLD_NS = 1_000_000_000 * 10**9  # 2001


def site(edit: int = -1) -> list[Output]:
    """A site of PAGES pages in folders of their own; page `edit` with other bytes."""
    return [
        Output(f"briefs/p{i}/index.html", f"<p>page {i}{' edited' * (i == edit)}</p>\n".encode())
        for i in range(PAGES)
    ] + [Output("index.html", b"<p>home</p>\n")]


def later(monkeypatch: pytest.MonkeyPatch) -> None:
    """Publish as if a minute from now: folders the test made are then long settled."""
    real = time.time_ns
    monkeypatch.setattr(output, "clock_ns", lambda: real() + 60 * 10**9)


def published_twice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A site published twice "a minute from now" (see `later`): the second build assembles
    the site kept beside it, so the next build updates that one, as most builds do."""
    later(monkeypatch)
    out = tmp_path / "site"
    sync(site(), out)
    sync(site(edit=1), out)
    return out


@pytest.fixture
def listings(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The folders publishing lists, by name relative to the folder holding the output."""
    seen: list[str] = []
    real = os.scandir

    def listing(path):  # type: ignore[no-untyped-def]
        seen.append(os.fspath(path))
        return real(path)

    monkeypatch.setattr(output.os, "scandir", listing)
    return seen


def test_folders_unchanged_since_their_stamps_are_not_listed_again(tmp_path, monkeypatch, listings):
    later(monkeypatch)
    out = tmp_path / "site"
    sync(site(), out)
    sync(site(edit=1), out)  # assembles the site before from scratch: nothing to update
    listings.clear()

    sync(site(edit=2), out)

    # The live site's top folder and the previous site's, being brought up to date; no
    # folder below them, though every page's folder was looked at.
    new = tmp_path / ".site.briefsite-new"
    assert sorted(listings) == sorted([str(out), str(new)])
    assert (out / "briefs" / "p2" / "index.html").read_bytes() == b"<p>page 2 edited</p>\n"
    assert (out / "briefs" / "p1" / "index.html").read_bytes() == b"<p>page 1</p>\n"


def test_a_site_assembled_whole_has_its_folders_trusted_by_the_next_build(
    tmp_path, monkeypatch, listings
):
    # A first build (or one without a kept site) makes every folder; publishing it takes
    # long at ten thousand pages. The clock as the stamps are taken, not as publishing
    # began, must decide which folders are racy: else every folder is listed again.
    real = time.time_ns
    calls = iter(range(1_000_000))
    # The first reading of the clock is now (publishing begins); every later one is a minute
    # on, as if making the folders had taken that long.
    monkeypatch.setattr(output, "clock_ns", lambda: real() + (next(calls) and 60 * 10**9))
    out = tmp_path / "site"
    sync(site(), out)
    listings.clear()

    sync(site(edit=2), out)

    assert sorted(listings) == [str(out)]  # its top folder only; the new site is assembled
    assert (out / "briefs" / "p2" / "index.html").read_bytes() == b"<p>page 2 edited</p>\n"


def test_the_manifest_keeps_each_folders_stamp(tmp_path, monkeypatch):
    later(monkeypatch)
    out = tmp_path / "site"
    sync(site(), out)

    stamps = manifest_of(out)[1]

    assert set(stamps) == {"briefs", *(f"briefs/p{i}" for i in range(PAGES))}
    status = os.lstat(out / "briefs" / "p3")
    assert stamps["briefs/p3"] == [status.st_mtime_ns, status.st_ctime_ns, status.st_ino]


def test_a_file_someone_adds_to_a_pages_folder_is_kept_in_every_later_site(tmp_path, monkeypatch):
    out = published_twice(tmp_path, monkeypatch)
    (out / "briefs" / "p3" / "notes.txt").write_text("mine")

    for edit in (2, 3, 4, 5):  # through both the live site and the one kept before it
        report = sync(site(edit=edit), out)
        assert report.kept == ("briefs/p3/notes.txt",)
        assert (out / "briefs" / "p3" / "notes.txt").read_text() == "mine"


def test_a_pages_folder_replaced_by_a_link_is_never_listed_through(tmp_path, monkeypatch, listings):
    out = published_twice(tmp_path, monkeypatch)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "index.html").write_text("theirs")
    for name in os.listdir(out / "briefs" / "p3"):
        os.unlink(out / "briefs" / "p3" / name)
    os.rmdir(out / "briefs" / "p3")
    os.symlink(outside, out / "briefs" / "p3")
    listings.clear()

    with pytest.raises(OutputError, match="briefs/p3"):
        sync(site(edit=2), out)

    assert str(out / "briefs" / "p3") not in listings  # a link is an entry, never a folder
    assert os.listdir(outside) == ["index.html"]
    assert (outside / "index.html").read_text() == "theirs"


def test_a_folder_whose_modification_time_was_put_back_is_still_listed(tmp_path, monkeypatch):
    # `tar x` or `rsync -t` over the site put a folder's old time back after adding a file:
    # the change time moved all the same.
    out = published_twice(tmp_path, monkeypatch)
    folder = out / "briefs" / "p3"
    before = os.lstat(folder)
    (folder / "notes.txt").write_text("mine")
    os.utime(folder, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert os.lstat(folder).st_mtime_ns == before.st_mtime_ns

    report = sync(site(edit=2), out)

    assert report.kept == ("briefs/p3/notes.txt",)
    assert (out / "briefs" / "p3" / "notes.txt").read_text() == "mine"


def test_a_folder_changed_just_after_its_stamp_is_listed_even_if_its_stamp_holds(
    tmp_path, monkeypatch
):
    # A file system whose times do not move within one tick of its clock: a file added to a
    # folder right after its stamp was taken leaves the stamp as it was. The folder changed
    # moments before the stamp was taken, so the next build lists it all the same.
    def without_change_time(status: os.stat_result) -> tuple[int, int, int]:
        return (status.st_mtime_ns, 0, status.st_ino)

    monkeypatch.setattr(output, "stamp_of", without_change_time)
    out = tmp_path / "site"
    sync(site(), out)
    sync(site(edit=1), out)
    folder = out / "briefs" / "p3"
    before = os.lstat(folder)
    (folder / "notes.txt").write_text("mine")
    os.utime(folder, ns=(before.st_atime_ns, before.st_mtime_ns))  # as if in the same tick

    report = sync(site(edit=2), out)

    assert report.kept == ("briefs/p3/notes.txt",)
    assert (out / "briefs" / "p3" / "notes.txt").read_text() == "mine"


def test_a_page_someone_replaced_in_a_settled_folder_stops_the_build(tmp_path, monkeypatch):
    out = published_twice(tmp_path, monkeypatch)
    page = out / "briefs" / "p3" / "index.html"
    other = page.with_name("other.html")
    other.write_text("their page")
    os.replace(other, page)  # a new file (inode) under the page's name

    with pytest.raises(OutputError, match=r"briefs/p3/index\.html"):
        sync(site(edit=3), out)
    assert page.read_text() == "their page"


def test_a_file_dropped_into_the_kept_previous_site_is_never_published(tmp_path, monkeypatch):
    out = published_twice(tmp_path, monkeypatch)
    (previous_path(out) / "briefs" / "p4" / "dropped.html").write_text("not ours")

    sync(site(edit=2), out)

    assert not (out / "briefs" / "p4" / "dropped.html").exists()


def test_a_manifest_without_folder_stamps_is_still_ours(tmp_path, monkeypatch):
    # As an earlier release wrote it: the folders are listed, as they always were.
    later(monkeypatch)
    out = tmp_path / "site"
    sync(site(), out)
    (out / "briefs" / "p3" / "notes.txt").write_text("mine")
    files = manifest_of(out)[0]
    identity = json.loads((out / MARKER).read_bytes())["folder"]
    rows = {"format": "briefsite-output/1", "folder": identity, "files": files}
    (out / "manifest.tmp").write_text(json.dumps(rows))
    os.replace(out / "manifest.tmp", out / MARKER)

    report = sync(site(edit=2), out)

    assert report.written == ("briefs/p2/index.html",)
    assert report.kept == ("briefs/p3/notes.txt",)
    assert "briefs/p3/notes.txt" not in manifest_of(out)[0]  # and it is written in columns now


def test_a_manifest_of_rows_with_folder_stamps_is_still_ours(tmp_path, monkeypatch):
    # As the releases before columns wrote it: a row per file and per folder. The site is
    # recognised, nothing of someone else's is touched, and the next manifest is in columns.
    out = published_twice(tmp_path, monkeypatch)
    (out / "briefs" / "p3" / "notes.txt").write_text("mine")
    data = json.loads((out / MARKER).read_bytes())
    files, stamps = manifest_of(out)
    rows = {**data, "format": "briefsite-output/1", "files": files, "folders": stamps}
    (out / "manifest.tmp").write_text(json.dumps(rows))
    os.replace(out / "manifest.tmp", out / MARKER)

    report = sync(site(edit=2), out)

    assert report.written == ("briefs/p1/index.html", "briefs/p2/index.html")  # p1 as before
    assert report.kept == ("briefs/p3/notes.txt",)
    assert (out / "briefs" / "p3" / "notes.txt").read_text() == "mine"
    assert set(manifest_of(out)[1]) == {"briefs", *(f"briefs/p{i}" for i in range(PAGES))}


def test_a_manifest_with_a_damaged_column_is_not_ours(tmp_path, monkeypatch):
    # Columns of different lengths, or a value of the wrong kind, make no manifest of ours:
    # the folder is refused as one briefsite did not write, and nothing in it is touched.
    later(monkeypatch)
    out = tmp_path / "site"
    sync(site(), out)
    data = json.loads((out / MARKER).read_bytes())
    for damage in ("short", "kind"):
        broken = json.loads(json.dumps(data))
        if damage == "short":
            broken["files"]["sizes"].pop()
        else:
            broken["files"]["inodes"][0] = "1"
        (out / MARKER).write_text(json.dumps(broken))
        before = snapshot(out)

        with pytest.raises(OutputError, match="not written by briefsite"):
            sync(site(edit=1), out)
        assert snapshot(out) == before


def test_a_page_changed_in_place_while_a_build_runs_is_never_overwritten(tmp_path, monkeypatch):
    # Publishing does not look at the files of folders whose names are as recorded. A page
    # someone edits in place goes out as it is (it is the same file) while no build changes
    # it; the first build that would replace it looks at it, sees its times moved, and treats
    # it as theirs.
    out = published_twice(tmp_path, monkeypatch)
    published_hashes(out)  # as `build` does before building
    page = out / "briefs" / "p3" / "index.html"
    with page.open("r+") as handle:  # the same file (inode), other bytes of the same size
        handle.write("<p>PAGE 3</p>\n")
    os.utime(page, ns=(OLD_NS, OLD_NS))

    sync(site(edit=2), out)
    assert page.read_text() == "<p>PAGE 3</p>\n"
    sync(site(edit=4), out)
    assert page.read_text() == "<p>PAGE 3</p>\n"
    before = snapshot(out)
    with pytest.raises(OutputError, match=r"briefs/p3/index\.html \(changed since"):
        sync(site(edit=3), out)
    assert snapshot(out) == before
    assert page.read_text() == "<p>PAGE 3</p>\n"


def test_a_page_changed_in_place_is_kept_when_the_site_no_longer_has_it(tmp_path, monkeypatch):
    out = published_twice(tmp_path, monkeypatch)
    page = out / "briefs" / "p3" / "index.html"
    with page.open("r+") as handle:  # in place: its folder's names and stamp do not move
        handle.write("<p>PAGE 3</p>\n")

    report = sync([o for o in site() if "/p3/" not in o.path], out)

    assert report.removed == ()
    assert report.kept == ("briefs/p3/index.html",)
    assert page.read_text() == "<p>PAGE 3</p>\n"
    assert "briefs/p3/index.html" not in manifest_of(out)


def test_publishing_an_edit_looks_only_at_the_files_it_replaces(tmp_path, monkeypatch):
    # Ten thousand briefs make fifty thousand files: looking at each (`lstat`) cost half a
    # second of every edit build. Folders are looked at; files only where they change.
    out = published_twice(tmp_path, monkeypatch)
    looked: list[str] = []
    real = os.lstat

    def lstat(path, *args, **kwargs):  # type: ignore[no-untyped-def]
        looked.append(os.fspath(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(output.os, "lstat", lstat)

    assert len(published_hashes(out)) == PAGES + 1
    sync(site(edit=2), out)

    pages = sorted(path for path in looked if path.endswith(".html"))
    assert pages == [str(out / "briefs" / f"p{i}" / "index.html") for i in (1, 2)]
    assert (out / "briefs" / "p2" / "index.html").read_bytes() == b"<p>page 2 edited</p>\n"
    assert (out / "briefs" / "p1" / "index.html").read_bytes() == b"<p>page 1</p>\n"
    assert (out / "briefs" / "p3" / "index.html").read_bytes() == b"<p>page 3</p>\n"


@given(st.lists(st.text(alphabet="ab./\n-_~+é\x00 ", max_size=6), max_size=4))
def test_paths_checked_in_bulk_are_exactly_the_plain_ones(paths):
    # Manifests' paths are checked all at once; the answer must be the one each path gives.
    plain = all(output._PLAIN_PATH.fullmatch(p) and "\n" not in p for p in paths)
    assert output._all_plain(paths) == bool(plain)
    if output._all_plain(paths):
        assert all(output.is_safe_relative(p) for p in paths)
    # Written as plain strings or quoted by JSON, every path reads back as it was.
    rows = {path: ("0" * 64, 1, 2, 3) for path in paths}
    written = json.loads(output.Manifest((1, 2), rows, dict.fromkeys(paths, (4, 5, 6))).to_bytes())
    assert written["files"]["paths"] == sorted(rows)
    assert written["folders"]["paths"] == sorted(rows)
