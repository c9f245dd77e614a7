"""Certificates: templates, issuing on completion and by hand, the PDF,
verification with an Ed25519 signature, and revocation."""

from __future__ import annotations

import base64
import io

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pypdf import PdfReader
from werkzeug.test import Client

API = "/wp-json/learnomy/v1"


@pytest.fixture
def template(client: Client, people) -> dict:
    response = client.post(f"{API}/certificate-templates", json={
        "title": "Classic", "body": "Awarded to {student_name} for {course_title}. Code {verification_code}",
        "orientation": "portrait"}, headers=people["ivy"])
    assert response.status_code == 201
    return response.json["data"]


@pytest.fixture
def earned(client: Client, people, make_course, template) -> dict:
    """ann completes a course that issues ``template``; her certificate."""
    course = make_course(certificate_template_id=template["id"])
    client.post(f"{API}/courses/{course['id']}/enroll", headers=people["ann"])
    done = client.post(f"{API}/lessons/{course['lesson_ids'][0]}/complete", headers=people["ann"])
    assert done.json["data"]["course_completed"] is True
    (certificate,) = client.get(f"{API}/certificates", headers=people["ann"]).json["data"]
    return {**certificate, "course": course}


def test_completion_issues_the_certificate(client: Client, people, earned) -> None:
    assert earned["user_id"] == people.ids["ann"] and earned["revoked_at"] is None
    assert len(earned["verification_code"]) == 36 and earned["verification_code"][14] == "4"
    assert client.get(f"{API}/me/dashboard", headers=people["ann"]).json["data"]["certificates"] == 1


def test_the_pdf_names_the_student_and_the_code(client: Client, people, earned) -> None:
    response = client.get(f"{API}/certificates/{earned['id']}/download", headers=people["ann"])
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    assert "ann" in text and earned["verification_code"] in text and "Course" in text
    assert client.get(f"{API}/certificates/{earned['id']}/download", headers=people["bob"]).status_code == 404
    assert client.get(f"{API}/certificates/{earned['id']}/download", headers=people["ivy"]).status_code == 200
    assert client.get(f"{API}/certificates/{earned['id']}/download").status_code == 401


def test_verification_is_public_and_signed(client: Client, earned) -> None:
    response = client.get(f"{API}/certificates/verify/{earned['verification_code']}")
    data = response.json["data"]
    assert data["valid"] is True and data["student_name"] == "ann" and data["course_title"] == "Course"
    assert "user_id" not in data and "email" not in str(data)
    key = Ed25519PublicKey.from_public_bytes(base64.b64decode(data["signature"]["public_key"]))
    key.verify(base64.b64decode(data["signature"]["value"]), data["signature"]["signed"].encode())
    assert earned["verification_code"] in data["signature"]["signed"]


@pytest.mark.parametrize("code, status", [("0b0c0d0e-1111-4222-8333-444455556666", 404), ("nope", 400)])
def test_unknown_codes(client: Client, code: str, status: int) -> None:
    assert client.get(f"{API}/certificates/verify/{code}").status_code == status


def test_revocation_keeps_the_record(client: Client, people, earned) -> None:
    url = f"{API}/certificates/{earned['id']}"
    assert client.delete(url, headers=people["ivy"]).status_code == 403
    assert client.delete(url, headers=people["admin"]).status_code == 200
    assert client.get(url, headers=people["ann"]).json["data"]["revoked_at"]
    verified = client.get(f"{API}/certificates/verify/{earned['verification_code']}").json["data"]
    assert verified["valid"] is False and verified["revoked_at"]


def test_reading_certificates(client: Client, people, earned) -> None:
    url = f"{API}/certificates/{earned['id']}"
    assert client.get(url, headers=people["ann"]).status_code == 200
    assert client.get(url, headers=people["ivy"]).status_code == 200
    assert client.get(url, headers=people["bob"]).status_code == 404
    assert client.get(url, headers=people["oscar"]).status_code == 404
    assert client.get(url).status_code == 401
    assert client.get(f"{API}/certificates", headers=people["bob"]).json["data"] == []
    assert client.get(f"{API}/certificates", headers=people["ivy"]).json["meta"]["total"] == 1
    assert client.get(f"{API}/certificates", headers=people["admin"]).json["meta"]["total"] == 1


def test_issuing_by_hand(client: Client, people, make_course) -> None:
    course = make_course()
    body = {"user_id": people.ids["bob"], "course_id": course["id"]}
    assert client.post(f"{API}/certificates", json=body, headers=people["ivy"]).status_code == 403
    response = client.post(f"{API}/certificates", json=body, headers=people["admin"])
    assert response.status_code == 201 and response.json["data"]["template_id"] is None
    again = client.post(f"{API}/certificates", json=body, headers=people["admin"])
    assert again.status_code == 409
    pdf = client.get(f"{API}/certificates/{response.json['data']['id']}/download", headers=people["bob"])
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


@pytest.mark.parametrize("body, param", [
    ({"course_id": 1}, "user_id"),
    ({"user_id": 9999, "course_id": 9999}, "user_id"),
    ({"user_id": "me", "course_id": 1}, "user_id"),
])
def test_issuing_bad_input(client: Client, people, body: dict, param: str) -> None:
    response = client.post(f"{API}/certificates", json=body, headers=people["admin"])
    assert response.status_code == 400 and response.json["error"]["details"][0]["param"] == param


