"""``render_chapter``: Markdown in, exact XHTML out. Book-wide numbers, ids, backlinks, typography,
and every problem the chapter's own text gives, with its line and column. Fast: no edition is built.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from publish.check import check_images
from publish.diagnostics import Diagnostic
from publish.markdown_notes import check_markdown_internals
from publish.model import Chapter
from publish.render import ChapterSource, count_notes, render_chapter

pytestmark = pytest.mark.fast


def render(text: str, *, number: int = 1, first_note: int = 1, language: str = "en",
           chapters: dict[str, int] | None = None) -> tuple[Chapter, list[Diagnostic]]:
    source = ChapterSource(number, Path(f"{number:02d}-a.md"), f"{number:02d}-a.md", text)
    return render_chapter(source, language=language, first_note=first_note,
                          chapter_numbers=chapters or {f"{number:02d}-a.md": number})


def ref(number: int, suffix: str = "") -> str:
    return (f'<sup class="noteref"><a id="noteref-{number}{suffix}" href="#note-{number}" class="noteref" '
            f'role="doc-noteref">{number}</a></sup>')


def codes(problems: list[Diagnostic]) -> list[tuple[str, int, int]]:
    return [(p.code, p.line, p.col) for p in problems]


def test_python_markdown_still_works_as_the_adapter_assumes() -> None:
    check_markdown_internals()


def test_notes_are_numbered_book_wide_with_ids_both_editions_share() -> None:
    chapter, problems = render("# T\n\nOne.[^a] Two.[^b] One again.[^a]\n\n[^a]: First.\n[^b]: Second.\n",
                               number=3, first_note=10)
    assert chapter.html == f"<p>One.{ref(10)} Two.{ref(11)} One again.{ref(10, '-2')}</p>\n"
    assert [(n.number, n.label, n.html, n.ref_ids, n.line) for n in chapter.notes] == [
        (10, "a", "<p>First.</p>", ("noteref-10", "noteref-10-2"), 5),
        (11, "b", "<p>Second.</p>", ("noteref-11",), 6),
    ]
    assert problems == []


def test_a_space_before_inline_markup_in_a_note_is_kept() -> None:
    """Defect 1: "Caesar,*The Gallic Wars*" and "the*Golden Legend*"."""
    chapter, _ = render("# T\n\nA.[^a] B.[^b]\n\n[^a]: Caesar, *The Gallic Wars*, book 1.\n"
                        "[^b]: the *Golden Legend* here.\n")
    assert [n.html for n in chapter.notes] == ["<p>Caesar, <em>The Gallic Wars</em>, book 1.</p>",
                                               "<p>the <em>Golden Legend</em> here.</p>"]
    assert [n.text for n in chapter.notes] == ["Caesar, The Gallic Wars, book 1.", "the Golden Legend here."]


def test_later_level_one_headings_are_sections_one_level_down() -> None:
    """Defect 2: a second "# " is a section of the chapter, and the headings under it follow."""
    chapter, problems = render("# Title\n\nText.\n\n# Two\n\nMore.\n\n## Under two\n\nEnd.\n")
    assert chapter.title == "Title"
    assert chapter.html == ('<p>Text.</p>\n<h2 id="ch01-two">Two</h2>\n<p>More.</p>\n'
                            '<h3 id="ch01-under-two">Under two</h3>\n<p>End.</p>')
    assert [(h.level, h.text, h.section, h.line) for h in chapter.headings] == [
        (2, "Two", True, 5), (3, "Under two", False, 9)]
    assert problems == []


def test_without_sections_headings_keep_their_levels() -> None:
    chapter, _ = render("# Title\n\n## Part\n\nText.\n")
    assert [(h.level, h.section) for h in chapter.headings] == [(2, False)]


def test_a_note_cited_only_from_a_note_is_numbered_after_it() -> None:
    """Defect 3: numbered in reading order (right after the note that cites it), linked both ways."""
    chapter, problems = render("# T\n\nText.[^a] More.[^c]\n\n[^a]: See also.[^b]\n[^b]: The inner note.\n"
                               "[^c]: Third.\n")
    assert [(n.number, n.label, n.ref_ids, n.cited_in) for n in chapter.notes] == [
        (1, "a", ("noteref-1",), 0), (2, "b", ("noteref-2",), 1), (3, "c", ("noteref-3",), 0)]
    assert chapter.notes[0].html == f"<p>See also.{ref(2)}</p>"
    assert chapter.html == f"<p>Text.{ref(1)} More.{ref(3)}</p>\n"
    assert problems == []


def test_a_chain_of_notes_citing_notes_does_not_recurse() -> None:
    length = 3000
    text = "# T\n\nStart.[^n0]\n\n" + "".join(f"[^n{i}]: Note {i}.[^n{i + 1}]\n" for i in range(length)) \
        + f"[^n{length}]: Last.\n"
    chapter, problems = render(text)
    assert [n.number for n in chapter.notes] == list(range(1, length + 2))
    assert problems == []


def test_an_undefined_reference_is_an_error_at_its_place_and_links_nowhere() -> None:
    """Defects 4 and 5: never printed literally, never linked to another chapter's note 2."""
    chapter, problems = render("# T\n\nText[^2] and more.\n\nAnd [^missing] too.\n", number=1)
    assert codes(problems) == [("note-undefined", 3, 5), ("note-undefined", 5, 5)]
    assert "note-" not in chapter.html and chapter.notes == ()


