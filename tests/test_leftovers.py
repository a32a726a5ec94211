"""Leftovers of other publishing systems (issue 11, point 10): template tags shown as text,
link targets that are no address, and embedded frames the sanitiser removes.

`check` and `build` warn, with the file, line and column where each is written and a hint; a
tag inside code is an example and stays silent; a removed `<iframe>` becomes a link to its
https address, so "Watch the video:" is not left with nothing after it.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from conftest import Page, parse, position, run_build, write_site
from hypothesis import given, settings
from hypothesis import strategies as st

from briefsite import leftovers
from briefsite.config import SiteConfig, load_config
from briefsite.frontmatter import load_brief
from briefsite.leftovers import REPORTED_AT_MOST
from briefsite.markup import Markup
from briefsite.pipeline import BuildOptions, build
from briefsite.problems import Problem, Severity
from briefsite.source import make_source

FRONT = "---\ntitle: Moved\ndate: 2020-04-07\nsummary: A page moved from another site.\n---\n"

MOVED = """\
## Video

Watch the video:

<iframe width="560" height="315" src="https://www.youtube.com/embed/abc123" title="Player"></iframe>

{% image "./chart.png", "A chart of investment" %}

Back to [the home page]({{ "/" | url }}) or [this page]({{ page.url }}).

![A map]({{ "/img/map.png" | url }})

## Showing the syntax

Write `{{ title }}` in a template, or:

```jinja
{% for brief in briefs %}{{ brief.title }}{% endfor %}
```

    {{ indented | code }}

<pre><code>{% raw %}</code></pre>

