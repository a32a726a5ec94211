"""Shared fixtures: real sites in temporary folders, real builds, real HTML parsing."""

from __future__ import annotations

import contextlib
import fcntl
import io
import json
import os
import re
import resource
import shlex
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Callable, Mapping
from html.parser import HTMLParser
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def bytecode_cache() -> Path | None:
    """The tests' bytecode cache: <temp>/briefsite-tests-pycache-<uid>, kept from run to run,
    never in the checkout; None if that folder is not safely ours (another user's, a link).

    pytest rewrites the asserts of every test module in each of its worker processes, about
    five seconds of CPU each; it keeps the result only where bytecode may be written, which
    this machine forbids (PYTHONDONTWRITEBYTECODE). Kept here, a run whose tests did not
    change reads them in well under a second; the cache is checked against each source's
    hash, so an edited test is rewritten again. Only our own folder, not writable by others:
    whatever bytecode lies in it is run."""
    folder = Path(tempfile.gettempdir()) / f"briefsite-tests-pycache-{os.getuid()}"
    with contextlib.suppress(FileExistsError):
        folder.mkdir(mode=0o700)
    info = folder.lstat()
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o077:
        return None
    return folder


def _keep_bytecode_outside_the_checkout() -> None:
    """Test modules (asserts rewritten) and briefsite's modules imported by the tests compile
    into `bytecode_cache()`, as they would into __pycache__/ on a machine that allows it."""
    cache = bytecode_cache()
    if cache is not None:
        sys.pycache_prefix = str(cache)
        sys.dont_write_bytecode = False


# Before Hypothesis is imported: pytest rewrites the asserts of its plugins' whole packages
# too, Hypothesis's among them (about two CPU-seconds in each test process), and keeps the
# result only where bytecode may be written (tests/test_suite_setup.py).
_keep_bytecode_outside_the_checkout()

from hypothesis import settings  # noqa: E402 (after the bytecode cache is set)

# Property tests: no deadline anywhere (the machine is shared and its load varies, so a time
# limit per example only measures the neighbours); in CI (CI set) the same examples every run,
# no example database in the checkout, and a failure prints the blob that reproduces it.
settings.register_profile("dev", deadline=None)
settings.register_profile("ci", parent=settings.get_profile("dev"), derandomize=True,
                          database=None, print_blob=True)  # fmt: skip
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev")
)

# No search index (Pagefind runs at each build: a quarter to a third of a small site's build)
# unless a test is about search or what it adds to pages: those use SEARCH_SITE_YML.
SEARCH_SITE_YML = """\
title: Test briefs
base_url: https://example.org/briefs-site/
"""
SITE_YML = SEARCH_SITE_YML + "search: false\n"
APPENDED_LINE = SITE_YML.count("\n") + 1  # the line of a setting a test adds to SITE_YML

# A brief for unit tests of stages: a heading with the id #terms for links to land on.
LAND_OFFER = """\
---
title: Land offer
date: 2020-04-07
summary: Qingdao offers land.
---
## Terms

The terms.
"""

GOOD_BRIEF = """\
---
title: Land offer
date: 2020-03-26
summary: Qingdao offers 37.3 km² of net industrial land.
---
## Terms

Text.
"""


def pytest_configure(config: pytest.Config) -> None:
    """Ctrl-C reaches the processes the tests start. The preview's tests stop it with SIGINT,
    as an editor's Ctrl-C does; but a shell that starts the suite in the background (a CI
    script's `&`) starts it with SIGINT ignored, every process started from it inherits that,
    and the previews would never stop. A handled signal is not inherited: handle it here.

    And the tests' temporary folders go to memory where they can (`use_ram_disk`)."""
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    use_ram_disk(config)


RAM_DISK = Path("/dev/shm")


def is_ram_disk(folder: Path) -> bool:
    """Whether `folder` is the mount point of a tmpfs that this user may write to."""
    try:
        mounts = Path("/proc/mounts").read_text(encoding="utf-8").splitlines()
    except OSError:
        return False
    mounted = any(line.split()[1:3] == [str(folder), "tmpfs"] for line in mounts)
    return mounted and os.access(folder, os.W_OK | os.X_OK)


