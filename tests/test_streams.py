"""Where messages go: everything for a person on stderr, and with ``--format json`` one JSON object
per diagnostic on stdout, for check, the builds and the proof alike (issue 13, defect 8)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from publish.cli import main

DATA = Path(__file__).parent / "data"
FIELDS = {"file", "line", "column", "severity", "code", "message"}


def as_text(record: dict[str, object]) -> str:
    return (f"{record['file']}:{record['line']}:{record['column']}: "
            f"{record['severity']}[{record['code']}]: {record['message']}")


def build(command: str, book: str, *args: str) -> int:
    """A build of a test book that writes only where ``args`` say (no cache in the book's folder)."""
    return main([command, "--book", str(DATA / book), "--no-cache", *args])


def records(stdout: str) -> list[dict[str, object]]:
    found = [json.loads(line) for line in stdout.splitlines()]
    assert all(isinstance(record, dict) and set(record) == FIELDS for record in found), found
    return found


def test_check_speaks_to_people_on_stderr_only(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--book", str(DATA / "check-warnings")]) == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines()[-1] == "0 errors, 5 warnings (2 open TK queries)"


def test_check_as_json_gives_the_same_diagnostics_one_object_a_line(capsys: pytest.CaptureFixture[str]) -> None:
    book = str(DATA / "check-warnings")
    assert main(["check", "--book", book]) == 0
    text = capsys.readouterr().err.splitlines()
    assert main(["check", "--book", book, "--format", "json"]) == 0
    captured = capsys.readouterr()
    found = records(captured.out)
    assert [as_text(record) for record in found] == text[:-1]
    assert {record["code"] for record in found} == {"tk", "link-unresolved", "note-unused"}
    assert all(isinstance(record["line"], int) and isinstance(record["column"], int) for record in found)
    assert captured.err.splitlines() == text[-1:]  # the count stays for the person watching


def test_check_as_json_reports_errors_and_fails(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--book", str(DATA / "check-undefined"), "--format", "json"]) == 1
    [record] = [r for r in records(capsys.readouterr().out) if r["severity"] == "error"]
    assert (record["code"], record["line"], record["column"]) == ("note-undefined", 5, 21)


def test_a_build_as_json_lists_every_diagnostic_and_writes_on_stderr(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A build in text lists warnings but only counts the open TK queries; as JSON it gives them
    all, for a tool to sort."""
    target = tmp_path / "book.epub"
    assert build("epub", "check-warnings", "-o", str(target), "--format", "json") == 0
    captured = capsys.readouterr()
    codes = [record["code"] for record in records(captured.out)]
    assert codes.count("tk") == 2 and "note-unused" in codes
    assert captured.err.splitlines()[0] == f"wrote {target}"
    assert build("epub", "check-warnings", "-o", str(target)) == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "wrote" in captured.err and "[tk]" not in captured.err


def test_a_build_that_stops_gives_its_errors_as_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "book.epub"
    assert build("epub", "check-undefined", "-o", str(target), "--format", "json") == 1
    captured = capsys.readouterr()
    assert [record["code"] for record in records(captured.out)] == ["note-undefined"]
    assert not target.exists()
    assert captured.err.startswith("1 error")


def test_proof_flags_go_to_stderr_or_as_json_to_stdout(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert build("proof", "proof-flags", "2", "--html", "-o", str(tmp_path / "p.html")) == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "note[doubled-word]" in captured.err
    assert build("proof", "proof-flags", "2", "--html", "-o", str(tmp_path / "p.html"), "--format", "json") == 0
    found = records(capsys.readouterr().out)
    assert {"doubled-word", "tk", "note-empty"} <= {record["code"] for record in found}
    assert {record["severity"] for record in found} == {"note"}
