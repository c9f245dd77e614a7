"""The catalog's fixtures (people by role, courses built through the API) for these tests."""

from tests.controllers.conftest import make_course, people  # noqa: F401 - fixtures re-exported
