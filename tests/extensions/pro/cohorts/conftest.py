"""The catalog's fixtures (``people``, ``make_course``) for the cohorts' tests."""

from tests.controllers.conftest import make_course, people

__all__ = ["make_course", "people"]
