"""The ways other tools run briefsite: the package's pins, and pre-commit itself.

The installed package is tested in test_packaging.py, and a repository of briefs with its hook
command and workflow, offline, in test_init.py."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import GOOD_BRIEF, REPO, copy_tracked, write_site

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


def _git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=Editor", "-c", "user.email=editor@example.org", *args],
        cwd=repo,
        check=True,
        capture_output=True,
        timeout=60,
    )


# pre-commit installs a hook into a virtualenv of its own with pip, from the package index
# (build isolation and the pinned dependencies): that needs the network, which CI has.
NETWORK = bool(os.environ.get("CI") or os.environ.get("BRIEFSITE_NETWORK_TESTS"))


@pytest.mark.slow
@pytest.mark.skipif(
    not NETWORK,
    reason="needs the network: pre-commit installs the hook with pip from the package index "
    "(CI runs it; BRIEFSITE_NETWORK_TESTS=1 runs it here). test_init.py runs the hook's "
    "command offline",
)
def test_pre_commit_hook_checks_a_repository_of_briefs(tmp_path: Path) -> None:
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    assert [h["id"] for h in hooks] == ["briefsite-check"]
    # This checkout as a hook repository, edits included (what `pre-commit try-repo` does, but
    # try-repo installs the hook afresh on every run, about 20 s; a config installs it once).
    hook_repo = copy_tracked(tmp_path / "hook-repo", REPO, others=True)
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
    # PIP_NO_COMPILE: pip installs the hook's environment without byte-compiling it (a tenth of
    # this test's time, most of it pypinyin's tables); what is installed, and how, is the same.
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        "PIP_NO_COMPILE": "1",
    }
    command = [sys.executable, "-m", "pre_commit", "run", "--all-files"]
    good = subprocess.run(command, cwd=site, capture_output=True, text=True, env=env, timeout=600)
    assert good.returncode == 0, good.stdout + good.stderr
    assert "check policy briefs" in good.stdout
    # A warning does not stop the commit, but the editor sees it (pre-commit hides the output
    # of a passing hook unless it is verbose).
    (site / "briefs" / "copy.md").write_text(GOOD_BRIEF.replace("2020-03-26", "2020-03-27"))
    warned = subprocess.run(command, cwd=site, capture_output=True, text=True, env=env,
                            timeout=600)  # fmt: skip
    assert warned.returncode == 0, warned.stdout + warned.stderr
    assert "warning: title 'Land offer' is also used by briefs/land-offer.md" in warned.stdout
    (site / "briefs" / "copy.md").unlink()
    (site / "briefs" / "land-offer.md").write_text(GOOD_BRIEF.replace("2020-03-26", "March"))
    bad = subprocess.run(command, cwd=site, capture_output=True, text=True, env=env, timeout=600)
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert (
        "briefs/land-offer.md:3:7: error: 'date' must be a date like 2020-03-26, got 'March'"
        in bad.stdout
    )
    assert not (site / "site").exists()  # check writes nothing


def test_the_hook_shows_warnings_without_failing_on_them() -> None:
    """pre-commit prints a passing hook's output only when the hook is verbose; the hook is
    not strict, so a typo fix without a change note is not blocked (README says both)."""
    (hook,) = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    assert hook["verbose"] is True
    assert hook["entry"].split() == ["briefsite", "check"]
    assert "args" not in hook
    readme = " ".join((REPO / "README.md").read_text().split())
    assert "`verbose: true`" in readme and "`args: [--strict]`" in readme
