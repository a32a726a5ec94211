"""Images and documents a brief refers to: checked, measured and published beside its page.

Real sites in temporary folders, real images made by Pillow (another library than the one the
build reads sizes with), built by the command line in this process (`run_build`) or through
`pipeline.build` where a test counts which path a build took; pages are parsed as HTML.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import (
    SITE_YML,
    Page,
    manifest_of,
    parse,
    position,
    run_build,
    site_files,
    without_excerpts,
)
from PIL import Image, PngImagePlugin
from test_incremental import a_minute_later, cold, config_of
from test_serve import Preview, poll, preview  # noqa: F401 (fixtures, used by name)

from briefsite.pipeline import BuildOptions, build

FRONT = "---\ntitle: {title}\ndate: 2020-04-07\nsummary: About {title}.\n---\n"
PDF = b"%PDF-1.4\n" + b"x" * (1_200_000 - 9)  # 1.2 MB


def brief(body: str, title: str = "Land offer") -> str:
    return FRONT.format(title=title) + body


def image(
    path: Path,
    width: int,
    height: int,
    kind: str = "PNG",
    colour: tuple[int, int, int] = (86, 148, 202),
    **options: object,
) -> bytes:
    """A real image file of that size, written by Pillow; its bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (width, height), colour).save(path, kind, **options)
    return path.read_bytes()


def note(text: str) -> PngImagePlugin.PngInfo:
    """A PNG text chunk: files that differ in it alone have the same size."""
    info = PngImagePlugin.PngInfo()
    info.add_text("version", text)
    return info


def make(root: Path, briefs: dict[str, str], files: dict[str, bytes] | None = None,
         site_yml: str = SITE_YML) -> Path:  # fmt: skip
    """A site folder with these briefs and other files in briefs/ (bytes as given)."""
    (root / "briefs").mkdir(parents=True, exist_ok=True)
    (root / "site.yml").write_text(site_yml, encoding="utf-8")
    for name, text in briefs.items():
        (root / "briefs" / name).write_text(text, encoding="utf-8")
    for name, data in (files or {}).items():
        path = root / "briefs" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root


def built(site: Path, *args: str) -> dict[str, bytes]:
    """Build into site/, which must succeed; the files of site/ (without the manifest)."""
    result = run_build("build", "--source", site, *args)
    assert result.returncode == 0, result.stderr
    return site_files(site / "site")


def errors(site: Path, *args: str) -> list[str]:
    """Build, which must fail writing nothing; the error lines, without source excerpts."""
    result = run_build("build", "--source", site, *args)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert not (site / "site").exists()
    return [line for line in without_excerpts(result.stderr) if ": error: " in line]


def body_of(site: Path, slug: str = "land-offer") -> Page:
    """The brief's page, parsed."""
    return parse(site / "site" / "briefs" / slug / "index.html")


def images(page: Page) -> list[dict[str, str | None]]:
    return [element["attrs"] for element in page.find_all("img")]  # type: ignore[misc]


# ------------------------------------------------------------------ published beside the page


def test_images_and_documents_are_copied_beside_the_page_with_their_real_size(tmp_path):
    site = tmp_path / "s"
    chart = image(site / "briefs" / "land-offer" / "chart.png", 640, 480)
    photo = image(site / "briefs" / "photo.jpg", 300, 200, "JPEG", quality=80)
    make(
        site,
        {
            "land-offer.md": brief(
                "![Investment by year](land-offer/chart.png)\n\n## Terms\n\n"
                "Read [the policy](policy.pdf).\n\n## Places\n\n![The site](photo.jpg)\n"
            )
        },
        {"policy.pdf": PDF, "unused.pdf": b"%PDF-1.4\n"},
    )

    files = built(site)

    assert files["briefs/land-offer/chart.png"] == chart
    assert files["briefs/land-offer/photo.jpg"] == photo
    assert files["briefs/land-offer/policy.pdf"] == PDF
    assert not any("unused" in path for path in files)  # only what a brief names
    found = images(body_of(site))
    assert [(a["src"], a["width"], a["height"]) for a in found] == [
        ("chart.png", "640", "480"),
        ("photo.jpg", "300", "200"),
    ]
    manifest = manifest_of(site / "site")[0]
    assert {"briefs/land-offer/chart.png", "briefs/land-offer/policy.pdf"} <= manifest.keys()


