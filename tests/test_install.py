"""A normal install works (issue 13, defect 1): the wheel carries the styles and the starter book,
and a ``publish`` installed from it into a virtual environment, run in a folder far from this
checkout, starts a book and builds both editions. (.ci/run also installs the wheel with its
dependencies from the package index into a fresh environment and builds a book with it.)"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest
from conftest import require

pytestmark = pytest.mark.slow  # a wheel built and installed, a book built with it

ROOT = Path(__file__).resolve().parents[1]


def run(command: list[str], cwd: Path, env: dict[str, str]) -> str:
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{command} failed:\n{done.stdout}\n{done.stderr}"
    assert "internal error" not in done.stderr
    return done.stdout + done.stderr


def test_the_wheel_installs_a_publish_that_builds_a_book_anywhere(tmp_path: Path) -> None:
    require(importlib.util.find_spec("hatchling"), "hatchling, the build backend (pip install -e '.[test]')")
    # Nothing from this checkout may leak in: not its folder on the path, not the working folder.
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "PYTHONHOME")}
    wheels = tmp_path / "wheels"
    run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w", str(wheels),
         str(ROOT)], tmp_path, env)
    [wheel] = wheels.glob("publish_book-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {path.relative_to(ROOT / "styles").as_posix() for path in (ROOT / "styles").rglob("*") if path.is_file()}
    assert {f"publish/styles/{name}" for name in shipped} <= names
    assert {"publish/styles/print.css", "publish/styles/fonts/EBGaramond-Regular.ttf",
            "publish/starter-book/book.toml.in", "publish/starter-book/images/island.png"} <= names

    # The libraries come from this interpreter's site-packages (the test runs offline); publish
    # itself only from the wheel, installed over whatever copy of it is there.
    environment = tmp_path / "venv"
    venv.EnvBuilder(system_site_packages=True, with_pip=True).create(environment)
    python = environment / "bin" / "python"
    run([str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", "--ignore-installed",
         str(wheel)], tmp_path, env)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    where = run([str(python), "-c", "import publish, publish.paths as p; print(publish.__file__); "
                 "print(p.styles_dir())"], elsewhere, env).split()
    assert all(Path(found).is_relative_to(environment) for found in where), where

    command = str(environment / "bin" / "publish")
    run([command, "new", "a-book", "--title", "Far From Home"], elsewhere, env)
    said = run([command, "build", "--book", "a-book", "--strict"], elsewhere, env)
    lines = said.splitlines()
    assert lines[:2] == ["wrote a-book/build/far-from-home.epub", "wrote a-book/build/far-from-home.pdf"]
    assert len(lines) == 3 and lines[2].startswith("the editions are at parity: 2 chapters and 4 notes"), lines
    assert (elsewhere / "a-book" / "build" / "far-from-home.pdf").read_bytes().startswith(b"%PDF-")
