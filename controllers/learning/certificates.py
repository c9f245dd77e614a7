"""Certificates: templates, issuing (on course completion or by hand), the PDF,
public verification, and revocation.

Each certificate has a UUID v4 verification code and, as Learnomy does, an
Ed25519 signature over its facts (holder, course, date, code). The site's key pair
is derived from the site secret; the public key is published in every
verification answer, so anyone can check a certificate offline.
"""

from __future__ import annotations

import base64
import json
import uuid
from pathlib import Path
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Optional

import sqlalchemy as sa
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from fpdf import FPDF

from learnomy_core import (
    ADMIN,
    CREATABLE,
    DELETABLE,
    EDITABLE,
    INSTRUCTOR,
    LOGGED_IN,
    PUBLIC,
    READABLE,
    Policy,
    RestRequest,
    created,
    deleted,
    file,
    hookimpl,
)
from learnomy_core.cursors import LIST_ARGS, paginate
from learnomy_core.errors import Conflict, InvalidParams, NotFound
from learnomy_core.events import emit
from learnomy_core.locks import lock_rows
from learnomy_core.openapi import BOOL, ID as RESOURCE_ID, INT, STR, TIME, nullable, obj, resource_schema
from learnomy_core.storage import ID, LONGTEXT, TEXT_TABLE, inserted_id

from ..catalog import RecordContext, record_policy, ID_ARG, NAMESPACE, now, student_record, tables

PLACEHOLDERS = ("student_name", "course_title", "completion_date", "instructor_name",
                "verification_code", "verification_url")
TEMPLATE_ARGS: dict[str, dict[str, Any]] = {
    "title": {"type": "string", "minLength": 1, "maxLength": 255},
    "body": {"type": "string", "minLength": 1, "maxLength": 20000},
    "orientation": {"type": "string", "enum": ["landscape", "portrait"]},
    "author_id": {"readonly": True},
}
DEFAULT_BODY = ("Certificate of completion\n\n{student_name}\n\nhas completed\n\n{course_title}\n\n"
                "on {completion_date}, taught by {instructor_name}.\n\nVerify: {verification_url}")


# -- tables ---------------------------------------------------------------------------

def certificate_tables(metadata: sa.MetaData, prefix: str) -> None:
    """Declare templates and certificates (migration ``free_0005``)."""
    sa.Table(
        f"{prefix}lrn_certificate_templates", metadata,
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("title", sa.String(255), nullable=False),
        sa.Column("body", LONGTEXT, nullable=False),
        sa.Column("orientation", sa.String(10), nullable=False),
        sa.Column("author_id", ID, nullable=False, index=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        **TEXT_TABLE,
    )
    sa.Table(
        f"{prefix}lrn_certificates", metadata,
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("user_id", ID, nullable=False, index=True),
        sa.Column("course_id", ID, nullable=False, index=True),
        sa.Column("template_id", ID, nullable=True),
        sa.Column("verification_code", sa.String(36), nullable=False, unique=True),
        sa.Column("student_name", sa.String(250), nullable=False),
        sa.Column("course_title", sa.String(255), nullable=False),
        sa.Column("instructor_name", sa.String(250), nullable=False),
        sa.Column("signature", sa.String(100), nullable=False),
        sa.Column("issued_at", sa.DateTime, nullable=False),
        sa.Column("revoked_at", sa.DateTime, nullable=True),
        # The template as it was at issue (free_0009): the certificate keeps the
        # text it was issued with when its template is edited or deleted. NULL:
        # issued without a template (the default text).
        sa.Column("template_title", sa.String(255), nullable=True),
        sa.Column("template_body", LONGTEXT, nullable=True),
        sa.Column("template_orientation", sa.String(10), nullable=True),
        **TEXT_TABLE,
    )


def declare_tables(metadata: sa.MetaData, prefix: str) -> None:
    certificate_tables(metadata, prefix)


def dashboard_counts(request: RestRequest, user: Any) -> dict[str, int]:
    certificates = tables(request)("certificates")
    count = request.db.execute(sa.select(sa.func.count()).select_from(certificates).where(
        certificates.c.user_id == user.id, certificates.c.revoked_at.is_(None))).scalar_one()
    return {"certificates": int(count)}


def on_event(request: RestRequest, event: str, data: Any) -> None:
    # Certificates outlive their course (course.purged): an issued certificate is
    # its holder's record and stays verifiable; it carries its own copy of the
    # names and the template, and the course id it names is never given again.
    # Completing a course whose course names a template issues its certificate.
    if event == "course.completed":
        courses = tables(request)("courses")
        template_id = request.db.execute(
            sa.select(courses.c.certificate_template_id).where(courses.c.id == data["course_id"])).scalar()
        if template_id:
            issue(request, data["user_id"], data["course_id"], int(template_id))


# -- signing --------------------------------------------------------------------------

def signing_key(request: RestRequest) -> Ed25519PrivateKey:
    """The site's Ed25519 key, derived from the site secret (the same in every process)."""
    seed = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                info=b"learnomy certificate signing key").derive(request.app.secret_key)
    return Ed25519PrivateKey.from_private_bytes(seed)


