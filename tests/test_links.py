"""Bodies are rendered from their own file alone; links between briefs resolve afterwards."""

from __future__ import annotations

import pytest
from conftest import LAND_OFFER, Page

from briefsite.brief import Brief
from briefsite.catalog import build_catalog
from briefsite.compiled import BriefSettings, compile_brief
from briefsite.frontmatter import load_brief
from briefsite.links import resolve
from briefsite.markup import PLACEHOLDER_PREFIX, Markup
from briefsite.source import make_source

LINKING = """\
---
title: Linking
date: 2020-04-07
summary: Links to the land offer.
---
See [the terms](land-offer.md#terms) and [the offer](land-offer.md), [a gap](missing.md#x),
and [here](#more).

## More

Text.[^1]

[^1]: As in [the offer](land-offer.md).
"""


def load(path: str, text: str) -> Brief:
    loaded = load_brief(make_source(path, text), "en")
    assert isinstance(loaded, Brief), loaded
    return loaded


def hrefs(html: str) -> list[str]:
    anchors = [a["attrs"] for a in Page(html).find_all("a")]
    return [str(attrs["href"]) for attrs in anchors if isinstance(attrs, dict) and "href" in attrs]


def test_a_body_does_not_depend_on_other_briefs():
    brief = load("briefs/linking.md", LINKING)

    body = Markup().body(brief)

    placeholders = [h for h in hrefs(body.html) if PLACEHOLDER_PREFIX in h]
    assert len(placeholders) == 3  # the two links to land-offer.md and the one to missing.md
    assert [(ref.target_path, ref.fragment) for ref in body.links] == [
        ("briefs/land-offer.md", "terms"),
        ("briefs/land-offer.md", ""),
        ("briefs/missing.md", "x"),
        ("briefs/linking.md", "more"),
        ("briefs/land-offer.md", ""),
    ]
    assert [(ref.line, ref.col) for ref in body.links[:4]] == [(6, 17), (6, 54), (6, 78), (7, 12)]


def test_resolving_points_each_placeholder_at_its_page():
    brief = load("briefs/linking.md", LINKING)
    offer = load("briefs/land-offer.md", LAND_OFFER)
    catalog, _ = build_catalog([brief, offer])

    rendered = resolve(brief, Markup().body(brief), catalog, directory_urls=True)

    assert hrefs(rendered.body_html)[:4] == [
        "../land-offer/#terms",
        "../land-offer/",
        "missing.md#x",  # no brief there: left as written, for the link check to report
        "#more",
    ]
    assert "../land-offer/" in hrefs(rendered.notes_html)
    assert PLACEHOLDER_PREFIX not in rendered.body_html + rendered.notes_html
    assert [link.target_slug for link in rendered.links] == [
        "land-offer",
        "land-offer",
        None,
        "linking",
        "land-offer",
    ]


def test_a_link_to_a_brief_carries_its_full_address_for_print():
    """Print shows a link's address after it; a relative one ("../land-offer/") means
    nothing on paper, so links between briefs carry the page's full address too."""
    brief = load("briefs/linking.md", LINKING)
    offer = load("briefs/land-offer.md", LAND_OFFER)
    catalog, _ = build_catalog([brief, offer])
    base = "https://example.org/site/"

    rendered = resolve(brief, Markup().body(brief), catalog, True, base)

    anchors = [a["attrs"] for a in Page(rendered.body_html).find_all("a")]
    addresses = [(a["href"], a.get("data-url")) for a in anchors if isinstance(a, dict)]
    assert addresses[:4] == [
        ("../land-offer/#terms", base + "briefs/land-offer/#terms"),
        ("../land-offer/", base + "briefs/land-offer/"),
        ("missing.md#x", None),  # reaches no brief: the link check reports it
        ("#more", None),  # this page: the print stylesheet adds nothing to it
    ]
    assert f'data-url="{base}briefs/land-offer/"' in rendered.notes_html


def test_a_changed_slug_changes_only_the_resolved_links():
    brief = load("briefs/linking.md", LINKING)
    body = Markup().body(brief)
    before, _ = build_catalog([brief, load("briefs/land-offer.md", LAND_OFFER)])
    moved = LAND_OFFER.replace("summary:", "slug: land\nsummary:")
    after, _ = build_catalog([brief, load("briefs/land-offer.md", moved)])

    first = resolve(brief, body, before, directory_urls=False)
    second = resolve(brief, body, after, directory_urls=False)

    assert hrefs(first.body_html)[0] == "../land-offer/index.html#terms"
    assert hrefs(second.body_html)[0] == "../land/index.html#terms"
    assert first.body_html.replace("land-offer/", "land/") == second.body_html


def test_an_editor_cannot_spell_a_placeholder():
    # The placeholders carry a hash of the body they stand in, which the body cannot contain.
    forged = f"#{PLACEHOLDER_PREFIX}{'0' * 12}-0"
    text = LINKING + f'\n<a href="{forged}">forged</a> [f]({forged})\n'
    brief = load("briefs/linking.md", text)
    catalog, _ = build_catalog([brief, load("briefs/land-offer.md", LAND_OFFER)])

    rendered = resolve(brief, Markup("allow").body(brief), catalog, directory_urls=True)

    assert hrefs(rendered.body_html).count(forged) == 2


@pytest.mark.parametrize("raw_html", ["sanitize", "escape", "allow"])
@pytest.mark.parametrize(
    "fragment, written",
    [
        ("a&b", "a&amp;b"),
        ("say-%22q%22", "say-&quot;q&quot;"),
        ("%3Cx%3E", "&lt;x&gt;"),
        ("caf%C3%A9", "café"),
    ],
)
def test_unusual_fragments_are_written_as_the_serializer_writes_them(raw_html, fragment, written):
    text = LINKING.replace("land-offer.md#terms", f"land-offer.md#{fragment}")
    brief = load("briefs/linking.md", text)
    catalog, _ = build_catalog([brief, load("briefs/land-offer.md", LAND_OFFER)])

    rendered = resolve(brief, Markup(raw_html).body(brief), catalog, directory_urls=True)

    assert f'href="../land-offer/#{written}"' in rendered.body_html


def test_compiling_is_a_function_of_the_bytes_and_settings():
    settings = BriefSettings(language="en", raw_html="sanitize")
    data = LINKING.encode()

    first = compile_brief("briefs/linking.md", data, settings)
    again = compile_brief("briefs/linking.md", data, settings)

    assert first == again
    assert first.brief is not None and first.body is not None
    assert first.problems == ()
    escaped = compile_brief("briefs/linking.md", data, BriefSettings("en", "escape"))
    assert escaped.body is not None and not escaped.body.sanitized


def test_compiling_a_bad_file_gives_its_problems():
    settings = BriefSettings(language="en", raw_html="sanitize")

    result = compile_brief("briefs/bad.md", b"---\ntitle: [unclosed\n---\n", settings)

    assert result.brief is None
    # The body is still rendered, for a stand-in named after the file: its links get checked.
    assert result.body is not None and result.stand_in is not None
    assert (result.stand_in.slug, result.stand_in.source_path) == ("bad", "briefs/bad.md")
    assert result.problems[0].path == "briefs/bad.md"
    assert result.problems[0].line == 2


def test_a_file_without_front_matter_has_no_stand_in():
    settings = BriefSettings(language="en", raw_html="sanitize")

    result = compile_brief("briefs/bad.md", b"Just text, no front matter.\n", settings)

    assert (result.brief, result.body, result.stand_in) == (None, None, None)
    assert result.problems
