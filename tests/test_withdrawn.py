"""Expired, withdrawn and replaced briefs (issue 11, point 8), as GOV.UK shows withdrawn
publications: the page stays at its address with a notice at the top, the brief leaves the
home page's latest briefs and the related briefs of others, and complete lists (archive, topic
pages) keep it, marked.

Sites are built for real in temporary folders; "today" is the build's (BuildOptions.today, or
SOURCE_DATE_EPOCH for the command line), never the clock.
"""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

import pytest
from conftest import SEARCH_SITE_YML, Page, parse, position, run_build, site_files, write_site

from briefsite.config import SiteConfig, load_config
from briefsite.output import published_hashes
from briefsite.pipeline import BuildOptions, BuildResult, build, publish
from briefsite.problems import Severity

TODAY = dt.date(2024, 5, 1)
EPOCH = "1714564800"  # 2024-05-01, noon UTC


def brief(title: str, day: str = "2024-01-10", extra: str = "", topics: str = "[Land]") -> str:
    return (
        f"---\ntitle: {title}\ndate: {day}\nsummary: About {title.lower()}.\n"
        f"topics: {topics}\n{extra}---\n## Terms\n\nText.\n"
    )


WITHDRAWN = "withdrawn:\n  date: 2024-03-01\n  reason: The scheme closed early.\n"


def config_of(site: Path, output: Path | None = None) -> SiteConfig:
    config = load_config(site, output)
    assert isinstance(config, SiteConfig), config
    return config


def build_into(site: Path, out: Path, today: dt.date = TODAY, cache: bool = True) -> BuildResult:
    """Build `site` into `out` as `python build.py` does (incrementally, with the cache)."""
    config = config_of(site, out)
    options = BuildOptions(today=today, jobs=1, cache=cache, git=False)
    result = build(config, options, published_hashes(out) if cache else {})
    assert result.ok, result.problems
    publish(result, config)
    return result


def metadata(out: Path, slug: str) -> dict[str, str]:
    page = parse(out / "briefs" / slug / "index.html")
    terms = [Page.text(e) for e in page.find_all("dt")]
    values = [Page.text(e) for e in page.find_all("dd")]
    return dict(zip(terms, values, strict=True))


def notices(out: Path, slug: str) -> list[dict[str, object]]:
    """The notice regions at the top of a brief's page."""
    page = parse(out / "briefs" / slug / "index.html")
    return [d for d in page.find_all("div", role="region") if "notice" in str(d["attrs"])]


def listed(out: Path, listing: str) -> dict[str, str]:
    """Each entry of a list page: its title, and the text of its status tag ("" for none)."""
    page = parse(out / listing)
    items = page.find_all("li", class_="brief-list__item")
    starts = [page.elements.index(item) for item in items] + [len(page.elements)]
    entries = {}
    for begin, end in itertools.pairwise(starts):
        inside = page.elements[begin:end]
        title = next(e for e in inside if e["tag"] == "a")
        tags = [Page.text(e) for e in inside if "tag" in str(e["attrs"].get("class")).split()]
        entries[Page.text(title)] = " ".join(tags)
    return entries


# ------------------------------------------------------------------------------- expiry


def test_a_past_expiry_date_reads_expired_and_a_coming_one_expires(tmp_path: Path) -> None:
    site = write_site(
        tmp_path / "s",
        {
            "lapsed.md": brief("Lapsed", extra="expires: 2024-04-30\n"),
            "today.md": brief("Ends today", extra="expires: 2024-05-01\n"),
        },
    )
    out = tmp_path / "out"
    build_into(site, out, cache=False)

    assert metadata(out, "lapsed")["Expired"] == "30 April 2024"
    assert "Expires" not in metadata(out, "lapsed")
    assert metadata(out, "today")["Expires"] == "1 May 2024"  # in force through its last day
    assert "Expired" not in metadata(out, "today")


def test_a_new_day_turns_expires_into_expired_with_no_file_changed(tmp_path: Path) -> None:
    # The page's key covers the build's today: the cached page is not reused the day after.
    files = {"alpha.md": brief("Alpha", extra="expires: 2024-05-01\n")}
    site = write_site(tmp_path / "s", files, SEARCH_SITE_YML)  # the search index too
    out = site / "site"
    build_into(site, out)
    assert metadata(out, "alpha")["Expires"] == "1 May 2024"

    later = TODAY + dt.timedelta(days=1)
    build_into(site, out, today=later)

    assert metadata(out, "alpha")["Expired"] == "1 May 2024"
    cold = tmp_path / "cold"
    build_into(site, cold, today=later, cache=False)
    assert site_files(out) == site_files(cold)


