"""The Markdown pipeline: a brief's body to HTML, notes, contents, ids and links."""

from __future__ import annotations

import time

import pytest
from conftest import LAND_OFFER, Page, position

from briefsite.brief import Brief
from briefsite.catalog import build_catalog
from briefsite.frontmatter import load_brief
from briefsite.links import RenderedBrief, render_brief
from briefsite.markup import Heading, Link, Markup
from briefsite.pageids import PAGE_IDS
from briefsite.source import make_source

NBSP = "\u00a0"


def brief_text(body: str, front: str = "") -> str:
    """The text of a brief file: front matter (5 lines without `front`) then the body."""
    return f"---\ntitle: A brief\ndate: 2020-01-01\nsummary: What it says.\n{front}---\n{body}"


def load(path: str, text: str) -> Brief:
    """A brief through the real source and front-matter stages."""
    loaded = load_brief(make_source(path, text), "en")
    assert isinstance(loaded, Brief), loaded
    return loaded


def render(
    body: str,
    *,
    path: str = "briefs/a.md",
    raw_html: str = "sanitize",
    directory_urls: bool = True,
    markup: Markup | None = None,
) -> RenderedBrief:
    """Render one brief's body in a catalog that also holds briefs/land-offer.md."""
    brief = load(path, brief_text(body))
    catalog, problems = build_catalog([brief, load("briefs/land-offer.md", LAND_OFFER)])
    assert problems == []
    return render_brief((markup or Markup(raw_html)), brief, catalog, directory_urls)


def hrefs(html: str) -> list[str]:
    return [a["attrs"].get("href") for a in Page(html).find_all("a")]


TABLE = """\
| Item | Value | Note |
| --- | --- | --- |
| Land | 37.3 km² | net |
| Share | 31.8% | of total |
| Award | 1,250 | yuan |
| Change | -4.5 | points |
"""


# --------------------------------------------------------------------------------- tables


def test_table_is_wrapped_in_a_focusable_scroll_region():
    page = Page(render(TABLE).body_html)

    (region,) = page.find_all("div", class_="table-scroll")
    assert region["attrs"]["role"] == "region"
    assert region["attrs"]["tabindex"] == "0"
    assert region["attrs"]["aria-label"] == "Table 1"
    index = page.elements.index(region)
    assert page.elements[index + 1]["tag"] == "table"
    assert len(page.find_all("table")) == 1


def test_each_table_gets_its_own_label():
    page = Page(render(TABLE + "\nBetween.\n\n" + TABLE).body_html)

    labels = [d["attrs"]["aria-label"] for d in page.find_all("div", class_="table-scroll")]
    assert labels == ["Table 1", "Table 2"]


def test_table_header_cells_are_column_headers():
    page = Page(render(TABLE).body_html)

    headers = page.find_all("th", scope="col")
    assert [Page.text(th) for th in headers] == ["Item", "Value", "Note"]
    assert all(th["attrs"].get("scope") in ("col", "row") for th in page.find_all("th"))


def test_numeric_table_cells_are_marked_num():
    page = Page(render(TABLE).body_html)

    numeric = ["".join(td["text"]) for td in page.find_all("td", class_="num")]
    assert numeric == [f"37.3{NBSP}km²", "31.8%", "1,250", "-4.5"]
    words = [
        Page.text(td) for td in page.find_all("td") if td not in page.find_all("td", class_="num")
    ]
    assert words == ["net", "of total", "yuan", "points"]  # the labels are row headers


def test_header_of_an_all_numeric_column_is_marked_num():
    body = (
        "| Item | Value | Mixed |\n| --- | --- | --- |\n"
        "| Land | 37.3 | 5 |\n| Share | 31.8% | n/a |\n"
    )
    page = Page(render(body).body_html)

    marked = [Page.text(th) for th in page.find_all("th", class_="num")]
    assert marked == ["Value"]


