"""Writing the site: only our own files change, atomically, never outside the output folder."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import manifest_of, snapshot

from briefsite import folders, output
from briefsite.output import (
    MARKER,
    Output,
    OutputError,
    check_location,
    check_outputs,
    is_safe_relative,
    previous_path,
    published_hashes,
    read_manifest,
    sync,
)
from briefsite.problems import Severity

OLD_TIME = 1_000_000_000  # 2001: any mtime a rewrite would replace


@pytest.fixture(autouse=True, params=["now", "a minute later"])
def clock(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every test twice: publishing right after the folders changed (each is listed again,
    its stamp too fresh to trust) and as if a minute later (a folder whose stamp is as the
    manifest recorded it is not listed)."""
    if request.param != "now":
        real = time.time_ns
        monkeypatch.setattr(output, "clock_ns", lambda: real() + 60 * 10**9)
    return str(request.param)


SITE = [
    Output("index.html", b"<p>home</p>\n"),
    Output("briefs/land-offer/index.html", b"<p>land</p>\n"),
    Output("assets/site.css", b"body {}\n"),
]


def tree(folder: Path) -> list[str]:
    """Every file, folder and link below a folder, relative, sorted."""
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))


def pages(folder: Path) -> dict[str, bytes]:
    """The site's files with their bytes, without the manifest."""
    return {k: v for k, v in snapshot(folder).items() if k != MARKER}


def age(folder: Path) -> None:
    """Give every file an old modification time, so a rewrite is visible."""
    for path in folder.rglob("*"):
        if path.is_file():
            os.utime(path, (OLD_TIME, OLD_TIME))


def listed(folder: Path) -> dict[str, list[object]]:
    """The manifest's file list, parsed as JSON."""
    return manifest_of(folder)[0]


def leftovers(out: Path) -> list[str]:
    """Anything beside the output folder that a build may have left (temporary folders).

    The site a build replaced is kept on purpose, as the start of the next one: it must be a
    complete site of ours (a manifest written for that very folder), and is not counted.
    """
    previous = previous_path(out)
    if previous.exists():
        assert read_manifest(previous) is not None
    return sorted(p.name for p in out.parent.iterdir() if p.name not in (out.name, previous.name))


# ------------------------------------------------------------------------------- writing


def test_sync_writes_every_output_and_a_manifest_of_them(tmp_path):
    out = tmp_path / "site"

    report = sync(SITE, out)

    assert pages(out) == {
        "assets/site.css": b"body {}\n",
        "briefs/land-offer/index.html": b"<p>land</p>\n",
        "index.html": b"<p>home</p>\n",
    }
    assert report.written == ("assets/site.css", "briefs/land-offer/index.html", "index.html")
    assert report.unchanged == 0
    assert report.removed == ()
    files = listed(out)
    assert sorted(files) == sorted(o.path for o in SITE)
    import hashlib

    assert files["index.html"][0] == hashlib.sha256(b"<p>home</p>\n").hexdigest()
    assert leftovers(out) == []


def test_the_manifest_is_bound_to_its_own_folder(tmp_path):
    out = tmp_path / "site"
    sync(SITE, out)

    assert read_manifest(out) is not None
    copy = tmp_path / "copy"
    copy.mkdir()
    (copy / MARKER).write_bytes((out / MARKER).read_bytes())
    assert read_manifest(copy) is None


def test_second_sync_with_the_same_outputs_changes_nothing_at_all(tmp_path):
    out = tmp_path / "site"
    sync(SITE, out)
    age(out)
    before = {p: (p.stat().st_ino, p.stat().st_mtime) for p in out.rglob("*")}
    folder_inode = out.stat().st_ino

    report = sync(SITE, out)

    assert report.written == ()
    assert report.unchanged == 3
    assert report.removed == ()
    assert out.stat().st_ino == folder_inode  # not even swapped
    assert {p: (p.stat().st_ino, p.stat().st_mtime) for p in out.rglob("*")} == before


def test_sync_rewrites_only_changed_files_and_others_keep_their_times(tmp_path):
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
    assert leftovers(out) == []