# ------------------------------------------------------------------- withdrawn, replaced


@pytest.fixture(scope="module")
def retired_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Old, withdrawn and replaced briefs beside their replacement, built once."""
    root = tmp_path_factory.mktemp("retired")
    site = write_site(
        root / "s",
        {
            "new-scheme.md": brief("New scheme", day="2024-03-01"),
            "closed-scheme.md": brief("Closed scheme", day="2024-02-01", extra=WITHDRAWN),
            "old-scheme.md": brief(
                "Old scheme", day="2024-02-02", extra="superseded_by: new-scheme.md\n"
            ),
            "first-scheme.md": brief(
                "First scheme", day="2024-02-03", extra=WITHDRAWN + "superseded_by: new-scheme.md\n"
            ),
            "current-scheme.md": brief(
                "Current scheme", day="2024-01-05", extra="status: in-force\n"
            ),
            "ended-scheme.md": brief(
                "Ended scheme", day="2024-01-04", extra="status: in-force\n" + WITHDRAWN
            ),
        },
    )
    out = root / "out"
    build_into(site, out, cache=False)
    return out


def test_a_withdrawn_brief_says_so_at_the_top_with_the_date_and_reason(retired_site: Path) -> None:
    [notice] = notices(retired_site, "closed-scheme")
    text = Page.text(notice)
    assert text.startswith("This brief was withdrawn on 1 March 2024")
    assert "The scheme closed early." in text
    assert "It stays here for reference." in text
    page = parse(retired_site / "briefs" / "closed-scheme" / "index.html")
    [title] = page.find_all("p", id=str(notice["attrs"]["aria-labelledby"]))
    assert Page.text(title) == "This brief was withdrawn on 1 March 2024"
    [time] = [e for e in page.find_all("time") if e["attrs"]["datetime"] == "2024-03-01"]
    # The notice stands before the title, as GOV.UK's does.
    assert page.elements.index(notice) < page.elements.index(page.find_all("h1")[0])
    assert page.elements.index(time) > page.elements.index(notice)


def test_a_replaced_brief_links_to_its_replacement(retired_site: Path) -> None:
    [notice] = notices(retired_site, "old-scheme")
    assert Page.text(notice).startswith("This brief has been replaced by New scheme")
    page = parse(retired_site / "briefs" / "old-scheme" / "index.html")
    index = page.elements.index(notice)
    link = next(e for e in page.elements[index:] if e["tag"] == "a")
    assert link["attrs"]["href"] == "../new-scheme/"
    assert link["attrs"]["data-url"] == "https://example.org/briefs-site/briefs/new-scheme/"

    [both] = notices(retired_site, "first-scheme")
    text = Page.text(both)
    assert text.startswith("This brief was withdrawn on 1 March 2024")
    assert "It has been replaced by New scheme." in text

    assert notices(retired_site, "new-scheme") == []
    assert notices(retired_site, "current-scheme") == []


def test_withdrawn_and_replaced_briefs_leave_the_latest_but_stay_in_complete_lists(
    retired_site: Path,
) -> None:
    latest = listed(retired_site, "index.html")
    assert set(latest) == {"New scheme", "Current scheme"}

    expected = {
        "New scheme": "",
        "First scheme": "Withdrawn",
        "Old scheme": "Replaced",
        "Closed scheme": "Withdrawn",
        "Current scheme": "",
        "Ended scheme": "Withdrawn",
    }
    assert listed(retired_site, "briefs/index.html") == expected
    assert listed(retired_site, "topics/land/index.html") == expected
    # A withdrawn brief whose front matter still says in force is not listed as in force.
    facts = {
        Page.text(e)
        for e in parse(retired_site / "briefs/index.html").find_all("p", class_="brief-list__meta")
    }
    assert any(f.endswith("· In force") for f in facts), facts  # the current scheme's
    assert sum("In force" in f for f in facts) == 1, facts
    for slug in ("closed-scheme", "old-scheme", "first-scheme"):
        assert (retired_site / "briefs" / slug / "index.html").is_file()
        assert f"/briefs/{slug}/</loc>" in (retired_site / "sitemap.xml").read_text()


def test_related_briefs_leave_out_withdrawn_and_replaced_ones(retired_site: Path) -> None:
    page = parse(retired_site / "briefs" / "current-scheme" / "index.html")
    [section] = page.find_all("section", class_="related")
    index = page.elements.index(section)
    after = page.elements[index:]
    # (up to the links to the briefs beside it, or the footer)
    inside = after[: next(i for i, e in enumerate(after) if e["tag"] in ("nav", "footer"))]
    titles = [Page.text(e) for e in inside if e["tag"] == "a"]
    assert titles == ["New scheme"]


def test_a_title_edit_of_the_replacement_reaches_the_replaced_briefs_notice(
    tmp_path: Path,
) -> None:
    site = write_site(
        tmp_path / "s",
        {
            "new-scheme.md": brief("New scheme", topics="[New]"),
            "old-scheme.md": brief(  # another topic: the new one is not among its related
                "Old scheme", day="2024-01-02", extra="superseded_by: new-scheme.md\n"
            ),
        },
    )
    out = site / "site"
    build_into(site, out)
    renamed = brief("Renamed scheme", topics="[New]")
    (site / "briefs" / "new-scheme.md").write_text(renamed, encoding="utf-8")

    build_into(site, out)

    [notice] = notices(out, "old-scheme")
    assert "replaced by Renamed scheme" in Page.text(notice)


# ---------------------------------------------------------------------------- mistakes


def test_replacements_and_withdrawals_are_checked_with_places_and_hints(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = {
        "land-offer.md": brief("Land offer"),
        "self.md": brief("Self", extra="superseded_by: self.md\n"),
        "loop-a.md": brief("Loop A", extra="superseded_by: loop-b.md\n"),
        "loop-b.md": brief("Loop B", extra="superseded_by: loop-a.md\n"),
        "typo.md": brief("Typo", extra="superseded_by: lnad-offer.md\n"),
        "to-draft.md": brief("To draft", extra="superseded_by: draft.md\n"),
        "draft.md": brief("Draft", extra="draft: true\n"),
        "address.md": brief("Address", extra="superseded_by: https://example.org/x\n"),
        "future.md": brief("Future", extra="withdrawn:\n  date: 2024-06-01\n  reason: Not yet.\n"),
        "early.md": brief("Early", extra="withdrawn:\n  date: 2023-12-31\n  reason: Typo.\n"),
        "no-reason.md": brief("No reason", extra="withdrawn:\n  date: 2024-02-01\n"),
    }
    site = write_site(tmp_path / "s", files)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)

    result = run_build("--source", site, "--output", tmp_path / "out", "--quiet")

    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert not (tmp_path / "out").exists()

    lines = result.stderr.splitlines()

    def reported(name: str, needle: str) -> str:
        """The error (with its source line, caret and hint) reported in briefs/<name> at the
        place of `needle`."""
        text = (site / "briefs" / name).read_text(encoding="utf-8")
        line, col = position(text, needle)
        prefix = f"briefs/{name}:{line}:{col}: error: "
        for index, printed in enumerate(lines):
            if printed.startswith(prefix):
                rest = itertools.takewhile(lambda x: x.startswith(" "), lines[index + 1 :])
                return "\n".join([printed, *rest])
        raise AssertionError(f"nothing reported at {prefix}\n{result.stderr}")

    assert "names this brief itself" in reported("self.md", "self.md\n")
    loop_a = reported("loop-a.md", "loop-b.md")
    assert "makes a loop: briefs/loop-a.md is replaced by briefs/loop-b.md is replaced by" in (
        loop_a
    )
    assert "makes a loop" in reported("loop-b.md", "loop-a.md")
    typo = reported("typo.md", "lnad-offer.md")
    assert "names no brief" in typo and "did you mean 'land-offer.md'?" in typo
    assert "not published: it is a draft" in reported("to-draft.md", "draft.md")
    assert "must name a brief's file, like land-offer.md" in reported("address.md", "https:")
    assert "in the future (today is" in reported("future.md", "2024-06-01")
    assert "earlier than the brief's date" in reported("early.md", "2023-12-31")
    assert "missing required field 'withdrawn.reason'" in reported("no-reason.md", "date: 2024-02")


def test_check_reports_a_replacement_loop_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = write_site(
        tmp_path / "s",
        {
            "a.md": brief("A", extra="superseded_by: b.md\n"),
            "b.md": brief("B", extra="superseded_by: a.md\n"),
        },
    )
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    result = run_build("check", "--source", site)
    assert result.returncode == 1
    assert result.stderr.count("makes a loop") == 2, result.stderr


def test_a_withdrawal_dated_today_builds(tmp_path: Path) -> None:
    withdrawn = "withdrawn:\n  date: 2024-05-01\n  reason: Closed today.\n"
    site = write_site(tmp_path / "s", {"a.md": brief("A", extra=withdrawn)})
    config = config_of(site, tmp_path / "out")
    result = build(config, BuildOptions(today=TODAY, jobs=1, cache=False, git=False))
    assert [p for p in result.problems if p.severity is Severity.ERROR] == []
