"""Sites in two languages (issue #15): language in the model, addresses per language, lists,
feeds, the sitemap and the language switcher. Real sites in temporary folders, real builds,
every HTML page parsed."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from conftest import (
    REPO,
    SITE_YML,
    Page,
    build_site,
    parse,
    position,
    run_build,
    site_files,
    without_excerpts,
    write_site,
)

from briefsite import urls
from briefsite.config import load_config
from briefsite.output import published_hashes
from briefsite.pipeline import BuildOptions, build, publish

BASE = "https://example.org/briefs-site/"
TWO = SITE_YML + "languages: [en, zh-Hans]\n"
TODAY = dt.date(2024, 5, 1)


def brief(
    title: str, day: str, topics: str, extra: str = "", body: str = "## Terms\n\nText.\n"
) -> str:
    return (
        f"---\ntitle: {title}\ndate: {day}\nsummary: About {title}.\ntopics: [{topics}]\n"
        f"{extra}---\n{body}"
    )


BRIEFS = {
    "land-offer.md": brief(
        "Land offer", "2020-04-07", "Land", body="## Terms\n\nSee [the park](park.md#terms).\n"
    ),
    # Its translation: the file name names the language (zh, the folder of zh-Hans).
    "land-offer.zh.md": brief(
        "工业用地供应",
        "2020-04-07",
        "土地",
        body="## 条款\n\n见[园区](park.md#tiao-kuan)和[条款](#tiao-kuan)。\n",
    ),
    # A pair named differently, tied by translation_key.
    "park.md": brief("Industrial park", "2020-03-01", "Land", "slug: park\n"),
    "yuanqu.md": brief(
        "产业园区",
        "2020-03-01",
        "土地",
        "lang: zh-Hans\ntranslation_key: park\n",
        body="## 条款\n\n文字。\n",
    ),
    # English only: its switcher leads to the Chinese home page.
    "alone.md": brief("Alone", "2019-05-01", "Finance"),
}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("languages")
    return build_site(write_site(root / "s", BRIEFS, TWO), root / "out")


def html_pages(out: Path) -> dict[str, Page]:
    """Every HTML page of a built site by its site path (folders end in '/')."""
    pages = {}
    for file in sorted(out.rglob("*.html")):
        relative = file.relative_to(out).as_posix()
        path = relative.removesuffix("index.html") if relative.endswith("index.html") else relative
        pages[path] = parse(file)
    return pages


def alternates(page: Page) -> dict[str, str]:
    """hreflang -> address of a page's `<link rel="alternate" hreflang>`s."""
    return {
        str(link["attrs"]["hreflang"]): str(link["attrs"]["href"])  # type: ignore[index]
        for link in page.find_all("link", rel="alternate")
        if "hreflang" in link["attrs"]  # type: ignore[operator]
    }


def switcher(page: Page) -> list[dict[str, object]]:
    """The links of the language switcher."""
    navs = page.find_all("nav", class_="language-switch")
    assert len(navs) == 1 and navs[0]["attrs"]["aria-label"] == "Language"  # type: ignore[index]
    switch = {id(navs[0])}
    # The links inside the nav: those after it in document order, up to its last one.
    index = page.elements.index(navs[0])
    found = []
    for element in page.elements[index + 1 :]:
        if element["tag"] == "a":
            found.append(element)
        if element["tag"] == "form" or element["tag"] == "div":
            break
    assert switch
    return found


# ------------------------------------------------------------------ addresses and lists


def test_each_language_has_its_pages_under_its_folder(built: Path) -> None:
    for path in (
        "briefs/land-offer/index.html",
        "zh/briefs/land-offer/index.html",
        "zh/briefs/yuanqu/index.html",
        "zh/index.html",
        "zh/briefs/index.html",
        "zh/topics/index.html",
        "zh/404.html",
        "zh/feed.xml",
        "zh/years/2020/index.html",
        "zh/briefs/land-offer/index.json",
        "zh/briefs/land-offer/index.md",
        "zh/briefs/land-offer/cite.bib",
    ):
        assert (built / path).is_file(), path
    # Slugs are unique per language: the pair shares one, each in its own folder.
    assert not (built / "briefs/yuanqu").exists()