@pytest.mark.parametrize(
    ("kind", "extension", "options"),
    [
        ("PNG", "png", {}),
        ("JPEG", "jpeg", {}),
        ("GIF", "gif", {}),
        ("WEBP", "webp", {}),
        ("WEBP", "webp", {"lossless": True}),
    ],
)
def test_every_image_type_gets_the_width_and_height_in_its_header(
    tmp_path, kind, extension, options
):
    site = tmp_path / "s"
    image(site / "briefs" / f"chart.{extension}", 123, 45, kind, **options)
    make(site, {"land-offer.md": brief(f"![A chart](chart.{extension})\n")})

    built(site)

    (found,) = images(body_of(site))
    assert (found["width"], found["height"]) == ("123", "45")


def test_a_jpeg_turned_by_its_exif_orientation_gets_the_size_browsers_show(tmp_path):
    site = tmp_path / "s"
    exif = Image.Exif()
    exif[0x0112] = 6  # stored 200 x 100, shown turned a quarter: 100 wide, 200 high
    image(site / "briefs" / "photo.jpg", 200, 100, "JPEG", exif=exif)
    make(site, {"land-offer.md": brief("![A photo](photo.jpg)\n")})

    built(site)

    (found,) = images(body_of(site))
    assert (found["width"], found["height"]) == ("100", "200")


def test_only_an_image_in_the_first_screen_loads_at_once(tmp_path):
    site = tmp_path / "s"
    for name in ("a", "b", "c"):
        image(site / "briefs" / f"{name}.png", 10, 10)
    make(
        site,
        {
            # The first image, above the second heading: may be in view when the page opens.
            "land-offer.md": brief(
                "## Terms\n\n![First](a.png)\n\n![Second](b.png)\n\n## More\n\n![Third](c.png)\n"
            ),
            # The first image comes after two headings: below the first screen.
            "late.md": brief("## One\n\n## Two\n\n![Late](a.png)\n", title="Late"),
        },
    )

    built(site)

    lazy = {"loading": "lazy", "decoding": "async"}
    first, second, third = images(body_of(site))
    assert "loading" not in first and "decoding" not in first
    assert lazy.items() <= second.items() and lazy.items() <= third.items()
    (late,) = images(body_of(site, "late"))
    assert lazy.items() <= late.items()


def test_a_document_link_says_its_type_and_size_after_the_link_text(tmp_path):
    site = make(
        tmp_path / "s",
        {
            "land-offer.md": brief("Read [the policy](policy.pdf#page=2) and [the data](d.csv).\n"),
            "zh.md": "---\ntitle: 土地\ndate: 2020-04-07\nsummary: 土地。\nlang: zh\n---\n"
            "见[政策](policy.pdf)。\n",
        },
        {"policy.pdf": PDF, "d.csv": b"a,b\n" * 250},
    )

    built(site)

    page = body_of(site)
    (policy,) = page.find_all("a", href="policy.pdf#page=2")
    assert Page.text(policy) == "the policy"
    labels = [Page.text(span) for span in page.find_all("span", class_="annex-meta")]
    assert labels == ["(PDF, 1.2 MB)", "(CSV, 1 KB)"]
    html = (site / "site" / "briefs" / "land-offer" / "index.html").read_text()
    # After the link, never inside it; the number and its unit kept on one line.
    assert (
        '<a href="policy.pdf#page=2">the policy</a> <span class="annex-meta">'
        "(PDF, 1.2&nbsp;MB)</span>"
    ) in html
    zh = body_of(site, "zh")
    assert [Page.text(s) for s in zh.find_all("span", class_="annex-meta")] == [
        "\uff08PDF\uff0c1.2 MB\uff09"
    ]


def test_sizes_are_written_as_gov_uk_writes_them():
    from briefsite.annexes import human_size, label

    assert label("pdf", 1_200_000) == "(PDF, 1.2\u00a0MB)"
    assert [human_size(n) for n in (0, 1, 999, 1000, 1_234, 245_000, 999_999)] == [
        "0\u00a0bytes",
        "1\u00a0byte",
        "999\u00a0bytes",
        "1\u00a0KB",
        "1.2\u00a0KB",
        "245\u00a0KB",
        "1\u00a0MB",
    ]
    assert [human_size(n) for n in (12_345_678, 100_000_000)] == ["12\u00a0MB", "100\u00a0MB"]
    assert human_size(1_500, "zh") == "1.5\u00a0KB"
    assert label("docx", 850, "zh-Hans") == "\uff08DOCX\uff0c850\u00a0字节\uff09"


