"""Page history and what git knows: the missing change-note warning (`check`), repository
links, and dates in sitemap.xml and feed.xml from the front matter alone, in git or not (a
commit is never a change readers are told of). Every repository here is real, made in a
temporary folder with controlled dates."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from browser_support import require
from conftest import Page, parse, run_build, site_files, write_site

from briefsite.cache import Cache
from briefsite.history import FileHistory, body_changed, parse_log, read_history

GIT = shutil.which("git")
# The exact log read_history asks git for, so parse_log is tested on the real thing.
LOG = [
    "-c",
    "core.quotePath=false",
    "log",
    "--no-renames",
    "-p",
    "-U0",
    "--no-color",
    "--no-ext-diff",
    "--format=%x00commit %cs",
    "--relative",
    "--",
    "briefs/",
]


@pytest.fixture(autouse=True)
def _git_installed() -> None:
    require(GIT is not None, "git", "On Debian: `apt-get install git`.")


def git(repo: Path, *args: str, date: str | None = None) -> str:
    """Run git in `repo`, ignoring the machine's configuration; commits dated `date` (noon UTC)."""
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull}
    if date:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = f"{date}T12:00:00+00:00"
    result = subprocess.run(
        [str(GIT), "-c", "user.name=Editor", "-c", "user.email=editor@example.org", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    return result.stdout


def init(repo: Path) -> Path:
    repo.mkdir(parents=True, exist_ok=True)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "commit.gpgsign", "false")
    return repo


def commit(repo: Path, date: str, message: str = "Change briefs") -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message, date=date)


def brief(title: str, date: str = "2020-03-26", extra: str = "", body: str = "") -> str:
    """A brief whose `date:` value is at line 3, column 7; the body starts on line 6 + extra."""
    return f"---\ntitle: {title}\ndate: {date}\nsummary: About {title}.\n{extra}---\n" + (
        body or "## Terms\n\nFirst paragraph.\n\nSecond paragraph.\n"
    )


def lastmod(out: Path, slug: str) -> str:
    sitemap = (out / "sitemap.xml").read_text(encoding="utf-8")
    match = re.search(rf"/briefs/{slug}/</loc>\n<lastmod>([\d-]+)</lastmod>", sitemap)
    assert match, sitemap
    return match.group(1)


def feed_dates(out: Path, title: str) -> tuple[str, str]:
    """(published, updated) of a brief's feed entry."""
    feed = (out / "feed.xml").read_text(encoding="utf-8")
    for entry in feed.split("<entry>")[1:]:
        if f"<title>{title}</title>" in entry:
            published = re.search(r"<published>(.*?)</published>", entry)
            updated = re.search(r"<updated>(.*?)</updated>", entry)
            assert published and updated
            return published.group(1), updated.group(1)
    raise AssertionError(f"no feed entry for {title}")


def build(site: Path, out: Path) -> Path:
    result = run_build("--source", site, "--output", out, "--quiet")
    assert result.returncode == 0, result.stderr
    return out


def check(site: Path, *args: str) -> subprocess.CompletedProcess[str]:
    result = run_build("check", "--source", site, "--format", "github", *args)
    assert "::error" not in result.stdout, result.stdout
    return result


def git_warnings(result: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in result.stdout.splitlines() if "changed in git" in line]


# ----------------------------------------------------------------- parse_log on real git logs


def real_log(repo: Path) -> list[str]:
    return git(repo, *LOG).splitlines(keepends=True)


def test_parse_log_keeps_the_newest_commit_of_each_brief(tmp_path: Path) -> None:
    repo = init(tmp_path / "repo")
    write_site(repo, {"a.md": brief("A"), "b.md": brief("B")})
    commit(repo, "2021-01-10")
    text = (repo / "briefs" / "a.md").read_text()
    (repo / "briefs" / "a.md").write_text(text.replace("Second paragraph", "Changed"))
    commit(repo, "2021-02-20")

    history = parse_log(real_log(repo))
    assert history == {
        "briefs/a.md": FileHistory(dt.date.fromisoformat("2021-02-20"), ((10, 1),)),
        "briefs/b.md": FileHistory(dt.date.fromisoformat("2021-01-10"), ((1, 10),), created=True),
    }