def test_a_chinese_topic_has_an_address_in_pinyin(built: Path) -> None:
    assert (built / "zh/topics/tu-di/index.html").is_file()
    assert (built / "zh/topics/tu-di/feed.xml").is_file()
    assert not list(built.rglob("topic-*"))  # never hex code points


def test_each_language_lists_its_own_briefs(built: Path) -> None:
    def titles(path: str) -> list[str]:
        doc = parse(built / path)
        return [
            Page.text(h)
            for level in ("h2", "h3")
            for h in doc.find_all(level, class_="brief-list__title")
        ]

    assert titles("briefs/index.html") == ["Land offer", "Industrial park", "Alone"]
    assert titles("zh/briefs/index.html") == ["工业用地供应", "产业园区"]
    zh_home = parse(built / "zh/index.html")
    assert zh_home.find_all("html")[0]["attrs"]["lang"] == "zh-Hans"  # type: ignore[index]


def test_feeds_are_per_language_with_their_xml_lang(built: Path) -> None:
    atom = "{http://www.w3.org/2005/Atom}"
    xml_lang = "{http://www.w3.org/XML/1998/namespace}lang"
    en = ET.parse(built / "feed.xml").getroot()
    zh = ET.parse(built / "zh/feed.xml").getroot()
    assert en.get(xml_lang) == "en" and zh.get(xml_lang) == "zh-Hans"
    assert [e.findtext(atom + "title") for e in zh.iter(atom + "entry")] == [
        "工业用地供应",
        "产业园区",
    ]
    assert "工业用地供应" not in (built / "feed.xml").read_text(encoding="utf-8")
    topic = ET.parse(built / "zh/topics/tu-di/feed.xml").getroot()
    assert topic.get(xml_lang) == "zh-Hans"


# ------------------------------------------------------------------ switcher and hreflang


def test_hreflang_pairs_are_symmetric_on_every_page(built: Path) -> None:
    pages = html_pages(built)
    pairs = 0
    for path, page in pages.items():
        found = alternates(page)
        if not found:
            continue
        own = urls.absolute(path, BASE)
        lang = str(page.find_all("html")[0]["attrs"]["lang"])  # type: ignore[index]
        assert found[lang] == own, path
        for hreflang, address in found.items():
            if hreflang == "x-default":
                continue
            other = pages[address.removeprefix(BASE)]
            assert alternates(other) == found, (path, address)  # both sides name both
            pairs += 1
        # x-default is the default language's version
        assert found["x-default"] == found["en"]
    assert pairs >= 2 * 8  # briefs, homes, archives, topics lists, years, statuses, ...


def test_the_switcher_leads_to_the_translation_or_the_other_home(built: Path) -> None:
    def target(path: str) -> tuple[str, dict[str, object]]:
        page = parse(built / urls.output_file(path))
        (link,) = switcher(page)
        attrs: dict[str, object] = link["attrs"]  # type: ignore[assignment]
        here = (built / urls.output_file(path)).parent
        landed = (here / str(attrs["href"])).resolve().relative_to(built.resolve())
        return landed.as_posix() + "/", attrs

    landed, attrs = target("briefs/land-offer/")
    assert landed == "zh/briefs/land-offer/"
    assert attrs["lang"] == attrs["hreflang"] == "zh-Hans"
    landed, attrs = target("zh/briefs/land-offer/")
    assert landed == "briefs/land-offer/" and attrs["lang"] == "en"
    assert target("zh/briefs/yuanqu/")[0] == "briefs/park/"  # paired by translation_key
    assert target("briefs/alone/")[0] == "zh/"  # no translation: the other language's home
    assert target("zh/topics/tu-di/")[0] == "./"  # (the root, seen from the site folder)
    doc = parse(built / "briefs/land-offer/index.html")
    assert Page.text(switcher(doc)[0]) == "中文"
    assert not alternates(parse(built / "briefs/alone/index.html"))


