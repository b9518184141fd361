"""Test options and the rule for tools a test needs.

``--update-golden`` rewrites tests/golden/ from the current code (review the diff before
committing). A test that needs a tool this machine may lack (Java for EPUBCheck, Ace, Chromium,
pdftotext, HarfBuzz's subsetter) skips where it is missing, except under CI (``PUBLISH_TEST_ALL=1``,
which .ci/run sets after installing them): there a missing tool fails, so that a green run cannot
hide a missing install step.
"""

from __future__ import annotations

import os

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="rewrite tests/golden/ from the current code")


def require(found: object, what: str) -> None:
    """Skip without ``what``, or fail under CI, where everything must be installed."""
    if found:
        return
    if os.environ.get("PUBLISH_TEST_ALL"):
        pytest.fail(f"{what}, which .ci/run installs, is missing")
    pytest.skip(f"{what} is not installed")