def test_parse_log_reads_pure_deletions_and_non_ascii_names(tmp_path: Path) -> None:
    repo = init(tmp_path / "repo")
    write_site(repo, {"青岛.md": brief("Qingdao")})
    commit(repo, "2021-01-10")
    path = repo / "briefs" / "青岛.md"
    path.write_text(path.read_text().replace("\nSecond paragraph.\n", ""))
    commit(repo, "2021-03-01")
    assert parse_log(real_log(repo)) == {
        # Lines 9-10 removed: git writes "+8,0", zero lines after line 8.
        "briefs/青岛.md": FileHistory(dt.date.fromisoformat("2021-03-01"), ((8, 0),)),
    }


def test_parse_log_reads_file_names_with_spaces(tmp_path: Path) -> None:
    # git ends the '+++ b/...' line with a tab when the name holds a space; the name is
    # "briefs/land offer.md" all the same (its slug is land-offer).
    repo = init(tmp_path / "repo")
    write_site(repo, {"land offer.md": brief("Land offer")})
    commit(repo, "2021-01-10")
    history = parse_log(real_log(repo))
    assert list(history) == ["briefs/land offer.md"]


def test_a_brief_named_with_a_space_is_read_from_the_log(tmp_path: Path) -> None:
    repo = init(tmp_path / "repo")
    write_site(repo, {"land offer.md": brief("Land offer")})
    commit(repo, "2021-01-10")
    assert set(read_history(repo, "briefs")) == {"briefs/land offer.md"}
    out = build(repo, tmp_path / "out")
    assert lastmod(out, "land-offer") == "2020-03-26"  # its date, not the commit's


# ------------------------------------------------------------ body_changed on real git hunks


def newest_hunks(tmp_path: Path, before: str, after: str) -> FileHistory:
    repo = init(tmp_path / "repo")
    write_site(repo, {"a.md": before})
    commit(repo, "2021-01-10")
    (repo / "briefs" / "a.md").write_text(after, encoding="utf-8")
    commit(repo, "2021-02-20")
    return parse_log(real_log(repo))["briefs/a.md"]


BEFORE = brief("A", extra="updates: []\n")  # front matter lines 1-6, body from line 7
BODY_LINE = 7


@pytest.mark.parametrize(
    ("after", "changed"),
    [
        (BEFORE.replace("About A.", "About A, in short."), False),
        (BEFORE.replace("updates: []\n", ""), False),
        (BEFORE.replace("updates: []\n", "updates: []\nregion: Qingdao\n"), False),
        (BEFORE.replace("Second paragraph.", "Second, longer paragraph."), True),
        (BEFORE + "\nA new last paragraph.\n", True),
        (BEFORE.replace("---\n## Terms", "---\nA new first line.\n## Terms"), True),
        (BEFORE.replace("\nSecond paragraph.\n", ""), True),
        (BEFORE.replace("---\n## Terms\n", "---\n"), True),  # the first body line deleted
    ],
    ids=[
        "summary",
        "field removed",
        "field added",
        "body line",
        "body appended",
        "body prepended",
        "body line deleted",
        "first body line deleted",
    ],
)
def test_body_changed_on_real_hunks(tmp_path: Path, after: str, changed: bool) -> None:
    assert after != BEFORE
    history = newest_hunks(tmp_path, BEFORE, after)
    assert body_changed(history, BODY_LINE) is changed, history.changed_lines


# -------------------------------------------------------------------- builds inside git


