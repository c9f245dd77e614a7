"""Outgoing webhook requests that cannot be turned against the inside.

A webhook URL names a host the administrator chose; without care, an endpoint at
``http://169.254.169.254/`` (a cloud's metadata service), ``http://localhost:6379``
or a name that resolves to a private address would let whoever registers it reach
what only the server can reach. So:

- the URL must be ``https`` (plain ``http`` only for hosts the ``webhooks``
  settings allow, for development);
- every address its host resolves to must be public: loopback, private,
  link-local (169.254.0.0/16, the metadata addresses), shared CGNAT space,
  multicast, reserved, unspecified, documentation ranges, their IPv6 forms, and
  IPv6 addresses that embed an IPv4 one (IPv4-mapped, 6to4, NAT64) are refused;
- the check is made at registration and again at each delivery, and the
  connection goes to the very address that was checked: no second DNS lookup that
  a rebinding attacker could answer differently;
- redirects are not followed; connect and read time out; the response is read up
  to a limit.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from typing import Callable, Iterable, Optional, Union
from urllib.parse import urlsplit

IPAddress = Union[ipaddress.IPv4Address, ipaddress.IPv6Address]

CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 10.0
RESPONSE_LIMIT = 64 * 1024
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_CGNAT = ipaddress.ip_network("100.64.0.0/10")


class UnsafeURL(ValueError):
    """The URL is not one a webhook may be sent to; the message says why."""


def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (tests replace this function)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def _embedded_v4(address: ipaddress.IPv6Address) -> Optional[ipaddress.IPv4Address]:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address.teredo is not None:
        return address.teredo[1]
    return None


def is_public(address: IPAddress) -> bool:
    """Whether ``address`` is a public unicast address (and so is any IPv4 one it embeds)."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.scope_id:
            return False
        if address.ipv4_mapped is not None:  # ::ffff:a.b.c.d is a.b.c.d
            return is_public(address.ipv4_mapped)
        inner = _embedded_v4(address)
        if inner is not None and not is_public(inner):
            return False
    if address.is_multicast or address.is_unspecified or address.is_reserved or address.is_loopback:
        return False
    if address.is_link_local or address.is_private or (isinstance(address, ipaddress.IPv4Address)
                                                       and address in _CGNAT):
        return False
    return address.is_global


@dataclass(frozen=True)
class Target:
    """A checked URL: where to connect (``address``) and what to ask for."""

    scheme: str
    host: str
    port: int
    path: str
    address: str


def check_url(url: str, allowed_hosts: Iterable[str] = (),
              resolver: Optional[Callable[[str, int], list[str]]] = None) -> Target:
    """Check ``url`` and resolve its host once; the target to connect to.

    :param allowed_hosts: host names (``localhost``, ``hooks.test``) or
        ``host:port`` that may use plain ``http`` and any address (development).
    :raises UnsafeURL: saying what is wrong.
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeURL("The URL is malformed.") from exc
    host = (parts.hostname or "").rstrip(".").lower()
    if parts.scheme not in ("https", "http") or not host:
        raise UnsafeURL("The URL must be an https:// address.")
    if parts.username or parts.password:
        raise UnsafeURL("The URL must not carry credentials.")
    port = port or (443 if parts.scheme == "https" else 80)
    allowed = {h.lower() for h in allowed_hosts}
    trusted = host in allowed or f"{host}:{port}" in allowed
    if parts.scheme == "http" and not trusted:
        raise UnsafeURL("The URL must be an https:// address (plain http only for hosts the settings allow).")
    try:
        addresses = (resolver or resolve)(host, port)
    except (OSError, UnicodeError) as exc:
        raise UnsafeURL(f"The host {host} does not resolve.") from exc
    if not addresses:
        raise UnsafeURL(f"The host {host} does not resolve.")
    parsed: list[IPAddress] = []
    for raw in addresses:
        try:
            parsed.append(ipaddress.ip_address(raw))  # a zone index (fe80::1%eth0) is kept: refused
        except ValueError as exc:
            raise UnsafeURL(f"The host {host} resolves to an unusable address.") from exc
    if not trusted:
        bad = [str(a) for a in parsed if not is_public(a)]
        if bad:
            raise UnsafeURL(f"The host {host} resolves to a non-public address ({bad[0]}).")
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(parts.scheme, host, port, path, str(parsed[0]))


@dataclass
class Response:
    """What came back: status, the first bytes of the body, how long it took."""

    status: int
    body: bytes
    duration_ms: int


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the checked address; ``Host`` stays the URL's host name."""

    def __init__(self, target: Target, read_timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=read_timeout)
        self._address = target.address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), timeout=CONNECT_TIMEOUT)
        self.sock.settimeout(self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """TLS to the checked address, verifying the certificate for the URL's host name."""

    def __init__(self, target: Target, read_timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=read_timeout, context=ssl.create_default_context())
        self._address = target.address
        self._tls = ssl.create_default_context()

    def connect(self) -> None:
        raw = socket.create_connection((self._address, self.port), timeout=CONNECT_TIMEOUT)
        raw.settimeout(self.timeout)
        self.sock = self._tls.wrap_socket(raw, server_hostname=self.host)


def post(target: Target, body: bytes, headers: dict[str, str], *, read_timeout: Optional[float] = None,
         limit: int = RESPONSE_LIMIT) -> Response:
    """POST ``body`` to ``target`` (no redirects followed: a 3xx is just an answer).

    :raises OSError: on a network error or a timeout (``socket.timeout`` is one).
    """
    read_timeout = READ_TIMEOUT if read_timeout is None else read_timeout
    connection: http.client.HTTPConnection
    if target.scheme == "https":
        connection = _PinnedHTTPSConnection(target, read_timeout)
    else:
        connection = _PinnedHTTPConnection(target, read_timeout)
    started = time.monotonic()
    try:
        connection.request("POST", target.path, body=body, headers=headers)
        answer = connection.getresponse()
        content = answer.read(limit)
        return Response(answer.status, content, int((time.monotonic() - started) * 1000))
    except http.client.HTTPException as exc:
        raise OSError(f"bad HTTP answer: {exc.__class__.__name__}") from exc
    finally:
        connection.close()
