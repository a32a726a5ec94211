"""The source line under a problem, with a caret under its column (text output only).

    briefs/x.md:5:9: error: 'status' must be one of ...
       5 | status: maybe
         |         ^

Columns count characters, as editors and `SourceFile.position` do; the caret is placed by the
width each character takes on a terminal, so wide (CJK) characters, tabs and escaped control
characters before it do not push it off its character. Expected lines here are written out by
hand, not computed.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from conftest import APPENDED_LINE, GOOD_BRIEF, REPO, SITE_YML, run_build, run_process, write_site

from briefsite.problems import error, warning
from briefsite.reporting import EXCERPT_CHARS, excerpt, report

MAYBE = """\
---
title: Land offer
date: 2020-03-26
summary: Qingdao offers land.
status: maybe
---
Text.
"""

STATUS_MESSAGE = (
    "briefs/x.md:5:9: error: 'status' must be one of 'in-force', 'proposed', 'expired', got 'maybe'"
)


def printed(problems, root: Path | None, stream: io.StringIO | None = None) -> str:
    """What `report` prints for these problems (paths relative to the working folder)."""
    stream = stream or io.StringIO()
    report(problems, stream, root)
    return stream.getvalue()


def test_a_bad_brief_shows_its_line_and_a_caret_through_the_command(tmp_path: Path) -> None:
    site = write_site(tmp_path / "s", {"x.md": MAYBE})
    result = run_process("--source", site)
    assert result.returncode == 1
    assert result.stderr == (
        f"{STATUS_MESSAGE}\n"
        "   5 | status: maybe\n"
        "     |         ^\n"
        "1 error, 0 warnings in 1 file.\n"
        f"Build failed; nothing was written to {site / 'site'}.\n"
    )


def test_paths_from_a_parent_folder_and_from_outside_find_the_same_line(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    write_site(repo / "sites" / "q", {"x.md": MAYBE})
    below = run_build("check", "--source", "sites/q", cwd=repo)
    assert below.stderr.splitlines()[:3] == [
        STATUS_MESSAGE.replace("briefs/", "sites/q/briefs/"),
        "   5 | status: maybe",
        "     |         ^",
    ]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    outside = run_build("check", "--source", repo / "sites" / "q", cwd=elsewhere)
    assert outside.stderr.splitlines()[:3] == [
        STATUS_MESSAGE,
        "   5 | status: maybe",
        "     |         ^",
    ]


def test_machine_readable_formats_have_no_excerpt(tmp_path: Path) -> None:
    site = write_site(tmp_path / "s", {"x.md": MAYBE})
    github = run_build("check", "--source", site, "--format", "github")
    assert github.stdout == (
        "::error file=briefs/x.md,line=5,col=9::'status' must be one of 'in-force', "
        "'proposed', 'expired', got 'maybe'\n"
    )
    assert github.stderr == ""
    as_json = run_build("check", "--source", site, "--format", "json")
    (problem,) = json.loads(as_json.stdout)
    assert problem["message"].endswith("got 'maybe'")
    assert "status: maybe" not in as_json.stdout


def test_a_caret_after_wide_chinese_characters_stays_under_its_character(tmp_path: Path) -> None:
    body = "## 条款\n\n青岛市的土地 see [旧](gone.md).\n"
    site = write_site(tmp_path / "s", {"x.md": GOOD_BRIEF + body})
    result = run_build("--source", site)
    # Column 16 is the "g" of gone.md, after 6 wide characters (12 terminal columns), " see "
    # (5) and "[旧](" (5, with its wide character).
    assert result.stderr.splitlines()[:3] == [
        "briefs/x.md:11:16: error: link 'gone.md' leads to no brief",
        "  11 | 青岛市的土地 see [旧](gone.md).",
        "     | " + " " * 22 + "^",
    ]


def test_a_tab_is_expanded_and_the_caret_follows_it() -> None:
    assert excerpt("\tx: [broken", 5) == ("    x: [broken", 7)
    assert excerpt("ab\tc", 4) == ("ab  c", 4)  # tab stops every 4 columns


def test_control_characters_are_escaped_and_the_caret_counts_the_escape() -> None:
    line = "title: \x1b]0;owned\x07 \x1b[31mred [x](gone.md)"
    shown, caret = excerpt(line, line.index("gone") + 1)
    assert shown == "title: \\x1b]0;owned\\x07 \\x1b[31mred [x](gone.md)"
    assert "\x1b" not in shown and "\x07" not in shown
    assert shown[caret:].startswith("gone.md")


def test_bidirectional_and_zero_width_characters_are_shown_escaped() -> None:
    shown, caret = excerpt("a\u202eb\u200bc", 5)
    assert shown == "a\\u202eb\\u200bc"
    assert shown[caret:] == "c"


def test_combining_marks_take_no_column() -> None:
    shown, caret = excerpt("cafe\u0301 x", 7)  # "x", the 7th character, is 5 columns in
    assert (shown, caret) == ("cafe\u0301 x", 5)


def test_a_caret_at_the_end_of_the_line_and_no_caret_without_a_column() -> None:
    assert excerpt("title: [", 9) == ("title: [", 8)
    assert excerpt("title: x", 0) == ("title: x", None)
    assert excerpt("title: x", 40) == ("title: x", None)  # past the end: no caret


def test_a_long_line_is_cut_to_a_window_around_the_caret() -> None:
    line = "a" * 150 + "X" + "b" * 150
    shown, caret = excerpt(line, 151)
    assert shown.startswith("...") and shown.endswith("...")
    assert len(shown) <= 100
    assert shown[caret] == "X"
    wide = "青" * 80 + "X"
    shown, caret = excerpt(wide, 81)
    assert shown.startswith("...") and shown.endswith("X")
    assert caret == len("...") + 2 * (len(shown) - len("...") - 1)


def test_a_line_longer_than_the_limit_is_not_shown() -> None:
    assert excerpt("x" * (EXCERPT_CHARS + 1), 3) is None


def test_a_missing_file_prints_the_problem_alone(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    problem = error("briefs/gone.md", 3, 2, "something", "a hint")
    assert printed([problem], tmp_path) == (
        "briefs/gone.md:3:2: error: something\n  hint: a hint\n1 error, 0 warnings in 1 file.\n"
    )


@pytest.mark.parametrize(
    "content",
    [b"line one\nline\x00two\nthree\n", b"x" * (EXCERPT_CHARS + 5) + b"\ntwo\n"],
    ids=["binary", "too-long"],
)
def test_unshowable_lines_print_the_problem_alone(tmp_path: Path, monkeypatch, content) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "f.md").write_bytes(content)
    problem = error("f.md", 2 if b"\x00" in content else 1, 2, "something")
    assert printed([problem], tmp_path) == (
        f"f.md:{problem.line}:2: error: something\n1 error, 0 warnings in 1 file.\n"
    )


def test_a_folder_named_as_the_file_prints_the_problem_alone(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "f.md").mkdir()
    assert printed([error("f.md", 1, 1, "something")], tmp_path).count("\n") == 2


def test_lines_are_numbered_as_the_build_numbers_them(tmp_path: Path, monkeypatch) -> None:
    # A BOM is dropped; CRLF and a lone CR end lines; bytes that are not UTF-8 show as U+FFFD.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "f.md").write_bytes(b"\xef\xbb\xbfone\r\ntwo\rthr\xffee\nfour")
    problems = [error("f.md", 1, 1, "a"), error("f.md", 3, 4, "b"), error("f.md", 4, 5, "c")]
    assert printed(problems, tmp_path).splitlines()[:9] == [
        "f.md:1:1: error: a",
        "   1 | one",
        "     | ^",
        "f.md:3:4: error: b",
        "   3 | thr\ufffdee",
        "     |    ^",
        "f.md:4:5: error: c",
        "   4 | four",
        "     |     ^",
    ]


def test_a_file_ending_in_a_line_break_has_an_empty_last_line(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "f.md").write_text("---\ntitle: x\n")
    (tmp_path / "g.md").write_text("---\ntitle: x")
    shown = printed([error("f.md", 3, 1, "end"), error("g.md", 3, 1, "none")], tmp_path)
    assert shown.splitlines()[:4] == [
        "f.md:3:1: error: end",
        "   3 |",
        "     | ^",
        "g.md:3:1: error: none",
    ]


def test_settings_problems_show_their_line_of_site_yml(tmp_path: Path) -> None:
    site = write_site(tmp_path / "s", {"x.md": GOOD_BRIEF}, SITE_YML + "language: [en\n")
    result = run_build("--source", site)
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert lines[0].startswith(f"site.yml:{APPENDED_LINE}:11: error: ")
    assert lines[1:3] == [f"{APPENDED_LINE:4} | language: [en", "     |           ^"]


class Terminal(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def test_on_a_terminal_the_caret_takes_the_severity_colour(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    (tmp_path / "f.md").write_text("one\ntwo\n")
    shown = printed(
        [error("f.md", 2, 2, "bad"), warning("f.md", 1, 3, "odd", "a hint")], tmp_path, Terminal()
    )
    assert shown.splitlines()[:7] == [
        "\x1b[1mf.md:1:3\x1b[0m: \x1b[1;33mwarning\x1b[0m: odd",
        "\x1b[1;34m   1 |\x1b[0m one",
        "\x1b[1;34m     |\x1b[0m   \x1b[1;33m^\x1b[0m",
        "\x1b[2m  hint: a hint\x1b[0m",
        "\x1b[1mf.md:2:2\x1b[0m: \x1b[1;31merror\x1b[0m: bad",
        "\x1b[1;34m   2 |\x1b[0m two",
        "\x1b[1;34m     |\x1b[0m  \x1b[1;31m^\x1b[0m",
    ]


def test_the_readme_example_is_what_a_build_prints(tmp_path: Path) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    example = readme.split("says\nwhat to do:\n\n```text\n", 1)[1].split("```", 1)[0]
    brief = (
        "---\ntitle: Qingdao offers land\ndate: 2020-04-07\nsummary: Qingdao offers land.\n"
        "status: maybe\n---\n## Terms\n\nThe offer.\n\n## Related\n\n"
        "See the [other offer](missing-brief.md).\n"
    )
    site = write_site(tmp_path / "s", {"land-offer.md": brief})
    result = run_build(cwd=site)
    assert result.returncode == 1
    assert result.stderr == example
