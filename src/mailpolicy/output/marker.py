"""The first line of every generated file: which policy wrote it, and a hash of every line below.

    # mailpolicy-generated from seed.mailpolicy sha256:<64 hex digits> (hash of the lines below; do not edit)

Postfix reads it as a comment, in main.cf and in a postmap source alike. The hash is what lets
compile tell a file it wrote and nobody touched (safe to replace) from one edited by hand since
(refused, MP602) and from one it never wrote (no marker: refused, MP605). It covers the exact
bytes below the marker line, so the same input still gives byte-identical files.
"""

from __future__ import annotations

import hashlib
import re


from mailpolicy.frozen import frozen

PREFIX = "# mailpolicy-generated from "
_MARKER = re.compile(r"# mailpolicy-generated from (?P<source>.+) sha256:(?P<digest>[0-9a-f]{64})(?: \(.*\))?")
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f]")


@frozen
class Marker:
    """What a marker line says: the policy file's name and the hash of the content below."""

    source: str
    digest: str


# Text is hashed and written a slice at a time: a map of a million owners is ~100 MB of text,
# and encoding it whole would hold as much again in bytes.
CHUNK = 1 << 20


def encoded_chunks(text: str):
    """Yield `text` as written to disk (UTF-8, stray bytes of a base main.cf restored), a slice at a time."""
    for start in range(0, len(text), CHUNK):
        yield text[start:start + CHUNK].encode("utf-8", "surrogateescape")


def content_hash(body: str) -> str:
    """Return the sha256 of `body` as written to disk (UTF-8)."""
    digest = hashlib.sha256()
    for chunk in encoded_chunks(body):
        digest.update(chunk)
    return digest.hexdigest()


def add_marker(body: str, source: str) -> str:
    """Return `body` under a marker line naming `source` (the policy file's name) and hashing `body`."""
    source = _UNPRINTABLE.sub("?", source)
    return f"{PREFIX}{source} sha256:{content_hash(body)} (hash of the lines below; do not edit)\n" + body


def split_marker(text: str) -> tuple[Marker | None, str]:
    """Return the marker of `text` (None when its first line is not one) and the content below it."""
    first, newline, body = text.partition("\n")
    match = _MARKER.fullmatch(first)
    if match is None or not newline:
        return None, text
    return Marker(match.group("source"), match.group("digest")), body


def split_marker_bytes(raw: bytes) -> tuple[Marker | None, memoryview]:
    """Return the marker of a file's first line (None when it is not one) and the bytes below it, uncopied."""
    newline = raw.find(b"\n")
    if newline < 0:
        return None, memoryview(b"")
    marker, _ = split_marker(raw[:newline].decode("utf-8", "surrogateescape") + "\n")
    return marker, memoryview(raw)[newline + 1:]


def body_intact(marker: Marker, body: memoryview | bytes) -> bool:
    """Tell whether the bytes below a marker still hash to what it says (`content_hash` of their text)."""
    return hashlib.sha256(body).hexdigest() == marker.digest


def is_intact(text: str) -> bool:
    """Tell whether `text` carries a marker whose hash still matches the content below it."""
    marker, body = split_marker(text)
    return marker is not None and marker.digest == content_hash(body)
