"""E-mail through jobs and SMTP, read back from a real SMTP server on the loopback."""

from __future__ import annotations

import logging
from email import message_from_bytes
from typing import Any, Callable, Iterator

import pytest
from aiosmtpd.controller import Controller
from werkzeug.test import Client

from learnomy_core import LearnomyApp
from learnomy_core.jobs import FAILED, PENDING, run_due_jobs
from learnomy_core.mail import deliver, smtp_settings
from tests.conftest import FREE


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content)))
        return "250 OK"


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[Inbox]:
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("LEARNOMY_SMTP_URL", f"smtp://127.0.0.1:{port}?timeout=5&from=lms@example.org")
    yield inbox
    controller.stop()


def test_smtp_urls_are_parsed() -> None:
    settings = smtp_settings("smtp://ann%40x:p%3Ass@mail.example.org:587?starttls=1&timeout=3&from=a@b.org")
    assert settings is not None
    assert (settings.host, settings.port, settings.username, settings.password) == ("mail.example.org", 587,
                                                                                    "ann@x", "p:ss")
    assert (settings.starttls, settings.tls, settings.timeout, settings.sender) == (True, False, 3.0, "a@b.org")
    secure = smtp_settings("smtps://mail.example.org")
    assert secure is not None and (secure.tls, secure.port) == (True, 465)
    assert smtp_settings("") is None
    with pytest.raises(ValueError):
        smtp_settings("http://mail.example.org")


def test_a_password_reset_mail_is_sent_by_a_job_through_smtp(make_app: Callable[..., LearnomyApp],
                                                             make_user: Callable[..., int], smtp: Inbox) -> None:
    app = make_app(plugins=FREE)  # no test mailbox: the core's own path
    make_user("ann")
    client = Client(app)
    response = client.post("/wp-json/learnomy/v1/auth/password/lost", json={"username": "ann"})
    assert response.status_code == 200
    assert smtp.messages == []  # the request did not wait for the mail server
    assert run_due_jobs(app) == 1
    [(recipients, message)] = smtp.messages
    assert recipients == ["ann@example.org"]
    assert message["Subject"] == "Password reset" and message["From"] == "lms@example.org"
    assert "Reset key:" in message.get_payload()


def test_a_mail_server_that_is_down_delays_the_job(make_app: Callable[..., LearnomyApp],
                                                   make_user: Callable[..., int],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    port = _free_port()  # nobody listens there
    monkeypatch.setenv("LEARNOMY_SMTP_URL", f"smtp://127.0.0.1:{port}?timeout=2")
    app = make_app(plugins=FREE)
    make_user("ann")
    Client(app).post("/wp-json/learnomy/v1/auth/password/lost", json={"username": "ann"})
    assert run_due_jobs(app) == 1
    jobs = app.tables["lrn_jobs"]
    with app.storage.engine.connect() as db:
        [row] = db.execute(jobs.select()).all()
    assert row.status == PENDING and row.attempts == 1 and "Connection" in row.last_error
    assert row.status != FAILED


def test_without_smtp_mail_is_logged(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.delenv("LEARNOMY_SMTP_URL", raising=False)
    with caplog.at_level(logging.INFO, logger="learnomy.mail"):
        deliver("ann@example.org", "Hello", "Body text")
    assert "ann@example.org" in caplog.text and "Body text" in caplog.text


def test_notification_mail_goes_through_smtp(make_app: Callable[..., LearnomyApp], make_user: Callable[..., int],
                                             smtp: Inbox) -> None:
    from learnomy.controllers.communication import notify

    app = make_app(plugins=FREE)
    ann = make_user("ann")
    with app.storage.engine.begin() as db:
        notify(db, app, "certificate.issued", [ann], {"id": 5, "user_id": ann, "course_id": 9})
    while run_due_jobs(app):
        pass
    [(recipients, message)] = smtp.messages
    assert recipients == ["ann@example.org"] and message["Subject"] == "Certificate issued"
    assert "course 9" in message.get_payload()


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_smtp_login_is_used(make_app: Callable[..., LearnomyApp], make_user: Callable[..., int],
                            monkeypatch: pytest.MonkeyPatch) -> None:
    from aiosmtpd.smtp import AuthResult, LoginPassword

    logins: list[tuple[bytes, bytes]] = []

    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        if isinstance(data, LoginPassword):
            logins.append((data.login, data.password))
            return AuthResult(success=data.password == b"s3cret:x")
        return AuthResult(success=False)

    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, authenticator=authenticator,
                            auth_required=True, auth_require_tls=False)
    controller.start()
    try:
        monkeypatch.setenv("LEARNOMY_SMTP_URL", f"smtp://lms%40example.org:s3cret%3Ax@127.0.0.1:{port}")
        app = make_app(plugins=FREE)
        make_user("ann")
        Client(app).post("/wp-json/learnomy/v1/auth/password/lost", json={"username": "ann"})
        assert run_due_jobs(app) == 1
    finally:
        controller.stop()
    assert logins == [(b"lms@example.org", b"s3cret:x")]
    assert len(inbox.messages) == 1


def test_the_smtp_settings_group_wins_over_the_environment(make_app: Callable[..., LearnomyApp],
                                                          make_user: Callable[..., int],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        monkeypatch.setenv("LEARNOMY_SMTP_URL", f"smtp://127.0.0.1:{_free_port()}?timeout=2")  # nobody there
        app = make_app(plugins=FREE)
        with app.storage.engine.begin() as db:
            app.settings.update(db, {"smtp": {"host": "127.0.0.1", "port": port, "security": "none",
                                              "from": "admin@example.org", "timeout": 5}})
        make_user("ann")
        Client(app).post("/wp-json/learnomy/v1/auth/password/lost", json={"username": "ann"})
        assert run_due_jobs(app) == 1
    finally:
        controller.stop()
    [(recipients, message)] = inbox.messages
    assert recipients == ["ann@example.org"] and message["From"] == "admin@example.org"
