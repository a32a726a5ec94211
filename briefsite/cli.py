"""The command line: sub-commands, options, printing problems, progress, colour, exit codes.

No build logic lives here: each command calls `pipeline` (or `serve`) and reports.
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import functools
import os
import shlex
import sys
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TextIO

from . import __version__
from .config import CONFIG_NAME, SiteConfig, load_config
from .output import OutputError, published_hashes, spooled
from .pipeline import (
    BuildOptions,
    build,
    check_site,
    output_problems,
    publish,
    today_for_build,
)
from .problems import Problem, Severity, error, visible
from .reporting import paint, plural, print_formatted, report, shown_from_here
from .scaffold import create
from .selection import HeldBack, checked_line, counts, held_back_lines
from .workers import default_jobs

COMMANDS = ("build", "check", "init", "new", "serve")
EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2
PROGRESS_AFTER = 1.0  # seconds: quick builds never flash a bar
SOURCE_HINT = "give the site folder (the one holding site.yml) with --source DIR"


def _source_option(parser: argparse.ArgumentParser) -> None:
    """--source, shared by every command."""
    parser.add_argument(
        "--source",
        metavar="DIR",
        type=Path,
        default=Path("."),
        help="the site folder holding site.yml, briefs/ and optionally templates/ "
        "(default: the current folder); without its own templates, the built-in ones are used",
    )


def _chatter_options(parser: argparse.ArgumentParser) -> None:
    """--quiet and --verbose, shared by the commands that report."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument("-q", "--quiet", action="store_true", help="print only problems")
    group.add_argument(
        "-v", "--verbose", action="store_true", help="also list every file written or removed"
    )


def port_number(text: str) -> int:
    """--port's value: checked here, so a bad one is a usage error, not a traceback from bind."""
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"must be a whole number from 0 to 65535, not '{text}'")
    return port


def _speed_options(parser: argparse.ArgumentParser) -> None:
    """--jobs and --no-cache, shared by the commands that build."""
    parser.add_argument(
        "-j",
        "--jobs",
        type=_job_count,
        default=default_jobs(),
        metavar="N",
        help=f"read and render briefs in N processes (default: all cores, here {default_jobs()})",
    )
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="render every brief afresh, without reading or writing .briefsite-cache/",
    )


