"""The Free controllers' fixtures (``people``, ``make_course``) for extensions' tests."""

from tests.controllers.conftest import make_course, people  # noqa: F401 - fixtures