def use_ram_disk(config: pytest.Config) -> None:
    """pytest's temporary folders (tmp_path, <run>/shared) and every process the tests start
    use /dev/shm, when it is a tmpfs and nobody chose a place (--basetemp, TMPDIR).

    A build commits its cache to SQLite, which syncs it to disk: tens of milliseconds a
    build on this machine's disk, a few hundred builds a run, the test waiting each time.
    In memory nothing waits. Set here, in the main process, before pytest-xdist starts its
    workers (they inherit TMPDIR and are given folders inside the main one's)."""
    if config.option.basetemp or os.environ.get("TMPDIR") or not is_ram_disk(RAM_DISK):
        return
    os.environ["TMPDIR"] = str(RAM_DISK)
    tempfile.tempdir = None  # worked out again, from TMPDIR, on its next use


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """`-n auto` (pyproject.toml): one pytest-xdist worker more than the cores this process
    may use. Part of the suite waits rather than computes (a `serve` or a build process
    starting, a browser loading a page, a file watcher's pause), and with one worker per
    core a core idles meanwhile: on 2 cores, 86 % busy with two workers against 93-94 % with
    three, in 0.92 of the time (benchmarks/README.md, "The test suite"). (The cores this
    process may use where the system says, as pytest-xdist counts them: Linux does, macOS
    does not.)"""
    usable = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    return (len(usable) if usable else os.cpu_count() or 1) + 1


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked slow (pip, pre-commit, Java, a browser crawl: many seconds each) first, in
    their order, then the rest as collected. pytest-xdist hands the first tests out in turn,
    so each worker starts on long ones and none is left running one at the very end."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


def run_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The temporary folder of this whole run, shared by its pytest-xdist workers.

    Each worker has its own basetemp (<run>/popen-gw0, ...) inside the run's folder; without
    xdist, basetemp is the run's folder itself (its parent holds other runs: never share that).
    """
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def once_per_run(
    tmp_path_factory: pytest.TempPathFactory, name: str, make: Callable[[Path], None]
) -> Path:
    """<run>/shared/<name>, made by `make(path)` once for the whole run, whichever worker asks
    first; the others wait on a lock and use it. A `make` that fails leaves no done-marker, so
    every worker that asks tries (and fails) itself, with its own message."""
    shared = run_folder(tmp_path_factory) / "shared"
    shared.mkdir(exist_ok=True)
    target = shared / name
    with (shared / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not (shared / f"{name}.done").exists():
            if target.exists():
                shutil.rmtree(target)  # left by a worker whose `make` failed half-way
            make(target)
            (shared / f"{name}.done").touch()
    return target


@pytest.fixture(autouse=True, scope="session")
def _user_cache_in_a_temporary_folder(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The build cache's signing key goes to $XDG_CACHE_HOME: a temporary one for tests (and
    for the builds they start as processes), never the real home folder."""
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("xdg-cache"))


@pytest.fixture(autouse=True, scope="session")
def _bytecode_cache_for_test_processes(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The tests start `python build.py` many times. Compiling briefsite's modules afresh in
    each (PYTHONDONTWRITEBYTECODE, as set on this machine) costs about a tenth of a second of
    CPU each time; the tests' bytecode cache, the one this process uses (or, if it is not
    safely ours, one for this run in its temporary folder), saves it and still writes nothing
    into the checkout."""
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    run = run_folder(tmp_path_factory)
    prefix = sys.pycache_prefix  # `bytecode_cache()`, set at import; None if not safely ours
    if prefix is None:
        os.environ["PYTHONPYCACHEPREFIX"] = str(run / "pycache")
        return
    os.environ["PYTHONPYCACHEPREFIX"] = prefix
    # The runs' folders (pytest's, beside this one) and the temporary folder they are in.
    folders = (run.parent, Path(tempfile.gettempdir()))
    once_per_run(tmp_path_factory, "pycache-pruned",
                 lambda _: forget_gone_folders(Path(prefix), *folders))  # fmt: skip


def forget_gone_folders(cache: Path, *folders: Path) -> None:
    """Drop what the bytecode cache `cache` holds for the folders inside `folders` that are
    gone. Tests make virtualenvs and copies of the checkout in temporary folders (pip its
    build environments), and those compile into the cache too: a hundred megabytes a run,
    which would pile up run after run (in memory, where the temporary folders are on
    /dev/shm). What still exists (a run going on beside this one, a failed run's folder
    kept) keeps its bytecode."""
    for folder in folders:
        mirror = cache / folder.relative_to(folder.anchor)
        if mirror.is_dir():
            for kept in mirror.iterdir():
                if not (folder / kept.name).exists():
                    shutil.rmtree(kept, ignore_errors=True)


def write_site(root: Path, briefs: Mapping[str, str | bytes], site_yml: str = SITE_YML) -> Path:
    """Create a site folder: site.yml plus briefs/<name> for each entry (text is dedented)."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "site.yml").write_text(site_yml, encoding="utf-8")
    briefs_dir = root / "briefs"
    briefs_dir.mkdir(exist_ok=True)
    for name, content in briefs.items():
        path = briefs_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content), encoding="utf-8")
    return root


