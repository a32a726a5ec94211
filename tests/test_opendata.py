"""Open data: briefs.json (against its JSON Schema), figures.csv, llms.txt, and the files beside
each brief's page (index.json, index.md), built from real sites and read back with real
parsers. The figures are the sample briefs' own, from the 7 April 2020 article."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import jsonschema
import pytest
from conftest import REPO, parse, run_build, site_files, write_site

from briefsite import opendata, pipeline
from briefsite.config import SiteConfig, load_config
from briefsite.output import published_hashes
from briefsite.pipeline import BuildOptions, build, publish

SCHEMA = json.loads((REPO / "docs" / "briefs.schema.json").read_text(encoding="utf-8"))
BASE = "https://example.org/briefs-site/"
SITE_YML = f"title: Test briefs\nbase_url: {BASE}\ndescription: Briefs for tests.\n"
# From the sample's source article (shared/sources): the land offer's two figures.
LAND = """\
figures:
  - label: "net industrial land offered"
    value: 37.3
    unit: "km²"
    source: "Industrial Reform, \\"Cutting-Edge\\" Layout of Qingdao, 7 April 2020"
  - label: "award"
    value: 100000000
    unit: "yuan"
    qualifier: "up to"
    source: "Industrial Reform, \\"Cutting-Edge\\" Layout of Qingdao, 7 April 2020"