def test_a_file_touched_but_not_changed_still_counts_as_ours(tmp_path):
    out = tmp_path / "site"
    sync(SITE, out)
    age(out)  # a different mtime than the manifest recorded: the content is checked instead

    report = sync(SITE[:2], out)

    assert report.removed == ("assets/site.css",)


def test_sync_leaves_no_temporary_files(tmp_path):
    out = tmp_path / "site"
    sync(SITE, out)
    sync([*SITE[:2], Output("assets/site.css", b"changed\n")], out)

    assert not [name for name in tree(out) if "tmp" in name or "next" in name]
    assert leftovers(out) == []


def mkdirs_during(action: object) -> int:
    """How many folders an action creates inside the site it assembles (counted by the
    `os.mkdir` audit event)."""
    count = 0
    active = True

    def hook(event: str, args: tuple[object, ...]) -> None:
        nonlocal count
        if active and event == "os.mkdir" and ".briefsite-new/" in os.fsdecode(args[0]):  # type: ignore[arg-type]
            count += 1

    sys.addaudithook(hook)  # hooks cannot be removed: this one goes quiet afterwards
    try:
        action()  # type: ignore[operator]
    finally:
        active = False
    return count


def test_the_replaced_site_is_kept_and_brought_up_to_date_as_the_next_one(tmp_path):
    out = tmp_path / "site"
    pages_of = [Output(f"briefs/b{n}/index.html", f"<p>{n}</p>\n".encode()) for n in range(20)]
    sync([*SITE, *pages_of], out)
    sync([*SITE[:2], Output("assets/site.css", b"v2\n"), *pages_of], out)
    previous = previous_path(out)
    assert (previous / "assets/site.css").read_bytes() == b"body {}\n"  # the first site
    assert read_manifest(previous) is not None
    edited = [*SITE[:2], Output("assets/site.css", b"v3\n"), *pages_of[1:]]
    edited.append(Output("briefs/b0/index.html", b"<p>zero, edited</p>\n"))

    made = mkdirs_during(lambda: sync(edited, out))

    # Twenty-odd folders already stood in the previous site: none is made again, only the
    # swap's own steps ran.
    assert made == 0
    assert pages(out) == {o.path: o.data for o in edited}
    assert (previous / "assets/site.css").read_bytes() == b"v2\n"  # now the site it replaced
    assert leftovers(out) == []


def test_a_changed_file_in_the_previous_site_is_not_reused(tmp_path):
    out = tmp_path / "site"
    sync(SITE, out)
    sync([*SITE[:2], Output("assets/site.css", b"v2\n")], out)
    tampered = previous_path(out) / "index.html"
    tampered.unlink()  # a hard link shared with the live site: replace it, do not edit it
    tampered.write_bytes(b"<p>evil</p>\n")
    (previous_path(out) / "extra.html").write_bytes(b"<p>planted</p>\n")

    sync(SITE, out)

    assert pages(out) == {o.path: o.data for o in SITE}
    assert leftovers(out) == []


