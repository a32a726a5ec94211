"""Stable digests of the values a page is made from, to skip pages whose inputs did not change.

A page's key is a digest of its template context (briefs, topics, settings: frozen
dataclasses of plain values), the templates' files, the code's version and the build's today.
Python's own `hash` is salted per process, so this walks the values itself: dataclasses field
by field, sequences in order, sets and mappings sorted. One `Fingerprints` is used for a whole
build and remembers each object it has seen, so a brief listed on a hundred pages is hashed
once.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
from collections.abc import Iterable, Mapping
from enum import Enum
from pathlib import Path, PurePath
from typing import Any

_SCALARS = (str, bytes, int, float, bool, type(None), dt.date, Enum, PurePath)
_PLAIN = frozenset({str, int, bool, type(None), dt.date})  # the usual ones, by exact type


class Unfingerprintable(TypeError):
    """A value of a kind this module does not know: the page is always rendered."""


class Fingerprints:
    """Digests for one build, each object hashed once."""

    def __init__(self) -> None:
        self._seen: dict[int, tuple[object, bytes]] = {}  # the object is kept: ids stay unique

    def know(self, value: object, digest: bytes) -> None:
        """Use `digest` for this object: one already known to stand for all it holds (a
        brief's cache key covers its file, name, settings and the code)."""
        self._seen[id(value)] = (value, hashlib.sha256(digest).digest())

    def of(self, value: Any) -> bytes:
        """A 32-byte digest that equals another value's exactly when the values are equal."""
        known = self._seen.get(id(value))  # first: most values of a page are known already
        if known is not None:
            return known[1]
        if type(value) in _PLAIN or isinstance(value, _SCALARS):
            return hashlib.sha256(_scalar(value)).digest()
        digest = hashlib.sha256(type(value).__qualname__.encode())
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            values = [getattr(value, name) for name in _field_names(type(value))]
            if all(isinstance(item, _SCALARS) for item in values):
                # Plain values only (a brief's summary, a heading): their text in one go,
                # each with its type. Thousands of summaries are keyed in every build.
                digest.update(b"\3" + repr([(type(v).__name__, v) for v in values]).encode())
            else:
                for item in values:
                    digest.update(self._part(item))
        elif isinstance(value, (tuple, list)):
            for item in value:
                digest.update(self._part(item))
        elif isinstance(value, Mapping):
            for pair in sorted(self._part(k) + self._part(v) for k, v in value.items()):
                digest.update(pair)
        elif isinstance(value, (set, frozenset)):
            for member in sorted(self._part(v) for v in value):
                digest.update(member)
        else:
            raise Unfingerprintable(type(value).__qualname__)
        result = digest.digest()
        self._seen[id(value)] = (value, result)
        return result

    def _part(self, value: Any) -> bytes:
        """A value as part of another's digest, self-delimiting so parts never run together:
        a plain value as its text (no digest of its own: a page holds dozens of them, and ten
        thousand pages are keyed in every build of a large site), anything else as its digest.
        """
        known = self._seen.get(id(value))
        if known is not None:
            return b"\2" + known[1]
        if type(value) in _PLAIN or isinstance(value, _SCALARS):
            return b"\1" + _scalar(value) + b"\0"  # repr never writes a raw NUL
        return b"\2" + self.of(value)


def _scalar(value: object) -> bytes:
    """A plain value's type and exact text: 1 and 1.0 and "1" differ."""
    return f"{type(value).__name__}:{value!r}".encode()


@functools.cache
def _field_names(kind: type) -> tuple[str, ...]:
    """A dataclass's field names, in order (looked up once per class)."""
    return tuple(spec.name for spec in dataclasses.fields(kind))


def files_digest(folders: Iterable[Path]) -> bytes:
    """A digest of every file below some folders (the templates), names and contents."""
    digest = hashlib.sha256()
    for folder in folders:
        digest.update(str(folder).encode() + b"\0")
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.digest()
