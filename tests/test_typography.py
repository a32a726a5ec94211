"""Curly quotes, dashes and ellipses: `briefsite.typography` gives exactly `smarty`'s HTML.

Each rule is checked on its own against the HTML `smarty` makes, then whole documents are
rendered both ways (hand-picked tricky cases, generated ones, corpus briefs, and through
`Markup.render`) and must agree byte for byte, contents entries included.
"""

from __future__ import annotations

import itertools
import re
import sys
import time
from typing import Any

import markdown
import pytest
from conftest import REPO, sample_briefs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown.extensions.smarty import SmartyExtension
from markdown.util import ETX, STX

from briefsite import typography
from briefsite.brief import Brief
from briefsite.catalog import build_catalog
from briefsite.frontmatter import load_brief
from briefsite.links import RenderedBrief, render_brief
from briefsite.markup import Markup
from briefsite.source import make_source
from briefsite.typography import NBSP, TypographyExtension

sys.path.insert(0, str(REPO / "benchmarks"))
from corpus import brief_text as corpus_brief

# Markup's own extensions around the one under test (markup.Markup.__init__).
BEFORE = ["tables", "footnotes", "toc", "fenced_code", "codehilite", "abbr", "def_list"]
CONFIGS: dict[str, dict[str, Any]] = {
    "toc": {"toc_depth": "2-3"},
    "codehilite": {"css_class": "highlight", "guess_lang": False},
}


def md_with(typographer: Any) -> markdown.Markdown:
    """Markdown configured as `Markup` configures it, with `typographer` in smarty's place."""
    extensions = [*BEFORE, "admonition", typographer, "sane_lists"]
    return markdown.Markdown(extensions=extensions, extension_configs=CONFIGS, output_format="html")


PROPERTY = settings(
    max_examples=200, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)


SMARTY = md_with("smarty")
OURS = md_with(TypographyExtension())


def convert(md: markdown.Markdown, text: str) -> tuple[str, list[dict[str, Any]]]:
    """The HTML and the contents entries (`toc_tokens`) of `text`."""
    md.reset()
    html = md.convert(text)
    return html, md.toc_tokens  # type: ignore[attr-defined]


def ours(text: str) -> str:
    return convert(OURS, text)[0]


def assert_same_as_smarty(text: str) -> None:
    assert convert(OURS, text) == convert(SMARTY, text), repr(text)


# ----------------------------------------------------------------------------- each rule

RULE_CASES = [
    # dashes and ellipses
    ("2019--2020", "<p>2019&ndash;2020</p>"),
    ("land --- and more", "<p>land &mdash; and more</p>"),
    ("four ---- dashes", "<p>four ---- dashes</p>"),
    ("wait...", "<p>wait&hellip;</p>"),
    ("four .... dots", "<p>four .... dots</p>"),
    # apostrophes: contractions, possessives, decades
    ("isn't", "<p>isn&rsquo;t</p>"),
    ("the city's plan", "<p>the city&rsquo;s plan</p>"),
    ("investors' plans", "<p>investors&rsquo; plans</p>"),
    ("the '80s", "<p>the &rsquo;80s</p>"),
    # single and double quotes opening after space, closing before space or punctuation
    ("a 'word' here", "<p>a &lsquo;word&rsquo; here</p>"),
    ('a "word" here', "<p>a &ldquo;word&rdquo; here</p>"),
    ('said "no".', "<p>said &ldquo;no&rdquo;.</p>"),
    ("('word')", "<p>(&lsquo;word&rsquo;)</p>"),
    ('("word")', "<p>(&ldquo;word&rdquo;)</p>"),
    # nested sets
    ("\"'Quoted' words\"", "<p>&ldquo;&lsquo;Quoted&rsquo; words&rdquo;</p>"),
    ("'\"Nested\" words'", "<p>&lsquo;&ldquo;Nested&rdquo; words&rsquo;</p>"),
    ("\"He said 'no'\"", "<p>&ldquo;He said &lsquo;no&rsquo;&rdquo;</p>"),
    ("'He said \"no\"'", "<p>&lsquo;He said &ldquo;no&rdquo;&rsquo;</p>"),
    # a quote that starts a text node before punctuation closes (after emphasis, here)
    ("*Word*'.", "<p><em>Word</em>&rsquo;.</p>"),
    ('*Word*".', "<p><em>Word</em>&rdquo;.</p>"),
    # a quote after a dash opens
    ("yes --'no'", "<p>yes &ndash;&lsquo;no&rsquo;</p>"),
    # two closing quotes in a row: the second sees the first, not a letter, and opens
    ("x''y", "<p>x&rsquo;&lsquo;y</p>"),
    ('x""y', "<p>x&rdquo;&ldquo;y</p>"),
    # escaped quotes stay straight; code and attributes are not touched
    ('\\"as written\\"', '<p>"as written"</p>'),
    ("`'code' -- ...`", "<p><code>'code' -- ...</code></p>"),
    ("[x](https://e.org/ \"a 't'\")", '<p><a href="https://e.org/" title="a \'t\'">x</a></p>'),
]