def test_a_language_s_pages_link_its_own_lists(built: Path) -> None:
    doc = parse(built / "zh/briefs/land-offer/index.html")
    nav = doc.find_all("nav", class_="site-nav")[0]
    index = doc.elements.index(nav)
    hrefs = [e["attrs"]["href"] for e in doc.elements[index : index + 6] if e["tag"] == "a"]  # type: ignore[index]
    assert hrefs[:2] == ["../", "../../topics/"]
    crumbs = doc.find_all("nav", class_="breadcrumbs")
    assert crumbs


def test_links_between_briefs_lead_to_the_linking_brief_s_language(built: Path) -> None:
    zh = (built / "zh/briefs/land-offer/index.html").read_text(encoding="utf-8")
    # park.md from a Chinese brief: its Chinese version, yuanqu.md, at its Chinese anchor.
    assert 'href="../yuanqu/#tiao-kuan"' in zh
    assert '<h2 id="tiao-kuan">条款</h2>' in zh  # a Chinese heading's id in pinyin
    assert 'href="#tiao-kuan"' in zh
    en = (built / "briefs/land-offer/index.html").read_text(encoding="utf-8")
    assert 'href="../park/#terms"' in en


def test_a_title_in_another_language_is_marked_in_a_list(make_site, tmp_path: Path) -> None:
    # A site of one language listing a Chinese brief: the entry says its language.
    chinese = brief("中文简报", "2020-01-02", "Land", "lang: zh-Hans\n")
    site = make_site({"a.md": brief("English", "2020-01-01", "Land"), "b.md": chinese})
    out = build_site(site, tmp_path / "out")
    doc = parse(out / "briefs/index.html")
    items = doc.find_all("li", class_="brief-list__item")
    assert [i["attrs"].get("lang") for i in items] == ["zh-Hans", None]  # type: ignore[union-attr]
    assert not doc.find_all("nav", class_="language-switch")  # one language: no switcher


def test_the_sitemap_lists_each_page_s_alternates(built: Path) -> None:
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}
    root = ET.parse(built / "sitemap.xml").getroot()
    found = {
        url.findtext("s:loc", namespaces=ns): {
            link.get("hreflang"): link.get("href") for link in url.findall("x:link", ns)
        }
        for url in root.findall("s:url", ns)
    }
    en, zh = BASE + "briefs/land-offer/", BASE + "zh/briefs/land-offer/"
    want = {"en": en, "zh-Hans": zh, "x-default": en}
    assert found[en] == want and found[zh] == want
    assert found[BASE + "briefs/alone/"] == {}
    assert found[BASE + "zh/"] == {"zh-Hans": BASE + "zh/", "en": BASE, "x-default": BASE}


# ------------------------------------------------------------------ errors at their places


def problems_of(site: Path) -> list[str]:
    result = run_build("--source", site, "--output", site / "out")
    assert result.returncode == 1, result.stdout
    return [line for line in without_excerpts(result.stderr) if ": error: " in line]


def test_a_lang_not_configured_is_an_error_at_its_value(make_site) -> None:
    text = brief("A", "2020-01-01", "Land", "lang: fr\n")
    site = make_site({"a.md": text}, TWO)
    line, col = position(text, "fr")
    assert problems_of(site) == [
        f"briefs/a.md:{line}:{col}: error: language 'fr' is not one of this site's languages"
    ]
    result = run_build("--source", site, "--output", site / "out")
    assert "hint: use one of 'en', 'zh-Hans'" in result.stderr


def test_two_briefs_of_one_language_sharing_a_key_are_an_error_at_both(make_site) -> None:
    first = brief("A", "2020-01-01", "Land", "lang: zh\n")
    second = brief("B", "2020-01-02", "Land", "translation_key: land\n")
    site = make_site({"land.zh.md": first, "b.zh.md": second}, TWO)
    found = problems_of(site)
    line, col = position(first, "zh\n")
    assert found[0].startswith(f"briefs/b.zh.md:{position(second, 'land')[0]}:")
    assert (
        f"briefs/land.zh.md:{line}:{col}: error: this brief and briefs/b.zh.md are both" in found[1]
    )
    assert len(found) == 2


