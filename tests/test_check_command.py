"""`build.py check`: every problem a build finds plus whole-site warnings, in three formats,
without writing anything."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from conftest import GOOD_BRIEF, build_here, run_build, write_site

A = """\
---
title: Land offer
date: 2020-03-26
summary: Qingdao offers land.
figures:
  - label: net industrial land offered
    value: 37.3
    unit: km²
    source: press release
---
## Terms

See [the other brief](b.md#nowhere).
"""

B = """\
---
title: Land Offer
date: 2020-04-07
summary: The land offer again.
topics: [Land]
figures:
  - label: award
    value: 100000000
    unit: yuan
    source: press release
  - label: Net industrial  land offered
    value: 37
    unit: km2
    source: press release
---
## Terms

Text.
"""

NBSP = "\u00a0"  # quantities never break between number and unit

# Where things are in A and B (line:col).
A_TITLE, B_TITLE = "2:8", "2:8"
A_FIGURE, B_FIGURE = "6:5", "11:5"
A_LINK = "13:23"


@pytest.fixture
def mixed(tmp_path: Path) -> Path:
    """One broken anchor (an error), duplicate titles and a disagreeing figure (warnings)."""
    return write_site(tmp_path / "mixed", {"a.md": A, "b.md": B})


@pytest.fixture
def warnings_only(tmp_path: Path) -> Path:
    return write_site(
        tmp_path / "warn", {"a.md": A.replace("b.md#nowhere", "b.md#terms"), "b.md": B}
    )


def check(site: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run `build.py check`; it must never create the site folder."""
    result = run_build("check", "--source", site, *args)
    assert not (site / "site").exists(), "check must not write site/"
    return result


def test_text_format_lists_every_problem_on_stderr_with_a_count(mixed: Path) -> None:
    result = check(mixed)
    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    # Each problem is followed by the line it points at, a caret under the column, its hint.
    problem_lines = [line for line in lines if not line.startswith(" ")]
    link = lines.index(problem_lines[2])
    assert lines[link + 1 : link + 3] == [
        "  13 | See [the other brief](b.md#nowhere).",
        "     |                       ^",
    ]
    assert problem_lines == [
        f"briefs/a.md:{A_TITLE}: warning: title 'Land offer' is also used by briefs/b.md",
        f"briefs/a.md:{A_FIGURE}: warning: figure 'net industrial land offered' is 37.3{NBSP}km² "
        f"here but 37{NBSP}km² in briefs/b.md:{B_FIGURE.split(':')[0]}",
        f"briefs/a.md:{A_LINK}: error: link 'b.md#nowhere': there is no heading or anchor "
        "'#nowhere' in briefs/b.md",
        f"briefs/b.md:{B_TITLE}: warning: title 'Land Offer' is also used by briefs/a.md",
        f"briefs/b.md:{B_FIGURE}: warning: figure 'Net industrial  land offered' is 37{NBSP}km² "
        f"here but 37.3{NBSP}km² in briefs/a.md:{A_FIGURE.split(':')[0]}",
        "1 error, 4 warnings in 2 files.",
    ]
    assert "  hint: headings get ids from their text: '## Terms' is #terms" in lines


def test_a_clean_site_says_so_on_stdout(tmp_path: Path) -> None:
    site = write_site(tmp_path / "s", {"land-offer.md": GOOD_BRIEF})
    for args in ((), ("--strict",)):
        result = check(site, *args)
        assert result.returncode == 0
        assert result.stdout == "Checked 1 brief (0 drafts, 0 scheduled): no problems.\n"
        assert result.stderr == ""
    for style in ("github", "json"):
        result = check(site, "--format", style)
        assert result.returncode == 0
        assert result.stdout == ("[]\n" if style == "json" else "")


def test_github_format_prints_one_annotation_per_problem(mixed: Path) -> None:
    result = check(mixed, "--format", "github")
    assert result.returncode == 1
    assert result.stderr == ""
    assert result.stdout.splitlines() == [
        "::warning file=briefs/a.md,line=2,col=8::title 'Land offer' is also used by "
        "briefs/b.md (readers tell briefs apart by their titles; make each one distinct)",
        "::warning file=briefs/a.md,line=6,col=5::figure 'net industrial land offered' is "
        f"37.3{NBSP}km² here but 37{NBSP}km² in briefs/b.md:11 (check the source and make "
        "the briefs agree, or give the figures different labels if they measure different things)",
        "::error file=briefs/a.md,line=13,col=23::link 'b.md#nowhere': there is no heading or "
        "anchor '#nowhere' in briefs/b.md (headings get ids from their text: '## Terms' is "
        "#terms)",
        "::warning file=briefs/b.md,line=2,col=8::title 'Land Offer' is also used by "
        "briefs/a.md (readers tell briefs apart by their titles; make each one distinct)",
        "::warning file=briefs/b.md,line=11,col=5::figure 'Net industrial  land offered' is "
        f"37{NBSP}km² here but 37.3{NBSP}km² in briefs/a.md:6 (check the source and make "
        "the briefs agree, or give the figures different labels if they measure different things)",
    ]


def test_github_format_escapes_file_names_and_messages(tmp_path: Path) -> None:
    # A file name with ',' and a link with '%' must not break GitHub's command syntax.
    text = GOOD_BRIEF.replace("Text.", "See [x](missing%20brief.md).")
    site = write_site(tmp_path / "s", {"q1,2020.md": text})
    result = check(site, "--format", "github")
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "::error file=briefs/q1%2C2020.md,line=8,col=9::link 'missing%2520brief.md' leads "
        "to no brief (link to another brief by its file name, e.g. [offer](land-offer.md))"
    ]


