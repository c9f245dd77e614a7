"""The request's typed context: what a policy loaded, read back by class."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from werkzeug.test import EnvironBuilder

from learnomy_core import LearnomyApp, RestRequest


@dataclass
class WidgetContext:
    widget: dict


@dataclass
class OtherContext:
    other: int


def make_request(app: LearnomyApp) -> RestRequest:
    return RestRequest(EnvironBuilder(path="/wp-json/acme/v1/widgets").get_environ(), app, "rid")


def test_context_as_returns_the_policys_object(app: LearnomyApp) -> None:
    request = make_request(app)
    request.context = WidgetContext({"id": 1})
    assert request.context_as(WidgetContext).widget == {"id": 1}


@pytest.mark.parametrize("context", [None, OtherContext(1)])
def test_context_as_refuses_another_class(app: LearnomyApp, context: object) -> None:
    request = make_request(app)
    request.context = context
    with pytest.raises(TypeError, match="not WidgetContext"):
        request.context_as(WidgetContext)
