"""Hostile brief content: script hidden in links, raw HTML posing as the page's own parts, and
inputs that made whole-site checks grow faster than the site.

Script and id/class checks parse the HTML readers get (entities decoded the way a browser
decodes them); the size checks count work and output rather than time it, except one smoke
guard with a deadline far above the fixed cost.
"""

from __future__ import annotations

import difflib
import re
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from conftest import LAND_OFFER, SEARCH_SITE_YML, SITE_YML, Page, write_site

from briefsite import check as check_module
from briefsite import markup as markup_module
from briefsite.brief import Brief
from briefsite.catalog import build_catalog
from briefsite.check import check_consistency, check_links
from briefsite.config import SiteConfig, load_config
from briefsite.frontmatter import load_brief
from briefsite.links import RenderedBrief, render_brief
from briefsite.markup import BODY_CLASSES, Markup
from briefsite.pageids import IDS, PAGE_IDS
from briefsite.pipeline import BuildOptions, build
from briefsite.problems import did_you_mean
from briefsite.source import make_source

MODES = ("sanitize", "escape", "allow")
NBSP = "\u00a0"
SAFE = {"", "http", "https", "mailto"}  # "" is a relative address


def brief_text(body: str, front: str = "", title: str = "A brief") -> str:
    """A brief file: front matter (5 lines without `front`), then the body."""
    return f"---\ntitle: {title}\ndate: 2020-01-01\nsummary: What it says.\n{front}---\n{body}"


def load(path: str, text: str) -> Brief:
    """A brief through the real source and front-matter stages."""
    loaded = load_brief(make_source(path, text), "en")
    assert isinstance(loaded, Brief), loaded
    return loaded


def render(body: str, raw_html: str = "sanitize") -> RenderedBrief:
    """One brief's body rendered in a catalog that also holds briefs/land-offer.md."""
    brief = load("briefs/a.md", brief_text(body))
    catalog, problems = build_catalog([brief, load("briefs/land-offer.md", LAND_OFFER)])
    assert problems == []
    return render_brief(Markup(raw_html), brief, catalog)


def render_all(files: dict[str, str], markup: Markup | None = None) -> dict[str, RenderedBrief]:
    """Every file through the real stages, rendered, by slug."""
    catalog, problems = build_catalog([load(path, text) for path, text in files.items()])
    assert problems == []
    renderer = markup or Markup()
    return {b.slug: render_brief(renderer, b, catalog) for b in catalog.briefs}


def browser_scheme(url: str) -> str:
    """The scheme a browser follows an already entity-decoded URL with (the URL Standard:
    C0 controls and spaces around it are stripped, tabs and newlines anywhere removed)."""
    cleaned = re.sub("[\t\n\r]", "", url).strip("".join(map(chr, range(0x21))))
    match = re.match(r"([A-Za-z][A-Za-z0-9+.\-]*):", cleaned)
    return match.group(1).lower() if match else ""


def unsafe_urls(html: str) -> list[str]:
    """Every href or src a browser would follow with a scheme other than http(s) or mailto.

    html.parser decodes entities in attribute values as browsers do.
    """
    found = []
    for element in Page(html).elements:
        attrs: dict[str, str | None] = element["attrs"]  # type: ignore[assignment]
        for name in ("href", "src"):
            value = attrs.get(name)
            if value is not None and browser_scheme(value) not in SAFE:
                found.append(f"{element['tag']} {name}={value!r}")
    return found


def hrefs_of(html: str) -> list[str | None]:
    return [a["attrs"].get("href") for a in Page(html).find_all("a")]  # type: ignore[union-attr]


def build_site(root: Path, briefs: dict[str, str], extra_yml: str = "") -> dict[str, str]:
    """Build a site in memory through the real pipeline (drafts included); pages by path."""
    config = load_config(write_site(root, briefs, SITE_YML + extra_yml))
    assert isinstance(config, SiteConfig), config
    result = build(config, BuildOptions(drafts=True, git=False))
    assert result.ok, result.problems
    return {o.path: o.data.decode("utf-8") for o in result.outputs if o.path.endswith(".html")}


# ------------------------------------------------------------------ script in link targets

