"""Control characters and noncharacters pasted into a brief's text: HTML forbids them (every
browser's parser and the Nu checker report them), editors cannot see them, and \\x02/\\x03 are
Python-Markdown's own placeholder marks. Each is an error at its place, in one run."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import GOOD_BRIEF, run_build, without_excerpts, write_site

# GOOD_BRIEF's body is "## Terms", an empty line and "Text." on line 8.
BODY_LINE = 8


@pytest.mark.parametrize(
    "character", ["\x00", "\x01", "\x02", "\x03", "\x0b", "\x0c", "\x1b", "\x7f", "\x85", "\x9f",
                  "\ufdd0", "\uffff", "\U0010ffff"],
)  # fmt: skip
def test_an_invisible_character_in_the_text_is_an_error_at_its_place(
    tmp_path: Path, character: str
) -> None:
    brief = GOOD_BRIEF.replace("Text.", f"Te{character}xt.")
    site = write_site(tmp_path / "s", {"a.md": brief})
    result = run_build("--source", site)
    assert result.returncode == 1
    code = f"U+{ord(character):04X}"
    assert f"briefs/a.md:{BODY_LINE}:3: error: invisible character {code} in the text" in (
        without_excerpts(result.stderr)
    ), result.stderr
    assert not (site / "site").exists()


def test_tabs_line_breaks_and_ordinary_unicode_are_not_invisible(tmp_path: Path) -> None:
    brief = GOOD_BRIEF.replace(
        "Text.", "Te\txt\r\nwith 37.3\u00a0km\u00b2, \u201cquotes\u201d, 工业用地 and \U0001f4c8."
    )
    site = write_site(tmp_path / "s", {"a.md": brief})
    result = run_build("--source", site)
    assert result.returncode == 0, result.stderr
    page = (site / "site" / "briefs" / "a" / "index.html").read_text(encoding="utf-8")
    assert "工业用地" in page


def test_every_one_is_reported_with_the_front_matter_problems_and_a_long_run_is_cut_short(
    tmp_path: Path,
) -> None:
    bad_status = GOOD_BRIEF.replace("summary:", "status: maybe\nsummary:")
    brief = bad_status.replace("Text.", "A\x01B\x01C.\n\n" + "\x0b" * 30)
    site = write_site(tmp_path / "s", {"a.md": brief})
    lines = without_excerpts(run_build("--source", site).stderr)
    invisible = [line for line in lines if "invisible character" in line]
    line = BODY_LINE + 1
    assert invisible[:2] == [
        f"briefs/a.md:{line}:2: error: invisible character U+0001 in the text",
        f"briefs/a.md:{line}:4: error: invisible character U+0001 in the text",
    ]
    assert len(invisible) == 21
    assert (
        invisible[-1]
        == f"briefs/a.md:{line + 2}:19: error: 12 more invisible characters after this"
    )
    assert any("'status'" in line for line in lines), lines  # the front matter's, in the same run


def test_a_standalone_page_is_held_to_the_same_rule(tmp_path: Path) -> None:
    site = write_site(tmp_path / "s", {"a.md": GOOD_BRIEF})
    (site / "pages").mkdir()
    (site / "pages" / "about.md").write_text("---\ntitle: About\n---\nAb\x1bout.\n", "utf-8")
    result = run_build("--source", site)
    assert result.returncode == 1
    expected = "pages/about.md:4:3: error: invisible character U+001B in the text"
    assert expected in without_excerpts(result.stderr), result.stderr


def test_a_brief_with_no_text_is_not_searched_from_its_first_line(tmp_path: Path) -> None:
    # The body starts past the file's end: nothing is searched, not the front matter (where
    # YAML takes U+0085 as a line break and reports what it refuses itself).
    brief = GOOD_BRIEF.split("## Terms")[0].rstrip("\n").replace("Qingdao", "Qing\x85dao")
    site = write_site(tmp_path / "s", {"a.md": brief})
    result = run_build("--source", site)
    assert "invisible character" not in result.stderr, result.stderr
