"""The ``publish`` command: parse arguments, run one command, map the outcome to an exit code.

Takes ``argv``; returns 0 (done), 1 (the book has errors, printed as diagnostics) or 2 (usage).
Each command's module is imported only when it runs, so ``publish check`` never pays for the PDF
engine.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import NoReturn

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
from publish.pdf.printers import BLEED_CHOICES, PRINTERS, VARIANT_PRINT_PRESET

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
    form = getattr(args, "format", "text")
    try:
        return int(args.run(args))
    except UsageError as exc:
        print(f"publish {args.command}: {exc}", file=sys.stderr)
        return 2
    except PublishError as exc:
        print_diagnostics(exc.diagnostics, form=form)
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
        sub.add_argument("--out-dir", type=Path, metavar="DIR",
                         help="the output folder (default: build/ beside manuscript/, or DIR/build/ inside "
                              "any other book folder)")
        sub.set_defaults(run=run)
        if name != "clean":
            # check takes the cache for --editions, whose print layout it keeps.
            sub.add_argument("--no-cache", dest="cache", action="store_false",
                             help="ignore the build cache and do all the work again")
            sub.add_argument("--format", choices=("text", "json"), default="text",
                             help="text: diagnostics for people, on stderr (default); json: one JSON object "
                                  "per diagnostic and line on stdout (file, line, column, severity, code, "
                                  "message), everything else on stderr")
        return sub

    check = add("check", run_check, "report every problem in the book, one per line")
    check.add_argument("--strict", action="store_true", help="fail on warnings too")
    check.add_argument("--editions", action="store_true",
                       help="also lay out the PDF's text (or take it from the cache) and compare both editions "
                            "word by word")
    epub = add("epub", run_epub, "write the EPUB 3 edition (default <out-dir>/<slug>.epub)")
    epub.add_argument("-o", "--output", type=Path, metavar="FILE", help="where to write the EPUB")
    add_store(epub)
    epub.add_argument("--strict", action="store_true", help="fail on warnings too")
    pdf = add("pdf", run_pdf, "typeset the PDF edition (default <out-dir>/<slug>.pdf; <slug>-print.pdf for "
                              "--variant print, <slug>-NAME.pdf for --printer NAME)")
    pdf.add_argument("-o", "--output", type=Path, metavar="FILE", help="where to write the PDF")
    pdf.add_argument("--variant", choices=("digital", "print"), default="digital",
                     help=f"digital: trim size, clickable links (default); print: the same as --printer "
                          f"{VARIANT_PRINT_PRESET}")
    add_printer_options(pdf)
    pdf.add_argument("--strict", action="store_true", help="fail on warnings, the layout report included")
    pdf.add_argument("--jobs", type=positive, metavar="N", help="lay out in N processes (default: one per core)")
    pdf.add_argument("--html-only", type=Path, metavar="FILE",
                     help="write the whole book as one HTML document for WeasyPrint instead (for benchmarks)")
    proof = add("proof", run_proof, "proof one chapter as it will stand in the book, with editorial flags")
    proof.add_argument("chapter", metavar="CHAPTER",
                       help="chapter number (7), file name, path, or a unique part of its name (tatarstan)")
    proof.add_argument("-o", "--output", type=Path, metavar="FILE",
                       help="where to write the proof (default <out-dir>/proof/NN-slug.pdf, or .html with --html)")
    proof.add_argument("--html", action="store_true", help="write the proof as a web page instead of a PDF")
    proof.add_argument("--watch", action="store_true",
                       help="proof again on every save and serve the page so an open browser reloads")
    proof.add_argument("--port", type=port_number, default=8765,
                       help="port of the --watch page server (default 8765; the next free one if it is taken)")
    both = add("build", run_build, "write both editions into the output folder")
    both.add_argument("--variant", choices=("digital", "print"), default="digital",
                      help="PDF variant (default: digital)")
    add_printer_options(both)
    both.add_argument("--strict", action="store_true", help="fail on warnings too")
    add_store(both)
    serve = add("serve", run_serve, "preview the whole book: build both editions again on every save and serve "
                                    "them to a browser that reloads itself, the PDF open at the page that changed")
    serve.add_argument("--port", type=port_number, default=8765,
                       help="port of the preview server (default 8765; the next free one if it is taken)")
    add("clean", run_clean, "remove what the commands wrote for this book: its editions, proofs and cache")
    new = commands.add_parser("new", help="start a new book in a new folder, ready to build",
                              description="start a new book in a new folder: book.toml, two chapters that "
                                          "show notes, a picture and a cross-reference, and a README")
    new.add_argument("folder", type=Path, metavar="DIR", help="the folder to create (it must not exist, or be empty)")
    new.add_argument("--title", default="", help="the book's title (default: from the folder's name)")
    new.add_argument("--author", default="", help="the author's name (default: \"Your Name\")")
    new.add_argument("--language", default="en", help="the book's language tag, e.g. en, en-GB, fr, de (default: en)")
    new.set_defaults(run=run_new)
    return parser


def add_printer_options(command: argparse.ArgumentParser) -> None:
    command.add_argument("--printer", choices=tuple(PRINTERS), metavar="NAME",
                         help=f"write the print file for a printer ({', '.join(PRINTERS)}): its page size, bleed, "
                              "boxes and marks, PDF/X-4, checked by its preflight")
    command.add_argument("--bleed", choices=BLEED_CHOICES, default="auto",
                         help="with --printer: auto bleeds only when a picture reaches the edge (default); "
                              "none never")


def chosen_printer(args: argparse.Namespace) -> str | None:
    """``--printer``, or the preset ``--variant print`` stands for."""
    if args.printer is None and args.variant == "print":
        return VARIANT_PRINT_PRESET
    return str(args.printer) if args.printer else None


# The stores' names, for the command line only: publish.epub.stores holds what each adds, and is
# imported when an EPUB is made.
STORE_NAMES = ("generic", "kobo", "apple")


def add_store(command: argparse.ArgumentParser) -> None:
    command.add_argument("--store", choices=STORE_NAMES, default="generic",
                         help="the EPUB for a store: generic (default), kobo (a KEPUB, <out-dir>/<slug>.kepub.epub) "
                              "or apple (Apple Books' display options, <out-dir>/<slug>.apple.epub)")


def run_check(args: argparse.Namespace) -> int:
    from publish.build import check_book, check_editions, open_cache

    book = book_folder(args.book)
    closing = []
    if args.editions:
        with progress():
            diagnostics, parity = check_editions(book, cache=open_cache(book, args.out_dir, args.cache))
        if parity is not None:
            closing.append(parity.summary())
    else:
        diagnostics = check_book(book)
    print_diagnostics(diagnostics, form=args.format)
    for line in closing:
        print(line, file=sys.stderr)
    print(summarize(diagnostics), file=sys.stderr)
    return 1 if has_errors(diagnostics, strict=args.strict) else 0


def run_epub(args: argparse.Namespace) -> int:
    from publish.build import build_epub, open_cache

    book = book_folder(args.book)
    target, diagnostics = build_epub(book, args.output, cache=open_cache(book, args.out_dir, args.cache),
                                     strict=args.strict, store=args.store, out_dir=args.out_dir)
    return report_written([target], diagnostics, strict=args.strict, form=args.format)


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

    book = book_folder(args.book)
    cache = open_cache(book, args.out_dir, args.cache)
    if args.html_only:
        target, diagnostics = build_print_html(book, args.html_only, variant=args.variant, cache=cache,
                                               strict=args.strict)
        return report_written([target], diagnostics, strict=args.strict, form=args.format)
    with progress():
        target, diagnostics = build_pdf(book, args.output, variant=args.variant, printer=chosen_printer(args),
                                        bleed=args.bleed, cache=cache, jobs=args.jobs, strict=args.strict,
                                        out_dir=args.out_dir)
    return report_written([target], diagnostics, strict=args.strict, form=args.format)


def run_build(args: argparse.Namespace) -> int:
    from publish.build import build_both, open_cache

    book = book_folder(args.book)
    with progress():
        targets, diagnostics, parity = build_both(
            book, variant=args.variant, printer=chosen_printer(args), bleed=args.bleed,
            cache=open_cache(book, args.out_dir, args.cache), strict=args.strict, store=args.store,
            out_dir=args.out_dir)
    return report_written(targets, diagnostics, strict=args.strict, form=args.format, closing=[parity.summary()])


def run_serve(args: argparse.Namespace) -> int:
    """Build both editions, then again after every save, with one engine kept warm; serve the
    output folder with ``/`` the preview page, or the problems of the last save."""
    import time

    from publish import build
    from publish.destinations import destinations_for
    from publish.proof.watch import watch

    book_dir = book_folder(args.book)
    places = destinations_for(book_dir, args.out_dir)
    with build.previewing(book_dir, cache=build.open_cache(book_dir, args.out_dir, args.cache),
                          out_dir=args.out_dir) as previewer:
        latest: list[build.Preview] = []

        def again() -> list[Diagnostic]:
            """Build again; the problems that stopped it (the page shows them), or none."""
            started = time.monotonic()
            try:
                preview = previewer.build()
            except PublishError as exc:
                print_diagnostics(exc.diagnostics, form=args.format)
                print(summarize(exc.diagnostics), file=sys.stderr)
                return list(exc.diagnostics)
            latest[:] = [preview]
            report_written([preview.pdf, preview.epub], preview.diagnostics, strict=False, form=args.format)
            where = f", first change on page {preview.page + 1}" if preview.page is not None else ""
            print(f"built in {time.monotonic() - started:.2f} s{where}", file=sys.stderr, flush=True)
            return []

        def index(version: int) -> str:
            from publish.assemble import template_environment

            preview = latest[-1]
            return template_environment().get_template("serve/preview.html").render(
                title=preview.title, language=preview.language, version=version,
                page=preview.page + 1 if preview.page is not None else None,
                pdf=preview.pdf.relative_to(places.folder).as_posix(),
                epub=preview.epub.relative_to(places.folder).as_posix())

        def announce(message: str) -> None:
            print(message, file=sys.stderr, flush=True)

        first = again()
        places.folder.mkdir(parents=True, exist_ok=True)
        try:
            watch(places.folder / "index.html", lambda: build.watched_paths(book_dir), again, port=args.port,
                  announce=announce, problems=first, index=index, subject="book")
        except OSError as exc:
            raise UsageError(f"cannot serve the preview: {exc.strerror}") from None
    return 0


def run_clean(args: argparse.Namespace) -> int:
    from publish.build import clean

    for path in clean(book_folder(args.book), args.out_dir):
        print(f"removed {display_path(path)}", file=sys.stderr)
    return 0


def run_new(args: argparse.Namespace) -> int:
    from publish.starter import StarterError, make_book

    try:
        made = make_book(args.folder, title=args.title, author=args.author, language=args.language)
    except StarterError as exc:
        raise UsageError(str(exc)) from None
    shown = display_path(made)
    print(f"wrote {shown}: book.toml, two chapters, a picture and a README\n"
          f"next: publish check --book {shown} && publish build --book {shown}", file=sys.stderr)
    return 0


def run_proof(args: argparse.Namespace) -> int:
    from publish import build
    from publish.proof.chapter import ChapterChoiceError

    book_dir = book_folder(args.book)
    html_target = args.output if args.html and args.output else None
    pdf_target = args.output if not args.html and args.output else None
    with build.proofing(book_dir, cache=build.open_cache(book_dir, args.out_dir, args.cache), pdf=not args.html,
                        out_dir=args.out_dir) as proofer:

        def make_proof() -> tuple[list[Path], list[Diagnostic]]:
            try:
                return proofer.proof(args.chapter, html=html_target, pdf=pdf_target, live_reload=args.watch,
                                     default_html=args.html or args.watch, default_pdf=not args.html)
            except ChapterChoiceError as exc:
                raise UsageError(str(exc)) from None

        if not args.watch:
            outputs, diagnostics = make_proof()
            return report_written(outputs, diagnostics, strict=False, form=args.format, all_queries=True)
        from publish.proof.watch import watch

        def again() -> list[Diagnostic]:
            """Proof again; the problems that stopped it (the page shows them), or none."""
            try:
                report_written(*make_proof(), strict=False, form=args.format, all_queries=True)
            except PublishError as exc:
                print_diagnostics(exc.diagnostics, form=args.format)
                print(summarize(exc.diagnostics), file=sys.stderr)
                return list(exc.diagnostics)
            return []

        def announce(message: str) -> None:
            print(message, file=sys.stderr, flush=True)

        # A first proof that fails is shown in the page like any later one: the author fixes it
        # with the page open.
        first = again()
        page = html_target or proofer.target(args.chapter, ".html")
        try:
            watch(page, lambda: build.watched_paths(book_dir), again, port=args.port, announce=announce,
                  problems=first)
        except OSError as exc:
            raise UsageError(f"cannot serve the proof page: {exc.strerror}") from None
        return 0


def report_written(
    targets: Sequence[Path], diagnostics: Sequence[Diagnostic], *, strict: bool, form: str = "text",
    all_queries: bool = False, closing: Sequence[str] = (),
) -> int:
    """What a command met, then what it wrote, what it found (``closing``) and the count, on
    stderr (the diagnostics as JSON on stdout with ``form`` ``json``). A build counts its open TK
    queries and does not list them: ``publish check`` and the proof list them, and a build would
    bury the rest under them."""
    shown = diagnostics if all_queries or form == "json" else \
        [d for d in diagnostics if not (d.code == "tk" and d.severity is Severity.WARNING)]
    print_diagnostics(shown, form=form)
    for target in targets:
        print(f"wrote {display_path(target)}", file=sys.stderr)
    for line in closing:
        print(line, file=sys.stderr)
    if diagnostics:
        print(summarize(diagnostics), file=sys.stderr)
    return 1 if has_errors(diagnostics, strict=strict) else 0


def positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, not '{text}'")
    return int(text)


def book_folder(path: Path) -> Path:
    if not path.is_dir():
        raise UsageError(f"no book folder '{path}'; pass --book DIR or run where manuscript/ is")
    return path


def port_number(text: str) -> int:
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"expected a port number from 0 to 65535, not '{text}'")
    return int(text)


def print_diagnostics(diagnostics: Sequence[Diagnostic], *, form: str = "text") -> None:
    """``text``: one ``file:line:col: severity[code]: message`` line each, on stderr; ``json``: one
    JSON object each, a line apiece, on stdout, so that a tool reads stdout and a person stderr."""
    if form == "json":
        for diagnostic in diagnostics:
            print(json.dumps(diagnostic.as_json(), ensure_ascii=False), file=sys.stdout)
        sys.stdout.flush()
        return
    for diagnostic in diagnostics:
        print(diagnostic.format(), file=sys.stderr)
