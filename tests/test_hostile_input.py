"""Hostile and broken input: clear errors, nothing executed, nothing leaked, site/ kept."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from conftest import (
    APPENDED_LINE,
    GOOD_BRIEF,
    SEARCH_SITE_YML,
    SITE_YML,
    build_here,
    cpu_time,
    parse,
    published_asset,
    run_build,
    snapshot,
    write_site,
)


def brief(**fields: str) -> str:
    """A valid brief with some front-matter lines replaced or added."""
    base = {"title": "Land offer", "date": "2020-03-26", "summary": "A summary."}
    base.update(fields)
    head = "".join(f"{k}: {v}\n" for k, v in base.items())
    return f"---\n{head}---\n## Terms\n\nText.\n"


@pytest.fixture
def built(tmp_path: Path) -> Path:
    """A site that has been built once successfully, to prove failures leave it alone."""
    site = write_site(tmp_path / "s", {"land-offer.md": GOOD_BRIEF})
    build_here("--source", site, "--quiet")
    return site


def fails_keeping_site(site: Path) -> str:
    """Build, expect exit 1 with no traceback and site/ untouched; return stderr."""
    before = snapshot(site / "site")
    result = run_build("--source", site)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert snapshot(site / "site") == before
    return result.stderr


def test_symlink_to_a_file_outside_briefs_is_refused(built: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.md"
    secret.write_text(brief(title="Secret"))
    os.symlink(secret, built / "briefs" / "leak.md")
    err = fails_keeping_site(built)
    assert (
        "briefs/leak.md: error: refusing to follow symbolic link: it points outside the "
        "briefs folder" in err
    )
    assert "Secret" not in err


def test_symlinked_folder_outside_briefs_is_refused(built: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "x.md").write_text(brief(title="Outside"))
    os.symlink(outside, built / "briefs" / "more")
    err = fails_keeping_site(built)
    assert "briefs/more: error: refusing to follow symbolic link: it points outside" in err


def test_symlink_loop_is_refused(built: Path) -> None:
    os.symlink(built / "briefs" / "loop-b", built / "briefs" / "loop-a")
    os.symlink(built / "briefs" / "loop-a", built / "briefs" / "loop-b")
    err = fails_keeping_site(built)
    assert (
        "briefs/loop-a: error: refusing to follow symbolic link: it is part of a link loop" in err
    )


def test_symlink_inside_briefs_is_followed_once(tmp_path: Path) -> None:
    site = write_site(tmp_path / "s", {"sub/land-offer.md": GOOD_BRIEF})
    os.symlink(site / "briefs" / "sub", site / "briefs" / "alias")
    result = run_build("--source", site)
    # The same real folder is read once, so its brief does not clash with itself.
    assert result.returncode == 0, result.stderr
    assert (site / "site" / "briefs" / "land-offer" / "index.html").is_file()


def test_oversized_brief_names_the_limit_and_the_setting(built: Path) -> None:
    (built / "briefs" / "big.md").write_text(brief() + "x" * 2_000_001)
    err = fails_keeping_site(built)
    assert (
        "briefs/big.md: error: file is larger than the limit of 2,000,000 bytes\n"
        "  hint: split the brief, or raise 'max_brief_bytes' in site.yml"
    ) in err


def test_size_limit_is_configurable(tmp_path: Path) -> None:
    site = write_site(
        tmp_path / "s", {"land-offer.md": GOOD_BRIEF}, SITE_YML + "max_brief_bytes: 50\n"
    )
    result = run_build("--source", site)
    assert result.returncode == 1
    assert "larger than the limit of 50 bytes" in result.stderr


def test_alias_bomb_is_rejected_quickly(built: Path) -> None:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        prev = f"*a{i - 1}"
        lines.append(f"a{i}: &a{i} [{', '.join([prev] * 9)}]")
    (built / "briefs" / "bomb.md").write_text("---\n" + "\n".join(lines) + "\n---\n")
    started = cpu_time()
    err = fails_keeping_site(built)
    assert cpu_time() - started < 30  # a real expansion would take minutes and GBs
    assert "briefs/bomb.md:3:10: error: YAML aliases (*a0) are not allowed in front matter" in err


def test_deep_nesting_is_rejected(built: Path) -> None:
    (built / "briefs" / "deep.md").write_text("---\ntitle: " + "[" * 5000 + "\n---\n")
    err = fails_keeping_site(built)
    assert "briefs/deep.md:2:" in err and "nested too deeply" in err


def test_python_tag_is_refused_and_not_executed(built: Path, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    (built / "briefs" / "evil.md").write_text(
        f'---\ntitle: !!python/object/apply:os.system ["touch {marker}"]\n---\n'
    )
    err = fails_keeping_site(built)
    assert (
        "briefs/evil.md:2:8: error: YAML tag '!!python/object/apply:os.system' is not allowed"
    ) in err
    assert not marker.exists()


@pytest.mark.parametrize(
    ("slug", "shown"),
    [
        ("../../etc", "'../../etc'"),
        ("a/b", "'a/b'"),
        ("'a\\\\b'", "'a\\\\\\\\b'"),
        ("/abs", "'/abs'"),
        ("'..'", "'..'"),
    ],
)
def test_unsafe_slugs_are_refused(built: Path, slug: str, shown: str) -> None:
    (built / "briefs" / "bad.md").write_text(brief(slug=slug))
    err = fails_keeping_site(built)
    assert f"briefs/bad.md:5:7: error: 'slug' must look like 'land-offer', got {shown}" in err


def test_file_name_that_cleans_to_nothing_asks_for_a_slug(built: Path) -> None:
    # (A Chinese name is spelt in pinyin; Cyrillic has no spelling in Latin letters here.)
    (built / "briefs" / "Москва.md").write_text(brief())
    err = fails_keeping_site(built)
    assert "briefs/Москва.md:1:1: error: cannot make an address from the file name 'Москва'" in err
    assert "add a 'slug:' field" in err


def test_nfd_file_name_gives_an_nfc_ascii_slug(tmp_path: Path) -> None:
    site = write_site(tmp_path / "s", {"Cafe\u0301 Offer.md": GOOD_BRIEF})
    assert run_build("--source", site).returncode == 0
    assert (site / "site" / "briefs" / "cafe-offer" / "index.html").is_file()


HOSTILE = '"<script>alert(1)</script><img src=x onerror=alert(2)>"'


# The templates' own scripts, on the search page only: Pagefind's UI and what starts it.
OWN_SCRIPTS = {
    ("search/index.html", "../pagefind/pagefind-ui.js"),
    ("search/index.html", f"../assets/{published_asset('search.js')}"),
}


def scripts_in(folder: Path) -> list[str]:
    """Every executable thing in the built HTML, found by parsing it as a browser would:
    script elements (but the search page's own), on* event-handler attributes, and
    javascript: URLs. A brief page's JSON-LD (`<script type="application/ld+json">` holding
    JSON) is data, which browsers never run; text that broke out of it would be a script
    element of its own."""
    found = []
    for page in sorted(folder.rglob("*.html")):
        doc = parse(page)
        for element in doc.elements:
            attrs: dict[str, str | None] = element["attrs"]  # type: ignore[assignment]
            if element["tag"] == "script" and attrs == {"type": "application/ld+json"}:
                json.loads("".join(element["text"]))  # type: ignore[arg-type]
                continue
            own = (page.relative_to(folder).as_posix(), attrs.get("src")) in OWN_SCRIPTS
            if element["tag"] in ("script", "iframe", "object", "embed") and not own:
                found.append(f"{page}: <{element['tag']}>")
            for name, value in attrs.items():
                if name.startswith("on"):
                    found.append(f"{page}: {name}=")
                if (value or "").strip().lower().startswith("javascript:"):
                    found.append(f"{page}: {name}={value}")
    return found


def test_script_in_front_matter_is_escaped_everywhere(tmp_path: Path) -> None:
    hostile = (
        "---\n"
        f"title: {HOSTILE}\n"
        "date: 2020-03-26\n"
        f"summary: {HOSTILE}\n"
        f"topics: [{HOSTILE}]\n"
        f"issuing_body: {HOSTILE}\n"
        "figures:\n"
        f"  - label: {HOSTILE}\n"
        "    value: 1\n"
        f"    unit: {HOSTILE}\n"
        f"    qualifier: {HOSTILE}\n"
        f"    source: {HOSTILE}\n"
        "sources:\n"
        f"  - title: {HOSTILE}\n"
        "---\nBody\n"
    )
    site = write_site(tmp_path / "s", {"evil.md": hostile}, SEARCH_SITE_YML)  # its page too
    result = run_build("--source", site)
    assert result.returncode == 0, result.stderr
    assert scripts_in(site / "site") == []
    page = (site / "site" / "briefs" / "evil" / "index.html").read_text()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # shown as text, not dropped
    # The feed is real XML whose entry title is the hostile text itself, as text.
    import xml.etree.ElementTree as ET

    atom = "{http://www.w3.org/2005/Atom}"
    feed = ET.parse(site / "site" / "feed.xml").getroot()
    entry = feed.find(f"{atom}entry")
    assert entry is not None
    assert entry.findtext(f"{atom}title") == HOSTILE.strip('"')
    assert entry.findtext(f"{atom}summary") == HOSTILE.strip('"')
    assert not list(feed.iter("script")) and not list(feed.iter(f"{atom}script"))
    categories = [c.get("term") for c in entry.iter(f"{atom}category")]
    assert categories == [HOSTILE.strip('"')]


RAW = (
    "<script>alert(1)</script>\n\n"
    '<iframe src="https://example.org"></iframe>\n\n'
    '<p><img src="https://example.org/x.png" alt="x" onerror="alert(2)"> '
    '<a href="javascript:alert(3)">click</a></p>\n\n'
    "<details><summary>More</summary><p>H<sub>2</sub>O <abbr title='x'>X</abbr></p></details>\n"
)


def test_raw_html_is_sanitised_by_default(tmp_path: Path) -> None:
    site = write_site(tmp_path / "s", {"raw.md": GOOD_BRIEF + "\n" + RAW}, SEARCH_SITE_YML)
    assert run_build("--source", site).returncode == 0
    page = (site / "site" / "briefs" / "raw" / "index.html").read_text()
    assert scripts_in(site / "site") == []
    assert "<iframe" not in page
    assert "<details><summary>More</summary>" in page
    assert "<sub>2</sub>" in page and '<abbr title="x">X</abbr>' in page
    assert '<img src="https://example.org/x.png" alt="x">' in page


def test_raw_html_can_be_escaped(tmp_path: Path) -> None:
    site = write_site(
        tmp_path / "s",
        {"raw.md": GOOD_BRIEF + "\n" + RAW},
        SEARCH_SITE_YML + "raw_html: escape\n",
    )
    assert run_build("--source", site).returncode == 0
    page = (site / "site" / "briefs" / "raw" / "index.html").read_text()
    assert scripts_in(site / "site") == []
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_raw_html_can_be_allowed_for_trusted_repositories(tmp_path: Path) -> None:
    site = write_site(
        tmp_path / "s", {"raw.md": GOOD_BRIEF + "\n" + RAW}, SITE_YML + "raw_html: allow\n"
    )
    assert run_build("--source", site).returncode == 0
    page = (site / "site" / "briefs" / "raw" / "index.html").read_text()
    assert "<script>alert(1)</script>" in page


def test_raw_html_setting_is_validated(tmp_path: Path) -> None:
    site = write_site(tmp_path / "s", {"a.md": GOOD_BRIEF}, SITE_YML + "raw_html: maybe\n")
    result = run_build("--source", site)
    assert result.returncode == 1
    assert (
        f"site.yml:{APPENDED_LINE}:11: error: 'raw_html' must be one of 'sanitize', 'escape', "
        "'allow', got 'maybe'"
    ) in result.stderr


def test_broken_links_fail_the_build_with_their_position(built: Path) -> None:
    (built / "briefs" / "links.md").write_text(
        brief(title="Links") + "\nSee [gone](gone.md) and [terms](land-offer.md#nowhere).\n"
    )
    err = fails_keeping_site(built)
    assert "briefs/links.md:10:12: error: link 'gone.md' leads to no brief" in err
    assert (
        "briefs/links.md:10:33: error: link 'land-offer.md#nowhere': there is no heading or "
        "anchor '#nowhere' in briefs/land-offer.md"
    ) in err


def test_broken_links_can_be_lowered_to_warnings(tmp_path: Path) -> None:
    site = write_site(
        tmp_path / "s",
        {"links.md": brief() + "\nSee [gone](gone.md).\n"},
        SITE_YML + "broken_links: warning\n",
    )
    result = run_build("--source", site)
    assert result.returncode == 0
    assert "briefs/links.md:10:12: warning: link 'gone.md' leads to no brief" in result.stderr


def test_unknown_language_and_huge_code_blocks_render_as_plain_text(tmp_path: Path) -> None:
    code = "```no-such-language\n" + ("<b>x</b> " * 22_000) + "\n```\n"
    # It takes about 2 s of CPU, well within the default limit of 10 s, but that limit is
    # wall-clock time and a loaded machine stretched it past 10 s: no limit here, and the
    # build's CPU time held to the default limit instead.
    site_yml = SITE_YML + "brief_time_limit: 3600\n"
    site = write_site(tmp_path / "s", {"code.md": GOOD_BRIEF + "\n" + code}, site_yml)
    started = cpu_time()
    result = run_build("--source", site)
    assert result.returncode == 0, result.stderr
    assert cpu_time() - started < 10
    page = (site / "site" / "briefs" / "code" / "index.html").read_text()
    assert page.count("&lt;b&gt;x&lt;/b&gt;") == 22_000
    assert "<b>x</b>" not in page


def test_template_syntax_error_names_template_and_line(tmp_path: Path) -> None:
    site = write_site(tmp_path / "s", {"land-offer.md": GOOD_BRIEF})
    (site / "templates").mkdir()
    (site / "templates" / "404.html").write_text(
        '{% extends "base.html" %}\n{% block main %}\n{% if %}\n{% endblock %}\n'
    )
    result = run_build("--source", site)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert re.search(r"templates/404\.html:3:1: error: template error: ", result.stderr)


def test_undefined_template_variable_names_template_and_line(tmp_path: Path) -> None:
    site = write_site(tmp_path / "s", {"land-offer.md": GOOD_BRIEF})
    (site / "templates").mkdir()
    (site / "templates" / "404.html").write_text(
        '{% extends "base.html" %}\n{% block main %}\n<p>x</p>\n{{ no_such_name }}\n'
        "{% endblock %}\n"
    )
    result = run_build("--source", site)
    assert result.returncode == 1
    assert (
        "templates/404.html:4:1: error: template error: 'no_such_name' is undefined"
        in result.stderr
    )
    assert not (site / "site").exists()