@pytest.mark.parametrize("kind", ["folder", "link"])
def test_something_else_at_the_previous_sites_name_is_left_alone(tmp_path, kind):
    out = tmp_path / "site"
    sync(SITE, out)
    outside = outside_folder(tmp_path)
    previous = previous_path(out)
    if kind == "link":
        previous.symlink_to(outside, target_is_directory=True)
    else:
        previous.mkdir()
        (previous / "keep.txt").write_text("keep")

    sync([*SITE[:2], Output("assets/site.css", b"v2\n")], out)
    sync(SITE, out)

    assert pages(out) == {o.path: o.data for o in SITE}
    assert tree(outside) == ["secret.txt"]
    if kind == "folder":
        assert tree(previous) == ["keep.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["site", previous.name, "outside"])


def test_sync_into_an_existing_empty_folder_keeps_its_permissions(tmp_path):
    out = tmp_path / "site"
    out.mkdir()
    out.chmod(0o750)
    sync(SITE, out)  # the first build into an empty folder

    sync(SITE[:1], out)  # a build that swaps folders

    assert (out.stat().st_mode & 0o777) == 0o750
    assert (out / MARKER).is_file()


def test_sync_creates_missing_parent_folders(tmp_path):
    out = tmp_path / "deep" / "er" / "site"

    sync(SITE, out)

    assert pages(out)["index.html"] == b"<p>home</p>\n"


# ---------------------------------------------------------------------------- stale files


def test_stale_files_of_ours_and_their_empty_folders_are_removed(tmp_path):
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


def test_files_briefsite_did_not_write_are_never_removed(tmp_path):
    out = tmp_path / "site"
    sync(SITE, out)
    (out / "briefs" / "notes.txt").write_text("the editor's notes")
    (out / "empty" / "deeper").mkdir(parents=True)

    report = sync(SITE[:1], out)

    assert report.kept == ("briefs/notes.txt",)
    assert (out / "briefs" / "notes.txt").read_text() == "the editor's notes"
    assert (out / "empty" / "deeper").is_dir()
    assert "briefs/notes.txt" not in listed(out)


def test_a_listed_file_changed_by_someone_else_is_kept_not_removed(tmp_path):
    out = tmp_path / "site"
    sync(SITE, out)
    (out / "assets" / "site.css").write_bytes(b"hand-edited {}\n")

    report = sync(SITE[:2], out)

    assert report.removed == ()
    assert report.kept == ("assets/site.css",)
    assert (out / "assets" / "site.css").read_bytes() == b"hand-edited {}\n"


def test_a_listed_file_changed_by_someone_else_is_not_overwritten(tmp_path):
    out = tmp_path / "site"
    sync(SITE, out)
    (out / "index.html").write_bytes(b"hand-edited home\n")
    before = snapshot(out)

    with pytest.raises(OutputError, match=r"index.html \(changed since briefsite wrote it\)"):
        sync([Output("index.html", b"new home\n"), *SITE[1:]], out)

    assert snapshot(out) == before
    assert leftovers(out) == []


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

    sync(SITE[:2], out)

    assert (out / ".git" / "refs" / "tags").is_dir()
    assert (out / ".well-known").is_dir()


def test_a_file_not_ours_in_a_pages_place_stops_the_build(tmp_path):
    out = tmp_path / "site"
    sync(SITE, out)
    (out / "topics").write_text("someone's file where a folder must go")
    before = snapshot(out)

    with pytest.raises(OutputError, match=r"topics \(not written by it\)"):
        sync([*SITE, Output("topics/index.html", b"topics")], out)

    assert snapshot(out) == before


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


def test_a_folder_holding_only_hidden_files_is_refused(tmp_path):
    home = tmp_path / "home"  # `--output ~`: dotfiles only
    (home / ".config").mkdir(parents=True)
    (home / ".bashrc").write_text("alias ll='ls -l'\n")
    before = snapshot(home)

    with pytest.raises(OutputError, match="not empty"):
        sync(SITE, home)

    assert snapshot(home) == before


@pytest.mark.parametrize(
    "marker",
    [b"", b"This folder is written by briefsite. Every build replaces its contents.\n", b"{}"],
)
def test_a_planted_marker_proves_nothing(tmp_path, marker):
    out = tmp_path / "documents"
    out.mkdir()
    (out / MARKER).write_bytes(marker)  # `touch D/.briefsite; build --output D`
    (out / "thesis.docx").write_bytes(b"precious")
    before = snapshot(out)

    with pytest.raises(OutputError, match="not written by briefsite"):
        sync(SITE, out)

    assert snapshot(out) == before


def test_a_manifest_copied_from_a_real_site_proves_nothing(tmp_path):
    real = tmp_path / "real"
    sync([Output("index.html", b"<p>home</p>\n"), Output("thesis.docx", b"x")], real)
    forged = tmp_path / "forged"
    forged.mkdir()
    (forged / MARKER).write_bytes((real / MARKER).read_bytes())
    (forged / "thesis.docx").write_bytes(b"precious")

    with pytest.raises(OutputError, match="not written by briefsite"):
        sync(SITE, forged)

    assert (forged / "thesis.docx").read_bytes() == b"precious"


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


def test_the_output_folder_may_not_be_a_symbolic_link(tmp_path):
    outside = outside_folder(tmp_path)
    out = tmp_path / "site"
    out.symlink_to(outside, target_is_directory=True)

    with pytest.raises(OutputError, match="symbolic link"):
        sync(SITE, out)

    assert tree(outside) == ["secret.txt"]


def test_symlinked_folder_leading_outside_is_never_written_through(tmp_path):
    out = tmp_path / "site"
    sync(SITE, out)
    outside = outside_folder(tmp_path)
    (out / "topics").symlink_to(outside, target_is_directory=True)

    with pytest.raises(OutputError, match="topics"):
        sync([*SITE, Output("topics/land/index.html", b"land")], out)

    assert tree(outside) == ["secret.txt"]
    assert (out / "topics").is_symlink()


def test_a_symlinked_file_is_not_ours_and_not_written_through(tmp_path):
    out = tmp_path / "site"
    sync(SITE, out)
    outside = outside_folder(tmp_path)
    (out / "index.html").unlink()
    (out / "index.html").symlink_to(outside / "secret.txt")

    with pytest.raises(OutputError, match=r"index\.html"):
        sync(SITE, out)

    assert (out / "index.html").is_symlink()
    assert (outside / "secret.txt").read_text() == "keep"


def test_links_planted_at_temporary_names_are_never_followed(tmp_path):
    out = tmp_path / "site"
    sync(SITE, out)
    outside = outside_folder(tmp_path)
    for name in ("index.html.briefsite-tmp", ".briefsite.next", "assets/site.css.tmp"):
        (out / name).symlink_to(outside / "secret.txt")

    sync([Output("index.html", b"new"), *SITE[1:2], Output("assets/site.css", b"new")], out)

    assert (outside / "secret.txt").read_text() == "keep"
    assert tree(outside) == ["secret.txt"]
    assert (out / "index.html").read_bytes() == b"new"


def test_a_link_at_the_assembly_name_is_refused(tmp_path):
    out = tmp_path / "site"
    sync(SITE, out)
    outside = outside_folder(tmp_path)
    (tmp_path / ".site.briefsite-new").symlink_to(outside, target_is_directory=True)
    before = snapshot(out)

    with pytest.raises(OutputError, match="in the way"):
        sync(SITE[:1], out)

    assert tree(outside) == ["secret.txt"]
    assert snapshot(out) == before


def test_a_foreign_folder_at_the_assembly_name_is_left_alone(tmp_path):
    out = tmp_path / "site"
    planted = tmp_path / ".site.briefsite-new"
    planted.mkdir()
    (planted / MARKER).write_bytes(b"{}")  # a committed folder with a marker
    (planted / "keep.txt").write_text("keep")

    with pytest.raises(OutputError, match="in the way"):
        sync(SITE, out)

    assert (planted / "keep.txt").read_text() == "keep"


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


# ------------------------------------------------------------------- one build at a time


def test_a_second_build_into_a_locked_folder_is_refused(tmp_path):
    out = tmp_path / "site"
    sync(SITE, out)
    before = snapshot(out)

    with folders.locked(tmp_path), pytest.raises(OutputError, match="another build"):
        sync(SITE[:1], out)

    assert snapshot(out) == before


def test_the_lock_is_released_after_a_build(tmp_path):
    out = tmp_path / "site"
    sync(SITE, out)

    with folders.locked(tmp_path):
        pass  # would raise Busy if the build still held it


# --------------------------------------------------------------------- full disk, errors


def test_a_write_error_names_the_file_and_changes_nothing(tmp_path, monkeypatch):
    out = tmp_path / "site"
    sync(SITE, out)
    before = snapshot(out)
    real_write = os.write
    calls = iter(range(10**6))

    def full_disk(fd: int, data: object) -> int:
        if next(calls) >= 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(fd, data)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "write", full_disk)
    changed = [Output(o.path, o.data + b"changed") for o in SITE]

    with pytest.raises(OutputError) as raised:
        sync(changed, out)

    message = str(raised.value)
    assert str(out) in message
    assert ".html" in message or ".css" in message
    assert "no space left" in message and "free" in message
    monkeypatch.undo()
    assert snapshot(out) == before
    assert leftovers(out) == []


