#!/usr/bin/env python3
"""Entry point: `python build.py --help`. The engine lives in the briefsite package."""

import shlex
import sys

from briefsite.__main__ import main

if __name__ == "__main__":
    sys.exit(main(prog=f"python {shlex.quote(sys.argv[0])}"))
