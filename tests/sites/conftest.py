"""The real browser of the browser tests, for the acceptance pages' accessibility check."""

from tests.browser.conftest import browser

__all__ = ["browser"]
