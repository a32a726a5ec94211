"""PDFs of briefs (`pdf: true`, briefsite/pdf.py): made by WeasyPrint from each brief's page as
printed, tagged, linked from the page and its citation tags, kept while the page is, the same
bytes in every build, and never fed anything but the build's own files."""

from __future__ import annotations

import io
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import SITE_YML, parse, run_build, site_files, write_site
from PIL import Image

from briefsite import pdf
from briefsite.annexes import label
from briefsite.config import load_config
from briefsite.output import Output, published_hashes
from briefsite.pipeline import BuildOptions, build, publish

PDF_YML = SITE_YML + "pdf: true\n"  # SITE_YML: no search index
BASE = "https://example.org/briefs-site/"

LAND = """\
---
title: Land offer of 37.3 km²
date: 2020-04-07
summary: Qingdao offers net industrial land.
figures:
  - label: net industrial land offered
    value: 37.3
    unit: km²
    source: The press release.
  - label: award
    value: 100000000
    unit: yuan
    qualifier: up to
    source: The press release.
updates:
  - date: 2020-05-02
    note: Added the award.
---
## Terms

The terms of the offer.

![A chart of the land offered](chart.png)
"""

REMOTE = """\
---
title: Online signing
date: 2020-03-01
summary: Projects signed online.
---
## Signing

![A remote chart](https://images.example.net/chart.png)

Text.
"""


def png() -> bytes:
    """A small real PNG, made by Pillow."""
    out = io.BytesIO()
    Image.new("RGB", (40, 20), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def make(root: Path, site_yml: str = PDF_YML) -> Path:
    """The test site: a brief with key figures and an image beside it, and one whose image is
    on another host."""
    write_site(root, {"land-offer.md": LAND, "online-signing.md": REMOTE}, site_yml)
    (root / "briefs" / "chart.png").write_bytes(png())
    return root


class Progress:
    """Records the PDF progress a build reports: how many PDFs it made."""

    def __init__(self) -> None:
        self.totals: list[int] = []

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage == "PDFs" and done == total:
            self.totals.append(total)


def build_into(root: Path, out: Path, progress: Progress | None = None) -> list[str]:
    """Build the site in this process and publish it; the problems' texts."""
    config = load_config(root, out)
    assert not isinstance(config, list), config
    options = BuildOptions(progress=progress or Progress())
    result = build(config, options, on_disk=published_hashes(out))
    assert result.ok, [p.message for p in result.problems]
    publish(result, config)
    return [p.message for p in result.problems]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, list[str]]]:
    """The test site built once: its folder and the build's problems."""
    root = make(tmp_path_factory.mktemp("pdf") / "site")
    problems = build_into(root, root / "site")
    yield root, problems


def pdf_reader(path: Path) -> Any:
    """pypdf's reader for a PDF. pypdf is imported here, not with the module: loaded at
    collection, its ten megabytes would be in every pytest-xdist worker for the whole run, and
    every build's worker processes fork from them (forking costs time by the megabyte)."""
    import pypdf

    return pypdf.PdfReader(path)


def pdf_text(path: Path) -> str:
    """A PDF's text, each run of spaces (no-break spaces too) one space."""
    reader = pdf_reader(path)
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def test_the_pdf_holds_the_title_and_key_figures(built: tuple[Path, list[str]]) -> None:
    root, _ = built
    text = pdf_text(root / "site/briefs/land-offer/land-offer.pdf")
    assert "Land offer of 37.3 km²" in text
    assert "net industrial land offered" in text
    assert "up to 100 million yuan" in text
    assert "The terms of the offer." in text


def test_the_pdf_is_tagged_in_the_briefs_language_and_dated_by_the_brief(
    built: tuple[Path, list[str]],
) -> None:
    root, _ = built
    reader = pdf_reader(root / "site/briefs/land-offer/land-offer.pdf")
    catalog = reader.trailer["/Root"]
    assert catalog["/MarkInfo"]["/Marked"].value is True
    assert "/StructTreeRoot" in catalog
    assert catalog["/Lang"] == "en"
    info = reader.metadata
    assert info is not None
    assert info["/Title"].startswith("Land offer of 37.3")
    # Not the clock: the brief's date and its latest change note.
    assert info["/CreationDate"] == "D:20200407"
    assert info["/ModDate"] == "D:20200502"


