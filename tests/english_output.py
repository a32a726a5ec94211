"""The English sites whose every output file `tests/test_i18n.py` compares with a digest made
before interface text went through message catalogues and before sites had several languages
(main at ec2980e): the sample site in English alone, and the
sample with briefs that reach the templates' other branches (withdrawn, replaced, expired,
proposed, series, pagination, a PDF, footnotes, repository links).

Run `python tests/english_output.py` to write the digest again, when a change to the
English output is meant (say why in the commit)."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import shutil
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # run as a script
    sys.path.insert(0, str(REPO))
DIGEST = Path(__file__).resolve().parent / "fixtures" / "english-output.sha256"
TODAY = dt.date(2026, 1, 15)  # fixed: what has expired decides notices and tags

_EXTRA_SITE_YML = """\
page_size: 2
search: false
repo_url: https://github.com/example/briefs
"""

_EXTRA_BRIEFS = {
    "series-one.md": """\
---
title: "The first brief of a series"
date: 2021-03-02
summary: "A brief that starts a series, with \\"quotes\\" -- and dashes..."
series: "Test series"
authors: ["A. Writer", "B. Writer"]
status: in-force
effective: 2021-01-01
expires: 2030-12-31
issuing_body: "Test Bureau"
region: "Qingdao"
topics: ["Testing"]
updates:
  - date: 2021-04-01
    note: "Corrected the award."
figures:
  - label: "award"
    value: 2500000000
    unit: "yuan"
    qualifier: "up to"
    source: "The bureau's notice"
  - label: "share of firms"
    value: 31.8
    unit: "percent"
    qualifier: "about"
    source: "The bureau's notice"
  - label: "area"
    value: 1250
    unit: "m2"
    source: "The bureau's notice"
sources:
  - title: "The bureau's notice"
    url: https://example.org/notice
    date: 2021-03-01
  - title: "A book without an address"
---

## First

Text with a note.[^n] See the [document](notice.pdf).

## Second

```python
print("code")
```

## Third

More text.

[^n]: The note.
""",
    "series-two.md": """\
---
title: "The second brief of a series"
date: 2021-05-02
summary: "The series goes on."
series: "Test series"
status: proposed
issuing_body: "Test Bureau"
topics: ["Testing"]
---

Body.
""",
    "withdrawn.md": """\
---
title: "A withdrawn brief"
date: 2019-05-02
summary: "It no longer applies."
topics: ["Testing"]
withdrawn:
  date: 2020-01-01
  reason: "The policy was repealed."
superseded_by: series-two.md
---

Body.
""",
    "replaced.md": """\
---
title: "A replaced brief"
date: 2019-06-02
summary: "Another brief replaces it."
superseded_by: series-one.md
---

Body.
""",
    "expired.md": """\
---
title: "An expired brief"
date: 2018-06-02
summary: "Its policy expired."
status: in-force
expires: 2019-01-01
region: "Shandong"
---

Body.
""",
}

# A small PDF: the annex check reads its signature.
_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n" + b"x" * 1500


def _copy_sample(dest: Path) -> Path:
    """The sample site's tracked files, as the tests' `copy_sample` copies them."""
    import subprocess

    listed = subprocess.run(
        ["git", "ls-files", "-z", "site.yml", "briefs", "pages"],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for name in filter(None, listed):
        source = REPO / name.decode()
        target = dest / name.decode()
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
    # In English alone, as the sample was when the digest was made (ec2980e): its Chinese
    # translations (`*.zh.md`), the `languages` setting and the site's Chinese texts (the
    # `translations` block) out, `language: en` in.
    for translated in (dest / "briefs").glob("*.*.md"):
        translated.unlink()
    settings = dest / "site.yml"
    lines = settings.read_text(encoding="utf-8").splitlines(keepends=True)
    kept, in_translations = [], False
    for line in lines:
        if in_translations and line.startswith(" "):
            continue
        in_translations = line.startswith("translations:")
        if not in_translations:
            kept.append("language: en\n" if line.startswith("languages:") else line)
    settings.write_text("".join(kept), encoding="utf-8")
    return dest


def sites(folder: Path) -> dict[str, Path]:
    """The English sites to compare, written into `folder`, by name."""
    plain = _copy_sample(folder / "sample")
    extra = _copy_sample(folder / "extra")
    with (extra / "site.yml").open("a", encoding="utf-8") as f:
        f.write(_EXTRA_SITE_YML)
    for name, text in _EXTRA_BRIEFS.items():
        (extra / "briefs" / name).write_text(text, encoding="utf-8")
    (extra / "briefs" / "notice.pdf").write_bytes(_PDF)
    return {"sample": plain, "extra": extra}


# The stylesheet's published name carries a hash of its content (`assets`): a rule added to it
# renames it in every page. The digest compares everything else byte for byte: the name is
# written as `site.css` in the files compared, and the stylesheets themselves (and `_headers`,
# which lists them) are left out; tests/test_budgets.py and the browser tests cover them.
_STYLESHEET = re.compile(rb"site\.[0-9a-f]{10}\.css")


def _compared(path: str, data: bytes) -> bytes | None:
    """A file's bytes as the digest compares them; None for a file it leaves out."""
    if _STYLESHEET.search(path.encode()) or path == "_headers":
        return None
    return _STYLESHEET.sub(b"site.css", data)


def digests(folder: Path) -> dict[str, str]:
    """Every output file of each site, built in this process: 'site/path' -> SHA-256."""
    from briefsite.config import SiteConfig, load_config
    from briefsite.pipeline import BuildOptions, build

    found: dict[str, str] = {}
    for name, root in sites(folder).items():
        config = load_config(root, root / "site")
        assert isinstance(config, SiteConfig), config
        result = build(config, BuildOptions(today=TODAY, cache=False, git=False, jobs=1))
        assert result.ok, [p for p in result.problems if p.severity.name == "ERROR"]
        for output in result.outputs:
            assert output.data is not None, output.path  # no cache, no output folder
            data = _compared(output.path, output.data)
            if data is not None:
                found[f"{name}/{output.path}"] = hashlib.sha256(data).hexdigest()
    return found


def read_digest() -> dict[str, str]:
    """The committed digest: 'site/path' -> SHA-256."""
    lines = DIGEST.read_text(encoding="utf-8").splitlines()
    return dict(reversed(line.split("  ", 1)) for line in lines if line)  # type: ignore[misc]


def main() -> None:
    """Write the digest of the sites as this checkout builds them."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        found = digests(Path(folder))
    DIGEST.parent.mkdir(parents=True, exist_ok=True)
    DIGEST.write_text("".join(f"{found[p]}  {p}\n" for p in sorted(found)), encoding="utf-8")
    print(f"{len(found)} files: {DIGEST}")


if __name__ == "__main__":
    main()
