"""book.toml: read the book's metadata and settings into a ``BookConfig``.

Takes the book folder; returns the config and every problem found in it at once (a misspelled
key gets a did-you-mean). Only title, author and language are required: everything else is
derived deterministically (the identifier with a warning), so a first book builds from three
lines. The text book.toml gives to be shown (title, subtitle, author, publisher, rights,
description, edition, labels) is set by ``typography`` for the book's language here, once, so
that every page and every piece of metadata shows it as the chapters are set. The words the book
prints come from ``labels`` in its language, with book.toml's ``[labels]`` in their place; a
language the tables lack gets English words and typography, with one warning. Without a date the
imprint has no year and no "First published" line: the build never reads the clock.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tomllib
import uuid
from dataclasses import dataclass
from pathlib import Path
from string import Formatter
from typing import Any

from publish.boundary import is_inside, is_regular_file
from publish.diagnostics import Diagnostic, decode_utf8, did_you_mean, display_path, error, warning
from publish.labels import ENGLISH, LABEL_NAMES, LIST_LABELS, PLACEHOLDERS, Labels, has_labels, labels_for
from publish.sanitize import CONTROL
from publish.specs import DESCRIPTION_CHARACTERS, TITLE_CHARACTERS, TRIM_HEIGHT_IN, TRIM_WIDTH_IN
from publish.typography import choose_rules, typeset_text

CONFIG_NAME = "book.toml"
REQUIRED_KEYS = ("title", "author", "language")
OPTIONAL_KEYS = (
    "subtitle", "identifier", "publisher", "date", "rights", "description", "edition",
    "cover", "chapters", "notes", "trim", "openers", "gutter", "labels", "certifier", "certifier_credential",
    "certifier_report", "print_identifier",
)
UNDATED_STAMP = "1980-01-01"
"""The time stamped on an undated book's files where a format demands one (the EPUB's
``dcterms:modified`` and zip entries, the PDF's dates) and SOURCE_DATE_EPOCH gives none: the
earliest a zip entry can carry, which reproducible-build tools use for undated files. It is never
printed: an undated book's imprint has no date."""
NOTE_PLACEMENTS = ("book", "chapter", "page")
OPENERS = ("right", "any")
"""Where a chapter opens in print: on a right-hand page (a blank page before it when needed), or
on the next page, as essay collections often are set."""
# Trim sizes as (width, height) in inches; the names a print-on-demand printer's price list uses.
TRIM_PRESETS: dict[str, tuple[float, float]] = {
    "6x9in": (6.0, 9.0),
    "5.5x8.5in": (5.5, 8.5),
    "5x8in": (5.0, 8.0),
    "5.25x8in": (5.25, 8.0),
    "a5": (148 / 25.4, 210 / 25.4),
    "royal": (156 / 25.4, 234 / 25.4),
}
LANGUAGE_TAG = re.compile(r"^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{1,8})*$")
_CUSTOM_TRIM = re.compile(r"^(\d+(?:\.\d+)?)x(\d+(?:\.\d+)?)(in|mm)$")
_LENGTH = re.compile(r"^(\d+(?:\.\d+)?)(in|mm)$")
GUTTER_AUTO = "auto"