def test_commit_dates_never_reach_the_sitemap_or_the_feed(tmp_path: Path) -> None:
    # A page that says "First published 26 March 2020" is not announced as changed on the
    # day of a commit that fixed a typo: only a change note makes an update.
    repo = init(tmp_path / "repo")
    noted = "updates:\n  - date: 2022-01-01\n    note: Figures revised.\n"
    write_site(
        repo,
        {
            "a.md": brief("Alpha", "2020-03-26"),
            "b.md": brief("Beta", "2020-04-07", extra=noted),
            "c.md": brief("Gamma", "2021-09-09"),
        },
    )
    commit(repo, "2021-05-05")
    out = build(repo, tmp_path / "out")
    assert lastmod(out, "a") == "2020-03-26"
    assert feed_dates(out, "Alpha") == ("2020-03-26T00:00:00Z", "2020-03-26T00:00:00Z")
    assert lastmod(out, "b") == "2022-01-01"  # its change note
    assert feed_dates(out, "Beta") == ("2020-04-07T00:00:00Z", "2022-01-01T00:00:00Z")
    assert lastmod(out, "c") == "2021-09-09"
    feed = (out / "feed.xml").read_text(encoding="utf-8")
    assert feed.split("<entry>")[0].count("<updated>2022-01-01T00:00:00Z</updated>") == 1

    (repo / "briefs" / "a.md").write_text(brief("Alpha", "2020-03-26", body="New text.\n"))
    commit(repo, "2023-03-03")
    out = build(repo, tmp_path / "out")
    assert lastmod(out, "a") == "2020-03-26"
    assert feed_dates(out, "Alpha")[1] == "2020-03-26T00:00:00Z"
    assert "2023-03-03" not in (out / "feed.xml").read_text(encoding="utf-8")
    sitemap = (out / "sitemap.xml").read_text(encoding="utf-8")
    assert "2023-03-03" not in sitemap
    home = re.search(r"<loc>https://example.org/briefs-site/</loc>\n<lastmod>(.*?)<", sitemap)
    assert home and home.group(1) == "2022-01-01"  # the newest change of all


@pytest.mark.slow
def test_the_missing_change_note_warning(tmp_path: Path) -> None:
    repo = init(tmp_path / "repo")
    write_site(repo, {"a.md": brief("Alpha"), "b.md": brief("Beta", "2020-04-07")})
    commit(repo, "2020-04-07")

    # The body changes on a later day without a change note: a warning at `date:`.
    (repo / "briefs" / "a.md").write_text(brief("Alpha", body="## Terms\n\nNew terms.\n"))
    commit(repo, "2021-06-06")
    result = check(repo)
    assert result.returncode == 0  # a warning, not an error
    assert git_warnings(result) == [
        "::warning file=briefs/a.md,line=3,col=7::the text changed in git on 2021-06-06, "
        "after the last change note (2020-03-26) (add an 'updates' entry with the date and "
        "what changed, if readers should know; minor fixes need none)"
    ]
    assert check(repo, "--strict").returncode == 1

    # The editor adds the note, dated the day of the change: no warning.
    noted = "updates:\n  - date: 2021-06-06\n    note: New terms.\n"
    (repo / "briefs" / "a.md").write_text(
        brief("Alpha", extra=noted, body="## Terms\n\nNew terms.\n")
    )
    commit(repo, "2021-06-06")
    assert git_warnings(check(repo)) == []
    assert check(repo, "--strict").returncode == 0

    # A later change to the front matter only (the summary) needs no note.
    text = (repo / "briefs" / "a.md").read_text()
    (repo / "briefs" / "a.md").write_text(text.replace("About Alpha.", "About Alpha, briefly."))
    commit(repo, "2021-07-07")
    assert git_warnings(check(repo)) == []
    assert lastmod(build(repo, tmp_path / "out"), "a") == "2021-06-06"  # the change note

    # A later body change with notes present: the warning sits at `updates:`.
    text = (repo / "briefs" / "a.md").read_text()
    (repo / "briefs" / "a.md").write_text(text.replace("New terms.", "Newer terms."))
    commit(repo, "2021-08-08")
    assert git_warnings(check(repo)) == [
        "::warning file=briefs/a.md,line=6,col=3::the text changed in git on 2021-08-08, "
        "after the last change note (2021-06-06) (add an 'updates' entry with the date and "
        "what changed, if readers should know; minor fixes need none)"
    ]