def test_table_column_alignment_survives_sanitizing():
    body = "| Item | Amount |\n| :--- | ---: |\n| Land | 37.3 |\n"
    page = Page(render(body).body_html)

    amount_cells = page.find_all("th", scope="col")[1:] + page.find_all("td")
    item_cells = page.find_all("th")[:1] + page.find_all("th", scope="row")
    # Alignment becomes a class: nh3 drops `style`, and `align` is obsolete in HTML5.
    for cell in amount_cells:
        assert "align-right" in cell["attrs"]["class"].split()
        assert "style" not in cell["attrs"] and "align" not in cell["attrs"]
    for cell in item_cells:
        assert "align-left" in cell["attrs"]["class"].split()


# ------------------------------------------------------------------ captions, row headers

LABELLED = """\
| Measure | Figure |
| --- | ---: |
| Share of total investment | 30% |
| Growth year on year | 26.5% |
"""


def caption_of(rendered: RenderedBrief) -> tuple[str, dict[str, object]]:
    """The one table's caption text and its scroll region's attributes."""
    page = Page(rendered.body_html)
    (caption,) = page.find_all("caption")
    (region,) = page.find_all("div", class_="table-scroll")
    assert region["attrs"]["aria-labelledby"] == caption["attrs"]["id"]
    assert "aria-label" not in region["attrs"]  # named once, by the caption
    table = page.find_all("table")[0]
    assert page.elements.index(caption) == page.elements.index(table) + 1  # first inside
    return Page.text(caption), caption["attrs"]


def test_a_table_paragraph_above_a_table_becomes_its_caption():
    rendered = render("Text.\n\nTable: Investment figures as the article gives them\n\n" + LABELLED)

    text, attrs = caption_of(rendered)
    assert text == "Investment figures as the article gives them"  # Pandoc's "Table:" dropped
    assert attrs["id"] == "table-1"
    assert "table-1" in rendered.ids  # "see Table 1" can link to it
    assert [Page.text(p) for p in Page(rendered.body_html).find_all("p")] == ["Text."]


def test_a_numbered_caption_keeps_its_number_as_the_text_refers_to_it():
    text, _ = caption_of(render("Table 1: Investment figures\n\n" + LABELLED))
    assert text == "Table 1: Investment figures"


def test_a_caption_line_right_above_the_table_needs_no_blank_line():
    rendered = render("Table 2.1: Investment *figures*\n" + LABELLED)

    text, _ = caption_of(rendered)
    assert text == "Table 2.1: Investment figures"
    assert Page(rendered.body_html).find_all("em")  # inline markup kept in the caption
    assert "|" not in rendered.body_html  # the table was read as a table


def test_a_chinese_caption():
    text, _ = caption_of(render("表1：投资数字\n\n" + LABELLED))  # noqa: RUF001
    assert text == "表1：投资数字"  # noqa: RUF001


def test_a_caption_id_keeps_clear_of_a_heading_with_the_same_id():
    rendered = render("## Table 1\n\nTable: Figures\n\n" + LABELLED)

    _, attrs = caption_of(rendered)
    assert attrs["id"] == "table-1-2"
    assert [h.id for h in rendered.toc] == ["table-1"]  # the heading keeps its id


def test_a_table_paragraph_below_no_table_is_a_warning_and_stays_a_paragraph():
    body = LABELLED + "\nTable: Investment figures\n\nText.\n"
    rendered = render(body)

    assert Page(rendered.body_html).find_all("caption") == []
    (problem,) = rendered.body.problems
    assert problem.severity == "warning"
    assert (problem.line, problem.col) == position(brief_text(body), "Table: Investment")
    assert "captions only the table right below it" in problem.message
    assert "move it to just above its table" in problem.hint


def test_a_table_paragraph_in_code_is_not_counted():
    body = "```\nTable: in code\n```\n\n" + LABELLED + "\nTable: stray\n"
    (problem,) = render(body).body.problems
    assert (problem.line, problem.col) == position(brief_text(body), "Table: stray")


