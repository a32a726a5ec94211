"""Bad briefs, end to end: every problem in every file, exactly placed, and nothing written.

Each fixture in tests/fixtures/bad/ is one class of mistake. Tests copy fixtures into a real site
folder and build it, either through the command line (`cli.main`, for exit status and the printed
form; one in a real `python build.py` process) or through `pipeline.build` (for exact
`Problem`s).
"""

from __future__ import annotations

import os
import shutil

import pytest
from conftest import (
    FIXTURES,
    GOOD_BRIEF,
    build_here,
    run_build,
    run_process,
    site_files,
    snapshot,
    without_excerpts,
    write_site,
)

from briefsite.config import BUILTIN_TEMPLATES, SiteConfig, load_config
from briefsite.pipeline import build
from briefsite.problems import error

BAD = FIXTURES / "bad"
UTF8_HINT = "save the file with UTF-8 encoding (most editors offer it under 'Save with encoding')"
SLUG_CLASH_HINT = "give one of the briefs a different 'slug:' or file name"
STORED_AS = {"non-utf8.md": "non-utf8.bytes"}
OLD_TIME_NS = 1_000_000_000 * 1_000_000_000  # 2001-09-09: any rewrite would move it to "now"

# fixture name -> every problem it must produce: (line, col, message, hint)
EXPECTED: dict[str, list[tuple[int, int, str, str]]] = {
    "not-opened.md": [
        (
            1,
            1,
            "front matter not opened: the first line must be '---'",
            "did you forget to add '---' above 'title:'? See README, 'Writing a brief'",
        )
    ],
    "not-closed.md": [
        (
            1,
            1,
            "front matter opened on line 1 is never closed",
            "add a line with just '---' after the last front-matter field",
        )
    ],
    "empty.md": [
        (
            1,
            1,
            "file is empty",
            "start the file with a '---' line, the front-matter fields, another '---' line, "
            "then the text of the brief",
        )
    ],
    "non-utf8.md": [
        (3, 13, "file is not valid UTF-8: byte 0xff at offset 34", UTF8_HINT),
    ],
    "missing-summary.md": [
        (
            1,
            1,
            "missing required field 'summary'",
            "one or two sentences shown under the title and in lists",
        )
    ],
    "wrong-type-date.md": [
        (3, 7, "'date' must be a date like 2020-03-26, got 'March'", ""),
    ],
    "invalid-date.md": [
        (3, 7, "'date' must be a date like 2020-03-26, got '2020-02-30'", ""),
    ],
    "bad-status.md": [
        (5, 9, "'status' must be one of 'in-force', 'proposed', 'expired', got 'active'", ""),
    ],
    "unknown-key.md": [
        (5, 1, "unknown field 'topcs'", "did you mean 'topics'?"),
    ],
    "bad-slug.md": [
        (
            5,
            7,
            "'slug' must look like 'land-offer', got 'Land_Offer'",
            "use lowercase letters, digits and single hyphens",
        )
    ],
    "duplicate-key.md": [
        (5, 1, "'title' is given twice", ""),
    ],
    "alias.md": [
        (4, 10, "YAML aliases (*t) are not allowed in front matter", "write the value out in full"),
    ],
    "python-tag.md": [
        (
            4,
            10,
            "YAML tag '!!python/object/apply:os.system' is not allowed: "
            "front matter holds plain text, numbers and dates",
            "",
        )
    ],
    "bad-figures.md": [
        (
            7,
            12,
            "'figures[1].value' must be a number like 37.3, got 'big'",
            "write the unit in 'unit' and words like 'up to' in 'qualifier'",
        ),
        (10, 5, "missing required field 'figures[2].source'", "where the figure comes from"),
    ],
    "several-problems.md": [
        (
            1,
            1,
            "missing required field 'summary'",
            "one or two sentences shown under the title and in lists",
        ),
        (3, 7, "'date' must be a date like 2020-03-26, got 'March'", ""),
        (4, 1, "unknown field 'topcs'", "did you mean 'topics'?"),
        (5, 9, "'status' must be one of 'in-force', 'proposed', 'expired', got 'active'", ""),
    ],
}


