"""Test options and the rule for tools a test needs.

``--update-golden`` rewrites tests/golden/ from the current code (review the diff before
committing). A test that needs a tool this machine may lack (Java for EPUBCheck, Ace, Chromium,
pdftotext, HarfBuzz's subsetter) skips where it is missing, except under CI (``PUBLISH_TEST_ALL=1``,
which .ci/run sets after installing them): there a missing tool fails, so that a green run cannot
hide a missing install step.
"""

from __future__ import annotations

import os
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