def test_a_column_of_labels_becomes_row_headers():
    page = Page(render(LABELLED).body_html)

    rows = page.find_all("th", scope="row")
    assert [Page.text(th) for th in rows] == ["Share of total investment", "Growth year on year"]
    assert [Page.text(td) for td in page.find_all("td")] == ["30%", "26.5%"]
    assert [Page.text(th) for th in page.find_all("th", scope="col")] == ["Measure", "Figure"]


@pytest.mark.parametrize(
    ("rows", "labelled"),
    [
        ("| 2019 | 30% |\n| 2020 | 31.8% |\n", True),  # years label rows
        ("| 1,250 | 30% |\n| 37.3 | 31.8% |\n", False),  # numbers are data
        ("| Land | 30% |\n|  | 31.8% |\n", False),  # an empty cell: not a column of labels
    ],
)
def test_row_headers_only_where_every_first_cell_is_a_label(rows, labelled):
    page = Page(render("| Year | Share |\n| --- | --- |\n" + rows).body_html)

    assert bool(page.find_all("th", scope="row")) is labelled
    (year,) = [th for th in page.find_all("th", scope="col") if Page.text(th) == "Year"]
    if labelled:  # a label column's heading reads from the left, even over years
        assert "num" not in (year["attrs"].get("class") or "").split()


def test_a_one_column_table_has_no_row_headers():
    page = Page(render("| Item |\n| --- |\n| Land |\n").body_html)
    assert page.find_all("th", scope="row") == []


def test_the_sanitiser_keeps_exactly_what_markdown_tables_are_given():
    body = "Table 1: Investment figures\n\n" + LABELLED + "\n" + TABLE

    def tree(html: str) -> list[tuple[object, object, str]]:
        return [(e["tag"], e["attrs"], Page.text(e)) for e in Page(html).elements]

    # Every element and attribute made for tables survives; only the serialising differs.
    assert tree(render(body).body_html) == tree(render(body, raw_html="allow").body_html)


def test_the_sanitiser_keeps_only_valid_scopes_and_no_obsolete_align():
    raw = (
        '<table><caption id="c">Raw</caption><tr><th scope="row">A</th>'
        '<th scope="bogus">B</th><td align="right" onclick="x()">1</td></tr></table>\n\n'
        '<div role="region" aria-labelledby="c" tabindex="0">Region</div>\n'
    )
    page = Page(render(raw).body_html)

    assert [th["attrs"].get("scope") for th in page.find_all("th")] == ["row", None]
    (cell,) = page.find_all("td")
    assert cell["attrs"] == {}
    (caption,) = page.find_all("caption")
    assert caption["attrs"] == {"id": "c"}
    assert page.find_all("div", **{"aria-labelledby": "c"})


# ------------------------------------------------------------------------------ footnotes


FOOTNOTED = """\
Qingdao offered land.[^1]

[^1]: Qingdao press release, 7 April 2020.
"""


def test_footnotes_are_split_out_of_the_body():
    rendered = render(FOOTNOTED)

    body = Page(rendered.body_html)
    assert body.find_all("div", class_="footnote") == []
    assert body.find_all("ol") == []
    (ref,) = body.find_all("a", class_="footnote-ref")
    assert ref["attrs"]["href"] == "#fn:1"
    assert "Qingdao press release" not in rendered.body_html


def test_notes_hold_the_list_with_a_back_to_text_link():
    rendered = render(FOOTNOTED)

    notes = Page(rendered.notes_html)
    assert notes.find_all("div", class_="footnote") == []
    assert notes.find_all("hr") == []
    assert rendered.notes_html.lstrip().startswith("<ol>")
    (item,) = notes.find_all("li")
    assert item["attrs"]["id"] == "fn:1"
    assert "Qingdao press release, 7 April 2020." in Page.text(item)
    (back,) = notes.find_all("a", class_="footnote-backref")
    assert Page.text(back) == "Back to text"
    assert back["attrs"]["href"] == "#fnref:1"
    assert {"fn:1", "fnref:1"} <= rendered.ids


