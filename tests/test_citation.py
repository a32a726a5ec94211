"""Citations: APA and Chicago text, BibTeX and RIS files read back by real parsers, Highwire
meta tags and schema.org JSON-LD, on real built pages parsed as HTML."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import bibtexparser
import pytest
import rispy
from bibtexparser.middlewares.names import split_multiple_persons_names
from conftest import parse, run_build, write_site
from pylatexenc.latex2text import LatexNodes2Text

from briefsite import citation
from briefsite.brief import Brief
from briefsite.config import SiteConfig, load_config

BASE = "https://example.org/briefs-site/"
SITE_YML = f"title: Test briefs\nbase_url: {BASE}\npublisher: Policy Research Unit\n"
# Braces, quotes, & and % (each special to BibTeX or LaTeX), and Chinese.
HARD_TITLE = 'Land {offer} "terms" & 50% of 青岛 plots, $5 #1 a_b ~c \\d'


def config_of(tmp_path: Path, site_yml: str = SITE_YML) -> SiteConfig:
    site = write_site(tmp_path / "s", {}, site_yml)
    config = load_config(site)
    assert isinstance(config, SiteConfig), config
    return config


def a_brief(**changes: object) -> Brief:
    brief = Brief(
        source_path="briefs/land-offer.md",
        slug="land-offer",
        lang="en",
        title="Qingdao offers 37.3 km² of net industrial land",
        date=dt.date(2020, 4, 7),
        summary="Qingdao launched a policy system of 37.3 km² of net industrial land.",
        body_markdown="",
        body_line=6,
        number="QB-2020-01",
        topics=("Land and planning", "Investment promotion"),
        issuing_body="Qingdao Municipal Government",
        authors=("Zhang Wei", "Li Na"),
    )
    return dataclasses.replace(brief, **changes)  # type: ignore[arg-type]


# ------------------------------------------------------------------ who is named, and how


def test_the_authors_are_named_else_the_issuing_body_else_the_publisher(tmp_path: Path):
    config = config_of(tmp_path)
    people = citation.reference(a_brief(), config)
    assert (people.authors, people.people) == (("Zhang Wei", "Li Na"), True)
    assert people.publisher == "Policy Research Unit"
    body = citation.reference(a_brief(authors=()), config)
    assert (body.authors, body.people) == (("Qingdao Municipal Government",), False)
    nobody = citation.reference(a_brief(authors=(), issuing_body=None), config)
    assert nobody.authors == ("Policy Research Unit",)
    bare = config_of(tmp_path / "bare", f"title: Test briefs\nbase_url: {BASE}\n")
    alone = citation.reference(a_brief(authors=(), issuing_body=None), bare)
    assert (alone.authors, alone.publisher) == (("Test briefs",), "Test briefs")


def test_apa_and_chicago_text(tmp_path: Path):
    config = config_of(tmp_path)
    ref = citation.reference(a_brief(), config)
    url = BASE + "briefs/land-offer/"
    assert ref.apa.text == (
        "Zhang Wei & Li Na. (2020). Qingdao offers 37.3 km² of net industrial land "
        f"(Policy Brief No. QB-2020-01). Policy Research Unit. {url}"
    )
    assert ref.chicago.text == (
        "Zhang Wei and Li Na. Qingdao offers 37.3 km² of net industrial land. Policy Brief "
        f"QB-2020-01. Policy Research Unit, April 7, 2020. {url}."
    )
    assert ref.apa.title == ref.chicago.title == ref.title  # set in italics by the template
    # An organisation that is both author and publisher is named once by APA.
    alone = citation.reference(a_brief(authors=(), issuing_body=None, number=None), config)
    assert alone.apa.text == (
        f"Policy Research Unit. (2020). Qingdao offers 37.3 km² of net industrial land. {url}"
    )
    # A title that asks a question keeps its mark, with no full stop after it.
    asked = citation.reference(a_brief(title="Who gets the land?", number=None), config)
    assert "(2020). Who gets the land? Policy Research Unit." in asked.apa.text
    assert "Li Na. Who gets the land? Policy Research Unit, April 7, 2020." in asked.chicago.text


@pytest.mark.parametrize(
    ("count", "apa", "chicago"),
    [
        (1, "A1", "A1"),
        (2, "A1 & A2", "A1 and A2"),
        (3, "A1, A2, & A3", "A1, A2, and A3"),
        (
            11,
            "A1, A2, A3, A4, A5, A6, A7, A8, A9, A10, & A11",
            "A1, A2, A3, A4, A5, A6, A7, et al.",
        ),
        (22, ", ".join(f"A{n}" for n in range(1, 20)) + ", . . . A22", None),
    ],
)
def test_author_lists(count: int, apa: str, chicago: str | None):
    names = [f"A{n}" for n in range(1, count + 1)]
    assert citation._apa_names(names) == apa
    if chicago is not None:
        assert citation._chicago_names(names) == chicago


# --------------------------------------------------------------- BibTeX and RIS, read back


def bibtex_fields(text: str) -> tuple[dict[str, str], list[str]]:
    """The first entry's fields as LaTeX would print them, and its authors one by one."""
    library = bibtexparser.parse_string(text)
    assert not library.failed_blocks, library.failed_blocks
    (entry,) = library.entries
    assert (entry.entry_type, entry.key) == ("techreport", "land-offer")
    decode = LatexNodes2Text().latex_to_text
    fields = {f.key: f.value for f in entry.fields}
    authors = [decode(name) for name in split_multiple_persons_names(fields["author"])]
    return {key: decode(value) for key, value in fields.items()}, authors