def test_the_pdf_shows_the_image_beside_the_brief(built: tuple[Path, list[str]]) -> None:
    root, _ = built
    reader = pdf_reader(root / "site/briefs/land-offer/land-offer.pdf")
    images = [image for page in reader.pages for image in page.images]
    assert any(image.image is not None and image.image.size == (40, 20) for image in images)


def test_the_page_links_its_pdf_with_its_size(built: tuple[Path, list[str]]) -> None:
    root, _ = built
    folder = root / "site/briefs/land-offer"
    size = (folder / "land-offer.pdf").stat().st_size
    page = parse(folder / "index.html")
    links = page.find_all("a", href="land-offer.pdf")
    assert [page.text(a) for a in links] == [
        " ".join(f"Download this brief {label('pdf', size)}".split())
    ]
    assert links[0]["attrs"]["type"] == "application/pdf"  # type: ignore[index]


def test_citation_pdf_url_names_the_pdf(built: tuple[Path, list[str]]) -> None:
    root, _ = built
    page = parse(root / "site/briefs/land-offer/index.html")
    tags = page.find_all("meta", name="citation_pdf_url")
    assert [t["attrs"]["content"] for t in tags] == [  # type: ignore[index]
        BASE + "briefs/land-offer/land-offer.pdf"
    ]


def test_the_pdf_is_made_from_the_page_without_its_own_link(
    built: tuple[Path, list[str]],
) -> None:
    root, _ = built
    text = pdf_text(root / "site/briefs/land-offer/land-offer.pdf")
    assert "Download this brief" not in text


def test_a_remote_image_is_left_out_of_the_pdf_and_said(built: tuple[Path, list[str]]) -> None:
    root, problems = built
    assert (root / "site/briefs/online-signing/online-signing.pdf").is_file()
    assert any("leaves out https://images.example.net/chart.png" in message for message in problems)


def test_pdf_false_makes_no_pdf_and_no_link(tmp_path: Path) -> None:
    root = make(tmp_path / "site", SITE_YML)
    build_into(root, root / "site")
    assert not list((root / "site").rglob("*.pdf"))
    page = (root / "site/briefs/land-offer/index.html").read_text(encoding="utf-8")
    assert "Download this brief" not in page
    assert "citation_pdf_url" not in page


def test_missing_weasyprint_is_an_error_at_the_pdf_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make(tmp_path / "site")
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # `import weasyprint` fails
    done = run_build("build", "--source", root)
    assert done.returncode == 1
    line = SITE_YML.count("\n") + 1  # after SITE_YML's `search: false`
    assert f"site.yml:{line}:1" in done.stdout + done.stderr
    assert "WeasyPrint" in done.stdout + done.stderr
    assert "pip install -r requirements-pdf.txt" in done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    assert not (root / "site").exists()


def test_pdfs_are_made_again_only_for_changed_pages(tmp_path: Path) -> None:
    root = make(tmp_path / "site")
    first = Progress()
    build_into(root, root / "site", first)
    assert first.totals == [2]
    before = site_files(root / "site")
    # A new stamp, the same bytes: the build goes through the stages, and makes no PDF.
    (root / "briefs/land-offer.md").write_text(
        (root / "briefs/land-offer.md").read_text(encoding="utf-8"), encoding="utf-8"
    )
    again = Progress()
    build_into(root, root / "site", again)
    assert again.totals == []
    assert site_files(root / "site") == before
    # One brief's text edited: its PDF alone is made again.
    edited = REMOTE.replace("Text.", "Other text.")
    (root / "briefs/online-signing.md").write_text(edited, encoding="utf-8")
    third = Progress()
    build_into(root, root / "site", third)
    assert third.totals == [1]
    after = site_files(root / "site")
    pdf_path = "briefs/online-signing/online-signing.pdf"
    assert after[pdf_path] != before[pdf_path]
    assert "Other text." in pdf_text(root / "site" / pdf_path)
    land = "briefs/land-offer/land-offer.pdf"
    assert after[land] == before[land]
    # PDFs turned off: the next build removes them, and the links to them.
    (root / "site.yml").write_text(SITE_YML, encoding="utf-8")
    build_into(root, root / "site")
    assert not list((root / "site").rglob("*.pdf"))
    assert "land-offer.pdf" not in (root / "site/briefs/land-offer/index.html").read_text("utf-8")


