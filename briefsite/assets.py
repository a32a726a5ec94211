"""The theme's static files (`templates/assets/`, and the generated highlighting stylesheet),
published under names that carry a hash of their content: `assets/site.3f2a1c9b0d.css`.

A file whose name changes whenever its content does can be kept by browsers and caches for a
year without ever being stale, so `_headers` (the syntax Netlify and Cloudflare Pages read)
marks each of them immutable. Pages reach them only through `Assets.path` (the templates'
`asset('site.css')`), so no page can name a file that was not published; a page is keyed by the
template files, assets included, so a changed stylesheet renders every page with its new name.
The files of the build before keep their old names until publishing removes them, as it
removes every file of ours that a build no longer makes (`output`).
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

from . import urls
from .output import Output
from .source import read_assets

HASH_LENGTH = 10  # hex digits of SHA-256: enough that two versions of a file never share one
HEADERS = "_headers"
IMMUTABLE = "Cache-Control: public, max-age=31536000, immutable"  # a year: the longest useful


def fingerprinted(name: str, data: bytes) -> str:
    """The name a file is published under: its content's hash before its first dot's suffix
    ("site.css" is "site.3f2a1c9b0d.css", "a/b.min.js" "a/b.3f2a1c9b0d.min.js")."""
    digest = hashlib.sha256(data).hexdigest()[:HASH_LENGTH]
    folder, slash, base = name.rpartition("/")
    stem, dot, suffix = base.partition(".")
    return f"{folder}{slash}{stem}.{digest}{dot}{suffix}"


@dataclass(frozen=True)
class Assets:
    """The theme's files, each under its published name."""

    paths: Mapping[str, str]  # name in templates/assets/ ("site.css") -> site path
    files: Mapping[str, bytes]  # site path -> the file's bytes

    @classmethod
    def of(cls, files: Mapping[str, bytes]) -> Assets:
        """Published names for files named as in templates/assets/."""
        paths = {name: urls.asset_path(fingerprinted(name, data)) for name, data in files.items()}
        return cls(paths, {paths[name]: data for name, data in sorted(files.items())})

    def path(self, name: str) -> str:
        """The site path of the asset `name` ("site.css"); KeyError when there is none."""
        return self.paths[name]

    def outputs(self) -> list[Output]:
        """Every asset as a file to publish."""
        return [Output(path, data) for path, data in self.files.items()]


@functools.lru_cache(maxsize=2)
def collect(template_dirs: tuple[Path, ...], digest: bytes) -> Assets:
    """The assets of these template folders (`digest`: their `fingerprint.files_digest`, which
    covers `assets/`), with Pygments' stylesheet unless the theme brings its own. Kept per
    digest: the Jinja environment and the build's outputs ask for the same, and the preview
    asks again on every save."""
    from .markup import pygments_css  # loads Pygments: only where pages are rendered

    files = read_assets(template_dirs)
    files.setdefault("pygments.css", pygments_css().encode("utf-8"))
    return Assets.of({name: minified(name, data) for name, data in files.items()})


def minified(name: str, data: bytes) -> bytes:
    """A stylesheet without its comments and spaces (rcssmin: the source keeps its comments,
    which say why; readers download neither), within DESIGN.md's 12 KB for CSS. Other files
    as they are. A stylesheet that is not UTF-8 is left alone rather than damaged."""
    if not name.endswith(".css"):
        return data
    import rcssmin  # type: ignore[import-untyped]  # (no type hints); only where published

    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return data
    return str(rcssmin.cssmin(text)).encode("utf-8")


def headers_file(assets: Assets, base_url: str) -> Output:
    """`_headers`: each hashed asset, by its address from the host's root (base_url's path
    included), marked immutable. Netlify and Cloudflare Pages read it; other hosts publish it
    as a file, which says nothing secret."""
    base = urlsplit(base_url).path.rstrip("/")
    lines = [
        "# Made by briefsite. These files' names carry a hash of their content: a changed file",
        "# gets a new name, so each may be kept for a year (Netlify, Cloudflare Pages).",
    ]
    for path in assets.files:
        lines += [f"{base}/{quote(path)}", f"  {IMMUTABLE}"]
    return Output(HEADERS, ("\n".join(lines) + "\n").encode("utf-8"))