def test_back_to_text_link_is_in_chinese_for_chinese_briefs():
    rendered = render(FOOTNOTED, markup=Markup(lang="zh"))

    (back,) = Page(rendered.notes_html).find_all("a", class_="footnote-backref")
    assert Page.text(back) == "返回正文"


def test_brief_without_footnotes_has_no_notes():
    assert render("Just text.\n").notes_html == ""


# ------------------------------------------------------------------- headings and contents


def test_headings_get_ids_and_contents_entries_for_levels_two_and_three():
    body = "## What was announced\n\n### The land\n\n#### Detail\n\n## Terms\n"
    rendered = render(body)

    page = Page(rendered.body_html)
    assert [h["attrs"]["id"] for h in page.find_all("h2")] == ["what-was-announced", "terms"]
    assert [h["attrs"]["id"] for h in page.find_all("h3")] == ["the-land"]
    assert rendered.toc == (
        Heading(2, "what-was-announced", "What was announced"),
        Heading(3, "the-land", "The land"),
        Heading(2, "terms", "Terms"),
    )
    assert {"what-was-announced", "the-land", "terms"} <= rendered.ids


def test_repeated_headings_get_distinct_ids():
    rendered = render("## Terms\n\n## Terms\n")

    ids = [h.id for h in rendered.toc]
    assert len(set(ids)) == 2
    assert ids[0] == "terms"


def test_contents_text_has_smart_quotes_not_entities():
    rendered = render('## The "golden" policy\n')

    assert rendered.toc == (Heading(2, "the-golden-policy", "The \u201cgolden\u201d policy"),)


@pytest.mark.parametrize(
    "title", ["Sources", "Notes", "Contents", "History", "Key figures", "Main content"]
)
def test_body_headings_never_take_the_page_template_ids(title):
    rendered = render(f"## {title}\n\nText.\n")

    (heading,) = Page(rendered.body_html).find_all("h2")
    assert heading["attrs"]["id"] not in PAGE_IDS
    assert rendered.toc[0].id == heading["attrs"]["id"]
    assert rendered.toc[0].text == title
    assert not set(PAGE_IDS) & rendered.ids


def test_reserved_id_placeholders_do_not_reach_the_html():
    rendered = render("## Sources\n\nText.\n")

    assert "data-reserved" not in rendered.body_html
    assert Page(rendered.body_html).find_all("span") == []


# -------------------------------------------------------------- other Markdown extensions


def test_abbreviations_become_abbr_with_title():
    rendered = render("*[FDI]: Foreign direct investment\n\nFDI rose.\n")

    page = Page(rendered.body_html)
    (abbr,) = page.find_all("abbr")
    assert abbr["attrs"]["title"] == "Foreign direct investment"
    assert Page.text(abbr) == "FDI"
    assert "*[FDI]" not in rendered.body_html


def test_definition_lists():
    page = Page(render("Net land\n:   Land ready for building.\n").body_html)

    (term,) = page.find_all("dt")
    (definition,) = page.find_all("dd")
    assert Page.text(term) == "Net land"
    assert Page.text(definition) == "Land ready for building."
    assert len(page.find_all("dl")) == 1


def test_admonitions():
    body = '!!! note "About these terms"\n    The article gives no other terms.\n'
    page = Page(render(body).body_html)

    (box,) = page.find_all("div", class_="admonition")
    assert "note" in box["attrs"]["class"].split()
    (title,) = page.find_all("p", class_="admonition-title")
    assert Page.text(title) == "About these terms"
    assert "The article gives no other terms." in Page.text(box)


def test_smart_quotes():
    page = Page(render("The city \"extended an 'olive branch'\" and it's open.\n").body_html)

    (paragraph,) = page.find_all("p")
    assert Page.text(paragraph) == (
        "The city \u201cextended an \u2018olive branch\u2019\u201d and it\u2019s open."
    )