def test_bibtex_reads_back_exactly_with_a_hard_title(tmp_path: Path):
    config = config_of(tmp_path)
    brief = a_brief(title=HARD_TITLE, authors=("Zhang Wei", "Research and Policy Unit"))
    fields, authors = bibtex_fields(citation.bibtex(citation.reference(brief, config)))
    assert fields["title"] == HARD_TITLE
    assert authors == ["Zhang Wei", "Research and Policy Unit"]
    assert fields["institution"] == "Policy Research Unit"
    assert (fields["number"], fields["type"]) == ("QB-2020-01", "Policy brief")
    assert (fields["year"], fields["month"], fields["date"]) == ("2020", "apr", "2020-04-07")
    assert fields["url"] == BASE + "briefs/land-offer/"


def test_bibtex_names_an_organisation_as_one_author(tmp_path: Path):
    config = config_of(tmp_path)
    ref = citation.reference(a_brief(authors=(), issuing_body="Land & Resources Bureau"), config)
    text = citation.bibtex(ref)
    assert "author = {{Land \\& Resources Bureau}}," in text
    _, authors = bibtex_fields(text)
    assert authors == ["Land & Resources Bureau"]


def test_ris_reads_back_with_a_hard_title(tmp_path: Path):
    config = config_of(tmp_path)
    brief = a_brief(title=HARD_TITLE + "\nsecond line", summary="A summary.\nER  - forged")
    text = citation.ris(citation.reference(brief, config))
    assert text.startswith("TY  - RPRT\r\n") and text.endswith("ER  - \r\n")
    (record,) = rispy.loads(text)
    assert record["type_of_reference"] == "RPRT"
    assert record["title"] == HARD_TITLE + " second line"
    assert record["authors"] == ["Zhang Wei", "Li Na"]
    assert (record["year"], record["date"]) == ("2020", "2020/04/07/")
    assert record["publisher"] == "Policy Research Unit"
    assert record["issn"] == "QB-2020-01"  # RIS's SN: the report number, for RPRT
    assert record["urls"] == [BASE + "briefs/land-offer/"]
    assert record["abstract"] == "A summary. ER - forged"
    assert record["keywords"] == ["Land and planning", "Investment promotion"]
    assert record["language"] == "en"


# --------------------------------------------------------------------- JSON in a script


@pytest.mark.parametrize(
    "text",
    ["</script><script>alert(1)</script>", "<!-- x", "a & b > c", "line\u2028break\u2029", "中文"],
)
def test_script_json_cannot_end_its_script_and_reads_back(text: str):
    value = {"name": text, "list": [text]}
    written = citation.script_json(value)
    assert not any(c in written for c in "<>&\u2028\u2029")
    assert json.loads(written) == value


# ------------------------------------------------------------------------- a built page


HOSTILE = "</script><script>alert(1)</script>"


def build_one(tmp_path: Path, title: str, extra: str = "") -> Path:
    site = write_site(
        tmp_path / "s",
        {
            "land-offer.md": (
                f"---\ntitle: '{title}'\ndate: 2020-04-07\nsummary: Qingdao offers land.\n"
                f"number: QB-2020-01\ntopics: [Land and planning]\n{extra}---\n## Terms\n\nText.\n"
            )
        },
        SITE_YML,
    )
    result = run_build("build", "--source", site, "--no-cache")
    assert result.returncode == 0, result.stdout + result.stderr
    return site / "site" / "briefs" / "land-offer"


