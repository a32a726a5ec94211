"""The command line: sub-commands, options, printing problems, exit codes. No build logic."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from . import __version__
from .config import SiteConfig, load_config
from .output import OutputError
from .pipeline import BuildOptions, build, publish
from .problems import Problem, Severity

COMMANDS = ("build",)
EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


def make_parser() -> argparse.ArgumentParser:
    """The argument parser, with help text for every option."""
    parser = argparse.ArgumentParser(
        prog="build.py",
        description=(
            "Build a policy-brief website from Markdown briefs with YAML front matter. "
            "With no command, 'build' runs."
        ),
        epilog="Run 'python build.py build --help' for the build options.",
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
    build_parser.add_argument(
        "--source",
        metavar="DIR",
        type=Path,
        default=Path("."),
        help="the site folder holding site.yml, briefs/ and optionally templates/ "
        "(default: the current folder); without its own templates, the built-in ones are used",
    )
    build_parser.add_argument(
        "--output",
        metavar="DIR",
        type=Path,
        help="where to write the site (default: site/ inside the source folder); it must be "
        "empty or a folder briefsite wrote before",
    )
    build_parser.add_argument(
        "--drafts", action="store_true", help="include briefs marked 'draft: true'"
    )
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
    build_parser.add_argument(
        "-q", "--quiet", action="store_true", help="print only problems, no summary"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run a command and return its exit status."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    if not args_list or (
        args_list[0] not in COMMANDS and args_list[0] not in ("-h", "--help", "--version")
    ):
        args_list.insert(0, "build")
    args = make_parser().parse_args(args_list)
    try:
        return run_build(args, sys.stdout, sys.stderr)
    except OutputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_PROBLEMS
    except OSError as exc:
        print(f"error: {exc.filename or ''}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_PROBLEMS


def run_build(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """The `build` command."""
    started = time.perf_counter()
    root = args.source
    if not root.is_dir():
        print(f"error: source folder '{root}' does not exist", file=err)
        return EXIT_PROBLEMS
    overrides: dict[str, object] = {}
    if args.base_url:
        overrides["base_url"] = args.base_url
    if args.file_urls:
        overrides["directory_urls"] = False
    config = load_config(root, args.output, overrides)
    if not isinstance(config, SiteConfig):
        report(config, err)
        return EXIT_PROBLEMS
    result = build(config, BuildOptions(drafts=args.drafts))
    report(result.problems, err)
    if not result.ok:
        print(f"Build failed; nothing was written to {config.output}.", file=err)
        return EXIT_PROBLEMS
    sync = publish(result, config.output)
    if not args.quiet:
        seconds = time.perf_counter() - started
        print(
            f"Built {result.brief_count} briefs, {result.page_count} pages into "
            f"{config.output} in {seconds:.2f} s: {len(sync.written)} written, "
            f"{sync.unchanged} unchanged, {len(sync.removed)} removed.",
            file=out,
        )
    return EXIT_OK


def report(problems: Sequence[Problem], stream: TextIO) -> None:
    """Print problems sorted, then a count, so the editor sees the size of the job."""
    ordered = sorted(problems)
    for problem in ordered:
        print(problem.format(), file=stream)
    errors = sum(1 for p in ordered if p.severity is Severity.ERROR)
    warnings = len(ordered) - errors
    if ordered:
        files = len({p.path for p in ordered})
        print(
            f"{_plural(errors, 'error')}, {_plural(warnings, 'warning')} "
            f"in {_plural(files, 'file')}.",
            file=stream,
        )


def _plural(count: int, word: str) -> str:
    """'1 error', '2 errors'."""
    return f"{count} {word}{'' if count == 1 else 's'}"
