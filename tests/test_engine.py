"""The layout engine: a process that fails or dies stops the build with a message, never a hang,
and the engine's processes end with it; the Notes get the room their page numbers need."""

from __future__ import annotations

import os
import re
import shutil
import time
from pathlib import Path

import pytest
from pypdf import PdfReader
from reading import read_page

from publish.cli import main
from publish.diagnostics import EngineError
from publish.manuscript import load_book
from publish.paths import styles_dir
from publish.pdf import edition as pdf_module
from publish.pdf import jobs
from publish.pdf.engine import layout_run, start_print_engine
from publish.pdf.pages import locator_digits
from publish.pdf.parts import PartJob, PartLayout

pytestmark = pytest.mark.slow  # whole books laid out by WeasyPrint

DATA = Path(__file__).parent / "data"


def chapter_job() -> PartJob:
    book, _ = load_book(DATA / "pdf-links")
    assert book is not None
    settings = jobs.print_settings(book)
    return jobs.chapter_job(book, book.chapters[0], settings)


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except OSError:
        return False


def test_a_part_that_fails_names_the_part(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(jobs: list[PartJob]) -> list[PartLayout]:
        raise ValueError("the layout went wrong")

    # The engine's processes are forked from this one, so they run the replacement too.
    monkeypatch.setattr("publish.pdf.engine.lay_out_here", fail)
    with start_print_engine(2) as engine:
        run = layout_run(engine, None, styles_dir())
        with pytest.raises(EngineError, match=r"laying out ch01: ValueError: the layout went wrong"):
            run.run([chapter_job()])


def test_a_process_that_dies_stops_the_build_instead_of_hanging(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    def die(jobs: list[PartJob]) -> list[PartLayout]:
        os._exit(9)  # as the kernel's out-of-memory killer would leave it

    monkeypatch.setattr("publish.pdf.engine.lay_out_here", die)
    monkeypatch.chdir(tmp_path)
    started = time.monotonic()
    assert main(["pdf", "--book", str(DATA / "pdf-links"), "--no-cache", "-o", "out.pdf"]) == 1
    assert time.monotonic() - started < 60
    err = capsys.readouterr().err
    assert "a layout process stopped unexpectedly" in err
    assert "internal error" not in err and len(err.strip().splitlines()) == 1, err
    assert not (tmp_path / "out.pdf").exists()


def test_the_engine_processes_end_with_the_build() -> None:
    with start_print_engine(2) as engine:
        assert engine is not None
        run = layout_run(engine, None, styles_dir())
        # Enough parts that the second process, forked by the first, takes some.
        layouts = run.run([chapter_job()] * 6)
        workers = set(engine._workers)
    assert len(layouts) == 6
    assert len(workers) == 2
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(alive(pid) for pid in workers)


def test_locator_room_grows_with_the_book() -> None:
    words = "word " * 400
    assert locator_digits([words], (6.0, 9.0)) == 1
    assert locator_digits([words] * 10, (6.0, 9.0)) == 2
    assert locator_digits([words * 12] * 30, (6.0, 9.0)) == 3
    # A smaller trim holds less a page: more pages, more digits.
    assert locator_digits([words * 12] * 30, (4.0, 6.0)) >= locator_digits([words * 12] * 30, (6.0, 9.0))


def test_notes_outgrowing_their_room_are_laid_out_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The room for "p. N" is estimated from the Markdown; a book that outgrows the estimate still
    gets every page number whole, in a box as wide as it needs."""
    book = tmp_path / "book"
    shutil.copytree(DATA / "pdf-links", book)
    # Room for no digit at all: every "p. N" outgrows it.
    monkeypatch.setattr(pdf_module, "locator_digits", lambda sources, trim: 0)
    monkeypatch.chdir(tmp_path)
    assert main(["pdf", "--book", str(book), "--no-cache", "-o", "out.pdf"]) == 0
    reader = PdfReader(tmp_path / "out.pdf")
    labels = list(reader.page_labels)
    notes = " ".join(read_page(tmp_path / "out.pdf", i) for i in range(len(labels))
                     if reader.pages[i].extract_text().lstrip().startswith("Notes"))
    printed = re.findall(r"(?:^|\s)(\d+)\.\s+p\. (\d+)", notes)
    loaded, _ = load_book(book)
    assert loaded is not None
    assert sorted(int(number) for number, _ in printed) == [note.number for note in loaded.notes if note.ref_ids]
    assert printed and all(page in labels for _, page in printed)
