"""`static/`: files copied byte for byte into the site, under the rules the output folder keeps.

Real sites in temporary folders, built by the command line in this process (`run_build`), a
real preview process for `serve`; the bytes on disk are compared exactly.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import (
    APPENDED_LINE,
    GOOD_BRIEF,
    SITE_YML,
    manifest_of,
    run_build,
    site_files,
    snapshot,
    without_excerpts,
)
from test_serve import Preview, poll, preview  # noqa: F401 (a fixture, used by name)

from briefsite import pipeline, statics

# Every byte value, line endings of every kind and a NUL: nothing may be decoded or normalised.
BINARY = bytes(range(256)) + b"\r\n\r\x00\xff\xfe" * 100


def make(root: Path, static: dict[str, bytes | str], site_yml: str = SITE_YML) -> Path:
    """A site of one brief (`x.md`, published at briefs/x/) and the given files in static/."""
    (root / "briefs").mkdir(parents=True)
    (root / "site.yml").write_text(site_yml, encoding="utf-8")
    (root / "briefs" / "x.md").write_text(GOOD_BRIEF, encoding="utf-8")
    for name, content in static.items():
        path = root / "static" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        data = content.encode() if isinstance(content, str) else content
        path.write_bytes(data)
    return root


def build(site: Path, *args: str) -> tuple[int, str]:
    """Build `site` into site/: the exit status and what was printed on stderr."""
    result = run_build("build", "--source", site, *args)
    return result.returncode, result.stderr


def built(site: Path, *args: str) -> dict[str, bytes]:
    """Build, which must succeed; the files of site/ (without the manifest)."""
    status, err = build(site, *args)
    assert status == 0, err
    return site_files(site / "site")


def generated(site: Path) -> dict[str, bytes]:
    """What the same site builds without any static file, as a reference."""
    plain = make(site.with_name(site.name + "-plain"), {})
    return built(plain)


def listed(site: Path) -> dict[str, list[object]]:
    """The files in the output folder's manifest, the record of what builds wrote."""
    return manifest_of(site / "site")[0]


# ------------------------------------------------------------------------------- copying


def test_static_files_are_copied_byte_for_byte_at_the_same_place(tmp_path):
    site = make(
        tmp_path / "s",
        {
            "CNAME": "briefs.example.org\n",
            "favicon.ico": BINARY[:300],
            "img/logo.png": BINARY,
            "downloads/2020/Accessibility statement.pdf": b"%PDF-1.7\r\n" + BINARY,
            "briefs/x/annex.csv": "a,b\r\n1,2\r\n",  # beside a brief's own page
            "报告/Straße.txt": "ß",
            "报告/Strasse.txt": "ss",  # another name, on every file system
        },
    )

    files = built(site)

    assert files["CNAME"] == b"briefs.example.org\n"
    assert files["favicon.ico"] == BINARY[:300]
    assert files["img/logo.png"] == BINARY
    assert files["downloads/2020/Accessibility statement.pdf"] == b"%PDF-1.7\r\n" + BINARY
    assert files["briefs/x/annex.csv"] == b"a,b\r\n1,2\r\n"
    assert files["报告/Straße.txt"] == "ß".encode()
    assert files["报告/Strasse.txt"] == b"ss"
    # Nothing else changed: the generated site is as it is without static files.
    static = {"CNAME", "favicon.ico", "img/logo.png", "briefs/x/annex.csv"}
    static |= {"downloads/2020/Accessibility statement.pdf", "报告/Straße.txt", "报告/Strasse.txt"}
    assert {p: d for p, d in files.items() if p not in static} == generated(site)
    # They are in the record of what the build wrote, as pages are.
    manifest = listed(site)
    assert static <= manifest.keys()


def test_a_site_without_a_static_folder_builds_as_before(tmp_path):
    site = make(tmp_path / "s", {})
    status, err = build(site)
    assert status == 0, err
    assert "static" not in err


