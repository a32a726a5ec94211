#!/usr/bin/env python3
"""Entry point: `python build.py --help`. The engine lives in the briefsite package."""

import sys

from briefsite.cli import main

if __name__ == "__main__":
    sys.exit(main())