# ------------------------------------------------------------------------------------ code


def test_fenced_code_is_highlighted_by_pygments():
    rendered = render('```python\ndef award(x):\n    return "yuan"\n```\n')

    page = Page(rendered.body_html)
    (block,) = page.find_all("div", class_="highlight")
    assert "def award(x):" in Page.text(block)
    keywords = page.find_all("span", class_="k")
    assert [Page.text(k) for k in keywords] == ["def", "return"]
    assert page.find_all("span", class_="nf")
    assert rendered.has_code


def test_has_code_is_false_without_code_blocks():
    rendered = render("Text with `inline code` only.\n")

    assert not rendered.has_code


def test_unknown_language_renders_as_escaped_plain_text():
    rendered = render("```nosuchlanguage\n<b>bold</b> & <script>x()</script>\n```\n")

    page = Page(rendered.body_html)
    assert page.find_all("b") == []
    assert page.find_all("script") == []
    (code,) = page.find_all("code")
    assert "".join(code["text"]) == "<b>bold</b> & <script>x()</script>\n"


def test_a_very_long_code_block_renders_in_reasonable_time():
    lines = [f"value_{n} = {n}  # 37.3 km2\n" for n in range(20_000)]
    code = "".join(lines)[:200_000]
    code = code[: code.rfind("\n") + 1]
    assert len(code) > 199_000

    started = time.process_time()  # CPU time: the machine's load does not count
    rendered = render(f"```python\n{code}```\n")
    elapsed = time.process_time() - started

    assert elapsed < 10
    (block,) = Page(rendered.body_html).find_all("code")
    assert "".join(block["text"]) == code


# ------------------------------------------------------------------------ links to briefs


def test_links_to_brief_files_become_page_addresses():
    rendered = render("See [the offer](land-offer.md) and [its terms](land-offer.md#terms).\n")

    assert hrefs(rendered.body_html) == ["../land-offer/", "../land-offer/#terms"]


def test_links_to_brief_files_name_index_html_without_directory_urls():
    rendered = render(
        "See [the offer](land-offer.md) and [its terms](land-offer.md#terms).\n",
        directory_urls=False,
    )

    assert hrefs(rendered.body_html) == [
        "../land-offer/index.html",
        "../land-offer/index.html#terms",
    ]


def test_link_from_a_subfolder_brief_uses_the_page_address_not_the_folder():
    rendered = render("[offer](../land-offer.md#terms)\n", path="briefs/sub/a.md")

    assert hrefs(rendered.body_html) == ["../land-offer/#terms"]
    assert rendered.links[0].target_slug == "land-offer"


def test_link_to_a_place_in_the_same_brief_file_is_only_the_fragment():
    rendered = render("## Intro\n\n[back](a.md#intro)\n")

    assert hrefs(rendered.body_html) == ["#intro"]


def test_other_links_are_left_as_written():
    body = (
        "[site](https://example.org/x.md) [mail](mailto:a@example.org) "
        "[pdf](files/report.pdf) [missing](missing.md)\n"
    )
    rendered = render(body)

    found = hrefs(rendered.body_html)
    assert found[:2] == ["https://example.org/x.md", "mailto:a@example.org"]
    assert found[3] == "missing.md"
    # A file's address waits as a placeholder for `annexes`, which checks and publishes it.
    assert (found[2] or "").startswith("#briefsite-annex-")
    assert [ref.written for ref in rendered.body.annexes] == ["files/report.pdf"]


