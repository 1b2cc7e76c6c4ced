"""SSRF: outbound webhooks reach only globally routable addresses, and the connection goes to
exactly the address that was checked (one DNS lookup, then that IP with the URL's host in `Host`
and TLS), so a DNS answer that changes after the check (rebinding) is never used.

No test asks real DNS (`resolve` is replaced) and no traffic leaves 127.0.0.1: the connection
tests run a receiver on 127.0.0.1 and let private targets through for that one call.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import ssl
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx2
import pytest
from starlette.testclient import TestClient

from integrations import webhook_http as wh
from tests.conftest import auth
from tests.integrations.helpers import drain

REFUSED = [
    "100.64.0.1",  # shared address space (carrier-grade NAT)
    "100.100.100.200",  # a cloud metadata service inside 100.64/10
    "100.127.255.254",
    "169.254.169.254",  # the usual metadata address
    "192.0.0.192",  # IETF protocol assignments (Python 3.11 calls it global)
    "192.0.0.9",
    "192.0.2.10",
    "198.18.0.1",
    "198.51.100.7",
    "203.0.113.9",
    "192.88.99.1",
    "0.0.0.0",
    "0.1.2.3",
    "10.0.0.1",
    "127.0.0.1",
    "172.16.5.4",
    "192.168.1.1",
    "224.0.0.251",
    "239.255.255.250",
    "240.0.0.1",
    "255.255.255.255",
    "[fd00:ec2::254]",  # the IPv6 metadata address
    "[2002:a9fe:a9fe::]",  # 6to4 wrapping 169.254.169.254
    "[2002:7f00:1::]",
    "[::ffff:169.254.169.254]",  # IPv4-mapped
    "[::ffff:100.64.0.1]",
    "[::ffff:127.0.0.1]",
    "[::ffff:a9fe:a9fe]",
    "[64:ff9b::a9fe:a9fe]",  # NAT64 of 169.254.169.254
    "[64:ff9b::a40:1]",  # NAT64 of 10.64.0.1
    "[64:ff9b:1::1]",  # local-use NAT64
    "[::a9fe:a9fe]",  # IPv4-compatible
    "[::]",
    "[::1]",
    "[100::1]",
    "[2001::1]",  # Teredo
    "[2001:db8::1]",
    "[3fff::1]",
    "[5f00::1]",
    "[fc00::1]",
    "[fe80::1]",
    "[fec0::1]",
    "[ff02::1]",
    "[ff0e::1]",
]
PUBLIC = ["93.184.215.14", "8.8.8.8", "[2606:4700::1111]", "[64:ff9b::5db8:d70e]"]


@dataclass
class FakeDns:
    """Answers in turn; the last answer repeats. Records every question."""

    answers: list[list[str]]
    asked: list[str] = field(default_factory=list)

    async def __call__(self, host: str, port: int) -> list[str]:
        self.asked.append(host)
        return self.answers[min(len(self.asked), len(self.answers)) - 1]


@pytest.fixture
def dns(monkeypatch: pytest.MonkeyPatch) -> Callable[..., FakeDns]:
    def install(*answers: list[str]) -> FakeDns:
        fake = FakeDns(list(answers))
        monkeypatch.setattr(wh, "resolve", fake)
        return fake

    install(["192.0.2.1"])  # nothing here reaches real DNS, even a test that forgets to say
    return install


@pytest.mark.parametrize("host", REFUSED)
async def test_every_non_global_address_is_refused(host: str) -> None:
    with pytest.raises(wh.UnsafeTarget):
        await wh.check_target(f"http://{host}/hook", allow_private=False)
    with pytest.raises(wh.UnsafeTarget):
        await wh.pin_target(f"https://{host}:8443/hook", allow_private=False)


@pytest.mark.parametrize("host", PUBLIC)
async def test_global_addresses_pass(host: str) -> None:
    target = await wh.pin_target(f"https://{host}/hook", allow_private=False)
    assert target.addresses == (ipaddress.ip_address(host.strip("[]")),)


@pytest.mark.parametrize("answer", [["100.100.100.200"], ["fd00:ec2::254"], ["::ffff:10.0.0.1"]])
async def test_a_name_that_resolves_to_a_non_global_address_is_refused(dns, answer) -> None:
    dns(answer)
    with pytest.raises(wh.UnsafeTarget, match="not a public address"):
        await wh.check_target("https://hooks.example.test/x", allow_private=False)


async def test_one_private_answer_among_public_ones_refuses_the_name(dns) -> None:
    dns(["93.184.215.14", "169.254.169.254"])
    with pytest.raises(wh.UnsafeTarget):
        await wh.pin_target("https://hooks.example.test/x", allow_private=False)


@pytest.mark.parametrize(
    "url",
    ["http://localhost/x", "http://LOCALHOST./x", "http://a.localhost/x", "gopher://8.8.8.8/x"],
)
async def test_local_names_and_other_schemes_are_refused(dns, url) -> None:
    dns(["8.8.8.8"])
    with pytest.raises(wh.UnsafeTarget):
        await wh.check_target(url, allow_private=False)


async def test_a_name_that_does_not_resolve_is_refused_not_an_error(monkeypatch) -> None:
    async def nxdomain(host: str, port: int) -> list[str]:
        raise OSError(-2, "Name or service not known")

    monkeypatch.setattr(wh, "resolve", nxdomain)
    with pytest.raises(wh.UnsafeTarget, match="does not resolve"):
        await wh.check_target("https://nowhere.example.test/x", allow_private=False)


def test_registering_refuses_metadata_and_shared_ranges_over_rest(
    client: TestClient, db_rows
) -> None:
    before = db_rows()
    for host in ("100.64.0.1", "100.100.100.200", "192.0.0.192", "[2002:a9fe:a9fe::]"):
        response = client.post(
            "/api/webhooks/outbound",
            json={"url": f"http://{host}/hook", "events": ["*"]},
            headers=auth(),
        )
        assert response.status_code == 422, response.text
        assert response.json()["error"]["code"] == "unsafe_url"
    assert db_rows() == before


# --- pinning -------------------------------------------------------------------------------


async def test_the_request_goes_to_the_checked_address_with_the_name_in_host_and_sni(
    dns, monkeypatch
) -> None:
    fake = dns(["93.184.215.14"], ["169.254.169.254"])  # a second lookup would be rebound
    seen: list[httpx2.Request] = []

    def receiver(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        return httpx2.Response(204)

    monkeypatch.setattr(wh, "TRANSPORT", httpx2.MockTransport(receiver))
    target = await wh.pin_target("https://Hooks.Example.test:8443/in?x=1", allow_private=False)
    result = await wh.post(target, b"{}", secret="s" * 20, event="ping", delivery="d", timeout_s=2)
    assert result.ok and fake.asked == ["hooks.example.test"]
    (request,) = seen
    assert request.url.host == "93.184.215.14" and request.url.port == 8443
    assert request.url.raw_path == b"/in?x=1"
    assert request.headers["host"] == "hooks.example.test:8443"
    assert request.extensions["sni_hostname"] == "hooks.example.test"


async def test_a_delivery_looks_up_once_and_refuses_a_rebound_name(
    db, call, settings, clock, dns, monkeypatch
) -> None:
    """Registered while the name was public; by delivery time DNS says metadata: nothing is
    sent, the attempt says why. Then DNS says another public address: that one is used."""
    sent: list[httpx2.Request] = []
    monkeypatch.setattr(
        wh, "TRANSPORT", httpx2.MockTransport(lambda r: sent.append(r) or httpx2.Response(200))
    )
    dns(["93.184.215.14"])
    sub = await call("register_webhook", url="https://hooks.example.test/in", events=["ping"])
    fake = dns(["169.254.169.254"])
    await call("ping_webhook", webhook_id=sub.id)
    await drain(db, settings, clock)
    assert sent == [] and fake.asked == ["hooks.example.test"]
    (delivery,) = (await call("get_webhook_deliveries", webhook_id=sub.id)).deliveries
    assert "169.254.169.254" in (delivery.last_error or "")
    dns(["93.184.215.99"])
    clock.advance(minutes=5)
    await drain(db, settings, clock)
    (request,) = sent
    assert request.url.host == "93.184.215.99"
    assert request.headers["host"] == "hooks.example.test"


async def _receiver(
    ssl_context: ssl.SSLContext | None = None,
) -> tuple[asyncio.Server, int, list[bytes]]:
    """A one-shot HTTP receiver on 127.0.0.1: records each request head, answers 204."""
    heads: list[bytes] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = next(
            (
                int(line.split(b":", 1)[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            ),
            0,
        )
        await reader.readexactly(length)
        heads.append(head)
        writer.write(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=ssl_context)
    return server, server.sockets[0].getsockname()[1], heads


async def test_a_real_connection_goes_to_the_pinned_address_only(dns) -> None:
    """Over a real socket on 127.0.0.1 (private targets allowed for this one call): the name
    is looked up once and the bytes reach the pinned address with the name as Host."""
    server, port, heads = await _receiver()
    fake = dns(["127.0.0.1"], ["127.0.0.2"])
    async with server:
        target = await wh.pin_target(f"http://hooks.example.test:{port}/in", allow_private=True)
        result = await wh.post(
            target, b'{"a":1}', secret="s" * 20, event="e", delivery="d", timeout_s=5
        )
    assert result.ok, result.error
    assert fake.asked == ["hooks.example.test"]
    (head,) = heads
    assert head.startswith(b"POST /in HTTP/1.1\r\n")
    assert f"host: hooks.example.test:{port}".encode() in head.lower()


@pytest.fixture
def tls_files(tmp_path: Path) -> tuple[Path, Path]:
    """A self-signed certificate for hooks.example.test only (no IP address in it)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "hooks.example.test")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("hooks.example.test")]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