def test_a_disk_too_small_is_refused_before_writing(tmp_path):
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(disk)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    try:
        out = disk / "site"
        sync(SITE, out)
        before = snapshot(out)
        big = [*SITE, Output("big.pdf", b"x" * 400_000)]

        with pytest.raises(OutputError, match=r"not enough disk space.*kB is free"):
            sync(big, out)

        assert snapshot(out) == before
        assert leftovers(out) == []
    finally:
        subprocess.run(["umount", str(disk)], check=True)


# --------------------------------------------------------------- killed at every moment

# Audit events for every file-system step sync takes (see the `sys.audit` events table).
STEPS = frozenset(
    {"open", "os.mkdir", "os.link", "os.rename", "os.remove", "os.rmdir", "os.chmod",
     "shutil.rmtree", "ctypes.call_function", "os.symlink"}
)  # fmt: skip
OLD = [*SITE, Output("briefs/old/index.html", b"<p>old</p>\n")]
NEW = [
    Output("index.html", b"<p>new home</p>\n"),
    SITE[1],
    Output("assets/site.css", b"body { margin: 0 }\n"),
    Output("briefs/new/index.html", b"<p>new</p>\n"),
]


def killed_at(step: int, outputs: list[Output], out: Path) -> bool:
    """Sync in a forked child that dies (as with SIGKILL: no cleanup) at its `step`-th
    file-system call. True when it was killed, False when it finished first."""
    pid = os.fork()
    if pid == 0:  # the child
        seen = 0

        def die(event: str, args: object) -> None:
            nonlocal seen
            if event in STEPS:
                seen += 1
                if seen == step:
                    os._exit(99)

        sys.addaudithook(die)
        try:
            sync(outputs, out)
        except BaseException:
            os._exit(98)
        os._exit(0)
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    assert code in (0, 99), f"the build failed instead of dying at step {step}"
    return code == 99