def test_one_file_named_twice_and_an_image_inside_its_own_link_are_published_once(tmp_path):
    site = tmp_path / "s"
    chart = image(site / "briefs" / "chart.png", 64, 32)
    make(site, {"land-offer.md": brief("[![A chart](chart.png)](chart.png) ![Again](chart.png)\n")})

    files = built(site)

    beside = {"index.html", "index.json", "index.md", "cite.bib", "cite.ris"}  # the brief's own
    assert [
        p for p in files if p.startswith("briefs/land-offer/") and p.rsplit("/", 1)[1] not in beside
    ] == ["briefs/land-offer/chart.png"]
    assert files["briefs/land-offer/chart.png"] == chart
    page = body_of(site)
    assert [a["src"] for a in images(page)] == ["chart.png", "chart.png"]
    (link,) = page.find_all("a", href="chart.png")
    (meta,) = page.find_all("span", class_="annex-meta")
    assert Page.text(meta).startswith("(PNG, ")
    assert len(link["attrs"]) == 1


def test_the_output_is_the_same_in_every_build_and_with_or_without_the_cache(tmp_path):
    def site(name: str) -> Path:
        root = tmp_path / name
        image(root / "briefs" / "chart.png", 640, 480)
        return make(
            root,
            {"land-offer.md": brief("![A chart](chart.png) [Policy](policy.pdf)\n")},
            {"policy.pdf": PDF},
        )

    first, second = site("a"), site("b")
    once = built(first)
    assert {"briefs/land-offer/chart.png", "briefs/land-offer/policy.pdf"} <= once.keys()
    assert built(first) == once  # again, from the cache and the published files
    assert built(second, "--no-cache") == once


@pytest.mark.parametrize("mode", ["sanitize", "escape", "allow"])
def test_the_body_written_in_is_what_the_sanitiser_keeps(tmp_path, mode):
    from briefsite.markup import sanitize_fragment

    site = tmp_path / "s"
    image(site / "briefs" / "chart.png", 40, 30)
    make(
        site,
        {"land-offer.md": brief("## A\n\n## B\n\n![A chart](chart.png) [Policy](policy.pdf)\n")},
        {"policy.pdf": PDF},
        SITE_YML + f"raw_html: {mode}\n",
    )
    config = config_of(site, site / "site")
    result = build(config, BuildOptions(jobs=1, cache=False))
    assert result.ok, result.problems

    html = result.rendered["land-offer"].body_html
    assert 'src="chart.png" width="40" height="30" loading="lazy" decoding="async"' in html
    assert sanitize_fragment(html) == html
    assert "data-briefsite" not in html and "briefsite-annex-" not in html


@pytest.mark.parametrize("mode", ["sanitize", "escape", "allow"])
def test_a_file_address_alone_is_refused_in_every_mode(tmp_path, mode):
    site = make(
        tmp_path / "s",
        {"land-offer.md": brief("See [the report](file:///C:/report.pdf).\n")},
        site_yml=SITE_YML + f"raw_html: {mode}\n",
    )

    assert errors(site) == [
        "briefs/land-offer.md:6:18: error: 'file:///C:/report.pdf' is a file on the computer "
        "it was written on, which readers cannot reach"
    ]


def test_a_brief_whose_front_matter_failed_still_has_its_files_checked(tmp_path):
    site = make(tmp_path / "s", {"land-offer.md": brief("![A map](map.png)\n").replace(
        "date: 2020-04-07", "date: someday")})  # fmt: skip

    found = errors(site)

    assert len(found) == 2, found
    assert found[1] == (
        "briefs/land-offer.md:6:10: error: 'map.png' names no file: there is no briefs/map.png"
    )


# ---------------------------------------------------------------------------- what is refused