@pytest.mark.parametrize(("text", "html"), RULE_CASES)
def test_each_rule_gives_smartys_entities(text: str, html: str) -> None:
    assert convert(SMARTY, text)[0] == html  # the expectation is smarty's own
    assert ours(text) == html


def test_code_blocks_keep_straight_quotes_and_dashes() -> None:
    html = ours("```\nprint('a' -- \"b\"...)\n```\n\n    x = 'y' -- z...\n")
    assert "&lsquo;" not in html and "&ndash;" not in html and "&hellip;" not in html
    assert "print('a' -- \"b\"...)" in html and "x = 'y' -- z..." in html


def test_raw_html_block_is_left_alone() -> None:
    assert ours("<div>\n'raw' -- \"html\"...\n</div>\n") == "<div>\n'raw' -- \"html\"...\n</div>"


def test_entities_an_editor_wrote_are_kept() -> None:
    assert ours("&mdash;'word' &hellip;") == "<p>&mdash;&lsquo;word&rsquo; &hellip;</p>"


def test_heading_contents_entry_carries_the_entities() -> None:
    html, toc = convert(OURS, '## The "golden" policy -- \'20s\n')
    assert toc[0]["name"] == "The &ldquo;golden&rdquo; policy &ndash; &rsquo;20s"
    assert html.startswith('<h2 id="the-golden-policy-20s">')


def test_every_entity_is_stashed_once_per_document() -> None:
    OURS.reset()
    OURS.convert("'a' 'b' 'c' \"d\" -- ... --- x's 'e'")
    stashed = OURS.htmlStash.rawHtmlBlocks
    assert sorted(stashed) == sorted(set(stashed))  # smarty stores one entry per match


def test_text_without_quotes_dashes_or_dots_is_not_worked_on(monkeypatch) -> None:
    calls: list[str] = []
    educate = typography._Educator.educate

    def spy(self: typography._Educator, text: str) -> str:
        calls.append(text)
        return educate(self, text)

    monkeypatch.setattr(typography._Educator, "educate", spy)
    body = corpus_brief(1, 1000).split("---\n", 2)[2]
    OURS.reset()
    OURS.convert(body)
    assert calls == []
    OURS.reset()
    OURS.convert(body + "\nIt's done.\n")
    assert calls == ["It's done."]


def test_markup_runs_the_replacement_not_smarty() -> None:
    treeprocessors = Markup().md.treeprocessors
    assert "smarty" not in treeprocessors
    assert treeprocessors.get_index_for_name("typography") == (
        treeprocessors.get_index_for_name("abbr") + 1  # where smarty ran: after abbr, before toc
    )


# ------------------------------------------------ each rule's pattern finds smarty's spans

SPAN_PIECES = st.sampled_from(
    [
        "'", '"', "-", "--", ".", "...", " ", "\n", "\t", "\u00a0", "a", "s", "80s", "1", "_",
        "(", "[", "{", "!", ";", "&", "&nbsp;", "&mdash;", "&ndash;", "&#8211;", "&#8212;",
        "\u2013", "\u2014", STX, ETX,
    ]
)  # fmt: skip


def spans(rule: typography.Rule, text: str, pattern: re.Pattern[str]) -> list[tuple[int, int, str]]:
    """Each match's span, as `smarty` replaces it, and the text the rule keeps."""
    found = []
    for match in pattern.finditer(text):
        start, kept = match.start(), ""
        if rule.keep == typography.KEEP_BEFORE:
            kept = match.group(match.lastindex or 0)
            if pattern is rule.fast:
                start -= len(kept)  # `fast` finds the opener in a look-behind
        elif rule.keep == typography.KEEP_AFTER:
            kept = match.group(1)
        found.append((start, match.end(), kept))
    return found


