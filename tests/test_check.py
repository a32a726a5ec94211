"""Whole-site link checks: every link to a brief reaches one, every anchor an id on its page."""

from __future__ import annotations

from conftest import LAND_OFFER, position, run_build, without_excerpts, write_site

from briefsite.brief import Brief
from briefsite.catalog import build_catalog
from briefsite.check import check_links
from briefsite.frontmatter import load_brief
from briefsite.links import render_brief
from briefsite.markup import Markup
from briefsite.problems import Problem, Severity
from briefsite.source import make_source

FIGURES = """\
figures:
  - label: net industrial land
    value: 37.3
    unit: km2
    source: press release
"""


def brief_text(body: str, front: str = "") -> str:
    """A brief file's text; without `front` the body starts on line 6."""
    return f"---\ntitle: A brief\ndate: 2020-01-01\nsummary: What it says.\n{front}---\n{body}"


def check(
    files: dict[str, str], severity: Severity = Severity.ERROR, directory_urls: bool = True
) -> list[Problem]:
    """Load, catalogue and render every file through the real stages, then check links."""
    briefs = []
    for path, text in files.items():
        loaded = load_brief(make_source(path, text), "en")
        assert isinstance(loaded, Brief), loaded
        briefs.append(loaded)
    catalog, problems = build_catalog(briefs)
    assert problems == []
    markup = Markup()
    rendered = {b.slug: render_brief(markup, b, catalog, directory_urls) for b in catalog.briefs}
    return check_links(rendered, severity)


def assert_anchor_message(problem: Problem, href: str, fragment: str, where: str) -> None:
    """The message names the link as written, the missing anchor and the page it looked in."""
    assert f"link '{href}'" in problem.message
    assert f"'#{fragment}'" in problem.message
    assert "anchor" in problem.message
    assert problem.message.endswith(f" in {where}")


def test_working_links_are_not_reported():
    text = brief_text(
        "## Intro\n\n"
        "See [the offer](land-offer.md), [its terms](land-offer.md#terms) and [intro](#intro).\n"
    )

    assert check({"briefs/a.md": text, "briefs/land-offer.md": LAND_OFFER}) == []


def test_link_to_a_missing_brief_suggests_the_nearest_file():
    text = brief_text("Intro.\n\nSee [the offer](lnad-offer.md).\n")

    (problem,) = check({"briefs/a.md": text, "briefs/land-offer.md": LAND_OFFER})

    assert problem.path == "briefs/a.md"
    assert (problem.line, problem.col) == position(text, "lnad-offer.md")
    assert problem.line == 8
    assert problem.severity is Severity.ERROR
    assert problem.message == "link 'lnad-offer.md' leads to no brief"
    assert problem.hint == "did you mean 'land-offer.md'?"


def test_missing_brief_hint_is_relative_to_a_subfolder():
    text = brief_text("[offer](../land-ofer.md)\n")

    (problem,) = check({"briefs/sub/a.md": text, "briefs/land-offer.md": LAND_OFFER})

    assert problem.path == "briefs/sub/a.md"
    assert problem.hint == "did you mean '../land-offer.md'?"


def test_missing_brief_without_a_close_name_explains_how_to_link():
    text = brief_text("[budget](zzz-quarterly.md)\n")

    (problem,) = check({"briefs/a.md": text, "briefs/land-offer.md": LAND_OFFER})

    assert problem.message == "link 'zzz-quarterly.md' leads to no brief"
    assert "did you mean" not in problem.hint
    assert "land-offer.md" in problem.hint  # the example of how to link


def test_missing_anchor_in_another_brief():
    text = brief_text("Intro.\n\nSee [terms](land-offer.md#termz).\n")

    (problem,) = check({"briefs/a.md": text, "briefs/land-offer.md": LAND_OFFER})

    assert problem.path == "briefs/a.md"
    assert (problem.line, problem.col) == position(text, "land-offer.md#termz")
    assert problem.severity is Severity.ERROR
    assert_anchor_message(problem, "land-offer.md#termz", "termz", "briefs/land-offer.md")
    assert problem.hint == "did you mean '#terms'?"


def test_missing_anchor_in_the_same_brief():
    text = brief_text("## Introduction\n\nBack to [the start](#introductoin).\n")

    (problem,) = check({"briefs/a.md": text})

    assert (problem.line, problem.col) == position(text, "#introductoin")
    assert_anchor_message(problem, "#introductoin", "introductoin", "this brief")
    assert problem.hint == "did you mean '#introduction'?"


def test_missing_anchor_via_own_file_name_is_in_this_brief():
    text = brief_text("## Introduction\n\n[start](a.md#nowhere-near-it)\n")

    (problem,) = check({"briefs/a.md": text})

    assert_anchor_message(problem, "a.md#nowhere-near-it", "nowhere-near-it", "this brief")