def test_the_output_is_the_same_in_every_build_and_with_or_without_the_cache(tmp_path):
    files = {"CNAME": "a.example\n", "img/logo.png": BINARY, "z/y/x.txt": "deep\n"}
    first = built(make(tmp_path / "a", files))
    second = built(make(tmp_path / "b", files), "--no-cache")
    assert first == second
    assert first["z/y/x.txt"] == b"deep\n"


# ---------------------------------------------------------------------------- clashes


def test_every_clash_with_the_generated_site_is_an_error_naming_the_static_file(tmp_path):
    site = make(
        tmp_path / "s",
        {
            "index.html": "<p>mine</p>",  # the home page
            "feed.xml": "<feed/>",
            "briefs/x/index.html": "mine",  # brief x's page
            "404.html": "mine",  # the site's own 404 page is generated: no override
            "_headers": "/*\n  X-Mine: 1\n",  # nor are the host's headers it writes
            "topics": "a file where the generated site has a folder",
            "sitemap.xml/extra.txt": "a folder where the generated site has a file",
            "Robots.TXT": "differs from robots.txt only in letter case",
            "img/logo.png": BINARY,  # fine
        },
    )

    result = run_build("build", "--source", site)

    assert result.returncode == 1
    lines = without_excerpts(result.stderr)
    errors = sorted(line for line in lines if ": error: " in line)
    assert errors == [
        "static/404.html: error: static file would replace the generated file 404.html",
        "static/Robots.TXT: error: static file would replace the generated file robots.txt "
        "(the names differ only in letter case, which some hosts ignore)",
        "static/_headers: error: static file would replace the generated file _headers",
        "static/briefs/x/index.html: error: static file would replace the generated file "
        "briefs/x/index.html",
        "static/feed.xml: error: static file would replace the generated file feed.xml",
        "static/index.html: error: static file would replace the generated file index.html",
        "static/sitemap.xml/extra.txt: error: static file lies in a folder 'sitemap.xml/' "
        "where the generated site has the file sitemap.xml",
        "static/topics: error: static file is a file where the generated site has the folder "
        "topics/",
    ]
    hint = (
        "  hint: rename or move it: briefsite writes that place itself, and a static file "
        "never replaces a generated one"
    )
    assert lines.count(hint) == 8
    assert "8 errors" in result.stderr
    assert not (site / "site").exists()


def test_static_files_whose_names_differ_only_in_case_are_an_error(tmp_path):
    site = make(tmp_path / "s", {"img/logo.png": "a", "img/Logo.png": "b", "IMG": "c"})

    result = run_build("build", "--source", site)

    assert result.returncode == 1
    lines = without_excerpts(result.stderr)
    assert (
        "static/img/logo.png: error: static file's name differs only in letter case from "
        "static/img/Logo.png"
    ) in lines
    assert (
        "static/IMG: error: static file's name differs only in letter case from static/img/"
    ) in lines
    assert "2 errors" in result.stderr


def test_check_reports_the_clashes_a_build_would(tmp_path):
    site = make(tmp_path / "s", {"index.html": "mine"})
    result = run_build("check", "--source", site)
    assert result.returncode == 1
    assert "static/index.html: error: static file would replace the generated file" in (
        result.stderr
    )


# ---------------------------------------------------------- the folder's own rules