def fixture_bytes(name):
    """A fixture's bytes. The invalid-UTF-8 one is stored as `.bytes`, because `ruff format`
    reads every `*.md` file under tests/ and stops at a file that is not UTF-8."""
    return (BAD / STORED_AS.get(name, name)).read_bytes()


def bad_site(make_site, *names, extra=None):
    """A real site whose briefs/ holds copies of these fixtures (plus any extra briefs)."""
    briefs = {name: fixture_bytes(name) for name in names}
    briefs.update(extra or {})
    return make_site(briefs)


def config_for(root):
    config = load_config(root)
    assert isinstance(config, SiteConfig), config
    return config


def expected_problems(name):
    return tuple(
        error(f"briefs/{name}", line, col, message, hint)
        for line, col, message, hint in EXPECTED[name]
    )


def printed(problem, text):
    """A problem as the command line prints it, for a file holding `text`: its message, the
    line it points at with a caret under the column, and its hint. (The fixtures' lines hold no
    tabs and no wide characters, so one character is one column; see tests/test_excerpt.py.)"""
    message, _, hint = problem.format().partition("\n")
    lines = text.split("\n")
    shown = [message]
    if 0 < problem.line <= len(lines):
        shown.append(f"{problem.line:>4} | {lines[problem.line - 1]}".rstrip())
        shown.append("     | " + " " * (problem.col - 1) + "^")
    return "\n".join(shown + ([hint] if hint else []))


def mtimes(folder):
    return {p.relative_to(folder).as_posix(): p.stat().st_mtime_ns for p in folder.rglob("*")}


def age(folder):
    """Set every file's modification time far in the past, so any rewrite shows."""
    for path in folder.rglob("*"):
        os.utime(path, ns=(OLD_TIME_NS, OLD_TIME_NS))


# ------------------------------------------------------------------ one fixture, one problem class


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_fixture_gives_exact_problems(make_site, name):
    result = build(config_for(bad_site(make_site, name)))
    assert result.problems == expected_problems(name)
    assert not result.ok
    assert result.outputs == ()


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_fixture_fails_cli_with_exit_1_and_writes_nothing(make_site, name):
    site = bad_site(make_site, name)
    proc = run_build("build", "--source", site)
    count = len(EXPECTED[name])
    text = fixture_bytes(name).decode("utf-8", "replace")
    lines = "".join(printed(p, text) + "\n" for p in expected_problems(name))
    assert proc.returncode == 1
    assert proc.stderr == (
        f"{lines}{count} error{'s' if count > 1 else ''}, 0 warnings in 1 file.\n"
        f"Build failed; nothing was written to {site / 'site'}.\n"
    )
    assert proc.stdout == ""
    assert not (site / "site").exists()


def test_wrong_type_date_prints_the_issue_example_line(make_site):
    proc = run_process("build", "--source", bad_site(make_site, "wrong-type-date.md"))
    assert proc.stderr.splitlines()[0] == (
        "briefs/wrong-type-date.md:3:7: error: 'date' must be a date like 2020-03-26, got 'March'"
    )


def test_unclosed_quote_is_placed_where_the_quote_opens(make_site):
    (problem,) = build(config_for(bad_site(make_site, "yaml-syntax.md"))).problems
    assert (problem.path, problem.line, problem.col) == ("briefs/yaml-syntax.md", 2, 8)
    assert problem.message == (
        'front matter is not valid YAML: the quote (") opened here is never closed; the parser '
        "stopped at line 5, column 1 (found unexpected end of stream)"
    )
    assert problem.hint == 'add the closing " where the value ends'


# The issue's example: a quote opened on line 7 and left open swallows the lines below it
# until the next quote (line 11), where YAML gives up.
RUNAWAY = """\
---
title: Land offer
date: 2020-04-07
topics: [Land]
authors: []
figures: []
summary: {q}Qingdao offers land
updates: []
sources: []
draft: false
slug: {q}land{q}
---
Body.
"""


def yaml_problem(make_site, text, name="a.md"):
    """The first problem `check` prints for a brief (a real process), and its hint."""
    result = run_build("check", "--source", make_site({name: text}))
    assert result.returncode == 1
    lines = without_excerpts(result.stderr)
    assert "Traceback" not in result.stderr
    return lines[0], lines[1]