def test_adding_a_brief_to_git_is_not_a_change_without_a_note(tmp_path: Path) -> None:
    # A brief written on 26 March and merged on 2 April has changed nothing after it was
    # published; neither has a whole site moved into git later on.
    repo = init(tmp_path / "repo")
    write_site(repo, {"a.md": brief("Alpha", "2020-03-26")})
    commit(repo, "2020-04-02")
    assert git_warnings(check(repo)) == []


def test_a_site_in_a_folder_of_the_repository(tmp_path: Path) -> None:
    repo = init(tmp_path / "repo")
    site_yml = (
        "title: T\nbase_url: https://example.org/\n"
        "repo_url: https://github.com/example/briefs\nrepo_folder: sites/q\n"
    )
    site = write_site(repo / "sites" / "q", {"a.md": brief("Alpha")}, site_yml=site_yml)
    (repo / "README.md").write_text("Other files.\n")
    commit(repo, "2021-05-05")
    out = build(site, tmp_path / "out")
    assert lastmod(out, "a") == "2020-03-26"
    page = parse(out / "briefs" / "a" / "index.html")
    links = {page.text(a): a["attrs"]["href"] for a in page.find_all("a")}  # type: ignore[index]
    assert links["View source of this brief"] == (
        "https://github.com/example/briefs/blob/main/sites/q/briefs/a.md"
    )
    assert links["Suggest a change"] == (
        "https://github.com/example/briefs/edit/main/sites/q/briefs/a.md"
    )


def test_repository_links_follow_the_branch_and_are_absent_without_repo_url(
    tmp_path: Path,
) -> None:
    site_yml = (
        "title: T\nbase_url: https://example.org/\n"
        "repo_url: https://github.com/example/briefs/\nrepo_branch: trunk\n"
    )
    site = write_site(tmp_path / "s", {"a.md": brief("Alpha")}, site_yml=site_yml)
    out = build(site, tmp_path / "out")
    html = (out / "briefs" / "a" / "index.html").read_text(encoding="utf-8")
    assert 'href="https://github.com/example/briefs/blob/trunk/briefs/a.md"' in html
    assert 'href="https://github.com/example/briefs/edit/trunk/briefs/a.md"' in html

    plain = write_site(tmp_path / "p", {"a.md": brief("Alpha")})
    html = (build(plain, tmp_path / "out2") / "briefs" / "a" / "index.html").read_text()
    assert "View source" not in html
    assert "Suggest a change" not in html


# --------------------------------------------------------------- front-matter dates only


def test_outside_git_only_front_matter_dates_are_used(tmp_path: Path) -> None:
    noted = "updates:\n  - date: 2021-01-01\n    note: Revised.\n"
    site = write_site(
        tmp_path / "s", {"a.md": brief("Alpha"), "b.md": brief("Beta", "2020-04-07", noted)}
    )
    out = build(site, tmp_path / "out")
    assert lastmod(out, "a") == "2020-03-26"
    assert lastmod(out, "b") == "2021-01-01"
    assert feed_dates(out, "Beta") == ("2020-04-07T00:00:00Z", "2021-01-01T00:00:00Z")
    result = check(site, "--strict")
    assert result.returncode == 0, result.stdout
    assert result.stdout == ""


def test_a_shallow_clone_uses_front_matter_dates_only(tmp_path: Path) -> None:
    origin = init(tmp_path / "origin")
    write_site(origin, {"a.md": brief("Alpha"), "b.md": brief("Beta", "2020-04-07")})
    commit(origin, "2020-04-07")
    (origin / "briefs" / "a.md").write_text(brief("Alpha", body="Changed text.\n"))
    commit(origin, "2021-06-06")
    assert lastmod(build(origin, tmp_path / "full"), "a") == "2020-03-26"
    assert git_warnings(check(origin))  # the full history knows about the change

    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", (origin.as_uri()), str(clone))
    assert git(clone, "rev-parse", "--is-shallow-repository").strip() == "true"
    out = build(clone, tmp_path / "shallow")
    # The shallow clone's only commit claims to add every file: it is no evidence of anything.
    assert lastmod(out, "a") == "2020-03-26"
    assert lastmod(out, "b") == "2020-04-07"
    assert feed_dates(out, "Alpha")[1] == "2020-03-26T00:00:00Z"
    result = check(clone, "--strict")
    assert result.returncode == 0, result.stdout
    assert git_warnings(result) == []