def test_json_format_is_a_list_of_problems(mixed: Path) -> None:
    result = check(mixed, "--format", "json")
    assert result.returncode == 1
    assert result.stderr == ""
    problems = json.loads(result.stdout)
    assert isinstance(problems, list)
    assert len(problems) == 5
    for problem in problems:
        assert set(problem) == {"path", "line", "col", "severity", "message", "hint"}
        assert isinstance(problem["line"], int)
        assert isinstance(problem["col"], int)
        assert problem["severity"] in ("error", "warning")
    [error] = [p for p in problems if p["severity"] == "error"]
    assert error == {
        "path": "briefs/a.md",
        "line": 13,
        "col": 23,
        "severity": "error",
        "message": "link 'b.md#nowhere': there is no heading or anchor '#nowhere' in briefs/b.md",
        "hint": "headings get ids from their text: '## Terms' is #terms",
    }
    places = [(p["path"], p["line"], p["col"]) for p in problems]
    assert places == sorted(places)


def test_strict_fails_on_warnings_alone(warnings_only: Path) -> None:
    relaxed = check(warnings_only)
    assert relaxed.returncode == 0
    assert relaxed.stdout == ""
    assert relaxed.stderr.splitlines()[-1] == "0 errors, 4 warnings in 2 files."
    outputs = {}
    for style in ("text", "github", "json"):
        strict = check(warnings_only, "--format", style, "--strict")
        assert strict.returncode == 1, style
        outputs[style] = strict
    assert outputs["text"].stderr == relaxed.stderr
    assert outputs["github"].stdout.count("::warning ") == 4
    assert [p["severity"] for p in json.loads(outputs["json"].stdout)] == ["warning"] * 4


def test_check_does_not_touch_an_existing_site_folder(warnings_only: Path) -> None:
    build_here("--source", warnings_only, "--quiet")
    before = {
        p: (p.stat().st_mtime_ns, p.read_bytes())
        for p in (warnings_only / "site").rglob("*")
        if p.is_file()
    }
    assert run_build("check", "--source", warnings_only).returncode == 0
    (warnings_only / "briefs" / "c.md").write_text("---\ntitle: C\n---\n", encoding="utf-8")
    assert run_build("check", "--source", warnings_only).returncode == 1
    after = {
        p: (p.stat().st_mtime_ns, p.read_bytes())
        for p in (warnings_only / "site").rglob("*")
        if p.is_file()
    }
    assert after == before


def test_the_same_figure_written_the_same_way_is_not_a_warning(tmp_path: Path) -> None:
    other = GOOD_BRIEF.replace("Land offer", "Another brief").replace(
        "summary: Qingdao offers 37.3 km² of net industrial land.\n",
        "summary: Same land.\nfigures:\n  - label: Net industrial land\n    value: 37.30\n"
        "    unit: km2\n    source: press\n",
    )
    first = GOOD_BRIEF.replace(
        "summary: Qingdao offers 37.3 km² of net industrial land.\n",
        "summary: Land.\nfigures:\n  - label: net industrial land\n    value: 37.3\n"
        "    unit: km²\n    source: press\n",
    )
    site = write_site(tmp_path / "s", {"a.md": first, "b.md": other})
    result = check(site, "--strict")
    assert result.returncode == 0, result.stderr