@pytest.mark.parametrize("quote", ['"', "'"])
def test_a_quote_left_open_points_at_the_quote_not_where_yaml_gave_up(make_site, quote):
    line, hint = yaml_problem(make_site, RUNAWAY.format(q=quote))
    assert line.startswith(
        f"briefs/a.md:7:10: error: front matter is not valid YAML: the quote ({quote}) opened "
        "here runs on to line 11, column 8, where the parser stopped ("
    )
    assert (
        hint
        == f"  hint: close the quote on this line: a value in quotes ends only at the next {quote}"
    )


@pytest.mark.parametrize("quote", ['"', "'"])
def test_a_quote_never_closed_says_where_yaml_stopped(make_site, quote):
    text = RUNAWAY.format(q=quote).replace(f"slug: {quote}land{quote}", "slug: land")
    line, hint = yaml_problem(make_site, text)
    assert line == (
        f"briefs/a.md:7:10: error: front matter is not valid YAML: the quote ({quote}) opened "
        "here is never closed; the parser stopped at line 12, column 1 (found unexpected end "
        "of stream)"
    )
    assert hint == f"  hint: add the closing {quote} where the value ends"


@pytest.mark.parametrize(
    ("opened", "closer", "items"), [("[Land, Tax", "]", "items"), ("{a: b", "}", "pairs")]
)
def test_a_bracket_left_open_points_at_the_bracket(make_site, opened, closer, items):
    text = RUNAWAY.format(q="").replace("topics: [Land]", f"topics: {opened}")
    line, hint = yaml_problem(make_site, text)
    assert line.startswith(
        f"briefs/a.md:4:9: error: front matter is not valid YAML: the '{opened[0]}' opened here "
        "is not closed before line 5, column 8, where the parser stopped ("
    )
    assert (
        hint
        == f"  hint: close it with '{closer}' where it ends, and separate its {items} with commas"
    )


@pytest.mark.parametrize(
    ("value", "advice"),
    [
        ("'Qingdao's offer'", "inside '…' write an apostrophe as two (''), or put the value "
                              "in double quotes"),
        ('"He said "yes""', 'inside "…" write a quote as \\", or put the value in single quotes'),
    ],
)  # fmt: skip
def test_a_quote_inside_a_quoted_value_gets_a_hint_about_it(make_site, value, advice):
    text = RUNAWAY.format(q="").replace("summary: Qingdao offers land", f"summary: {value}")
    line, hint = yaml_problem(make_site, text)
    assert line.startswith("briefs/a.md:7:")
    assert hint == f"  hint: {advice}"


def test_a_quote_left_open_in_site_yml_points_at_the_quote(tmp_path):
    site = write_site(tmp_path / "s", {"a.md": GOOD_BRIEF}, site_yml=(
        'title: "Test briefs\nlicence: CC BY\nbase_url: "https://example.org/"\n'
    ))  # fmt: skip
    result = run_build("check", "--source", site)
    assert result.returncode == 1
    assert result.stderr.startswith(
        'site.yml:1:8: error: site.yml is not valid YAML: the quote (") opened here runs on to '
        "line 3, column 12, where the parser stopped ("
    )


def test_colon_in_plain_value_is_placed_at_yamls_own_position(make_site):
    (problem,) = build(config_for(bad_site(make_site, "colon-in-value.md"))).problems
    assert (problem.path, problem.line, problem.col) == ("briefs/colon-in-value.md", 4, 17)
    assert problem.message.startswith(
        "front matter is not valid YAML: mapping values are not allowed"
    )
    assert problem.hint == "put text that contains ': ' in quotes"


def test_tab_indent_is_placed_at_the_tab(make_site):
    (problem,) = build(config_for(bad_site(make_site, "tab-indent.md"))).problems
    assert (problem.path, problem.line, problem.col) == ("briefs/tab-indent.md", 6, 1)
    assert problem.message.startswith("front matter is not valid YAML: found character")