class GitCalls:
    """A `git` first on PATH that notes each call's arguments and runs the real git."""

    def __init__(self, folder: Path) -> None:
        shim = folder / "bin"
        shim.mkdir()
        self.record = folder / "git-calls.txt"
        self.record.write_text("")
        (shim / "git").write_text(f'#!/bin/sh\necho "$*" >> "{self.record}"\nexec "{GIT}" "$@"\n')
        (shim / "git").chmod(0o755)
        self.path = f"{shim}{os.pathsep}{os.environ.get('PATH', '')}"

    def run(self, repo: Path, *command: str | Path, status: int = 0) -> list[str]:
        """Run the command (`run_build`) with this git first on PATH; the `git log` calls it
        made. Each run is as a fresh process as far as git goes: briefsite keeps no history in
        memory between runs, only in the build cache on disk."""
        self.record.write_text("")
        before = os.environ["PATH"]
        os.environ["PATH"] = self.path
        try:
            result = run_build(*command, "--source", repo)
        finally:
            os.environ["PATH"] = before
        assert result.returncode == status, result.stderr
        return [line for line in self.record.read_text().splitlines() if " log " in f" {line} "]


def test_one_git_log_for_the_whole_tree_and_none_for_a_build(tmp_path: Path) -> None:
    repo = init(tmp_path / "repo")
    write_site(repo, {f"b{i:02d}.md": brief(f"Brief {i}") for i in range(30)})
    commit(repo, "2021-05-05")
    calls = GitCalls(tmp_path)
    out = tmp_path / "out"
    # A build reads nothing from git; check, without the cache, reads the log in one process.
    assert calls.run(repo, "build", "--output", out, "-q", "--no-cache") == []
    assert len(calls.run(repo, "check", "--no-cache")) == 1
    assert {lastmod(out, f"b{i:02d}") for i in range(30)} == {"2020-03-26"}


# ----------------------------------------------------------- the history kept by HEAD


@pytest.mark.slow
def test_git_log_runs_once_per_head(tmp_path: Path) -> None:
    repo = init(tmp_path / "repo")
    write_site(repo, {"a.md": brief("Alpha"), "b.md": brief("Beta", "2020-04-07")})
    commit(repo, "2021-05-05")
    calls = GitCalls(tmp_path)
    out = tmp_path / "out"
    assert calls.run(repo, "build", "--output", out, "-q") == []  # a build never asks git
    assert len(calls.run(repo, "check")) == 1
    assert calls.run(repo, "check") == []  # the same HEAD: the history kept

    # An edit not committed: check goes through every stage, but HEAD is the same commit,
    # so the history is the one kept, and git log does not run.
    (repo / "briefs" / "a.md").write_text(brief("Alpha", body="Uncommitted text.\n"))
    assert calls.run(repo, "check") == []
    assert calls.run(repo, "build", "--output", out, "-q") == []
    assert "Uncommitted text." in (out / "briefs" / "a" / "index.html").read_text()
    # The same site as a build without the cache, byte for byte.
    fresh = tmp_path / "fresh"
    assert calls.run(repo, "build", "--output", fresh, "-q", "--no-cache") == []
    assert site_files(out) == site_files(fresh)

    # A new commit is a new HEAD: the log runs once for check, and its change is seen.
    commit(repo, "2022-02-02")
    assert calls.run(repo, "build", "--output", out, "-q") == []
    assert lastmod(out, "a") == "2020-03-26"
    assert len(calls.run(repo, "check")) == 1
    assert git_warnings(check(repo)) != []  # text changed in git without a note: still seen