def public_key(request: RestRequest) -> str:
    raw = signing_key(request).public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def signed_facts(row: Any) -> str:
    """The canonical text that is signed: holder, course, date, code."""
    return json.dumps({"holder": row.student_name, "course": row.course_title,
                       "date": row.issued_at.strftime("%Y-%m-%dT%H:%M:%SZ"), "code": row.verification_code},
                      sort_keys=True, separators=(",", ":"), ensure_ascii=False)


# -- issuing --------------------------------------------------------------------------

@dataclass(frozen=True)
class _Facts:
    """What a certificate's signature covers."""

    student_name: str
    course_title: str
    issued_at: datetime
    verification_code: str


def valid_certificate(request: RestRequest, user_id: int, course_id: int) -> Optional[int]:
    """The id of the student's unrevoked certificate for the course, if any; until the
    transaction ends, nobody else issues them one.

    The student's own row is the lock (a certificate not yet issued has no row to
    lock), and the read is a locking one: on MySQL/MariaDB a plain read would see
    the transaction's snapshot, older than a certificate issued while it waited.
    """
    certificates = tables(request)("certificates")
    request.app.identity.store.lock(request.db, user_id)
    held = lock_rows(request.db, sa.select(certificates.c.id, certificates.c.course_id, certificates.c.revoked_at)
                     .where(certificates.c.user_id == user_id))
    return next((int(r.id) for r in held if int(r.course_id) == course_id and r.revoked_at is None), None)


def issue(request: RestRequest, user_id: int, course_id: int, template_id: Optional[int]) -> int:
    """Issue (and sign) a certificate; an unrevoked one for the same course is reused.

    The template's title, body and orientation are copied onto the certificate:
    editing or deleting the template later never changes what was issued.
    """
    table = tables(request)
    certificates, courses, templates = table("certificates"), table("courses"), table("certificate_templates")
    existing = valid_certificate(request, user_id, course_id)
    if existing is not None:
        return existing
    store = request.app.identity.store
    student = store.get(request.db, user_id)
    course = request.db.execute(sa.select(courses).where(courses.c.id == course_id)).one()
    teacher = store.get(request.db, int(course.author_id))
    template = request.db.execute(sa.select(templates).where(templates.c.id == template_id)).first() \
        if template_id else None
    facts = _Facts(student_name=student.display_name if student is not None else "", course_title=course.title,
                   issued_at=now(), verification_code=str(uuid.uuid4()))
    signature = base64.b64encode(signing_key(request).sign(signed_facts(facts).encode())).decode()
    new_id = inserted_id(request.db.execute(sa.insert(certificates).values(
        user_id=user_id, course_id=course_id, template_id=template.id if template is not None else None,
        template_title=template.title if template is not None else None,
        template_body=template.body if template is not None else None,
        template_orientation=template.orientation if template is not None else None,
        verification_code=facts.verification_code, student_name=facts.student_name,
        course_title=facts.course_title, instructor_name=teacher.display_name if teacher else "",
        signature=signature, issued_at=facts.issued_at, revoked_at=None,
    )))
    emit(request, "certificate.issued", {"id": int(new_id), "user_id": user_id, "course_id": course_id})
    return int(new_id)


