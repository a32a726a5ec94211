"""Writing the site: minimal changes, stale files removed, never outside the output folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import snapshot

from briefsite.output import (
    MARKER,
    MARKER_TEXT,
    Output,
    OutputError,
    check_outputs,
    is_safe_relative,
    sync,
)
from briefsite.problems import Severity

OLD_TIME = 1_000_000_000  # 2001: any mtime a rewrite would replace

SITE = [
    Output("index.html", b"<p>home</p>\n"),
    Output("briefs/land-offer/index.html", b"<p>land</p>\n"),
    Output("assets/site.css", b"body {}\n"),
]


def tree(folder: Path) -> list[str]:
    """Every file, folder and link below a folder, relative, sorted."""
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))


def age(folder: Path) -> None:
    """Give every file an old modification time, so a rewrite is visible."""
    for path in folder.rglob("*"):
        if path.is_file():
            os.utime(path, (OLD_TIME, OLD_TIME))


# ------------------------------------------------------------------------------- writing


def test_sync_writes_every_output(tmp_path):
    out = tmp_path / "site"

    report = sync(SITE, out)

    assert snapshot(out) == {
        MARKER: MARKER_TEXT,
        "assets/site.css": b"body {}\n",
        "briefs/land-offer/index.html": b"<p>land</p>\n",
        "index.html": b"<p>home</p>\n",
    }
    assert report.written == ("assets/site.css", "briefs/land-offer/index.html", "index.html")
    assert report.unchanged == 0
    assert report.removed == ()


def test_sync_writes_the_marker(tmp_path):
    out = tmp_path / "site"

    sync(SITE, out)

    assert (out / ".briefsite").read_bytes() == MARKER_TEXT


def test_second_sync_with_the_same_outputs_rewrites_nothing(tmp_path):
    out = tmp_path / "site"
    sync(SITE, out)
    age(out)

    report = sync(SITE, out)

    assert report.written == ()
    assert report.unchanged == 3
    assert report.removed == ()
    assert all(p.stat().st_mtime == OLD_TIME for p in out.rglob("*") if p.is_file())


def test_sync_rewrites_only_changed_files(tmp_path):
    out = tmp_path / "site"
    sync(SITE, out)
    age(out)
    changed = [*SITE[:2], Output("assets/site.css", b"body { margin: 0 }\n")]

    report = sync(changed, out)

    assert report.written == ("assets/site.css",)
    assert report.unchanged == 2
    assert (out / "assets/site.css").read_bytes() == b"body { margin: 0 }\n"
    assert (out / "assets/site.css").stat().st_mtime != OLD_TIME
    assert (out / "index.html").stat().st_mtime == OLD_TIME


def test_sync_leaves_no_temporary_files(tmp_path):
    out = tmp_path / "site"
    sync(SITE, out)
    sync([*SITE[:2], Output("assets/site.css", b"changed\n")], out)

    assert not [name for name in tree(out) if "tmp" in name]


def test_sync_into_an_existing_empty_folder(tmp_path):
    out = tmp_path / "site"
    out.mkdir()

    report = sync(SITE, out)

    assert len(report.written) == 3
    assert (out / MARKER).is_file()


# ---------------------------------------------------------------------------- stale files


def test_stale_files_and_their_empty_folders_are_removed(tmp_path):
    out = tmp_path / "site"
    sync(
        [*SITE, Output("briefs/old/index.html", b"old"), Output("topics/gone/index.html", b"x")],
        out,
    )

    report = sync(SITE, out)

    assert report.removed == ("briefs/old/index.html", "topics/gone/index.html")
    assert tree(out) == [
        MARKER,
        "assets",
        "assets/site.css",
        "briefs",
        "briefs/land-offer",
        "briefs/land-offer/index.html",
        "index.html",
    ]


def test_stray_files_in_an_owned_folder_are_removed(tmp_path):
    out = tmp_path / "site"
    sync(SITE, out)
    (out / "briefs" / "notes.txt").write_text("left over")
    (out / "empty" / "deeper").mkdir(parents=True)

    report = sync(SITE, out)

    assert report.removed == ("briefs/notes.txt",)
    assert not (out / "briefs" / "notes.txt").exists()
    assert not (out / "empty").exists()


def test_hidden_files_and_folders_are_kept(tmp_path):
    out = tmp_path / "site"
    sync(SITE, out)
    (out / ".git").mkdir()
    (out / ".git" / "HEAD").write_text("ref: refs/heads/gh-pages\n")
    (out / ".nojekyll").write_text("")
    (out / "briefs" / ".keep").write_text("")

    report = sync(SITE[:1], out)

    assert report.removed == ("assets/site.css", "briefs/land-offer/index.html")
    assert (out / ".git" / "HEAD").read_text() == "ref: refs/heads/gh-pages\n"
    assert (out / ".nojekyll").exists()
    assert (out / "briefs" / ".keep").exists()


def test_empty_folders_inside_hidden_folders_are_kept(tmp_path):
    out = tmp_path / "site"
    sync(SITE, out)
    (out / ".git" / "refs" / "tags").mkdir(parents=True)  # git keeps empty folders like this
    (out / ".git" / "HEAD").write_text("ref: refs/heads/gh-pages\n")
    (out / ".well-known").mkdir()

    sync(SITE, out)

    assert (out / ".git" / "refs" / "tags").is_dir()
    assert (out / ".well-known").is_dir()


# ---------------------------------------------------------------------------- ownership


def test_a_non_empty_folder_without_the_marker_is_refused_and_left_alone(tmp_path):
    out = tmp_path / "documents"
    out.mkdir()
    (out / "thesis.docx").write_bytes(b"precious")
    (out / "index.html").write_bytes(b"someone else's")
    before = snapshot(out)

    with pytest.raises(OutputError, match="not empty"):
        sync(SITE, out)

    assert snapshot(out) == before
    assert tree(out) == ["index.html", "thesis.docx"]


def test_a_folder_holding_only_hidden_files_may_be_claimed(tmp_path):
    out = tmp_path / "checkout"
    (out / ".git").mkdir(parents=True)
    (out / ".git" / "config").write_text("[core]\n")

    report = sync(SITE, out)

    assert len(report.written) == 3
    assert (out / ".git" / "config").read_text() == "[core]\n"
    assert (out / MARKER).read_bytes() == MARKER_TEXT


def test_an_output_path_that_is_a_file_is_refused(tmp_path):
    out = tmp_path / "site"
    out.write_text("a file")

    with pytest.raises(OutputError):
        sync(SITE, out)

    assert out.read_text() == "a file"


# ------------------------------------------------------------------------- symbolic links


def outside_folder(tmp_path: Path) -> Path:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("keep")
    return outside


def test_symlinked_folder_leading_outside_is_refused(tmp_path):
    out = tmp_path / "site"
    sync(SITE, out)
    outside = outside_folder(tmp_path)
    (out / "topics").symlink_to(outside, target_is_directory=True)

    with pytest.raises(OutputError, match="symbolic link"):
        sync([*SITE, Output("topics/index.html", b"topics")], out)

    assert tree(outside) == ["secret.txt"]
    assert (outside / "secret.txt").read_text() == "keep"


def test_symlinked_folder_leading_outside_gets_no_new_subfolders(tmp_path):
    out = tmp_path / "site"
    sync(SITE, out)
    outside = outside_folder(tmp_path)
    (out / "topics").symlink_to(outside, target_is_directory=True)

    with pytest.raises(OutputError, match="symbolic link"):
        sync([*SITE, Output("topics/land/index.html", b"land")], out)

    assert tree(outside) == ["secret.txt"]


def test_symlinked_file_is_replaced_not_written_through(tmp_path):
    out = tmp_path / "site"
    sync(SITE, out)
    outside = outside_folder(tmp_path)
    (out / "index.html").unlink()
    (out / "index.html").symlink_to(outside / "secret.txt")

    report = sync(SITE, out)

    assert "index.html" in report.written
    assert not (out / "index.html").is_symlink()
    assert (out / "index.html").read_bytes() == b"<p>home</p>\n"
    assert (outside / "secret.txt").read_text() == "keep"


# ---------------------------------------------------------------------- files and folders


def test_a_folder_is_replaced_by_a_file_of_the_same_name(tmp_path):
    out = tmp_path / "site"
    sync([Output("feed/index.html", b"old")], out)

    sync([Output("feed", b"now a file")], out)

    assert (out / "feed").read_bytes() == b"now a file"


def test_a_file_is_replaced_by_a_folder_of_the_same_name(tmp_path):
    out = tmp_path / "site"
    sync([Output("feed", b"a file")], out)

    sync([Output("feed/index.html", b"now a page")], out)

    assert (out / "feed" / "index.html").read_bytes() == b"now a page"


# ------------------------------------------------------------------------- checking paths


def test_check_outputs_accepts_distinct_safe_paths():
    assert check_outputs(SITE) == []


def test_duplicate_output_paths_are_a_problem():
    outputs = [*SITE, Output("index.html", b"other home")]

    (problem,) = check_outputs(outputs)

    assert problem.path == "index.html"
    assert problem.severity is Severity.ERROR
    assert problem.message == "2 pages would be written to the same file"


@pytest.mark.parametrize("path", ["../x", "/abs", "a/../b", "a\\b"])
def test_unsafe_output_paths_are_a_problem(path):
    (problem,) = check_outputs([*SITE, Output(path, b"x")])

    assert problem.path == path
    assert problem.severity is Severity.ERROR
    assert problem.message == "refusing to write outside the output folder"


@pytest.mark.parametrize(
    "path", ["index.html", "briefs/land-offer/index.html", "assets/site.css", "404.html"]
)
def test_safe_relative_paths(path):
    assert is_safe_relative(path)


@pytest.mark.parametrize(
    "path",
    [
        "",
        "../x",
        "/abs",
        "a/../b",
        "a\\b",
        "./a",
        "a//b",
        "a/",
        ".git/config",
        "a/.x",
        "a\x00b",
        "..",
    ],
)
def test_unsafe_relative_paths(path):
    assert not is_safe_relative(path)
