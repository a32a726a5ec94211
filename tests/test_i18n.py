# ruff: noqa: RUF001  (full-width Chinese punctuation is what these tests are about)
"""Interface text in the page's language (issue 15, part 2): message catalogues read with
Babel, dates, numbers, units and qualifiers per locale, the strict check of the catalogues,
footnote back-links by language, and Chinese text left alone by the smart-quotes pass.

One site, built once for the module, holds a Chinese brief, an English one, and briefs in
en-GB, zh-CN and fr with notes, so each page is read as a reader gets it (parsed HTML)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from conftest import REPO, SITE_YML, Page, run_build, write_site
from english_output import digests, read_digest

from briefsite import formats, i18n
from briefsite.formats import format_date, format_quantity, qualifier_text
from briefsite.i18n import check_catalogues, template_messages, tr
from briefsite.typography import typeset

NBSP = "\u00a0"

ZH_BRIEF = """\
---
title: "青岛推出37.3平方公里净工业用地"
date: 2020-04-07
lang: zh-Hans
slug: land-offer-zh
summary: "青岛推出净工业用地和奖励。"
topics: ["Land"]
issuing_body: "青岛市政府"
status: in-force
authors: ["甲", "乙"]
updates:
  - date: 2020-05-01
    note: "更正。"
figures:
  - label: "净工业用地"
    value: 37.3
    unit: "km²"
    source: "新闻稿"
  - label: "奖励"
    value: 100000000
    unit: "yuan"
    qualifier: "up to"
    source: "新闻稿"
  - label: "补贴"
    value: 500000
    unit: "yuan"
    qualifier: "最多"
    source: "新闻稿"
sources:
  - title: "新闻稿"
    date: 2020-04-07
---

## 一

城市“再次向世界发出邀请”，称之为「黄金政策体系」。他说"好"，又说'行'。[^1]

## 二

正文。

## 三

正文。

[^1]: 注释。
"""

EN_BRIEF = """\
---
title: "Qingdao offers land"
date: 2020-04-07
summary: "Land and an award."
topics: ["Land"]
figures:
  - label: "award"
    value: 100000000
    unit: "yuan"
    qualifier: "up to"
    source: "Press release"
  - label: "land"
    value: 37.3
    unit: "km2"
    source: "Press release"
---

Text.
"""


def noted(lang: str, slug: str) -> str:
    """A brief in `lang` with one footnote."""
    return (
        f'---\ntitle: "Noted {slug}"\ndate: 2020-04-08\nlang: {lang}\nslug: {slug}\n'
        f'summary: "A note."\n---\n\nText.[^1]\n\n[^1]: The note.\n'
    )


@pytest.fixture(scope="module")
def site() -> Path:
    """The built site (its output folder)."""
    root = Path(tempfile.mkdtemp(prefix="briefsite-i18n-"))
    write_site(
        root,
        {
            "zh.md": ZH_BRIEF,
            "en.md": EN_BRIEF,
            "gb.md": noted("en-GB", "gb"),
            "cn.md": noted("zh-CN", "cn"),
            "fr.md": noted("fr", "fr"),
        },
        SITE_YML + "publisher: Test publisher\n",
    )
    result = run_build("build", "--source", root, "--no-cache")
    assert result.returncode == 0, result.stdout + result.stderr
    yield root / "site"
    shutil.rmtree(root, ignore_errors=True)


def page(site: Path, slug: str) -> tuple[str, Page]:
    """A brief page's HTML and its parse."""
    html = (site / "briefs" / slug / "index.html").read_text(encoding="utf-8")
    return html, Page(html)


def texts(parsed: Page, tag: str, **attrs: str) -> list[str]:
    """The text of each element with this tag (and attributes)."""
    return [Page.text(e) for e in parsed.find_all(tag, **attrs)]


# ------------------------------------------------------------------- the page's own words


def test_a_chinese_brief_page_has_chinese_chrome(site: Path) -> None:
    html, parsed = page(site, "land-offer-zh")
    assert '<html lang="zh-Hans">' in html
    assert texts(parsed, "a", class_="skip-link") == ["跳到正文"]
    assert texts(parsed, "nav", class_="site-nav")[0] == "全部简报 主题"
    assert texts(parsed, "nav", class_="breadcrumbs") == ["首页 简报"]
    assert texts(parsed, "p", class_="caption") == ["政策简报"]
    assert texts(parsed, "dt")[:6] == ["发布机构", "发布日期", "最后更新", "状态", "作者", "主题"]
    assert texts(parsed, "dd")[4] == "甲、乙"  # authors joined with the Chinese list comma
    headings = texts(parsed, "h2")
    for heading in ("关键数据", "目录", "注释", "来源", "本页更新记录", "引用本简报"):
        assert heading in headings, headings
    assert "首次发布。" in texts(parsed, "span")
    assert texts(parsed, "a", class_="footnote-backref") == ["返回正文"]
    footer = texts(parsed, "footer")[0]
    assert "发布者：Test publisher。" in footer and "订阅新简报（Atom 订阅源）" in footer
    assert "本页网址：" in footer
    labels = {e["attrs"].get("aria-label") for e in parsed.elements} - {None}  # type: ignore[union-attr]
    assert labels >= {"网站", "导航路径"}, labels
    # No English interface text anywhere on the page: every message id of the templates and
    # of the Python that writes pages (the ones that are words, not punctuation or formats).
    shown = " ".join(Page.text(e) for e in parsed.find_all("body"))
    shown += " " + " ".join(str(label) for label in labels)
    for message in template_messages():
        words = message.msgid
        if len(words) > 3 and not re.search(r"[%{<]", words) and words not in ("APA",):
            assert words not in shown, words