@PROPERTY
@given(st.lists(SPAN_PIECES, max_size=30).map("".join))
def test_each_fast_pattern_finds_the_spans_smartys_finds(text: str) -> None:
    for rule in typography.RULES:
        smarty = re.compile(rule.smarty_pattern, re.DOTALL | re.UNICODE)
        assert spans(rule, text, rule.fast) == spans(rule, text, smarty), rule.name


# Every string of up to three of these, for each rule: the cases where a look-behind or an
# opener meets its quote (`a'80s`, `&nbsp;'a`, `x''`, `----`, `....`) are all among them.
SHORT_PIECES = [
    "'", '"', "-", "--", ".", "...", " ", "\n", "\t", "\u00a0", "a", "s", "80s", "(", "!",
    "&nbsp;", "&mdash;", "&ndash;", "&#8211;", "&#8212;", "\u2013", "\u2014", STX, ETX,
]  # fmt: skip


def test_each_fast_pattern_finds_smartys_spans_in_every_short_string() -> None:
    texts = ["".join(p) for n in (1, 2, 3) for p in itertools.product(SHORT_PIECES, repeat=n)]
    for rule in typography.RULES:
        smarty = re.compile(rule.smarty_pattern, re.DOTALL | re.UNICODE)
        for text in texts:
            assert spans(rule, text, rule.fast) == spans(rule, text, smarty), (rule.name, text)


def test_rules_are_smartys_rules_in_smartys_order() -> None:
    md = markdown.Markdown(extensions=["smarty"])
    smarty = md.treeprocessors["smarty"].inlinePatterns  # type: ignore[attr-defined]
    assert [p.compiled_re.pattern for p in smarty] == [r.smarty_pattern for r in typography.RULES]


# ----------------------------------------------------------------------- same as smarty

TRICKY = [
    "\"Hello,\" she said -- 'it's the '80s...' -- and x''y \"\"z x'\"'\"w",
    "*'a'* \"*b*\" `'c'` <kbd>'d'</kbd> <samp>\"e\"</samp> [\"f\"](http://x 'g')",
    "\\\"a\\' --- ---- .... ... -- '- \"- --\" --'",
    "'.'\n\n\".\"\n\n'\n\n\"\n\n'80s\n\n\"'\n\n'\"",
    "He said, \"'Quoted' words in a larger quote.\"\n\n'\"Nested\" the other way'",
    '## \'Quoted\' heading -- "two"\n\n### It\'s a *"sub"* heading...\n',
    "| \"cell\" | 'cell' |\n| --- | --- |\n| it's | 10--20 |\n| \"a\" -- 'b' | ... |\n",
    "FDI's 'FDI' \"FDI\"\n\n*[FDI]: Foreign direct investment\n",
    "Text\"[^1] 'a'[^1]\n\n[^1]: A \"note\" -- it's 'here'...\n",
    '!!! note "It\'s a \'title\'"\n    "Body" -- text...\n',
    'Term\'s\n:   "Definition" -- here.\n',
    "- 'one'\n- \"two\"\n- three's...\n\n> \"quoted\" -- 'block'\n",
    "line ends with --\nnext line -- 'quote\nspans' lines \"and\nthis\"",
    "&nbsp;'a' &mdash;\"b\" &#8211;'c' \u2013'd' \u2014\"e\" \u00a0'f'",
    "<b>'bold'</b>\"x\" <i>x</i>'s <http://e.org/'a'> 'x'<br>'y'",
    "'tis rock 'n' roll, O'Brien's 1990s' 'twas \"\" '' '\"' \"'\"",
    "x'\"'\"y x\"'\"'y '''\"\"\"'''",
    "a\ue0001 'b'\ue000 \"\ue0002\"",  # the token's private-use character, typed by an editor
]


@pytest.mark.parametrize("text", TRICKY)
def test_tricky_documents_match_smarty(text: str) -> None:
    assert_same_as_smarty(text)


@pytest.mark.parametrize("index", range(0, 300, 30))
def test_corpus_briefs_match_smarty(index: int) -> None:
    assert_same_as_smarty(corpus_brief(index, 1000).split("---\n", 2)[2])


def test_sample_site_briefs_match_smarty() -> None:
    for path in sample_briefs():
        assert_same_as_smarty(path.read_text(encoding="utf-8").split("---\n", 2)[2])


