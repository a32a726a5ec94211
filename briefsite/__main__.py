"""Where every entry point starts: the `briefsite` command, build.py and `python -m briefsite`.

The command line itself is `cli`; it is imported here, inside `main`, so that a dependency
missing from this Python (Jinja2 not installed, a broken virtualenv) is one clear sentence
rather than a traceback, whichever module needed it (cli's own imports too), even for --help.
"""

from __future__ import annotations

import gc
import sys


def main(prog: str = "briefsite") -> int:
    """Run the command line; `prog` is how it was started, for its help and hints.

    Python's cycle collector looks at every object it tracks in each full collection, and
    again as the process ends. The modules just loaded (their functions, classes and tables)
    live as long as the process, and what a command made is thrown away with the process
    once it returns: both are frozen (`gc.freeze`), so no collection looks at them again
    (a tenth of a second of an edit's build at 10,000 briefs, measured).
    """
    try:
        from .cli import main as run

        gc.freeze()
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
    finally:
        gc.freeze()  # the process ends: what is left is freed, never searched for cycles


if __name__ == "__main__":
    sys.exit(main(prog="python -m briefsite"))