def test_an_english_brief_page_stays_english(site: Path) -> None:
    html, parsed = page(site, "en")
    assert '<html lang="en">' in html
    assert texts(parsed, "a", class_="skip-link") == ["Skip to main content"]
    assert texts(parsed, "p", class_="caption") == ["Policy brief"]
    assert texts(parsed, "dt")[:1] == ["Published"]
    assert "Key figures" in texts(parsed, "h2")
    assert texts(parsed, "nav", class_="breadcrumbs") == ["Home Briefs"]


def test_list_pages_are_in_the_sites_language(tmp_path: Path) -> None:
    root = write_site(tmp_path / "s", {"zh.md": ZH_BRIEF}, SITE_YML + "language: zh-Hans\n")
    assert run_build("build", "--source", root).returncode == 0
    parsed = Page((root / "site" / "briefs" / "index.html").read_text(encoding="utf-8"))
    assert texts(parsed, "h1") == ["全部简报"]
    assert texts(parsed, "p", class_="lead") == ["共1篇简报，最新的在前。"]
    assert texts(parsed, "nav", class_="breadcrumbs") == ["首页"]
    assert texts(parsed, "title") == ["全部简报 – Test briefs"]
    meta = texts(parsed, "p", class_="brief-list__meta")[0]
    assert meta.startswith("政策简报 · 2020年4月7日 · 青岛市政府 · 现行有效"), meta


# ------------------------------------------------------------- dates, numbers and units


def test_dates_per_locale(site: Path) -> None:
    assert format_date(formats.dt.date(2020, 4, 7), "zh-Hans") == "2020年4月7日"
    assert format_date(formats.dt.date(2020, 4, 7), "en") == "7 April 2020"
    assert format_date(formats.dt.date(2020, 4, 7), "fr") == "7 April 2020"  # no catalogue
    html, _ = page(site, "land-offer-zh")
    assert '<time datetime="2020-04-07">2020年4月7日</time>' in html
    html, _ = page(site, "en")
    assert '<time datetime="2020-04-07">7 April 2020</time>' in html


def test_units_and_qualifiers_per_locale(site: Path) -> None:
    assert format_quantity(37.3, "km2", "en") == f"37.3{NBSP}km²"
    assert format_quantity(37.3, "km²", "zh-Hans") == "37.3平方公里"
    assert format_quantity(1e8, "yuan", "en") == f"100{NBSP}million{NBSP}yuan"
    assert format_quantity(1e8, "yuan", "zh") == "1亿元"
    assert qualifier_text("up to", "zh-CN") == "最高"
    assert qualifier_text("Up to", "en") == "Up to"  # English as written
    assert qualifier_text("最多", "zh") == "最多"  # Chinese as written
    assert qualifier_text("give or take", "zh") == "give or take"  # unknown: as written

    html, parsed = page(site, "land-offer-zh")
    values = texts(parsed, "span", class_="key-figures__value")
    assert values == ["37.3平方公里", "最高1亿元", "最多50万元"], values
    assert '<span class="figure-qualifier">最高</span>1亿元' in html  # sources: no space
    assert "up to" not in html
    html, parsed = page(site, "en")
    assert texts(parsed, "span", class_="key-figures__value")[0] == "up to 100 million yuan"
    assert f'<span class="figure-qualifier">up to</span> 100{NBSP}million{NBSP}yuan' in html


# ----------------------------------------------------------------- footnote back-links


def test_footnote_back_links_follow_the_language_not_its_exact_tag(site: Path) -> None:
    for slug, text in (("gb", "Back to text"), ("cn", "返回正文"), ("fr", "Back to text")):
        _, parsed = page(site, slug)
        assert texts(parsed, "a", class_="footnote-backref") == [text], slug


# --------------------------------------------------------------------- Chinese punctuation


def test_smart_quotes_leave_chinese_quotes_alone(site: Path) -> None:
    html, _ = page(site, "land-offer-zh")
    assert "城市“再次向世界发出邀请”，称之为「黄金政策体系」。" in html
    assert "他说\"好\"，又说'行'。" in html  # straight quotes against Chinese stay straight
    assert typeset('他说"好"。') == '他说"好"。'
    assert typeset("“青岛”「青岛」") == "“青岛”「青岛」"
    assert typeset('He said "good" -- yes...') == "He said “good” – yes…"


# ------------------------------------------------------------------------ the catalogues


def test_every_interface_string_is_translated_into_chinese() -> None:
    assert check_catalogues({"zh-Hans": "site.yml"}, template_messages()) == []


