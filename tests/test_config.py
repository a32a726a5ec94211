"""`config.load_config`: site.yml to a `SiteConfig`, or problems at exact file:line:col."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import GOOD_BRIEF, SITE_YML, run_build

from briefsite.config import BUILTIN_TEMPLATES, SiteConfig, load_config
from briefsite.problems import error

BASE = "title: Test briefs\nbase_url: https://example.org/briefs-site/\n"


def site_yml(tmp_path, text):
    path = tmp_path / "site.yml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    # Problems name files relative to the site folder, site.yml as much as briefs.
    return "site.yml"


def problems_for(tmp_path, text):
    shown = site_yml(tmp_path, text)
    result = load_config(tmp_path)
    assert isinstance(result, list), result
    return shown, result


# ------------------------------------------------------------------ good settings


def test_minimal_settings_load_with_defaults(tmp_path):
    site_yml(tmp_path, BASE)
    config = load_config(tmp_path)
    assert isinstance(config, SiteConfig)
    assert (config.title, config.base_url) == ("Test briefs", "https://example.org/briefs-site/")
    assert (config.language, config.raw_html, config.broken_links) == ("en", "sanitize", "error")
    assert (config.latest_count, config.max_brief_bytes, config.directory_urls) == (
        10,
        2_000_000,
        True,
    )
    assert config.output == tmp_path / "site"
    assert config.briefs_dir == tmp_path / "briefs"
    assert config.template_dirs == (BUILTIN_TEMPLATES.resolve(),)


def test_base_url_gets_a_trailing_slash(tmp_path):
    site_yml(tmp_path, "title: T\nbase_url: https://example.org/briefs\n")
    assert load_config(tmp_path).base_url == "https://example.org/briefs/"


def test_site_templates_come_before_builtin_ones(tmp_path):
    site_yml(tmp_path, BASE)
    (tmp_path / "templates").mkdir()
    config = load_config(tmp_path)
    assert config.template_dirs == ((tmp_path / "templates").resolve(), BUILTIN_TEMPLATES)


def test_output_and_overrides_replace_settings(tmp_path):
    site_yml(tmp_path, BASE)
    config = load_config(
        tmp_path,
        tmp_path / "out",
        {"base_url": "https://staging.example.org", "directory_urls": False},
    )
    assert config.output == tmp_path / "out"
    assert (config.base_url, config.directory_urls) == ("https://staging.example.org/", False)


@pytest.mark.parametrize("choice", ["sanitize", "escape", "allow"])
def test_raw_html_accepts_each_choice(tmp_path, choice):
    site_yml(tmp_path, BASE + f"raw_html: {choice}\n")
    assert load_config(tmp_path).raw_html == choice


def test_bom_and_crlf_settings_load(tmp_path):
    site_yml(
        tmp_path, b"\xef\xbb\xbf" + (BASE + "raw_html: escape\n").encode().replace(b"\n", b"\r\n")
    )
    config = load_config(tmp_path)
    assert (config.title, config.raw_html) == ("Test briefs", "escape")


# ------------------------------------------------------------------ problems, placed


def test_missing_settings_file(tmp_path):
    assert load_config(tmp_path) == [
        error(
            "site.yml",
            0,
            0,
            f"site settings file not found in {tmp_path.resolve()}",
            "run this in the site folder or give it with --source DIR; in a new site, "
            "create site.yml with at least 'title:' and 'base_url:' (or run 'init')",
        )
    ]


def test_missing_title_is_placed_at_the_start(tmp_path):
    shown, problems = problems_for(tmp_path, "base_url: https://example.org/\n")
    assert problems == [
        error(
            shown,
            1,
            1,
            "missing required field 'title'",
            "the site's name, shown in every page header",
        )
    ]


def test_bad_base_url_is_placed_at_the_value(tmp_path):
    shown, problems = problems_for(tmp_path, "title: T\nbase_url: example.org\n")
    assert problems == [
        error(shown, 2, 11, "'base_url' must be a web address starting https://, got 'example.org'")
    ]


def test_unknown_key_is_placed_at_the_key_with_a_hint(tmp_path):
    shown, problems = problems_for(tmp_path, BASE + "langauge: en\n")
    assert problems == [error(shown, 3, 1, "unknown field 'langauge'", "did you mean 'language'?")]


def test_bad_raw_html_choice_names_the_choices(tmp_path):
    shown, problems = problems_for(tmp_path, BASE + "raw_html: html\n")
    assert problems == [
        error(shown, 3, 11, "'raw_html' must be one of 'sanitize', 'escape', 'allow', got 'html'")
    ]


def test_latest_count_below_one_is_refused(tmp_path):
    shown, problems = problems_for(tmp_path, BASE + "latest_count: 0\n")
    assert problems == [error(shown, 3, 15, "'latest_count' must be at least 1, got 0")]


def test_every_settings_problem_is_reported(tmp_path):
    _, problems = problems_for(tmp_path, "base_url: ftp://x\nraw_html: no\nfoo: 1\n")
    assert sorted((p.line, p.col, p.message) for p in problems) == [
        (1, 1, "missing required field 'title'"),
        (1, 11, "'base_url' must be a web address starting https://, got 'ftp://x'"),
        (2, 11, "'raw_html' must be one of 'sanitize', 'escape', 'allow', got False"),
        (3, 1, "unknown field 'foo'"),
    ]


@pytest.mark.parametrize("text", ["", "# nothing yet\n"])
def test_empty_settings_file(tmp_path, text):
    shown, problems = problems_for(tmp_path, text)
    assert problems == [
        error(shown, 1, 1, "site.yml is empty", "add at least 'title:' and 'base_url:'")
    ]


def test_yaml_error_in_settings_is_placed_at_its_own_line(tmp_path):
    shown, problems = problems_for(tmp_path, "title: T\nbase_url: [https://x\n")
    (problem,) = problems
    assert (problem.path, problem.line, problem.col) == (shown, 2, 11)
    assert problem.hint == "close it with ']' where it ends, and separate its items with commas"


def test_yaml_error_in_settings_does_not_call_it_front_matter(tmp_path):
    (problem,) = problems_for(tmp_path, "title: T\nbase_url: [https://x\n")[1]
    assert "front matter" not in problem.message


def test_list_as_settings_does_not_call_it_front_matter(tmp_path):
    (problem,) = problems_for(tmp_path, "- title: T\n")[1]
    assert (problem.line, problem.col) == (1, 1)
    assert "front matter" not in problem.message


def test_non_utf8_settings_file(tmp_path):
    shown, problems = problems_for(tmp_path, b"title: T\xff\n")
    assert problems == [
        error(
            shown,
            1,
            9,
            "file is not valid UTF-8: byte 0xff at offset 8",
            "save the file with UTF-8 encoding (most editors offer it under 'Save with encoding')",
        )
    ]


def test_settings_path_is_short_when_building_the_current_folder(tmp_path, monkeypatch):
    site_yml(tmp_path, "title: T\n")
    monkeypatch.chdir(tmp_path)
    (problem,) = load_config(Path.cwd())
    assert (problem.path, problem.line, problem.col) == ("site.yml", 1, 1)


def test_base_url_override_is_validated_like_site_yml(tmp_path):
    site_yml(tmp_path, BASE)
    result = load_config(tmp_path, None, {"base_url": "javascript:alert(1)"})
    assert isinstance(result, list)
    assert any("base_url" in p.message for p in result)


# ------------------------------------------------------------------ through the command line


def test_cli_reports_settings_problem_and_exits_1(make_site):
    site = make_site({"land-offer.md": GOOD_BRIEF}, site_yml="title: T\nbase_url: example.org\n")
    proc = run_build(cwd=site)
    assert proc.returncode == 1
    assert proc.stderr == (
        "site.yml:2:11: error: 'base_url' must be a web address starting https://, "
        "got 'example.org'\n"
        "   2 | base_url: example.org\n"
        "     |           ^\n"
        "1 error, 0 warnings in 1 file.\n"
    )
    assert not (site / "site").exists()


def test_cli_reports_missing_settings_file(tmp_path):
    (tmp_path / "briefs").mkdir()
    proc = run_build("build", "--source", tmp_path)
    assert proc.returncode == 1
    # It names the folder it looked in, and how to name another.
    assert proc.stderr == (
        f"site.yml: error: site settings file not found in {tmp_path.resolve()}\n"
        "  hint: run this in the site folder or give it with --source DIR; in a new site, "
        "create site.yml with at least 'title:' and 'base_url:' (or run 'init')\n"
        "1 error, 0 warnings in 1 file.\n"
    )


def test_cli_refuses_an_unsafe_base_url_option(make_site):
    site = make_site({"land-offer.md": GOOD_BRIEF}, site_yml=SITE_YML)
    proc = run_build("build", "--source", site, "--base-url", "javascript:alert(1)")
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert not (site / "site").exists()


def test_every_setting_is_declared_once_with_its_default():
    # Defaults live in SITE_FIELDS alone: SiteConfig declares the fields without defaults of
    # its own, so a default changed in one place cannot disagree with another.
    import dataclasses

    from briefsite.config import SITE_FIELDS

    fields = {f.name: f for f in dataclasses.fields(SiteConfig)}
    settings = [f.name for f in SITE_FIELDS]
    assert set(settings) <= set(fields)
    assert all(fields[name].default is dataclasses.MISSING for name in settings)
