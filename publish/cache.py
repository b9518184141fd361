"""A content-addressed cache under ``build/.cache`` so unchanged work is not done twice.

Takes a kind (``chapter``, ``layout``…), the inputs a result depends on, and the result; stores
it as JSON (or bytes) under a key hashed from those inputs plus a fingerprint of this package's
code and library versions. A key is only ever written with the result of its own inputs, so the
cache cannot serve a stale result; an entry that cannot be read or parsed is treated as missing,
and nothing read from it is executed (JSON and raw bytes, never pickle).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

from publish.diagnostics import PublishError
from publish.output import write_atomic

FORMAT = "1"


@dataclass(frozen=True)
class Cache:
    root: Path

    def key(self, kind: str, *parts: str | bytes) -> str:
        digest = hashlib.sha256(f"{FORMAT}\0{code_fingerprint()}\0{kind}".encode())
        for part in parts:
            data = part.encode("utf-8") if isinstance(part, str) else part
            digest.update(len(data).to_bytes(8, "big"))
            digest.update(data)
        return digest.hexdigest()

    def get_json(self, kind: str, key: str) -> Any | None:
        raw = self.get_bytes(kind, key)
        if raw is None:
            return None
        try:
            return json.loads(raw)
        except ValueError:
            return None

    def put_json(self, kind: str, key: str, value: Any) -> None:
        self.put_bytes(kind, key, json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))

    def get_bytes(self, kind: str, key: str) -> bytes | None:
        path = self._path(kind, key)
        try:
            raw = path.read_bytes()
        except OSError:
            return None
        # Each entry starts with its own key and the digest of its data: a truncated, damaged,
        # swapped or foreign file is not trusted.
        header, _, data = raw.partition(b"\n")
        if header != _header(key, data):
            return None
        return data

    def put_bytes(self, kind: str, key: str, data: bytes) -> None:
        # Written as the editions are (``output``): whole or not at all, and a temporary left by a
        # build that was killed is removed by the next one that writes into its folder.
        try:
            write_atomic(self._path(kind, key), _header(key, data) + b"\n" + data)
        except PublishError:
            # A cache that cannot be written only costs time: the build goes on without it.
            return

    def _path(self, kind: str, key: str) -> Path:
        return self.root / kind / key[:2] / key


def _header(key: str, data: bytes) -> bytes:
    return f"{key} {hashlib.sha256(data).hexdigest()}".encode("ascii")


@cache
def code_fingerprint() -> str:
    """This package's source and the versions of the libraries whose output it stores."""
    digest = hashlib.sha256()
    package = Path(__file__).resolve().parent
    for source in sorted(package.rglob("*.py")):
        digest.update(source.relative_to(package).as_posix().encode())
        digest.update(source.read_bytes())
    for library in ("markdown", "lxml", "weasyprint", "pydyf", "pypdf", "ebooklib", "jinja2", "pillow"):
        try:
            digest.update(f"{library}={metadata.version(library)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{library}=absent".encode())
    return digest.hexdigest()[:16]