def test_every_bad_reference_is_an_error_at_its_place_in_one_run(tmp_path):
    site = tmp_path / "s"
    image(site / "briefs" / "chart.png", 10, 10)
    body = (
        "![Map](map.png)\n\n"
        "[passwords](../../etc/passwd)\n\n"
        "[host](/etc/hostname)\n\n"
        "![x](file:///etc/x.png)\n\n"
        "[linked](linked.pdf)\n\n"
        "[program](setup.exe)\n\n"
        "![vector](chart.svg)\n\n"
        "[large](large.pdf)\n\n"
        "![](chart.png)\n\n"
        '<p><img src="chart.png"> <a href="file:///C:/report.pdf">report</a></p>\n'
    )
    make(
        site,
        {"land-offer.md": brief(body)},
        {
            "setup.exe": b"MZ",
            "chart.svg": b"<svg xmlns='http://www.w3.org/2000/svg'><script>x()</script></svg>",
            "large.pdf": b"%PDF-1.4\n" + b"x" * 2000,
        },
        SITE_YML + "max_annex_bytes: 1000\n",
    )
    outside = tmp_path / "secret.pdf"
    outside.write_bytes(b"%PDF-1.4\n")
    (site / "briefs" / "linked.pdf").symlink_to(outside)
    text = (site / "briefs" / "land-offer.md").read_text()

    def at(needle: str, nth: int = 0) -> str:
        line, col = position(text, needle, nth)
        return f"briefs/land-offer.md:{line}:{col}: error: "

    found = errors(site)

    assert found == [
        at("map.png") + "'map.png' names no file: there is no briefs/map.png",
        at("../../etc/passwd") + "'../../etc/passwd' leads outside the briefs folder",
        at("/etc/hostname") + "'/etc/hostname' is an absolute path: it names no file of the briefs",
        at("file:///etc/x.png") + "'file:///etc/x.png' is a file on the computer it was "
        "written on, which readers cannot reach",
        at("linked.pdf") + "'linked.pdf' is a symbolic link that leads outside the briefs "
        "folder, or to nothing",
        at("setup.exe") + "'setup.exe': a .exe file is not published",
        at("chart.svg") + "'chart.svg': SVG files are not published",
        at("large.pdf") + "'large.pdf' is larger than the limit of 1,000 bytes",
        at("chart.png", 0) + "image 'chart.png' has no alt text",
        at("chart.png", 1) + "image 'chart.png' has no alt attribute",
        at("file:///C:/report.pdf") + "'file:///C:/report.pdf' is a file on the computer it "
        "was written on, which readers cannot reach",
        # The walk says so of the link itself, as of any link out of the briefs folder.
        "briefs/linked.pdf: error: refusing to follow symbolic link: it points outside the "
        "briefs folder",
    ]


def test_a_missing_file_suggests_the_name_that_is_there(tmp_path):
    site = tmp_path / "s"
    image(site / "briefs" / "Chart.png", 10, 10)
    image(site / "briefs" / "figures" / "investment-2020.png", 10, 10)
    make(
        site,
        {"land-offer.md": brief("![A](chart.png) ![B](figures/investment-2002.png)\n")},
    )

    result = run_build("build", "--source", site)

    assert result.returncode == 1
    assert "hint: did you mean 'Chart.png'? Letter case matters on the web" in result.stderr
    assert "hint: did you mean 'investment-2020.png'?" in result.stderr


def test_files_that_cannot_be_what_their_name_says_or_live_on_a_host_are_refused(tmp_path):
    site = make(
        tmp_path / "s",
        {
            "land-offer.md": brief(
                "![A](fake.png) [B](.hidden.pdf) [C](con.pdf) [D](data/) ![E](policy.pdf) "
                "[F](twin/policy.pdf) [G](policy.pdf)\n"
            )
        },
        {
            "fake.png": b"<html>not an image</html>",
            ".hidden.pdf": PDF[:20],
            "con.pdf": PDF[:20],
            "data/x.csv": b"a\n",
            "policy.pdf": PDF[:20],
            "twin/policy.pdf": PDF[:30],
        },
    )

    found = errors(site)

    messages = [line.partition(": error: ")[2] for line in found]
    assert messages == [
        "'fake.png' is not a PNG image whose width and height can be read",
        "'.hidden.pdf': names starting with '.' are never published",
        "'con.pdf': file name 'con.pdf' is reserved for a device on Windows",
        "'data/' names a folder, not a file",
        "'policy.pdf' is not an image of a type pages can show",
        "'policy.pdf' would be published as briefs/land-offer/policy.pdf beside the page, "
        "where briefs/twin/policy.pdf is",
    ]