@pytest.mark.parametrize("kept", [False, True], ids=["first-swap", "from-the-previous-site"])
@pytest.mark.parametrize("exchange", [True, False], ids=["rename-exchange", "two-renames"])
def test_a_kill_at_any_moment_leaves_the_old_site_or_the_new_one(
    tmp_path, monkeypatch, exchange, kept
):
    if not exchange:
        monkeypatch.setattr(folders, "_renameat2", lambda *args: False)
    expected_new = {o.path: o.data for o in NEW} | {"notes.txt": b"mine"}
    expected_old = {o.path: o.data for o in OLD} | {"notes.txt": b"mine"}
    step = 0
    outcomes = set()
    while True:
        step += 1
        case = tmp_path / f"case{step}"
        out = case / "site"
        if kept:  # an earlier site, kept beside it: this build starts from it
            sync([*OLD[:2], Output("assets/site.css", b"older\n"), Output("gone.html", b"x")], out)
        sync(OLD, out)
        assert previous_path(out).exists() is kept
        (out / "notes.txt").write_bytes(b"mine")  # not ours: must survive every kill
        if not killed_at(step, NEW, out):
            break
        seen = pages(out) if out.exists() else {}
        if not exchange and not out.exists():
            seen = {}  # between the two renames; recovery must bring the old site back
        else:
            assert seen in (expected_old, expected_new), f"a mixed site after a kill at {step}"
        outcomes.add("new" if seen == expected_new else "old" if seen else "gap")

        sync(NEW, out)  # the next build recovers and finishes

        assert pages(out) == expected_new
        assert leftovers(out) == []
    assert step > 10  # the trial really reached into the sync
    assert "old" in outcomes and "new" in outcomes


# ----------------------------------------------------------------- where the site may go


def site_folder(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "briefs").mkdir(parents=True)
    (root / "templates").mkdir()
    (root / "site.yml").write_text("title: x\n")
    return root


def location(root: Path, output: Path) -> list[str]:
    problems = check_location(output, root, (root / "briefs", root / "templates"))
    return [p.message for p in problems]