def test_a_check_that_stops_early_keeps_the_history_too(tmp_path: Path) -> None:
    """`check` reads git's view even when the build stops at an error, from the kept one."""
    repo = init(tmp_path / "repo")
    write_site(repo, {"a.md": brief("Alpha"), "b.md": "---\ntitle: Broken\n---\nText.\n"})
    commit(repo, "2021-05-05")
    (repo / "briefs" / "a.md").write_text(brief("Alpha", body="## Terms\n\nNew.\n"))
    commit(repo, "2022-02-02")
    calls = GitCalls(tmp_path)
    assert len(calls.run(repo, "check", status=1)) == 1
    assert calls.run(repo, "check", status=1) == []
    result = run_build("check", "--source", repo, "--format", "github")
    assert result.returncode == 1
    assert git_warnings(result) != []  # a's text changed without a note, from the kept log


def test_a_kept_history_equals_the_log_read_afresh(tmp_path: Path) -> None:
    repo = init(tmp_path / "repo")
    write_site(repo, {"a.md": brief("Alpha"), "b b.md": brief("Beta")})
    commit(repo, "2021-05-05")
    (repo / "briefs" / "a.md").write_text(brief("Alpha", body="## Terms\n\nNew.\n"))
    commit(repo, "2023-03-03")
    today = dt.date(2024, 1, 1)
    fresh = read_history(repo, "briefs", today)
    assert set(fresh) == {"briefs/a.md", "briefs/b b.md"}

    cache = Cache.open(repo)
    try:
        first = read_history(repo, "briefs", today, cache)
        assert len(cache.stored_keys()) == 1
        kept = read_history(repo, "briefs", today, cache)
        # A commit dated after the build's today is not believed: another day, another entry.
        earlier = read_history(repo, "briefs", dt.date(2022, 1, 1), cache)
        assert len(cache.stored_keys()) == 2
    finally:
        cache.close()
    assert first == kept == fresh
    assert "briefs/a.md" not in earlier  # its newest commit is "in the future": no date
    assert earlier["briefs/b b.md"].date == dt.date(2021, 5, 5)


@pytest.mark.parametrize("where", ["no repository", "no commit yet", "shallow clone"])
def test_nothing_is_kept_without_a_full_history(tmp_path: Path, where: str) -> None:
    site = tmp_path / "site"
    if where == "no commit yet":
        init(site)
    elif where == "shallow clone":
        origin = init(tmp_path / "origin")
        write_site(origin, {"a.md": brief("Alpha")})
        commit(origin, "2021-05-05")
        git(tmp_path, "clone", "-q", "--depth", "1", origin.as_uri(), str(site))
    write_site(site, {"a.md": brief("Alpha")})
    cache = Cache.open(site)
    try:
        assert read_history(site, "briefs", None, cache) == {}
        assert cache.stored_keys() == []
    finally:
        cache.close()


# ----------------------------------------------------------------------------- page history


def test_page_history_lists_change_notes_newest_first(tmp_path: Path) -> None:
    notes = (
        "updates:\n"
        "  - date: 2020-05-01\n    note: Added the award.\n"
        "  - date: 2021-02-03\n    note: Figures revised.\n"
        "  - date: 2020-12-24\n    note: Fixed the source.\n"
    )
    site = write_site(tmp_path / "s", {"a.md": brief("Alpha", extra=notes)})
    path = build(site, tmp_path / "out") / "briefs" / "a" / "index.html"
    html = path.read_text(encoding="utf-8")
    section = re.search(r'<section class="history".*?</section>', html, re.DOTALL)
    assert section
    history = Page(section.group(0))
    assert [history.text(h) for h in history.find_all("h2")] == ["Updates to this page"]
    assert [history.text(li) for li in history.find_all("li")] == [
        "3 February 2021 Figures revised.",
        "24 December 2020 Fixed the source.",
        "1 May 2020 Added the award.",
        "26 March 2020 First published.",
    ]
    page = parse(path)
    terms = [page.text(e) for e in page.find_all("dt")]
    values = [page.text(e) for e in page.find_all("dd")]
    assert dict(zip(terms, values, strict=True))["Last updated"] == (
        "3 February 2021 — See all updates"
    )