def certificate_schema() -> dict[str, Any]:
    """An issued certificate."""
    return resource_schema("certificate", {
        "id": RESOURCE_ID, "user_id": INT, "course_id": INT, "template_id": nullable(INT),
        "verification_code": STR, "issued_at": TIME, "revoked_at": nullable(TIME), "download_url": STR,
    }, embed=("id", "verification_code"))


def verification_schema() -> dict[str, Any]:
    """What anyone holding a verification code may learn of the certificate."""
    return resource_schema("certificate_verification", {
        "valid": BOOL, "student_name": STR, "course_title": STR, "issued_at": TIME, "revoked_at": nullable(TIME),
        "signature": obj({"algorithm": STR, "public_key": STR, "value": STR, "signed": {}},
                         required=("algorithm", "public_key", "value", "signed")),
    })


def template_schema() -> dict[str, Any]:
    """A certificate template."""
    return resource_schema("certificate_template", {
        "id": RESOURCE_ID, "title": STR, "body": STR, "orientation": STR, "author_id": INT,
        "created_at": TIME, "updated_at": TIME,
    }, embed=("id", "title"))


def certificate_resource(request: RestRequest, row: Any) -> dict[str, Any]:
    return {"id": int(row.id), "user_id": int(row.user_id), "course_id": int(row.course_id),
            "template_id": int(row.template_id) if row.template_id else None,
            "verification_code": row.verification_code, "issued_at": row.issued_at, "revoked_at": row.revoked_at,
            "download_url": f"/{NAMESPACE}/certificates/{row.id}/download"}


def _verification_url(request: RestRequest, code: str) -> str:
    base = request.app.config["site_url"] or request.host_url.rstrip("/")
    return f"{base}{request.app.config['rest_root']}/{NAMESPACE}/certificates/verify/{code}"


def render_pdf(request: RestRequest, row: Any) -> bytes:
    """The certificate as a PDF: the template it was issued with, placeholders filled in."""
    values = {"student_name": row.student_name, "course_title": row.course_title,
              "completion_date": row.issued_at.strftime("%Y-%m-%d"), "instructor_name": row.instructor_name,
              "verification_code": row.verification_code,
              "verification_url": _verification_url(request, row.verification_code)}
    text = row.template_body if row.template_body is not None else DEFAULT_BODY
    for key, value in values.items():
        text = text.replace("{" + key + "}", value)
    pdf = FPDF(orientation="P" if row.template_orientation == "portrait" else "L", format="A4")
    pdf.set_title(f"Certificate {row.verification_code}")
    pdf.add_page()
    pdf.set_font("Helvetica", size=16)
    # The core fonts speak Latin-1; anything else is replaced rather than failing.
    pdf.multi_cell(0, 10, text.encode("latin-1", "replace").decode("latin-1"), align="C")
    return bytes(pdf.output())


# -- access ---------------------------------------------------------------------------

@dataclass
class TemplateContext:
    """The certificate template a template policy loaded."""

    template: Any


def _template_policy() -> Policy:
    """The template's author or an administrator (instructors only); 404 for others."""

    def check(request: RestRequest) -> bool:
        if not request.user.is_instructor:
            return False
        templates = tables(request)("certificate_templates")
        row = request.db.execute(sa.select(templates).where(templates.c.id == request.params["id"])).first()
        if row is None or (int(row.author_id) != request.user.id and not request.user.is_admin):
            raise NotFound("Template not found.")
        request.context = TemplateContext(row)
        return True

    return Policy("certificate_template_author", check)


# -- certificate routes ---------------------------------------------------------------

def list_certificates(request: RestRequest) -> Any:
    table = tables(request)
    certificates, teaching = table("certificates"), table("course_instructors")
    query = sa.select(certificates)
    user = request.user
    if not user.is_admin:
        query = query.where(sa.or_(certificates.c.user_id == user.id, certificates.c.course_id.in_(
            sa.select(teaching.c.course_id).where(teaching.c.user_id == user.id))))
    return paginate(request, query, [(certificates.c.id, True)],
                    lambda rows: [certificate_resource(request, r) for r in rows], bound_to=[user.id])


