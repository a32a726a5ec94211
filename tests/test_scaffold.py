"""`build.py new "Title"`: a complete, valid draft brief, never over an existing one."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import yaml
from conftest import GOOD_BRIEF, parse, position, run_build, run_process, snapshot, write_site

from briefsite import placeholders, scaffold, schema
from briefsite.brief import Brief
from briefsite.compiled import BriefSettings, compile_brief
from briefsite.frontmatter import default_slug, load_brief
from briefsite.source import make_source
from briefsite.typography import typeset

TODAY = dt.date(2024, 5, 1)
EPOCH = "1714564800"  # 2024-05-01 12:00:00 UTC


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every build.py process of these tests believes today is 2024-05-01."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)


@pytest.fixture
def site(tmp_path: Path) -> Path:
    return write_site(tmp_path / "s", {})


def front_matter(text: str) -> dict[str, object]:
    """The YAML between the two '---' lines."""
    assert text.startswith("---\n")
    block = text.split("\n---\n", 1)[0].removeprefix("---\n")
    return yaml.safe_load(block)


def test_new_writes_every_field_explained_with_todays_date(site: Path) -> None:
    result = run_process(
        "new",
        "Qingdao offers land",
        "--topic",
        "Land and planning",
        "--topic",
        "Investment promotion",
        "--source",
        site,
    )
    assert result.returncode == 0, result.stderr
    path = site / "briefs" / "qingdao-offers-land.md"
    assert result.stdout.startswith("Created briefs/qingdao-offers-land.md.")
    assert "draft" in result.stdout
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    for field in schema.BRIEF_FIELDS:
        assert sum(1 for line in lines if re.match(rf"{field.name}:( |$)", line)) == 1, field.name
        comment = next(line for line in lines if line.startswith(f"# {field.name}: "))
        assert field.help in comment, field.name
        assert ("required" if field.required else "optional") in comment
    assert "date: 2024-05-01" in lines

    values = front_matter(text)
    assert values["title"] == "Qingdao offers land"
    assert values["date"] == TODAY
    assert values["topics"] == ["Land and planning", "Investment promotion"]
    assert values["draft"] is True
    assert values["slug"] == "qingdao-offers-land"

    # The real loader accepts it as it is, placeholder text and all.
    brief = load_brief(make_source("briefs/qingdao-offers-land.md", text), "en")
    assert isinstance(brief, Brief), brief
    assert brief.draft
    assert brief.date == TODAY
    assert brief.topics == ("Land and planning", "Investment promotion")
    assert brief.body_markdown.strip()
    assert not (site / "site").exists()


def test_the_new_brief_passes_check_and_builds_only_with_drafts(site: Path) -> None:
    (site / "briefs" / "land-offer.md").write_text(GOOD_BRIEF, encoding="utf-8")
    assert run_build("new", "A new policy", "--topic", "Tax", "--source", site).returncode == 0

    for args in (("check",), ("check", "--drafts", "--strict")):
        checked = run_build(*args, "--source", site)
        assert checked.returncode == 0, checked.stderr
        assert checked.stderr == ""
        assert "no problems" in checked.stdout
    assert "Checked 2 briefs" in run_build("check", "--drafts", "--source", site).stdout

    published = run_build("--source", site)
    assert published.returncode == 0, published.stderr
    assert not (site / "site" / "briefs" / "a-new-policy").exists()
    assert not (site / "site" / "topics" / "tax").exists()
    assert "A new policy" not in (site / "site" / "index.html").read_text(encoding="utf-8")

    with_drafts = run_build("--drafts", "--source", site)
    assert with_drafts.returncode == 0, with_drafts.stderr
    page = parse(site / "site" / "briefs" / "a-new-policy" / "index.html")
    assert [page.text(h) for h in page.find_all("h1")] == ["A new policy"]
    assert "This brief is a draft" in page.text(page.find_all("article")[0])
    assert (site / "site" / "topics" / "tax" / "index.html").is_file()
    assert "2024-05-01" in (site / "site" / "briefs" / "a-new-policy" / "index.html").read_text()


def test_new_never_overwrites_an_existing_brief(site: Path) -> None:
    assert run_build("new", "Land offer", "--source", site).returncode == 0
    path = site / "briefs" / "land-offer.md"
    edited = path.read_text(encoding="utf-8").replace("Replace this text.", "Real work.")
    path.write_text(edited, encoding="utf-8")

    again = run_build("new", "Land offer", "--source", site)
    assert again.returncode == 1
    assert "already exists: briefs/land-offer.md" in again.stderr
    assert "--slug" in again.stderr
    assert again.stdout == ""
    assert path.read_text(encoding="utf-8") == edited


def test_new_refuses_an_address_another_brief_already_uses(site: Path) -> None:
    taken = GOOD_BRIEF.replace("summary:", "slug: land-offer\nsummary:")
    (site / "briefs" / "older-name.md").write_text(taken, encoding="utf-8")
    before = snapshot(site)
    result = run_build("new", "Land offer", "--source", site)
    assert result.returncode == 1
    assert "'land-offer' already exists: briefs/older-name.md" in result.stderr
    assert snapshot(site) == before


def test_a_chinese_title_gives_a_slug_in_pinyin(site: Path) -> None:
    made = run_build("new", "青岛土地政策", "--source", site)
    assert made.returncode == 0, made.stderr
    assert [p.name for p in (site / "briefs").iterdir()] == ["qing-dao-tu-di-zheng-ce.md"]


def test_a_title_without_latin_letters_needs_a_slug(site: Path) -> None:
    refused = run_build("new", "Москва", "--source", site)
    assert refused.returncode == 1
    assert "--slug" in refused.stderr
    assert list((site / "briefs").iterdir()) == []

    created = run_build("new", "青岛土地政策", "--slug", "qingdao-land", "--source", site)
    assert created.returncode == 0, created.stderr
    text = (site / "briefs" / "qingdao-land.md").read_text(encoding="utf-8")
    assert front_matter(text)["title"] == "青岛土地政策"
    assert run_build("--drafts", "--source", site).returncode == 0
    page = parse(site / "site" / "briefs" / "qingdao-land" / "index.html")
    assert [page.text(h) for h in page.find_all("h1")] == ["青岛土地政策"]


def test_a_bad_slug_is_refused(site: Path) -> None:
    result = run_build("new", "Land offer", "--slug", "Land Offer!", "--source", site)
    assert result.returncode == 1
    assert "--slug" in result.stderr
    assert list((site / "briefs").iterdir()) == []


def test_titles_and_topics_with_yaml_syntax_survive(site: Path) -> None:
    title = 'Qingdao: "37.3 km²" of land #1 & more'
    topic = "R&D: tax, {credits}"
    result = run_build("new", title, "--topic", topic, "--slug", "odd", "--source", site)
    assert result.returncode == 0, result.stderr
    values = front_matter((site / "briefs" / "odd.md").read_text(encoding="utf-8"))
    assert values["title"] == title
    assert values["topics"] == [topic]
    assert run_build("--drafts", "--source", site).returncode == 0
    page = parse(site / "site" / "briefs" / "odd" / "index.html")
    # The heading shows the title typeset (curly quotes); Page.text makes every space plain.
    assert [page.text(h) for h in page.find_all("h1")] == [" ".join(typeset(title).split())]


def test_new_makes_the_briefs_folder_when_missing(tmp_path: Path) -> None:
    site = write_site(tmp_path / "s", {})
    (site / "briefs").rmdir()
    result = run_build("new", "First brief", "--source", site)
    assert result.returncode == 0, result.stderr
    assert (site / "briefs" / "first-brief.md").is_file()


def test_new_needs_a_site(tmp_path: Path) -> None:
    missing = run_build("new", "A brief", "--source", tmp_path / "nowhere")
    assert missing.returncode == 1
    assert "does not exist" in missing.stderr
    no_settings = tmp_path / "empty"
    no_settings.mkdir()
    result = run_build("new", "A brief", "--source", no_settings)
    assert result.returncode == 1
    assert "site.yml" in result.stderr
    assert list(no_settings.iterdir()) == []


# Placeholders: a new brief may keep them while it is a draft, never once it is published.

PLACEHOLDER_MESSAGE = "placeholder text from 'new' is still here: "


def made_ready(site: Path, title: str = "A new policy") -> tuple[Path, str]:
    """`new` a brief, then set `draft: false` as an editor would, leaving its placeholders."""
    assert run_build("new", title, "--topic", "Tax", "--source", site).returncode == 0
    path = site / "briefs" / f"{default_slug(title)}.md"
    text = path.read_text(encoding="utf-8").replace("\ndraft: true\n", "\ndraft: false\n")
    path.write_text(text, encoding="utf-8")
    return path, text


def test_a_brief_set_ready_with_its_placeholders_is_refused_at_each(site: Path) -> None:
    (site / "briefs" / "land-offer.md").write_text(GOOD_BRIEF, encoding="utf-8")
    path, text = made_ready(site)
    expected = [
        position(text, placeholders.SUMMARY),
        *(position(text, paragraph) for _, paragraph in placeholders.SECTIONS),
    ]

    for args in (("check",), ("check", "--strict"), ("build",)):
        result = run_build(*args, "--source", site)
        assert result.returncode == 1, result.stdout
        lines = result.stderr.splitlines()
        found = [line for line in lines if PLACEHOLDER_MESSAGE in line]
        assert [tuple(map(int, line.split(":")[1:3])) for line in found] == expected
        assert all(line.startswith("briefs/a-new-policy.md:") for line in found)
        assert f"'{placeholders.SECTIONS[1][1]}'" in found[2]  # the text it found, quoted
        assert f"  hint: {placeholders.HINT}" in lines
    assert not (site / "site").exists()  # nothing published

    # Back to a draft, it checks clean again; written over, it publishes.
    path.write_text(text.replace("\ndraft: false\n", "\ndraft: true\n"), encoding="utf-8")
    assert run_build("check", "--strict", "--source", site).returncode == 0
    finished = text.replace(placeholders.SUMMARY, "Qingdao cuts a tax.")
    for _, paragraph in placeholders.SECTIONS:
        finished = finished.replace(paragraph, "What the policy does.")
    path.write_text(finished, encoding="utf-8")
    built = run_build("--source", site)
    assert built.returncode == 0, built.stderr
    assert (site / "site" / "briefs" / "a-new-policy" / "index.html").is_file()


def uncomment_examples(text: str) -> str:
    """The brief with every example `new` shows under a field written in as its value."""
    for name, example in scaffold.EXAMPLES.items():
        if name == "superseded_by":
            continue  # an example of a real value, not a placeholder
        empty = "[]" if name in ("figures", "sources", "updates") else ""
        before = f"\n{name}: {empty}".rstrip() + "\n"
        assert before in text, name
        text = text.replace(before, f"\n{name}:\n" + "\n".join(example) + "\n", 1)
    return text


def test_every_placeholder_new_writes_is_caught() -> None:
    """The check and `new` share `placeholders`; this keeps both sides of that in step."""
    text = scaffold.new_brief("A policy", "a-policy", ["Tax"], TODAY)
    ready = uncomment_examples(text.replace("\ndraft: true\n", "\ndraft: false\n"))
    settings = BriefSettings(language="en", raw_html="sanitize")

    result = compile_brief("briefs/a-policy.md", ready.encode(), settings)

    assert result.brief is not None and not result.brief.draft  # valid, only unfinished
    found = {
        (p.line, p.col): p.message.removeprefix(PLACEHOLDER_MESSAGE)
        for p in result.problems
        if p.message.startswith(PLACEHOLDER_MESSAGE)
    }
    every = [
        placeholders.SUMMARY,
        *(paragraph for _, paragraph in placeholders.SECTIONS),
        *placeholders.EXAMPLE_VALUES,
    ]
    # Each at its value: an example's first occurrence is in the comment that shows it.
    nth = {value: 1 if value in placeholders.EXAMPLE_VALUES else 0 for value in every}
    assert sorted(found) == sorted(position(ready, value, nth[value]) for value in every)
    # Every paragraph of text `new` writes under its headings is a placeholder the check knows.
    body = text.split("\n---\n", 1)[1]
    paragraphs = [p.strip() for p in body.split("\n\n") if p.strip()]
    paragraphs = [p for p in paragraphs if not p.startswith("#")]
    assert paragraphs and all(p in every for p in paragraphs)
    # And every placeholder the check knows, `new` writes.
    assert all(value in text for value in every)
    # As a draft, the same text is accepted.
    draft = compile_brief("briefs/a-policy.md", uncomment_examples(text).encode(), settings)
    assert not [p for p in draft.problems if p.message.startswith(PLACEHOLDER_MESSAGE)]


def test_placeholders_are_found_rewrapped_or_half_replaced_but_not_in_comments() -> None:
    text = (
        "---\n"
        "title: Land offer\n"
        "date: 2020-03-26\n"
        "# summary: Replace with one or two sentences (a comment: never published)\n"
        "summary: >\n"
        "  Qingdao offers land. replace with ONE or two\n"
        "  sentences saying what the policy does.\n"
        "---\n"
        "## Terms\n\n"
        "Replace this\ntext. The terms are generous.\n\n"
        "We replace this sentence of our own, and that is fine.\n"
    )
    result = compile_brief(
        "briefs/a.md", text.encode(), BriefSettings(language="en", raw_html="sanitize")
    )
    found = [(p.line, p.col) for p in result.problems if PLACEHOLDER_MESSAGE in p.message]
    assert found == [(6, 24), (11, 1)]