async def test_tls_to_the_pinned_address_sends_the_name_and_checks_the_certificate_for_it(
    dns, tls_files, monkeypatch
) -> None:
    cert_path, key_path = tls_files
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_path))  # the client trusts our test CA
    names: list[str | None] = []
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_path, key_path)
    context.sni_callback = lambda _sock, name, _ctx: names.append(name)  # type: ignore[assignment,misc]
    server, port, heads = await _receiver(context)
    fake = dns(["127.0.0.1"])
    async with server:
        target = await wh.pin_target(f"https://hooks.example.test:{port}/in", allow_private=True)
        result = await wh.post(target, b"{}", secret="s" * 20, event="e", delivery="d", timeout_s=5)
    assert result.ok, result.error
    assert names == ["hooks.example.test"] and fake.asked == ["hooks.example.test"]
    assert f"host: hooks.example.test:{port}".encode() in heads[0].lower()


async def test_a_certificate_for_another_name_is_refused(dns, tls_files, monkeypatch) -> None:
    """The pinned IP does not weaken TLS: the certificate must match the URL's name."""
    cert_path, key_path = tls_files
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_path))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_path, key_path)
    server, port, heads = await _receiver(context)
    dns(["127.0.0.1"])
    async with server:
        target = await wh.pin_target(f"https://other.example.test:{port}/in", allow_private=True)
        result = await wh.post(target, b"{}", secret="s" * 20, event="e", delivery="d", timeout_s=5)
    assert not result.ok and heads == []


async def test_the_answer_body_is_never_read(monkeypatch) -> None:
    """Only the status counts: a receiver answering with an endless body costs nothing."""
    chunks: list[int] = []

    async def endless() -> AsyncIterator[bytes]:
        while len(chunks) < 64:  # 4 MB, then give up: a regression fails, never hangs
            chunks.append(1)
            yield b"x" * 65536
        raise AssertionError("the webhook client read the answer's body")

    def receiver(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, content=endless())

    monkeypatch.setattr(wh, "TRANSPORT", httpx2.MockTransport(receiver))
    target = await wh.pin_target("https://93.184.215.14/in", allow_private=False)
    result = await wh.post(target, b"{}", secret="s" * 20, event="e", delivery="d", timeout_s=2)
    assert result.ok and len(chunks) <= 1