def create_certificate(request: RestRequest) -> Any:
    params = request.params
    table = tables(request)
    problems = []
    if request.app.identity.store.get(request.db, params["user_id"]) is None:
        problems.append({"param": "user_id", "code": "rest_invalid_param", "message": "user_id names no user."})
    course = request.db.execute(sa.select(table("courses")).where(table("courses").c.id == params["course_id"])).first()
    if course is None:
        problems.append({"param": "course_id", "code": "rest_invalid_param", "message": "course_id names no course."})
    template_id = params.get("template_id") or (course.certificate_template_id if course is not None else None)
    templates = table("certificate_templates")
    if params.get("template_id") and request.db.execute(
            sa.select(templates.c.id).where(templates.c.id == params["template_id"])).first() is None:
        problems.append({"param": "template_id", "code": "rest_invalid_param", "message": "template_id names no template."})
    if problems:
        raise InvalidParams(details=problems)
    certificates = table("certificates")
    if valid_certificate(request, params["user_id"], params["course_id"]) is not None:
        raise Conflict("This student already holds a valid certificate for the course.",
                       code="learnomy_certificate_exists")
    new_id = issue(request, params["user_id"], params["course_id"], template_id)
    row = request.db.execute(sa.select(certificates).where(certificates.c.id == new_id)).one()
    return created(certificate_resource(request, row), location=f"/{NAMESPACE}/certificates/{new_id}")


def get_certificate(request: RestRequest) -> Any:
    context = request.context_as(RecordContext)
    return certificate_resource(request, context.record)


def revoke_certificate(request: RestRequest) -> Any:
    certificates = tables(request)("certificates")
    row = request.db.execute(sa.select(certificates).where(certificates.c.id == request.params["id"])).first()
    if row is None:
        raise NotFound("Certificate not found.")
    previous = certificate_resource(request, row)
    if row.revoked_at is None:
        request.db.execute(sa.update(certificates).where(certificates.c.id == row.id).values(revoked_at=now()))
        emit(request, "certificate.revoked", previous)
    return deleted(previous)


def download_certificate(request: RestRequest) -> Any:
    context = request.context_as(RecordContext)
    row = context.record
    return file(render_pdf(request, row), "application/pdf", f"certificate-{row.verification_code}.pdf")


def verify_certificate(request: RestRequest) -> Any:
    certificates = tables(request)("certificates")
    row = request.db.execute(sa.select(certificates).where(
        certificates.c.verification_code == request.params["code"].lower())).first()
    if row is None:
        raise NotFound("No certificate has this verification code.")
    return {
        "valid": row.revoked_at is None, "student_name": row.student_name, "course_title": row.course_title,
        "issued_at": row.issued_at, "revoked_at": row.revoked_at,
        "signature": {"algorithm": "Ed25519", "public_key": public_key(request), "value": row.signature,
                      "signed": signed_facts(row)},
    }


# -- template routes ------------------------------------------------------------------

def template_resource(row: Any) -> dict[str, Any]:
    return {"id": int(row.id), "title": row.title, "body": row.body, "orientation": row.orientation,
            "author_id": int(row.author_id), "created_at": row.created_at, "updated_at": row.updated_at}


def usable_templates(request: RestRequest, templates: sa.Table) -> Any:
    """The templates the caller may list and give a course, as a filter: their own;
    administrators all. A template is its author's (there is no sharing yet)."""
    return sa.true() if request.user.is_admin else templates.c.author_id == request.user.id


def list_templates(request: RestRequest) -> Any:
    templates = tables(request)("certificate_templates")
    query = sa.select(templates).where(usable_templates(request, templates))
    return paginate(request, query, [(templates.c.id, True)], lambda rows: [template_resource(r) for r in rows],
                    bound_to=[request.user.id])


def create_template(request: RestRequest) -> Any:
    templates = tables(request)("certificate_templates")
    stamp = now()
    new_id = inserted_id(request.db.execute(sa.insert(templates).values(
        title=request.params["title"], body=request.params["body"],
        orientation=request.params.get("orientation", "landscape"), author_id=request.user.id,
        created_at=stamp, updated_at=stamp)))
    row = request.db.execute(sa.select(templates).where(templates.c.id == new_id)).one()
    return created(template_resource(row), location=f"/{NAMESPACE}/certificate-templates/{new_id}")


def update_template(request: RestRequest) -> Any:
    context = request.context_as(TemplateContext)
    templates = tables(request)("certificate_templates")
    changes = {k: request.params[k] for k in ("title", "body", "orientation") if k in request.params}
    if changes:
        request.db.execute(sa.update(templates).where(templates.c.id == context.template.id)
                           .values(**changes, updated_at=now()))
    return template_resource(request.db.execute(sa.select(templates).where(templates.c.id == context.template.id)).one())


