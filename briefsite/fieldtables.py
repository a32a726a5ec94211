"""Keep README's field tables generated from the schemas: `python -m briefsite.fieldtables`.

The tables sit between a `<!-- NAME-fields -->` marker (see TABLES) and an `<!-- end -->`
marker; this rewrites just those blocks. A test fails when they drift.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from .config import SITE_FIELDS
from .schema import (
    BRIEF_FIELDS,
    FIGURE_FIELDS,
    FOOTER_FIELDS,
    PAGE_FIELDS,
    SITE_TEXT_FIELDS,
    SOURCE_FIELDS,
    UPDATE_FIELDS,
    WITHDRAWN_FIELDS,
    field_table,
)

TABLES = {
    "brief-fields": BRIEF_FIELDS,
    "figure-fields": FIGURE_FIELDS,
    "source-fields": SOURCE_FIELDS,
    "update-fields": UPDATE_FIELDS,
    "withdrawn-fields": WITHDRAWN_FIELDS,
    "site-fields": SITE_FIELDS,
    "page-fields": PAGE_FIELDS,
    "footer-fields": FOOTER_FIELDS,
    "translation-fields": SITE_TEXT_FIELDS,
}


def refresh(text: str) -> str:
    """The README text with every marked table regenerated."""
    for marker, fields in TABLES.items():
        # The block may be empty (a fresh marker pair) or hold the previous table.
        pattern = re.compile(rf"(<!-- {marker} -->\n).*?(<!-- end -->)", re.DOTALL)

        def block(match: re.Match[str], table: str = field_table(fields)) -> str:
            return match.group(1) + table + "\n" + match.group(2)

        text = pattern.sub(block, text)
    return text


def main(argv: list[str]) -> int:
    """Rewrite the README given (default README.md) in place."""
    path = Path(argv[0] if argv else "README.md")
    original = path.read_text(encoding="utf-8")
    updated = refresh(original)
    if updated != original:
        path.write_text(updated, encoding="utf-8")
        print(f"updated {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
