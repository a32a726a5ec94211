"""`frontmatter` and `schema`: splitting, safe YAML, validation, and positions in the file."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from briefsite import schema
from briefsite.brief import Brief
from briefsite.frontmatter import Split, default_slug, load_brief, split
from briefsite.problems import error
from briefsite.source import make_source

GOOD = """\
---
title: Land offer
date: 2020-03-26
summary: Qingdao offers land.
---
## Terms

Text.
"""


def load(text, path="briefs/land-offer.md"):
    return load_brief(make_source(path, text), "en")


def places(problems):
    return sorted((p.line, p.col, p.message) for p in problems)


# ------------------------------------------------------------------ split


def test_split_separates_yaml_and_body_with_their_lines():
    assert split(make_source("briefs/a.md", GOOD)) == Split(
        yaml_text="title: Land offer\ndate: 2020-03-26\nsummary: Qingdao offers land.\n",
        yaml_line=2,
        body="## Terms\n\nText.\n",
        body_line=6,
    )


def test_split_accepts_dots_as_closer_and_trailing_spaces_on_fences():
    part = split(make_source("briefs/a.md", "---  \ntitle: A\n...\t\nBody\n"))
    assert part == Split(yaml_text="title: A\n", yaml_line=2, body="Body\n", body_line=4)


def test_split_stops_at_the_first_closer():
    part = split(make_source("briefs/a.md", "---\na: 1\n---\nBody\n---\nMore\n"))
    assert (part.yaml_text, part.body, part.body_line) == ("a: 1\n", "Body\n---\nMore\n", 4)


def test_split_of_an_empty_block_gives_empty_yaml():
    part = split(make_source("briefs/a.md", "---\n---\nBody\n"))
    assert (part.yaml_text, part.body_line) == ("\n", 3)


def test_split_refuses_a_file_not_starting_with_a_fence():
    assert split(make_source("briefs/a.md", "\n---\ntitle: A\n---\n")) == error(
        "briefs/a.md",
        1,
        1,
        "front matter not opened: the first line must be '---'",
        "did you forget to add '---' above 'title:'? See README, 'Writing a brief'",
    )


def test_split_refuses_a_block_that_is_never_closed():
    assert split(make_source("briefs/a.md", "---\ntitle: A\n\nBody\n")) == error(
        "briefs/a.md",
        1,
        1,
        "front matter opened on line 1 is never closed",
        "add a line with just '---' after the last front-matter field",
    )


@pytest.mark.parametrize("text", ["", "\n\n", "  \n\t\n"])
def test_split_calls_a_blank_file_empty(text):
    problem = split(make_source("briefs/a.md", text))
    assert (problem.line, problem.col, problem.message) == (1, 1, "file is empty")


# ------------------------------------------------------------------ load_brief


def test_load_brief_builds_a_brief_with_defaults():
    brief = load(GOOD)
    assert isinstance(brief, Brief)
    assert (brief.slug, brief.lang, brief.title) == ("land-offer", "en", "Land offer")
    assert (brief.date, brief.summary) == (dt.date(2020, 3, 26), "Qingdao offers land.")
    assert (brief.body_markdown, brief.body_line) == ("## Terms\n\nText.\n", 6)
    assert (brief.topics, brief.figures, brief.draft, brief.status) == ((), (), False, None)


def test_load_brief_records_each_value_position_in_the_file():
    brief = load(GOOD)
    assert brief.positions == (("title", 2, 8), ("date", 3, 7), ("summary", 4, 10))
    assert brief.position("summary") == (4, 10)
    assert brief.position("slug") == (1, 1)  # absent: the opening '---'


def test_load_brief_uses_the_slug_field_over_the_file_name():
    brief = load(GOOD.replace("---\n## Terms", "slug: offer-2020\nlang: zh-Hans\n---\n## Terms"))
    assert (brief.slug, brief.lang, brief.position("slug")) == ("offer-2020", "zh-Hans", (5, 7))


def test_load_brief_cleans_nested_and_shorthand_values():
    text = GOOD.replace(
        "---\n## Terms",
        "topics: Land\nexpires:\ndraft: true\nfigures:\n"
        "  - label: net industrial land\n    value: 37.3\n    unit: km²\n"
        "    source: press release\n    qualifier: up to\n---\n## Terms",
    )
    brief = load(text)
    assert brief.topics == ("Land",)
    assert brief.expires is None
    assert brief.draft is True
    assert brief.figures == (
        schema.Figure("net industrial land", 37.3, "km²", "press release", "up to"),
    )


def test_load_brief_takes_the_date_of_a_timestamp():
    brief = load(GOOD.replace("2020-03-26", "2020-03-26T10:30:00"))
    assert brief.date == dt.date(2020, 3, 26)


def test_load_brief_reports_every_field_problem_at_its_place():
    text = "---\ntitle: [a, b]\ndate: 2020-13-01\ndraft: 'no'\nsumary: x\n---\n"
    assert places(load(text)) == [
        (1, 1, "missing required field 'summary'"),
        (2, 8, "'title' must be text, got a list"),
        (3, 7, "'date' must be a date like 2020-03-26, got '2020-13-01'"),
        (4, 8, "'draft' must be true or false, got 'no'"),
        (5, 1, "unknown field 'sumary'"),
    ]


def test_load_brief_reports_an_empty_required_value_at_the_key():
    (problem,) = load(GOOD.replace("summary: Qingdao offers land.", "summary:"))
    assert (problem.line, problem.col, problem.message) == (4, 9, "'summary' must not be empty")


def test_load_brief_with_empty_block_misses_every_required_field():
    assert places(load("---\n---\nBody\n")) == [
        (1, 1, "missing required field 'date'"),
        (1, 1, "missing required field 'summary'"),
        (1, 1, "missing required field 'title'"),
    ]


def test_load_brief_refuses_a_list_as_front_matter():
    assert places(load("---\n- a\n- b\n---\n")) == [
        (1, 1, "the front matter must be a mapping of 'key: value' lines")
    ]


def test_load_brief_places_nested_figure_errors_at_the_value():
    text = GOOD.replace(
        "---\n## Terms",
        "figures:\n  - label: a\n    value: 1\n    unit: u\n    source: s\n"
        "  - label: b\n    value: '12%'\n    unit: u\n    source: s\n---\n## Terms",
    )
    (problem,) = load(text)
    assert (problem.line, problem.col) == (11, 12)
    assert problem.message == "'figures[2].value' must be a number like 37.3, got '12%'"


def test_load_brief_refuses_a_file_name_that_makes_no_slug():
    assert load(GOOD, path="briefs/Москва.md") == [
        error(
            "briefs/Москва.md",
            1,
            1,
            "cannot make an address from the file name 'Москва'",
            "add a 'slug:' field with lowercase letters, digits and hyphens, e.g. slug: land-offer",
        )
    ]


def test_load_brief_accepts_a_name_without_slug_when_slug_field_is_given():
    text = GOOD.replace("---\n## Terms", "slug: tudi\n---\n## Terms")
    assert load(text, path="briefs/Москва.md").slug == "tudi"


def test_a_chinese_file_name_makes_a_slug_in_pinyin():
    assert load(GOOD, path="briefs/工业用地2020.md").slug == "gong-ye-yong-di-2020"
    assert load(GOOD, path="briefs/Land offer.md").slug == "land-offer"


def test_load_brief_shifts_yaml_error_to_file_line():
    (problem,) = load("---\ntitle: A\ndate: 2020-03-26\nsummary: [one, two\n---\n")
    assert (problem.line, problem.col) == (4, 10)
    assert problem.hint == "close it with ']' where it ends, and separate its items with commas"


def test_load_brief_refuses_aliases_at_the_alias():
    text = "---\ntitle: &t A\ndate: 2020-03-26\nsummary: *t\n---\n"
    assert load(text) == [
        error(
            "briefs/land-offer.md",
            4,
            10,
            "YAML aliases (*t) are not allowed in front matter",
            "write the value out in full",
        )
    ]


def test_load_brief_refuses_a_billion_laughs_without_expanding_it():
    lines = ["---", "a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]
    (problem,) = load("\n".join([*lines, "---", ""]))
    assert (problem.line, problem.col) == (3, 10)
    assert problem.message == "YAML aliases (*a0) are not allowed in front matter"


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("!!python/object/apply:os.system [echo]", "!!python/object/apply:os.system"),
        ("!!python/name:os.system ''", "!!python/name:os.system"),
        ("!custom text", "!custom"),
    ],
)
def test_load_brief_refuses_unsafe_tags_naming_them(value, shown):
    text = GOOD.replace("Qingdao offers land.", value)
    assert load(text) == [
        error(
            "briefs/land-offer.md",
            4,
            10,
            f"YAML tag '{shown}' is not allowed: front matter holds plain text, numbers and dates",
        )
    ]


def test_load_brief_refuses_deep_nesting_at_the_level_too_deep():
    text = GOOD.replace("---\n## Terms", "figures: " + "[" * 25 + "]" * 25 + "\n---\n## Terms")
    assert load(text) == [error("briefs/land-offer.md", 5, 29, "front matter is nested too deeply")]


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\x85"])
def test_unicode_line_separator_in_a_value_keeps_file_lines(separator):
    # Editors count lines by '\n' only; YAML also breaks lines at U+2028, U+2029 and NEL.
    text = f'---\ntitle: "Land{separator}offer"\ndate: March\nsummary: s\n---\n'
    (problem,) = load(text)
    assert (problem.line, problem.col) == (3, 7)


# ------------------------------------------------------------------ default_slug


@pytest.mark.parametrize(
    ("stem", "slug"),
    [
        ("land-offer", "land-offer"),
        ("Land Offer!", "land-offer"),
        ("2020_Q1  report", "2020-q1-report"),
        ("cafe\u0301", "cafe"),  # NFD, as macOS hands out file names
        ("caf\u00e9", "cafe"),
        ("--odd--", "odd"),
        ("土地", "tu-di"),  # Chinese in pinyin, a word per syllable
        ("2020年土地政策", "2020-nian-tu-di-zheng-ce"),
        ("Москва", ""),
    ],
)
def test_default_slug(stem, slug):
    assert default_slug(stem) == slug


# ------------------------------------------------------------------ schema.check_mapping


def check(fields, text):
    return schema.check_mapping(fields, yaml.compose(text), yaml.safe_load(text))


def test_check_mapping_suggests_the_nearest_known_field():
    _, issues = check(schema.BRIEF_FIELDS, "title: A\ndate: 2020-03-26\nsumary: s\n")
    unknown = [i for i in issues if i.message.startswith("unknown")]
    assert [(i.message, i.hint) for i in unknown] == [
        ("unknown field 'sumary'", "did you mean 'summary'?")
    ]
    assert unknown[0].node.start_mark.line == 2


def test_check_mapping_lists_known_fields_when_nothing_is_close():
    _, issues = check(schema.UPDATE_FIELDS, "date: 2020-03-26\nnote: n\nzzz: 1\n")
    assert [(i.message, i.hint) for i in issues] == [
        ("unknown field 'zzz'", "known fields are: date, note")
    ]


def test_check_mapping_suggests_with_the_nested_prefix():
    text = "figures:\n  - labl: a\n    value: 1\n    unit: u\n    source: s\n"
    fields = [f for f in schema.BRIEF_FIELDS if f.name == "figures"]
    _, issues = check(fields, text)
    assert [(i.message, i.hint) for i in issues] == [
        ("unknown field 'figures[1].labl'", "did you mean 'figures[1].label'?"),
        ("missing required field 'figures[1].label'", "what the number counts, read after it"),
    ]


def test_check_mapping_fills_defaults_for_absent_optional_fields():
    values, issues = check(schema.BRIEF_FIELDS, "title: A\ndate: 2020-03-26\nsummary: s\n")
    assert issues == []
    assert values["topics"] == () and values["draft"] is False and values["slug"] is None


def test_check_mapping_reports_a_key_given_twice_at_the_second():
    _, issues = check(schema.UPDATE_FIELDS, "date: 2020-03-26\nnote: a\nnote: b\n")
    assert [(i.message, i.node.start_mark.line) for i in issues] == [("'note' is given twice", 2)]


_NESTED_PIECES = ["[", "]", "{", "}", "a: ", "- ", "\n", "  ", ", ", "x", "!!str ", "!!python/none"]


@given(
    st.lists(st.sampled_from(_NESTED_PIECES), max_size=60),
    st.integers(min_value=0, max_value=30),
)
@settings(max_examples=300)
def test_front_matter_composed_first_gets_the_problems_the_events_check_gets(pieces, depth):
    # Front matter without aliases and with few collection marks is composed first and its
    # depth judged in the tree; the problem (or none) must be the one the events pass finds,
    # at the same place.
    from briefsite import safeyaml

    text = "title: " + "[" * depth + "".join(pieces) + "]" * depth + "\n"
    source = make_source("briefs/x.md", "---\n" + text + "---\n")
    first = safeyaml.parse_yaml(source, text, 2)[2]
    real = safeyaml._COMPOSED_FIRST_AT_MOST
    safeyaml._COMPOSED_FIRST_AT_MOST = 0  # (every text by its events first, as before)
    try:
        events_first = safeyaml.parse_yaml(source, text, 2)[2]
    finally:
        safeyaml._COMPOSED_FIRST_AT_MOST = real
    # The one difference: text nested too deep that is not YAML after all. Its events are
    # refused as they come; composed first, it gets YAML's own error instead.
    if first != events_first:
        assert [p.message for p in events_first] == ["front matter is nested too deeply"]
        with pytest.raises(yaml.YAMLError):
            yaml.compose(text, Loader=yaml.SafeLoader)