def test_slugs_are_unique_per_language(make_site) -> None:
    text = brief("A", "2020-01-01", "Land", "slug: same\n")
    site = make_site({"a.zh.md": text, "b.zh.md": text.replace("title: A", "title: B")}, TWO)
    line, col = position(text, "same")
    assert problems_of(site) == [
        f"briefs/a.zh.md:{line}:{col}: error: slug 'same' is also used by briefs/b.zh.md",
        f"briefs/b.zh.md:{line}:{col}: error: slug 'same' is also used by briefs/a.zh.md",
    ]


@pytest.mark.parametrize(
    ("settings", "needle", "message"),
    [
        (
            "languages: [en, zh-Hans, zh-Hant]\n",
            "zh-Hant",
            "languages 'zh-Hans' and 'zh-Hant' would share the folder /zh/",
        ),
        ("language: zh-Hans\nlanguages: [en, zh-Hans]\n", "zh-Hans\nlanguages",
         "'language' is 'zh-Hans' but 'languages' starts with 'en'"),
    ],
)  # fmt: skip
def test_languages_that_cannot_be_are_errors_at_their_value(
    make_site, settings: str, needle: str, message: str
) -> None:
    text = SITE_YML + settings
    site = make_site({"a.md": brief("A", "2020-01-01", "Land")}, text)
    line, col = position(text, needle)
    loaded = load_config(site)
    assert isinstance(loaded, list)
    assert [(p.path, p.line, p.col, p.message) for p in loaded] == [
        ("site.yml", line, col, message)
    ]


def test_a_language_s_folder_is_reserved(make_site) -> None:
    alias = make_site({"a.md": brief("A", "2020-01-01", "Land", "aliases: [/zh/old/]\n")}, TWO)
    assert [p for p in problems_of(alias) if "inside /zh/, the folder of a language" in p]
    page = make_site({"a.md": brief("A", "2020-01-01", "Land")}, TWO)
    (page / "pages").mkdir()
    (page / "pages" / "zh.md").write_text("---\ntitle: Z\n---\nText.\n", encoding="utf-8")
    assert problems_of(page) == [
        "pages/zh.md:1:1: error: this page would have the address /zh/, which is /zh/: the "
        "site makes it"
    ]
    static = make_site({"a.md": brief("A", "2020-01-01", "Land")}, TWO)
    (static / "static" / "zh").mkdir(parents=True)
    (static / "static" / "zh" / "file.txt").write_text("x", encoding="utf-8")
    found = problems_of(static)
    assert found and found[0].startswith("static/zh/file.txt"), found


# ------------------------------------------------------------------ one language: unchanged


def test_a_site_of_one_language_is_byte_identical_to_before() -> None:
    """The sample site in English alone (its translations out, `language: en`) builds to the
    files it built to on main before languages and interface catalogues (ec2980e), byte for
    byte but the stylesheet's hashed name: `tests/english_output.py` makes those sites, and
    test_i18n's `test_english_sites_are_byte_identical_to_before_catalogues` compares them with
    its digest. Here: that the sites it compares are of one language, as this test means."""
    from english_output import sites

    with tempfile.TemporaryDirectory() as folder:
        for root in sites(Path(folder)).values():
            assert not list((root / "briefs").glob("*.*.md"))
            text = (root / "site.yml").read_text(encoding="utf-8")
            assert "languages:" not in text and "language: en" in text


# ------------------------------------------------------------------ edits (issue #9's paths)


def rebuild(site: Path, output: Path, cache: bool = True) -> None:
    """A build into `output`, as `python build.py` makes it (or a cold one: no cache)."""
    config = load_config(site, output)
    assert not isinstance(config, list), config
    on_disk = published_hashes(output) if cache else {}
    result = build(config, BuildOptions(today=TODAY, jobs=1, cache=cache), on_disk)
    assert result.ok, result.problems
    publish(result, config)


