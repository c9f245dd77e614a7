"""Every registered route's args, fed every kind of bad value: never a 5xx, always the envelope.

The requests are generated from the route registry as the discovery index
describes it: for every route, method and arg, one request carries one kind of
bad value where that arg arrives (the path, the query string of a GET or DELETE,
the JSON body otherwise), sent by an administrator; an anonymous caller sends
each kind in every arg at once. A world of one of each resource exists first, so
that path ids name real rows and a value the schema lets through reaches the
callback and the database.

Each answer must be below 500, valid JSON (strict UTF-8, no ``NaN``), and an
error must be the envelope whose ``request_id`` is the ``X-Request-Id``; an
anonymous caller of a route whose policy needs a login gets 401 whatever it sent.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Optional
from urllib.parse import quote

import pytest
from werkzeug.test import Client, EnvironBuilder, TestResponse

from learnomy_core import LearnomyApp
from learnomy_core.registry import Endpoint, Route
from tests.conftest import bearer, login

ROOT = "/wp-json"
API = f"{ROOT}/learnomy/v1"
_GROUP = re.compile(r"\(\?P<(\w+)>((?:\\.|\[[^\]]*\]|[^()])*)\)")


@dataclass(frozen=True)
class Bad:
    """One kind of bad value: as JSON text spliced into a body, and as path/query text."""

    name: str
    json: str
    text: str


DEEP = 50_000
KINDS = [
    Bad("int64_overflow", str(2**63), str(2**63)),
    Bad("int_400_digits", "9" * 400, "9" * 400),
    Bad("negative_400_digits", "-" + "9" * 400, "-" + "9" * 400),
    Bad("float_1e308", "1e308", "1e308"),
    Bad("nan", "NaN", "NaN"),
    Bad("infinity", "-Infinity", "Infinity"),
    # A query string does not nest: there, a run of brackets stands in.
    Bad("deep_nesting", "[" * DEEP + "]" * DEEP, quote("[" * 1000 + "]" * 1000)),
    Bad("date_out_of_range", '"9999-12-31T23:59:59-23:59"', quote("9999-12-31T23:59:59-23:59")),
    Bad("lone_surrogate", '"\\ud800"', "%ED%A0%80"),
]

# Routes whose success would end the administrator's session go last.
_LAST = ("/auth/", "/me/password")


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _endpoints(app: LearnomyApp, turn: int) -> list[tuple[Route, str, Endpoint]]:
    """Every endpoint of the registry with one of its methods: reads first, session enders last.

    The methods of one endpoint (``POST, PUT, PATCH``) share its callback and args;
    each kind of bad value takes the next of them in turn (``turn``), so that every
    method meets bad values without tripling the requests.
    """
    found = []
    for route in app.registry.routes.values():
        for endpoint in route.endpoints:
            methods = [m for m in endpoint.methods if route.by_method.get(m) is endpoint and m != "HEAD"]
            if methods and endpoint.args:  # no args, nothing to feed
                found.append((route, methods[turn % len(methods)], endpoint))
    rank = {"GET": 0, "POST": 1, "PUT": 1, "PATCH": 1, "DELETE": 2}
    return sorted(found, key=lambda item: (any(p in item[0].pattern for p in _LAST), rank[item[1]]))


# -- the world: one of each resource, so that path ids are real --------------------------

@dataclass
class World:
    admin: dict[str, str]
    ids: dict[str, Any]

    def path_value(self, route: Route, name: str) -> str:
        """A real value for the path parameter ``name`` of ``route``."""
        if name in ("uuid", "code", "slug"):
            return str(self.ids[name])
        if name == "user_id":
            return str(self.ids["student"])
        segment = route.pattern.split("/")[3]  # /learnomy/v1/<segment>/...
        return str(self.ids.get(segment, 7))


def _created(response: Any) -> dict[str, Any]:
    assert response.status_code in (200, 201), response.json
    return response.json.get("data", response.json)  # wp/v2 answers without the envelope


def build_world(client: Client, make_user: Callable[..., int]) -> World:
    admin_id = make_user("fuzzadmin", "administrator")
    student_id = make_user("fuzzstudent", "lrn_student")
    admin, student = bearer(login(client, "fuzzadmin")), bearer(login(client, "fuzzstudent"))

    def post(path: str, body: Optional[dict] = None, auth: dict = admin) -> dict[str, Any]:
        return _created(client.post(f"{API}{path}", json=body or {}, headers=auth))

    template = post("/certificate-templates", {"title": "T", "body": "Awarded {student_name}"})
    category = post("/course-categories", {"name": "Fuzz"})
    tag = post("/course-tags", {"name": "fuzz"})
    course = post("/courses", {"title": "Fuzz", "certificate_template_id": template["id"]})
    section = post(f"/courses/{course['id']}/sections", {"title": "Part"})
    lesson = post(f"/sections/{section['id']}/lessons", {"title": "L", "content": "<p>x</p>"})
    topic = post(f"/lessons/{lesson['id']}/topics", {"title": "T"})
    quiz = post(f"/sections/{section['id']}/quizzes", {"title": "Q"})
    question = post(f"/quizzes/{quiz['id']}/questions", {"type": "true_false", "title": "Sky?", "answer": True})
    _created(client.patch(f"{API}/courses/{course['id']}", json={"status": "publish"}, headers=admin))
    enrollment = post("/enrollments", {"user_id": student_id, "course_id": course["id"]})
    review = post(f"/courses/{course['id']}/reviews", {"rating": 4}, student)
    attempt = post(f"/quizzes/{quiz['id']}/attempts", None, student)
    certificate = post("/certificates", {"user_id": student_id, "course_id": course["id"],
                                         "template_id": template["id"]})
    password = _created(client.post(f"{ROOT}/wp/v2/users/me/application-passwords",
                                    json={"name": "fuzz"}, headers=admin))
    widget = _created(client.post(f"{ROOT}/acme/v1/widgets", json={"name": "gear"}, headers=admin))
    ids = {
        "courses": course["id"], "sections": section["id"], "lessons": lesson["id"], "topics": topic["id"],
        "quizzes": quiz["id"], "questions": question["id"], "attempts": attempt["id"],
        "enrollments": enrollment["id"], "reviews": review["id"], "certificates": certificate["id"],
        "certificate-templates": template["id"], "course-categories": category["id"],
        "course-tags": tag["id"], "instructors": admin_id, "users": student_id, "widgets": widget["id"],
        "student": student_id, "uuid": password["uuid"], "code": certificate["verification_code"],
        "slug": "blue-sky",
    }
    return World(admin, ids)


# -- requests ---------------------------------------------------------------------------

@dataclass
class Probe:
    method: str
    url: str
    body: Optional[bytes]
    what: str


def _path(route: Route, world: World, bad: dict[str, str]) -> Optional[str]:
    """The route's path with real values, or ``bad``'s where given (None: the route cannot carry it)."""
    def fill(match: re.Match[str]) -> str:
        name, regex = match.group(1), match.group(2)
        if name in bad:
            return bad[name] if re.fullmatch(regex, bad[name]) else "\0"
        return quote(world.path_value(route, name), safe="")

    path = _GROUP.sub(fill, route.pattern)
    return None if "\0" in path else ROOT + path


def _with_args(method: str, path: str, args: list[str], kind: Bad) -> tuple[str, Optional[bytes]]:
    if not args:
        return path, None
    if method in ("GET", "DELETE"):
        return path + "?" + "&".join(f"{quote(name)}={kind.text}" for name in args), None
    members = ",".join(f"{json.dumps(name)}:{kind.json}" for name in args)
    return path, ("{" + members + "}").encode()


def admin_probes(app: LearnomyApp, world: World, kind: Bad) -> Iterator[Probe]:
    """One probe per route, method and arg, the arg carrying ``kind``."""
    for route, method, endpoint in _endpoints(app, KINDS.index(kind)):
        path_args = set(_GROUP_NAMES(route))
        for name in endpoint.args:
            if name in path_args:
                url = _path(route, world, {name: kind.text})
                body = None
                if url is None:
                    continue  # the group's regex refuses the value: no route, nothing to learn
            else:
                url, body = _with_args(method, _path(route, world, {}), [name], kind)
            yield Probe(method, url, body, f"{method} {route.pattern} {name}")


def anonymous_probes(app: LearnomyApp, world: World, kind: Bad) -> Iterator[Probe]:
    """One probe per route and method, every arg carrying ``kind`` (path args where they fit)."""
    for route, method, endpoint in _endpoints(app, KINDS.index(kind)):
        path_args = set(_GROUP_NAMES(route))
        fitting = {name: kind.text for name in path_args if name in endpoint.args}
        url = _path(route, world, fitting) or _path(route, world, {})
        others = [name for name in endpoint.args if name not in path_args]
        url, body = _with_args(method, url, others, kind)
        yield Probe(method, url, body, f"{method} {route.pattern} *")


def _GROUP_NAMES(route: Route) -> list[str]:
    return [match.group(1) for match in _GROUP.finditer(route.pattern)]


# -- the verdict ------------------------------------------------------------------------

def problem_with(response: Any) -> Optional[str]:
    """What is wrong with an answer, or None."""
    if response.status_code >= 500:
        return f"answered {response.status_code}"
    request_id = response.headers.get("X-Request-Id")
    if not request_id:
        return "no X-Request-Id"
    if not response.headers.get("Content-Type", "").startswith("application/json"):
        return None if response.status_code < 300 else f"an error outside the envelope: {response.content_type}"
    if response.status_code == 304:
        return None
    try:
        body = json.loads(response.data.decode("utf-8"), parse_constant=_refuse_constant)
    except ValueError as exc:
        return f"invalid JSON: {exc}"
    if response.status_code >= 400:
        error = body.get("error") if isinstance(body, dict) else None
        if not isinstance(error, dict) or error.get("request_id") != request_id:
            return f"not the error envelope: {response.data[:120]!r}"
    return None


def send(client: Client, probe: Probe, headers: dict[str, str]) -> Any:
    if probe.body is None:
        return client.open(probe.url, method=probe.method, headers=headers)
    return client.open(probe.url, method=probe.method, data=probe.body,
                       headers={**headers, "Content-Type": "application/json"})


@pytest.fixture
def world(client: Client, make_user: Callable[..., int]) -> World:
    return build_world(client, make_user)


def _report(failures: list[str]) -> str:
    return f"{len(failures)} bad answer(s):\n" + "\n".join(failures[:40])


@pytest.mark.parametrize("kind", KINDS, ids=lambda kind: kind.name)
def test_administrator_bad_values_in_every_arg(app: LearnomyApp, client: Client, world: World, kind: Bad) -> None:
    failures = []
    for probe in admin_probes(app, world, kind):
        response = send(client, probe, world.admin)
        problem = problem_with(response)
        if problem:
            failures.append(f"{probe.what}: {problem}")
    assert not failures, _report(failures)


@pytest.mark.parametrize("kind", KINDS, ids=lambda kind: kind.name)
def test_anonymous_bad_values_in_every_arg(app: LearnomyApp, client: Client, world: World, kind: Bad) -> None:
    failures = []
    for (route, method, endpoint), probe in zip(_endpoints(app, KINDS.index(kind)), anonymous_probes(app, world, kind)):
        response = send(client, probe, {})
        problem = problem_with(response)
        if problem is None and endpoint.permission.requires_login and response.status_code != 401:
            problem = f"a protected route answered an anonymous caller {response.status_code}, not 401"
        if problem:
            failures.append(f"{probe.what}: {problem}")
    assert not failures, _report(failures)


def test_every_route_taking_a_body_answers_an_oversized_streamed_one_413(
    make_app: Callable[..., LearnomyApp], make_user: Callable[..., int]
) -> None:
    """A chunked body has no Content-Length to check first; over the limit it is 413, never a 400."""
    app = make_app(max_body_bytes=2000)
    client = Client(app)
    world = build_world(client, make_user)
    body = json.dumps({"title": "x" * 3000}).encode()
    failures = []
    for route, method, _ in _endpoints(app, 0):
        if method in ("GET", "DELETE"):
            continue
        environ = EnvironBuilder(path=_path(route, world, {}), method=method,
                                 headers=world.admin).get_environ()
        environ.pop("CONTENT_LENGTH", None)
        environ.update({"CONTENT_TYPE": "application/json", "HTTP_TRANSFER_ENCODING": "chunked",
                        "wsgi.input_terminated": True, "wsgi.input": io.BytesIO(body)})
        app_iter, status, headers = client.run_wsgi_app(environ, buffered=True)
        response = TestResponse(app_iter, status, headers, request=None)
        problem = problem_with(response)
        if problem is None and response.status_code != 413:
            problem = f"answered {response.status_code}, not 413"
        if problem:
            failures.append(f"{method} {route.pattern}: {problem}")
    assert not failures, _report(failures)