def test_a_label_defined_twice_is_an_error_at_the_second() -> None:
    _, problems = render("# T\n\nText.[^a]\n\n[^a]: One.\n\n[^a]: Two.\n")
    assert codes(problems) == [("note-duplicate", 7, 1)]
    assert "defined twice (first at line 5)" in problems[0].message


def test_labels_with_spaces_or_broken_over_a_line_keep_their_words() -> None:
    """Defect 6: Python-Markdown reads both as notes; so does the book."""
    chapter, problems = render("# T\n\nText.[^ foo] Then.[^a\nb]\n\n[^ foo]: bar baz\n[^a\nb]: broken label\n")
    assert [n.text for n in chapter.notes] == ["bar baz", "broken label"]
    assert problems == []


def test_an_unused_note_is_kept_last_with_a_warning() -> None:
    chapter, problems = render("# T\n\nText.[^a]\n\n[^b]: Unused words.\n[^a]: Used.\n")
    assert [(n.number, n.text, n.ref_ids) for n in chapter.notes] == [(1, "Used.", ("noteref-1",)),
                                                                      (2, "Unused words.", ())]
    assert codes(problems) == [("note-unused", 5, 1)]


def test_what_python_markdown_leaves_alone_is_not_a_note_and_not_an_error() -> None:
    """Defect 7: a definition in a block quote is a note; in code, or escaped, it is text."""
    chapter, problems = render("# T\n\n> Quoted.[^q]\n>\n> [^q]: Inside the quote.\n\n    code [^x]\n\n"
                               "Escaped \\[^y] and `[^z]`.\n")
    assert [n.text for n in chapter.notes] == ["Inside the quote."]
    assert "code [^x]" in chapter.html and "Escaped [^y] and <code>[^z]</code>." in chapter.html
    assert problems == []


def test_a_definition_inside_a_note_is_a_note_too() -> None:
    """Python-Markdown itself fails here ("OrderedDict mutated during iteration")."""
    chapter, problems = render("# T\n\nText.[^1]\n\n[^1]: [^a]:inline\n[^b]: \n")
    # Note 1 is cited; [^b] and [^a] are not, and follow in the order they are defined.
    assert [(n.label, n.text) for n in chapter.notes] == [("1", ""), ("b", ""), ("a", "inline")]
    assert {p.code for p in problems} == {"note-unused"}