def test_two_builds_make_the_same_pdf_bytes(built: tuple[Path, list[str]], tmp_path: Path) -> None:
    root, _ = built
    copy = make(tmp_path / "other")  # another folder, no cache: made again from nothing
    build_into(copy, copy / "site")
    for name in ("land-offer", "online-signing"):
        path = f"briefs/{name}/{name}.pdf"
        assert (copy / "site" / path).read_bytes() == (root / "site" / path).read_bytes()
    assert site_files(copy / "site") == site_files(root / "site")


# ------------------------------------------------------------------- what WeasyPrint may read


def test_site_file_takes_only_addresses_inside_the_site() -> None:
    assert pdf.site_file(BASE + "assets/site.1a2b.css", BASE) == "assets/site.1a2b.css"
    assert pdf.site_file(BASE + "briefs/a/chart%20one.png?x#y", BASE) == "briefs/a/chart one.png"
    for url in (
        "https://images.example.net/chart.png",
        "https://example.org/other/x.png",
        "file:///etc/passwd",
        "data:image/png;base64,AAAA",
        BASE + "briefs/../../etc/passwd",
        BASE + "briefs/%2e%2e/x.png",
        BASE,
    ):
        with pytest.raises(pdf.Refused):
            pdf.site_file(url, BASE)


def test_the_fetcher_serves_only_the_builds_files(tmp_path: Path) -> None:
    css = Output("assets/site.css", b"body{}")
    kept = Output("briefs/a/chart.png", None, "0" * 64)  # kept on disk, but not those bytes
    (tmp_path / "briefs/a").mkdir(parents=True)
    (tmp_path / "briefs/a/chart.png").write_bytes(b"planted")
    script = Output("assets/search.js", b"alert(1)")
    refused: list[str] = []
    fetcher = pdf.make_fetcher(BASE, {o.path: o for o in (css, kept, script)}, tmp_path, refused)
    answer = fetcher.fetch(BASE + "assets/site.css")
    assert answer.read() == b"body{}"
    for url in (
        BASE + "briefs/a/chart.png",  # not the bytes the build has for it
        BASE + "assets/search.js",  # not a type a PDF shows
        BASE + "assets/missing.css",
        "https://images.example.net/chart.png",
        "file:///etc/hostname",
    ):
        with pytest.raises(pdf.Refused):
            fetcher.fetch(url)
    assert len(refused) == 5


def test_the_setting_line_is_found(tmp_path: Path) -> None:
    (tmp_path / "site.yml").write_text("title: T\n# pdf: no\npdf:   true\n", encoding="utf-8")
    assert pdf.setting_position(tmp_path) == (3, 1)
    shutil.rmtree(tmp_path)
    assert pdf.setting_position(tmp_path) == (0, 0)


def test_a_pdf_weasyprint_cannot_make_fails_the_build_at_its_brief(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(job: pdf.Job, fetcher: object) -> bytes:
        raise ValueError("no layout")

    monkeypatch.setattr(pdf, "render_pdf", broken)  # the workers are forked after this
    root = make(tmp_path / "site")
    done = run_build("build", "--source", root)
    assert done.returncode == 1
    shown = done.stdout + done.stderr
    assert "briefs/land-offer.md" in shown
    assert "could not make this brief's PDF: ValueError: no layout" in shown
    assert "Traceback" not in shown
    assert not (root / "site").exists()