"""


def brief(title: str, day: str = "2020-04-07", extra: str = "", body: str = "## Terms\n\nText.\n"):
    return f"---\ntitle: {title}\ndate: {day}\nsummary: About {title}.\n{extra}---\n{body}"


def validator(schema: dict[str, object] = SCHEMA) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def built(tmp_path: Path, briefs: dict[str, str], *args: str) -> Path:
    """A site of these briefs built into <site>/site (without a cache); the output folder."""
    site = write_site(tmp_path / "s", briefs, SITE_YML)
    result = run_build("build", "--source", site, "--no-cache", *args)
    assert result.returncode == 0, result.stdout + result.stderr
    return site / "site"


def data_of(out: Path) -> dict[str, object]:
    return json.loads((out / "briefs.json").read_text(encoding="utf-8"))


# ---------------------------------------------------------------------------- briefs.json


def test_briefs_json_of_the_sample_site_is_valid_and_lists_every_brief_as_the_archive_does(
    sample_site: Path,
):
    data = data_of(sample_site)
    validator().validate(data)
    assert data["version"] == 1
    assert data["site"]["url"] == BASE
    # Every language's briefs, each language in the order of its archive (en at the root,
    # zh-Hans under /zh/).
    for lang, folder in (("en", ""), ("zh-Hans", "zh/")):
        archive = parse(sample_site / folder / "briefs" / "index.html")
        titles = [
            e for e in archive.elements if "brief-list__title" in str(e["attrs"].get("class"))
        ]
        # (`text` reads no-break spaces as spaces, as it reads the page)
        assert [" ".join(b["title"].split()) for b in data["briefs"] if b["language"] == lang] == [
            archive.text(t) for t in titles
        ]
    assert len(data["briefs"]) == len(list((REPO / "briefs").glob("*.md")))
    land = next(b for b in data["briefs"] if b["slug"] == "land-offer" and b["language"] == "en")
    assert land["url"] == BASE + "briefs/land-offer/"
    assert land["number"] == "QB-2020-01"
    assert land["date"] == land["last_updated"] == "2020-04-07"
    assert land["topics"] == ["Land and planning", "Investment promotion"]
    assert [(f["value"], f["unit"], f["qualifier"]) for f in land["figures"]] == [
        (37.3, "km²", None),
        (100000000, "yuan", "up to"),
    ]
    assert land["files"]["markdown"] == BASE + "briefs/land-offer/index.md"


def test_the_schema_refuses_what_version_1_does_not_have(sample_site: Path):
    data = data_of(sample_site)
    entry = data["briefs"][0]
    for broken in (
        {**data, "version": 2},
        {**data, "briefs": [{k: v for k, v in entry.items() if k != "url"}]},
        {**data, "briefs": [{**entry, "shares": 3}]},
        {**data, "briefs": [{**entry, "date": "7 April 2020"}]},
    ):
        with pytest.raises(jsonschema.ValidationError):
            validator().validate(broken)


def test_each_brief_has_its_entry_as_index_json_beside_its_page(sample_site: Path):
    one_brief = validator({"$ref": "#/$defs/brief", "$defs": SCHEMA["$defs"]})
    for entry in data_of(sample_site)["briefs"]:
        folder = "" if entry["language"] == "en" else "zh/"  # (the sample's two languages)
        path = sample_site / folder / "briefs" / entry["slug"] / "index.json"
        alone = json.loads(path.read_text(encoding="utf-8"))
        one_brief.validate(alone)
        assert alone == entry
        assert entry["files"]["json"] == BASE + f"{folder}briefs/{entry['slug']}/index.json"


def test_only_what_the_site_publishes_is_in_the_open_data(tmp_path: Path):
    withdrawn = "withdrawn:\n  date: 2020-05-01\n  reason: The offer closed.\n"
    briefs = {
        "current.md": brief("Current", extra="number: QB-1\n" + LAND),
        "draft.md": brief("Draft", extra="draft: true\n" + LAND),
        "later.md": brief("Later", day="2999-01-01", extra=LAND),
        "withdrawn.md": brief("Withdrawn", extra=withdrawn),
        "old.md": brief("Old", extra="superseded_by: current.md\n"),
    }
    out = built(tmp_path, briefs)
    data = data_of(out)
    validator().validate(data)
    by_slug = {b["slug"]: b for b in data["briefs"]}
    assert set(by_slug) == {"current", "withdrawn", "old"}
    assert by_slug["withdrawn"]["withdrawn"] == {
        "date": "2020-05-01",
        "reason": "The offer closed.",
    }
    assert by_slug["old"]["superseded_by"] == BASE + "briefs/current/"
    assert by_slug["current"]["withdrawn"] is None
    assert by_slug["current"]["superseded_by"] is None
    rows = list(csv.reader(io.StringIO((out / "figures.csv").read_text(encoding="utf-8"))))
    assert {row[0] for row in rows[1:]} == {"current"}
    llms = (out / "llms.txt").read_text(encoding="utf-8")
    assert "Draft" not in llms and "Later" not in llms
    assert not (out / "briefs" / "draft").exists()
    # Drafts are published by a build that asks for them, in the data as on the pages.
    again = run_build("build", "--source", out.parent, "--no-cache", "--drafts")
    assert again.returncode == 0, again.stderr
    assert "draft" in {b["slug"] for b in data_of(out)["briefs"]}
    assert (out / "briefs" / "draft" / "index.md").is_file()


# ---------------------------------------------------------------------------- figures.csv


def test_figures_csv_has_a_row_per_key_figure_as_rfc_4180_writes_it(sample_site: Path):
    raw = (sample_site / "figures.csv").read_bytes()
    text = raw.decode("utf-8")
    assert not raw.startswith(b"\xef\xbb\xbf")  # UTF-8 without a byte-order mark
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == list(opendata.FIGURE_COLUMNS)
    assert rows[0] == ["brief_slug", "brief_url", "label", "qualifier", "value", "unit",
                       "source", "date"]  # fmt: skip
    expected = sum(len(b["figures"]) for b in data_of(sample_site)["briefs"])
    assert len(rows) - 1 == expected
    land = [row for row in rows if row[0] == "land-offer"]
    assert land[0][1:] == [
        BASE + "briefs/land-offer/",
        "net industrial land offered",
        "",
        "37.3",
        "km²",
        land[0][6],
        "2020-04-07",
    ]
    assert land[0][6].startswith("Industrial Reform, “Cutting-Edge” Layout of Qingdao")
    assert land[1][3:6] == ["up to", "100000000", "yuan"]
    # A cell holding a comma or quotes is quoted, its quotes doubled.
    assert '"Industrial Reform, “Cutting-Edge” Layout of Qingdao' in text


def test_figures_csv_disarms_cells_a_spreadsheet_would_run_as_formulas(tmp_path: Path):
    hostile = """\