def _job_count(text: str) -> int:
    """A --jobs value: a whole number from 1 to 256."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= 256:
        raise argparse.ArgumentTypeError(f"must be a whole number from 1 to 256, not '{text}'")
    return value


def _selection_options(parser: argparse.ArgumentParser) -> None:
    """--drafts and --future, shared by build and check."""
    parser.add_argument("--drafts", action="store_true", help="include briefs marked 'draft: true'")
    parser.add_argument(
        "--future",
        action="store_true",
        help="include briefs dated after today (they are held back until their date)",
    )


def make_parser(prog: str = "briefsite") -> argparse.ArgumentParser:
    """The argument parser, with help text for every option; `prog` is how the command was
    typed ('briefsite', 'python build.py', 'python -m briefsite'), for usage lines and hints."""
    parser = argparse.ArgumentParser(
        prog=prog,
        description=(
            "Build a policy-brief website from Markdown briefs with YAML front matter. "
            "With no command, 'build' runs."
        ),
        epilog=f"Run '{prog} COMMAND --help' for a command's options.",
    )
    parser.add_argument("--version", action="version", version=f"briefsite {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    build_parser = commands.add_parser(
        "build",
        help="build the site into site/ (the default command)",
        description=(
            "Read site.yml and every briefs/**/*.md, check them, and write the site. "
            "If anything is wrong, every problem is listed as file:line:column and nothing "
            "is written: the previous site stays as it was."
        ),
    )
    _source_option(build_parser)
    build_parser.add_argument(
        "--output",
        metavar="DIR",
        type=Path,
        help="where to write the site (default: site/ inside the source folder); it must be "
        "empty or a folder briefsite wrote before",
    )
    _selection_options(build_parser)
    _speed_options(build_parser)
    build_parser.add_argument(
        "--base-url",
        metavar="URL",
        help="publish under this address instead of site.yml's base_url (for staging copies)",
    )
    build_parser.add_argument(
        "--file-urls",
        action="store_true",
        help="make links end in index.html, so the site can be opened from disk without a server",
    )
    _chatter_options(build_parser)

    check_parser = commands.add_parser(
        "check",
        help="check every brief without writing anything",
        description=(
            "Everything a build checks (front matter, links, #anchors, templates), for every "
            "brief: drafts and briefs scheduled for later too, each link checked as the build "
            "that first publishes its brief will check it (--drafts and --future: as a build "
            "with them would). Plus warnings a build does not stop for: duplicate titles, the "
            "same figure with "
            "different values in two briefs, and text changed in git without a change note. "
            "Nothing is written but the build cache (.briefsite-cache/, which makes the next "
            "check and build faster; --no-cache to skip it). Exit status 1 on errors, and on "
            "warnings with --strict."
        ),
    )
    _source_option(check_parser)
    _selection_options(check_parser)
    _speed_options(check_parser)
    check_parser.add_argument(
        "--strict", action="store_true", help="fail on warnings as well as errors"
    )
    check_parser.add_argument(
        "--format",
        choices=("text", "github", "json"),
        default="text",
        help="text for people (default); github for GitHub Actions annotations on the pull "
        "request; json for tools",
    )

    init_parser = commands.add_parser(
        "init",
        help="start a new repository of briefs",
        description=(
            f"Write a new repository of briefs into FOLDER: {CONFIG_NAME}, briefs/ with one "
            "example brief, .gitignore, a .pre-commit-config.yaml running 'briefsite check' "
            "before each commit, and a GitHub Actions workflow that checks pull requests and "
            f"publishes the site to GitHub Pages, both pinned to briefsite {__version__}. "
            "Nothing is written if any of these files exists already."
        ),
    )
    init_parser.add_argument(
        "folder",
        nargs="?",
        type=Path,
        default=Path("."),
        help="where to create it (default: the current folder); made if missing",
    )

    new_parser = commands.add_parser(
        "new",
        help="start a new brief from a template",
        description=(
            "Create briefs/<slug>.md with every front-matter field present and explained, "
            "today's date, and placeholder text. It starts as a draft, so it builds at once. "
            "An existing brief is never overwritten."
        ),
    )
    _source_option(new_parser)
    new_parser.add_argument("title", help='the brief\'s title, in quotes: "Title of the brief"')
    new_parser.add_argument(
        "--topic",
        action="append",
        default=[],
        metavar="TOPIC",
        help="a topic to file the brief under (repeat for several)",
    )
    new_parser.add_argument("--slug", help="the address to use (default: made from the title)")

    serve_parser = commands.add_parser(
        "serve",
        help="preview the site, rebuilding and reloading the browser on every change",
        description=(
            "Build the site with drafts and future briefs in memory, serve it on "
            "127.0.0.1, and rebuild whenever briefs/, templates/ or site.yml change; the open "
            "page reloads by itself. A broken edit shows its problems in the terminal and over "
            "the page, and the next good save recovers. The published site/ is never touched. "
            "Ctrl-C stops."
        ),
    )
    _source_option(serve_parser)
    serve_parser.add_argument(
        "--port",
        type=port_number,
        default=8000,
        help="the port to serve on, 0 to 65535 (default: 8000; 0: any free port)",
    )
    _chatter_options(serve_parser)
    return parser


# The parser for each way the command was typed, made once per process (8 ms each time, and a
# process that runs many commands, the tests' or a script's, made one per command). Parsing
# does not change it.
_parser_for = functools.lru_cache(maxsize=4)(make_parser)


def main(
    argv: Sequence[str] | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
    prog: str = "briefsite",
) -> int:
    """Run a command and return its exit status; output goes to `out` and `err` (by default
    the process's stdout and stderr), usage errors and --help included. `prog` is how the
    command was started, for its help and hints."""
    out = sys.stdout if out is None else out
    err = sys.stderr if err is None else err
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = _parser_for(prog)
    try:
        # argparse prints help, usage and its errors on sys.stdout and sys.stderr and then
        # exits: here they go to the command's own streams and become its exit status.
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            if args_list and not args_list[0].startswith("-") and args_list[0] not in COMMANDS:
                close = difflib.get_close_matches(args_list[0], COMMANDS, n=1)
                hint = (
                    f"did you mean '{close[0]}'?"
                    if close
                    else f"the commands: {', '.join(COMMANDS)}"
                )
                parser.error(f"unknown command '{visible(args_list[0])}'; {hint}")
            if not args_list or args_list[0] not in (*COMMANDS, "-h", "--help", "--version"):
                args_list.insert(0, "build")
            args = parser.parse_args(args_list)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    args.prog = prog
    try:
        if args.command == "init":
            return run_init(args, out, err)
        if args.command == "check":
            return run_check(args, out, err)
        if args.command == "new":
            return run_new(args, out, err)
        if args.command == "serve":
            from .serve import run_serve  # the watcher and server load only when needed

            return run_serve(args, out, err)
        return run_build(args, out, err)
    except OutputError as exc:
        print(f"{paint('error', 'error', err)}: {visible(str(exc))}", file=err)
        return EXIT_PROBLEMS
    except OSError as exc:
        shown = visible(f"{exc.filename or ''}: {exc.strerror or exc}")
        print(f"{paint('error', 'error', err)}: {shown}", file=err)
        return EXIT_PROBLEMS
    except KeyboardInterrupt:
        print("Stopped.", file=err)
        return 130


def load_site(args: argparse.Namespace, **overrides: object) -> SiteConfig | list[Problem]:
    """Read site.yml from --source (with command-line overrides), or say why it cannot be."""
    root: Path = args.source
    shown = root.resolve().as_posix()
    if root.exists() and not root.is_dir():
        return [error(shown, 0, 0, "--source is a file, not a folder", SOURCE_HINT)]
    if not root.is_dir():
        return [error(shown, 0, 0, "source folder does not exist", SOURCE_HINT)]
    output = getattr(args, "output", None)
    return load_config(root, output, {k: v for k, v in overrides.items() if v is not None})


def run_build(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """The `build` command."""
    started = time.perf_counter()
    config = load_site(
        args, base_url=args.base_url, directory_urls=False if args.file_urls else None
    )
    if not isinstance(config, SiteConfig):
        report(shown_from_here(config, args.source), err, args.source)
        return EXIT_PROBLEMS
    unsafe = output_problems(config)
    if unsafe:
        report(shown_from_here(unsafe, config.root), err, config.root)
        print(f"Nothing was built or written to {config.output}.", file=err)
        return EXIT_PROBLEMS
    bar = ProgressBar(err, enabled=not args.quiet)
    options = BuildOptions(
        drafts=args.drafts,
        future=args.future,
        progress=bar.update,
        jobs=args.jobs,
        cache=not args.no_cache,
    )
    # The pages' bytes go to a spool beside the output folder as they are made, and are
    # linked into the new site from there: a site of 10,000 briefs is not held in memory.
    on_disk = published_hashes(config.output)
    with spooled(config.output, on_disk) as spool:
        result = build(config, options, on_disk, spool)
        bar.clear()
        report(shown_from_here(result.problems, config.root), err, config.root)
        if not result.ok:
            print(f"Build failed; nothing was written to {visible(str(config.output))}.", file=err)
            return EXIT_PROBLEMS
        sync = publish(result, config)
    if not args.quiet:
        for line in held_back_lines([_shown(h, config.root) for h in result.held_back]):
            print(visible(line), file=err)  # file names may hold control characters
    if args.verbose:
        for path in sync.written:
            print(f"  wrote   {visible(path)}", file=out)
        for path in sync.removed:
            print(f"  removed {visible(path)}", file=out)
        for path in sync.kept:
            print(f"  kept    {visible(path)} (not written by briefsite)", file=out)
    if not args.quiet:
        seconds = time.perf_counter() - started
        print(
            f"Built {plural(result.brief_count, 'brief')}, {plural(result.page_count, 'page')}"
            f" into {visible(str(config.output))} in {seconds:.2f} s: {len(sync.written)} written, "
            f"{sync.unchanged} unchanged, {len(sync.removed)} removed"
            + (f", {len(sync.kept)} kept (not written by briefsite)" if sync.kept else "")
            + ".",
            file=out,
        )
    return EXIT_OK


def run_check(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """The `check` command: validate everything, write nothing."""
    config = load_site(args)
    if isinstance(config, SiteConfig):
        options = BuildOptions(
            drafts=args.drafts, future=args.future, jobs=args.jobs, cache=not args.no_cache
        )
        result = check_site(config, options)
        problems = result.problems
        counted = checked_line(result.brief_count, *counts(result.catalog.briefs, options.today))
    else:
        problems, counted = tuple(config), ""  # settings problems, in the format asked for
    shown = shown_from_here(problems, args.source)
    if args.format == "text":
        report(shown, err, args.source)
        if not problems:
            print(f"{counted}: no problems.", file=out)
    else:
        print_formatted(shown, args.format, out)
    errors = any(p.severity is Severity.ERROR for p in problems)
    return EXIT_PROBLEMS if errors or (args.strict and problems) else EXIT_OK


def _shown(held: HeldBack, root: Path) -> HeldBack:
    """A held-back brief with its path as problems show theirs (`shown_from_here`)."""
    as_problem = error(held.path, 0, 0, "")
    return replace(held, path=shown_from_here([as_problem], root)[0].path)


def run_new(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """The `new` command: write a new draft brief (`scaffold.create`), never over another."""
    config = load_site(args)
    if not isinstance(config, SiteConfig):
        report(shown_from_here(config, args.source), err, args.source)
        return EXIT_PROBLEMS
    made = create(config, args.title, args.topic, args.slug, today_for_build())
    if not isinstance(made, Path):
        return _new_failed(made, err)
    shown = made.relative_to(config.root).as_posix()
    serve = _command(args.prog, "serve", *_source_args(args.source))
    print(f"Created {visible(shown)}. It is a draft: preview it with '{serve}'.", file=out)
    return EXIT_OK


def run_init(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """The `init` command: a new repository of briefs (`init.create_repository`), all or none."""
    from .init import create_repository, starter_files

    folder: Path = args.folder
    failed = create_repository(folder, today_for_build())
    if failed:
        return _new_failed(failed, err)
    source = _source_args(folder)
    steps = (
        f"set 'title' and 'base_url' in {CONFIG_NAME}",
        f"preview the site: {_command(args.prog, 'serve', *source)}",
        "write a brief: "
        + _command(args.prog, "new", "Title of the brief", *source)
        + "; delete the example brief once the site has one of its own",
        "put the folder in git and push it to GitHub; in Settings > Pages choose "
        "'GitHub Actions' as the source",
        "to check briefs before each commit: python -m pip install pre-commit && "
        "pre-commit install",
    )
    print(f"Created a repository of briefs in {visible(str(folder))}:", file=out)
    for name in starter_files(today_for_build()):
        print(f"  {name}", file=out)
    print("Next:", file=out)
    for number, step in enumerate(steps, 1):
        print(f"  {number}. {visible(step)}", file=out)
    return EXIT_OK


def _source_args(folder: Path) -> tuple[str, ...]:
    """--source FOLDER for a suggested command, unless FOLDER is the current one."""
    return () if folder == Path(".") else ("--source", str(folder))


def _command(prog: str, *args: str) -> str:
    """A command line to suggest, quoted as a shell needs it."""
    return " ".join([prog, *map(shlex.quote, args)])


def _new_failed(messages: Sequence[str], err: TextIO) -> int:
    """Print why `new` wrote nothing; user text in the messages is shown escaped."""
    for message in messages:
        print(f"{paint('error', 'error', err)}: {visible(message)}", file=err)
    return EXIT_PROBLEMS


class ProgressBar:
    """A one-line progress bar on terminals, for builds long enough to need one.

    Shown only after PROGRESS_AFTER seconds, only on a terminal, never in CI logs, and never
    on a terminal that says it cannot move its cursor (TERM=dumb: Emacs' shell, some IDE
    consoles), where each redraw would print as a new line of escape codes.
    """

    def __init__(self, stream: TextIO, enabled: bool = True) -> None:
        self.stream = stream
        self.enabled = (
            enabled
            and bool(getattr(stream, "isatty", lambda: False)())
            and not os.environ.get("CI")
            and os.environ.get("TERM") != "dumb"
        )
        self.started = time.perf_counter()
        self.shown = False

    def update(self, stage: str, done: int, total: int) -> None:
        """Redraw the bar (cheaply: at most once per percent)."""
        if not self.enabled or time.perf_counter() - self.started < PROGRESS_AFTER:
            return
        if total > 100 and done % (total // 100) and done != total:
            return
        width = 30
        filled = width * done // max(total, 1)
        self.stream.write(
            f"\r{stage:<14} [{'#' * filled}{' ' * (width - filled)}] {done}/{total}\x1b[K"
        )
        self.stream.flush()
        self.shown = True

    def clear(self) -> None:
        """Remove the bar before printing results."""
        if self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
