"""Ticket documents: the QR PNG (exactly the token), the PDF ticket, the Apple Wallet pass
(unsigned, and signed with self-made certificates), staff routes and the buyer's own link."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
import zipfile
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from aitickets.errors import Conflict, Forbidden, NotFound
from aitickets.settings import Settings
from persistence.db import Database
from persistence.models import Order, Ticket
from tests.conftest import Call, auth
from tests.factories import make_customer, make_event, make_ticket, make_tier
from tools.documents_render import TicketView, wallet_pass

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


async def _ticket(db: Database) -> tuple[int, str]:
    event = await make_event(db)
    tier = await make_tier(db, event)
    ticket_id = await make_ticket(db, event, tier, await make_customer(db))
    async with db.sessions() as session:
        ticket = await session.get(Ticket, ticket_id)
        assert ticket is not None
        return ticket_id, ticket.qr_token


async def test_qr_is_a_png_of_the_token(call: Call, db: Database) -> None:
    ticket_id, token = await _ticket(db)
    result = await call("get_ticket_qr", as_="staff", ticket_id=ticket_id)
    png = base64.b64decode(result.png_base64)
    assert png.startswith(PNG_MAGIC) and result.qr_token == token
    bigger = await call("get_ticket_qr", as_="staff", ticket_id=ticket_id, scale=16)
    assert len(base64.b64decode(bigger.png_base64)) > len(png)


async def test_qr_needs_staff_and_a_real_ticket(call: Call, db: Database) -> None:
    ticket_id, _ = await _ticket(db)
    with pytest.raises(Forbidden):
        await call("get_ticket_qr", as_="agent", ticket_id=ticket_id)
    with pytest.raises(NotFound):
        await call("get_ticket_qr", ticket_id=999)


async def test_qr_png_route(client: TestClient, db: Database) -> None:
    ticket_id, _ = await _ticket(db)
    response = client.get(f"/api/tickets/{ticket_id}/qr.png", headers=auth())
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert response.content.startswith(PNG_MAGIC)
    assert client.get(f"/api/tickets/{ticket_id}/qr.png").status_code == 403
    assert client.get("/api/tickets/abc/qr.png", headers=auth()).status_code == 422


# --- PDF and Apple Wallet ----------------------------------------------------------------------

HAVE_POPPLER_ZBAR = all(shutil.which(tool) for tool in ("pdftoppm", "zbarimg", "pdftotext"))


async def test_pdf_ticket_has_event_venue_local_time_tier_holder(call: Call, db: Database) -> None:
    ticket_id, _ = await _ticket(db)
    out = await call("download_ticket_pdf", as_="staff", ticket_id=ticket_id)
    pdf = base64.b64decode(out.content_base64)
    assert pdf.startswith(b"%PDF") and out.media_type == "application/pdf"
    assert out.filename == f"ticket-{ticket_id}.pdf"
    for text in (b"Jazz Night", b"Blue Room", b"General", b"John Smith"):
        assert text in pdf
    assert b"8:00 PM" in pdf and b"EST" in pdf  # NOW + 8 h = 20:00 in New York


@pytest.mark.skipif(not HAVE_POPPLER_ZBAR, reason="needs pdftoppm, pdftotext and zbarimg")
async def test_pdf_qr_decodes_to_the_ticket_token(call: Call, db: Database, tmp_path) -> None:
    ticket_id, token = await _ticket(db)
    out = await call("download_ticket_pdf", as_="staff", ticket_id=ticket_id)
    path = tmp_path / "ticket.pdf"
    path.write_bytes(base64.b64decode(out.content_base64))
    text, decoded = _text_and_qr(path)
    assert b"Jazz Night" in text and b"John Smith" in text
    assert decoded == token


def _text_and_qr(path: Path) -> tuple[bytes, str]:
    """The PDF's text (pdftotext) and what its rendered page's QR code says (zbarimg)."""
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True).stdout
    prefix = path.parent / "page"
    subprocess.run(["pdftoppm", "-r", "100", "-png", str(path), str(prefix)], check=True)
    [page] = list(path.parent.glob("page*.png"))
    scan = subprocess.run(["zbarimg", "-q", "--raw", str(page)], capture_output=True, check=True)
    return text, scan.stdout.decode().strip()


async def test_a_refunded_tickets_pdf_says_void(call: Call, db: Database) -> None:
    ticket_id, _ = await _ticket(db)
    await call("refund_ticket", as_="staff", ticket_id=ticket_id)
    out = await call("download_ticket_pdf", as_="staff", ticket_id=ticket_id)
    assert b"VOID" in base64.b64decode(out.content_base64)


async def test_unsigned_wallet_pass_for_development(call: Call, db: Database) -> None:
    ticket_id, token = await _ticket(db)
    out = await call("download_wallet_pass", as_="staff", ticket_id=ticket_id)
    assert out.signed is False and out.media_type == "application/vnd.apple.pkpass"
    archive = zipfile.ZipFile(BytesIO(base64.b64decode(out.content_base64)))
    names = set(archive.namelist())
    assert {"pass.json", "manifest.json", "icon.png", "icon@2x.png"} <= names
    assert "signature" not in names
    data = json.loads(archive.read("pass.json"))
    assert data["barcodes"][0] == {
        "format": "PKBarcodeFormatQR",
        "message": token,
        "messageEncoding": "iso-8859-1",
        "altText": f"Ticket {ticket_id}",
    }
    assert data["eventTicket"]["primaryFields"][0]["value"] == "Jazz Night"
    assert data["serialNumber"] == f"ticket-{ticket_id}" and data["voided"] is False
    manifest = json.loads(archive.read("manifest.json"))
    assert set(manifest) == names - {"manifest.json"}
    for name, digest in manifest.items():
        assert hashlib.sha1(archive.read(name)).hexdigest() == digest


def _certificates(tmp_path: Path) -> dict[str, str]:
    """A self-made CA (standing in for Apple's WWDR) and a pass-signing certificate it issued."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    def name(cn: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])

    now = datetime.now(UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(name("Test WWDR"))
        .issuer_name(name("Test WWDR"))
        .public_key(ca_key.public_key())
        .serial_number(1)
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(name("Pass Type ID: pass.com.example.aitickets"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(2)
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    paths = {
        "cert": tmp_path / "pass.pem",
        "key": tmp_path / "pass.key",
        "wwdr": tmp_path / "ca.pem",
    }
    paths["cert"].write_bytes(cert.public_bytes(pem))
    paths["wwdr"].write_bytes(ca.public_bytes(pem))
    paths["key"].write_bytes(
        key.private_bytes(
            pem,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"s3cret"),
        )
    )
    return {k: str(v) for k, v in paths.items()}


VIEW = TicketView(
    ticket_id=7,
    order_id=3,
    qr_token="tok_" + "x" * 28,
    status="valid",
    holder_name="Ada Lovelace",
    event_name="Moonlight Sonata",
    starts_at=datetime(2026, 12, 1, 1, 0, tzinfo=UTC),
    venue_name="Blue Room",
    venue_address="1 Main St",
    timezone="America/New_York",
    tier_name="Balcony",
    price_cents=3000,
    currency="USD",
)


@pytest.mark.skipif(not shutil.which("openssl"), reason="needs the openssl command to verify")
def test_signed_wallet_pass_verifies_against_its_certificates(tmp_path: Path) -> None:
    certs = _certificates(tmp_path)
    settings = Settings(
        WALLET_CERT=certs["cert"],
        WALLET_KEY=certs["key"],
        WALLET_KEY_PASSWORD="s3cret",
        WALLET_WWDR=certs["wwdr"],
        _env_file=None,
    )
    content, signed = wallet_pass(VIEW, settings)
    assert signed
    archive = zipfile.ZipFile(BytesIO(content))
    (tmp_path / "manifest.json").write_bytes(archive.read("manifest.json"))
    (tmp_path / "signature").write_bytes(archive.read("signature"))
    verify = [
        "openssl", "cms", "-verify", "-binary", "-inform", "DER",
        "-in", str(tmp_path / "signature"), "-content", str(tmp_path / "manifest.json"),
        "-CAfile", certs["wwdr"], "-purpose", "any", "-out", "/dev/null",
    ]  # fmt: skip
    assert subprocess.run(verify, capture_output=True).returncode == 0
    (tmp_path / "manifest.json").write_bytes(b'{"pass.json": "tampered"}')
    assert subprocess.run(verify, capture_output=True).returncode != 0


def test_local_time_is_the_venues() -> None:
    assert VIEW.when == "Monday 30 November 2026, 8:00 PM (EST)"


async def test_documents_need_staff_or_the_buyers_own_link(call: Call, db: Database) -> None:
    ticket_id, _ = await _ticket(db)
    for tool in ("download_ticket_pdf", "download_wallet_pass"):
        with pytest.raises(Forbidden):
            await call(tool, as_="agent", ticket_id=ticket_id)
        with pytest.raises(NotFound):
            await call(tool, as_="staff", ticket_id=999)
    async with db.sessions() as s:
        ticket = await s.get(Ticket, ticket_id)
        assert ticket is not None
        order = await s.get(Order, ticket.order_id)
        assert order is not None
    mine = await call(
        "get_my_ticket_document",
        as_="public",
        access_token=order.access_token,
        ticket_id=ticket_id,
        kind="qr",
    )
    assert base64.b64decode(mine.content_base64).startswith(PNG_MAGIC)
    with pytest.raises(NotFound):
        await call(
            "get_my_ticket_document", as_="public", access_token="w" * 32, ticket_id=ticket_id
        )
    await call("refund_ticket", as_="staff", ticket_id=ticket_id)
    with pytest.raises(Conflict):
        await call(
            "get_my_ticket_document",
            as_="public",
            access_token=order.access_token,
            ticket_id=ticket_id,
        )


async def test_staff_document_routes(client: TestClient, db: Database) -> None:
    ticket_id, _ = await _ticket(db)
    pdf = client.get(f"/api/tickets/{ticket_id}/ticket.pdf", headers=auth())
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    wallet = client.get(f"/api/tickets/{ticket_id}/ticket.pkpass", headers=auth())
    assert wallet.status_code == 200 and wallet.content.startswith(b"PK")
    assert "attachment" in wallet.headers["content-disposition"]
    assert client.get(f"/api/tickets/{ticket_id}/ticket.pdf").status_code == 403
    assert client.get("/api/tickets/999/ticket.pkpass", headers=auth()).status_code == 404