def test_a_different_unit_for_the_same_figure_is_a_warning(tmp_path: Path) -> None:
    def with_figure(title: str, value: str, unit: str) -> str:
        return (
            f"---\ntitle: {title}\ndate: 2020-03-26\nsummary: S.\nfigures:\n"
            f"  - label: land\n    value: {value}\n    unit: {unit}\n    source: press\n"
            "---\nText.\n"
        )

    site = write_site(
        tmp_path / "s",
        {"a.md": with_figure("A", "37.3", "km²"), "b.md": with_figure("B", "37.3", "ha")},
    )
    result = check(site, "--format", "json")
    assert result.returncode == 0
    messages = {(p["path"], p["message"]) for p in json.loads(result.stdout)}
    assert messages == {
        ("briefs/a.md", f"figure 'land' is 37.3{NBSP}km² here but 37.3{NBSP}ha in briefs/b.md:6"),
        ("briefs/b.md", f"figure 'land' is 37.3{NBSP}ha here but 37.3{NBSP}km² in briefs/a.md:6"),
    }


def test_check_validates_drafts_front_matter_too(tmp_path: Path) -> None:
    broken_draft = "---\ntitle: Draft\ndate: March\nsummary: S.\ndraft: true\n---\nText.\n"
    site = write_site(tmp_path / "s", {"land-offer.md": GOOD_BRIEF, "draft.md": broken_draft})
    result = check(site, "--format", "json")
    assert result.returncode == 1
    [problem] = json.loads(result.stdout)
    assert (problem["path"], problem["line"], problem["col"]) == ("briefs/draft.md", 3, 7)
    assert problem["message"] == "'date' must be a date like 2020-03-26, got 'March'"


def test_check_lists_broken_links_and_front_matter_errors_in_one_run(tmp_path: Path) -> None:
    # An editor fixing a pull request should see every problem in every file at once: a
    # front-matter error in one brief must not hide a broken link in another.
    broken = "---\ntitle: Other\ndate: March\nsummary: S.\n---\nText.\n"
    linking = GOOD_BRIEF.replace("Text.", "See [it](land-ofer.md).")
    site = write_site(tmp_path / "s", {"land-offer.md": linking, "other.md": broken})
    result = check(site, "--format", "json")
    assert result.returncode == 1
    found = {(p["path"], p["line"], p["col"]) for p in json.loads(result.stdout)}
    assert ("briefs/other.md", 3, 7) in found
    assert ("briefs/land-offer.md", 8, 10) in found, f"the broken link is not reported: {found}"


def test_settings_problems_come_in_the_asked_format(tmp_path: Path) -> None:
    site = write_site(tmp_path / "s", {"land-offer.md": GOOD_BRIEF}, site_yml="title: T\n")
    text = run_build("check", cwd=site)
    assert text.returncode == 1
    assert text.stderr.startswith("site.yml:1:1: error: missing required field 'base_url'")
    as_json = run_build("check", "--format", "json", cwd=site)
    assert as_json.returncode == 1
    [problem] = json.loads(as_json.stdout)
    assert problem["path"] == "site.yml"
    assert problem["severity"] == "error"
    assert problem["message"] == "missing required field 'base_url'"
    github = run_build("check", "--format", "github", cwd=site)
    assert github.returncode == 1
    assert github.stdout.startswith("::error file=site.yml,line=1,col=1::missing required field")
    assert not (site / "site").exists()


def test_github_annotations_name_files_the_same_way_with_source(tmp_path: Path) -> None:
    # CI runs `check --source sites/q --format github` from the repository root; GitHub places
    # annotations by path from there. site.yml problems are named "sites/q/site.yml", so brief
    # problems must be "sites/q/briefs/x.md", not "briefs/x.md" (a file GitHub cannot find).
    repo = tmp_path / "repo"
    site = write_site(repo / "sites" / "q", {"x.md": "---\ntitle: X\ndate: March\n---\n"})
    (site / "site.yml").write_text("title: T\n", encoding="utf-8")
    settings = run_build("check", "--source", "sites/q", "--format", "github", cwd=repo)
    assert settings.stdout.startswith("::error file=sites/q/site.yml,")
    (site / "site.yml").write_text("title: T\nbase_url: https://example.org/\n", encoding="utf-8")
    briefs = run_build("check", "--source", "sites/q", "--format", "github", cwd=repo)
    assert briefs.returncode == 1
    files = {line.split(",", 1)[0] for line in briefs.stdout.splitlines()}
    assert files == {"::error file=sites/q/briefs/x.md"}, briefs.stdout