def test_templates_belong_to_their_authors(client: Client, people, template) -> None:
    url = f"{API}/certificate-templates/{template['id']}"
    assert client.get(f"{API}/certificate-templates", headers=people["ivy"]).json["meta"]["total"] == 1
    assert client.get(f"{API}/certificate-templates", headers=people["oscar"]).json["meta"]["total"] == 0
    assert client.get(f"{API}/certificate-templates", headers=people["ann"]).status_code == 403
    assert client.patch(url, json={"title": "x"}, headers=people["oscar"]).status_code == 404
    assert client.patch(url, json={"title": "x"}, headers=people["ann"]).status_code == 403
    assert client.patch(url, json={"orientation": "round"}, headers=people["ivy"]).status_code == 400
    assert client.patch(url, json={"title": "Modern"}, headers=people["ivy"]).json["data"]["title"] == "Modern"
    assert client.patch(url, json={"title": "Admin's"}, headers=people["admin"]).status_code == 200
    assert client.post(f"{API}/certificate-templates", json={"title": "x"}, headers=people["ivy"]).status_code == 400
    assert client.post(f"{API}/certificate-templates", json={"title": "x", "body": "y"}).status_code == 401
    assert client.delete(url, headers=people["oscar"]).status_code == 404
    assert client.delete(url, headers=people["ivy"]).status_code == 200


def test_a_course_names_only_existing_templates(client: Client, people) -> None:
    response = client.post(f"{API}/courses", json={"title": "x", "certificate_template_id": 999}, headers=people["ivy"])
    assert response.status_code == 400


def _pdf(response) -> PdfReader:
    assert response.status_code == 200, response.json
    return PdfReader(io.BytesIO(response.data))


def test_an_issued_certificate_keeps_the_template_it_was_issued_with(client: Client, people, earned,
                                                                      template) -> None:
    url = f"{API}/certificate-templates/{template['id']}"
    assert client.patch(url, json={"body": "Edited for {student_name}"}, headers=people["ivy"]).status_code == 200
    assert client.delete(url, headers=people["ivy"]).status_code == 200
    other = client.post(f"{API}/certificate-templates", json={
        "title": "Oscar's", "body": "Oscar's text for {student_name}", "orientation": "landscape"},
        headers=people["oscar"]).json["data"]
    assert other["id"] > template["id"]
    pdf = _pdf(client.get(f"{API}/certificates/{earned['id']}/download", headers=people["ann"]))
    text = "".join(page.extract_text() for page in pdf.pages)
    assert "Awarded to ann for Course" in text and "Oscar" not in text and "Edited" not in text
    box = pdf.pages[0].mediabox
    assert box.width < box.height  # portrait, as issued


def test_a_certificate_without_template_has_the_default_text(client: Client, people, make_course) -> None:
    course = make_course()
    issued = client.post(f"{API}/certificates", json={"user_id": people.ids["bob"], "course_id": course["id"]},
                         headers=people["admin"]).json["data"]
    pdf = _pdf(client.get(f"{API}/certificates/{issued['id']}/download", headers=people["bob"]))
    assert "Certificate of completion" in pdf.pages[0].extract_text()
    box = pdf.pages[0].mediabox
    assert box.width > box.height  # landscape


@pytest.mark.parametrize("who, status", [("oscar", 400), ("ivy", 201), ("admin", 201)])
def test_a_course_names_only_templates_its_editor_may_use(client: Client, people, template, who, status) -> None:
    """ivy's template is hers (administrators may use any): oscar's answer is a missing id's."""
    response = client.post(f"{API}/courses", json={"title": "x", "certificate_template_id": template["id"]},
                           headers=people[who])
    assert response.status_code == status, response.json
    if status == 400:
        missing = client.post(f"{API}/courses", json={"title": "x", "certificate_template_id": 999},
                              headers=people[who]).json["error"]["details"]
        assert response.json["error"]["details"] == missing


def test_a_co_instructor_keeps_the_owners_template(client: Client, people, make_course, template) -> None:
    course = make_course(certificate_template_id=template["id"])
    client.post(f"{API}/courses/{course['id']}/instructors", json={"user_id": people.ids["oscar"]}, headers=people["ivy"])
    kept = client.patch(f"{API}/courses/{course['id']}", json={"title": "y", "certificate_template_id": template["id"]},
                        headers=people["oscar"])
    assert kept.status_code == 200 and kept.json["data"]["certificate_template_id"] == template["id"]
    own = client.post(f"{API}/certificate-templates", json={"title": "Oscar's", "body": "{student_name}"},
                      headers=people["oscar"]).json["data"]
    assert client.patch(f"{API}/courses/{course['id']}", json={"certificate_template_id": own["id"]},
                        headers=people["oscar"]).status_code == 200
    back = client.patch(f"{API}/courses/{course['id']}", json={"certificate_template_id": template["id"]},
                        headers=people["oscar"])
    assert back.status_code == 400  # no longer the course's: ivy's private template again
