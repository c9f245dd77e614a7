"""E-mail: sent by a background job through SMTP, never during a request.

``send_mail(db, to, subject, body)`` records a ``mail.send`` job in ``db``'s
transaction (a request's, a job's); a worker then hands the message to the
server named by ``LEARNOMY_SMTP_URL``::

    smtp://user:password@mail.example.org:587?starttls=1&timeout=10&from=noreply@example.org
    smtps://user:password@mail.example.org:465

Without ``LEARNOMY_SMTP_URL`` the message is logged (logger ``learnomy.mail``),
which is what development setups want. A server that is down or slow delays only
the job, which retries with backoff.
"""

from __future__ import annotations

import logging
import os
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any, Mapping, Optional
from urllib.parse import parse_qs, unquote, urlsplit

from sqlalchemy.engine import Connection

from .jobs import JobContext, JobKind, enqueue

__all__ = ["SmtpSettings", "smtp_settings", "send_mail", "deliver", "MAIL_JOB", "mail_job_kinds"]

logger = logging.getLogger("learnomy.mail")

MAIL_JOB = "mail.send"
_TRUE = {"1", "true", "yes", "on"}


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


def send_mail(db: Connection, to: str, subject: str, body: str) -> int:
    """Record a ``mail.send`` job in ``db``'s transaction; its id."""
    return enqueue(db, MAIL_JOB, {"to": to, "subject": subject, "body": body})


def deliver(to: str, subject: str, body: str, settings: Optional[SmtpSettings] = None) -> None:
    """Hand one message to the SMTP server now (or log it when none is configured).

    :raises OSError: or ``smtplib.SMTPException`` when the server cannot take it.
    """
    settings = settings if settings is not None else smtp_settings()
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
    job.app.plugins.hook.learnomy_send_mail(to=str(payload["to"]), subject=str(payload["subject"]),
                                             body=str(payload["body"]), request=None)


def mail_job_kinds() -> dict[str, JobKind]:
    """The core's job kinds: ``mail.send``."""
    return {MAIL_JOB: JobKind(_send_job, max_attempts=8)}