def test_a_file_may_not_take_a_generated_files_place():
    from briefsite.annexes import clashes

    places = {
        "briefs/x/index.json": ("briefs/x.md", 3, 5, "index.json"),
        "briefs/x/Feed.XML": ("briefs/x.md", 4, 1, "Feed.XML"),
        "briefs/x/chart.png": ("briefs/x.md", 5, 1, "chart.png"),
    }
    generated = ["briefs/x/index.html", "briefs/x/index.json", "briefs/x/feed.xml/index.html"]

    assert [p.format() for p in clashes(places, generated)] == [
        "briefs/x.md:4:1: error: 'Feed.XML' would be published as briefs/x/Feed.XML, where the "
        "build writes briefs/x/feed.xml/\n  hint: rename the file: the build's own files keep "
        "their places",
        "briefs/x.md:3:5: error: 'index.json' would be published as briefs/x/index.json, where "
        "the build writes briefs/x/index.json\n  hint: rename the file: the build's own files "
        "keep their places",
    ]


def test_a_static_file_at_an_annexs_place_is_refused(tmp_path):
    site = tmp_path / "s"
    image(site / "briefs" / "chart.png", 10, 10)
    make(site, {"land-offer.md": brief("![A chart](chart.png)\n")})
    (site / "static" / "briefs" / "land-offer").mkdir(parents=True)
    (site / "static" / "briefs" / "land-offer" / "chart.png").write_bytes(b"other")

    assert errors(site) == [
        "static/briefs/land-offer/chart.png: error: static file would replace the generated "
        "file briefs/land-offer/chart.png"
    ]


def test_raw_html_may_mark_an_image_as_decoration_unless_raw_html_is_escaped(tmp_path):
    site = tmp_path / "s"
    image(site / "briefs" / "rule.png", 600, 2)
    body = '<img src="rule.png" alt="">\n\n![A rule](rule.png)\n'
    sanitized = make(site, {"land-offer.md": brief(body)})
    built(sanitized)
    decoration, _ = images(body_of(sanitized))
    assert (decoration["alt"], decoration["width"], decoration["height"]) == ("", "600", "2")

    rule = {"rule.png": (site / "briefs" / "rule.png").read_bytes()}
    escaped = make(
        tmp_path / "e", {"land-offer.md": brief(body)}, rule, SITE_YML + "raw_html: escape\n"
    )
    built(escaped)
    page = body_of(escaped)
    assert [a["alt"] for a in images(page)] == ["A rule"]  # the raw tag is shown as text
    shown = (escaped / "site" / "briefs" / "land-offer" / "index.html").read_text()
    assert "<p>&lt;img src=" in shown  # (its quotes made curly, as in any text)


def test_a_drafts_files_wait_with_it(tmp_path):
    site = tmp_path / "s"
    image(site / "briefs" / "chart.png", 10, 10)
    draft = brief("![A chart](chart.png) [Gone](gone.pdf)\n").replace(
        "---\n![", "draft: true\n---\n!["
    )
    make(site, {"land-offer.md": brief("Text.\n"), "draft.md": draft.replace("Land", "Sea")})

    files = built(site)

    assert not any(path.endswith("chart.png") for path in files)
    # `check` reads drafts too, and says what their publishing would meet.
    checked = run_build("check", "--source", site)
    assert checked.returncode == 1
    assert "'gone.pdf' names no file" in checked.stderr


# ---------------------------------------------------------------------- changes between builds


def test_removing_a_reference_removes_the_file_from_the_site(tmp_path):
    site = tmp_path / "s"
    image(site / "briefs" / "chart.png", 10, 10)
    make(site, {"land-offer.md": brief("![A chart](chart.png) [Policy](policy.pdf)\n")},
         {"policy.pdf": PDF})  # fmt: skip
    assert "briefs/land-offer/policy.pdf" in built(site)

    (site / "briefs" / "land-offer.md").write_text(brief("![A chart](chart.png)\n"))
    files = built(site)

    assert "briefs/land-offer/policy.pdf" not in files
    assert not (site / "site" / "briefs" / "land-offer" / "policy.pdf").exists()
    assert "briefs/land-offer/chart.png" in files
    manifest = manifest_of(site / "site")[0]
    assert "briefs/land-offer/policy.pdf" not in manifest
    assert (site / "briefs" / "policy.pdf").read_bytes() == PDF  # the source is left alone