def test_broken_links_may_be_warnings():
    text = brief_text("[x](lnad-offer.md) [y](land-offer.md#termz) [z](#nothing)\n")

    problems = check(
        {"briefs/a.md": text, "briefs/land-offer.md": LAND_OFFER}, severity=Severity.WARNING
    )

    assert len(problems) == 3
    assert all(p.severity is Severity.WARNING for p in problems)


def test_every_broken_link_is_reported_with_its_own_place():
    text = brief_text("[x](missing.md)\n\nText.\n\n[y](missing.md)\n")

    problems = check({"briefs/a.md": text})

    assert [(p.line, p.col) for p in problems] == [
        position(text, "missing.md", 0),
        position(text, "missing.md", 1),
    ]


def test_broken_anchor_is_reported_where_it_is_written():
    # '#terms' also appears inside the earlier href 'land-offer.md#terms'.
    text = brief_text("See [their terms](land-offer.md#terms).\n\nOur [terms](#terms).\n")

    (problem,) = check({"briefs/a.md": text, "briefs/land-offer.md": LAND_OFFER})

    assert_anchor_message(problem, "#terms", "terms", "this brief")
    assert (problem.line, problem.col) == position(text, "#terms", nth=1)
    assert problem.line == 8


def test_anchors_to_template_sections_are_accepted():
    text = brief_text(
        "Text.[^1]\n\n[h](#history) [m](#main-content) [k](#key-figures) [s](#sources) "
        "[n](#notes)\n\n[^1]: A note.\n",
        front=FIGURES,
    )

    assert check({"briefs/a.md": text}) == []


def test_anchors_to_template_sections_of_another_brief_are_accepted():
    other = brief_text("Body.\n", front=FIGURES)
    text = brief_text("[figures](other.md#key-figures) [history](other.md#history)\n")

    assert check({"briefs/a.md": text, "briefs/other.md": other}) == []


def test_key_figures_anchor_needs_figures():
    text = brief_text("[k](#key-figures)\n")

    (problem,) = check({"briefs/a.md": text})

    assert "'#key-figures'" in problem.message


def test_notes_anchor_needs_footnotes():
    text = brief_text("[n](#notes)\n")

    (problem,) = check({"briefs/a.md": text})

    assert "'#notes'" in problem.message


def test_contents_anchor_needs_three_sections():
    short = brief_text("## One\n\n## Two\n\n[c](#contents)\n")
    long = brief_text("## One\n\n## Two\n\n## Three\n\n[c](#contents)\n")

    assert len(check({"briefs/a.md": short})) == 1
    assert check({"briefs/a.md": long}) == []


def test_sources_heading_in_the_body_does_not_satisfy_sources_anchor_by_accident():
    # Without front-matter sources or figures the page has no Sources section; the body's
    # "## Sources" heading gets another id, and the hint names it.
    text = brief_text("## Sources\n\nA list.\n\n[s](#sources)\n")

    (problem,) = check({"briefs/a.md": text})

    assert "'#sources'" in problem.message
    assert problem.hint.startswith("did you mean '#sources")
    assert problem.hint != "did you mean '#sources'?"


def test_links_are_checked_the_same_without_directory_urls():
    text = brief_text("[ok](land-offer.md#terms) [bad](land-offer.md#termz)\n")

    problems = check(
        {"briefs/a.md": text, "briefs/land-offer.md": LAND_OFFER}, directory_urls=False
    )

    assert [p.message.split("'")[1] for p in problems] == ["land-offer.md#termz"]


def test_did_you_mean_never_suggests_the_brief_the_link_is_in():
    # 'nope' is nearer 'note' (the brief itself) than anything else.
    text = brief_text("See [x](nope.md).\n")

    (problem,) = check({"briefs/note.md": text, "briefs/land-offer.md": LAND_OFFER})

    assert problem.message == "link 'nope.md' leads to no brief"
    assert problem.hint == "link to another brief by its file name, e.g. [offer](land-offer.md)"


def test_did_you_mean_compares_names_without_md():
    # 'b.md' and 'c.md' share '.md', three characters of four; 'b' and 'c' share nothing.
    text = brief_text("See [x](b.md) and [y](lnad-offer.md).\n")

    unrelated, typo = check(
        {"briefs/a.md": text, "briefs/c.md": LAND_OFFER, "briefs/land-offer.md": LAND_OFFER}
    )

    assert "did you mean" not in unrelated.hint
    assert typo.hint == "did you mean 'land-offer.md'?"


def test_did_you_mean_for_a_replacement_follows_the_same_rules(tmp_path):
    other = LAND_OFFER.replace("title: Land offer", "title: Other")
    site = write_site(
        tmp_path / "s",
        {
            "note.md": brief_text("Text.\n", "superseded_by: nope.md\n"),
            "c.md": other,
            "land-offer.md": LAND_OFFER,
        },
    )
    result = run_build("check", "--source", site)
    assert result.returncode == 1
    lines = without_excerpts(result.stderr)
    assert lines[:2] == [
        "briefs/note.md:5:16: error: 'superseded_by: nope.md' names no brief",
        "  hint: write the replacing brief's file name, e.g. land-offer.md",
    ]