def test_a_title_that_closes_the_script_stays_inside_the_json_ld(tmp_path: Path):
    folder = build_one(tmp_path, HOSTILE)
    html = (folder / "index.html").read_text(encoding="utf-8")
    page = parse(folder / "index.html")
    # The page's only scripts are its JSON-LD (the citation, the breadcrumb trail), each
    # whole: nothing broke out of them.
    scripts = page.find_all("script")
    assert [script["attrs"] for script in scripts] == [{"type": "application/ld+json"}] * 2
    found = [json.loads("".join(script["text"])) for script in scripts]  # type: ignore[arg-type]
    assert [data["@type"] for data in found] == ["BreadcrumbList", "Report"]
    assert found[1]["name"] == HOSTILE
    assert found[0]["itemListElement"][-1]["name"] == HOSTILE
    assert "<script>alert" not in html


def report_data(folder: Path) -> dict[str, object]:
    """The page's schema.org JSON-LD of the brief (its other JSON-LD is the breadcrumb trail)."""
    scripts = parse(folder / "index.html").find_all("script", type="application/ld+json")
    found = [json.loads("".join(script["text"])) for script in scripts]  # type: ignore[arg-type]
    (data,) = [data for data in found if data["@type"] == "Report"]
    return data  # type: ignore[no-any-return]


def test_the_json_ld_describes_the_brief_as_a_schema_org_report(tmp_path: Path):
    updates = "updates:\n  - date: 2020-05-01\n    note: Figures checked.\n"
    folder = build_one(tmp_path, "Land offer", "authors: [Zhang Wei]\n" + updates)
    data = report_data(folder)
    assert data == {
        "@context": "https://schema.org",
        "@type": "Report",
        "name": "Land offer",
        "description": "Qingdao offers land.",
        "reportNumber": "QB-2020-01",
        "datePublished": "2020-04-07",
        "dateModified": "2020-05-01",
        "author": {"@type": "Person", "name": "Zhang Wei"},
        "publisher": {"@type": "Organization", "name": "Policy Research Unit"},
        "about": [{"@type": "Thing", "name": "Land and planning"}],
        "inLanguage": "en",
        "url": BASE + "briefs/land-offer/",
    }
    # Without authors, the issuing body is the author, as an organisation.
    other = build_one(tmp_path / "b", "Land offer", "issuing_body: Qingdao Municipal Government\n")
    data = report_data(other)
    assert data["author"] == {"@type": "Organization", "name": "Qingdao Municipal Government"}
    assert data["dateModified"] == "2020-04-07"


def test_the_page_carries_highwire_citation_tags(tmp_path: Path):
    folder = build_one(tmp_path, "Land offer", "authors: [Zhang Wei, Li Na]\n")
    tags = [
        (m["attrs"]["name"], m["attrs"]["content"])
        for m in parse(folder / "index.html").find_all("meta")
        if str(m["attrs"].get("name", "")).startswith("citation_")
    ]
    assert tags == [
        ("citation_title", "Land offer"),
        ("citation_author", "Zhang Wei"),
        ("citation_author", "Li Na"),
        ("citation_publication_date", "2020/04/07"),
        ("citation_technical_report_institution", "Policy Research Unit"),
        ("citation_technical_report_number", "QB-2020-01"),
        ("citation_language", "en"),
        ("citation_public_url", BASE + "briefs/land-offer/"),
    ]


def test_cite_this_brief_shows_apa_and_chicago_and_links_the_files_beside_the_page(
    tmp_path: Path,
):
    folder = build_one(tmp_path, HARD_TITLE.replace("'", "''"), "authors: [Zhang Wei]\n")
    page = parse(folder / "index.html")
    (section,) = page.find_all("section", class_="cite")
    (heading,) = page.find_all("h2", id="cite")
    assert page.text(heading) == "Cite this brief"
    assert section["attrs"]["aria-labelledby"] == "cite"
    shown = page.text(page.find_all("h1")[0])  # the title as the page shows it (typeset)
    text = page.text(section)
    assert f"Zhang Wei. (2020). {shown} (Policy Brief No. QB-2020-01)." in text
    assert f"Zhang Wei. {shown}. Policy Brief QB-2020-01. Policy Research Unit, April 7" in text
    titles = [page.text(i) for i in page.find_all("i")]
    assert titles.count(shown) == 2  # italic in both
    links = {a["attrs"]["href"] for a in page.find_all("a") if "download" in a["attrs"]}
    assert links == {"cite.bib", "cite.ris"}
    # The files beside the page read back as the page shows the brief.
    fields, authors = bibtex_fields((folder / "cite.bib").read_text(encoding="utf-8"))
    assert " ".join(fields["title"].split()) == shown
    assert authors == ["Zhang Wei"]
    (record,) = rispy.loads((folder / "cite.ris").read_text(encoding="utf-8"))
    assert " ".join(record["title"].split()) == shown