# Each edit: the file, the text replaced, the new text, the path the build takes and the
# pages it renders when it takes the edit path.
EDITS = [
    # A title: the full way (the edit path of titles does not know languages yet).
    ("land-offer.zh.md", "工业用地供应", "工业用地的供应", "full", None),
    # Bodies: that brief's page alone, its translation's page untouched.
    ("land-offer.md", "See [the park]", "Now see [the park]", "edit", "briefs/land-offer/"),
    ("land-offer.zh.md", "见[园区]", "请见[园区]", "edit", "zh/briefs/land-offer/"),
    # Asked for #tiao-kuan by the Chinese land offer's link to park.md, which leads here.
    ("yuanqu.md", "文字。", "新的文字。", "edit", "zh/briefs/yuanqu/"),
]


@pytest.mark.parametrize(("name", "old", "new", "way", "page"), EDITS)
def test_an_edit_builds_what_a_cold_build_builds(
    tmp_path: Path,
    full_builds: list[str],
    rendered_pages: list[str],
    name: str,
    old: str,
    new: str,
    way: str,
    page: str | None,
) -> None:
    site = write_site(tmp_path / "s", BRIEFS, TWO)
    rebuild(site, site / "site")
    full_builds.clear()
    rendered_pages.clear()
    path = site / "briefs" / name
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")

    rebuild(site, site / "site")

    assert full_builds == [way]
    if page is not None:
        assert rendered_pages == [page]  # not its translation's, nor any list's
    rebuild(site, tmp_path / "cold", cache=False)
    assert site_files(site / "site") == site_files(tmp_path / "cold")  # every file, every byte
    switch = parse(site / "site" / "briefs/land-offer/index.html")
    assert Page.text(switcher(switch)[0]) == "中文"
    if name == "land-offer.zh.md":
        shown = new.partition("[")[0]  # the title, or the body's new words
        assert shown in (site / "site" / "zh/briefs/land-offer/index.html").read_text("utf-8")


def test_a_body_edit_removing_an_anchor_a_link_to_its_translation_asks_for_is_reported(
    tmp_path: Path, full_builds: list[str]
) -> None:
    # The Chinese land offer links park.md#tiao-kuan, which leads to park.md's Chinese
    # version, yuanqu.md: removing that heading from yuanqu.md breaks the link, as the full
    # build finds. (The edit path must know the link asks it, not park.md, for the anchor.)
    site = write_site(tmp_path / "s", BRIEFS, TWO)
    rebuild(site, site / "site")
    full_builds.clear()
    path = site / "briefs" / "yuanqu.md"
    path.write_text(path.read_text("utf-8").replace("## 条款", "## 其他"), encoding="utf-8")
    config = load_config(site, site / "site")
    assert not isinstance(config, list), config
    options = BuildOptions(today=TODAY, jobs=1)

    result = build(config, options, published_hashes(site / "site"))

    assert full_builds == ["full"]
    broken = [p for p in result.problems if "#tiao-kuan" in p.message]
    assert [p.path for p in broken] == ["briefs/land-offer.zh.md"], result.problems
    cold = build(config, BuildOptions(today=TODAY, jobs=1, cache=False), {})
    assert result.problems == cold.problems


def test_a_brief_without_chinese_never_loads_pinyin() -> None:
    """pypinyin takes a third of a second to load: an English site never pays it."""
    code = (
        "import sys\n"
        "from briefsite.compiled import compile_brief, BriefSettings\n"
        "text = sys.stdin.read().encode()\n"
        "made = compile_brief('briefs/land-offer.md', text, "
        "BriefSettings('en', 'sanitize', ('en', 'zh-Hans')))\n"
        "assert made.brief is not None and made.brief.slug == 'land-offer'\n"
        "print('pypinyin' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        input=BRIEFS["land-offer.md"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"