def test_the_usual_output_folder_is_fine(tmp_path):
    root = site_folder(tmp_path)

    assert location(root, root / "site") == []
    assert location(root, tmp_path / "elsewhere" / "public") == []


@pytest.mark.parametrize(
    "relative, expected",
    [
        (".", "would hold the site's own files"),
        ("..", "would hold the site's own files"),
        ("briefs", "overlaps"),
        ("briefs/site", "overlaps"),
        ("templates", "overlaps"),
        ("templates/assets/x", "overlaps"),
    ],
)
def test_the_output_may_not_overlap_what_the_build_reads(tmp_path, relative, expected):
    root = site_folder(tmp_path)

    (message, *_) = location(root, root / relative)

    assert expected in message


def test_an_output_reached_through_a_symbolic_link_is_refused(tmp_path):
    root = site_folder(tmp_path)
    (root / "site").symlink_to(".", target_is_directory=True)  # `site -> .` in a pull request
    (root / "public").symlink_to(tmp_path, target_is_directory=True)

    assert "symbolic link" in location(root, root / "site")[0]
    assert "symbolic link" in location(root, root / "public" / "site")[0]
    assert "symbolic link" in location(root, root / "public")[0]


def test_the_problem_is_an_error_naming_the_output(tmp_path):
    root = site_folder(tmp_path)

    (problem,) = check_location(root / "briefs", root, (root / "briefs",))

    assert problem.severity is Severity.ERROR
    assert problem.path == (root / "briefs").as_posix()


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


# ------------------------------------------------------------------- pages not rendered again


def test_an_output_known_only_by_its_hash_keeps_the_published_file(tmp_path):
    out = tmp_path / "site"
    sync(SITE, out)
    hashes = published_hashes(out)
    age(out)
    kept = Output("index.html", None, hashes["index.html"])

    report = sync([kept, *SITE[1:]], out)

    assert report.written == ()
    assert (out / "index.html").read_bytes() == b"<p>home</p>\n"
    assert (out / "index.html").stat().st_mtime == OLD_TIME


def test_published_hashes_leave_out_files_changed_since(tmp_path):
    out = tmp_path / "site"
    sync(SITE, out)
    (out / "index.html").write_bytes(b"<p>edited by hand</p>\n")
    (out / "assets" / "site.css").unlink()

    hashes = published_hashes(out)

    assert sorted(hashes) == ["briefs/land-offer/index.html"]
    assert published_hashes(tmp_path / "missing") == {}


def test_an_output_known_only_by_its_hash_must_be_in_the_folder(tmp_path):
    out = tmp_path / "site"
    sync(SITE, out)
    before = snapshot(out)

    with pytest.raises(OutputError, match="was not rendered again"):
        sync([Output("index.html", None, "0" * 64), *SITE[1:]], out)

    assert snapshot(out) == before


def test_what_a_paused_collection_made_is_old_and_its_cycles_are_still_collected() -> None:
    # Publishing pauses the cycle collector (`collection_paused`). What was made meanwhile is
    # not left young, where the first collection after the pause would walk all of it; yet a
    # cycle made then is still found by a full collection (nothing stays frozen for good).
    import gc
    import weakref

    class Node:
        pass

    was = gc.isenabled()
    gc.enable()
    try:
        with output.collection_paused():
            assert not gc.isenabled()
            kept = [[i] for i in range(50_000)]
            cycle = Node()
            cycle.self = cycle  # type: ignore[attr-defined]
            gone = weakref.ref(cycle)
            del cycle
        assert gc.isenabled()
        assert gc.get_count()[0] < 1_000, gc.get_count()  # not fifty thousand young objects
        assert gc.get_freeze_count() == 0
        assert gone() is not None  # (a cycle waits for a collection)
        gc.collect()
        assert gone() is None
        assert len(kept) == 50_000
    finally:
        if not was:
            gc.disable()


