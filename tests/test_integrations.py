"""The ways other tools run briefsite: pre-commit, GitHub Actions, an installed package."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml
from conftest import GOOD_BRIEF, REPO, run_process, write_site

PIN = re.compile(r"^([A-Za-z0-9_.-]+)==(\S+)$")


def _pins(lines: list[str]) -> dict[str, str]:
    """name -> version for every exact pin."""
    return {m.group(1).lower(): m.group(2) for line in lines if (m := PIN.match(line.strip()))}


def test_package_dependencies_are_the_requirements_pins() -> None:
    import tomllib

    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    requirements = (REPO / "requirements.txt").read_text().splitlines()
    assert _pins(project["dependencies"]) == _pins(requirements)
    assert len(_pins(requirements)) >= 5


def checkout_copy(dest: Path) -> Path:
    """The checkout's tracked files as they are now (edits included) in `dest`.

    Building the package writes build/ and briefsite.egg-info/ beside its sources (pip's
    working folder does not change that), so builds start from a copy, never the checkout.
    """
    listing = subprocess.run(
        ["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True, timeout=60
    )
    for name in filter(None, listing.stdout.split(b"\0")):
        source = REPO / os.fsdecode(name)
        if source.is_file():  # deleted in the working tree: not copied
            target = dest / os.fsdecode(name)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return dest


def _build_isolation() -> list[str]:
    """Build with the setuptools installed here when it meets pyproject.toml's requirement:
    pip's isolated build would make a virtual environment and install setuptools into it
    first, which is two thirds of this test's time (and needs the package index)."""
    try:
        import setuptools
    except ImportError:
        return []
    major = int(setuptools.__version__.split(".")[0])
    return ["--no-build-isolation"] if major >= 65 else []


@pytest.mark.slow
def test_wheel_carries_the_templates_and_the_command(tmp_path: Path) -> None:
    source = checkout_copy(tmp_path / "source")
    pip_wheel = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", *_build_isolation()]
    subprocess.run(
        [*pip_wheel, str(source), "-w", tmp_path],
        check=True,
        capture_output=True,
        cwd=tmp_path,
        timeout=300,
    )
    (wheel,) = tmp_path.glob("briefsite-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for template in (REPO / "templates").rglob("*"):
        if template.is_file():
            rel = template.relative_to(REPO / "templates").as_posix()
            assert f"briefsite/templates/{rel}" in names
    entry = next(n for n in names if n.endswith("entry_points.txt"))
    assert "briefsite = briefsite.cli:main" in zipfile.ZipFile(wheel).read(entry).decode()


def _git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=Editor", "-c", "user.email=editor@example.org", *args],
        cwd=repo,
        check=True,
        capture_output=True,
        timeout=60,
    )


@pytest.mark.slow
@pytest.mark.skipif(
    subprocess.run(["git", "--version"], capture_output=True).returncode != 0,
    reason="git is not installed",
)
def test_pre_commit_hook_checks_a_repository_of_briefs(tmp_path: Path) -> None:
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    assert [h["id"] for h in hooks] == ["briefsite-check"]
    # This checkout as a hook repository, edits included (what `pre-commit try-repo` does, but
    # try-repo installs the hook afresh on every run, about 20 s; a config installs it once).
    hook_repo = checkout_copy(tmp_path / "hook-repo")
    _git(hook_repo, "init", "-q")
    _git(hook_repo, "add", ".")
    _git(hook_repo, "commit", "-q", "-m", "briefsite")
    rev = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=hook_repo, capture_output=True, text=True, check=True
    ).stdout.strip()
    # A repository of briefs set up as the comment in .pre-commit-hooks.yaml says.
    site = write_site(tmp_path / "briefs-repo", {"land-offer.md": GOOD_BRIEF})
    config = {"repos": [{"repo": str(hook_repo), "rev": rev, "hooks": [{"id": "briefsite-check"}]}]}
    (site / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config))
    _git(site, "init", "-q")
    _git(site, "add", ".")
    _git(site, "commit", "-q", "-m", "briefs")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")}
    command = [sys.executable, "-m", "pre_commit", "run", "--all-files"]
    good = subprocess.run(command, cwd=site, capture_output=True, text=True, env=env, timeout=600)
    assert good.returncode == 0, good.stdout + good.stderr
    assert "check policy briefs" in good.stdout
    (site / "briefs" / "land-offer.md").write_text(GOOD_BRIEF.replace("2020-03-26", "March"))
    bad = subprocess.run(command, cwd=site, capture_output=True, text=True, env=env, timeout=600)
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert (
        "briefs/land-offer.md:3:7: error: 'date' must be a date like 2020-03-26, got 'March'"
        in bad.stdout
    )
    assert not (site / "site").exists()  # check writes nothing


def test_example_workflow_runs_commands_that_exist(tmp_path: Path) -> None:
    workflow = yaml.safe_load((REPO / "docs" / "github-actions.yml").read_text())
    steps = [s.get("run", "") for job in workflow["jobs"].values() for s in job["steps"]]
    commands = [s for s in steps if s.startswith("python build.py")]
    assert commands == ["python build.py check --format github", "python build.py build"]
    uploads = [s for job in workflow["jobs"].values() for s in job["steps"]
               if "upload-pages-artifact" in s.get("uses", "")]  # fmt: skip
    assert uploads[0]["with"]["path"] == "site"
    # Each command, run as the workflow runs it, works on a real site.
    site = write_site(tmp_path / "s", {"land-offer.md": GOOD_BRIEF})
    for command in commands:
        result = run_process(*command.split()[2:], cwd=site)
        assert result.returncode == 0, result.stderr
    assert (site / "site" / "index.html").is_file()
