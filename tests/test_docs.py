"""The user guide stays current: it names every command, book.toml key and label there is, its
pictures exist, and docs/pictures.py makes them again from the default book."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import require
from PIL import Image

from publish.cli import build_parser
from publish.config import OPTIONAL_KEYS, REQUIRED_KEYS
from publish.labels import LABEL_NAMES

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "docs" / "guide.md"
PICTURES = re.compile(r"!\[[^\]]*\]\((pictures/[^)]+)\)")


def commands() -> list[str]:
    """The commands ``publish --help`` lists, one a line under COMMAND."""
    return sorted(re.findall(r"^ {4}(\w+) {2,}\S", build_parser().format_help(), re.MULTILINE))


def test_the_guide_and_readme_name_every_command() -> None:
    guide, readme = GUIDE.read_text(encoding="utf-8"), (ROOT / "README.md").read_text(encoding="utf-8")
    assert commands() == ["build", "check", "clean", "epub", "new", "pdf", "proof"]
    for command in commands():
        assert f"`publish {command}" in guide, command
        assert f"`publish {command}" in readme, command
    for option in ("--out-dir", "--format json", "--book", "--variant print", "--watch", "--strict"):
        assert option in guide and option in readme, option


def test_the_guide_explains_every_key_and_label() -> None:
    guide = GUIDE.read_text(encoding="utf-8")
    for key in REQUIRED_KEYS + OPTIONAL_KEYS:
        assert re.search(rf"^{key} = |^\[{key}\]|`\[{key}\]`", guide, re.MULTILINE), key
    for label in LABEL_NAMES:
        assert f"`{label}`" in guide, label


def test_the_guides_pictures_exist_and_are_small() -> None:
    shown = PICTURES.findall(GUIDE.read_text(encoding="utf-8"))
    assert len(shown) >= 6
    for name in shown:
        path = GUIDE.parent / name
        assert path.is_file(), name
        assert path.stat().st_size < 80_000, name
        with Image.open(path) as image:
            assert image.width <= 800, name  # 60 dpi: a 6 in page is 360 px, a spread twice that


@pytest.mark.slow  # the default book laid out twice and a proof
def test_the_pictures_script_makes_every_picture_from_the_default_book(tmp_path: Path) -> None:
    require(shutil.which("pdftoppm"), "pdftoppm (poppler-utils)")
    subprocess.run([sys.executable, str(ROOT / "docs" / "pictures.py"), "--out", str(tmp_path)], check=True,
                   capture_output=True, timeout=900)
    made = sorted(p.name for p in tmp_path.iterdir())
    shown = sorted(Path(name).name for name in PICTURES.findall(GUIDE.read_text(encoding="utf-8")))
    assert made == shown
    for name in made:
        with Image.open(tmp_path / name) as image, Image.open(GUIDE.parent / "pictures" / name) as kept:
            assert image.size == kept.size, name
