"""Make the user guide's pictures (docs/pictures/*.png) from the default book's real output.

Builds manuscript/ with the publish of this checkout (the PDF, the offset printer's file and a
proof of chapter 7) into a temporary folder, finds the pages to show by the PDF's own outline (so that the
pictures follow the book when it changes), and renders each with pdftoppm at 60 dpi: small files
that still show the page. Run it after a change to how the pages look:

    python3 docs/pictures.py            # writes docs/pictures/
    python3 docs/pictures.py --out DIR  # writes elsewhere (tests/test_docs.py does)

Needs poppler-utils (pdftoppm) and Pillow, which publish installs.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image
from pypdf import PdfReader

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "manuscript"
DPI = 60
PROOF_CHAPTER = "7"


def publish(*args: str, cwd: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, "-m", "publish", *args], cwd=cwd, env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def render(pdf: Path, index: int, target: Path) -> Image.Image:
    """Page ``index`` (0-based) of ``pdf`` as a PNG at ``DPI``."""
    stem = target.with_suffix("")
    subprocess.run(["pdftoppm", "-png", "-r", str(DPI), "-singlefile", "-f", str(index + 1), "-l", str(index + 1),
                    str(pdf), str(stem)], check=True)
    return Image.open(target)


def save(image: Image.Image, target: Path) -> None:
    """A page in 32 colours: its greys and a proof's red, at a third of the size of full colour."""
    image.convert("RGB").quantize(colors=32).save(target, optimize=True)


def spread(left: Image.Image, right: Image.Image, target: Path) -> None:
    """Two pages side by side, as a reader sees a left- and a right-hand page."""
    joined = Image.new("RGB", (left.width + right.width, max(left.height, right.height)), "white")
    joined.paste(left, (0, 0))
    joined.paste(right, (left.width, 0))
    # A hairline where the pages meet, so that two white pages do not read as one.
    for y in range(joined.height):
        joined.putpixel((left.width, y), (200, 200, 200))
    save(joined, target)


def outline_pages(pdf: Path) -> dict[str, int]:
    reader = PdfReader(pdf)
    return {item.title: reader.get_destination_page_number(item) for item in reader.outline
            if not isinstance(item, list)}


def make_pictures(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    made = []
    with tempfile.TemporaryDirectory(prefix="publish-pictures-") as work_dir:
        work = Path(work_dir)
        publish("pdf", "--book", str(BOOK), "--out-dir", str(work), "-o", str(work / "book.pdf"), cwd=work)
        publish("pdf", "--book", str(BOOK), "--out-dir", str(work), "--printer", "offset",
                "-o", str(work / "print.pdf"), cwd=work)
        publish("proof", PROOF_CHAPTER, "--book", str(BOOK), "--out-dir", str(work), "-o", str(work / "proof.pdf"),
                cwd=work)
        book, pages = work / "book.pdf", outline_pages(work / "book.pdf")
        first_chapter = next(index for title, index in pages.items() if title.startswith("1. "))
        singles = {
            "title-page": pages["Title Page"],
            "copyright": pages["Copyright"],
            "contents": pages["Contents"],
            "opener": first_chapter,
            "notes": pages["Notes"] + 1,  # the second page of the Notes: its running head
        }
        for name, index in singles.items():
            target = out / f"{name}.png"
            save(render(book, index, target), target)
            made.append(target)
        # The spread after the opener: a left- and a right-hand page of text, with running heads,
        # folios and note references.
        target = out / "spread.png"
        spread(render(book, first_chapter + 1, work / "l.png"), render(book, first_chapter + 2, work / "r.png"),
               target)
        made.append(target)
        target = out / "print-file.png"
        save(render(work / "print.pdf", first_chapter, target), target)
        made.append(target)
        target = out / "proof.png"
        save(render(work / "proof.pdf", 0, target), target)
        made.append(target)
    return made


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "pictures")
    args = parser.parse_args()
    if not shutil.which("pdftoppm"):
        print("docs/pictures.py needs pdftoppm (poppler-utils)", file=sys.stderr)
        return 1
    for path in make_pictures(args.out):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