def test_links_are_recorded_with_their_position_in_the_file():
    body = (
        "## Intro\n\nText.\n\n"
        "See [the offer](land-offer.md#terms) or [x](missing.md).\n\n[up](#intro)\n"
    )
    text = brief_text(body)
    brief = load("briefs/a.md", text)
    catalog, _ = build_catalog([brief, load("briefs/land-offer.md", LAND_OFFER)])

    rendered = render_brief(Markup(), brief, catalog)

    assert rendered.links == (
        Link(
            "land-offer.md#terms",
            "land-offer",
            "terms",
            *position(text, "land-offer.md#terms"),
            "briefs/land-offer.md",
        ),
        Link("missing.md", None, "", *position(text, "missing.md"), "briefs/missing.md"),
        Link("#intro", "a", "intro", *position(text, "#intro"), "briefs/a.md"),
    )
    assert rendered.links[0].line == 10  # 5 lines of front matter, then the body's 5th line


def test_link_position_is_its_own_not_an_earlier_link_containing_the_same_href():
    body = "See [their terms](land-offer.md#terms).\n\nOur [terms](#terms).\n"
    text = brief_text(body)
    brief = load("briefs/a.md", text)
    catalog, _ = build_catalog([brief, load("briefs/land-offer.md", LAND_OFFER)])

    rendered = render_brief(Markup(), brief, catalog)

    own = [link for link in rendered.links if link.href == "#terms"]
    assert [(link.line, link.col) for link in own] == [position(text, "#terms", nth=1)]
    assert own[0].line == 8


def test_repeated_links_get_successive_positions():
    body = "[a](missing.md)\n\n[b](missing.md)\n"
    text = brief_text(body)

    rendered = render_brief(Markup(), load("briefs/a.md", text), build_catalog([])[0])

    assert [(link.line, link.col) for link in rendered.links] == [
        position(text, "missing.md", 0),
        position(text, "missing.md", 1),
    ]


# ------------------------------------------------------------------------ no-break spaces


def test_numbers_and_units_are_joined_by_no_break_spaces():
    page = Page(
        render("Qingdao offers 37.3 km² and up to 100 million yuan to 500 companies.\n").body_html
    )

    (paragraph,) = page.find_all("p")
    text = "".join(paragraph["text"])
    assert f"37.3{NBSP}km²" in text
    assert f"100{NBSP}million{NBSP}yuan" in text
    assert f"500{NBSP}companies" in text
    assert "offers 37.3" in text  # ordinary spaces elsewhere stay ordinary


def test_no_break_spaces_are_not_added_inside_code():
    rendered = render("Write `37.3 km²` here.\n\n```\n100 million yuan\n```\n")

    page = Page(rendered.body_html)
    codes = ["".join(c["text"]) for c in page.find_all("code")]
    assert codes == ["37.3 km²", "100 million yuan\n"]
    assert NBSP not in "".join(codes)


def test_text_after_inline_code_still_gets_no_break_spaces():
    page = Page(render("Use `x` for 12 km of road.\n").body_html)

    (paragraph,) = page.find_all("p")
    assert f"12{NBSP}km" in "".join(paragraph["text"])


# ----------------------------------------------------------------------------- raw HTML


HOSTILE = """\
<script>alert("x")</script>

<p>An image <img src="map.png" alt="Map" onerror="alert(1)"> and
<a href="javascript:alert(2)">a link</a>.</p>

<iframe src="https://evil.example/"></iframe>

[markdown link](javascript:alert(3))
"""

KEPT = """\
<table><tr><td>37.3</td></tr></table>

<p><abbr title="Foreign direct investment">FDI</abbr> rose<sup>2</sup>.</p>

<details><summary>More</summary><p>Hidden text.</p></details>
"""


def test_sanitize_removes_scripts_handlers_javascript_links_and_iframes():
    rendered = render(HOSTILE)

    page = Page(rendered.body_html)
    assert page.find_all("script") == []
    assert page.find_all("iframe") == []
    assert "alert" not in rendered.body_html
    (img,) = page.find_all("img")
    assert img["attrs"].keys() == {"src", "alt"} and img["attrs"]["alt"] == "Map"
    assert img["attrs"]["src"].startswith("#briefsite-annex-")  # map.png, for `annexes`
    assert all(not (h or "").startswith("javascript:") for h in hrefs(rendered.body_html))
    assert "a link" in rendered.body_html


