"""Pages rendered in worker processes: the same site and problems as one process, problems from
templates where they are, and a worker that dies fails the build without hanging it."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import REPO, copy_tracked, run_build, sample_briefs, site_files, write_site

from briefsite import pagework
from briefsite.config import BUILTIN_TEMPLATES, SiteConfig, load_config
from briefsite.output import published_hashes
from briefsite.pipeline import BuildOptions, BuildResult, build, publish
from briefsite.urls import output_file

EXTRA = 20  # generated briefs beside the sample's seven: about 45 pages, several chunks each


def _brief(index: int) -> str:
    """A brief with a topic shared with others, a list and a link to a heading of another."""
    return f"""\
---
title: Generated brief {index}
date: 2019-{1 + index % 12:02d}-{1 + index % 28:02d}
summary: Brief {index} of a generated set, filed under topic {index % 4}.
topics: [Topic {index % 4}, Land and planning]
---
## Terms

- Item {index}, with a [link to the next brief's terms](g{(index + 1) % EXTRA}.md#terms).
- Another item.

## Background

Text of brief {index}.
"""


def make_site(root: Path) -> Path:
    """The repository's sample briefs, pages and settings, plus generated briefs."""
    site = write_site(root, {f"g{i}.md": _brief(i) for i in range(EXTRA)})
    shutil.copy(REPO / "site.yml", site / "site.yml")
    copy_tracked(site, REPO, "pages")  # the footer menu of site.yml names them
    for path in sample_briefs():
        shutil.copy(path, site / "briefs" / path.name)
    return site


def with_brief_template(site: Path, snippet: str) -> int:
    """Give the site its own brief.html: the built-in one with `snippet` as the first line of
    its main block. Returns that line's number."""
    lines = (BUILTIN_TEMPLATES / "brief.html").read_text(encoding="utf-8").splitlines(True)
    at = lines.index("{% block main %}\n") + 1
    lines.insert(at, snippet + "\n")
    (site / "templates").mkdir(exist_ok=True)
    (site / "templates" / "brief.html").write_text("".join(lines), encoding="utf-8")
    return at + 1


def config_of(site: Path, output: Path) -> SiteConfig:
    config = load_config(site, output)
    assert isinstance(config, SiteConfig), config
    return config


@pytest.fixture
def renderers(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Callable[[], list[tuple]]:
    """Which process rendered which page: each render appends a line to a file, from
    whichever process it runs in (forked workers inherit the patch)."""
    log = tmp_path / "rendered.log"
    log.touch()
    real = pagework.render_page

    def recording(env, site, page, today=None):  # type: ignore[no-untyped-def]
        with log.open("a", encoding="utf-8") as file:  # one small appended write: atomic
            file.write(f"{os.getpid()} {page.path}\n")
        return real(env, site, page, today)

    monkeypatch.setattr(pagework, "render_page", recording)

    def read() -> list[tuple[int, str]]:
        entries = [line.split(" ", 1) for line in log.read_text(encoding="utf-8").splitlines()]
        log.write_text("", encoding="utf-8")
        return [(int(pid), path) for pid, path in entries]

    return read


def test_two_workers_write_the_same_site_as_one_process(tmp_path, renderers):
    site = make_site(tmp_path / "s")
    folders, problems = [], []
    progress: list[tuple[int, int]] = []
    for jobs in (1, 2):
        config = config_of(site, tmp_path / f"out{jobs}")

        def record(stage: str, done: int, total: int) -> None:
            if stage == "writing pages":
                progress.append((done, total))

        result = build(config, BuildOptions(jobs=jobs, cache=False, progress=record))
        assert result.ok, result.problems
        publish(result, config)
        folders.append(site_files(config.output))
        problems.append(result.problems)
        rendered = renderers()
        pids = {pid for pid, _ in rendered}
        assert sorted(path for _, path in rendered) == sorted(
            p.removesuffix("index.html") for p in folders[-1] if p.endswith(".html")
        )
        if jobs == 1:
            assert pids == {os.getpid()}
        else:  # every page in a worker; both workers had a share
            assert os.getpid() not in pids
            assert len(pids) == 2
            assert progress[-1] == (result.page_count, result.page_count)
            assert [done for done, _ in progress] == sorted(done for done, _ in progress)
        progress.clear()

    assert folders[0] == folders[1]
    assert problems[0] == problems[1]
    assert len([p for p in folders[0] if p.endswith(".html")]) > 2 * pagework.MIN_PAGES


@pytest.mark.parametrize(
    ("snippet", "message"),
    [
        ("{{ page.no_such_field }}", "template error: 'briefsite.pages.Page object' has no"),
        ("{{ (page.path | length) // 0 }}", "internal error while rendering this template: "),
    ],
    ids=["template-error", "exception"],
)
def test_a_failing_template_in_a_worker_is_reported_as_in_one_process(
    tmp_path, renderers, snippet, message
):
    site = make_site(tmp_path / "s")
    # One page fails, in whichever worker gets it; the others render.
    line = with_brief_template(site, f'{{% if page.path == "briefs/g7/" %}}{snippet}{{% endif %}}')
    results: list[BuildResult] = []
    for jobs in (1, 2):
        results.append(build(config_of(site, tmp_path / "out"), BuildOptions(jobs=jobs)))
        pids = {pid for pid, _ in renderers()}
        assert (os.getpid() in pids) is (jobs == 1)

    assert results[0].problems == results[1].problems
    (problem,) = results[1].problems
    assert (problem.path, problem.line, problem.col) == ("templates/brief.html", line, 1)
    assert problem.message.startswith(message), problem.message
    assert not results[1].ok and results[1].outputs == ()


def test_a_worker_that_dies_mid_render_fails_the_build_and_names_the_page(tmp_path):
    # A trusted template can reach Python (Jinja is not sandboxed): this one ends the process
    # rendering one page, but only when that process is a worker (it has a parent process).
    site = make_site(tmp_path / "s")
    line = with_brief_template(
        site,
        '{% set os = lipsum.__globals__.os %}{% if page.path == "briefs/g7/" and '
        "os.sys.modules['multiprocessing'].parent_process() %}{{ os._exit(3) }}{% endif %}",
    )
    assert line > 1
    output = tmp_path / "out"

    alone = run_build("build", "--source", site, "--output", output, "--jobs", "1", "--no-cache")
    assert alone.returncode == 0, alone.stderr  # in one process the page renders
    shutil.rmtree(output)

    result = run_build("build", "--source", site, "--output", output, "--jobs", "2", "--no-cache")

    assert result.returncode == 1, result.stderr
    assert (
        "templates/brief.html: error: the process rendering briefs/g7/index.html stopped "
        "unexpectedly, so no further pages were rendered"
    ) in result.stderr
    assert "Traceback" not in result.stderr
    assert not output.exists()


def test_pages_skipped_by_their_key_never_reach_a_worker(tmp_path, renderers, monkeypatch):
    monkeypatch.setattr(pagework, "MIN_PAGES", 1)  # workers even for a single page
    site = make_site(tmp_path / "s")
    config = config_of(site, site / "site")

    def rebuild() -> BuildResult:
        result = build(config, BuildOptions(jobs=2), published_hashes(config.output))
        assert result.ok, result.problems
        publish(result, config)
        return result

    pages = rebuild().page_count
    assert len(renderers()) == pages
    brief = site / "briefs" / "g3.md"
    brief.write_text(brief.read_text(encoding="utf-8") + "\nOne more line.\n", "utf-8")

    result = rebuild()

    rendered = renderers()
    fresh = [o.path for o in result.outputs if o.path.endswith(".html") and o.data is not None]
    assert sorted(output_file(path) for _, path in rendered) == fresh
    assert "briefs/g3/index.html" in fresh
    assert 0 < len(fresh) < pages
    assert os.getpid() not in {pid for pid, _ in rendered}


def test_workers_write_pages_and_briefs_files_into_the_spool_themselves(tmp_path, monkeypatch):
    """With a spool, a worker writes each page and each brief's open-data file it makes into
    the build's spool and answers with its name, instead of sending the bytes to the parent
    to write: the parent's share of a cold build shrinks, and the site is the same."""
    from briefsite import opendata
    from briefsite.output import spooled

    monkeypatch.setattr(opendata, "IN_WORKERS_AT_LEAST", 2)
    site = make_site(tmp_path / "s")
    one = config_of(site, tmp_path / "one")
    publish(build(one, BuildOptions(jobs=1, cache=False)), one)
    config = config_of(site, tmp_path / "two")
    with spooled(config.output) as spool:
        result = build(config, BuildOptions(jobs=2, cache=False), {}, spool)
        assert result.ok, result.problems
        made_by: dict[str, set[str]] = {"page": set(), "brief file": set()}
        for output in result.outputs:
            kind = "page" if output.path.endswith(".html") else "brief file"
            if output.path.endswith(("index.html", "index.json", "index.md", ".bib", ".ris")):
                assert output.data is None and output.spooled, output.path
                name = os.path.basename(output.spooled)
                # A worker's files carry its process id; the parent numbers its own plainly.
                made_by[kind].add(name.split("-", 1)[0] if "-" in name else "parent")
        publish(result, config)
    for kind, makers in made_by.items():
        assert "parent" not in makers and str(os.getpid()) not in makers, (kind, makers)
        assert len(makers) == 2, (kind, makers)  # both workers had a share
    assert site_files(config.output) == site_files(one.output)
