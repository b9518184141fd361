"""A fuzz of the whole command line over generated manuscripts.

Hypothesis writes books: chapters of Markdown with notes, raw HTML, images, odd Unicode and control
characters (and now and then bytes that are not UTF-8), and book.toml files whose keys hold values
of every TOML type, or lines that are not TOML at all. Each book goes through ``publish check`` and
``publish epub`` in this process. What must hold for every one:

- no internal error and no traceback, ever; the exit status is 0 or 1;
- ``check`` and ``epub`` agree (one validation path): both fail or neither;
- ``epub`` exits 0 only with an EPUB whose every XML file parses, and writes nothing when it fails;
- EPUBCheck accepts the EPUBs (a sample: the first ones built, one JVM start each).

The run is derandomized (the same books in the same order every time) and bounded: it stops making
books after ``PUBLISH_FUZZ_SECONDS`` (default 60) or ``FUZZ_EXAMPLES`` books, whichever comes
first, so CI spends about a minute here. ``python3 benchmarks/cost.py --fuzz SECONDS`` runs it
longer, with fresh random books (not derandomized), as many as fit in the time given.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import tempfile
import time
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from test_hostile import epubcheck_problems

from publish.cli import main

PNG = (Path(__file__).parent / "data" / "pdf-figures" / "images" / "wide.png").read_bytes()
FUZZ_EXAMPLES = 400
SECONDS = float(os.environ.get("PUBLISH_FUZZ_SECONDS", "60"))
LONG_RUN = "PUBLISH_FUZZ_SECONDS" in os.environ  # from benchmarks/cost.py --fuzz: fresh books
EPUBCHECK_SAMPLE = 3

# Odd characters: controls (C0, DEL, C1), separators, bidirectional and zero-width marks, a BOM,
# combining marks, characters outside the Basic Multilingual Plane, private use, noncharacters.
ODD = ("\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1b", "\x7f", "\x85", "\x9f", "\u00a0", "\u00ad", "\u200b",
       "\u200d", "\u200e", "\u202e", "\u2028", "\u2029", "\u2066", "\ufeff", "\ufffe", "\uffff", "\ue000",
       "\u0301", "e\u0301", "\U0001f600", "\U0001d11e", "\U0010ffff", "\u0627\u0644\u0639", "\u4e2d\u6587",
       "\r", "\r\n", "\t", "&", "&#0;", "&#x1;", "&#xd800;", "&nosuch;", "]]>", "<![CDATA[x]]>")
MARKDOWN = (
    "# ", "## ", "\n", "\n\n", "word", "words and more words", " ", "*", "**", "_", "`", "```\n", "\n    code",
    "[^a]", "[^b]", "[^1]", "[^a]: ", "\n[^a]: note", "\n[^b]: [^a]", "\n[^1]:", "[^]", "[^a b]",
    "- ", "\n1. ", "> ", "\n> > > ", "\n| a | b |\n|---|---|\n| c | d |\n", "---", "{: #x }", "{: #a b }",
    "{: .c }", "[link](http://example.org)", "[l](javascript:alert(1))", "[l](#nowhere)", "<http://x.org>",
    "![alt](images/a.png)", '"', "'", "--", "...", "\\", "<",
)
# Pieces that make a book fail (each should be an error with its place): one now and then.
MISTAKES = ("![](images/missing.png)", "![x](../outside.png)", "![x](/etc/hostname)", "![x](%2e%2e/x.png)",
            "![x](file:///etc/hostname)", '<img src="../x.png">', "[^undefined]", "\n\n# Second title\n",
            "\n" + "> " * 60 + "deep\n")
RAW_HTML = (
    "<b>", "</b>", "<i>x</i>", "<span>", "</span>", "<div>", "</div>", "\n<div>\n", "\n</div>\n", "<br>", "<hr/>",
    "<p>", "</p>", "<table><tr><td>x</td></tr></table>", "<sup>1</sup>", '<a href="#x">a</a>',
    '<a href="javascript:x()">j</a>', '<img src="images/a.png" alt="a">',
    '<img srcset="images/a.png 1x, /etc/x.png 2x">', '<img>', "<script>alert(1)</script>",
    '<style>p { background: url(file:///etc/x) }</style>', '<iframe src="http://x.org"></iframe>',
    '<svg xmlns="http://www.w3.org/2000/svg"><text>kept</text></svg>',
    '<svg><use xlink:href="http://x.org/a.svg#b"/></svg>', '<object data="x.swf"></object>',
    "<!-- c -->", "<!--", "-->", "<?pi?>", "<!DOCTYPE x>", '<p id="a b">', '<p id="x">', '<math><mi>x</mi></math>',
    '<input type="text">', '<form action="http://x.org">', "<u onclick='x()'>u</u>", "&amp;", "&copy;",
)
TOML_KEYS = ("title", "author", "language", "date", "identifier", "publisher", "rights", "description",
             "subtitle", "edition", "cover", "chapters", "trim", "unknown-key")


def toml_string(text: str) -> str:
    """A TOML basic string: JSON's escapes are TOML's (a lone surrogate stays an escape, which TOML
    refuses: a mistake the book may make)."""
    return json.dumps(text, ensure_ascii=False)


def toml_value(draw: st.DrawFn) -> str:
    """A value of any TOML type, as TOML writes it."""
    kind = draw(st.sampled_from(("string", "odd", "int", "float", "bool", "date", "datetime", "array", "table",
                                 "path", "trim", "empty")))
    if kind == "string":
        return toml_string(draw(st.text(max_size=30)))
    if kind == "odd":
        return toml_string("".join(draw(st.lists(st.sampled_from((*ODD, "x", " ")), max_size=8))))
    if kind == "int":
        return str(draw(st.integers(min_value=-(2**63), max_value=2**63 - 1)))
    if kind == "float":
        return draw(st.sampled_from(("0.0", "-1.5", "1e300", "inf", "-inf", "nan", "3.14")))
    if kind == "bool":
        return draw(st.sampled_from(("true", "false")))
    if kind == "date":
        return draw(st.sampled_from(("2026-01-01", "1970-01-01", "0001-01-01", "9999-12-31", "2024-02-29")))
    if kind == "datetime":
        return draw(st.sampled_from(("2026-01-01T00:00:00Z", "2026-01-01 12:30:00", "12:30:00",
                                     "2026-01-01T00:00:00+14:00")))
    if kind == "array":
        return "[" + ", ".join(draw(st.lists(st.sampled_from(('"01-one.md"', '"02-two.md"', '"../x.md"', "1",
                                                               '"/etc/hostname"', '"missing.md"', "[]")),
                                             max_size=3))) + "]"
    if kind == "table":
        return draw(st.sampled_from(("{}", '{ a = 1 }', '{ title = "x", b = [1, 2] }')))
    if kind == "path":
        return toml_string(draw(st.sampled_from(("images/a.png", "../outside.png", "/etc/hostname", "images",
                                                 "01-one.md", "images/missing.png", "%2e%2e/x.png", ""))))
    if kind == "trim":
        return toml_string(draw(st.sampled_from(("6x9in", "5.5x8.5in", "0x0in", "500x500in", "A5", "-1x9in",
                                                 "6x9", "148x210mm", "nan x nan in"))))
    return '""'


@st.composite
def book_toml(draw: st.DrawFn) -> str:
    """Mostly a good book.toml with some keys given values of any type; now and then not TOML."""
    values = {"title": '"Fuzz"', "author": '"A. Author"', "language": '"en"', "date": '"2026-01-01"',
              "identifier": '"urn:uuid:6f1c2a9e-0000-4000-8000-0000000f0220"'}
    if draw(st.integers(0, 2)) == 0:  # a third of the books: keys holding anything
        for key in draw(st.lists(st.sampled_from(TOML_KEYS), min_size=1, max_size=3, unique=True)):
            values[key] = toml_value(draw)
    if draw(st.integers(0, 9)) == 0:
        del values[draw(st.sampled_from(("title", "author", "language")))]
    text = "".join(f"{key} = {value}\n" for key, value in values.items())
    if draw(st.integers(0, 19)) == 0:
        text += draw(st.sampled_from(("title = \"again\"\n", "[section]\nx = 1\n", "= 1\n", "x = \n",
                                      "title = 'unclosed\n", "\x01 = 1\n")))
    return text


@st.composite
def chapter(draw: st.DrawFn) -> str:
    pieces = st.one_of(st.sampled_from(MARKDOWN), st.sampled_from(RAW_HTML), st.sampled_from(ODD),
                       st.text(max_size=12))
    body = draw(st.lists(pieces, max_size=40))
    if draw(st.integers(0, 3)) == 0:
        body.insert(draw(st.integers(0, len(body))), draw(st.sampled_from(MISTAKES)))
    title = draw(st.one_of(st.from_regex(r"[A-Za-z\u00c0-\u024f][\w ,.'-]{0,20}", fullmatch=True),
                           st.text(max_size=10)))
    return "# " + title + "\n\n" + "".join(body)


@dataclass(frozen=True)
class Book:
    toml: str
    chapters: tuple[str | bytes, ...]
    image: bool
    """An images/a.png for the chapters to show."""

    def write(self, where: Path) -> Path:
        book = where / "book"
        book.mkdir()
        (book / "book.toml").write_bytes(self.toml.encode("utf-8", "surrogatepass"))
        for index, text in enumerate(self.chapters, start=1):
            data = text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass")
            (book / f"{index:02d}-{index}.md").write_bytes(data)
        if self.image:
            (book / "images").mkdir()
            (book / "images" / "a.png").write_bytes(PNG)
        return book


@st.composite
def books(draw: st.DrawFn) -> Book:
    chapters: list[str | bytes] = draw(st.lists(chapter(), min_size=1, max_size=3))
    if draw(st.integers(0, 14)) == 0:  # a chapter that is not UTF-8
        chapters[0] = chapters[0].encode("utf-8", "surrogatepass") + b"\xff\xfe caf\xe9 \x80"  # type: ignore[union-attr]
    return Book(draw(book_toml()), tuple(chapters), draw(st.booleans()))


def run_cli(*argv: str) -> tuple[int, str]:
    """The command in this process: its exit status and everything it printed."""
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed):
        try:
            code = main(list(argv))
        except SystemExit as leaving:  # argparse, or an exit on the way
            code = leaving.code if isinstance(leaving.code, int) else 1
    return code, printed.getvalue()


def read_every_xml_file(path: Path) -> None:
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None
        for name in archive.namelist():
            if name.endswith((".xhtml", ".opf", ".ncx", ".svg", ".xml")):
                data = archive.read(name)
                etree.fromstring(data)
                # The marks the converter puts on notes are all taken off when they are numbered.
                assert b"data-notes" not in data and b"data-fn" not in data, name


@dataclass
class Run:
    """What one fuzz run keeps: when it began, how many books it tried, the EPUBs it kept."""

    started: float = field(default_factory=time.monotonic)
    tried: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    kept: list[Path] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    """How often each error code failed a book: what the generator mostly makes."""


def try_book(book: Book, run: Run, keep: Path) -> None:
    """One generated book through check and epub; the properties the module docstring lists."""
    if time.monotonic() - run.started > SECONDS:
        return  # the time is spent: the remaining examples pass unexamined
    run.tried += 1
    with tempfile.TemporaryDirectory() as folder:
        where = Path(folder)
        written = book.write(where)
        out = where / "out" / "fuzz.epub"
        out.parent.mkdir()
        checked, check_said = run_cli("check", "--book", str(written))
        built, build_said = run_cli("epub", "--no-cache", "--book", str(written), "-o", str(out))
        for said in (check_said, build_said):
            assert "internal error" not in said and "Traceback" not in said, said
        assert checked in (0, 1) and built in (0, 1), (checked, built, check_said, build_said)
        assert checked == built, ("check and epub disagree", check_said, build_said)
        run.statuses[built] = run.statuses.get(built, 0) + 1
        if built == 0:
            read_every_xml_file(out)
            if len(run.kept) < EPUBCHECK_SAMPLE:
                kept = keep / f"fuzz-{len(run.kept)}.epub"
                shutil.copyfile(out, kept)
                run.kept.append(kept)
        else:
            assert list(out.parent.iterdir()) == [], "a failed build left files"
            run.errors.update(set(re.findall(r": error\[([a-z-]+)\]", build_said)))


@pytest.mark.slow
def test_the_cli_survives_generated_manuscripts(tmp_path: Path) -> None:
    run = Run()

    def fuzz(**chosen: Any) -> Any:
        examine: Any = given(books())(lambda book: try_book(book, run, tmp_path))
        return settings(deadline=None, database=None, suppress_health_check=list(HealthCheck), **chosen)(examine)

    if LONG_RUN:
        # Fresh random books, batch after batch, until the time is spent.
        while time.monotonic() - run.started < SECONDS:
            fuzz(max_examples=100)()
    else:
        fuzz(max_examples=FUZZ_EXAMPLES, derandomize=True)()
    print(f"fuzz: {run.tried} books in {time.monotonic() - run.started:.0f} s, exit statuses {run.statuses}, "
          f"errors {run.errors.most_common()}")
    assert run.tried >= 20, "too few books tried to mean anything"
    assert run.statuses.get(0, 0) >= 5 and run.statuses.get(1, 0) >= 5, run.statuses
    problems = epubcheck_problems(run.kept)
    assert problems == {path.name: [] for path in run.kept}