@dataclass(frozen=True)
class BookConfig:
    """What book.toml says, completed with derived values."""

    title: str
    author: str
    language: str
    """BCP 47 tag such as ``en`` or ``ru``; drives quotes, hyphenation and ``xml:lang``."""
    identifier: str
    """Unique identifier, e.g. ``urn:uuid:…`` or ``urn:isbn:…``; derived from title and author if absent."""
    date: str
    """Publication date ``YYYY-MM-DD`` (or ``YYYY-MM``, ``YYYY``); empty when book.toml gives none.
    Never the clock, so builds are reproducible."""
    publisher: str
    rights: str
    description: str
    subtitle: str
    edition: str
    cover: str
    """Cover image path relative to the book folder; empty means a typeset cover."""
    chapters: tuple[str, ...]
    """Chapter files in reading order; empty means every ``*.md`` file in name order."""
    notes: str
    """Where notes go: ``book`` (one Notes section), ``chapter`` (end of each chapter), ``page`` (print footnotes)."""
    trim: tuple[float, float]
    """Page trim size (width, height) in inches."""
    trim_name: str
    labels: Labels = ENGLISH
    """The words the book prints around the text, in its language, book.toml's ``[labels]`` applied."""
    stamp_date: str = UNDATED_STAMP
    """The date stamped on the files: ``date``, else SOURCE_DATE_EPOCH's, else ``UNDATED_STAMP``."""
    certifier: str = ""
    """Who vouches for the EPUB's accessibility claim (``a11y:certifiedBy``); default: the publisher."""
    certifier_credential: str = ""
    """The certifier's credential; default for the publisher: a self-declaration, said as such."""
    certifier_report: str = ""
    """Address of the certifier's report; default: the report the EPUB carries as a page."""
    print_identifier: str = ""
    """The print edition's identifier (its ISBN), named as the source of the EPUB's page numbers."""
    gutter: str = ""
    """The inside margin: empty for the trim's own proportion, ``auto`` to size it from the page
    count for the chosen printer (``pdf.printers``), or a length such as ``0.8in``."""
    openers: str = "right"
    """``right``: every chapter, and the Notes, open on a right-hand page; ``any``: on the next page."""

    @property
    def gutter_in(self) -> float | None:
        """The inside margin ``gutter`` sets as a length, in inches; None for the trim's or ``auto``."""
        return parse_length(self.gutter)


SELF_DECLARED = "None: a self-declaration by the publisher, not a third-party certification"
"""The credential a publisher that certifies its own book has (``certifier_credential``'s default)."""


def load_config(book_dir: Path) -> tuple[BookConfig | None, list[Diagnostic]]:
    """Read ``book_dir/book.toml``; the config is None when an error makes it unusable."""
    path = book_dir / CONFIG_NAME
    shown = display_path(path)
    if path.is_symlink() and not is_inside(book_dir, path):
        return None, [error(shown, 0, 0, "config-outside",
                            f"{CONFIG_NAME} is a link to a file outside the book folder; copy the file itself "
                            "into the book")]
    if not is_regular_file(path):
        return None, [error(shown, 0, 0, "config-missing",
                            f"no {CONFIG_NAME} in {display_path(book_dir)}; "
                            "create one with title, author and language")]
    text, problem = decode_utf8(path.read_bytes(), shown)
    if problem:
        return None, [problem]
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line, col = _toml_position(str(exc))
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        return None, [error(shown, line, col, "config-syntax", f"book.toml does not parse: {message}")]
    return _validate(data, text, shown)


def fallback_config() -> BookConfig:
    """Settings to read chapters with when book.toml itself is broken, so checks still run."""
    return BookConfig(title="", author="", language="en", identifier="", date="",
                      publisher="", rights="", description="", subtitle="", edition="", cover="",
                      chapters=(), notes="book", trim=TRIM_PRESETS["6x9in"], trim_name="6x9in")


def parse_trim(value: str) -> tuple[float, float] | None:
    """Trim size from a preset name (``6x9in``, ``a5``) or a custom ``WxHin``/``WxHmm``."""
    key = value.strip().lower().replace(" ", "")
    if key in TRIM_PRESETS:
        return TRIM_PRESETS[key]
    match = _CUSTOM_TRIM.match(key)
    if not match:
        return None
    factor = 1.0 if match.group(3) == "in" else 1 / 25.4
    return float(match.group(1)) * factor, float(match.group(2)) * factor


def parse_length(value: str) -> float | None:
    """``0.8in`` or ``19mm`` in inches; None for anything else."""
    match = _LENGTH.match(value.strip().lower().replace(" ", ""))
    if not match:
        return None
    return float(match.group(1)) * (1.0 if match.group(2) == "in" else 1 / 25.4)


def derive_identifier(title: str, author: str) -> str:
    """A stable ``urn:uuid:`` from title and author, so an unconfigured book still rebuilds identically."""
    name = "publish-book:" + title + "\x1f" + author
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, name)}"


