"""The attacks on the output stage, as a user would meet them: `python build.py` in a real
repository of briefs, whose pull requests may add files, markers and symbolic links."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
from pathlib import Path

from conftest import GOOD_BRIEF, REPO, run_build, snapshot, write_site


def everything(folder: Path) -> dict[str, object]:
    """Every entry below a folder, links as their targets, without following them."""
    found: dict[str, object] = {}
    for current, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = Path(current) / name
            relative = path.relative_to(folder).as_posix()
            if path.is_symlink():
                found[relative] = ("link", os.readlink(path))
            elif path.is_file():
                found[relative] = path.read_bytes()
            else:
                found[relative] = "folder"
    return found


def repository(tmp_path: Path) -> Path:
    """A site folder as an editor has it: settings, a brief and some untracked notes."""
    root = write_site(tmp_path / "repo", {"land-offer.md": GOOD_BRIEF})
    (root / "notes.txt").write_text("untracked work in progress")
    return root


def test_a_committed_marker_and_a_site_link_to_the_repository_delete_nothing(tmp_path):
    root = repository(tmp_path)
    (root / ".briefsite").write_text("")  # both arrive in one pull request
    (root / "site").symlink_to(".", target_is_directory=True)
    before = everything(root)

    result = run_build(cwd=root)

    assert result.returncode == 1
    assert "symbolic link" in result.stderr
    assert "Traceback" not in result.stderr
    assert everything(root) == before


def test_a_site_link_leading_elsewhere_is_refused(tmp_path):
    root = repository(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "keep.txt").write_text("keep")
    (root / "site").symlink_to(elsewhere, target_is_directory=True)

    result = run_build(cwd=root)

    assert result.returncode == 1
    assert everything(elsewhere) == {"keep.txt": b"keep"}


def test_a_touched_marker_does_not_make_a_folder_ours(tmp_path):
    root = repository(tmp_path)
    folder = tmp_path / "documents"
    folder.mkdir()
    (folder / ".briefsite").touch()  # `touch D/.briefsite; build --output D`
    (folder / "thesis.docx").write_bytes(b"precious")
    before = everything(folder)

    result = run_build("--source", root, "--output", folder)

    assert result.returncode == 1
    assert "not written by briefsite" in result.stderr
    assert everything(folder) == before


def test_a_home_folder_of_dotfiles_is_refused(tmp_path):
    root = repository(tmp_path)
    home = tmp_path / "home"
    home.mkdir()
    (home / ".bashrc").write_text("export EDITOR=nano\n")
    (home / ".ssh").mkdir()
    (home / ".ssh" / "id_ed25519").write_text("private key")

    first = run_build("--source", root, "--output", home)

    assert first.returncode == 1
    assert "not empty" in first.stderr
    assert everything(home) == {
        ".bashrc": b"export EDITOR=nano\n",
        ".ssh": "folder",
        ".ssh/id_ed25519": b"private key",
    }


def test_an_empty_briefs_folder_is_not_an_output_folder(tmp_path):
    root = repository(tmp_path)
    nested = write_site(tmp_path / "other", {})  # its briefs/ is empty

    result = run_build("--source", nested, "--output", nested / "briefs")

    assert result.returncode == 1
    assert "overlaps" in result.stderr
    assert list((nested / "briefs").iterdir()) == []
    assert (root / "notes.txt").exists()


def test_the_site_folder_itself_is_not_an_output_folder(tmp_path):
    root = repository(tmp_path)
    before = everything(root)

    for output in (".", ".."):
        result = run_build("--output", output, cwd=root)
        assert result.returncode == 1
        assert "would hold the site's own files" in result.stderr
    assert everything(root) == before


def test_user_files_in_the_output_folder_survive_every_build(tmp_path):
    root = repository(tmp_path)
    assert run_build(cwd=root).returncode == 0
    site = root / "site"
    (site / "CNAME").write_text("briefs.example.org\n")  # added by hand for the host
    (root / "briefs" / "second.md").write_text(GOOD_BRIEF.replace("Land offer", "Second"))

    result = run_build(cwd=root)

    assert result.returncode == 0, result.stderr
    assert "1 kept (not written by briefsite)" in result.stdout
    assert (site / "CNAME").read_text() == "briefs.example.org\n"
    assert (site / "briefs" / "second" / "index.html").is_file()
    assert sorted(p.name for p in root.iterdir()) == sorted(
        [".briefsite-cache", ".site.briefsite-previous", "briefs", "notes.txt", "site", "site.yml"]
    )


def test_a_second_build_while_one_is_writing_is_refused(tmp_path):
    root = repository(tmp_path)
    assert run_build(cwd=root).returncode == 0
    before = snapshot(root / "site")
    (root / "briefs" / "land-offer.md").write_text(GOOD_BRIEF.replace("Text.", "Changed."))
    fd = os.open(root, os.O_RDONLY)  # what a running build holds: a lock on the parent folder
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        result = run_build(cwd=root)
    finally:
        os.close(fd)

    assert result.returncode == 1
    assert "another build is writing" in result.stderr
    assert snapshot(root / "site") == before


def test_two_builds_at_once_leave_one_complete_site(tmp_path):
    root = repository(tmp_path)
    for index in range(20):
        (root / "briefs" / f"b{index}.md").write_text(
            GOOD_BRIEF.replace("Land offer", f"Brief {index}")
        )
    command = [sys.executable, str(REPO / "build.py"), "--source", str(root), "-q"]
    runs = [subprocess.Popen(command, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [(run.wait(timeout=120), run.stderr.read() if run.stderr else "") for run in runs]

    assert any(code == 0 for code, _ in results)
    for code, message in results:
        assert code == 0 or "another build is writing" in message
    alone = tmp_path / "alone"
    assert run_build("--source", root, "--output", alone).returncode == 0
    built = {k: v for k, v in snapshot(root / "site").items() if k != ".briefsite"}
    assert built == {k: v for k, v in snapshot(alone).items() if k != ".briefsite"}
