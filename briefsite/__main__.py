"""Where every entry point starts: the `briefsite` command, build.py and `python -m briefsite`.

The command line itself is `cli`; it is imported here, inside `main`, so that a dependency
missing from this Python (Jinja2 not installed, a broken virtualenv) is one clear sentence
rather than a traceback, whichever module needed it (cli's own imports too), even for --help.
"""

from __future__ import annotations

import sys


def main(prog: str = "briefsite") -> int:
    """Run the command line; `prog` is how it was started, for its help and hints."""
    try:
        from .cli import main as run

        return run(prog=prog)
    except ModuleNotFoundError as exc:
        missing = (exc.name or "").partition(".")[0]
        if missing in ("", "briefsite"):
            raise  # a module of briefsite itself: a broken install, not a missing dependency
        print(
            f"error: briefsite needs the Python package '{missing}', which is not installed "
            f"for {sys.executable}\n"
            "  hint: install briefsite with pip, which brings its dependencies; in a checkout "
            "of briefsite: python -m pip install -r requirements.txt",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main(prog="python -m briefsite"))