figures:
  - label: '=HYPERLINK("https://attacker.test","net industrial land offered")'
    value: 37.3
    unit: "km²"
    source: "+Industrial Reform, 7 April 2020"
  - label: "@SUM(1)"
    value: 100000000
    unit: "-yuan"
    qualifier: "-up to"
    source: "Industrial Reform, 7 April 2020"
"""
    out = built(tmp_path, {"land.md": brief("Land offer", extra=hostile)})
    rows = list(csv.reader(io.StringIO((out / "figures.csv").read_text(encoding="utf-8"))))
    first, second = rows[1], rows[2]
    assert first[2].startswith("'=HYPERLINK(")
    assert first[6] == "'+Industrial Reform, 7 April 2020"
    assert second[2] == "'@SUM(1)"
    assert (second[3], second[5]) == ("'-up to", "'-yuan")
    for row in rows[1:]:
        assert not any(cell.startswith(("=", "+", "-", "@")) for cell in row), row
    # briefs.json keeps the text as written: only a spreadsheet's cells need disarming.
    figures = data_of(out)["briefs"][0]["figures"]
    assert figures[1]["label"] == "@SUM(1)"


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@A1", "'@A1"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("37.3", "37.3"),
        ("net industrial land", "net industrial land"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_csv_cell(cell: str, written: str):
    assert opendata.csv_cell(cell) == written


@pytest.mark.parametrize(
    ("value", "written"),
    [(37.3, "37.3"), (100000000, "100000000"), (1e-09, "0.000000001"), (100.0, "100"), (0, "0")],
)
def test_plain_number(value: float, written: str):
    assert opendata.plain_number(value) == written


# ------------------------------------------------------------------------------- llms.txt


def test_llms_txt_follows_the_convention_and_links_each_briefs_markdown_copy(sample_site: Path):
    text = (sample_site / "llms.txt").read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[0] == "# Qingdao investment policy briefs"
    assert lines[2].startswith("> Short, sourced briefs on Qingdao")
    sections = [line for line in lines if line.startswith("## ")]
    assert sections[0] == "## Briefs"
    entry = re.compile(r"- \[(.+)\]\((\S+)\): (.+)")
    start = lines.index("## Briefs")
    end = lines.index(sections[1])
    entries = [entry.fullmatch(line) for line in lines[start + 1 : end] if line]
    data = data_of(sample_site)["briefs"]
    assert [m.group(1) for m in entries if m] == [b["title"] for b in data]
    for match, item in zip(entries, data, strict=True):
        assert match is not None
        assert match.group(2) == item["files"]["markdown"]
        assert match.group(3) == item["summary"]
        assert (sample_site / match.group(2).removeprefix(BASE)).is_file()


def test_llms_txt_keeps_withdrawn_briefs_apart_and_escapes_markdown(tmp_path: Path):
    withdrawn = "withdrawn:\n  date: 2020-05-01\n  reason: The offer closed.\n"
    out = built(
        tmp_path,
        {
            "a.md": brief("'Land [offer] *now*'"),
            "b.md": brief("Old offer", extra=withdrawn),
        },
    )
    text = (out / "llms.txt").read_text(encoding="utf-8")
    briefs, optional = text.split("## Optional")
    assert f"- [Land \\[offer\\] \\*now\\*]({BASE}briefs/a/index.md): About" in briefs
    assert "Old offer" not in briefs
    assert f"- [Old offer]({BASE}briefs/b/index.md): Withdrawn on 2020-05-01. About" in optional


def test_briefs_json_again_replaces_the_entries_of_edited_briefs_and_checks_the_rest(
    tmp_path: Path,
):
    site = write_site(tmp_path / "s", {"a.md": brief("Alpha"), "b.md": brief("Beta")}, SITE_YML)
    config = load_config(site, site / "site")
    assert isinstance(config, SiteConfig)
    entries = [opendata.record_json({"slug": s, "title": s.upper()}) for s in ("a", "b", "c")]
    published = opendata.briefs_json(config, entries).data or b""
    retitled = opendata.record_json({"slug": "b", "title": "Bee"})

    again = opendata.briefs_json_again(config, published, ["a", "b", "c"], {"b": retitled})
    assert again is not None
    assert again.data == opendata.briefs_json(config, [entries[0], retitled, entries[2]]).data
    last = opendata.briefs_json_again(config, published, ["a", "b", "c"], {"c": retitled})
    assert last is not None and b'"Bee"}\n  ]' in (last.data or b"")
    # Another order, another site's framing, or a line out of place: made whole instead.
    assert opendata.briefs_json_again(config, published, ["a", "c", "b"], {}) is None
    assert opendata.briefs_json_again(config, published, ["a", "b"], {}) is None
    other = published.replace(b'"version"', b'"versions"')
    assert opendata.briefs_json_again(config, other, ["a", "b", "c"], {}) is None
    unended = published.replace(b'"A"},\n', b'"A"}\n')
    assert opendata.briefs_json_again(config, unended, ["a", "b", "c"], {}) is None


def test_llms_txt_again_replaces_the_lines_of_retitled_briefs_and_nothing_else():
    # A title edit changes a line or two of a file that lists every brief: the edit path
    # replaces them in the published file, or makes the file whole when it cannot.
    published = "# Site\n\n- [A](x/a/index.md): About A.\n- [B](x/b/index.md): About B.\n"
    again = opendata.llms_txt_again(
        published.encode(), {"- [B](x/b/index.md): About B.": "- [B2](x/b/index.md): About B."}
    )
    assert again is not None and again.path == "llms.txt"
    assert again.data == published.replace("[B]", "[B2]").encode()
    # A line not there, or there twice, is not guessed at.
    assert opendata.llms_txt_again(published.encode(), {"- [C](x/c/index.md): C.": "x"}) is None
    doubled = (published + "- [A](x/a/index.md): About A.\n").encode()
    assert opendata.llms_txt_again(doubled, {"- [A](x/a/index.md): About A.": "x"}) is None


# ------------------------------------------------------------------------------- index.md


def test_a_briefs_markdown_copy_is_its_text_with_links_to_briefs_made_public(tmp_path: Path):
    body = (
        "## Terms\n\n"
        "See [the offer](b.md#terms), [the other brief][ref], [the page](#terms) and\n"
        "[a source](https://example.com/a.md).\n\n"
        "| a | b |\n| - | - |\n| 1 | 2 |\n\n"
        "[ref]: b.md\n"
    )
    out = built(
        tmp_path,
        {
            "a.md": brief("Alpha", extra="number: QB-2020-01\n" + LAND, body=body),
            "b.md": brief("Beta", extra="slug: beta-brief\n"),
        },
    )
    copy = (out / "briefs" / "a" / "index.md").read_text(encoding="utf-8")
    head, _, text = copy.partition("## Terms")
    assert head == (
        "# Alpha\n\n"
        "About Alpha.\n\n"
        f"Policy brief QB-2020-01, published 2020-04-07: <{BASE}briefs/a/>\n\n"
        "## Key figures\n\n"
        "- 37.3\u00a0km² net industrial land offered. Source: Industrial Reform, "
        "“Cutting-Edge” Layout of Qingdao, 7 April 2020\n"
        "- up to 100\u00a0million\u00a0yuan award. Source: Industrial Reform, "
        "“Cutting-Edge” Layout of Qingdao, 7 April 2020\n\n"
    )
    expected = body.replace("(b.md#terms)", f"({BASE}briefs/beta-brief/#terms)")
    expected = expected.replace("[ref]: b.md", f"[ref]: {BASE}briefs/beta-brief/")
    assert "## Terms" + text == expected
    # The page names its copy for programs that look for one.
    page = parse(out / "briefs" / "a" / "index.html")
    (alternate,) = page.find_all("link", rel="alternate", type="text/markdown")
    assert (out / "briefs" / "a" / alternate["attrs"]["href"]).is_file()


def test_a_withdrawn_briefs_copy_says_so_first(tmp_path: Path):
    withdrawn = "withdrawn:\n  date: 2020-05-01\n  reason: The offer closed.\n"
    out = built(
        tmp_path,
        {
            "a.md": brief("Alpha", extra=withdrawn + "superseded_by: b.md\n"),
            "b.md": brief("Beta"),
        },
    )
    copy = (out / "briefs" / "a" / "index.md").read_text(encoding="utf-8")
    assert "> Withdrawn on 2020-05-01: The offer closed.\n" in copy
    assert f"> Replaced by [Beta]({BASE}briefs/b/).\n" in copy
    assert copy.index("> Withdrawn") < copy.index("## Terms")


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("Land [offer]", "Land \\[offer\\]"),
        ("a_b *c* `d` <e> #f", "a\\_b \\*c\\* \\`d\\` \\<e\\> \\#f"),
        ("R&D &amp; more", "R&D \\&amp; more"),
        ("- not a list", "\\- not a list"),
        ("2020. A year", "2020\\. A year"),
        ("37.3 km²", "37.3 km²"),
        ("two\nlines", "two lines"),
    ],
)
def test_markdown_text(text: str, written: str):
    assert opendata.markdown_text(text) == written


# ------------------------------------------------------------------ the same bytes, kept


def test_open_data_is_the_same_bytes_in_every_build(tmp_path: Path):
    briefs = {"a.md": brief("Alpha", extra=LAND, body="See [b](b.md).\n"), "b.md": brief("Beta")}
    one = built(tmp_path / "one", briefs)
    two = built(tmp_path / "two", briefs)
    assert site_files(one) == site_files(two)
    names = ("briefs.json", "figures.csv", "llms.txt", "briefs/a/index.md", "briefs/a/cite.bib")
    assert all(name in site_files(one) for name in names)
    again = run_build("build", "--source", one.parent, "--no-cache")
    assert "0 written" in again.stdout, again.stdout


def config_of(site: Path) -> SiteConfig:
    config = load_config(site, site / "site")
    assert isinstance(config, SiteConfig), config
    return config


def test_a_template_edit_keeps_the_open_data_and_a_body_edit_remakes_that_briefs_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    site = write_site(
        tmp_path / "s",
        {"a.md": brief("Alpha", extra=LAND), "b.md": brief("Beta", body="See [a](a.md#terms).\n")},
        SITE_YML + "search: false\n",  # what the search index writes: test_search
    )
    (site / "templates").mkdir()
    base = (REPO / "templates" / "base.html").read_text(encoding="utf-8")
    (site / "templates" / "base.html").write_text(base, encoding="utf-8")
    config = config_of(site)
    options = BuildOptions(jobs=1, git=False)

    def rebuild() -> tuple[pipeline.BuildResult, tuple[str, ...]]:
        result = build(config, options, published_hashes(config.output))
        assert result.ok, result.problems
        return result, publish(result, config).written

    rebuild()
    (site / "templates" / "base.html").write_text(base.replace("</body>", "<!-- x -->\n</body>"))
    result, _ = rebuild()
    made = {o.path for o in result.outputs if o.data is not None}
    assert "briefs/a/index.html" in made  # every page, made again
    kept = {"briefs.json", "figures.csv", "llms.txt", "briefs/a/index.md", "briefs/a/cite.bib"}
    assert not kept & made  # the open data was not

    edits: list[bool] = []
    real = pipeline._build_edit

    def recording(*args, **kwargs):  # type: ignore[no-untyped-def]
        found = real(*args, **kwargs)
        edits.append(found is not None)
        return found

    monkeypatch.setattr(pipeline, "_build_edit", recording)
    (site / "briefs" / "a.md").write_text(brief("Alpha", extra=LAND, body="## Terms\n\nNew.\n"))
    _, written = rebuild()
    assert edits == [True]  # the edit path: only the edited brief was built
    assert set(written) == {"briefs/a/index.html", "briefs/a/index.md"}
    assert (config.output / "briefs" / "a" / "index.md").read_text().endswith("## Terms\n\nNew.\n")
    cold = run_build("build", "--source", site, "--output", tmp_path / "cold", "--no-cache")
    assert cold.returncode == 0, cold.stderr
    assert site_files(config.output) == site_files(tmp_path / "cold")
