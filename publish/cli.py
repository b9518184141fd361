"""The ``publish`` command: parse arguments, run one command, map the outcome to an exit code.

Takes ``argv``; returns 0 (done), 1 (the book has errors, printed as diagnostics) or 2 (usage).
Each command's module is imported only when it runs, so ``publish check`` never pays for the PDF
engine.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import NoReturn, TextIO

from publish import __version__
from publish.diagnostics import (
    Diagnostic,
    EngineError,
    PublishError,
    Severity,
    display_path,
    has_errors,
    summarize,
)

DEFAULT_BOOK = Path("manuscript")


class UsageError(Exception):
    """A command line that cannot be run as given; exit status 2."""


def run() -> NoReturn:
    """The console script: ``main``, then leave at once. A build ends holding a large heap (the
    parts' PDFs, pypdf's objects); freeing it object by object would take the interpreter about
    a tenth of a second more, and serves nothing once every file is written and closed. Ctrl-C at
    any moment, even while a message is printed, ends with one line and status 130."""
    try:
        code = main()
    except KeyboardInterrupt:
        code = interrupted(sys.argv[1] if len(sys.argv) > 1 else "")
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse prints its own message and exits 2 (or 0 for --help)
        return int(exc.code or 0)
    try:
        return int(args.run(args))
    except UsageError as exc:
        print(f"publish {args.command}: {exc}", file=sys.stderr)
        return 2
    except PublishError as exc:
        print_diagnostics(exc.diagnostics, stream=sys.stderr)
        print(summarize(exc.diagnostics), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return interrupted(args.command)
    except EngineError as exc:
        print(f"publish {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # a bug in publish, not in the book: say so without a traceback
        if os.environ.get("PUBLISH_DEBUG"):
            raise
        print(f"publish {args.command}: internal error: {type(exc).__name__}: {exc}\n"
              "This is a bug in publish; run again with PUBLISH_DEBUG=1 for details.", file=sys.stderr)
        return 1


def interrupted(command: str) -> int:
    """Ctrl-C: one line, status 130 (128 + SIGINT). Every output is written whole or not at all,
    so whatever was not yet written is as it was before."""
    with contextlib.suppress(OSError, ValueError, KeyboardInterrupt):
        print(f"publish {command}: interrupted".replace("publish : ", "publish: "), file=sys.stderr, flush=True)
    return 130


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="publish", description="Build a book from Markdown chapters: check it, and write its PDF and EPUB.")
    parser.add_argument("--version", action="version", version=f"publish {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, run: Callable[[argparse.Namespace], int], help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.add_argument("--book", type=Path, default=DEFAULT_BOOK, metavar="DIR",
                         help="the book folder, holding book.toml and the chapters (default: manuscript/)")
        sub.set_defaults(run=run)
        if name != "check":
            sub.add_argument("--no-cache", dest="cache", action="store_false",
                             help="ignore build/.cache and do all the work again")
        return sub

    check = add("check", run_check, "report every problem in the book, one per line")
    check.add_argument("--strict", action="store_true", help="fail on warnings too")
    epub = add("epub", run_epub, "write the EPUB 3 edition (default build/<slug>.epub)")
    epub.add_argument("-o", "--output", type=Path, metavar="FILE", help="where to write the EPUB")
    epub.add_argument("--strict", action="store_true", help="fail on warnings too")
    pdf = add("pdf", run_pdf, "typeset the PDF edition (default build/<slug>.pdf)")
    pdf.add_argument("-o", "--output", type=Path, metavar="FILE", help="where to write the PDF")
    pdf.add_argument("--variant", choices=("digital", "print"), default="digital",
                     help="digital: trim size, clickable links (default); print: bleed and crop marks for the printer")
    pdf.add_argument("--strict", action="store_true", help="fail on warnings, the layout report included")
    pdf.add_argument("--jobs", type=positive, metavar="N", help="lay out in N processes (default: one per core)")
    pdf.add_argument("--html-only", type=Path, metavar="FILE",
                     help="write the whole book as one HTML document for WeasyPrint instead (for benchmarks)")
    proof = add("proof", run_proof, "proof one chapter as it will stand in the book, with editorial flags")
    proof.add_argument("chapter", metavar="CHAPTER",
                       help="chapter number (7), file name, path, or a unique part of its name (tatarstan)")
    proof.add_argument("-o", "--output", type=Path, metavar="FILE",
                       help="where to write the proof (default build/proof/NN-slug.pdf, or .html with --html)")
    proof.add_argument("--html", action="store_true", help="write the proof as a web page instead of a PDF")
    proof.add_argument("--watch", action="store_true",
                       help="proof again on every save and serve the page so an open browser reloads")
    proof.add_argument("--port", type=int, default=8765, help="port of the --watch page server (default 8765)")
    both = add("build", run_build, "write both editions into build/")
    both.add_argument("--variant", choices=("digital", "print"), default="digital",
                      help="PDF variant (default: digital)")
    both.add_argument("--strict", action="store_true", help="fail on warnings too")
    return parser


def run_check(args: argparse.Namespace) -> int:
    from publish.build import check_book

    diagnostics = check_book(book_folder(args.book))
    print_diagnostics(diagnostics, stream=sys.stdout)
    print(summarize(diagnostics))
    return 1 if has_errors(diagnostics, strict=args.strict) else 0


def run_epub(args: argparse.Namespace) -> int:
    from publish.build import build_epub, open_cache

    target, diagnostics = build_epub(book_folder(args.book), args.output, cache=open_cache(args.cache),
                                     strict=args.strict)
    return report_written([target], diagnostics, strict=args.strict)


@contextlib.contextmanager
def progress() -> Iterator[None]:
    """On a terminal, one self-rewriting status line from the PDF stages; nothing otherwise."""
    if not sys.stderr.isatty():
        yield
        return

    class StatusLine(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            sys.stderr.write("\r\033[K" + record.getMessage()[:100])
            sys.stderr.flush()

    logger = logging.getLogger("publish.pdf")
    handler = StatusLine()
    logger.addHandler(handler)
    level = logger.level
    logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
        sys.stderr.write("\r\033[K")


def run_pdf(args: argparse.Namespace) -> int:
    from publish.build import build_pdf, build_print_html, open_cache

    if args.html_only:
        target, diagnostics = build_print_html(book_folder(args.book), args.html_only, variant=args.variant,
                                               cache=open_cache(args.cache), strict=args.strict)
        return report_written([target], diagnostics, strict=args.strict)
    with progress():
        target, diagnostics = build_pdf(book_folder(args.book), args.output, variant=args.variant,
                                        cache=open_cache(args.cache), jobs=args.jobs, strict=args.strict)
    return report_written([target], diagnostics, strict=args.strict)


def run_build(args: argparse.Namespace) -> int:
    from publish.build import build_both, open_cache

    with progress():
        targets, diagnostics = build_both(book_folder(args.book), variant=args.variant,
                                          cache=open_cache(args.cache), strict=args.strict)
    return report_written(targets, diagnostics, strict=args.strict)


def run_proof(args: argparse.Namespace) -> int:
    from publish import build
    from publish.proof.chapter import ChapterChoiceError

    book_dir = book_folder(args.book)
    html_target = args.output if args.html and args.output else None
    pdf_target = args.output if not args.html and args.output else None
    with build.proofing(book_dir, cache=build.open_cache(args.cache), pdf=not args.html) as proofer:

        def make_proof() -> tuple[list[Path], list[Diagnostic]]:
            try:
                return proofer.proof(args.chapter, html=html_target, pdf=pdf_target, live_reload=args.watch,
                                     default_html=args.html or args.watch, default_pdf=not args.html)
            except ChapterChoiceError as exc:
                raise UsageError(str(exc)) from None

        outputs, diagnostics = make_proof()
        code = report_written(outputs, diagnostics, strict=False, stream=sys.stdout)
        if not args.watch:
            return code
        from publish.proof.watch import watch

        def again() -> None:
            try:
                report_written(*make_proof(), strict=False, stream=sys.stdout)
            except PublishError as exc:
                print_diagnostics(exc.diagnostics, stream=sys.stderr)
            sys.stdout.flush()

        def announce(message: str) -> None:
            print(message, flush=True)

        html_page = next(p for p in outputs if p.suffix == ".html")
        try:
            watch(html_page.parent, lambda: build.watched_paths(book_dir), again, port=args.port,
                  announce=announce, page=html_page.name)
        except OSError as exc:
            raise UsageError(f"cannot serve the proof page on port {args.port}: {exc.strerror}") from None
        return 0


def report_written(
    targets: Sequence[Path], diagnostics: Sequence[Diagnostic], *, strict: bool, stream: TextIO | None = None,
) -> int:
    """What a build met, then what it wrote and the count. Open TK queries are counted, not
    listed: ``publish check`` and the proof list them, and a build would bury the rest under them."""
    out = stream or sys.stderr
    print_diagnostics([d for d in diagnostics if not (d.code == "tk" and d.severity is Severity.WARNING)], stream=out)
    for target in targets:
        print(f"wrote {display_path(target)}")
    if diagnostics:
        print(summarize(diagnostics), file=out)
    return 1 if has_errors(diagnostics, strict=strict) else 0


def positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, not '{text}'")
    return int(text)


def book_folder(path: Path) -> Path:
    if not path.is_dir():
        raise UsageError(f"no book folder '{path}'; pass --book DIR or run where manuscript/ is")
    return path


def print_diagnostics(diagnostics: Sequence[Diagnostic], *, stream: TextIO) -> None:
    for diagnostic in diagnostics:
        print(diagnostic.format(), file=stream)