def test_raw_html_cannot_pass_for_a_note() -> None:
    chapter, _ = render('# T\n\nText <sup data-fn="fn:0">x</sup>.[^a]\n\n[^a]: Real.\n')
    assert [n.text for n in chapter.notes] == ["Real."]
    assert '<sup data-fn="fn:0">x</sup>' in chapter.html


def test_images_in_notes_are_collected_and_checked(tmp_path: Path) -> None:
    """Defect 4: a missing image inside a note gets its message."""
    chapter, _ = render("# T\n\nText.[^a]\n\n[^a]: See ![a map](images/map.png).\n")
    assert [(i.src, i.line) for i in chapter.images] == [("images/map.png", 5)]
    chapter = Chapter(**{**chapter.__dict__, "path": tmp_path / "01-a.md"})
    assert [p.code for p in check_images(tmp_path, chapter)] == ["image-missing"]


def test_image_paths_are_worked_out_from_the_text() -> None:
    source = ChapterSource(1, Path("part/01-a.md"), "part/01-a.md", "# T\n\n![x](../images/a%20b.png) "
                           "![y](/etc/passwd) ![z](../../x.png)\n", folder="part")
    chapter, _ = render_chapter(source, language="en", first_note=1, chapter_numbers={})
    assert [i.src for i in chapter.images] == ["images/a b.png", "/etc/passwd", "../../x.png"]


def test_typography_and_urls() -> None:
    chapter, _ = render('# T\n\n"Quoted" - and... see https://example.org/a-b.[^a]\n\n'
                        "[^a]: Ibid. - p. 5.\n")
    assert chapter.html.startswith("<p>“Quoted”\u00a0— and… see <a class=\"url\" href=\"https://example.org/a-b\">"
                                   "https://<wbr/>example<wbr/>.org/<wbr/>a<wbr/>-b</a>.")
    assert chapter.notes[0].html == "<p>Ibid.\u00a0– p.\u00a05.</p>"


def test_every_output_is_well_formed_xhtml() -> None:
    chapter, _ = render("# T &amp; <em>x</em>\n\nA & B < C.[^a]\n\n| a | b |\n|---|---|\n| 1[^b] | 2 |\n\n"
                        "[^a]: x & y\n[^b]: In a cell.\n")
    for fragment in [chapter.title_html, chapter.html, *(n.html for n in chapter.notes)]:
        etree.fromstring(f"<div>{fragment}</div>")


def test_tk_queries_are_warnings_at_their_place() -> None:
    _, problems = render("# T\n\nSome TK here.\n\n`TK` in code is not.\n")
    assert codes(problems) == [("tk", 3, 6)]


def test_no_title_and_empty_chapter() -> None:
    assert [p.code for p in render("Just text.\n")[1]] == ["no-title"]
    assert [p.code for p in render("# Title\n")[1]] == ["empty-chapter"]
    assert render("# Title\n\n![a picture](p.png)\n")[1] == []


@pytest.mark.parametrize(("text", "count"), [
    ("# T\n\nA.[^a][^b]\n\n[^a]: x\n[^b]: y\n[^c]: unused\n", 3),
    ("# T\n\n    [^a]: in code\n\n`[^b]: x`\n", 0),
    ("# T\n\n> [^q]: quoted\n", 1),
])
def test_count_notes_counts_what_rendering_numbers(text: str, count: int) -> None:
    assert count_notes(text) == count == len(render(text)[0].notes)


def test_two_thousand_references_to_one_note_render_quickly_and_exactly() -> None:
    """Python-Markdown's bookkeeping is quadratic in the references to one note; the adapter's is not."""
    chapter, _ = render("# T\n\n" + " ".join(["Word.[^a]"] * 2000) + "\n\n[^a]: The note.\n")
    assert len(chapter.notes[0].ref_ids) == 2000
    assert chapter.notes[0].ref_ids[-1] == "noteref-1-2000"
