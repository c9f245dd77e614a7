"""The SSRF guard: every refused range, by literal, by a name resolving to it, mapped forms."""

from __future__ import annotations

import ipaddress
import socket
from typing import Any, Callable

import pytest
from werkzeug.test import Client

from learnomy.controllers.communication import ssrf
from learnomy_core import LearnomyApp
from learnomy_core.jobs import run_due_jobs
from tests.controllers.conftest import API, People

REFUSED = [
    "127.0.0.1", "127.255.255.254",          # loopback
    "10.1.2.3", "172.16.0.1", "192.168.1.1",  # private
    "169.254.169.254", "169.254.0.1",         # link-local, the cloud metadata address
    "100.64.0.1", "100.127.255.254",          # CGNAT
    "224.0.0.1", "239.255.255.250",           # multicast
    "240.0.0.1", "255.255.255.255",           # reserved, broadcast
    "0.0.0.0", "0.1.2.3",                     # unspecified, "this network"
    "192.0.2.1", "198.51.100.1", "203.0.113.1",  # documentation
    "198.18.0.1",                             # benchmarking
    "::1", "::", "fe80::1", "fc00::1", "fd00:ec2::254", "ff02::1",  # IPv6 forms
    "2001:db8::1",                            # documentation
    "::ffff:127.0.0.1", "::ffff:169.254.169.254", "::ffff:10.0.0.1",  # IPv4-mapped
    "64:ff9b::a9fe:a9fe",                     # NAT64 of 169.254.169.254
    "2002:7f00:1::1",                         # 6to4 of 127.0.0.1
]
PUBLIC = ["93.184.215.14", "8.8.8.8", "2606:2800:21f:cb07:6820:80da:af6b:8b2c", "::ffff:8.8.8.8"]


def _literal(address: str) -> str:
    return f"[{address}]" if ":" in address else address


@pytest.mark.parametrize("address", REFUSED)
def test_each_refused_range_by_literal_address(address: str) -> None:
    with pytest.raises(ssrf.UnsafeURL):
        ssrf.check_url(f"https://{_literal(address)}/hook")


@pytest.mark.parametrize("address", REFUSED)
def test_each_refused_range_by_a_name_resolving_to_it(address: str) -> None:
    with pytest.raises(ssrf.UnsafeURL, match="non-public"):
        ssrf.check_url("https://hooks.example.org/x", resolver=lambda host, port: [address])


def test_one_bad_address_among_good_ones_is_enough() -> None:
    with pytest.raises(ssrf.UnsafeURL):
        ssrf.check_url("https://hooks.example.org/x", resolver=lambda host, port: ["8.8.8.8", "10.0.0.1"])


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_pass_and_are_pinned(address: str) -> None:
    target = ssrf.check_url("https://hooks.example.org:8443/in?a=1", resolver=lambda host, port: [address])
    expected = ("hooks.example.org", 8443, "/in?a=1", str(ipaddress.ip_address(address)))
    assert (target.host, target.port, target.path, target.address) == expected


@pytest.mark.parametrize("url", ["http://hooks.example.org/", "ftp://hooks.example.org/", "https://user:pw@hooks.example.org/",
                                 "https:///nohost", "not a url", "https://hooks.example.org:99999/"])
def test_only_https_urls_without_credentials(url: str) -> None:
    with pytest.raises(ssrf.UnsafeURL):
        ssrf.check_url(url, resolver=lambda host, port: ["8.8.8.8"])


def test_allowed_hosts_may_use_http_and_private_addresses() -> None:
    target = ssrf.check_url("http://localhost:8080/x", ["localhost"], resolver=lambda h, p: ["127.0.0.1"])
    assert target.address == "127.0.0.1"
    assert ssrf.check_url("http://dev.test:81/", ["dev.test:81"], resolver=lambda h, p: ["10.0.0.5"]).port == 81
    with pytest.raises(ssrf.UnsafeURL):
        ssrf.check_url("http://dev.test:82/", ["dev.test:81"], resolver=lambda h, p: ["10.0.0.5"])


def test_a_name_that_does_not_resolve_is_refused() -> None:
    def fail(host: str, port: int) -> list[str]:
        raise socket.gaierror("no such name")

    with pytest.raises(ssrf.UnsafeURL, match="does not resolve"):
        ssrf.check_url("https://nowhere.invalid/", resolver=fail)


def test_registration_refuses_a_name_resolving_to_a_private_address(client: Client, people: People,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ssrf, "resolve", lambda host, port: ["169.254.169.254"])
    response = client.post(f"{API}/webhooks", json={"url": "https://metadata.example.org/", "events": ["ping"]},
                           headers=people["admin"])
    assert response.status_code == 400
    assert response.json["error"]["details"][0]["code"] == "learnomy_unsafe_url"


def test_delivery_checks_again_and_connects_to_the_checked_address(
        client: Client, app: LearnomyApp, people: People, monkeypatch: pytest.MonkeyPatch) -> None:
    answers = iter([["93.184.215.14"], ["127.0.0.1"]])  # DNS rebinding: public at registration, loopback after
    monkeypatch.setattr(ssrf, "resolve", lambda host, port: next(answers))
    connected: list[Any] = []
    monkeypatch.setattr(ssrf, "post", lambda target, body, headers: connected.append(target))
    made = client.post(f"{API}/webhooks", json={"url": "https://rebind.example.org/", "events": ["course.created"]},
                       headers=people["admin"])
    assert made.status_code == 201
    client.post(f"{API}/courses", json={"title": "x"}, headers=people["ivy"])
    run_due_jobs(app)
    assert connected == []  # never sent
    [delivery] = client.get(f"{API}/webhooks/{made.json['data']['id']}/deliveries", headers=people["admin"]).json["data"]
    assert delivery["status"] == "pending" and "non-public" in delivery["error"]


def test_the_connection_goes_to_the_checked_address_not_a_new_lookup(monkeypatch: pytest.MonkeyPatch) -> None:
    dialled: list[Any] = []

    def fake_connection(address: Any, timeout: float) -> Any:
        dialled.append(address)
        raise ConnectionRefusedError("stop here")

    monkeypatch.setattr(ssrf.socket, "create_connection", fake_connection)
    monkeypatch.setattr(ssrf.socket, "getaddrinfo", lambda *a, **k: pytest.fail("a second DNS lookup"))
    target = ssrf.Target("https", "hooks.example.org", 443, "/", "93.184.215.14")
    with pytest.raises(OSError):
        ssrf.post(target, b"{}", {})
    assert dialled == [("93.184.215.14", 443)]