def delete_template(request: RestRequest) -> Any:
    context = request.context_as(TemplateContext)
    table = tables(request)
    templates, courses = table("certificate_templates"), table("courses")
    previous = template_resource(context.template)
    # Courses stop issuing it; certificates already issued keep their facts.
    request.db.execute(sa.update(courses).where(courses.c.certificate_template_id == context.template.id)
                       .values(certificate_template_id=None))
    request.db.execute(sa.delete(templates).where(templates.c.id == context.template.id))
    return deleted(previous)


def template_usable(request: RestRequest, template_id: Optional[int], course_id: Optional[int]) -> bool:
    """A course's template: one the caller may use, or the one it has already."""
    templates = tables(request)("certificate_templates")
    if not template_id:
        return True
    if course_id is not None:
        courses = tables(request)("courses")
        if request.db.execute(sa.select(courses.c.certificate_template_id)
                              .where(courses.c.id == course_id)).scalar() == template_id:
            return True
    return request.db.execute(sa.select(templates.c.id).where(
        templates.c.id == template_id, usable_templates(request, templates))).first() is not None


def check_course(request: RestRequest, course_id: Optional[int], values: dict[str, Any]) -> list[dict[str, str]]:
    """A course may name only a certificate template its editor may use."""
    if template_usable(request, request.params.get("certificate_template_id"), course_id):
        return []
    return [{"param": "certificate_template_id", "code": "rest_invalid_param",
             "message": "certificate_template_id names no template you may use."}]


def register_routes(registry: Any) -> None:
    register = registry.register_rest_route
    holder = record_policy("certificate_holder_or_editor", "certificates", "Certificate")
    register(NAMESPACE, "/certificates", [
        {"methods": READABLE, "callback": list_certificates, "permission_callback": LOGGED_IN, "args": LIST_ARGS},
        {"methods": CREATABLE, "callback": create_certificate, "permission_callback": ADMIN,
         "args": {"user_id": {"type": "integer", "minimum": 1, "required": True},
                  "course_id": {"type": "integer", "minimum": 1, "required": True},
                  "template_id": {"type": "integer", "minimum": 1}}},
    ], schema=certificate_schema)
    register(NAMESPACE, r"/certificates/(?P<id>[\d]+)", [
        {"methods": READABLE, "callback": get_certificate, "permission_callback": holder, "args": ID_ARG},
        {"methods": DELETABLE, "callback": revoke_certificate, "permission_callback": ADMIN, "args": ID_ARG},
    ], schema=certificate_schema)
    register(NAMESPACE, r"/certificates/(?P<id>[\d]+)/download", {
        "methods": READABLE, "callback": download_certificate, "permission_callback": holder, "args": ID_ARG,
        "answers": {"shape": "file", "media_type": "application/pdf"},
    }, schema=certificate_schema)
    register(NAMESPACE, r"/certificates/verify/(?P<code>[\w\-]+)", {
        "methods": READABLE, "callback": verify_certificate, "permission_callback": PUBLIC,
        "args": {"code": {"type": "string", "format": "uuid"}},
    }, schema=verification_schema)
    register(NAMESPACE, "/certificate-templates", [
        {"methods": READABLE, "callback": list_templates, "permission_callback": INSTRUCTOR, "args": LIST_ARGS},
        {"methods": CREATABLE, "callback": create_template, "idempotent": True, "permission_callback": INSTRUCTOR,
         "args": {**TEMPLATE_ARGS, "title": {**TEMPLATE_ARGS["title"], "required": True},
                  "body": {**TEMPLATE_ARGS["body"], "required": True}}},
    ], schema=template_schema)
    register(NAMESPACE, r"/certificate-templates/(?P<id>[\d]+)", [
        {"methods": EDITABLE, "callback": update_template, "permission_callback": _template_policy(),
         "args": {**ID_ARG, **TEMPLATE_ARGS}},
        {"methods": DELETABLE, "callback": delete_template, "permission_callback": _template_policy(),
         "args": ID_ARG},
    ], schema=template_schema)