def test_tab_indent_hint_says_to_indent_with_spaces(make_site):
    (problem,) = build(config_for(bad_site(make_site, "tab-indent.md"))).problems
    assert problem.hint == "indent with spaces, not tabs"


def test_yaml_syntax_error_fails_cli_without_traceback(make_site):
    site = bad_site(make_site, "yaml-syntax.md")
    proc = run_build("build", "--source", site)
    assert proc.returncode == 1
    assert proc.stderr.startswith("briefs/yaml-syntax.md:2:8: error: front matter is not valid")
    assert "Traceback" not in proc.stderr
    assert not (site / "site").exists()


def test_python_tag_is_refused_and_never_run(make_site, monkeypatch):
    site = bad_site(make_site, "python-tag.md")
    monkeypatch.chdir(site)  # the tag's command would create ./pwned-by-briefsite
    result = build(config_for(site))
    assert result.problems == expected_problems("python-tag.md")
    proc = run_build("build", "--source", site, cwd=site)
    assert proc.returncode == 1
    assert "'!!python/object/apply:os.system' is not allowed" in proc.stderr
    assert not (site / "pwned-by-briefsite").exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read any file")
def test_unreadable_brief_is_reported_without_position(make_site):
    site = make_site({"locked.md": GOOD_BRIEF})
    (site / "briefs" / "locked.md").chmod(0)
    result = build(config_for(site))
    assert result.problems == (
        error("briefs/locked.md", 0, 0, "cannot read file: Permission denied"),
    )


def test_dangling_link_in_briefs_is_reported_not_read(make_site, tmp_path):
    site = make_site({"land-offer.md": GOOD_BRIEF})
    (site / "briefs" / "gone.md").symlink_to(tmp_path / "nowhere.md")
    result = build(config_for(site))
    assert result.problems == (
        error(
            "briefs/gone.md",
            0,
            0,
            "refusing to follow symbolic link: it points to a file that does not exist",
            "copy the file into the briefs folder instead of linking to it",
        ),
    )


# ------------------------------------------------------------------ every file, one run


MANY = (
    "wrong-type-date.md",
    "several-problems.md",
    "not-opened.md",
    "missing-summary.md",
    "bad-figures.md",
)


def test_one_run_reports_every_problem_in_every_file_sorted(make_site):
    site = bad_site(make_site, *MANY, extra={"land-offer.md": GOOD_BRIEF})
    proc = run_build("build", "--source", site)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert proc.stderr == (
        "briefs/bad-figures.md:7:12: error: 'figures[1].value' must be a number like 37.3, "
        "got 'big'\n"
        "   7 |     value: big\n"
        "     |            ^\n"
        "  hint: write the unit in 'unit' and words like 'up to' in 'qualifier'\n"
        "briefs/bad-figures.md:10:5: error: missing required field 'figures[2].source'\n"
        "  10 |   - label: award\n"
        "     |     ^\n"
        "  hint: where the figure comes from\n"
        "briefs/missing-summary.md:1:1: error: missing required field 'summary'\n"
        "   1 | ---\n"
        "     | ^\n"
        "  hint: one or two sentences shown under the title and in lists\n"
        "briefs/not-opened.md:1:1: error: front matter not opened: the first line must be '---'\n"
        "   1 | title: Land offer\n"
        "     | ^\n"
        "  hint: did you forget to add '---' above 'title:'? See README, 'Writing a brief'\n"
        "briefs/several-problems.md:1:1: error: missing required field 'summary'\n"
        "   1 | ---\n"
        "     | ^\n"
        "  hint: one or two sentences shown under the title and in lists\n"
        "briefs/several-problems.md:3:7: error: 'date' must be a date like 2020-03-26, "
        "got 'March'\n"
        "   3 | date: March\n"
        "     |       ^\n"
        "briefs/several-problems.md:4:1: error: unknown field 'topcs'\n"
        "   4 | topcs: [Land]\n"
        "     | ^\n"
        "  hint: did you mean 'topics'?\n"
        "briefs/several-problems.md:5:9: error: 'status' must be one of 'in-force', "
        "'proposed', 'expired', got 'active'\n"
        "   5 | status: active\n"
        "     |         ^\n"
        "briefs/wrong-type-date.md:3:7: error: 'date' must be a date like 2020-03-26, "
        "got 'March'\n"
        "   3 | date: March\n"
        "     |       ^\n"
        "9 errors, 0 warnings in 5 files.\n"
        f"Build failed; nothing was written to {site / 'site'}.\n"
    )
    assert not (site / "site").exists()