@pytest.fixture
def make_site(tmp_path: Path) -> Callable[..., Path]:
    """Factory: make_site({"a.md": "..."}) -> a site folder in a fresh temporary directory."""
    counter = iter(range(1000))

    def factory(briefs: Mapping[str, str | bytes], site_yml: str = SITE_YML) -> Path:
        return write_site(tmp_path / f"site{next(counter)}", briefs, site_yml)

    return factory


def run_build(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """`python build.py ARGS` run from `cwd` (default: the checkout), in this process: the
    command's own code (`cli.main`) with its arguments, its own output streams and its exit
    status, without starting a Python (about a third of a second of CPU each, and the tests
    run a few hundred builds). Anything the command printed on the process's stdout or stderr
    instead of its streams is caught too. What needs a real process (exit status as the shell
    sees it, terminals, signals, environment variables read at start) uses `run_process`."""
    from briefsite import cli

    out, err = io.StringIO(), io.StringIO()
    with (
        contextlib.chdir(cwd or REPO),
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
    ):
        # Named as `run_process` starts it (`python <checkout>/build.py`), for help and hints.
        prog = f"python {shlex.quote(str(REPO / 'build.py'))}"
        status = cli.main([str(arg) for arg in args], out, err, prog=prog)
    command = ["build.py", *map(str, args)]
    return subprocess.CompletedProcess(command, status, out.getvalue(), err.getvalue())


def build_site(site: Path, out: Path, *args: str) -> Path:
    """Build `site` into `out` as `python build.py` does (quietly), and insist that it
    succeeded; `out` for chaining."""
    result = run_build("--source", site, "--output", out, "--quiet", *args)
    assert result.returncode == 0, result.stderr
    return out


def without_excerpts(text: str) -> list[str]:
    """Printed problems' lines without the source line and caret shown under each (`   7 |
    status: maybe`, `     |         ^`), for tests about the message and its hint."""
    return [line for line in text.splitlines() if not re.match(r" *[0-9]* \|", line)]


def run_process(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run `python build.py ARGS` as a real process, as an editor's shell would."""
    return subprocess.run(
        [sys.executable, str(REPO / "build.py"), *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd or REPO,
        timeout=120,
    )


def cpu_time() -> float:
    """CPU seconds used so far by this process and by its finished child processes (and
    theirs): the difference across a `run_build` is what that build cost, however loaded the
    machine is; wall-clock time on a shared machine measures the neighbours too."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def build_here(*args: str | Path) -> None:
    """`python build.py ARGS` for a test's set-up (a site built before the part under test),
    in this process as `run_build`; it must succeed."""
    result = run_build(*args)
    assert result.returncode == 0, f"the set-up build {args} exited {result.returncode}: " + (
        result.stderr
    )


def tracked_files(repo: Path = REPO, *paths: str, others: bool = False) -> list[Path]:
    """The files of the checkout that git tracks (under `paths`, if given), as they are in the
    working tree, edits included; every file there when the tests run outside a git checkout.
    `others`: files git does not ignore but does not track yet too (a module not yet added).

    So a brief an editor added to try the README (`new`), the built site/ or the cache never
    reach what the tests build or count."""
    untracked = ["--others", "--exclude-standard"] if others else []
    listing = subprocess.run(
        ["git", "ls-files", "-z", "--cached", *untracked, "--", *paths],
        cwd=repo,
        capture_output=True,
        timeout=60,
    )
    if listing.returncode == 0:
        names = [os.fsdecode(name) for name in filter(None, listing.stdout.split(b"\0"))]
        return [repo / name for name in names if (repo / name).is_file()]  # not if deleted
    roots = [repo / path for path in paths] if paths else [repo]
    return sorted(p for root in roots for p in [root, *root.rglob("*")] if p.is_file())


def copy_tracked(dest: Path, repo: Path = REPO, *paths: str, others: bool = False) -> Path:
    """`tracked_files(repo, *paths)` copied to `dest`, keeping their places."""
    for source in tracked_files(repo, *paths, others=others):
        target = dest / source.relative_to(repo)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
    return dest


def sample_briefs() -> list[Path]:
    """The sample site's brief files: the tracked ones, as the sample builds use them."""
    return sorted(p for p in tracked_files(REPO, "briefs") if p.suffix == ".md")


def sample_briefs_in_english() -> list[Path]:
    """The sample site's briefs in its default language, English (listed at the site's root;
    the Chinese ones, `*.zh.md`, are listed under /zh/)."""
    return [p for p in sample_briefs() if not p.name.endswith(".zh.md")]


def copy_sample(dest: Path, repo: Path = REPO) -> Path:
    """The sample site (site.yml, the tracked briefs and pages) copied to `dest`, to build
    from there: its built-in templates are the checkout's own, which the copy leaves out."""
    return copy_tracked(dest, repo, "site.yml", "briefs", "pages")


def build_sample(out: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Build the repository's sample site into `out` (a temporary folder), from a copy beside
    it: building the checkout's briefs/ in place would count whatever else lies there.
    --no-cache: a cache would otherwise go into the copy, where nothing reuses it."""
    source = out.with_name(f"{out.name}.source")
    shutil.rmtree(source, ignore_errors=True)  # left by an earlier attempt in a shared folder
    copy_sample(source)
    return run_build("build", "--source", source, "--output", out, "--no-cache", *args)


def make_sample_site(out: Path) -> None:
    """Build the sample site into `out`, or fail with the build's output."""
    result = build_sample(out)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture(scope="session")
def sample_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository's own sample site, built once per run into <run>/shared/briefs-site, the
    same folder the browser and HTML-checker tests use (tests only read it).

    site.yml's base_url is https://example.org/briefs-site/: the folder is named for the
    sub-path the browser tests serve it under (see browser_support.py)."""
    return once_per_run(tmp_path_factory, "briefs-site", make_sample_site)


def build_dist(out: Path) -> None:
    """The sdist and wheel of the checkout (its files as they are now) in `out`, as a release
    is built, and offline: `--no-isolation` uses the setuptools of requirements-dev.txt rather
    than downloading one. From a copy, since building writes build/ and *.egg-info/ beside
    the sources; and not from the checkout, where `python -m build` would run build.py."""
    source = copy_tracked(out.with_name(f"{out.name}.source"), REPO, others=True)
    result = subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(source)],
        capture_output=True,
        text=True,
        cwd=source.parent,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture(scope="session")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding briefsite-<version>.tar.gz and the wheel, built once per run."""
    return once_per_run(tmp_path_factory, "dist", build_dist)


def published_asset(name: str) -> str:
    """The name a built-in theme file is published under in assets/: its content as
    published (stylesheets minified) hashed into the name, as `assets.collect` names it."""
    from briefsite.assets import fingerprinted, minified

    data = (REPO / "templates" / "assets" / name).read_bytes()
    return fingerprinted(name, minified(name, data))


def wheel_in(folder: Path) -> Path:
    """The one wheel in a folder."""
    (wheel,) = folder.glob("briefsite-*.whl")
    return wheel


def venv_env(venv: Path, **extra: str) -> dict[str, str]:
    """The environment of a shell with `venv` activated, offline: pip may install only what is
    here already (the wheel given to it; dependencies from the tests' own Python, which the
    virtualenv sees), so a test never waits on, or needs, the network."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env.update(
        PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}",
        VIRTUAL_ENV=str(venv),
        PIP_NO_INDEX="1",
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        **extra,
    )
    return env


def make_venv(venv: Path) -> Path:
    """A virtualenv that sees this Python's packages (the pinned dependencies, pip) but not the
    checkout: only what is installed into it is briefsite. Without pip of its own: quick."""
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", "--system-site-packages", str(venv)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return venv


@pytest.fixture(scope="session")
def installed(tmp_path_factory: pytest.TempPathFactory, dist: Path) -> Path:
    """A virtualenv with the wheel installed, shared by the tests (read only)."""

    def make(venv: Path) -> None:
        make_venv(venv)
        result = subprocess.run(
            [venv / "bin" / "python", "-m", "pip", "install", "-q", wheel_in(dist)],
            capture_output=True,
            text=True,
            env=venv_env(venv),
            timeout=300,
        )
        assert result.returncode == 0, result.stdout + result.stderr

    return once_per_run(tmp_path_factory, "installed", make)


@pytest.fixture(params=["here", "workers"])
def where(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Briefs and pages compiled in the building process (a few, as here) or in worker
    processes (however few, `workers.HERE_AT_MOST` 0): the two must give the same results."""
    if request.param == "workers":
        from briefsite import workers

        monkeypatch.setattr(workers, "HERE_AT_MOST", 0)
    return str(request.param)


@pytest.fixture
def pools(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The size of each pool of worker processes started."""
    from briefsite import workers

    sizes: list[int] = []
    real = workers.Pool.__init__

    def counting(self, work, size):  # type: ignore[no-untyped-def]
        sizes.append(size)
        real(self, work, size)

    monkeypatch.setattr(workers.Pool, "__init__", counting)
    return sizes


@pytest.fixture
def full_builds(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """One entry per build that went through the stages (not answered from its record):
    "full", or "edit" for a build by the edit path."""
    seen: list[str] = []
    from briefsite import pipeline

    real, edit = pipeline._build, pipeline._build_edit

    def full(*args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append("full")
        return real(*args, **kwargs)

    def edited(*args, **kwargs):  # type: ignore[no-untyped-def]
        made = edit(*args, **kwargs)
        if made is not None:
            seen.append("edit")
        return made

    monkeypatch.setattr(pipeline, "_build", full)
    monkeypatch.setattr(pipeline, "_build_edit", edited)
    return seen


@pytest.fixture
def rendered_pages(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The pages each build in this process rendered, in order (builds with jobs=1: pages
    rendered in worker processes are not seen)."""
    from briefsite import pagework  # loads Jinja2: only for the tests that count

    seen: list[str] = []
    real = pagework.render_page

    def counting(env, config, page, today=None):  # type: ignore[no-untyped-def]
        seen.append(page.path)
        return real(env, config, page, today)

    monkeypatch.setattr(pagework, "render_page", counting)  # jobs=1: in this process
    return seen


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file below a folder with its bytes, to compare trees exactly."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def site_files(folder: Path) -> dict[str, bytes]:
    """The files of a built site, without `.briefsite`: the build's record of what it wrote is
    bound to its folder (device and inode), so two folders holding one site differ there."""
    return {path: data for path, data in snapshot(folder).items() if path != ".briefsite"}


def manifest_of(folder: Path) -> tuple[dict[str, list[object]], dict[str, list[int]]]:
    """An output folder's manifest (`.briefsite`, the record of what builds wrote there) as
    rows: each file's [SHA-256, size, modification time, inode], each folder's [modification
    time, change time, inode]. The file keeps them in columns."""
    data = json.loads((folder / ".briefsite").read_bytes())
    assert data["format"] == "briefsite-output/2"
    files, folders = data["files"], data["folders"]
    columns = (files["sha256"], files["sizes"], files["mtimes"], files["inodes"])
    stamps = (folders["mtimes"], folders["ctimes"], folders["inodes"])
    return (
        {path: list(row) for path, *row in zip(files["paths"], *columns, strict=True)},
        {path: list(row) for path, *row in zip(folders["paths"], *stamps, strict=True)},
    )


class Page(HTMLParser):
    """A parsed HTML page: elements with attributes and text, enough for content assertions."""

    VOID = frozenset(
        [
            "area",
            "base",
            "br",
            "col",
            "embed",
            "hr",
            "img",
            "input",
            "link",
            "meta",
            "source",
            "track",
            "wbr",
        ]
    )

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[dict[str, object]] = []
        self._open: list[dict[str, object]] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element: dict[str, object] = {"tag": tag, "attrs": dict(attrs), "text": []}
        self.elements.append(element)
        if tag not in self.VOID:
            self._open.append(element)

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self._open) - 1, -1, -1):
            if self._open[index]["tag"] == tag:
                del self._open[index:]
                break

    def handle_data(self, data: str) -> None:
        for element in self._open:
            element["text"].append(data)  # type: ignore[union-attr]

    def find_all(self, tag: str, **attrs: str) -> list[dict[str, object]]:
        """Elements with this tag whose attributes include the given ones (class_ for class)."""
        wanted = {k.rstrip("_"): v for k, v in attrs.items()}
        found = []
        for element in self.elements:
            if element["tag"] != tag:
                continue
            have = element["attrs"]
            if all(
                (have.get(k) == v) or (k == "class" and v in (have.get(k) or "").split())
                for k, v in wanted.items()
            ):
                found.append(element)
        return found

    @staticmethod
    def text(element: dict[str, object]) -> str:
        """An element's text content with whitespace collapsed."""
        return " ".join("".join(element["text"]).split())  # type: ignore[arg-type]


def position(text: str, needle: str, nth: int = 0) -> tuple[int, int]:
    """1-based line and column of the nth occurrence of `needle` in a file's text."""
    offset = -1
    for _ in range(nth + 1):
        offset = text.index(needle, offset + 1)
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def parse(path: Path) -> Page:
    """Parse an HTML file."""
    return Page(path.read_text(encoding="utf-8"))