def test_a_link_leading_out_of_the_static_folder_is_refused(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("not for the site")
    site = make(tmp_path / "s", {"real.txt": "inside"})
    (site / "static" / "leak.txt").symlink_to(secret)
    (site / "static" / "dangling.txt").symlink_to(tmp_path / "nowhere")
    (site / "static" / "same.txt").symlink_to("real.txt")  # inside the folder: followed

    result = run_build("build", "--source", site)

    assert result.returncode == 1
    lines = without_excerpts(result.stderr)
    assert (
        "static/leak.txt: error: refusing to follow symbolic link: it points outside the "
        "static folder"
    ) in lines
    assert "  hint: copy the file into the static folder instead of linking to it" in lines
    assert (
        "static/dangling.txt: error: refusing to follow symbolic link: it points to a file "
        "that does not exist"
    ) in lines
    assert "same.txt" not in result.stderr
    assert not (site / "site").exists()

    (site / "static" / "leak.txt").unlink()
    (site / "static" / "dangling.txt").unlink()
    files = built(site)
    assert files["same.txt"] == files["real.txt"] == b"inside"


def test_a_static_folder_that_is_a_link_is_refused(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "CNAME").write_text("a.example\n")
    site = make(tmp_path / "s", {})
    (site / "static").symlink_to(elsewhere)

    result = run_build("build", "--source", site)

    assert result.returncode == 1
    assert "static: error: the static folder is a symbolic link" in result.stderr
    assert not (site / "site").exists()


def test_pipes_and_unsafe_names_are_refused_and_hidden_names_never_published(tmp_path):
    site = make(
        tmp_path / "s",
        {
            "report: 2020.pdf": "a",
            "a#b.txt": "b",
            "CON.txt": "c",
            "trailing.": "d",
            ".well-known/security.txt": "e",
            ".DS_Store": "f",  # litter: not published, and not worth a word
            "fine.txt": "g",
        },
    )
    os.mkfifo(site / "static" / "pipe")

    result = run_build("build", "--source", site)  # must not wait on the pipe

    assert result.returncode == 1
    lines = without_excerpts(result.stderr)
    assert (
        "static/report: 2020.pdf: error: file name holds ':', which Windows and some hosts "
        "cannot store"
    ) in lines
    assert any(line.startswith("static/a#b.txt: error: file name holds '#'") for line in lines)
    assert (
        "static/CON.txt: error: file name 'CON.txt' is reserved for a device on Windows"
    ) in lines
    assert any(
        line.startswith("static/trailing.: error: file name ends with a dot") for line in lines
    )
    assert (
        "static/pipe: error: not a regular file or folder (a pipe, socket or device), so not read"
    ) in lines
    assert (
        "static/.well-known: warning: not published: names starting with '.' are never "
        "written to the site"
    ) in lines
    assert ".DS_Store" not in result.stderr
    assert "5 errors, 1 warning" in result.stderr

    for name in ("report: 2020.pdf", "a#b.txt", "CON.txt", "trailing.", "pipe"):
        (site / "static" / name).unlink()
    files = built(site)
    assert files["fine.txt"] == b"g"
    assert not any(".well-known" in path or "DS_Store" in path for path in files)


def test_files_over_the_size_limit_are_refused(tmp_path):
    settings = SITE_YML + "max_static_bytes: 10\n"
    site = make(tmp_path / "s", {"small.txt": b"x" * 10, "big.bin": b"x" * 11}, settings)

    result = run_build("build", "--source", site)

    assert result.returncode == 1
    lines = without_excerpts(result.stderr)
    assert "static/big.bin: error: file is larger than the limit of 10 bytes" in lines
    assert (
        "  hint: host large downloads elsewhere and link to them, or raise 'max_static_bytes' "
        "in site.yml"
    ) in lines
    assert "small.txt" not in result.stderr
    assert not (site / "site").exists()


def test_a_file_that_grows_past_the_limit_after_it_was_found_is_refused_when_read(tmp_path):
    site = make(tmp_path / "s", {"grows.bin": b"x"}, SITE_YML + "max_static_bytes: 10\n")
    from briefsite.config import SiteConfig, load_config

    config = load_config(site)
    assert isinstance(config, SiteConfig)
    found, _ = statics.find(config)
    files, problems = statics.stamped(config, found)
    assert problems == []
    (site / "static" / "grows.bin").write_bytes(b"x" * 11)

    collected = statics.collect(config, files, 0, {}, None)

    assert collected.outputs == []
    [problem] = collected.problems
    assert problem.path == "static/grows.bin"
    assert problem.message == "file is larger than the limit of 10 bytes"


def test_the_size_limit_itself_is_bounded(tmp_path):
    site = make(tmp_path / "s", {}, SITE_YML + "max_static_bytes: 100000001\n")
    result = run_build("build", "--source", site)
    assert result.returncode == 1
    assert f"site.yml:{APPENDED_LINE}:19: error: 'max_static_bytes'" in result.stderr


def test_the_static_folder_is_never_the_output(tmp_path):
    site = make(tmp_path / "s", {"CNAME": "a.example\n"})
    before = snapshot(site / "static")
    result = run_build("build", "--source", site, "--output", site / "static")
    assert result.returncode == 1
    assert "the output folder overlaps" in result.stderr
    assert snapshot(site / "static") == before


# ----------------------------------------------------------------------- publishing


def test_a_file_removed_from_static_is_removed_from_the_site_and_nothing_else(tmp_path):
    site = make(tmp_path / "s", {"CNAME": "a.example\n", "img/logo.png": BINARY})
    built(site)
    (site / "site" / "mine.txt").write_text("put here by hand")  # never briefsite's

    (site / "static" / "img" / "logo.png").unlink()
    files = built(site)

    assert "img/logo.png" not in files
    assert not (site / "site" / "img").exists()
    assert files["CNAME"] == b"a.example\n"
    assert files["mine.txt"] == b"put here by hand"
    assert "img/logo.png" not in listed(site)
    assert "mine.txt" not in listed(site)


def test_a_static_file_never_replaces_a_file_briefsite_did_not_write(tmp_path):
    site = make(tmp_path / "s", {"img/logo.png": BINARY})
    built(site)
    (site / "site" / "CNAME").write_text("put here by hand\n")
    before = snapshot(site / "site")

    (site / "static" / "CNAME").write_text("a.example\n")
    status, err = build(site)

    assert status == 1
    assert "CNAME (not written by it)" in err
    assert "briefsite never overwrites files it did not write" in err
    assert snapshot(site / "site") == before


def test_a_failed_build_leaves_the_site_exactly_as_it_was(tmp_path):
    site = make(tmp_path / "s", {"CNAME": "a.example\n", "img/logo.png": BINARY})
    built(site)
    before = snapshot(site / "site")

    (site / "static" / "CNAME").write_text("b.example\n")  # a good change...
    (site / "static" / "img" / "logo.png").unlink()  # ...a removal...
    (site / "static" / "index.html").write_text("mine")  # ...and a clash
    status, err = build(site)

    assert status == 1
    assert "static/index.html: error" in err
    assert snapshot(site / "site") == before


# ------------------------------------------------------------------------------ speed


def a_minute_later(monkeypatch: pytest.MonkeyPatch) -> None:
    """Builds run as if a minute from now: the files the test wrote are then past the window
    in which a file is never trusted unchanged by its stamp."""
    real = time.time_ns
    monkeypatch.setattr(pipeline, "clock_ns", lambda: real() + 60 * 10**9)


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the static files each build reads."""
    seen: list[str] = []
    real = statics.read_limited

    def counting(root: Path, path: Path | str, limit: int, hint: str) -> object:
        seen.append(Path(path).name)
        return real(root, path, limit, hint)

    monkeypatch.setattr(statics, "read_limited", counting)
    return seen


def cold(site: Path, folder: Path) -> dict[str, bytes]:
    """The same site built from nothing, without a cache."""
    result = run_build("build", "--source", site, "--output", folder, "--no-cache")
    assert result.returncode == 0, result.stderr
    return site_files(folder)


def test_static_files_unchanged_since_the_last_build_are_not_read_again(
    tmp_path, reads, full_builds, monkeypatch
):
    files = {"CNAME": "a.example\n", "img/logo.png": BINARY, "doc.pdf": b"%PDF" + BINARY}
    site = make(tmp_path / "s", files)
    a_minute_later(monkeypatch)
    built(site)
    assert sorted(reads) == ["CNAME", "doc.pdf", "logo.png"]

    reads.clear()
    built(site)  # nothing changed: answered from the build's record
    assert reads == []

    brief = site / "briefs" / "x.md"
    brief.write_text(brief.read_text().replace("2020-03-26", "2020-03-27"))
    built(site)  # a new date takes every stage, static files included
    assert full_builds[-1] == "full"
    assert reads == []

    brief.write_text(brief.read_text().replace("Text.", "New text."))
    built(site)  # a body edit takes the edit path
    assert full_builds[-1] == "edit"
    assert reads == []
    assert site_files(site / "site") == cold(site, tmp_path / "cold")


def test_a_static_file_changed_added_or_removed_is_published_by_the_next_build(
    tmp_path, reads, full_builds, monkeypatch
):
    site = make(tmp_path / "s", {"CNAME": "a.example\n", "img/logo.png": BINARY})
    a_minute_later(monkeypatch)
    built(site)
    reads.clear()

    (site / "static" / "CNAME").write_text("b.example\n")
    files = built(site)
    assert files["CNAME"] == b"b.example\n"
    assert reads == ["CNAME"]
    assert full_builds[-1] == "edit"  # same names: the edit path reads the changed file
    assert site_files(site / "site") == cold(site, tmp_path / "cold1")

    reads.clear()
    (site / "static" / "new.txt").write_text("new\n")
    files = built(site)
    assert files["new.txt"] == b"new\n"
    assert reads == ["new.txt"]
    assert full_builds[-1] == "full"  # a new name may clash: the full path checks it
    assert site_files(site / "site") == cold(site, tmp_path / "cold2")

    (site / "static" / "new.txt").unlink()
    files = built(site)
    assert "new.txt" not in files
    assert full_builds[-1] == "full"
    assert site_files(site / "site") == cold(site, tmp_path / "cold3")


def test_a_static_file_deleted_from_the_site_is_written_again(tmp_path, reads, monkeypatch):
    site = make(tmp_path / "s", {"CNAME": "a.example\n", "img/logo.png": BINARY})
    a_minute_later(monkeypatch)
    built(site)
    reads.clear()

    (site / "site" / "img" / "logo.png").unlink()
    files = built(site)

    assert files["img/logo.png"] == BINARY
    assert reads == ["logo.png"]  # the index vouches for it, but the site no longer holds it


def test_a_static_file_changed_moments_ago_is_read_again(tmp_path, reads):
    site = make(tmp_path / "s", {"CNAME": "a.example\n"})
    built(site)  # the file was written just now: its stamp cannot vouch for it next time
    reads.clear()

    built(site)

    assert reads == ["CNAME"]


def test_check_reads_no_static_file_the_index_vouches_for(tmp_path, reads, monkeypatch):
    site = make(tmp_path / "s", {"CNAME": "a.example\n", "img/logo.png": BINARY})
    a_minute_later(monkeypatch)
    built(site)
    reads.clear()

    result = run_build("check", "--source", site)

    assert result.returncode == 0, result.stderr
    assert reads == []


# ------------------------------------------------------------------------------ serve


def test_a_new_static_file_shows_up_in_the_running_preview(
    tmp_path: Path,
    preview: Callable[..., Preview],  # noqa: F811 (the fixture imported above)
) -> None:
    site = make(tmp_path / "s", {"CNAME": "a.example\n"})
    server = preview(site)
    server.wait_until_watching()
    assert server.get("CNAME")[:2] == (200, "a.example\n")
    assert server.get("notes/readme.txt")[0] == 404

    (site / "static" / "notes").mkdir()
    (site / "static" / "notes" / "readme.txt").write_text("Read me.\n")
    poll(lambda: server.get("notes/readme.txt")[0] == 200, "the new static file")
    assert server.get("notes/readme.txt")[1] == "Read me.\n"

    (site / "static" / "CNAME").write_text("b.example\n")
    poll(lambda: server.get("CNAME")[1] == "b.example\n", "the changed static file")

    (site / "static" / "CNAME").unlink()
    poll(lambda: server.get("CNAME")[0] == 404, "the removed static file to be gone")
    assert server.status()["problems"] == []
    assert not (site / "site").exists()
    assert server.stop() == 0, server.stderr
