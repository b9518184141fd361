"""Hostile manuscripts and faults: the book folder is the boundary, no input gives an internal
error, and a build survives every interruption.

Every book here is made in a temporary folder by the test itself. A file outside the book that a
test offers as bait is a named pipe: reading it would block, so a build that read it would time
out instead of passing. A command either fails with ``file:line:col: error[...]`` diagnostics and
exit 1, or builds an EPUB that EPUBCheck accepts (the slow test at the end runs it on every EPUB
the fast tests made).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from lxml import etree

from publish.cli import main

ROOT = Path(__file__).resolve().parents[1]
TOML = ('title = "Hostile"\nauthor = "A. Author"\nlanguage = "en"\ndate = "2026-01-01"\n'
        'identifier = "urn:uuid:6f1c2a9e-0000-4000-8000-000000000018"\n')
PNG = (Path(__file__).parent / "data" / "pdf-figures" / "images" / "wide.png").read_bytes()
DIAGNOSTIC = re.compile(r"^(?P<path>[^:]+):(?P<line>\d+):(?P<col>\d+): (?P<severity>error|warning|note)"
                        r"\[(?P<code>[a-z-]+)\]: ")
# EPUBs the fast tests built, for one EPUBCheck run in the slow tier (``test_every_epub_built_here_is_valid``).
BUILT: list[Path] = []


def make_book(where: Path, chapters: dict[str, str | bytes], toml: str = "", name: str = "book") -> Path:
    book = where / name
    book.mkdir(parents=True, exist_ok=True)
    (book / "book.toml").write_text(TOML + toml, encoding="utf-8")
    for file, content in chapters.items():
        path = book / file
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return book


def bait(where: Path, name: str = "outside.png") -> Path:
    """A file outside the book that must never be opened: a named pipe, which blocks a reader."""
    path = where / name
    os.mkfifo(path)
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[str]]:
    """The command in this process; its exit code and the lines it printed. Never an internal
    error, never a traceback."""
    code = main(list(argv))
    out = capsys.readouterr()
    printed = out.out + out.err
    assert "internal error" not in printed and "Traceback" not in printed, printed
    return code, printed.splitlines()


def run_apart(book: Path, *argv: str, cwd: Path | None = None, timeout: float = 120,
              preexec: Callable[[], None] | None = None) -> subprocess.CompletedProcess[str]:
    """The command in its own process (this worktree's code): a build that reads the bait blocks,
    and fails by the timeout instead of hanging the tests."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    try:
        done = subprocess.run([sys.executable, "-m", "publish", *argv, "--book", str(book)], cwd=cwd or book.parent,
                              env=env, capture_output=True, text=True, timeout=timeout, preexec_fn=preexec)
    except subprocess.TimeoutExpired as expired:
        pytest.fail(f"publish {' '.join(argv)} did not finish in {timeout} s: it read a file it should have "
                    f"refused, or hung ({expired.stderr!r})")
    assert "internal error" not in done.stderr and "Traceback" not in done.stderr, done.stderr
    return done


_BATCH = """
import contextlib, io, json, sys
from publish.cli import main
for label, argv in json.loads(sys.argv[1]).items():
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        code = main(argv)
    print(json.dumps([label, code, out.getvalue()]), flush=True)
"""


def run_batch(jobs: dict[str, list[str]], timeout: float) -> dict[str, tuple[int, list[str]]]:
    """Several commands run one after another in one other process (this worktree's code): each
    one's exit code and printed lines. A command that blocks on a file it should have refused
    fails the batch by the timeout, naming it."""
    import json

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen([sys.executable, "-c", _BATCH, json.dumps(jobs)], env=env, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        stdout, stderr = process.communicate()
        done = {json.loads(line)[0] for line in stdout.splitlines()}
        hung = next(label for label in jobs if label not in done)
        pytest.fail(f"'{hung}' did not finish: it read a file it should have refused, or hung")
    assert process.returncode == 0, stderr
    results = {}
    for line in stdout.splitlines():
        label, code, printed = json.loads(line)
        assert "internal error" not in printed and "Traceback" not in printed, (label, printed)
        results[label] = (code, printed.splitlines())
    return results


def errors(lines: list[str]) -> list[tuple[str, int, str]]:
    """(file name, line, code) of every error printed."""
    found = [DIAGNOSTIC.match(line) for line in lines]
    return [(Path(m["path"]).name, int(m["line"]), m["code"]) for m in found if m and m["severity"] == "error"]


def codes(lines: list[str]) -> set[str]:
    return {m["code"] for m in (DIAGNOSTIC.match(line) for line in lines) if m}


# The book folder is the boundary


def _symlink(target: Path, link: Path) -> None:
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(target)


CONTAINMENT = {
    # name: (chapter text, book.toml lines, set-up given (outside folder, book), expected (file, line, code))
    "absolute image path": ("# One\n\n![x]({outside}/outside.png)\n", "", None, ("01-one.md", 3, "image-outside")),
    "image up two folders": ("# One\n\n![x](../../outside.png)\n", "", None, ("01-one.md", 3, "image-outside")),
    "percent-encoded dots": ("# One\n\n![x](%2e%2e/%2E%2E/outside.png)\n", "", None,
                             ("01-one.md", 3, "image-outside")),
    "file: URL image": ("# One\n\n![x](file://{outside}/outside.png)\n", "", None, ("01-one.md", 3, "image-outside")),
    "symlinked image": ("# One\n\n![x](images/x.png)\n", "",
                        lambda out, book: _symlink(out / "outside.png", book / "images" / "x.png"),
                        ("01-one.md", 3, "image-outside")),
    "symlinked images folder": ("# One\n\n![x](images/outside.png)\n", "",
                                lambda out, book: _symlink(out, book / "images"), ("01-one.md", 3, "image-outside")),
    "raw HTML img": ('# One\n\nText.\n\n<p><img src="../../outside.png" alt="x"/></p>\n', "", None,
                     ("01-one.md", 5, "image-outside")),
    "srcset": ('# One\n\nText.\n\n<img srcset="{outside}/outside.png 2x" alt="x">\n', "", None,
               ("01-one.md", 5, "image-outside")),
    "image in a note": ("# One\n\nText[^a].\n\n[^a]: See ![x](../../outside.png).\n", "", None,
                        ("01-one.md", 5, "image-outside")),
    "cover up two folders": ("# One\n\nText.\n", 'cover = "../../outside.png"\n', None,
                             ("book.toml", 6, "cover-outside")),
    "absolute cover": ("# One\n\nText.\n", 'cover = "{outside}/outside.png"\n', None,
                       ("book.toml", 6, "cover-outside")),
    "symlinked cover": ("# One\n\nText.\n", 'cover = "images/cover.png"\n',
                        lambda out, book: _symlink(out / "outside.png", book / "images" / "cover.png"),
                        ("book.toml", 6, "cover-outside")),
    "symlinked chapter": ("# One\n\nText.\n", "", lambda out, book: _symlink(out / "outside.png", book / "02-two.md"),
                          ("02-two.md", 0, "chapter-outside")),
    "chapter listed up a folder": ("# One\n\nText.\n", 'chapters = ["01-one.md", "../../outside.png"]\n', None,
                                   ("book.toml", 6, "chapter-outside")),
    "chapter listed by absolute path": ("# One\n\nText.\n", 'chapters = ["01-one.md", "{outside}/outside.png"]\n',
                                        None, ("book.toml", 6, "chapter-outside")),
    "symlinked book.toml": ("# One\n\nText.\n", "", None, ("book.toml", 0, "config-outside")),
}


@pytest.fixture(scope="module")
def containment(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, dict[str, tuple[int, list[str]]]]]:
    """Every case's book, checked and built in one process (one interpreter start for them all)."""
    books = {}
    for number, (case, (text, toml, setup, _)) in enumerate(CONTAINMENT.items()):
        where = tmp_path_factory.mktemp(f"containment{number}")
        outside = where / "elsewhere"
        outside.mkdir()
        bait(outside)
        book = make_book(where / "deep", {"01-one.md": text.format(outside=outside)}, toml.format(outside=outside))
        if setup is not None:
            setup(outside, book)
        if case == "symlinked book.toml":
            (outside / "book.toml").write_text(TOML, encoding="utf-8")
            (book / "book.toml").unlink()
            (book / "book.toml").symlink_to(outside / "book.toml")
        books[case] = book
    jobs = {f"{case}|{command}": [command, "--book", str(book), *(["-o", str(book.parent / "out.epub")]
                                                                  if command == "epub" else [])]
            for case, book in books.items() for command in ("check", "epub")}
    results = run_batch(jobs, timeout=120)
    return {case: (book, {command: results[f"{case}|{command}"] for command in ("check", "epub")})
            for case, book in books.items()}


@pytest.mark.parametrize("case", list(CONTAINMENT))
def test_nothing_outside_the_book_is_read(
    containment: dict[str, tuple[Path, dict[str, tuple[int, list[str]]]]], case: str,
) -> None:
    """Each path trick is refused with its place by ``check`` and by the EPUB build, and the file
    it names (a pipe) is never opened."""
    book, results = containment[case]
    for command, (code, lines) in results.items():
        assert code == 1, (command, lines)
        assert CONTAINMENT[case][3] in errors(lines), (command, lines)
    assert not (book.parent / "out.epub").exists()


def test_etc_passwd_as_an_image_fails_check_as_it_fails_the_build(tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    book = make_book(tmp_path, {"01-one.md": "# One\n\n![x](/etc/passwd)\n"})
    for command in (["check"], ["epub", "-o", str(tmp_path / "x.epub")]):
        code, lines = run(capsys, *command, "--book", str(book))
        assert code == 1 and ("01-one.md", 3, "image-outside") in errors(lines), lines
    book = make_book(tmp_path, {"01-one.md": "# One\n\nText.\n"}, 'chapters = ["/etc/passwd"]\n', name="listed")
    code, lines = run(capsys, "check", "--book", str(book))
    assert code == 1 and errors(lines) == [("book.toml", 6, "chapter-outside")], lines


def test_paths_that_stay_inside_the_book_are_fine(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``..`` that stays in the folder, a chapter in a subfolder, a link from one file of the book
    to another: all allowed."""
    book = make_book(tmp_path, {"part/01-one.md": "# One\n\n![A wide chart](../images/../images/wide.png)\n",
                                "images/wide.png": PNG},
                     'chapters = ["part/01-one.md", "part/../02-two.md"]\ncover = "images/cover.png"\n')
    (book / "02-two.md").write_text("# Two\n\n![Again](images/same.png)\n", encoding="utf-8")
    (book / "images" / "same.png").symlink_to(book / "images" / "wide.png")
    (book / "images" / "cover.png").write_bytes(PNG)
    code, lines = run(capsys, "check", "--book", str(book), "--strict")
    assert (code, lines) == (0, ["0 errors, 0 warnings"])


def test_a_pipe_or_folder_named_like_a_chapter_is_an_error_not_a_hang(tmp_path: Path) -> None:
    book = make_book(tmp_path, {"01-one.md": "# One\n\nText.\n"})
    os.mkfifo(book / "02-pipe.md")
    (book / "03-folder.md").mkdir()
    done = run_apart(book, "check", timeout=60)
    assert done.returncode == 1
    assert {("02-pipe.md", 0, "chapter-missing"), ("03-folder.md", 0, "chapter-missing")} <= set(
        errors(done.stdout.splitlines()))


# Ordinary mistakes: a clear diagnostic and exit 1, or a valid book; never an internal error

SVG_ENTITY = ('<?xml version="1.0"?>\n<!DOCTYPE svg [<!ENTITY secret SYSTEM "file:///etc/passwd">'
              '<!ENTITY name "Minsk">]>\n<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20">'
              '<text y="15">&name; &secret;</text></svg>\n')
SVG_REACHING = ('<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
                'xmlns:xi="http://www.w3.org/2001/XInclude" width="40" height="20">'
                '<style>rect { fill: url(http://example.org/p.svg#x) }</style>'
                '<image xlink:href="file:///etc/passwd" width="5" height="5"/>'
                '<use href="http://example.org/a.svg#x"/><image href="../../outside.png"/>'
                '<xi:include href="file:///etc/passwd" parse="text"/>'
                '<rect width="10" height="10" style="fill: url(#g)"/><text y="15">kept</text></svg>\n')
FAILS: dict[str, tuple[dict[str, str | bytes], str, tuple[str, int, str]]] = {
    # name: (files, book.toml lines, the error expected (file, line, code))
    "impossible date": ({"01-one.md": "# One\n\nText.\n"}, "", ("book.toml", 4, "config-value")),
    "no trim at all": ({"01-one.md": "# One\n\nText.\n"}, 'trim = "0x0in"\n', ("book.toml", 6, "config-value")),
    "a trim no printer prints": ({"01-one.md": "# One\n\nText.\n"}, 'trim = "500x500in"\n',
                                 ("book.toml", 6, "config-value")),
    "a list nested 500 deep": ({"01-one.md": "# One\n\n" + "".join("    " * i + "- x\n" for i in range(500))}, "",
                               ("01-one.md", 502, "nesting-too-deep")),
    "a quote nested 500 deep": ({"01-one.md": "# One\n\n" + ">" * 500 + " deep words\n"}, "",
                                ("01-one.md", 3, "nesting-too-deep")),
    "a 1 MB book title": ({"01-one.md": "# One\n\nText.\n"}, "", ("book.toml", 1, "config-value")),
    "control characters in book.toml": ({"01-one.md": "# One\n\nText.\n"},
                                        'subtitle = "A bell \\u0007"\ndescription = "\\u0001"\n',
                                        ("book.toml", 6, "config-value")),
}
BUILDS: dict[str, tuple[dict[str, str | bytes], str, set[str]]] = {
    # name: (files, book.toml lines, the warnings expected)
    "a 1 MB chapter title": ({"01-one.md": "# " + "word " * 200_000 + "\n\nText.\n"}, "", set()),
    "an empty note nothing cites": ({"01-one.md": "# One\n\nText.\n\n[^a]: \n"}, "", {"note-unused"}),
    "a comment then a control character": ({"01-one.md": "# One\n\nText <!-- c -->\x01 more.\n"}, "",
                                           {"control-character"}),
    "a processing instruction then a control character": ({"01-one.md": "# One\n\nText <?pi?>\x02 more.\n"}, "",
                                                           {"control-character"}),
    "a definition inside a definition": ({"01-one.md": "# One\n\nText[^1].\n\n[^1]: [^a]:inline\n[^b]: \n"}, "",
                                         {"note-unused"}),
    "a style element and attributes that fetch": (
        {"01-one.md": "# One\n\n<style>p { background: url(file:///etc/passwd) }</style>\n\n"
                      'Text <span style="color: red; background: url(http://example.org/x.png)">x</span>.\n\n'
                      '<p style="background-image: url(file:///etc/passwd)">y</p>\n'}, "", {"unsafe-html"}),
    "an SVG with an external entity": ({"01-one.md": "# One\n\n![A map](images/map.svg)\n",
                                        "images/map.svg": SVG_ENTITY}, "", {"unsafe-svg"}),
    "an SVG with xlink, XInclude and remote styles": ({"01-one.md": "# One\n\n![A map](images/map.svg)\n",
                                                       "images/map.svg": SVG_REACHING}, "", {"unsafe-svg"}),
    "an id with a space": ({"01-one.md": '# One\n\n## Part {#a b}\n\nText.\n{: id="p q" }\n'}, "",
                           {"id-invalid", "unsafe-html"}),
    "javascript and srcset images": (
        {"01-one.md": '# One\n\n[x](javascript:alert(1))\n\n<img srcset="a.png 1x" alt="seen">\n\n'
                      "![also seen](javascript:alert(1))\n"}, "", {"unsafe-html", "image-no-source"}),
}


def make_case(where: Path, files: dict[str, str | bytes], toml: str, name: str) -> Path:
    book = make_book(where, files, toml, name=re.sub(r"\W+", "-", name))
    if name == "impossible date":
        (book / "book.toml").write_text(TOML.replace("2026-01-01", "2026-13-45"), encoding="utf-8")
    if name == "a 1 MB book title":
        (book / "book.toml").write_text(TOML.replace('"Hostile"', '"' + "word " * 200_000 + '"'), encoding="utf-8")
    return book


@pytest.mark.parametrize("name", list(FAILS))
def test_a_mistake_is_a_diagnostic_with_its_place(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                  name: str) -> None:
    files, toml, expected = FAILS[name]
    book = make_case(tmp_path, files, toml, name)
    for command in (["check"], ["epub", "-o", str(tmp_path / "x.epub")]):
        code, lines = run(capsys, *command, "--book", str(book))
        assert code == 1 and expected in errors(lines), lines
    assert not (tmp_path / "x.epub").exists()


def read_epub(path: Path) -> dict[str, bytes]:
    """Every file of the EPUB; every XML file parsed (a parse failure fails the test)."""
    with zipfile.ZipFile(path) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    for name, data in files.items():
        if name.endswith((".xhtml", ".opf", ".ncx", ".svg", ".xml")):
            etree.fromstring(data)
    return files


@pytest.mark.parametrize("name", list(BUILDS))
def test_an_odd_book_builds_a_valid_epub(tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str) -> None:
    files, toml, warnings = BUILDS[name]
    book = make_case(tmp_path, files, toml, name)
    code, lines = run(capsys, "epub", "--book", str(book), "-o", str(tmp_path / "x.epub"))
    assert code == 0, lines
    assert codes(lines) == warnings, lines
    epub = read_epub(tmp_path / "x.epub")
    pages = b"".join(data for file, data in epub.items() if file.endswith(".xhtml"))
    svgs = b"".join(data for file, data in epub.items() if file.endswith(".svg"))
    assert b"url(" not in pages and b"srcset" not in pages and b"javascript" not in pages
    assert not re.search(rb'\bid="[^"]*\s', pages)
    assert b"DOCTYPE" not in svgs and b"ENTITY" not in svgs and b"include" not in svgs
    assert b"file:" not in svgs and b"http://example" not in svgs and b"../" not in svgs
    if "SVG" in name:
        assert b"kept" in svgs or b"Minsk" in svgs  # the drawing's own words stay
    if "seen" in files["01-one.md"]:
        assert b"seen" in pages and b"also seen" in pages