def test_api_collects_problems_of_all_files_in_sorted_order(make_site):
    site = bad_site(make_site, *MANY)
    result = build(config_for(site))
    expected = [p for name in sorted(MANY) for p in expected_problems(name)]
    assert list(result.problems) == expected


# ------------------------------------------------------------------ two briefs, one slug

OTHER_WITH_SLUG = """\
---
title: Other offer
date: 2020-03-27
summary: Another offer.
slug: land-offer
---
Body.
"""


def test_duplicate_slug_names_both_files_at_each_slug_position(make_site):
    site = make_site({"land-offer.md": GOOD_BRIEF, "other.md": OTHER_WITH_SLUG})
    result = build(config_for(site))
    assert result.problems == (
        error(
            "briefs/land-offer.md",
            1,
            1,
            "slug 'land-offer' is also used by briefs/other.md",
            SLUG_CLASH_HINT,
        ),
        error(
            "briefs/other.md",
            5,
            7,
            "slug 'land-offer' is also used by briefs/land-offer.md",
            SLUG_CLASH_HINT,
        ),
    )


def test_duplicate_slug_fails_cli_and_writes_nothing(make_site):
    site = make_site({"land-offer.md": GOOD_BRIEF, "other.md": OTHER_WITH_SLUG})
    proc = run_build("build", "--source", site)
    assert proc.returncode == 1
    assert proc.stderr == (
        "briefs/land-offer.md:1:1: error: slug 'land-offer' is also used by briefs/other.md\n"
        "   1 | ---\n"
        "     | ^\n"
        f"  hint: {SLUG_CLASH_HINT}\n"
        "briefs/other.md:5:7: error: slug 'land-offer' is also used by briefs/land-offer.md\n"
        "   5 | slug: land-offer\n"
        "     |       ^\n"
        f"  hint: {SLUG_CLASH_HINT}\n"
        "2 errors, 0 warnings in 2 files.\n"
        f"Build failed; nothing was written to {site / 'site'}.\n"
    )
    assert not (site / "site").exists()


def test_duplicate_slug_is_reported_with_front_matter_errors_in_one_run(make_site):
    site = bad_site(
        make_site,
        "wrong-type-date.md",
        extra={"land-offer.md": GOOD_BRIEF, "other.md": OTHER_WITH_SLUG},
    )
    result = build(config_for(site))
    assert [(p.path, p.line, p.col) for p in result.problems] == [
        ("briefs/land-offer.md", 1, 1),
        ("briefs/other.md", 5, 7),
        ("briefs/wrong-type-date.md", 3, 7),
    ]


# ------------------------------------------------------------------ encodings and line endings

RICH_BRIEF = """\
---
title: Land offer
date: 2020-03-26
summary: Qingdao offers 37.3 km² of net industrial land.
topics: [Land and planning]
---
## Terms

A paragraph that runs
over two lines.

- first item
- second item

```
code line one
code line two
```
"""


def own_templates(site, source=BUILTIN_TEMPLATES):
    """Give the site its own copy of the templates, so builds compared with each other do not
    depend on the shared built-in folder staying the same between them."""
    shutil.copytree(source, site / "templates")


def built_pages(site):
    proc = run_build("build", "--source", site)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    return site_files(site / "site")


def test_bom_and_crlf_brief_builds_the_same_site_as_lf(make_site):
    plain = make_site({"land-offer.md": RICH_BRIEF})
    windows = make_site(
        {"land-offer.md": b"\xef\xbb\xbf" + RICH_BRIEF.replace("\n", "\r\n").encode("utf-8")}
    )
    own_templates(plain)
    own_templates(windows, plain / "templates")
    expected = built_pages(plain)
    assert "briefs/land-offer/index.html" in expected
    assert b"\r" not in expected["briefs/land-offer/index.html"]
    assert built_pages(windows) == expected


