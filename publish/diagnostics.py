"""Diagnostics: the one format every problem is reported in.

Takes nothing; gives the ``Diagnostic`` value, its ``path:line:col: severity[code]: message``
formatting (and its fields for ``--format json``), and the exit-code rule shared by every command.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem found in the book, pointing at the place an author must edit."""

    path: str
    """File the problem is in, as given to the user (relative when possible)."""
    line: int
    """1-based line; 0 when the problem concerns the whole file."""
    col: int
    """1-based column; 0 when the problem concerns the whole line or file."""
    severity: Severity
    code: str
    """Stable short code such as ``note-undefined``, so authors can search and filter."""
    message: str

    def format(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.severity.value}[{self.code}]: {self.message}"

    def as_json(self) -> dict[str, str | int]:
        """The fields as ``--format json`` prints them, under names a reader need not guess."""
        return {"file": self.path, "line": self.line, "column": self.col, "severity": self.severity.value,
                "code": self.code, "message": self.message}


class PublishError(Exception):
    """Raised by a stage that cannot go on; carries the diagnostics that explain why."""

    def __init__(self, diagnostics: Iterable[Diagnostic]) -> None:
        self.diagnostics = tuple(diagnostics)
        super().__init__("\n".join(d.format() for d in self.diagnostics))


class EngineError(RuntimeError):
    """A layout process failed or stopped (out of memory, killed); the message says which part."""


def error(path: str | Path, line: int, col: int, code: str, message: str) -> Diagnostic:
    return Diagnostic(str(path), line, col, Severity.ERROR, code, message)


def warning(path: str | Path, line: int, col: int, code: str, message: str) -> Diagnostic:
    return Diagnostic(str(path), line, col, Severity.WARNING, code, message)


def note(path: str | Path, line: int, col: int, code: str, message: str) -> Diagnostic:
    return Diagnostic(str(path), line, col, Severity.NOTE, code, message)


def has_errors(diagnostics: Iterable[Diagnostic], *, strict: bool = False) -> bool:
    """True when the diagnostics must fail the command (warnings count under ``strict``)."""
    failing = {Severity.ERROR, Severity.WARNING} if strict else {Severity.ERROR}
    return any(d.severity in failing for d in diagnostics)


def summarize(diagnostics: Iterable[Diagnostic]) -> str:
    """The closing count line, e.g. ``2 errors, 1 warning``."""
    items = list(diagnostics)
    errors = sum(d.severity is Severity.ERROR for d in items)
    warnings = sum(d.severity is Severity.WARNING for d in items)
    notes = sum(d.severity is Severity.NOTE for d in items)
    parts = [_plural(errors, "error"), _plural(warnings, "warning")]
    if notes:
        parts.append(_plural(notes, "note"))
    queries = sum(d.code == "tk" for d in items)
    tail = f" ({queries} open TK {'query' if queries == 1 else 'queries'})" if queries else ""
    return ", ".join(parts) + tail


def merge(*groups: Iterable[Diagnostic]) -> list[Diagnostic]:
    """The groups in order, leaving out what a later stage says again about a place and a problem
    an earlier one reported (the EPUB's own link check after ``check``'s, say)."""
    merged: list[Diagnostic] = []
    seen: set[tuple[str, int, str]] = set()
    for group in groups:
        items = list(group)
        merged += [d for d in items if (d.path, d.line, d.code) not in seen and d not in merged]
        seen |= {(d.path, d.line, d.code) for d in items}
    return merged


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for a close match among ``choices``, else an empty string."""
    match = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{match[0]}'?)" if match else ""


def locate(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset in ``text``."""
    line = text.count("\n", 0, offset) + 1
    col = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, col


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def decode_utf8(raw: bytes, shown: str) -> tuple[str, Diagnostic | None]:
    """Text of a source file (a byte-order mark and CRLF accepted), or where it is not UTF-8."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        return "", error(shown, line, col, "encoding",
                         f"byte 0x{raw[exc.start]:02x} is not valid UTF-8; save the file as UTF-8")
    return text.replace("\r\n", "\n").replace("\r", "\n"), None


def display_path(path: Path) -> str:
    """A path as the user would type it: relative to the working folder when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