def _validate(data: dict[str, Any], text: str, shown: str) -> tuple[BookConfig | None, list[Diagnostic]]:
    problems: list[Diagnostic] = []
    known = REQUIRED_KEYS + OPTIONAL_KEYS
    for key in data:
        if key not in known:
            line, col = _key_position(text, key)
            problems.append(error(shown, line, col, "config-unknown-key",
                                  f"unknown key '{key}'{did_you_mean(key, known)}"))
    for key in REQUIRED_KEYS:
        if key not in data:
            problems.append(error(shown, 1, 1, "config-missing-key",
                                  f"required key '{key}' is missing; add {key} = \"...\""))

    def text_value(key: str) -> str:
        value = data.get(key, "")
        if isinstance(value, str):
            return value.strip()
        line, col = _key_position(text, key)
        problems.append(error(shown, line, col, "config-type", f"'{key}' must be a string in quotes"))
        return ""

    problems += _control_characters(data, text, shown)
    title, author, language = text_value("title"), text_value("author"), text_value("language")
    for key, value in (("title", title), ("author", author), ("language", language)):
        if key in data and not value and isinstance(data[key], str):
            line, col = _key_position(text, key)
            problems.append(error(shown, line, col, "config-empty", f"'{key}' must not be empty"))
    if language and not LANGUAGE_TAG.match(language):
        line, col = _key_position(text, "language")
        problems.append(error(shown, line, col, "config-value",
                              f"language '{language}' is not a language tag such as 'en' or 'en-GB'"))

    date = _date_value(data, text, shown, problems)
    notes = text_value("notes") or "book"
    if notes not in NOTE_PLACEMENTS:
        line, col = _key_position(text, "notes")
        problems.append(error(shown, line, col, "config-value",
                              f"notes must be one of {', '.join(NOTE_PLACEMENTS)}, not '{notes}'"
                              f"{did_you_mean(notes, NOTE_PLACEMENTS)}"))
    openers = text_value("openers") or "right"
    if openers not in OPENERS:
        line, col = _key_position(text, "openers")
        problems.append(error(shown, line, col, "config-value",
                              f"openers must be one of {', '.join(OPENERS)}, not '{openers}'"
                              f"{did_you_mean(openers, OPENERS)}"))
    trim_name = text_value("trim") or "6x9in"
    trim = parse_trim(trim_name)
    if trim is None:
        line, col = _key_position(text, "trim")
        problems.append(error(shown, line, col, "config-value",
                              f"trim '{trim_name}' is neither a preset ({', '.join(TRIM_PRESETS)}) "
                              "nor a size such as '6x9in' or '148x210mm'"))
    elif not (TRIM_WIDTH_IN.low <= round(trim[0], 2) <= TRIM_WIDTH_IN.high
              and TRIM_HEIGHT_IN.low <= round(trim[1], 2) <= TRIM_HEIGHT_IN.high):
        line, col = _key_position(text, "trim")
        problems.append(error(shown, line, col, "config-value",
                              f"trim '{trim_name}' ({trim[0]:.2f} x {trim[1]:.2f} in) is not a size printers print: "
                              f"from {TRIM_WIDTH_IN.low:g} to {TRIM_WIDTH_IN.high:g} in wide and from "
                              f"{TRIM_HEIGHT_IN.low:g} to {TRIM_HEIGHT_IN.high:g} in tall ({TRIM_WIDTH_IN.source})"))
    subtitle = text_value("subtitle")
    if len(title) + len(subtitle) > TITLE_CHARACTERS.high:
        line, col = _key_position(text, "title")
        problems.append(error(shown, line, col, "config-value",
                              f"title and subtitle are {len(title) + len(subtitle):,} characters long; e-book stores "
                              f"take at most {TITLE_CHARACTERS.high:g} ({TITLE_CHARACTERS.source})"))
    description = text_value("description")
    if len(description) > DESCRIPTION_CHARACTERS.high:
        line, col = _key_position(text, "description")
        problems.append(error(shown, line, col, "config-value",
                              f"description is {len(description):,} characters long; e-book stores take at most "
                              f"{DESCRIPTION_CHARACTERS.high:,g} ({DESCRIPTION_CHARACTERS.source})"))
    chapters = _chapters_value(data, text, shown, problems)
    cover = text_value("cover")
    gutter = text_value("gutter")
    if gutter and gutter != GUTTER_AUTO and not _gutter_fits(gutter, trim):
        line, col = _key_position(text, "gutter")
        problems.append(error(shown, line, col, "config-value",
                              f"gutter '{gutter}' is neither \"auto\" nor an inside margin such as '0.8in' or "
                              "'20mm' that leaves room for the text on the trim"))
    overrides = _labels_value(data, text, shown, problems)

    if any(p.severity.value == "error" for p in problems):
        return None, problems

    identifier = text_value("identifier")
    if not identifier:
        identifier = derive_identifier(title, author)
        problems.append(warning(shown, 1, 1, "config-derived",
                                f"no identifier; using {identifier} (derived from title and author)"))
    fallback = _language_fallback(language, overrides)
    if fallback:
        line, col = _key_position(text, "language")
        problems.append(warning(shown, line, col, "config-language", fallback))

    def typeset(value: str) -> str:
        # What book.toml says is shown as the chapters are: the cover, the title pages, the
        # running heads, the contents, the metadata and the outline all take it from here.
        return typeset_text(value, language)

    labels = labels_for(language, {key: typeset(value) if isinstance(value, str) else value
                                   for key, value in overrides.items()})
    shown_author = typeset(author)
    publisher = typeset(text_value("publisher")) or shown_author
    year = f"{date[:4]} " if date else ""
    rights = typeset(text_value("rights")) or f"© {year}{shown_author}. {labels.all_rights_reserved}"
    certifier = typeset(text_value("certifier")) or publisher
    credential = text_value("certifier_credential") or (SELF_DECLARED if certifier == publisher else "")
    return BookConfig(
        title=typeset(title), author=shown_author, language=language, identifier=identifier, date=date,
        publisher=publisher, rights=rights, description=typeset(text_value("description")),
        subtitle=typeset(text_value("subtitle")), edition=typeset(text_value("edition")), cover=cover,
        chapters=chapters, notes=notes, trim=trim or TRIM_PRESETS["6x9in"], trim_name=trim_name, gutter=gutter,
        labels=labels, stamp_date=date or _epoch_date() or UNDATED_STAMP, openers=openers,
        certifier=certifier, certifier_credential=credential, certifier_report=text_value("certifier_report"),
        print_identifier=text_value("print_identifier"),
    ), problems