def test_mixed_line_endings_build_the_same_site_as_lf(make_site):
    lines = RICH_BRIEF.split("\n")
    endings = ("\r\n", "\n", "\r")
    mixed = "".join(line + endings[i % 3] for i, line in enumerate(lines[:-1]))
    plain = make_site({"land-offer.md": RICH_BRIEF})
    other = make_site({"land-offer.md": mixed.encode("utf-8")})
    own_templates(plain)
    own_templates(other, plain / "templates")
    assert built_pages(other) == built_pages(plain)


def test_crlf_and_bom_keep_problem_positions(make_site):
    data = fixture_bytes("wrong-type-date.md")
    windows = b"\xef\xbb\xbf" + data.replace(b"\n", b"\r\n")
    site = make_site({"wrong-type-date.md": windows})
    assert build(config_for(site)).problems == expected_problems("wrong-type-date.md")


def test_nfd_file_name_gets_ascii_slug(make_site):
    site = make_site({"cafe\u0301.md": GOOD_BRIEF})
    proc = run_build("build", "--source", site)
    assert proc.returncode == 0, proc.stderr
    assert (site / "site" / "briefs" / "cafe" / "index.html").is_file()


def test_link_typed_in_nfc_reaches_brief_with_nfd_file_name(make_site):
    linking = GOOD_BRIEF.replace("Text.", "See [the café brief](caf\u00e9.md).")
    site = make_site({"cafe\u0301.md": GOOD_BRIEF, "other.md": linking})
    result = build(config_for(site))
    assert result.problems == ()


# ------------------------------------------------------------------ the old site survives


def test_failed_build_keeps_old_site_bytes_and_mtimes(make_site):
    site = make_site(
        {
            "land-offer.md": GOOD_BRIEF,
            "other.md": OTHER_WITH_SLUG.replace("slug: land-offer", "slug: other-offer"),
        }
    )
    out = site / "site"
    build_here("build", "--source", site, "--quiet")  # the old site
    age(out)
    before, times = snapshot(out), mtimes(out)
    (site / "briefs" / "land-offer.md").write_bytes(fixture_bytes("wrong-type-date.md"))
    proc = run_build("build", "--source", site)
    assert proc.returncode == 1
    assert proc.stderr.endswith(f"Build failed; nothing was written to {out}.\n")
    assert "briefs/land-offer.md:3:7: error: 'date' must be a date" in proc.stderr
    assert snapshot(out) == before
    assert mtimes(out) == times
    assert "briefs/land-offer/index.html" in before


def test_unchanged_rebuild_rewrites_no_file(make_site):
    site = make_site({"land-offer.md": GOOD_BRIEF})
    own_templates(site)
    out = site / "site"
    build_here("build", "--source", site, "--quiet")  # the old site
    age(out)
    before, times = snapshot(out), mtimes(out)
    proc = run_build("build", "--source", site)
    assert proc.returncode == 0, proc.stderr
    files = len(before) - 1  # every file but the .briefsite marker is a built output
    assert f": 0 written, {files} unchanged, 0 removed." in proc.stdout
    assert snapshot(out) == before
    assert mtimes(out) == times


def test_rebuild_rewrites_only_the_changed_page(make_site):
    other = OTHER_WITH_SLUG.replace("slug: land-offer", "slug: other-offer")
    site = make_site({"land-offer.md": GOOD_BRIEF, "other.md": other})
    own_templates(site)
    out = site / "site"
    build_here("build", "--source", site, "--quiet")  # the old site
    age(out)
    before, times = snapshot(out), mtimes(out)
    changed = other.replace("Body.", "A new body.")
    (site / "briefs" / "other.md").write_text(changed, encoding="utf-8")
    assert run_build("build", "--source", site).returncode == 0
    after = snapshot(out)
    assert after["briefs/other-offer/index.html"] != before["briefs/other-offer/index.html"]
    assert mtimes(out)["briefs/other-offer/index.html"] != OLD_TIME_NS
    assert after["briefs/land-offer/index.html"] == before["briefs/land-offer/index.html"]
    assert mtimes(out)["briefs/land-offer/index.html"] == times["briefs/land-offer/index.html"]
