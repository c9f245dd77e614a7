"""The shared 400 builders plugins use for arguments the schema cannot judge."""

from __future__ import annotations

import pytest

from learnomy_core.errors import InvalidParams
from learnomy_core.params import bad_param, check_references


def test_bad_param_names_one_argument() -> None:
    error = bad_param("price", "price must be positive.", code="rest_out_of_bounds")
    assert isinstance(error, InvalidParams) and error.status == 400
    assert error.details == [{"param": "price", "code": "rest_out_of_bounds", "message": "price must be positive."}]


def test_check_references_lists_every_unknown_and_repeated_item() -> None:
    with pytest.raises(InvalidParams) as refused:
        check_references("steps", "course_id", [3, 9, 3, 4], {3, 4}, "course_id names no course you may use.")
    assert [(d["param"], d["code"]) for d in refused.value.details] == [
        ("steps[1].course_id", "rest_invalid_param"), ("steps[2].course_id", "rest_duplicate_param")]


def test_check_references_passes_a_clean_list() -> None:
    check_references("steps", "course_id", [3, 4], {3, 4, 5}, "unused")
