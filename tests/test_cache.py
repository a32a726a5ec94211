"""The per-brief cache and the worker processes, through real builds of real site folders."""

from __future__ import annotations

import os
import signal
import sqlite3
import threading
from pathlib import Path

import pytest
from conftest import GOOD_BRIEF, SEARCH_SITE_YML, run_build, site_files, write_site

from briefsite import cache as cache_module
from briefsite import compiled, output, pipeline, workers
from briefsite.cli import main
from briefsite.config import SiteConfig, load_config
from briefsite.pipeline import BuildOptions, build, publish

SLOW = "---\ntitle: Slow\ndate: 2020-01-01\nsummary: s\n---\n" + "[" * 60_000 + "\n"


def config_of(site: Path, **overrides: object) -> SiteConfig:
    config = load_config(site, site / "site", dict(overrides))
    assert isinstance(config, SiteConfig), config
    return config


def briefs(count: int) -> dict[str, str]:
    return {f"b{i}.md": GOOD_BRIEF.replace("Land offer", f"Brief {i}") for i in range(count)}


@pytest.fixture
def compiled_counts(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many briefs each build had to compile (the rest came from the cache)."""
    counts: list[int] = []
    real = pipeline.compile_all

    def counting(jobs, *args, **kwargs):  # type: ignore[no-untyped-def]
        counts.append(len(jobs))
        return real(jobs, *args, **kwargs)

    monkeypatch.setattr(pipeline, "compile_all", counting)
    return counts


def test_an_unchanged_site_compiles_nothing_and_an_edit_compiles_one_brief(
    tmp_path, compiled_counts
):
    site = write_site(tmp_path / "s", briefs(5))
    config = config_of(site)

    first = build(config)
    second = build(config)
    (site / "briefs" / "b3.md").write_text(GOOD_BRIEF.replace("Text.", "Changed."))
    third = build(config)

    assert compiled_counts == [5, 0, 1]
    assert first.outputs == second.outputs
    assert first.outputs != third.outputs


def test_settings_and_code_that_shape_the_html_are_part_of_the_key(
    tmp_path, compiled_counts, monkeypatch
):
    site = write_site(tmp_path / "s", briefs(3))
    build(config_of(site))

    build(config_of(site, raw_html="escape"))
    monkeypatch.setattr(cache_module, "code_version", lambda: "a newer briefsite")
    build(config_of(site))

    assert compiled_counts == [3, 3, 3]


def test_a_cached_build_is_byte_identical_to_a_cold_one(tmp_path):
    site = write_site(tmp_path / "s", briefs(4), SEARCH_SITE_YML)  # the search index too
    assert run_build("--source", site).returncode == 0
    (site / "briefs" / "b1.md").write_text(GOOD_BRIEF.replace("Land offer", "Renamed"))
    assert run_build("--source", site).returncode == 0
    cold = tmp_path / "cold"

    assert run_build("--source", site, "--output", cold, "--no-cache").returncode == 0

    assert site_files(site / "site") == site_files(cold)


def test_deleting_the_cache_is_safe(tmp_path, compiled_counts):
    site = write_site(tmp_path / "s", briefs(2))
    first = build(config_of(site))
    for path in sorted((site / ".briefsite-cache").iterdir(), reverse=True):
        path.unlink()
    (site / ".briefsite-cache").rmdir()

    again = build(config_of(site))

    assert again.outputs == first.outputs
    assert compiled_counts == [2, 2]


def test_entries_signed_elsewhere_are_never_used(tmp_path, compiled_counts, monkeypatch):
    # A pull request can commit a .briefsite-cache/ of its own: its entries must not load.
    site = write_site(tmp_path / "s", briefs(2))
    monkeypatch.setattr(cache_module, "signing_key", lambda: b"k" * 32)
    build(config_of(site))  # signed with the attacker's key
    monkeypatch.undo()
    monkeypatch.setattr(pipeline, "compile_all", _counting(compiled_counts))

    result = build(config_of(site))

    assert compiled_counts[-1] == 2
    (warning,) = [p for p in result.problems if p.path == ".briefsite-cache/"]
    # Both briefs, and every page (the pages' entries are signed the same way).
    assert "cache entries were not signed on this machine" in warning.message
    assert result.ok


def _counting(counts: list[int]):  # type: ignore[no-untyped-def]
    real = workers.compile_all

    def counting(jobs, *args, **kwargs):  # type: ignore[no-untyped-def]
        counts.append(len(jobs))
        return real(jobs, *args, **kwargs)

    return counting


def test_a_damaged_cache_file_is_set_aside(tmp_path):
    site = write_site(tmp_path / "s", briefs(2))
    build(config_of(site))
    database = site / ".briefsite-cache" / "cache.sqlite"
    for extra in database.parent.glob("cache.sqlite-*"):
        extra.unlink()
    database.write_bytes(b"not a database at all" * 100)

    result = build(config_of(site))

    assert result.ok
    assert any("damaged" in p.message for p in result.problems)
    assert (database.parent / "cache.sqlite.damaged").exists()
    assert build(config_of(site)).problems == ()  # the fresh cache works


def test_a_damaged_entry_is_computed_again(tmp_path, compiled_counts):
    site = write_site(tmp_path / "s", briefs(2))
    first = build(config_of(site))
    key = cache_module.signing_key()
    database = sqlite3.connect(site / ".briefsite-cache" / "cache.sqlite")
    import hashlib
    import hmac
    import pickle

    junk = b"\x80\x05junk"
    for key_text, value in database.execute("SELECT key, value FROM entries").fetchall():
        if pickle.loads(value).__class__.__name__ != "CompiledBrief":
            continue
        mac = hmac.new(key, key_text.encode() + b"\0" + junk, hashlib.sha256).digest()
        database.execute(
            "UPDATE entries SET mac = ?, value = ? WHERE key = ?", (mac, junk, key_text)
        )
        break  # one brief's entry
    database.commit()
    database.close()
    cache_module.forget_recent()  # the next build is another process, which reads the file

    again = build(config_of(site))

    assert compiled_counts == [2, 1]
    assert again.outputs == first.outputs
    assert any("could not be loaded" in p.message for p in again.problems)


def test_a_cache_folder_that_is_a_link_is_not_used(tmp_path, compiled_counts):
    site = write_site(tmp_path / "s", briefs(1))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (site / ".briefsite-cache").symlink_to(elsewhere, target_is_directory=True)

    result = build(config_of(site))

    assert result.ok
    assert list(elsewhere.iterdir()) == []
    assert any("symbolic link" in p.message for p in result.problems)


# ----------------------------------------------------------------------- worker processes


def test_one_slow_brief_is_stopped_and_every_other_brief_builds(tmp_path, where, pools):
    site_yml = "title: T\nbase_url: https://example.org/\nbrief_time_limit: 1\n"
    # The slow brief first: the briefs after it are compiled as if it had never been.
    files = {"a-slow.md": SLOW, **briefs(3)}
    site = write_site(tmp_path / "s", files, site_yml)
    alone = build(config_of(write_site(tmp_path / "t", briefs(3), site_yml)), BuildOptions(jobs=2))

    result = build(config_of(site), BuildOptions(jobs=2))

    (problem,) = [p for p in result.problems if p.path == "briefs/a-slow.md"]
    assert "took longer than 1 s, so it was stopped" in problem.message
    assert "brief_time_limit" in problem.hint
    assert not result.ok
    catalog_paths = {b.source_path for b in result.catalog.briefs}
    assert catalog_paths == {"briefs/b0.md", "briefs/b1.md", "briefs/b2.md"}
    assert result.catalog.briefs == alone.catalog.briefs
    assert result.rendered == alone.rendered
    assert bool(pools) == (where == "workers")


def test_briefs_compiled_here_leave_the_timer_signal_as_it_was(tmp_path, pools):
    site_yml = "title: T\nbase_url: https://example.org/\nbrief_time_limit: 1\n"
    site = write_site(tmp_path / "s", {"slow.md": SLOW, **briefs(1)}, site_yml)

    def theirs(signum, frame):  # type: ignore[no-untyped-def]
        raise AssertionError("the build's timer reached the handler it replaced")

    previous = signal.signal(signal.SIGALRM, theirs)
    try:
        result = build(config_of(site), BuildOptions(jobs=2))

        assert signal.getsignal(signal.SIGALRM) is theirs
        assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    finally:
        signal.signal(signal.SIGALRM, previous)
    assert [p.path for p in result.problems] == ["briefs/slow.md"]
    assert pools == []


def test_a_timer_in_use_or_another_thread_sends_even_a_few_briefs_to_workers(tmp_path, pools):
    """Only the main thread receives signals, and a timer someone else set is theirs: the
    briefs are then compiled in workers, with the same result."""
    site = write_site(tmp_path / "s", briefs(2))
    here = build(config_of(site), BuildOptions(jobs=2, cache=False))
    assert pools == []

    previous = signal.signal(signal.SIGALRM, lambda signum, frame: None)
    signal.setitimer(signal.ITIMER_REAL, 600)
    try:
        timed = build(config_of(site), BuildOptions(jobs=2, cache=False))
        left = signal.getitimer(signal.ITIMER_REAL)[0]
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert 0 < left <= 600
    assert pools == [2]

    done: list[pipeline.BuildResult] = []
    thread = threading.Thread(
        target=lambda: done.append(build(config_of(site), BuildOptions(jobs=2, cache=False)))
    )
    thread.start()
    thread.join(timeout=120)
    assert pools == [2, 2]
    for result in (timed, done[0]):
        assert result.catalog.briefs == here.catalog.briefs
        assert result.rendered == here.rendered


def test_a_stopped_brief_is_not_cached(tmp_path, compiled_counts):
    site_yml = "title: T\nbase_url: https://example.org/\nbrief_time_limit: 1\n"
    site = write_site(tmp_path / "s", {"slow.md": SLOW}, site_yml)

    build(config_of(site), BuildOptions(jobs=1))
    build(config_of(site), BuildOptions(jobs=1))

    assert compiled_counts == [1, 1]


def test_a_bug_in_a_worker_is_a_problem_for_that_brief(tmp_path, monkeypatch):
    site = write_site(tmp_path / "s", briefs(3))
    real = workers.compile_brief

    def buggy(path, data, settings):  # type: ignore[no-untyped-def]
        if path == "briefs/b1.md":
            raise ZeroDivisionError("division by zero")
        if path == "briefs/b2.md":
            os._exit(9)  # the process dies, as if killed for lack of memory
        return real(path, data, settings)

    monkeypatch.setattr(workers, "compile_brief", buggy)  # forked workers inherit it
    monkeypatch.setattr(workers, "HERE_AT_MOST", 0)  # (here, b2 would end the tests' process)

    result = build(config_of(site), BuildOptions(jobs=2))

    messages = {p.path: p.message for p in result.problems}
    assert messages["briefs/b1.md"].startswith(
        "internal error while reading this brief: ZeroDivisionError: division by zero"
    )
    assert messages["briefs/b2.md"] == "the process reading this brief stopped unexpectedly"
    assert [b.source_path for b in result.catalog.briefs] == ["briefs/b0.md"]


def test_the_warm_up_brief_is_compiled_only_before_workers_start(tmp_path, monkeypatch):
    """`compiled.prepare` compiles a small brief so that forked workers start warm: briefs
    compiled in the building process warm it themselves, and a preview's first build (or a
    test's) need not pay it."""
    warm_ups: list[str] = []
    real = compiled.compile_brief

    def counting(path, data, settings):  # type: ignore[no-untyped-def]
        if path == "briefs/warm-up.md":
            warm_ups.append(path)
        return real(path, data, settings)

    monkeypatch.setattr(compiled, "compile_brief", counting)
    site = write_site(tmp_path / "s", briefs(3))
    config = config_of(site)
    # As in a process that has compiled with these settings before, but not prepared them.
    monkeypatch.setattr(pipeline, "_COMPILED_HERE", {pipeline.brief_settings(config)})
    compiled.prepare.cache_clear()

    build(config, BuildOptions(jobs=2, cache=False))
    assert warm_ups == []  # three briefs: compiled here

    monkeypatch.setattr(workers, "HERE_AT_MOST", 0)
    build(config, BuildOptions(jobs=2, cache=False))
    assert warm_ups == ["briefs/warm-up.md"]  # in workers: prepared first
    compiled.prepare.cache_clear()  # (its one call saw the counting function)


def test_every_number_of_workers_gives_the_same_site_and_problems(tmp_path, pools):
    files = {**briefs(7), "bad.md": "---\ntitle: [x\n---\n", "link.md": GOOD_BRIEF + "[x](no.md)"}
    site = write_site(tmp_path / "s", files)
    results = [build(config_of(site), BuildOptions(jobs=n, cache=False)) for n in (1, 2, 5)]

    # One core: every brief compiled in the building process; more: workers for nine briefs.
    assert pools[:2] == [2, 5]
    assert results[0].problems == results[1].problems == results[2].problems
    assert len(results[0].problems) == 2
    good = write_site(tmp_path / "g", briefs(7))
    built = [build(config_of(good), BuildOptions(jobs=n, cache=False)) for n in (1, 3)]
    assert built[0].outputs == built[1].outputs


def test_jobs_must_be_a_sensible_number(capsys):
    for value in ("0", "-1", "many", "1000"):
        assert main(["build", "--jobs", value]) == 2  # a usage error
        assert "must be a whole number from 1 to 256" in capsys.readouterr().err


def test_publish_writes_what_a_cached_build_made(tmp_path):
    site = write_site(tmp_path / "s", briefs(2))
    build(config_of(site))
    config = config_of(site)

    report = publish(build(config), config)

    assert "index.html" in report.written


@pytest.mark.parametrize("name", ["cache.sqlite-wal", "cache.sqlite-shm", ".gitignore"])
def test_a_link_planted_in_the_cache_folder_is_never_written_through(tmp_path, name):
    # SQLite follows links when it opens its side files: a committed
    # `.briefsite-cache/cache.sqlite-wal -> ~/precious` would aim its writes there.
    site = write_site(tmp_path / "s", briefs(1))
    precious = tmp_path / "precious.txt"
    precious.write_text("keep")
    missing = tmp_path / "not-yet.txt"
    (site / ".briefsite-cache").mkdir()
    target = missing if name == ".gitignore" else precious
    (site / ".briefsite-cache" / name).symlink_to(target)

    result = build(config_of(site))

    assert result.ok
    assert precious.read_text() == "keep"
    assert not missing.exists()
    assert any("symbolic link" in p.message for p in result.problems)


def test_the_next_build_in_one_process_takes_entries_from_memory(tmp_path, monkeypatch):
    # A preview builds on every save: unpickling every brief's entry again would cost most of
    # the time from a save to the reloaded page.
    site = write_site(tmp_path / "s", briefs(3))
    first = build(config_of(site))
    loads: list[int] = []
    real = cache_module.pickle.loads
    monkeypatch.setattr(cache_module.pickle, "loads", lambda data: loads.append(1) or real(data))

    again = build(config_of(site))

    assert loads == []
    assert again.outputs == first.outputs
    cache_module.forget_recent()
    build(config_of(site))
    assert len(loads) >= 3  # a new process reads (and checks) every entry from the file


def test_a_build_with_nothing_to_do_gives_the_recorded_files_again(tmp_path, monkeypatch):
    # Answered from its record (`BuildRecord`), a build names every file as the build it
    # repeats made it: the same paths and hashes in the same order, by index and by slice.
    real = pipeline.clock_ns
    monkeypatch.setattr(pipeline, "clock_ns", lambda: real() + 60 * 10**9)  # files settled
    site = write_site(tmp_path / "s", briefs(3))
    config = config_of(site)
    made = build(config)
    publish(made, config)
    on_disk = output.published_hashes(config.output)

    again = build(config_of(site), on_disk=on_disk)

    assert again.unchanged and again.ok
    wanted = [(o.path, o.digest) for o in made.outputs]
    assert [(o.path, o.digest, o.data) for o in again.outputs] == [(p, d, None) for p, d in wanted]
    assert len(again.outputs) == len(wanted)
    assert (again.outputs[-1].path, again.outputs[-1].digest) == wanted[-1]
    assert [o.path for o in again.outputs[1:3]] == [p for p, _ in wanted[1:3]]
    assert publish(again, config).unchanged == len(wanted)


def test_the_site_folder_named_two_ways_is_one_site(tmp_path, monkeypatch, full_builds):
    # `--source .` in the site's folder, then its full path (an editor's script, CI): the
    # same site, so the second build is not a full one (it has nothing to do).
    site = write_site(tmp_path / "s", briefs(3))
    monkeypatch.chdir(site)
    publish(build(config_of(Path("."))), config_of(Path(".")))

    again = build(config_of(site), BuildOptions(), output.published_hashes(site / "site"))

    assert full_builds[0] == "full"
    assert full_builds[1:] in ([], ["edit"])  # the edit path (or the record) answers
    assert again.ok
    assert (site / "site" / "briefs" / "b1" / "index.html").is_file()


def test_results_are_kept_in_the_cache_while_the_workers_still_compile(tmp_path, monkeypatch):
    """The parent keeps each brief's result as it arrives, between the workers' answers, not
    all of them after the last one with one core idle; and the next build finds them all."""
    events: list[str] = []
    real_put = cache_module.Cache.put_many

    def put_many(self, items):  # type: ignore[no-untyped-def]
        if any(isinstance(value, compiled.CompiledBrief) for value in items.values()):
            events.append("put")
        return real_put(self, items)

    monkeypatch.setattr(cache_module.Cache, "put_many", put_many)
    site = write_site(tmp_path / "s", briefs(12))

    def progress(stage: str, done: int, total: int) -> None:
        if stage == "rendering":
            events.append(f"{done}/{total}")

    build(config_of(site), BuildOptions(jobs=2, progress=progress))
    assert events.count("put") == 12
    assert events.index("put") < events.index("12/12")  # before the last brief was done
    assert [e for e in events if e != "put"][-1] == "12/12"
    counts: list[int] = []
    real = pipeline.compile_all
    monkeypatch.setattr(
        pipeline,
        "compile_all",
        lambda jobs, *a, **k: counts.append(len(jobs)) or real(jobs, *a, **k),
    )
    build(config_of(site), BuildOptions(jobs=2))
    assert counts == [0]