def test_an_edited_image_updates_its_page_on_the_next_build_by_every_path(
    tmp_path,
    monkeypatch,
    full_builds,
):
    a_minute_later(monkeypatch)  # the files are past the window in which none is trusted
    site = tmp_path / "s"
    image(site / "briefs" / "chart.png", 640, 480)
    make(
        site,
        {
            "land-offer.md": brief("![A chart](chart.png)\n\nText.\n"),
            "other.md": brief("Other text.\n", title="Other"),
        },
    )
    config = config_of(site, site / "site")

    def rebuild() -> tuple[str, str]:
        from briefsite.output import published_hashes
        from briefsite.pipeline import publish

        result = build(config, BuildOptions(jobs=1), published_hashes(config.output))
        assert result.ok, result.problems
        publish(result, config)
        (found,) = images(body_of(site))
        return found["width"] or "", found["height"] or ""

    assert rebuild() == ("640", "480")
    # A body edit of the brief that shows the image: the edit path, sizes from the index.
    full_builds.clear()
    (site / "briefs" / "land-offer.md").write_text(brief("![A chart](chart.png)\n\nNew.\n"))
    assert rebuild() == ("640", "480")
    assert full_builds == ["edit"]
    # The image saved again at another size, with a body edit elsewhere: the full path.
    full_builds.clear()
    image(site / "briefs" / "chart.png", 800, 200)
    (site / "briefs" / "other.md").write_text(brief("Newer text.\n", title="Other"))
    assert rebuild() == ("800", "200")
    assert full_builds == ["full"]
    # Saved again, nothing else changed: never answered from the last build's record.
    image(site / "briefs" / "chart.png", 300, 300, pnginfo=note("1"))
    assert rebuild() == ("300", "300")
    # Other bytes of the same size and modification time: the change time still tells.
    before = (site / "briefs" / "chart.png").stat()
    data = image(site / "briefs" / "chart.png", 300, 300, pnginfo=note("2"))
    os.utime(site / "briefs" / "chart.png", ns=(before.st_atime_ns, before.st_mtime_ns))
    assert (site / "briefs" / "chart.png").stat().st_size == before.st_size
    assert rebuild() == ("300", "300")
    assert (site / "site" / "briefs" / "land-offer" / "chart.png").read_bytes() == data
    assert site_files(site / "site") == cold(site, tmp_path / "cold")


def test_an_image_saved_just_now_is_read_again_at_once(tmp_path):
    site = tmp_path / "s"
    image(site / "briefs" / "chart.png", 20, 10)
    make(site, {"land-offer.md": brief("![A chart](chart.png)\n")})
    built(site)

    image(site / "briefs" / "chart.png", 30, 10)  # within the same second as the last build
    built(site)

    (found,) = images(body_of(site))
    assert found["width"] == "30"


def test_a_changed_image_is_rebuilt_in_the_running_preview(
    tmp_path,
    preview: Callable[..., Preview],  # noqa: F811 (the fixture imported above)
):
    site = tmp_path / "s"
    image(site / "briefs" / "charts" / "chart.webp", 20, 10, "WEBP")
    make(site, {"land-offer.md": brief("![A chart](charts/chart.webp)\n")})
    server = preview(site)
    server.wait_until_watching()
    assert 'width="20"' in server.get("briefs/land-offer/")[1]

    image(site / "briefs" / "charts" / "chart.webp", 50, 10, "WEBP")

    poll(lambda: 'width="50"' in server.get("briefs/land-offer/")[1], "the new image's size")
    assert server.status()["problems"] == []
    assert server.stop() == 0, server.stderr


def test_the_briefs_markdown_copy_finds_its_files_beside_it(tmp_path):
    # index.md lies beside the page, where each file is published under its own name: an
    # address written from the brief's file (land-offer/chart.png) would lead nowhere there.
    chart = image(tmp_path / "chart.png", 40, 20)
    body = (
        "![Net land](land-offer/chart.png)\n\n"
        "[The policy][doc], [again](./land-offer/policy.pdf).\n\n"
        "[doc]: land-offer/policy.pdf\n"
    )
    site = make(
        tmp_path / "s",
        {"land-offer.md": brief(body)},
        {"land-offer/chart.png": chart, "land-offer/policy.pdf": PDF},
    )
    files = built(site)
    copy = files["briefs/land-offer/index.md"].decode("utf-8")
    assert "![Net land](chart.png)" in copy
    assert "[doc]: policy.pdf" in copy
    assert "[again](policy.pdf)" in copy
    assert "(land-offer/" not in copy and ": land-offer/" not in copy
    for name in ("chart.png", "policy.pdf"):
        assert f"briefs/land-offer/{name}" in files
