"""E-mail: sent by a background job through SMTP, never during a request.

``send_mail(db, to, subject, body)`` records a ``mail.send`` job in ``db``'s
transaction (a request's, a job's); a worker then hands the message to the
server named by ``LEARNOMY_SMTP_URL``::

    smtp://user:password@mail.example.org:587?starttls=1&timeout=10&from=noreply@example.org
    smtps://user:password@mail.example.org:465

An administrator may name the server in the ``smtp`` settings group instead
(``PATCH /admin/settings``, ``learnomy settings set smtp.host ...``): when its
``host`` is set, it wins over the environment variable. With neither, the
message is logged (logger ``learnomy.mail``), which is what development setups want. A server that is down or slow delays only
the job, which retries with backoff.
"""

from __future__ import annotations

import logging
import os
from contextvars import ContextVar
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any, Mapping, Optional
from urllib.parse import parse_qs, unquote, urlsplit

from sqlalchemy.engine import Connection

from .jobs import JobContext, JobKind, enqueue

__all__ = ["SmtpSettings", "smtp_settings", "configured_smtp", "send_mail", "deliver", "MAIL_JOB", "mail_job_kinds",
           "SMTP_SETTINGS_GROUP"]

logger = logging.getLogger("learnomy.mail")

MAIL_JOB = "mail.send"
_TRUE = {"1", "true", "yes", "on"}
# The server the running mail job read from the settings (deliver()'s default
# then), so that the learnomy_send_mail hook keeps its signature.
_JOB_SMTP: ContextVar[Optional["SmtpSettings"]] = ContextVar("learnomy_job_smtp", default=None)

SMTP_SETTINGS_GROUP: dict[str, Any] = {
    "type": "object",
    "description": "The SMTP server mail goes through; when host is empty, LEARNOMY_SMTP_URL's "
                   "(or none: messages are logged).",
    "properties": {
        "host": {"type": "string", "maxLength": 255, "pattern": r"^[A-Za-z0-9.:\[\]-]*$", "default": "",
                 "description": "Server name or address; empty: LEARNOMY_SMTP_URL decides."},
        "port": {"type": "integer", "minimum": 1, "maximum": 65535, "default": 587},
        "security": {"type": "string", "enum": ["none", "starttls", "tls"], "default": "starttls",
                     "description": "starttls: upgrade a plain connection; tls: TLS from the first byte (smtps)."},
        "username": {"type": "string", "maxLength": 255, "default": ""},
        "password": {"type": "string", "maxLength": 255, "default": "", "writeOnly": True},
        "from": {"type": "string", "maxLength": 255, "default": "",
                 "description": "Sender address; empty: wordpress@localhost."},
        "timeout": {"type": "integer", "minimum": 1, "maximum": 300, "default": 10,
                    "description": "Seconds to wait for the server."},
    },
}


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to hand mail over, parsed from ``LEARNOMY_SMTP_URL``."""

    host: str
    port: int
    username: Optional[str] = None
    password: Optional[str] = None
    tls: bool = False  # smtps: TLS from the first byte
    starttls: bool = False
    timeout: float = 10.0
    sender: str = "wordpress@localhost"


def smtp_settings(url: Optional[str] = None) -> Optional[SmtpSettings]:
    """The SMTP settings of ``url`` (``LEARNOMY_SMTP_URL`` by default); ``None`` when unset.

    :raises ValueError: on a URL that is not ``smtp://`` or ``smtps://``.
    """
    url = os.environ.get("LEARNOMY_SMTP_URL") if url is None else url
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ValueError("LEARNOMY_SMTP_URL must look like smtp://user:pass@host:587?starttls=1")
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    tls = parts.scheme == "smtps"
    return SmtpSettings(
        host=parts.hostname,
        port=parts.port or (465 if tls else 25),
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        tls=tls,
        starttls=query.get("starttls", "0").lower() in _TRUE,
        timeout=float(query.get("timeout", 10)),
        sender=query.get("from", "wordpress@localhost"),
    )


def configured_smtp(app: Any, db: Connection) -> Optional[SmtpSettings]:
    """The server to use now: the ``smtp`` settings group when its ``host`` is
    set, else ``LEARNOMY_SMTP_URL`` (``None``: log messages instead)."""
    if "smtp" in app.settings.groups:
        values = app.settings.group(db, "smtp")
        if values.get("host"):
            security = values.get("security") or "starttls"
            return SmtpSettings(
                host=str(values["host"]), port=int(values.get("port") or (465 if security == "tls" else 587)),
                username=values.get("username") or None, password=values.get("password") or None,
                tls=security == "tls", starttls=security == "starttls",
                timeout=float(values.get("timeout") or 10), sender=values.get("from") or "wordpress@localhost",
            )
    return smtp_settings()


def send_mail(db: Connection, to: str, subject: str, body: str) -> int:
    """Record a ``mail.send`` job in ``db``'s transaction; its id."""
    return enqueue(db, MAIL_JOB, {"to": to, "subject": subject, "body": body})


def deliver(to: str, subject: str, body: str, settings: Optional[SmtpSettings] = None) -> None:
    """Hand one message to the SMTP server now (or log it when none is configured).

    :raises OSError: or ``smtplib.SMTPException`` when the server cannot take it.
    """
    if settings is None:
        settings = _JOB_SMTP.get() or smtp_settings()
    if settings is None:
        logger.info("mail to=%s subject=%s\n%s", to, subject, body)
        return
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=settings.sender.rpartition("@")[2] or None)
    message.set_content(body)
    context = ssl.create_default_context()
    smtp: smtplib.SMTP
    if settings.tls:
        smtp = smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout, context=context)
    else:
        smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
    with smtp:
        if settings.starttls:
            smtp.starttls(context=context)
        if settings.username:
            smtp.login(settings.username, settings.password or "")
        smtp.send_message(message)


def _send_job(job: JobContext) -> None:
    # Through the mail hook, outside any request: a plugin's transport answers
    # first; the core's default (request=None) calls deliver().
    payload: Mapping[str, Any] = job.payload
    token = _JOB_SMTP.set(configured_smtp(job.app, job.db))
    try:
        job.app.plugins.hook.learnomy_send_mail(to=str(payload["to"]), subject=str(payload["subject"]),
                                                 body=str(payload["body"]), request=None)
    finally:
        _JOB_SMTP.reset(token)


def mail_job_kinds() -> dict[str, JobKind]:
    """The core's job kinds: ``mail.send``."""
    return {MAIL_JOB: JobKind(_send_job, max_attempts=8)}
