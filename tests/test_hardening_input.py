"""An attacker's trial: briefs, file names, symbolic links and git commits from a pull request.

Every example here once crashed a build, produced a site that was not what the build said it
was, or printed text that a terminal or GitHub Actions would obey. Each must now be a clear
`file:line:col` problem (exit status 1, no traceback, nothing written) or be shown escaped.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml
from conftest import APPENDED_LINE, GOOD_BRIEF, REPO, SITE_YML, run_build, write_site

from briefsite import schema
from briefsite.config import SiteConfig, load_config
from briefsite.formats import format_number, format_quantity
from briefsite.history import parse_log
from briefsite.pipeline import BuildOptions, build
from briefsite.problems import Problem, Severity, error, format_json
from briefsite.typography import typeset

TODAY = dt.date(2024, 5, 1)
EPOCH = "1714564800"  # 2024-05-01 12:00:00 UTC
NBSP = "\u00a0"
GIT = shutil.which("git")


def brief(extra: str = "", date: str = "2020-03-26", title: str = "Land offer") -> str:
    """A valid brief with extra front-matter lines after `summary:` (line 5 onwards)."""
    return (
        f"---\ntitle: {title}\ndate: {date}\nsummary: A summary.\n{extra}---\n## Terms\n\nText.\n"
    )


def figure(value: str) -> str:
    """Front matter for one figure whose value is written exactly as given (line 7, col 12)."""
    return f"figures:\n  - label: award\n    value: {value}\n    unit: yuan\n    source: x\n"


def config_for(site: Path) -> SiteConfig:
    config = load_config(site, site / "out")
    assert isinstance(config, SiteConfig), config
    return config


def problems(site: Path, **options: object) -> list[str]:
    """Every problem a build of `site` reports (as printed), building in memory on TODAY."""
    settings = BuildOptions(today=TODAY, git=False, **options)  # type: ignore[arg-type]
    return [p.format() for p in build(config_for(site), settings).problems]


def cli(
    *args: str | bytes | Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[bytes]:
    """`python build.py ARGS` with bytes out, so output that is not UTF-8 can be seen as such.

    Run in this process (`cli.main`, on TODAY) with streams made as Python makes a process's
    own: UTF-8, strict on stdout and backslashreplace on stderr; an argument given as bytes
    arrives as a process's `sys.argv` would hold it. With `env` (variables Python reads when it
    starts, such as PYTHONIOENCODING), a real process."""
    if env is not None:
        return subprocess.run(
            [
                sys.executable,
                str(REPO / "build.py"),
                *(a if isinstance(a, bytes) else str(a) for a in args),
            ],
            capture_output=True,
            cwd=REPO,
            env={**os.environ, "SOURCE_DATE_EPOCH": EPOCH, **env},
            timeout=120,
        )
    from briefsite import cli as command_line

    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="strict")
    err = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="backslashreplace")
    argv = [os.fsdecode(a) if isinstance(a, bytes) else str(a) for a in args]
    before = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = EPOCH
    try:
        with contextlib.chdir(REPO):
            status = command_line.main(argv, out, err)
    finally:
        if before is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = before
    out.flush()
    err.flush()
    return subprocess.CompletedProcess(
        argv,
        status,
        out.buffer.getvalue(),  # type: ignore[attr-defined]
        err.buffer.getvalue(),  # type: ignore[attr-defined]
    )


def fails_cleanly(result: subprocess.CompletedProcess[bytes]) -> str:
    """Exit status 1, no traceback, and output that is valid UTF-8; the text of stderr."""
    err = result.stderr.decode("utf-8")  # strict: raises on any byte that is not UTF-8
    result.stdout.decode("utf-8")
    assert result.returncode == 1, err
    assert "Traceback" not in err
    return err


# ----------------------------------------------------------------------- git dates past 9999


def git(repo: Path, *args: str, date: str = "2020-04-01T12:00:00+00:00") -> None:
    env = {
        **os.environ,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_AUTHOR_DATE": date,
        "GIT_COMMITTER_DATE": date,
    }
    subprocess.run(
        [str(GIT), "-c", "user.name=E", "-c", "user.email=e@example.org", *args],
        cwd=repo,
        env=env,
        check=True,
        capture_output=True,
    )


@pytest.mark.skipif(GIT is None, reason="needs git")
def test_a_commit_dated_after_year_9999_does_not_break_build_or_check(tmp_path: Path) -> None:
    site = write_site(tmp_path / "s", {"land-offer.md": GOOD_BRIEF, "b.md": brief(title="B")})
    git(site, "init", "-q", "-b", "main")
    git(site, "add", "-A")
    git(site, "commit", "-qm", "Add briefs")
    (site / "briefs" / "land-offer.md").write_text(GOOD_BRIEF + "\nMore.\n", encoding="utf-8")
    git(site, "commit", "-qam", "Edit", date="@253402300800 +0000")  # git says 10000-01-01
    built = cli("--source", site, "--quiet")
    assert built.returncode == 0, built.stderr.decode()
    sitemap = (site / "site" / "sitemap.xml").read_text(encoding="utf-8")
    assert "10000" not in sitemap
    # Commit dates never reach the sitemap: each brief's front-matter date does.
    assert "/briefs/b/</loc>\n<lastmod>2020-03-26</lastmod>" in sitemap
    assert "/briefs/land-offer/</loc>\n<lastmod>2020-03-26</lastmod>" in sitemap
    checked = cli("check", "--source", site)
    assert checked.returncode == 0, checked.stderr.decode()


def test_parse_log_skips_dates_it_cannot_read_and_dates_after_today() -> None:
    log = [
        "\x00commit 10000-01-01\n",
        "diff --git a/a.md b/a.md\n",
        "--- a/a.md\n",
        "+++ b/a.md\n",
        "@@ -5 +5 @@\n",
        "\x00commit 2030-01-01\n",
        "diff --git a/b.md b/b.md\n",
        "--- a/b.md\n",
        "+++ b/b.md\n",
        "@@ -5 +5 @@\n",
        "\x00commit not-a-date\n",
        "diff --git a/c.md b/c.md\n",
        "--- a/c.md\n",
        "+++ b/c.md\n",
        "\x00commit 2020-01-01\n",
        "diff --git a/a.md b/a.md\n",
        "--- a/a.md\n",
        "+++ b/a.md\n",
        "diff --git a/d.md b/d.md\n",
        "--- a/d.md\n",
        "+++ b/d.md\n",
        "@@ -1 +1 @@\n",
    ]
    found = parse_log(log, latest=TODAY)
    # a.md's newest commit has no readable date: no entry, and the 2020 commit does not stand in.
    assert sorted(found) == ["d.md"]
    assert found["d.md"].date == dt.date(2020, 1, 1)
    assert sorted(parse_log(log)) == ["b.md", "d.md"]  # without a today, 2030 is believed


# --------------------------------------------------------------------------- figure values


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1" + "0" * 400, "'figures[1].value' is too large to show: figures must be below"),
        ("1" + "0" * 5000, "'figures[1].value' is too large to show"),  # more than int() reads
        (str(10**309), "'figures[1].value' is too large to show: figures must be below"),
        ("1.0e+308", "'figures[1].value' is too large to show: figures must be below"),
        ("1000000000000000", "'figures[1].value' is too large to show: figures must be below"),
        ("-1.0e+15", "'figures[1].value' is too large to show: figures must be below"),
        ("0.0000000001", "'figures[1].value' is too small to show"),
        ("1.0e-300", "'figures[1].value' is too small to show"),
        ("0.1000000000000000001", "'figures[1].value' has 19 significant digits; the site "),
        ("123456789.1234567", "'figures[1].value' has 16 significant digits"),
    ],
)
def test_figure_values_the_site_cannot_show_exactly_are_refused(
    tmp_path: Path, value: str, message: str
) -> None:
    site = write_site(tmp_path / "s", {"a.md": brief(figure(value))})
    [found] = problems(site)
    assert found.startswith(f"briefs/a.md:7:12: error: {message}"), found


def test_huge_figures_fail_build_check_and_preview_builds_cleanly(tmp_path: Path) -> None:
    huge = brief(figure("1" + "0" * 400))
    site = write_site(
        tmp_path / "s", {"a.md": huge, "b.md": brief(figure(str(10**309)), title="B")}
    )
    for command in ("build", "check"):
        err = fails_cleanly(cli(command, "--source", site))
        assert "briefs/a.md:7:12: error: 'figures[1].value' is too large to show" in err
        assert "briefs/b.md:7:12: error: 'figures[1].value' is too large to show" in err
    # The preview builds drafts and future briefs with the same pipeline, without git.
    assert any("too large" in p for p in problems(site, drafts=True, future=True))
    assert not (site / "site").exists()


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("0.0000001", "0.0000001"),
        ("0.000000001", "0.000000001"),
        ("999999999999999", "999,999,999,999,999"),
        ("123456789012.345", "123,456,789,012.345"),
        ("0.30000000000000", "0.3"),
        ("-0.0", "0"),
        ("1_500_000", f"1.5{NBSP}million"),
        ("1.5e+9", f"1.5{NBSP}billion"),
    ],
)
def test_accepted_figures_are_shown_exactly_without_exponents(
    tmp_path: Path, value: str, shown: str
) -> None:
    site = write_site(tmp_path / "s", {"a.md": brief(figure(value))})
    result = build(config_for(site), BuildOptions(today=TODAY, git=False))
    assert result.ok, result.problems
    page = next(o for o in result.outputs if o.path == "briefs/a/index.html").data.decode()
    values = parse_values(page)
    # The key-figures box glues only number and scale word; the unit wraps as a word.
    assert values == [f"{shown} yuan"]


def parse_values(html: str) -> list[str]:
    from conftest import Page

    page = Page(html)
    return ["".join(e["text"]) for e in page.find_all("span", class_="key-figures__value")]  # type: ignore[arg-type]


def test_format_number_never_uses_an_exponent_or_invents_digits() -> None:
    assert format_number(1e-7) == "0.0000001"
    assert format_quantity(0.0000001, "yuan") == f"0.0000001{NBSP}yuan"
    assert format_number(123456789012.345) == "123,456,789,012.345"
    assert format_number(-0.0) == "0"
    assert format_number(0.1 + 0.2) == "0.30000000000000004"  # the float's own digits only
    assert format_number(0.0000001, "zh") == "0.0000001"


# ----------------------------------------------------------------- file names that are not UTF-8


def write_bytes_name(folder: Path, name: bytes, text: str) -> None:
    with open(os.path.join(os.fsencode(folder), name), "wb") as handle:
        handle.write(text.encode("utf-8"))


def test_a_file_name_that_is_not_utf8_is_refused_by_every_command(tmp_path: Path) -> None:
    site = write_site(
        tmp_path / "s",
        {"land-offer.md": GOOD_BRIEF},
        SITE_YML + "repo_url: https://github.com/example/briefs\n",
    )
    write_bytes_name(site / "briefs", b"\xff-offer.md", brief(title="Bad name"))
    os.mkdir(os.path.join(os.fsencode(site / "briefs"), b"sub\xfe"))
    strict = {"PYTHONIOENCODING": "utf-8:strict", "PYTHONUTF8": "1"}
    expected = (
        "briefs/\\xff-offer.md: error: file name is not valid UTF-8\n"
        "  hint: rename it, using only UTF-8 characters"
    )
    err = fails_cleanly(cli("--source", site, env=strict))
    assert expected in err
    assert "briefs/sub\\xfe: error: file name is not valid UTF-8" in err
    assert not (site / "site").exists()
    github = cli("check", "--source", site, "--format", "github", env=strict)
    fails_cleanly(github)
    assert (
        "::error file=briefs/\\xff-offer.md::file name is not valid UTF-8 "
        "(rename it, using only UTF-8 characters)"
    ) in github.stdout.decode("utf-8").splitlines()
    as_json = cli("check", "--source", site, "--format", "json", env=strict)
    fails_cleanly(as_json)
    paths = [p["path"] for p in json.loads(as_json.stdout.decode("utf-8"))]
    assert paths == ["briefs/\\xff-offer.md", "briefs/sub\\xfe"]


def test_printing_a_problem_never_fails_on_a_utf8_stream() -> None:
    problem = error("briefs/\udcff.md", 1, 2, "bad \ud800 text", "see \udcfe")
    for text in (problem.format(), problem.format_github(), format_json([problem])):
        text.encode("utf-8")  # no lone surrogate survives in any form
    assert problem.format() == "briefs/\\udcff.md:1:2: error: bad \\ud800 text\n  hint: see \\udcfe"
    assert json.loads(format_json([problem]))[0]["path"] == "briefs/\\udcff.md"


# -------------------------------------------------------------------------- max_brief_bytes


@pytest.mark.parametrize("limit", ["50000000000", "100000001", "1" + "0" * 5000])
def test_max_brief_bytes_is_bounded(tmp_path: Path, limit: str) -> None:
    site = write_site(
        tmp_path / "s", {"a.md": GOOD_BRIEF}, SITE_YML + f"max_brief_bytes: {limit}\n"
    )
    found = load_config(site)
    assert isinstance(found, list)
    [problem] = found
    assert (problem.path, problem.line, problem.col) == ("site.yml", APPENDED_LINE, 18)
    assert problem.message.startswith("'max_brief_bytes' ")
    assert "100,000,000" in problem.message or "too large" in problem.message


def test_max_brief_bytes_of_50_gigabytes_is_a_settings_error_on_the_command_line(
    tmp_path: Path,
) -> None:
    site = write_site(
        tmp_path / "s", {"a.md": GOOD_BRIEF}, SITE_YML + "max_brief_bytes: 50000000000\n"
    )
    err = fails_cleanly(cli("check", "--source", site))
    assert (
        f"site.yml:{APPENDED_LINE}:18: error: 'max_brief_bytes' must be at most 100,000,000, "
        "got 50,000,000,000" in err
    )


# --------------------------------------------------------------------------------- new


@pytest.mark.parametrize(
    ("title", "shown"),
    [
        (b"Bad \xff title", "U+DCFF, a lone surrogate"),
        (b"Bad \x7f title", "U+007F, a control character"),
        (b"Bad \x1b[2J title", "U+001B, a control character"),
    ],
)
def test_new_refuses_a_title_it_cannot_write_and_writes_nothing(
    tmp_path: Path, title: bytes, shown: str
) -> None:
    site = write_site(tmp_path / "s", {})
    err = fails_cleanly(cli("new", title, "--slug", "bad-title", "--source", site))
    assert f"error: 'title' contains a character that cannot be published ({shown})" in err
    assert "\x1b" not in err
    assert list((site / "briefs").iterdir()) == []


def test_new_refuses_what_would_not_build_and_writes_nothing(tmp_path: Path) -> None:
    site = write_site(tmp_path / "s", {})
    topics = [arg for n in range(21) for arg in ("--topic", f"Topic {n}")]
    err = fails_cleanly(cli("new", "Many topics", *topics, "--source", site))
    assert "error: 'topics' has 21 entries; at most 20 are allowed" in err
    long_title = "word " * 30
    err = fails_cleanly(cli("new", long_title, "--source", site))
    assert "cannot make an address from" in err and "at most 80" in err
    assert list((site / "briefs").iterdir()) == []


def test_new_writes_titles_with_yaml_line_breaks_exactly(tmp_path: Path) -> None:
    site = write_site(tmp_path / "s", {})
    title = "Line\u2028and paragraph\u2029separators"
    created = cli("new", title, "--slug", "separators", "--source", site)
    assert created.returncode == 0, created.stderr.decode()
    result = build(config_for(site), BuildOptions(today=TODAY, git=False, drafts=True))
    assert result.ok, result.problems
    assert [b.title for b in result.catalog.briefs] == [title]


# ------------------------------------------------------------- characters XML cannot hold


@pytest.mark.parametrize(
    ("escape", "shown"),
    [
        ("\\x01", "U+0001, a control character"),
        ("\\x7f", "U+007F, a control character"),
        ("\\e", "U+001B, a control character"),
        ("\\x9b", "U+009B, a control character"),
        ("\\N", "U+0085, a control character"),
        ("\\r", "U+000D, a control character"),
        ("\\uffff", "U+FFFF, a non-character"),
        ("\\ufffe", "U+FFFE, a non-character"),
    ],
)
@pytest.mark.parametrize(
    "field", ["title", "summary", "topics", "figures[1].label", "sources[1].url"]
)
def test_characters_pages_and_feeds_cannot_hold_are_refused(
    tmp_path: Path, escape: str, shown: str, field: str
) -> None:
    text = f'"x{escape}y"'
    head = {
        "title": f"title: {text}\ndate: 2020-03-26\nsummary: S.\n",
        "summary": f"title: T\ndate: 2020-03-26\nsummary: {text}\n",
        "topics": f"title: T\ndate: 2020-03-26\nsummary: S.\ntopics: [{text}]\n",
        "figures[1].label": (
            "title: T\ndate: 2020-03-26\nsummary: S.\nfigures:\n"
            f"  - label: {text}\n    value: 1\n    unit: u\n    source: s\n"
        ),
        "sources[1].url": (
            "title: T\ndate: 2020-03-26\nsummary: S.\nsources:\n"
            f'  - title: T\n    url: "https://example.org/{escape}"\n'
        ),
    }[field]
    content = f"---\n{head}---\nBody.\n"
    site = write_site(tmp_path / "s", {"a.md": content})
    [found] = problems(site)
    quote = content.index('"', content.index(text if field != "sources[1].url" else "url: "))
    line = content.count("\n", 0, quote) + 1
    col = quote - content.rfind("\n", 0, quote)
    name = "topics[1]" if field == "topics" else field
    assert found == (
        f"briefs/a.md:{line}:{col}: error: '{name}' contains a character that cannot be "
        f"published ({shown})\n  hint: delete it; in quoted YAML text it may come from an "
        "escape such as \\x1b"
    )


@pytest.mark.parametrize("kind", [schema.Text(), schema.Url()])
def test_lone_surrogates_are_refused_whichever_yaml_parser_is_used(kind: schema.Kind) -> None:
    # libyaml refuses a "\\ud800" escape itself; PyYAML's pure-Python parser builds it.
    node = yaml.ScalarNode("tag:yaml.org,2002:str", "")
    value, issues = kind.check("title", node, "https://example.org/\ud800")
    assert value is None
    assert [i.message for i in issues] == [
        "'title' contains a character that cannot be published (U+D800, a lone surrogate)"
    ]


def test_a_control_character_in_base_url_is_refused(tmp_path: Path) -> None:
    site = write_site(
        tmp_path / "s", {"a.md": GOOD_BRIEF}, 'title: T\nbase_url: "https://example.org/\\x01/"\n'
    )
    found = load_config(site)
    assert isinstance(found, list)
    assert [p.format().split("\n")[0] for p in found] == [
        "site.yml:2:11: error: 'base_url' contains a character that cannot be published "
        "(U+0001, a control character)"
    ]
    (site / "site.yml").write_text(SITE_YML, encoding="utf-8")
    override = cli("--source", site, "--base-url", "https://example.org/\x1b/")
    assert "U+001B, a control character" in fails_cleanly(override)


def test_feed_and_sitemap_stay_well_formed_xml_with_every_allowed_edge_character(
    tmp_path: Path,
) -> None:
    edge = "\\t<&>'\\\" \u00a0\ud7ff\ue000\ufffd\U00010000\U0010ffff\u2028\ufdd0 é 青岛"
    expected = "\t<&>'\" \u00a0\ud7ff\ue000\ufffd\U00010000\U0010ffff\u2028\ufdd0 é 青岛"
    content = (
        f'---\ntitle: "T {edge}"\ndate: 2020-03-26\n'
        f'summary: "Line one\\nline two {edge}"\ntopics: ["{edge}"]\n---\nBody.\n'
    )
    site = write_site(
        tmp_path / "s",
        {"a.md": content},
        "title: \"Site <&> \\t\u2028\"\nbase_url: https://example.org/a&b/'x'/é/\n"
        'description: "Edge \u00a0\U0010ffff"\n',
    )
    result = run_build("--source", site)
    assert result.returncode == 0, result.stderr
    atom = "{http://www.w3.org/2005/Atom}"
    feed = ET.parse(site / "site" / "feed.xml").getroot()
    entry = feed.find(f"{atom}entry")
    assert entry is not None
    # Titles and summaries are typeset (curly quotes); the topic, a key, is as written.
    assert entry.findtext(f"{atom}title") == typeset(f"T {expected}".strip())
    assert entry.findtext(f"{atom}summary") == typeset(f"Line one\nline two {expected}")
    assert [c.get("term") for c in entry.iter(f"{atom}category")] == [expected.strip()]
    sitemap = ET.parse(site / "site" / "sitemap.xml").getroot()
    locs = [e.text for e in sitemap.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert "https://example.org/a&b/'x'/é/briefs/a/" in locs


# ------------------------------------------------------------------- addresses that are too long


def test_a_300_character_slug_fails_check_not_halfway_through_build(tmp_path: Path) -> None:
    text = brief(f"slug: {'a' * 300}\n", title="Long")
    site = write_site(tmp_path / "s", {"land-offer.md": GOOD_BRIEF, "long.md": text})
    message = "briefs/long.md:5:7: error: 'slug' is 300 characters long; at most 80 are allowed"
    assert message in fails_cleanly(cli("check", "--source", site))
    assert message in fails_cleanly(cli("--source", site))
    assert not (site / "site").exists()


def test_a_long_file_name_without_a_slug_is_refused(tmp_path: Path) -> None:
    site = write_site(
        tmp_path / "s", {f"{'b' * 81}.md": brief(), f"{'c' * 80}.md": brief(title="C")}
    )
    assert problems(site) == [
        f"briefs/{'b' * 81}.md:1:1: error: the address made from the file name is 81 "
        "characters long; at most 80 are allowed\n"
        "  hint: add a shorter 'slug:' field, or shorten the file name"
    ]


def test_topics_whose_address_is_too_long_are_refused_at_the_topic(tmp_path: Path) -> None:
    chinese = "青" * 52  # qing-qing-... in pinyin: 259 characters
    latin = "x" * 81
    fits = "土" * 67  # tu-tu-...: 67 * 3 - 1 = 200 characters
    text = brief(f"topics:\n  - Land\n  - {chinese}\n  - {latin}\n  - {fits}\n")
    site = write_site(tmp_path / "s", {"a.md": text})
    found = problems(site)
    assert found == [
        f"briefs/a.md:7:5: error: topic '{chinese}' would need an address of 259 "
        "characters; at most 200 fit in a file name\n  hint: use a shorter topic name (names "
        "in Chinese take up to seven characters each, in pinyin)",
        "briefs/a.md:8:5: error: 'topics[3]' is 81 characters long; at most 80 are allowed\n"
        "  hint: shorten it",
    ]
    ok = write_site(tmp_path / "ok", {"a.md": brief(f"topics: [Land, {fits}]\n")})
    assert run_build("--source", ok).returncode == 0
    assert (ok / "site" / "topics" / "-".join(["tu"] * 67)).is_dir()


# ------------------------------------------------------------------------------ change notes


UPDATE = "updates:\n  - date: {date}\n    note: Changed.\n"  # the date is at line 6, col 11


@pytest.mark.parametrize(
    ("brief_date", "note_date", "message"),
    [
        (
            "2020-03-26",
            "9999-12-31",
            "change note dated 9999-12-31 is in the future (today is 2024-05-01)",
        ),
        (
            "2020-03-26",
            "2024-05-02",
            "change note dated 2024-05-02 is in the future (today is 2024-05-01)",
        ),
        (
            "2020-03-26",
            "2020-03-25",
            "change note dated 2020-03-25 is earlier than the brief's date, 2020-03-26",
        ),
        (
            "2025-01-01",
            "2025-01-02",
            "change note dated 2025-01-02 is later than the brief's date, 2025-01-01, for "
            "which it is scheduled",
        ),
    ],
)
def test_change_notes_must_fall_between_the_brief_date_and_today(
    tmp_path: Path, brief_date: str, note_date: str, message: str
) -> None:
    text = brief(UPDATE.format(date=note_date), date=brief_date)
    site = write_site(tmp_path / "s", {"a.md": text})
    [found] = problems(site, future=True)
    assert found.startswith(f"briefs/a.md:6:11: error: {message}\n  hint: "), found


@pytest.mark.parametrize(
    ("brief_date", "note_date"),
    [("2020-03-26", "2020-03-26"), ("2020-03-26", "2024-05-01"), ("2025-01-01", "2025-01-01")],
)
def test_change_notes_on_the_edges_are_accepted(
    tmp_path: Path, brief_date: str, note_date: str
) -> None:
    text = brief(UPDATE.format(date=note_date), date=brief_date)
    site = write_site(tmp_path / "s", {"a.md": text})
    assert problems(site, future=True) == []


def test_a_note_dated_9999_is_refused_by_the_command_line_build(tmp_path: Path) -> None:
    text = brief(UPDATE.format(date="9999-12-31"))
    site = write_site(tmp_path / "s", {"a.md": text})
    err = fails_cleanly(cli("--source", site))
    assert "briefs/a.md:6:11: error: change note dated 9999-12-31 is in the future" in err
    assert not (site / "site").exists()


# ------------------------------------------------------------------------------- list limits


@pytest.mark.parametrize(
    ("field", "item", "count", "limit"),
    [
        ("topics", "- Topic {n}", 21, 20),
        ("authors", "- Author {n}", 101, 100),
        ("figures", "- {{label: f{n}, value: 1, unit: u, source: s}}", 51, 50),
        ("sources", "- title: Source {n}", 101, 100),
        ("updates", "- {{date: 2020-03-26, note: n{n}}}", 101, 100),
    ],
)
def test_lists_are_limited(tmp_path: Path, field: str, item: str, count: int, limit: int) -> None:
    lines = "".join(f"  {item.format(n=n)}\n" for n in range(count))
    site = write_site(tmp_path / "s", {"a.md": brief(f"{field}:\n{lines}")})
    assert problems(site) == [
        f"briefs/a.md:6:3: error: '{field}' has {count} entries; at most {limit} are allowed\n"
        "  hint: keep the ones readers need most, or split the brief"
    ]
    allowed = "".join(f"  {item.format(n=n)}\n" for n in range(limit))
    ok = write_site(tmp_path / "ok", {"a.md": brief(f"{field}:\n{allowed}")})
    assert problems(ok) == []


def test_twenty_thousand_topics_make_one_error_not_twenty_thousand_pages(tmp_path: Path) -> None:
    topics = ", ".join(f"t{n}" for n in range(20_000))
    site = write_site(tmp_path / "s", {"a.md": brief(f"topics: [{topics}]\n")})
    err = fails_cleanly(cli("--source", site))
    assert "briefs/a.md:5:9: error: 'topics' has 20000 entries; at most 20 are allowed" in err
    assert not (site / "site").exists()


# ------------------------------------------------------------- text that terminals and CI obey


FORGED = (
    '"x\\n::error file=README.md,line=1::forged\\n::set-output name=ok::yes\\e[2J\\e]0;title\\a"'
)


def test_keys_and_file_names_cannot_forge_workflow_commands_or_terminal_escapes(
    tmp_path: Path,
) -> None:
    content = f"---\ntitle: T\ndate: 2020-03-26\nsummary: S.\n{FORGED}: 1\n---\nBody.\n"
    named = "evil\n::error file=x::forged\x1b[2J\x1b]0;pwned\x07"
    site = write_site(tmp_path / "s", {"a.md": content, f"{named}.md": "not front matter\n"})
    for args in (("check",), ("build",), ("check", "--format", "github")):
        result = cli(*args, "--source", site)
        fails_cleanly(result)
        out, err = result.stdout.decode(), result.stderr.decode()
        assert "\x1b" not in out + err and "\x07" not in out + err
        commands = [line for line in (out + err).splitlines() if line.startswith("::")]
        if "github" in args:
            # One command per problem, each on its own line, each about a brief.
            assert len(commands) == 2, out
            assert all(line.startswith("::error file=briefs/") for line in commands)
        else:
            assert commands == []
    text = fails_cleanly(cli("check", "--source", site))
    assert (
        "briefs/a.md:5:1: error: unknown field 'x\\n::error file=README.md,line=1::forged"
        "\\n::set-output name=ok::yes\\x1b[2J\\x1b]0;title\\x07'"
    ) in text
    assert (
        "briefs/evil\\n::error file=x::forged\\x1b[2J\\x1b]0;pwned\\x07.md: error: file name "
        "holds a control character (U+000A)"
    ) in text


def test_problem_text_escapes_controls_but_keeps_its_own_hint_line() -> None:
    problem = Problem("a\n.md", 2, 3, Severity.WARNING, "m\x1b[1m\u2028\x9b", "h\r\n\t")
    assert problem.format() == "a\\n.md:2:3: warning: m\\x1b[1m\\u2028\\x9b\n  hint: h\\r\\n\\t"
    assert problem.format_github() == (
        "::warning file=a%0A.md,line=2,col=3::m\\x1b[1m\\u2028\\x9b (h%0D%0A\\t)"
    )


# --------------------------------------------------------------------- what find_briefs reads


@pytest.mark.parametrize("name", ["notes.MD", "notes.Md", "notes.markdown", "notes.mdown"])
def test_markdown_files_not_ending_in_md_are_named_in_a_warning(tmp_path: Path, name: str) -> None:
    site = write_site(tmp_path / "s", {"land-offer.md": GOOD_BRIEF, name: brief(title="Other")})
    result = build(config_for(site), BuildOptions(today=TODAY, git=False))
    assert result.ok
    assert [p.format() for p in result.problems] == [
        f"briefs/{name}: warning: not read: only files ending in '.md' are briefs\n"
        "  hint: rename it to end in .md (notes.md) if it is a brief"
    ]
    assert [b.slug for b in result.catalog.briefs] == ["land-offer"]


def test_a_briefs_folder_that_is_a_symbolic_link_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.md").write_text(brief(title="Secret"), encoding="utf-8")
    site = write_site(tmp_path / "s", {})
    (site / "briefs").rmdir()
    os.symlink(outside, site / "briefs")
    err = fails_cleanly(cli("--source", site))
    assert (
        "briefs: error: the briefs folder is a symbolic link\n"
        "  hint: make 'briefs' a real folder holding the brief files"
    ) in err
    assert "Secret" not in err
    assert not (site / "site").exists()