def _language_fallback(language: str, overrides: dict[str, str | tuple[str, ...]]) -> str:
    """What a language the tables lack falls back to, said once: the words the book prints (unless
    [labels] gives them all) and the typography, English both; '' when nothing does."""
    words = not has_labels(language) and bool(set(LABEL_NAMES) - set(overrides))
    marks = choose_rules(language)[1]
    english_words = "the book prints English words (Contents, Notes, Chapter 1)"
    advice = "give them under [labels] in book.toml"
    if words and marks:
        return (f"no labels or typography rules for language '{language}': {english_words} and sets quotes, "
                f"dashes and spaces as in English; {advice}")
    if words:
        return f"no labels for language '{language}': {english_words}; {advice}"
    return marks or ""


def _gutter_fits(gutter: str, trim: tuple[float, float] | None) -> bool:
    """A length, and less than half the page's width: a gutter that leaves no text block is a typo."""
    inches = parse_length(gutter)
    return inches is not None and inches > 0 and (trim is None or inches < trim[0] / 2)


def _date_value(data: dict[str, Any], text: str, shown: str, problems: list[Diagnostic]) -> str:
    value = data.get("date")
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str) and _is_date(value.strip()):
        return value.strip()
    if value is not None:
        line, col = _key_position(text, "date")
        problems.append(error(shown, line, col, "config-value",
                              f"date '{value}' is not a date such as 2026-11-27"))
    # No date is a choice (a book not yet published): nothing stands in for it on the page.
    return ""