def test_sanitize_is_the_default():
    brief = load("briefs/a.md", brief_text(HOSTILE))
    catalog, _ = build_catalog([brief])

    assert Page(render_brief(Markup(), brief, catalog).body_html).find_all("script") == []


def test_sanitize_keeps_tables_abbreviations_superscripts_and_details():
    page = Page(render(KEPT).body_html)

    assert len(page.find_all("table")) == 1
    (abbr,) = page.find_all("abbr")
    assert abbr["attrs"]["title"] == "Foreign direct investment"
    assert [Page.text(s) for s in page.find_all("sup")] == ["2"]
    (details,) = page.find_all("details")
    assert Page.text(page.find_all("summary")[0]) == "More"
    assert "Hidden text." in Page.text(details)


def test_sanitize_cleans_the_notes_too():
    rendered = render(
        'Text.[^1]\n\n[^1]: <script>alert(1)</script> See <a href="javascript:x()">this</a>.\n'
    )

    notes = Page(rendered.notes_html)
    assert notes.find_all("script") == []
    assert "javascript:" not in rendered.notes_html
    assert notes.find_all("li")


def test_escape_shows_raw_html_as_text():
    rendered = render("<script>alert(1)</script>\n\nSome <b>bold</b> words.\n", raw_html="escape")

    page = Page(rendered.body_html)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in rendered.body_html
    assert page.find_all("script") == []
    assert page.find_all("b") == []
    assert "Some <b>bold</b> words." in [Page.text(p) for p in page.find_all("p")]


def test_escape_leaves_no_javascript_links():
    rendered = render("[markdown link](javascript:alert(3))\n", raw_html="escape")

    assert all(not (h or "").startswith("javascript:") for h in hrefs(rendered.body_html))


def test_allow_passes_raw_html_through():
    rendered = render("<script>alert(1)</script>\n\nSome <b>bold</b> words.\n", raw_html="allow")

    page = Page(rendered.body_html)
    assert len(page.find_all("script")) == 1
    assert [Page.text(b) for b in page.find_all("b")] == ["bold"]


# -------------------------------------------------------------------------------- reuse


FIRST = """\
*[FDI]: Foreign direct investment

## Terms

FDI rose.[^1] See [offer](land-offer.md#terms).

[^1]: A note.
"""

SECOND = """\
## Terms

FDI fell. See [intro](#terms).
"""


def test_reusing_one_renderer_keeps_briefs_independent():
    first = load("briefs/a.md", brief_text(FIRST))
    second = load("briefs/b.md", brief_text(SECOND))
    catalog, _ = build_catalog([first, second, load("briefs/land-offer.md", LAND_OFFER)])
    markup = Markup()

    rendered_first = render_brief(markup, first, catalog)
    rendered_second = render_brief(markup, second, catalog)

    fresh_second = render_brief(Markup(), second, catalog)
    assert rendered_second == fresh_second
    assert rendered_second.notes_html == ""
    assert Page(rendered_second.body_html).find_all("abbr") == []
    assert rendered_second.toc == (Heading(2, "terms", "Terms"),)
    assert rendered_second.ids == frozenset({"terms"})
    assert [link.href for link in rendered_second.links] == ["#terms"]
    assert rendered_second.links[0].target_slug == "b"
    assert rendered_first.notes_html


def test_rendering_the_same_brief_twice_gives_the_same_result():
    first = load("briefs/a.md", brief_text(FIRST))
    second = load("briefs/b.md", brief_text(SECOND))
    catalog, _ = build_catalog([first, second, load("briefs/land-offer.md", LAND_OFFER)])
    markup = Markup()

    before = render_brief(markup, first, catalog)
    render_brief(markup, second, catalog)
    after = render_brief(markup, first, catalog)

    assert after == before
    assert after.toc == (Heading(2, "terms", "Terms"),)
