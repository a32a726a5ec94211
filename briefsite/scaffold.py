"""`build.py new`: the text of a new brief, with every front-matter field explained.

Generated from `schema.BRIEF_FIELDS`, so a field added to the schema appears in new briefs with
its help text. The brief is valid as created (a draft with placeholder text), so it builds and
passes `check` at once, and `serve` shows it with its "Draft" banner.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence

from . import schema

# Example entries shown, commented out, under the list-of-records fields.
EXAMPLES = {
    "figures": (
        "  - label: net industrial land offered",
        "    value: 37.3",
        "    unit: km²",
        "    source: where the number comes from",
    ),
    "sources": ("  - title: the document's title", "    url: https://…", "    date: 2020-04-07"),
    "updates": ("  - date: 2020-04-08", "    note: what changed, in one sentence"),
}


def _quoted(text: str) -> str:
    """A YAML double-quoted string (JSON strings are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def new_brief(title: str, slug: str, topics: Sequence[str], today: dt.date) -> str:
    """The full text of a new draft brief."""
    values = {
        "title": _quoted(title),
        "date": today.isoformat(),
        "summary": _quoted("Replace with one or two sentences saying what the policy does."),
        "slug": slug,
        "topics": "[" + ", ".join(_quoted(t) for t in topics) + "]",
        "authors": "[]",
        "updates": "[]",
        "figures": "[]",
        "sources": "[]",
        "draft": "true",
    }
    lines = ["---"]
    for field in schema.BRIEF_FIELDS:
        need = "required" if field.required else "optional"
        lines.append(f"# {field.name}: {field.help} ({need}; {field.kind.description})")
        if field.name in EXAMPLES:
            lines.append("#   for example:")
            lines.extend(f"#   {line}" for line in EXAMPLES[field.name])
        if field.name == "draft":
            lines.append("#   set to false (or delete this line) when the brief is ready")
        lines.append(f"{field.name}: {values.get(field.name, '')}".rstrip())
    lines += [
        "---",
        "",
        "## What was announced",
        "",
        "Replace this text. Say what the policy is, who announced it and when.",
        "",
        "## Terms",
        "",
        "Replace this text with the policy's terms.",
        "",
        "## What we do not know yet",
        "",
        "Replace this text with the open questions.",
        "",
    ]
    return "\n".join(lines)
