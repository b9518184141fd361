"""Editorial flags: what a copy-editor would query in one chapter.

Takes a rendered ``Chapter`` (its Markdown source and notes); returns ``note`` diagnostics with
file, line and column: open ``TK`` queries, paragraphs whose quotation marks do not balance,
sentences repeated within the chapter, doubled words or phrases, and references to empty notes.
The scan runs on the source with markup blanked out rather than removed, so every offset found is
an offset in the file the author edits.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from publish.check import mask_code
from publish.diagnostics import Diagnostic, locate, note
from publish.model import Chapter

_MARKUP = re.compile(
    r"\[\^[^\]\s]+\]:?"            # note references and definition labels
    r"|(?:https?|ftp)://\S+"       # URLs: their slugs repeat words by design
    r"|!?\[|\]\([^)]*\)"           # link and image brackets with their targets
    r"|<[^>\n]+>"                  # raw HTML tags
    r"|^#{1,6}[ \t]|[*_`\\]",      # heading marks, emphasis, escapes
    re.MULTILINE,
)
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"”»)]*\s+(?=[\"“«(]?[A-Z0-9А-ЯЁ])")
_TK = re.compile(r"\bTK\b")
_ABBREVIATION = re.compile(r"(?:\b[A-Z]|\bSt|\bMr|\bMrs|\bDr|\bNo|\bp|\bvol|\bet al)\.$")
MIN_SENTENCE_WORDS = 6
MAX_PHRASE_WORDS = 8


def flag_chapter(chapter: Chapter, shown: str) -> list[Diagnostic]:
    """Every editorial flag in the chapter, in source order."""
    text = chapter.source
    plain = blank_markup(mask_code(text))
    flags = [
        *_flag_tk(text, plain, shown),
        *_flag_quotes(text, plain, shown),
        *_flag_repeated_sentences(text, plain, shown),
        *_flag_doubled(text, plain, shown),
        *_flag_empty_notes(chapter, text, shown),
    ]
    return sorted(flags, key=lambda d: (d.line, d.col, d.code))


def blank_markup(text: str) -> str:
    """Markdown markup replaced by spaces of the same length, so offsets stay true."""
    return _MARKUP.sub(lambda m: " " * len(m.group()), text)


def paragraphs(text: str) -> Iterator[tuple[int, str]]:
    """(offset, text) of each blank-line-separated block."""
    for match in re.finditer(r"(?:[^\n]*\S[^\n]*(?:\n|$))+", text):
        yield match.start(), match.group()


def _flag_tk(text: str, plain: str, shown: str) -> Iterator[Diagnostic]:
    for match in _TK.finditer(plain):
        line, col = locate(text, match.start())
        yield note(shown, line, col, "tk", "TK: text still to come")


def _flag_quotes(text: str, plain: str, shown: str) -> Iterator[Diagnostic]:
    for offset, block in paragraphs(plain):
        straight = block.count('"')
        opened = block.count("“") + block.count("«")
        closed = block.count("”") + block.count("»")
        if straight % 2 or opened != closed:
            first = offset + len(block) - len(block.lstrip())
            line, col = locate(text, first)
            yield note(shown, line, col, "quotes-unbalanced",
                       f"quotation marks do not balance in this paragraph ({straight} \" marks)")


def _flag_repeated_sentences(text: str, plain: str, shown: str) -> Iterator[Diagnostic]:
    seen: dict[str, int] = {}
    for offset, block in paragraphs(plain):
        for start, sentence in _sentences(block):
            words = [w.lower() for w in _WORD.findall(sentence)]
            if len(words) < MIN_SENTENCE_WORDS:
                continue
            key = " ".join(words)
            where = offset + start
            if key in seen:
                line, col = locate(text, where)
                first_line = locate(text, seen[key])[0]
                yield note(shown, line, col, "sentence-repeated",
                           f"sentence repeated from line {first_line}: \"{_preview(words)}\"")
            else:
                seen[key] = where


def _sentences(block: str) -> Iterator[tuple[int, str]]:
    start = 0
    for match in _SENTENCE_END.finditer(block):
        if _ABBREVIATION.search(block[start:match.start()]):
            continue
        yield start, block[start:match.start()]
        start = match.end()
    yield start, block[start:]


def _flag_doubled(text: str, plain: str, shown: str) -> Iterator[Diagnostic]:
    for offset, block in paragraphs(plain):
        words = [(m.start(), m.group().lower()) for m in _WORD.finditer(block)]
        tokens = [w for _, w in words]
        index = 0
        while index < len(tokens):
            found = _doubled_at(tokens, index)
            if found:
                where = offset + words[index + found][0]
                line, col = locate(text, where)
                phrase = " ".join(tokens[index:index + found])
                kind = "word" if found == 1 else "phrase"
                yield note(shown, line, col, f"doubled-{kind}", f"doubled {kind}: \"{phrase} {phrase}\"")
                index += 2 * found
            else:
                index += 1


def _doubled_at(tokens: list[str], index: int) -> int:
    """Length of a phrase starting at ``index`` that is immediately repeated, else 0."""
    for size in range(MAX_PHRASE_WORDS, 0, -1):
        first = tokens[index:index + size]
        if len(first) < size or tokens[index + size:index + 2 * size] != first:
            continue
        if all(word.isdigit() for word in first) or (size == 1 and len(first[0]) < 2):
            continue
        return size
    return 0


def _flag_empty_notes(chapter: Chapter, text: str, shown: str) -> Iterator[Diagnostic]:
    for item in chapter.notes:
        if item.text.strip():
            continue
        match = re.search(rf"\[\^{re.escape(item.label)}\](?!:)", text)
        line, col = locate(text, match.start()) if match else (item.line, 1)
        yield note(shown, line, col, "note-empty", f"note {item.number} ([^{item.label}]) has no text")


def _preview(words: list[str], size: int = 8) -> str:
    return " ".join(words[:size]) + ("…" if len(words) > size else "")