def test_the_pot_is_up_to_date_with_the_templates_and_code(tmp_path: Path) -> None:
    extracted = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from babel.messages.frontend import main; sys.exit(main())",
            *("extract", "-F", "babel.cfg", "-o", str(extracted), "--no-wrap", "."),
        ],
        cwd=REPO,
        check=True,
        capture_output=True,
        timeout=120,
    )

    def ids(path: Path) -> set[object]:
        with path.open("rb") as f:
            return {m.id if isinstance(m.id, str) else tuple(m.id) for m in read_po(f) if m.id}

    assert ids(extracted) == ids(i18n.TEMPLATE), (
        "run the pybabel extract and update commands of README's 'Interface text and "
        "translations', and translate the new strings"
    )


@pytest.fixture
def own_catalogue(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the zh catalogue in a temporary locales folder, used instead of the real one."""
    locales = tmp_path / "locales"
    po = locales / "zh" / "LC_MESSAGES" / "messages.po"
    po.parent.mkdir(parents=True)
    shutil.copy(i18n.po_path("zh"), po)
    monkeypatch.setattr(i18n, "LOCALES", locales)
    for cached in (i18n.catalogue_names, i18n.read_catalogue, i18n.translations):
        cached.cache_clear()
    yield po
    for cached in (i18n.catalogue_names, i18n.read_catalogue, i18n.translations):
        cached.cache_clear()


def test_an_untranslated_fuzzy_or_missing_string_is_named_at_the_catalogues_line(
    own_catalogue: Path,
) -> None:
    text = own_catalogue.read_text(encoding="utf-8")
    text = text.replace('msgid "Key figures"\nmsgstr "关键数据"', 'msgid "Key figures"\nmsgstr ""')
    text = text.replace('msgid "Contents"\n', '#, fuzzy\nmsgid "Contents"\n')
    start = text.index('msgid "Sources"\n')
    text = text[:start] + text[text.index("\n\n", start) + 2 :]
    own_catalogue.write_text(text, encoding="utf-8")
    lines = text.splitlines()

    problems = check_catalogues({"zh-CN": "briefs/a.md"}, template_messages())

    found = {p.message.split("'")[1]: p for p in problems}
    assert set(found) == {"Key figures", "Contents", "Sources"}, problems
    for problem in problems:
        assert problem.path == own_catalogue.as_posix()
        assert problem.hint
    assert lines[found["Key figures"].line - 1] == 'msgid "Key figures"'
    assert "not translated" in found["Key figures"].message
    assert lines[found["Contents"].line - 1] == 'msgid "Contents"'
    assert "fuzzy" in found["Contents"].message
    assert found["Sources"].line == 0 and "no entry" in found["Sources"].message
    assert "templates/brief.html:" in found["Sources"].message  # where it is used
    assert "pybabel update" in found["Sources"].hint
    # A fuzzy or empty translation is not shown: the page falls back to English.
    assert tr("zh", "Contents") == "Contents" and tr("zh", "Key figures") == "Key figures"
    assert tr("zh", "Notes") == "注释"


def test_check_strict_names_a_language_without_a_catalogue_once(tmp_path: Path) -> None:
    root = write_site(
        tmp_path / "s", {"a.md": noted("fr", "a"), "b.md": noted("fr-CA", "b"), "c.md": EN_BRIEF}
    )
    loose = run_build("check", "--source", root)
    assert loose.returncode == 0, loose.stderr
    strict = run_build("check", "--strict", "--source", root)
    assert strict.returncode == 1
    assert strict.stderr.count("no interface translation") == 1, strict.stderr
    assert "no interface translation for language 'fr'" in strict.stderr
    assert "briefs/a.md" in strict.stderr
    # A site in English and Chinese alone has nothing to report.
    root = write_site(tmp_path / "t", {"a.md": ZH_BRIEF, "c.md": EN_BRIEF})
    assert run_build("check", "--strict", "--source", root).returncode == 0


# ---------------------------------------------------------- English output, byte for byte


def test_english_sites_are_byte_identical_to_before_catalogues(tmp_path: Path) -> None:
    built = digests(tmp_path)
    committed = read_digest()
    changed = sorted(p for p in built.keys() | committed.keys() if built.get(p) != committed.get(p))
    assert not changed, (
        f"{len(changed)} files differ from tests/fixtures/english-output.sha256, e.g. "
        f"{changed[:5]}; if the change is meant, run 'python tests/english_output.py'"
    )


def test_check_strict_names_a_string_of_the_sites_own_templates(tmp_path: Path) -> None:
    root = write_site(tmp_path / "s", {"a.md": ZH_BRIEF})
    (root / "templates").mkdir()
    (root / "templates" / "404.html").write_text(
        '{% extends "base.html" %}\n{% block main %}\n<h1>{{ _("Lost at sea") }}</h1>\n'
        "{% endblock %}\n",
        encoding="utf-8",
    )
    result = run_build("check", "--strict", "--source", root)
    assert result.returncode == 1
    assert "interface text 'Lost at sea' (used at templates/404.html:3)" in result.stderr
    assert result.stderr.count("interface text") == 1, result.stderr
