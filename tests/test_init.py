"""`init`: a new repository of briefs, and that it works end to end as one.

The end-to-end tests make such a repository in a temporary folder, commit it, and run what
GitHub and pre-commit would run there, against the wheel built from this checkout, offline:
the hook's command as `.pre-commit-hooks.yaml` declares it, and the workflow's own `run:`
steps in order (the steps that are GitHub actions, `uses:`, are GitHub's to run).
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import REPO, Page, make_venv, parse, run_build, snapshot, venv_env, wheel_in

import briefsite
from briefsite import init
from briefsite.cache import CACHE_DIR
from briefsite.output import previous_path

FILES = [
    "site.yml",
    "briefs/example-brief.md",
    "pages/about.md",
    ".gitignore",
    ".pre-commit-config.yaml",
    ".github/workflows/briefsite.yml",
]
EPOCH = "1700000000"  # 14 November 2023: the example brief's date


def git(repo: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", "-c", "user.name=Editor", "-c", "user.email=editor@example.org", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def init_repository(folder: Path) -> subprocess.CompletedProcess[str]:
    return run_build("init", folder, cwd=folder.parent)


def test_init_writes_a_repository_of_briefs_that_checks_cleanly(tmp_path: Path) -> None:
    made = init_repository(tmp_path / "briefs-repo")
    assert made.returncode == 0, made.stderr
    repo = tmp_path / "briefs-repo"
    assert sorted(snapshot(repo)) == sorted(FILES)
    # Next steps, naming the folder wherever a command needs it.
    assert f"serve --source {repo}" in made.stdout
    assert f"new 'Title of the brief' --source {repo}" in made.stdout
    assert "pre-commit install" in made.stdout
    assert "Settings > Pages" in made.stdout
    checked = run_build("check", "--strict", "--source", repo)
    assert checked.returncode == 0, checked.stderr
    assert checked.stderr == ""
    assert checked.stdout == "Checked 1 brief (0 drafts, 0 scheduled): no problems.\n"
    # The example About page is built at /about/ and is in every page's footer menu.
    built = run_build("build", "--source", repo)
    assert built.returncode == 0, built.stderr
    about = parse(repo / "site" / "about" / "index.html")
    assert [Page.text(h) for h in about.find_all("h1")] == ["About these briefs"]
    for page in (repo / "site").rglob("*.html"):
        (menu,) = parse(page).find_all("nav", **{"aria-label": "Footer"})
        assert "About these briefs" in Page.text(menu), page


def test_the_example_brief_is_plainly_an_example(tmp_path: Path) -> None:
    repo = tmp_path / "r"
    result = subprocess.run(
        [sys.executable, REPO / "build.py", "init", repo],
        capture_output=True,
        text=True,
        env={**os.environ, "SOURCE_DATE_EPOCH": EPOCH},
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    text = (repo / "briefs" / "example-brief.md").read_text(encoding="utf-8")
    front = yaml.safe_load(text.split("---\n")[1])
    assert front["title"].startswith("Example brief")
    assert front["date"].isoformat() == "2023-11-14"
    assert front["topics"] == ["Examples"]
    assert "figures" not in front and "sources" not in front  # no invented facts
    assert "It is not about any real policy." in text
    assert "example" in yaml.safe_load((repo / "site.yml").read_text())["title"].lower()


def test_init_never_overwrites_and_writes_nothing_when_a_file_exists(tmp_path: Path) -> None:
    repo = tmp_path / "r"
    (repo / "briefs").mkdir(parents=True)
    (repo / "site.yml").write_text("mine\n")
    (repo / ".gitignore").write_text("mine too\n")
    before = snapshot(repo)
    result = init_repository(repo)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "already has site.yml, .gitignore: nothing was written" in result.stderr
    assert snapshot(repo) == before
    assert sorted(p.name for p in repo.iterdir()) == [".gitignore", "briefs", "site.yml"]


def test_init_removes_what_it_wrote_when_a_later_file_fails(tmp_path: Path) -> None:
    repo = tmp_path / "r"
    repo.mkdir()
    (repo / ".github").write_text("a file where the workflow's folder goes\n")
    result = init_repository(repo)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "nothing was kept" in result.stderr
    assert sorted(p.name for p in repo.iterdir()) == [".github"]


def test_init_into_a_file_says_so(tmp_path: Path) -> None:
    target = tmp_path / "notes.txt"
    target.write_text("x\n")
    result = init_repository(target)
    assert result.returncode == 1
    assert "is a file, not a folder" in result.stderr
    assert target.read_text() == "x\n"


def test_init_help_names_what_it_writes() -> None:
    result = run_build("init", "--help")
    assert result.returncode == 0
    for name in ("site.yml", ".gitignore", ".pre-commit-config.yaml", "GitHub Actions"):
        assert name in " ".join(result.stdout.split())
    assert "init" in run_build("--help").stdout


def test_gitignore_covers_everything_builds_leave(tmp_path: Path) -> None:
    repo = tmp_path / "r"
    assert init_repository(repo).returncode == 0
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "start")
    # Two builds of different text: the second keeps the first's site beside the new one.
    for _ in range(2):
        built = run_build("build", "--source", repo)
        assert built.returncode == 0, built.stderr
        with (repo / "briefs" / "example-brief.md").open("a", encoding="utf-8") as brief:
            brief.write("\nMore text.\n")
    git(repo, "checkout", "--", "briefs")
    assert (repo / "site" / "index.html").is_file()
    assert previous_path(repo / "site").is_dir()
    assert (repo / CACHE_DIR).is_dir()
    assert git(repo, "status", "--porcelain", "--ignored=no") == ""


def test_docs_workflow_is_the_one_init_writes() -> None:
    assert (REPO / "docs" / "github-actions.yml").read_text(encoding="utf-8") == init.workflow()


def test_readme_installs_the_release_init_pins() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert f'python -m pip install "{init.requirement()}"' in readme


def test_pre_commit_config_pins_this_release_of_the_hook() -> None:
    config = yaml.safe_load(init.pre_commit_config())
    (repo,) = config["repos"]
    assert repo["repo"] == init.SOURCE_REPOSITORY
    assert repo["rev"] == f"v{briefsite.__version__}"
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert [h["id"] for h in repo["hooks"]] == [h["id"] for h in hooks]


def workflow_steps(job: dict[str, Any]) -> list[dict[str, Any]]:
    return job["steps"]  # type: ignore[no-any-return]


def test_workflow_permissions_schedule_concurrency_and_cache() -> None:
    flow = yaml.safe_load(init.workflow())
    on = flow[True]  # YAML 1.1 reads the key `on` as true
    assert set(on) == {"pull_request", "push", "schedule", "workflow_dispatch"}
    assert on["push"]["branches"] == ["main"]
    (daily,) = on["schedule"]
    _minute, _hour, *every = daily["cron"].split()
    assert every == ["*", "*", "*"], "every day"
    assert "${{ github.ref }}" in flow["concurrency"]["group"]
    assert flow["permissions"] == {}
    jobs = flow["jobs"]
    assert set(jobs) == {"check", "build", "deploy"}
    for name, job in jobs.items():
        checks_out = any("actions/checkout" in s.get("uses", "") for s in job["steps"])
        if checks_out:
            assert job["permissions"] == {"contents": "read"}, name
    assert jobs["deploy"]["permissions"] == {"pages": "write", "id-token": "write"}
    assert jobs["deploy"]["needs"] == "build"
    assert jobs["check"]["if"] == "github.event_name == 'pull_request'"
    assert jobs["build"]["if"] == "github.event_name != 'pull_request'"
    runs = {n: [s["run"] for s in j["steps"] if "run" in s] for n, j in jobs.items()}
    install = f'python -m pip install "{init.requirement()}"'
    assert runs["check"] == ["rm -rf .briefsite-cache", install, "briefsite check --format github"]
    assert runs["build"] == ["rm -rf .briefsite-cache", install, "briefsite build"]
    (cache,) = [s for s in jobs["build"]["steps"] if s.get("uses", "").startswith("actions/cache@")]
    assert cache["with"]["path"].split() == [CACHE_DIR, "~/.cache/briefsite"]
    (restore,) = [
        s for s in jobs["check"]["steps"] if "actions/cache/restore@" in s.get("uses", "")
    ]
    assert restore["with"] == cache["with"]
    # The cache is restored after the checkout's own copy is removed, never before.
    steps = jobs["build"]["steps"]
    assert steps.index(cache) == 1 + next(
        i for i, s in enumerate(steps) if s.get("run", "").startswith("rm -rf")
    )


# ------------------------------------------------------------------ end to end, offline


@pytest.fixture
def committed_repository(tmp_path: Path) -> Path:
    """A repository of briefs as an editor starts one: `init`, `git init`, commit."""
    repo = tmp_path / "briefs-repo"
    assert init_repository(repo).returncode == 0
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "A repository of briefs")
    return repo


def run_step(command: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """One `run:` step as GitHub runs it on Linux: `bash -e`, pipefail, no profile."""
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", command],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=300,
    )


def run_job(
    job: dict[str, Any], repo: Path, runner: Path, venv: Path, wheel: Path
) -> tuple[Path, list[subprocess.CompletedProcess[str]]]:
    """A job's `run:` steps in order, as on a fresh runner: a clone of `repo` (checkout with
    fetch-depth 0), the virtualenv `venv` (setup-python's Python), an empty home folder; the
    install step given the wheel built from this checkout instead of the release's git URL.
    Stops at the first failing step, as GitHub does. Returns the checkout and each step's
    result."""
    runner.mkdir()
    checkout = runner / "work"
    subprocess.run(["git", "clone", "-q", str(repo), str(checkout)], check=True, timeout=60)
    env = venv_env(venv, HOME=str(runner / "home"), CI="true", GITHUB_ACTIONS="true")
    env.pop("XDG_CACHE_HOME", None)  # unset on GitHub's runners: the key goes to ~/.cache
    results = []
    for step in job["steps"]:
        if "run" not in step:
            continue  # a GitHub action: checkout, setup-python, cache, Pages
        command = step["run"]
        if "pip install" in command:
            assert init.requirement() in command, command
            command = command.replace(init.requirement(), str(wheel))
        results.append(run_step(command, checkout, env))
        if results[-1].returncode != 0:
            break
    return checkout, results


@pytest.mark.slow
def test_the_hook_command_checks_the_new_repository(
    committed_repository: Path, installed: Path
) -> None:
    (hook,) = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    (configured,) = yaml.safe_load(
        (committed_repository / ".pre-commit-config.yaml").read_text(encoding="utf-8")
    )["repos"]
    assert configured["hooks"][0]["id"] == hook["id"]
    assert hook["pass_filenames"] is False
    files = re.compile(hook["files"])
    for name in ("briefs/example-brief.md", "site.yml"):
        assert files.search(name), name
    # The hook as pre-commit runs it: its entry and args, from the repository's top, with
    # briefsite installed from the wheel (pre-commit's own install needs the network).
    env = venv_env(installed)
    command = [*shlex.split(hook["entry"]), *hook.get("args", [])]
    good = subprocess.run(command, cwd=committed_repository, capture_output=True, text=True,
                          env=env, timeout=120)  # fmt: skip
    assert good.returncode == 0, good.stdout + good.stderr
    assert "Checked 1 brief (0 drafts, 0 scheduled): no problems." in good.stdout

    brief = committed_repository / "briefs" / "example-brief.md"
    text = brief.read_text(encoding="utf-8")
    brief.write_text(re.sub(r"^date: .*$", "date: March", text, flags=re.M), encoding="utf-8")
    bad = subprocess.run(command, cwd=committed_repository, capture_output=True, text=True,
                         env=env, timeout=120)  # fmt: skip
    assert bad.returncode == 1
    line = text[: text.index("\ndate:")].count("\n") + 2
    assert f"briefs/example-brief.md:{line}:7: error: 'date' must be a date" in bad.stderr


@pytest.mark.slow
def test_the_workflow_steps_build_the_new_repository(
    committed_repository: Path, dist: Path, tmp_path: Path
) -> None:
    flow = yaml.safe_load(
        (committed_repository / ".github" / "workflows" / "briefsite.yml").read_text("utf-8")
    )
    wheel = wheel_in(dist)
    # One Python for both jobs: the second job's install finds the wheel installed already.
    venv = make_venv(tmp_path / "python")

    # A push to main: the build job, then what the cache and Pages steps would take.
    checkout, results = run_job(flow["jobs"]["build"], committed_repository,
                                tmp_path / "build-runner", venv, wheel)  # fmt: skip
    assert [r.returncode for r in results] == [0, 0, 0], [r.stderr for r in results]
    assert "Built 1 brief" in results[-1].stdout
    build_steps = flow["jobs"]["build"]["steps"]
    (upload,) = [s for s in build_steps if "upload-pages-artifact" in s.get("uses", "")]
    assert (checkout / upload["with"]["path"] / "index.html").is_file()
    page = checkout / upload["with"]["path"] / "briefs" / "example-brief" / "index.html"
    assert "Example brief" in page.read_text(encoding="utf-8")
    (cache,) = [s for s in build_steps if s.get("uses", "").startswith("actions/cache@")]
    home = tmp_path / "build-runner" / "home"
    for path in cache["with"]["path"].split():
        kept = home / path[2:] if path.startswith("~/") else checkout / path
        assert kept.is_dir() and any(kept.iterdir()), f"nothing for the cache to keep in {path}"

    # A pull request that breaks a brief: the check job fails, with an annotation on it.
    brief = committed_repository / "briefs" / "example-brief.md"
    text = brief.read_text(encoding="utf-8")
    brief.write_text(re.sub(r"^date: .*$", "date: March", text, flags=re.M), encoding="utf-8")
    git(committed_repository, "commit", "-q", "-am", "A mistake")
    _, results = run_job(flow["jobs"]["check"], committed_repository,
                         tmp_path / "check-runner", venv, wheel)  # fmt: skip
    assert [r.returncode for r in results] == [0, 0, 1], [r.stderr for r in results]
    assert "::error file=briefs/example-brief.md,line=" in results[-1].stdout