SCRIPT_LINKS = {
    "decimal entity": "[a](javascript&#58;alert(1))",
    "hex entity": "[a](&#x6A;avascript:alert(1))",
    "named colon": "[a](javascript&colon;alert(1))",
    "named tab": "[a](java&Tab;script:alert(1))",
    "numeric tab": "[a](java&#9;script:alert(1))",
    "newline": "[a](java&NewLine;script:alert(1))",
    "leading space": "[a](&#32;javascript:alert(1))",
    "entity without semicolon": "[a](javascript&#58alert(1))",
    "mixed case": "[a](JaVaScRiPt&#x3A;alert(1))",
    "vbscript": "[a](vbscript&#58;msgbox(1))",
    "data": "[a](data&#58;text/html,x)",
    "reference": "[a][x]\n\n[x]: javascript&#58;alert(1)",
    "reference, hex": "[a][x]\n\n[x]: &#x6A;avascript&#x3A;alert(1)",
    "image": "![a](javascript&#58;alert(1))",
    "reference image": "![a][x]\n\n[x]: java&Tab;script:alert(1)",
    "footnote": "Text.[^1]\n\n[^1]: See [a](javascript&#58;alert(1)).",
    "admonition": '!!! note "Note"\n    See [a](javascript&colon;alert(1)).',
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("body", SCRIPT_LINKS.values(), ids=SCRIPT_LINKS.keys())
def test_encoded_script_links_are_not_published(body: str, mode: str) -> None:
    rendered = render(body + "\n", raw_html=mode)

    html = rendered.body_html + rendered.notes_html
    assert unsafe_urls(html) == []
    page = Page(html)
    assert page.find_all("a") or page.find_all("img")  # the link itself stays, harmless


@pytest.mark.parametrize("mode", MODES)
def test_web_links_and_encoded_mail_links_are_kept(mode: str) -> None:
    rendered = render(
        "[web](https://example.org/a?b=1&c=2) [mail](mailto:a@example.org) <me@example.org> "
        "[page](land-offer.md#terms) [here](#terms) ![map](map.png)\n\n## Terms\n",
        raw_html=mode,
    )

    page = Page(rendered.body_html)
    assert [a["attrs"]["href"] for a in page.find_all("a")] == [
        "https://example.org/a?b=1&c=2",
        "mailto:a@example.org",
        "mailto:me@example.org",
        "../land-offer/#terms",
        "#terms",
    ]
    # map.png: a placeholder until `annexes` checks the file and writes its address in.
    assert page.find_all("img")[0]["attrs"]["src"].startswith("#briefsite-annex-")


@pytest.mark.parametrize("mode", MODES)
def test_built_pages_carry_no_script_links(tmp_path: Path, mode: str) -> None:
    body = "\n\n".join(SCRIPT_LINKS.values()) + "\n"
    pages = build_site(
        tmp_path, {"a.md": brief_text(body), "land-offer.md": LAND_OFFER}, f"raw_html: {mode}\n"
    )

    page = pages["briefs/a/index.html"]
    assert "Back to text" in page  # the footnote made it
    assert {path: unsafe_urls(html) for path, html in pages.items()} == {p: [] for p in pages}


def test_an_anchor_written_with_entities_is_checked_as_the_browser_reads_it() -> None:
    rendered = render_all({"briefs/a.md": brief_text("## Terms\n\n[x](#&#116;erms)\n")})

    assert check_links(rendered) == []


def test_a_link_with_backslash_escapes_is_followed_and_reported_as_written() -> None:
    text = brief_text("See [x](land\\-offer.md#terms) and [y](nope\\_x.md).\n")
    rendered = render_all({"briefs/a.md": text, "briefs/land-offer.md": LAND_OFFER})

    assert hrefs_of(rendered["a"].body_html) == ["../land-offer/#terms", "nope_x.md"]
    (problem,) = check_links(rendered)
    assert (problem.line, problem.col) == (6, 39)
    assert problem.message == "link 'nope\\_x.md' leads to no brief"


# ------------------------------------------------------ ids and classes of the page itself

# The draft banner as templates/brief.html writes it, typed into a published brief.
FAKE_BANNER = """\
<div class="notice notice--draft" role="region" aria-labelledby="draft-title">
<p id="draft-title" class="notice__title"><strong class="tag">Draft</strong></p>
<p>This brief is a draft.</p>
</div>
"""


# A withdrawn brief's notice takes the place of the "No longer in force" one.
WITHDRAWN = "withdrawn:\n  date: 2020-03-01\n  reason: The policy was replaced.\n"


def full_brief(body: str, extra: str = "") -> str:
    """A brief whose page has every section brief.html can show (draft, no longer in force,
    key figures, contents, notes, sources, updates, related briefs); with `extra` WITHDRAWN,
    the withdrawal notice instead of the expiry one."""
    front = extra + (
        "draft: true\nstatus: expired\ntopics: [Land]\n"
        "figures:\n  - label: land\n    value: 37.3\n    unit: km2\n    source: press\n"
        "sources:\n  - title: Press release\n    url: https://example.org/press\n"
        "updates:\n  - date: 2020-02-01\n    note: Figures corrected.\n"
    )
    sections = "## One\n\nText.[^1]\n\n## Two\n\nText.\n\n## Three\n\nText.\n\n[^1]: A note.\n"
    return brief_text(body + "\n" + sections, front)


RELATED = brief_text("Text.\n", "topics: [Land]\n", title="Related")


def template_part(page_html: str, rendered: RenderedBrief) -> Page:
    """The page without the brief's own body and notes: only what the templates wrote."""
    assert rendered.body_html in page_html and rendered.notes_html in page_html
    rest = page_html.replace(rendered.body_html, "").replace(rendered.notes_html, "")
    return Page(rest)


def classes_of(page: Page) -> set[str]:
    return {c for e in page.elements for c in (e["attrs"].get("class") or "").split()}  # type: ignore[union-attr]


def ids_of(page: Page) -> list[str]:
    return [e["attrs"]["id"] for e in page.elements if "id" in e["attrs"]]  # type: ignore[index, operator]


def build_full_page(tmp_path: Path, body: str, extra: str = "") -> tuple[str, RenderedBrief]:
    """Build a site holding `full_brief(body, extra)`; its page and its rendered body. With
    search: every id the templates can write, the search box's too."""
    briefs = {"a.md": full_brief(body, extra), "r.md": RELATED}
    config = load_config(write_site(tmp_path, briefs, SEARCH_SITE_YML))
    assert isinstance(config, SiteConfig), config
    result = build(config, BuildOptions(drafts=True, git=False))
    assert result.ok, result.problems
    (page,) = [o.data.decode() for o in result.outputs if o.path == "briefs/a/index.html"]
    return page, result.rendered["a"]


def test_every_id_the_brief_template_writes_is_a_page_id(tmp_path: Path) -> None:
    page_html, rendered = build_full_page(tmp_path / "expired", "Text.")
    withdrawn_html, withdrawn = build_full_page(tmp_path / "withdrawn", "Text.", WITHDRAWN)

    # Every section is on one of these pages, so PAGE_IDS holds no stale name and misses none.
    ids = ids_of(template_part(page_html, rendered))
    others = ids_of(template_part(withdrawn_html, withdrawn))
    assert len(ids) == len(set(ids)) and len(others) == len(set(others))
    assert sorted(set(ids) | set(others)) == sorted(PAGE_IDS)


def test_the_templates_use_no_class_body_content_may_carry(tmp_path: Path) -> None:
    for name, extra in (("expired", ""), ("withdrawn", WITHDRAWN)):
        page_html, rendered = build_full_page(tmp_path / name, "Text.", extra)

        assert classes_of(template_part(page_html, rendered)) & BODY_CLASSES == set()


def test_raw_html_cannot_take_the_page_ids(tmp_path: Path) -> None:
    # Written plainly, and one as a browser-decoded entity.
    raw = "".join(f'<p id="{name}">{name}</p>\n' for name in PAGE_IDS if name != "history")
    raw += '<p id="hist&#111;ry">encoded</p>\n'
    page_html, rendered = build_full_page(tmp_path, raw)

    ids = ids_of(Page(page_html))
    assert len(ids) == len(set(ids))
    assert set(PAGE_IDS) - {IDS.withdrawn_title} <= set(ids)  # not withdrawn: no such notice
    body = Page(rendered.body_html)
    renamed = [p["attrs"].get("id") for p in body.find_all("p")][: len(PAGE_IDS)]
    assert sorted(renamed) == sorted(f"user-content-{name}" for name in PAGE_IDS)


def test_raw_html_cannot_borrow_the_page_classes(tmp_path: Path) -> None:
    page_html, rendered = build_full_page(tmp_path, FAKE_BANNER)

    page = Page(page_html)
    assert len(page.find_all("div", class_="notice--draft")) == 1  # the real banner only
    assert len(page.find_all("strong", class_="tag")) == 1
    assert classes_of(Page(rendered.body_html)) <= BODY_CLASSES
    assert "This brief is a draft." in rendered.body_html  # the text stays, unstyled


@pytest.mark.parametrize("mode", MODES)
def test_admonition_types_cannot_borrow_the_page_classes(mode: str) -> None:
    rendered = render('!!! notice--draft tag warning "Draft"\n    Text.\n', raw_html=mode)

    (box,) = Page(rendered.body_html).find_all("div")
    assert box["attrs"]["class"] == "admonition warning"


@pytest.mark.parametrize("mode", MODES)
def test_code_fence_attributes_add_no_ids_classes_or_styles(mode: str) -> None:
    body = (
        "```{.python .notice #main-content use_pygments=false}\nx = 1\n```\n\n"
        '```{.python css_class="notice--draft" noclasses="true" cssstyles="color: red"}\nx\n```\n\n'
        '```{.python linenos="table" lineanchors="history"}\nx\n```\n\n'
        '```{.python hl_lines="1"}\nx = 1\n```\n'
    )
    rendered = render(body, raw_html=mode)

    page = Page(rendered.body_html)
    assert ids_of(page) == []
    assert all("style" not in e["attrs"] for e in page.elements)  # type: ignore[operator]
    assert classes_of(page) <= BODY_CLASSES
    assert len(page.find_all("div", class_="highlight")) == 4
    assert len(page.find_all("span", class_="hll")) == 1  # hl_lines still works


def test_markdowns_own_ids_and_classes_survive_sanitizing() -> None:
    body = (
        "## Terms\n\nText.[^1]\n\n| a | b |\n| --- | ---: |\n| x | 37.3 |\n\n"
        '```python\nx = 1\n```\n\n!!! warning "Careful"\n    Text.\n\n[^1]: A note.\n'
    )
    rendered = render(body)

    body_page, notes = Page(rendered.body_html), Page(rendered.notes_html)
    assert ids_of(body_page) == ["terms", "fnref:1"]
    assert ids_of(notes) == ["fn:1"]
    assert body_page.find_all("a", class_="footnote-ref")
    assert notes.find_all("a", class_="footnote-backref")
    assert body_page.find_all("div", class_="table-scroll")
    assert body_page.find_all("td", class_="num")
    assert body_page.find_all("td", class_="align-right")
    assert body_page.find_all("span", class_="n")  # Pygments' token classes
    assert body_page.find_all("div", class_="warning")
    assert rendered.has_code


RAW_IDS = (
    '<p><span id="method"></span>Method.</p>\n\n<p id="history">Mine.</p>\n\n'
    "# Big title\n\n## Terms\n\nText.[^n]\n\n[^n]: A note.\n"
)


@pytest.mark.parametrize("mode", MODES)
def test_the_ids_listed_for_the_anchor_check_are_those_the_page_carries(mode: str) -> None:
    rendered = render(RAW_IDS, raw_html=mode)

    carried = ids_of(Page(rendered.body_html)) + ids_of(Page(rendered.notes_html))
    assert rendered.ids == frozenset(carried)


def test_a_link_to_an_anchor_in_raw_html_is_accepted() -> None:
    text = brief_text(RAW_IDS + "\nSee [method](#method), [updates](#history).\n")

    assert check_links(render_all({"briefs/a.md": text})) == []


def test_a_link_to_a_heading_the_sanitiser_removes_is_reported() -> None:
    text = brief_text("# Big title\n\nSee [top](#big-title).\n")

    (problem,) = check_links(render_all({"briefs/a.md": text}))
    assert "'#big-title'" in problem.message


@pytest.mark.parametrize("mode", MODES)
def test_a_footnotes_look_alike_does_not_become_a_notes_section(mode: str) -> None:
    rendered = render('Text.\n\n<div class="footnote"><ol><li>Fake.</li></ol></div>\n', mode)

    assert rendered.notes_html == ""


# ------------------------------------------------------------------------- checks that scale


def figures_front(values: Sequence[float], label: str = "land") -> str:
    """`figures:` with one figure per value, all with the same label (4 lines each)."""
    items = "".join(
        f"  - label: {label}\n    value: {v}\n    unit: km2\n    source: s\n" for v in values
    )
    return "figures:\n" + items


def test_many_alike_figures_give_one_short_warning_each() -> None:
    # 400 figures labelled alike, as many as the schema allows in each of 8 briefs (once one
    # brief with 2,000 of them took 139 s and printed 126 MB).
    per_brief, count = 50, 400
    briefs = [
        load(f"briefs/a{n}.md", brief_text("Text.\n", figures_front(range(s, s + per_brief))))
        for n, s in enumerate(range(0, count, per_brief))
    ]

    problems = sorted(p for p in check_consistency(briefs) if "figure" in p.message)

    assert len(problems) == count
    assert max(len(p.message) for p in problems) < 300
    assert problems[0].message == (
        f"figure 'land' is 0{NBSP}km² here but 1{NBSP}km² in briefs/a0.md:10; "
        f"2{NBSP}km² in briefs/a0.md:14; 3{NBSP}km² in briefs/a0.md:18; and 396 other values"
    )
    assert [p.line for p in problems[:3]] == [6, 10, 14]


def test_figure_warnings_name_each_other_value_once_at_its_first_place() -> None:
    briefs = [
        load(f"briefs/{name}.md", brief_text("Text.\n", figures_front([value])))
        for name, value in (("a", 37.3), ("b", 37), ("c", 37), ("d", 40))
    ]

    messages = {p.path: p.message for p in check_consistency(briefs)}

    assert messages == {
        "briefs/a.md": f"figure 'land' is 37.3{NBSP}km² here but 37{NBSP}km² in briefs/b.md:6 "
        f"and 1 other place; 40{NBSP}km² in briefs/d.md:6",
        "briefs/b.md": f"figure 'land' is 37{NBSP}km² here but 37.3{NBSP}km² in briefs/a.md:6; "
        f"40{NBSP}km² in briefs/d.md:6",
        "briefs/c.md": f"figure 'land' is 37{NBSP}km² here but 37.3{NBSP}km² in briefs/a.md:6; "
        f"40{NBSP}km² in briefs/d.md:6",
        "briefs/d.md": f"figure 'land' is 40{NBSP}km² here but 37.3{NBSP}km² in briefs/a.md:6; "
        f"37{NBSP}km² in briefs/b.md:6 and 1 other place",
    }


def test_a_title_shared_by_many_briefs_names_three_and_counts_the_rest() -> None:
    briefs = [load(f"briefs/b{i}.md", brief_text("Text.\n")) for i in range(300)]

    problems = check_consistency(briefs)

    assert len(problems) == 300
    assert problems[0].message == (
        "title 'A brief' is also used by briefs/b1.md, briefs/b2.md, briefs/b3.md, "
        "and 296 other briefs"
    )
    assert problems[5].message == (
        "title 'A brief' is also used by briefs/b0.md, briefs/b1.md, briefs/b2.md, "
        "and 296 other briefs"
    )


def counting(monkeypatch: pytest.MonkeyPatch, owner: Any, name: str) -> list[tuple[Any, ...]]:
    """Replace `owner.name` by a wrapper that records its arguments; return the record."""
    calls: list[tuple[Any, ...]] = []
    original: Callable[..., Any] = getattr(owner, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, wrapper)
    return calls


def test_page_ids_are_worked_out_once_per_target_not_per_link(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    links = "".join(f"[t](land-offer.md#terms) [x](#x{i}) [y](#y)\n" for i in range(300))
    rendered = render_all({"briefs/a.md": brief_text(links), "briefs/land-offer.md": LAND_OFFER})
    calls = counting(monkeypatch, check_module, "brief_page_ids")

    problems = check_links(rendered)

    assert len(problems) == 600
    assert len(calls) <= len(rendered)


def test_a_suggestion_is_worked_out_once_per_broken_target(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    links = "".join("[a](land-ofer.md) [b](#trems)\n" for _ in range(300))
    rendered = render_all(
        {"briefs/a.md": brief_text("## Terms\n\n" + links), "briefs/land-offer.md": LAND_OFFER}
    )
    calls = counting(monkeypatch, difflib, "get_close_matches")

    problems = check_links(rendered)

    assert len(problems) == 600
    assert {p.hint for p in problems} == {
        "did you mean 'land-offer.md'?",
        "did you mean '#terms'?",
    }
    assert len(calls) == 2


def test_suggestion_work_is_bounded_however_many_links_are_broken(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    files = {f"briefs/brief-{i:02}.md": brief_text("Text.\n") for i in range(60)}
    links = "".join(f"[x](brief-{i:02}x.md)\n" for i in range(40))
    files["briefs/a.md"] = brief_text(links)
    rendered = render_all(files)
    monkeypatch.setattr(check_module, "SUGGESTION_BUDGET", 500, raising=False)
    calls = counting(monkeypatch, difflib, "get_close_matches")

    problems = check_links(rendered)

    assert len(problems) == 40
    assert sum(len(possibilities) for _, possibilities, *_ in calls) <= 500
    assert problems[0].hint == "did you mean 'brief-00.md'?"
    assert problems[-1].hint == (
        "link to another brief by its file name, e.g. [offer](land-offer.md)"
    )


@pytest.mark.parametrize(
    "word",
    [".md", "c.md", "brief-1x.md", "brief-100.md", "zz-brief-1.md", "a-very-long-name-of-it.md",
     "x" * 40 + ".md", "an-unrelated-name.md"],
)  # fmt: skip
def test_suggestions_are_the_ones_difflib_gives_among_all_options(word: str) -> None:
    names = [f"brief-{i}.md" for i in range(30)] + ["a.md", "b.md", "a-very-long-name.md"]
    files = {f"briefs/{name}": brief_text("Text.\n") for name in names}
    files["briefs/zz.md"] = brief_text(f"[x]({word})\n")
    # Names are compared without '.md', and the linking brief (zz.md) is never suggested.
    stems = sorted(name.removesuffix(".md") for name in names)

    (problem,) = check_links(render_all(files))

    expected = did_you_mean(
        word.removesuffix(".md"),
        stems,
        "link to another brief by its file name, e.g. [offer](land-offer.md)",
    )
    assert problem.hint == expected.replace("'?", ".md'?")


def test_placing_twenty_thousand_links_is_not_quadratic() -> None:
    # Markdown itself is left out: this is only where each link is written in the file.
    # Each line: a link of its own and one to a target every line shares.
    count = 20_000
    body = "".join(f"See [a](#x{i}) and [b](land-offer.md#terms).\n" for i in range(count))
    brief = load("briefs/a.md", brief_text(body))
    found = [
        item
        for i in range(count)
        for item in (
            (f"#x{i}", "briefs/a.md", f"x{i}", f"#x{i}", ""),
            ("land-offer.md#terms", "briefs/land-offer.md", "terms", "", f"#p-{i}"),
        )
    ]

    started = time.process_time()  # CPU time: the machine's load does not count
    links = list(markup_module._place_links(brief, found))
    elapsed = time.process_time() - started

    second = len("See [a](#x0) and [b](") + 1
    assert [(link.line, link.col) for link in links[:4]] == [
        (6, 9),
        (6, second),
        (7, 9),
        (7, second),
    ]
    assert [link.line for link in links] == [6 + i // 2 for i in range(2 * count)]
    assert elapsed < 10  # took 20 s and more when each link searched the body from the start


def test_a_page_id_is_declared_once_for_the_template_and_the_link_check(
    monkeypatch, tmp_path, request
):
    # Renaming a section's id in pageids.py renames it on the page and in the link check: no
    # second list can drift (once, renaming it in the template shipped a broken anchor).
    from conftest import GOOD_BRIEF, parse, write_site

    from briefsite import pageids, render
    from briefsite.config import SiteConfig, load_config
    from briefsite.pipeline import BuildOptions, build, publish

    # The Jinja environment is made once per process with the ids of that moment: drop one an
    # earlier test made (this test failed after any other build in its process), and the one
    # made here, so later tests get the real ids.
    render.environment_for.cache_clear()
    request.addfinalizer(render.environment_for.cache_clear)
    monkeypatch.setattr(pageids, "IDS", pageids.PageIds(key_figures="figures-box"))
    figures = "figures:\n  - label: land\n    value: 37.3\n    unit: km2\n    source: s\n"
    site = write_site(
        tmp_path / "s",
        {
            "a.md": GOOD_BRIEF.replace("summary:", figures + "summary:"),
            "b.md": GOOD_BRIEF.replace("Land offer", "B") + "\n[ok](a.md#figures-box)\n",
            "c.md": GOOD_BRIEF.replace("Land offer", "C") + "\n[old](a.md#key-figures)\n",
        },
    )
    config = load_config(site, site / "site")
    assert isinstance(config, SiteConfig)

    result = build(config, BuildOptions(jobs=1, cache=False))

    broken = [(p.path, p.message) for p in result.problems]
    assert broken == [
        ("briefs/c.md", "link 'a.md#key-figures': there is no heading or anchor "
         "'#key-figures' in briefs/a.md"),
    ]  # fmt: skip
    (site / "briefs" / "c.md").unlink()
    result = build(config, BuildOptions(jobs=1, cache=False))
    publish(result, config)
    page = parse(site / "site" / "briefs" / "a" / "index.html")
    assert page.find_all("h2", id="figures-box")
    assert not page.find_all("h2", id="key-figures")