def _epoch_date() -> str:
    """SOURCE_DATE_EPOCH's day (the reproducible-builds convention for files' time stamps), or ''."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not epoch.isdigit():
        return ""
    try:
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date().isoformat()
    except (OverflowError, OSError, ValueError):
        return ""


def _labels_value(data: dict[str, Any], text: str, shown: str,
                  problems: list[Diagnostic]) -> dict[str, str | tuple[str, ...]]:
    """book.toml's ``[labels]``: each a label ``labels.Labels`` names, a string using only its own
    placeholders (the month names: a list of twelve strings)."""
    table = data.get("labels", {})
    if not isinstance(table, dict):
        line, col = _key_position(text, "labels")
        problems.append(error(shown, line, col, "config-type",
                              "labels must be a table: a [labels] line, then lines such as contents = \"...\""))
        return {}
    found: dict[str, str | tuple[str, ...]] = {}
    for key, value in table.items():
        line, col = _key_position(text, key, table="labels")
        misplaced = key in REQUIRED_KEYS + OPTIONAL_KEYS and (
            key not in LABEL_NAMES or (key == "notes" and value in NOTE_PLACEMENTS))
        if misplaced:
            problems.append(error(shown, line, col, "config-unknown-key",
                                  f"'{key}' is read as a label because it comes after [labels]; "
                                  "move it above the [labels] line"))
        elif key not in LABEL_NAMES:
            problems.append(error(shown, line, col, "config-unknown-key",
                                  f"unknown label '{key}'{did_you_mean(key, LABEL_NAMES)}; the labels are "
                                  + ", ".join(LABEL_NAMES)))
        elif key in LIST_LABELS:
            if isinstance(value, list) and len(value) == 12 and all(isinstance(v, str) and v.strip() for v in value):
                found[key] = tuple(v.strip() for v in value)
            else:
                problems.append(error(shown, line, col, "config-type",
                                      f"label '{key}' must be a list of the twelve month names in quotes"))
        elif not isinstance(value, str):
            problems.append(error(shown, line, col, "config-type", f"label '{key}' must be a string in quotes"))
        else:
            problem = _placeholder_problem(key, value)
            if problem:
                problems.append(error(shown, line, col, "config-value", problem))
            else:
                found[key] = value
    return found


def _placeholder_problem(key: str, value: str) -> str:
    """Why a label's braces are wrong, or ''; a label may use only its own names, bare."""
    allowed = PLACEHOLDERS.get(key, frozenset())
    try:
        used = [(name, spec, conversion) for _, name, spec, conversion in Formatter().parse(value)
                if name is not None]
    except ValueError as exc:
        return f"label '{key}' has a stray brace ({exc}); write {{{{ or }}}} for a brace itself"
    names = ", ".join("{" + name + "}" for name in sorted(allowed)) or "no {…} (write {{ or }} for a brace)"
    for name, spec, conversion in used:
        if name not in allowed or spec or conversion:
            return f"label '{key}' cannot use {{{name}}}; it may use {names}"
    return ""


def _is_date(value: str) -> bool:
    """``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``, naming a day that exists (no 2026-13-45)."""
    if not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", value):
        return False
    parts = [*value.split("-"), "01", "01"][:3]
    try:
        dt.date(int(parts[0]), int(parts[1]), int(parts[2]))
    except ValueError:
        return False
    return True


def _control_characters(data: dict[str, Any], text: str, shown: str) -> list[Diagnostic]:
    problems = []
    for key, value in data.items():
        strings = value if isinstance(value, list) else [value]
        for item in strings:
            found = CONTROL.search(item) if isinstance(item, str) else None
            if found:
                line, col = _key_position(text, key)
                problems.append(error(shown, line, col, "config-value",
                                      f"'{key}' holds the control character U+{ord(found.group()):04X}, which no "
                                      "e-book or PDF may contain; remove it"))
                break
    return problems


def _chapters_value(data: dict[str, Any], text: str, shown: str, problems: list[Diagnostic]) -> tuple[str, ...]:
    value = data.get("chapters", [])
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return tuple(value)
    line, col = _key_position(text, "chapters")
    problems.append(error(shown, line, col, "config-type",
                          "chapters must be a list of file names, e.g. [\"01-intro.md\", \"02-next.md\"]"))
    return ()


def _key_position(text: str, key: str, table: str = "") -> tuple[int, int]:
    """Where ``key`` is set (in the ``[table]``, for a key of a table)."""
    header = re.search(rf"^[ \t]*\[[ \t]*{re.escape(table)}[ \t]*\]", text, re.MULTILINE) if table else None
    match = re.compile(rf"^([ \t]*)[\"']?{re.escape(key)}[\"']?[ \t]*=", re.MULTILINE).search(
        text, header.end() if header else 0)
    if not match:
        return 1, 1
    line = text.count("\n", 0, match.start()) + 1
    return line, len(match.group(1)) + 1


def _toml_position(message: str) -> tuple[int, int]:
    match = re.search(r"at line (\d+), column (\d+)", message)
    return (int(match.group(1)), int(match.group(2))) if match else (1, 1)
