"""Test options and the rule for tools a test needs.

``--update-golden`` rewrites tests/golden/ from the current code (review the diff before
committing). A test that needs a tool this machine may lack (Java for EPUBCheck, Ace, Chromium,
pdftotext, HarfBuzz's subsetter) skips where it is missing, except under CI (``PUBLISH_TEST_ALL=1``,
which .ci/run sets after installing them): there a missing tool fails, so that a green run cannot
hide a missing install step.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="rewrite tests/golden/ from the current code")


def require(found: object, what: str) -> None:
    """Skip without ``what``, or fail under CI, where everything must be installed."""
    if found:
        return
    if os.environ.get("PUBLISH_TEST_ALL"):
        pytest.fail(f"{what}, which .ci/run installs, is missing")
    pytest.skip(f"{what} is not installed")


@pytest.fixture(autouse=True, scope="session")
def _test_books_stay_clean() -> Iterator[None]:
    """A build writes into a book folder's build/ by default: the test books must come out of the
    run as they went in (tests build into temporary folders, or with --no-cache and -o)."""
    before = set(DATA.glob("*/build"))
    yield
    left = sorted(str(path) for path in set(DATA.glob("*/build")) - before)
    assert not left, f"tests wrote into the test books: {left}"


def run_ace(ace: str, epub: Path, where: Path) -> dict[str, object]:
    """Ace by DAISY's report on ``epub`` (written under ``where``), as parsed JSON."""
    env = dict(os.environ)
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium and "PUPPETEER_EXECUTABLE_PATH" not in env:
        # Chromium refuses to start as root without --no-sandbox, which Ace does not pass.
        wrapper = where / "chromium"
        wrapper.write_text(f'#!/bin/sh\nexec {chromium} --no-sandbox --disable-dev-shm-usage "$@"\n')
        wrapper.chmod(0o755)
        env["PUPPETEER_EXECUTABLE_PATH"] = str(wrapper)
    report = where / "ace"
    # Ace drives a headless Chromium, which now and then fails to start on a loaded machine: Ace
    # then exits without a report. Such a start is tried once more; a report is always judged.
    for _attempt in range(2):
        done = subprocess.run([ace, "-f", "-s", "-o", str(report), str(epub)], env=env, capture_output=True,
                              text=True, timeout=600, check=False)
        if (report / "report.json").is_file():
            break
    assert (report / "report.json").is_file(), done.stderr[-2000:] + done.stdout[-2000:]
    found: dict[str, object] = json.loads((report / "report.json").read_text(encoding="utf-8"))
    return found