def _two_sites(out: Path) -> list[Output]:
    """Publish a site of twenty pages, then one with a page changed, one added and one gone:
    the first is then the previous site, and the live manifest describes it."""
    first = [Output(f"briefs/b{n}/index.html", f"<p>{n}</p>\n".encode()) for n in range(20)]
    sync([*SITE, *first], out)
    second = [*SITE, *first[1:19], Output("briefs/b0/index.html", b"<p>zero, edited</p>\n")]
    second.append(Output("briefs/b20/index.html", b"<p>20</p>\n"))
    sync(second, out)
    return second


def test_the_live_manifest_describes_the_previous_site_so_its_file_is_not_parsed(
    tmp_path, monkeypatch
):
    out = tmp_path / "site"
    second = _two_sites(out)
    previous = previous_path(out)
    live = read_manifest(out)
    assert live is not None and live.before is not None
    assert live.before.file == output.file_stamp(os.lstat(previous / output.MARKER))
    assert live.before.added == ("briefs/b20/index.html",)
    parsed = output._parse_manifest(previous)
    assert parsed is not None

    def not_parsed(folder: Path, stamp: object = None) -> None:
        raise AssertionError(f"{folder}'s manifest was parsed")

    # From here on any manifest parsed fails the test; the live one is kept in memory, as a
    # build keeps it between its two reads.
    monkeypatch.setattr(output, "_parse_manifest", not_parsed)
    assert live.file is not None
    monkeypatch.setattr(output, "_MANIFESTS", {(os.fspath(out), *live.file): live})
    derived = output._previous_site(previous, live)

    assert derived is not None
    assert derived.files == parsed.files != live.files
    assert (derived.folders, derived.taken, derived.folder) == (
        parsed.folders,
        parsed.taken,
        parsed.folder,
    )
    # Publishing again starts from the previous site as described, and gets it right.
    third = [o for o in second if o.path != "briefs/b5/index.html"]
    sync(third, out)
    monkeypatch.undo()
    assert pages(out) == {o.path: o.data for o in third}
    assert leftovers(out) == []


def test_a_previous_manifest_replaced_since_is_read_from_its_file(tmp_path, monkeypatch):
    out = tmp_path / "site"
    second = _two_sites(out)
    previous = previous_path(out)
    marker = previous / output.MARKER
    copy = marker.read_bytes()
    marker.unlink()
    marker.write_bytes(copy)  # the same bytes in another file: not the file described
    read: list[Path] = []
    parse = output._parse_manifest

    def counted(folder: Path, stamp: object = None) -> object:
        read.append(folder)
        return parse(folder, stamp)  # type: ignore[arg-type]

    monkeypatch.setattr(output, "_parse_manifest", counted)
    live = read_manifest(out)
    assert live is not None and live.before is not None
    assert output._previous_site(previous, live) is not None
    assert previous in read

    sync(second[:-1], out)
    assert pages(out) == {o.path: o.data for o in second[:-1]}


def test_a_damaged_description_of_the_previous_site_is_ignored(tmp_path):
    out = tmp_path / "site"
    second = _two_sites(out)
    marker = out / output.MARKER
    data = json.loads(marker.read_bytes())
    data["before"]["manifest"] = ["not", "a", "stamp"]
    marker.unlink()
    marker.write_text(json.dumps(data))
    manifest = read_manifest(out)
    assert manifest is not None and manifest.before is None  # the rest of it still holds
    assert manifest.files.keys() == {o.path for o in second}

    sync(second[:-1], out)
    assert pages(out) == {o.path: o.data for o in second[:-1]}
    assert leftovers(out) == []


def test_a_site_whose_every_file_changed_does_not_carry_the_one_before(tmp_path):
    # The difference would be as large as the manifest before it: that one is read from its
    # file instead, as when there is none.
    out = tmp_path / "site"
    first = [Output(f"briefs/b{n}/index.html", f"<p>{n}</p>\n".encode()) for n in range(20)]
    sync(first, out)
    sync([Output(o.path, b"<p>all new</p>\n" + o.path.encode()) for o in first], out)
    manifest = read_manifest(out)
    assert manifest is not None and manifest.before is None
    again = [Output(o.path, b"<p>again</p>\n" + o.path.encode()) for o in first]
    sync(again, out)
    assert pages(out) == {o.path: o.data for o in again}
    assert leftovers(out) == []