A [real link](https://example.org/a?b=c#d) and a [path](files/report.pdf).
"""

REPORT = b"%PDF-1.4\n"  # the document the path names, published beside the page (`annexes`)


def body_problems(body: str, raw_html: str = "sanitize") -> tuple[str, list[Problem]]:
    """The body's HTML and its warnings, rendered from a real brief file's text."""
    brief = load_brief(make_source("briefs/moved.md", FRONT + body), "en")
    assert not isinstance(brief, list), brief
    rendered = Markup(raw_html).body(brief)
    return rendered.html, list(rendered.problems)


def at(needle: str, nth: int = 0) -> tuple[int, int]:
    """Line and column of `needle` in the brief file made of FRONT and MOVED."""
    return position(FRONT + MOVED, needle, nth)


def where(problems: list[Problem], words: str) -> list[tuple[int, int]]:
    return [(p.line, p.col) for p in problems if words in p.message]


def test_template_tags_in_text_are_warned_at_their_place_but_not_in_code() -> None:
    _, problems = body_problems(MOVED)

    tags = [p for p in problems if "template tag" in p.message]
    assert [(p.line, p.col) for p in tags] == [at('{% image "')]
    (tag,) = tags
    assert tag.severity is Severity.WARNING
    assert tag.message == (
        'template tag \'{% image "./chart.png", "A chart of investment" %}\' from another '
        "system is shown to readers as text"
    )
    assert "put it in `backticks`" in tag.hint


def test_link_and_image_targets_that_are_no_address_are_warned() -> None:
    _, problems = body_problems(MOVED)

    assert where(problems, "link target") == [at('{{ "/" | url }}'), at("{{ page.url }}")]
    assert where(problems, "image address") == [at('{{ "/img/map.png" | url }}')]
    (first,) = [p for p in problems if "link target '{{ \"/\" | url }}'" in p.message]
    assert first.message.endswith("is not a web address or a path")
    assert "another site's templates" in first.hint
    # Real addresses and paths are not mentioned.
    assert not [p for p in problems if "example.org" in p.message or "report.pdf" in p.message]


def test_a_removed_iframe_becomes_a_link_to_its_source() -> None:
    html, problems = body_problems(MOVED)

    page = Page(html)
    assert page.find_all("iframe") == []
    paragraphs = page.find_all("p")
    texts = [Page.text(p) for p in paragraphs]
    after = texts[texts.index("Watch the video:") + 1]
    assert after == "Embedded content: www.youtube.com"
    (link,) = [a for a in page.find_all("a") if Page.text(a).startswith("Embedded")]
    assert link["attrs"] == {"href": "https://www.youtube.com/embed/abc123"}
    (warned,) = [p for p in problems if "embedded content" in p.message]
    assert (warned.line, warned.col) == at("<iframe")
    assert warned.message == (
        "embedded content from www.youtube.com is shown as a link to it: "
        "pages show no embedded frames"
    )
    assert "https://www.youtube.com/embed/abc123" in warned.hint


@pytest.mark.parametrize(
    ("frame", "shown"),
    [
        ('<iframe src="//player.vimeo.com/video/1"></iframe>', "player.vimeo.com"),  # https
        ('<iframe src="http://example.org/x"></iframe>', None),  # not https: no link
        ('<iframe src="javascript:alert(1)"></iframe>', None),
        ("<iframe>fallback text</iframe>", None),
        ('<iframe src="https://example.org/x" />', "example.org"),  # written as if void
    ],
)
def test_only_https_frames_become_links(frame: str, shown: str | None) -> None:
    html, problems = body_problems(f"Watch this: {frame} and more.\n")

    page = Page(html)
    links = page.find_all("a")
    (paragraph,) = page.find_all("p")
    if shown:
        (link,) = links
        assert Page.text(link) == f"Embedded content: {shown}"
        assert link["attrs"]["href"].startswith("https://")
        assert Page.text(paragraph) == f"Watch this: Embedded content: {shown} and more."
    else:
        assert links == []
        assert Page.text(paragraph) == "Watch this: and more."
        (problem,) = problems
        assert "was removed: it has no https address" in problem.message
    assert "alert" not in html and "fallback" not in html


def test_frames_are_left_alone_where_raw_html_is_escaped_or_allowed() -> None:
    escaped, problems = body_problems(MOVED, "escape")
    assert "&lt;iframe" in escaped and "Embedded content" not in escaped
    assert not [p for p in problems if "embedded" in p.message]
    allowed, problems = body_problems(MOVED, "allow")
    assert "<iframe" in allowed and "Embedded content" not in allowed
    assert not [p for p in problems if "embedded" in p.message]


def test_a_page_full_of_tags_gets_a_few_warnings_and_a_count() -> None:
    body = "".join(f"Paragraph {n} {{{{ tag_{n} }}}}.\n\n" for n in range(25))
    _, problems = body_problems(body)

    assert len(problems) == REPORTED_AT_MOST + 1
    assert problems[0].line == 6 and problems[1].line == 8  # each where it is written
    assert problems[-1].message == "15 more template tags shown as text in this brief"


def test_a_tag_with_typography_is_still_placed() -> None:
    # Quotes become curly and `--` a dash on the way to HTML; the tag is found as written.
    body = "Intro.\n\nText {% include 'a' -- \"b\" %} here.\n"
    _, problems = body_problems(body)
    (problem,) = problems
    assert (problem.line, problem.col) == position(FRONT + body, "{% include")
    assert "'{% include 'a' -- \"b\" %}'" in problem.message


def test_unclosed_braces_cost_linear_time() -> None:
    body = "{{ x " * 40_000 + "\n\n" + "`` ` " * 20_000 + "\n"
    started = time.process_time()  # CPU time: the machine's load does not count
    body_problems(body)
    assert time.process_time() - started < 10


# --------------------------------------------------------------- through the command line


def test_check_and_build_warn_and_still_build(tmp_path: Path) -> None:
    site = write_site(tmp_path / "s", {"moved.md": FRONT + MOVED, "files/report.pdf": REPORT})
    text = (site / "briefs" / "moved.md").read_text(encoding="utf-8")

    checked = run_build("check", "--source", site)
    built = run_build("--source", site, "--output", tmp_path / "out")

    line, col = position(text, '{% image "')
    expected = f"briefs/moved.md:{line}:{col}: warning: template tag"
    for result in (checked, built):
        assert result.returncode == 0, result.stderr
        assert expected in result.stderr, result.stderr
        assert result.stderr.count("warning:") == 5, result.stderr
        assert "Traceback" not in result.stderr
    strict = run_build("check", "--strict", "--source", site)
    assert strict.returncode == 1
    page = parse(tmp_path / "out" / "briefs" / "moved" / "index.html")
    assert [Page.text(a) for a in page.find_all("a") if "youtube" in str(a["attrs"])] == [
        "Embedded content: www.youtube.com"
    ]


def test_a_cached_brief_reports_its_warnings_again(tmp_path: Path) -> None:
    site = write_site(tmp_path / "s", {"moved.md": FRONT + MOVED, "files/report.pdf": REPORT})
    config = load_config(site, tmp_path / "out")
    assert isinstance(config, SiteConfig), config

    def warnings() -> list[Problem]:
        result = build(config, BuildOptions(jobs=1, git=False))
        assert result.ok, result.problems
        return [p for p in result.problems if p.path == "briefs/moved.md"]

    first = warnings()
    assert len(first) == 5
    assert warnings() == first
    assert (site / ".briefsite-cache").is_dir()


_PIECES = [
    '<a href="', '<img src="', '<A HREF="', "<a href='", '" title="t">', '"/>', '">', "'>",
    "</a>", "<code>", "</code>", "<pre>", "</pre>", "<p>", "</p>", "<iframe src=\"https://v.example/1\">",
    "</iframe>", "<IFRAME/>", "{{ x }}", "{% y %}", "{", "}", "|", "\\", "&quot;", "&#123;",
    "&#x7d;", "&lbrace;", "&vert;", "&amp;", "&lt;", "&gt;", "&ldquo;", '"', "'", "<", ">", "&",
    " ", "\n", "https://a.example/b?c=1&amp;d=2", "text", "<!-- {{ c }} -->", "<br/>",
    "&#123;&#123;", "&#125;&#125;", "&lbrace;&lcub;", "&rcub;&rbrace;", "&#x7B;&#37;", " y ",
    "&#123;&#123; a &#125;&#125;", "&#x7B;&#37; b &#37;&#x7D;", "&lcub;&lcub; c &rcub;&rcub;",
    "&#160;", "&#X7c;", "&#0060;", "&#x3E", "&#1234;", "&#x7b0;", "&#34;",
]  # fmt: skip


_OPENERS = ['<a href="', '<img src="', "<a href='", "<a href=", "<p>", "<code>"]
_CLOSERS = ['">', "'>", ">", "</p>", "</code>"]


def test_bodies_passed_over_unparsed_have_nothing_to_find():
    # Most bodies are not parsed (`leftovers._may_find`): only where parsing finds nothing.
    # Every piece alone, every two in a row, and every piece inside a tag or some text.
    htmls = [
        *_PIECES,
        *(first + second for first in _PIECES for second in _PIECES),
        *(
            opener + piece + closer
            for opener in _OPENERS
            for piece in _PIECES
            for closer in _CLOSERS
        ),
    ]
    assert [html for html in htmls if leftovers.scan(html) != leftovers._parse(html)] == []


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=14))
def test_any_body_passed_over_unparsed_has_nothing_to_find(pieces):
    html = "".join(pieces)
    assert leftovers.scan(html) == leftovers._parse(html)