PIECES = st.sampled_from(
    [
        "'", '"', "'", '"', "\\'", '\\"', "-", "--", "---", ".", "...", " ", " ", "\n", "\n\n",
        "a", "word", "s", "80s", "12", "*", "_", "**", "`", "[", "]", "(", ")", "<", ">",
        "&", "&nbsp;", "&mdash;", "&#8211;", "\u2013", "\u2014", "\u00a0", "\t", ",", ";",
        ":", "!", "?", "{", "}", "#", "|", "<kbd>", "</kbd>", "<b>", "</b>", "[^1]", "FDI",
        "## ", "\n### ", "| ", " |", "\n| --- | --- |\n", "- ", "\n> ", "'s", "n't", "''",
        '""', '[l](http://e.org/ "t")', "<http://e.org/>", '\n!!! note "T\'x"\n    ',
        "\nTerm\n:   ", "\ue000", "\x01",
    ]
)  # fmt: skip
ENDINGS = st.sampled_from(
    ["", "\n\n*[FDI]: Foreign 'direct' investment\n", '\n\n[^1]: A "note" -- it\'s here...\n']
)


@PROPERTY
@given(st.lists(PIECES, min_size=1, max_size=40).map("".join), ENDINGS)
def test_generated_documents_match_smarty(text: str, ending: str) -> None:
    assert_same_as_smarty(text + ending)


# ------------------------------------------------------------- through Markup.render


def smarty_markup(raw_html: str) -> Markup:
    """A `Markup` as it was before: Python-Markdown's `smarty` in place of the replacement."""
    markup = Markup(raw_html)
    markup.md.treeprocessors.deregister("typography")
    SmartyExtension().extendMarkdown(markup.md)
    return markup


def render_both(
    raw_html: str, bodies: list[str], compare: bool = True
) -> list[tuple[RenderedBrief, RenderedBrief | None]]:
    """Each body rendered as a brief by today's `Markup` and (`compare`) by the `smarty` one."""
    briefs = []
    for number, body in enumerate(bodies):
        text = f"---\ntitle: Brief {number}\ndate: 2020-01-01\nsummary: S.\n---\n{body}"
        brief = load_brief(make_source(f"briefs/b{number}.md", text), "en")
        assert isinstance(brief, Brief), brief
        briefs.append(brief)
    catalog, problems = build_catalog(briefs)
    assert problems == []
    new, old = Markup(raw_html), smarty_markup(raw_html) if compare else None
    return [(render_brief(new, b, catalog), old and render_brief(old, b, catalog)) for b in briefs]


@pytest.mark.parametrize("raw_html", ["sanitize", "escape", "allow"])
def test_rendered_briefs_match_smarty(raw_html: str) -> None:
    bodies = [*TRICKY, *(corpus_brief(i, 1000).split("---\n", 2)[2] for i in range(3))]
    for new, old in render_both(raw_html, bodies):
        assert new == old


def test_contents_entries_read_as_curly_quotes() -> None:
    ((new, old),) = render_both("sanitize", ['## The "golden" policy -- \'20s\n'])
    assert new.toc == old.toc
    assert new.toc[0].text == "The \u201cgolden\u201d policy \u2013 \u201920s"


def test_a_paragraph_of_many_quotes_renders_in_linear_time() -> None:
    # smarty rebuilt the paragraph after each of its matches: this took it over 10 seconds.
    body = "'a\" " * 25_000  # 100 KB, one paragraph, 50,000 quotes
    started = time.process_time()  # CPU time: the machine's load does not count
    ((new, _),) = render_both("sanitize", [body], compare=False)
    elapsed = time.process_time() - started

    assert elapsed < 5
    assert new.body_html.count("\u2018") + new.body_html.count("\u201d") == 50_000


def test_units_are_bound_wherever_the_rules_apply():
    # `bind_units` runs a rule only where it may apply: never with another answer. Every
    # text of up to four of these words.
    words = ["37.3", "100", "1", " ", "km²", "million", "billion", "yuan", "a", "\n"]
    for count in range(5):
        for text in map("".join, itertools.product(words, repeat=count)):
            rules = typography._SCALE_UNIT.sub(NBSP, typography._NUMBER_UNIT.sub(NBSP, text))
            assert typography.bind_units(text) == rules, text
