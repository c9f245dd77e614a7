"""The catalog's fixtures (``people``) for the analytics' tests."""

from tests.controllers.conftest import people

__all__ = ["people"]
