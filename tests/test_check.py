"""`publish check`: every diagnostic on a tiny book that has its defect, with exact line and column."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from publish.cli import main

DATA = Path(__file__).parent / "data"


def run_check(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str]]:
    """The exit status and what ``check`` says to a person: on stderr, with nothing on stdout
    (which carries only ``--format json``)."""
    code = main(["check", *args])
    out = capsys.readouterr()
    # The CLI catches what it did not foresee and says "internal error": never the case here.
    assert "internal error" not in out.out + out.err
    assert out.out == ""
    return code, out.err.splitlines()


@pytest.mark.parametrize(
    ("book", "expected"),
    [
        ("check-undefined", "01-one.md:5:21: error[note-undefined]: note reference [^missing] has no definition"),
        ("check-duplicate", "01-one.md:7:1: error[note-duplicate]: note [^a] is defined twice (first at line 5)"),
        ("check-no-title", "01-one.md:1:1: error[no-title]: the chapter has no level-1 title"),
        ("check-empty", "01-one.md:1:1: error[empty-chapter]: the chapter has no text after its title"),
        ("check-bad-utf8", "01-one.md:4:5: error[encoding]: byte 0xe9 is not valid UTF-8"),
        ("check-bad-toml", "book.toml:1:18: error[config-syntax]: book.toml does not parse"),
        ("check-missing-image", "01-one.md:5:12: error[image-missing]: image 'images/chart.png' not found"),
    ],
)
def test_error_is_reported_with_its_place(capsys: pytest.CaptureFixture[str], book: str, expected: str) -> None:
    code, lines = run_check(capsys, "--book", str(DATA / book))
    assert code == 1
    prefix = f"{Path('tests/data') / book}/"
    assert any(line.startswith(prefix + expected) for line in lines), lines
    assert lines[-1].startswith("1 error")


def test_config_problems_are_reported_all_at_once(capsys: pytest.CaptureFixture[str]) -> None:
    code, lines = run_check(capsys, "--book", str(DATA / "check-toml-keys"))
    shown = "tests/data/check-toml-keys/book.toml"
    assert code == 1
    assert f"{shown}:1:1: error[config-missing-key]: required key 'author' is missing; add author = \"...\"" in lines
    missing_language = f"{shown}:1:1: error[config-missing-key]: required key 'language' is missing"
    assert f"{missing_language}; add language = \"...\"" in lines
    assert f"{shown}:2:1: error[config-unknown-key]: unknown key 'langauge' (did you mean 'language'?)" in lines
    assert f"{shown}:3:1: error[config-unknown-key]: unknown key 'subtitel' (did you mean 'subtitle'?)" in lines
    assert any(line.startswith(f"{shown}:4:1: error[config-value]: trim '7x7'") for line in lines)
    assert lines[-1] == "5 errors, 0 warnings"


def test_warnings_do_not_fail_unless_strict(capsys: pytest.CaptureFixture[str]) -> None:
    book = str(DATA / "check-warnings")
    code, lines = run_check(capsys, "--book", book)
    shown = "tests/data/check-warnings/01-one.md"
    assert code == 0
    assert lines == [
        f"{shown}:3:6: warning[tk]: open editorial query: Text TK with a query.[^a]",
        f"{shown}:5:15: warning[link-unresolved]: link to chapter '03-none.md' does not resolve: "
        "no such chapter in the book",
        f"{shown}:5:44: warning[link-unresolved]: link '02-two.md#nope' does not resolve: "
        "no heading or anchor '#nope' in 02-two.md",
        f"{shown}:7:7: warning[tk]: open editorial query: [^a]: TK: the text of this note is lost.",
        f"{shown}:9:1: warning[note-unused]: note [^b] is defined but never referenced; it is printed as note 2 "
        "with no reference to it: reference it or delete it",
        "0 errors, 5 warnings (2 open TK queries)",
    ]
    strict_code, _ = run_check(capsys, "--book", book, "--strict")
    assert strict_code == 1


@pytest.mark.parametrize("book", ["check-clean", "check-bom-crlf"])
def test_clean_book_passes(capsys: pytest.CaptureFixture[str], book: str) -> None:
    code, lines = run_check(capsys, "--book", str(DATA / book), "--strict")
    assert (code, lines) == (0, ["0 errors, 0 warnings"])


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["check", "--book", str(tmp_path / "absent")]) == 2
    assert "no book folder" in capsys.readouterr().err
    assert main(["frobnicate"]) == 2
    assert main([]) == 2
    assert main(["check", "--bogus"]) == 2


def test_missing_config_is_an_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "01-one.md").write_text("# One\n\nText.\n")
    code, lines = run_check(capsys, "--book", str(tmp_path))
    assert code == 1
    assert any("error[config-missing]" in line for line in lines)


def test_minimal_config_derives_the_identifier_with_a_warning(capsys: pytest.CaptureFixture[str],
                                                              tmp_path: Path) -> None:
    """No date is a choice, not a problem: the imprint goes without one (test_labels.py)."""
    (tmp_path / "book.toml").write_text('title = "T"\nauthor = "A"\nlanguage = "en"\n')
    (tmp_path / "01-one.md").write_text("# One\n\nText.\n")
    code, lines = run_check(capsys, "--book", str(tmp_path))
    assert code == 0
    assert [line.split(": ", 2)[1] for line in lines[:-1]] == ["warning[config-derived]"]
    assert "no identifier" in lines[0]


NASTY_INPUTS = [
    b"",
    b"\x00\x01\x02 # not a title",
    b"# T\n\n" + b"- " * 400 + b"deep\n",
    b"# T\n\n<div><p>unclosed <b>bold <i>and <table><tr><td>cell\n",
    b"# T\n\n[^]: empty label\n\n[^ x]: spaced\n\ntext [^] [^ x] [^\n",
    b"# T\n\n&nbsp; &bogus; &#0; &#xD800; <br> <hr> <img>\n",
    b"# T[^a]\n\n| a |\n|---|\n| [^a] |\n\n[^a]:\n",
    b"# T\n\n<script>x</script><a href='javascript:alert(1)' onclick='y'>x</a><form><input></form>\n",
    b"\xef\xbb\xbf# T\r\n\r\n```\r\n[^x] TK inside code\r\n```\r\n\r\ntext\r\n",
    b"# T\n\n![](\x00) [x](<>) [y]( ) ![z](../../../../etc/passwd)\n",
]


@pytest.mark.parametrize("content", NASTY_INPUTS)
def test_no_input_gives_a_traceback(capsys: pytest.CaptureFixture[str], tmp_path: Path, content: bytes) -> None:
    (tmp_path / "book.toml").write_text('title = "T"\nauthor = "A"\nlanguage = "en"\ndate = "2026-01-01"\n')
    (tmp_path / "01-x.md").write_bytes(content)
    code = main(["check", "--book", str(tmp_path)])
    out = capsys.readouterr()
    assert code in (0, 1)
    assert "internal error" not in out.out + out.err
    assert out.err.splitlines()[-1].endswith(("warning", "warnings"))


@pytest.mark.parametrize(("written", "heading"), [
    ("02-two.md#harbor", "## The Harbour"),          # a near miss in another chapter
    ("02-two.md#harbour", "## The Harbour"),         # the heading's words without its article
    ("#intro", "## Intro text"),                     # this chapter
    ("02-two.md#two", "## Far away"),                # the other chapter's title: a link to the chapter
    ("02-two.md#ch02-the-harbour", "## The Harbour"),  # the id as the EPUB spells it
])
def test_the_link_check_suggests_a_link_that_resolves(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], written: str, heading: str) -> None:
    """Defect 7: the suggested link, pasted in place of the written one, resolves."""
    (tmp_path / "book.toml").write_text('title = "T"\nauthor = "A"\nlanguage = "en"\n'
                                        'identifier = "urn:uuid:0c0c0c0c-1111-4222-8333-44445555666c"\n')
    chapter = tmp_path / "01-one.md"
    chapter.write_text(f"# One\n\nSee [there]({written}).\n\n## Intro text\n\nText.\n")
    (tmp_path / "02-two.md").write_text(f"# Two\n\n{heading}\n\nText.\n")
    code, lines = run_check(capsys, "--book", str(tmp_path))
    assert code == 0
    [warning] = [line for line in lines if "warning[link-unresolved]" in line]
    suggested = re.search(r"did you mean '([^']+)'\?", warning)
    assert suggested, warning
    chapter.write_text(chapter.read_text().replace(f"]({written})", f"]({suggested.group(1)})"))
    assert run_check(capsys, "--book", str(tmp_path)) == (0, ["0 errors, 0 warnings"])


def test_the_anchors_a_link_check_lists_are_anchors_that_resolve(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """With no close match the check lists the chapter's anchors: each, written after the file
    name, resolves (an earlier check listed them stripped of their first word: '#harbour')."""
    (tmp_path / "book.toml").write_text('title = "T"\nauthor = "A"\nlanguage = "en"\n'
                                        'identifier = "urn:uuid:0c0c0c0c-1111-4222-8333-444455556672"\n')
    chapter = tmp_path / "01-one.md"
    chapter.write_text("# One\n\nSee [there](02-two.md#zzz).\n")
    (tmp_path / "02-two.md").write_text("# Two\n\n## The Harbour\n\nText.\n\n## The Old Quay {#old-quay}\n\nMore.\n")
    _, lines = run_check(capsys, "--book", str(tmp_path))
    [warning] = [line for line in lines if "warning[link-unresolved]" in line]
    listed = re.findall(r"#[\w-]+", warning.split("anchors there: ", 1)[1])
    assert listed == ["#old-quay", "#the-harbour"]
    for anchor in listed:
        chapter.write_text(f"# One\n\nSee [there](02-two.md{anchor}).\n")
        assert run_check(capsys, "--book", str(tmp_path)) == (0, ["0 errors, 0 warnings"])
