"""Rendering ticket documents: the QR PNG, a one-page PDF (reportlab) and an Apple Wallet pass
(.pkpass: pass.json, images, manifest.json of SHA-1 digests, and a detached PKCS#7 signature of
the manifest made with the cryptography package). Pure functions of a `TicketView`; reportlab
and cryptography are imported on first use so the server starts fast."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import segno

from aitickets.settings import Settings


@dataclass(frozen=True)
class TicketView:
    ticket_id: int
    order_id: int
    qr_token: str
    status: str
    holder_name: str
    event_name: str
    starts_at: datetime
    venue_name: str
    venue_address: str
    timezone: str
    tier_name: str
    price_cents: int
    currency: str

    @property
    def local_start(self) -> datetime:
        try:
            return self.starts_at.astimezone(ZoneInfo(self.timezone))
        except (KeyError, ValueError):
            return self.starts_at

    @property
    def when(self) -> str:
        local = self.local_start
        return f"{local:%A %-d %B %Y, %-I:%M %p} ({local.tzname()})"


def qr_png(payload: str, scale: int = 8) -> bytes:
    buffer = io.BytesIO()
    segno.make_qr(payload, error="m").save(buffer, kind="png", scale=scale, border=2)
    return buffer.getvalue()


def ticket_pdf(view: TicketView, org_name: str) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, pageCompression=0)
    pdf.setTitle(f"{view.event_name} — ticket {view.ticket_id}")
    pdf.setAuthor(org_name)
    width, height = A4
    left, y = 20 * mm, height - 25 * mm
    pdf.setFont("Helvetica", 10)
    pdf.drawString(left, y, org_name)
    y -= 14 * mm
    pdf.setFont("Helvetica-Bold", 22)
    pdf.drawString(left, y, view.event_name[:60])
    rows = [
        ("When", view.when),
        ("Where", f"{view.venue_name}, {view.venue_address}".strip(", ")),
        ("Ticket", view.tier_name),
        ("Holder", view.holder_name),
        ("Ticket no.", f"{view.ticket_id} (order {view.order_id})"),
    ]
    pdf.setFont("Helvetica", 12)
    for label, value in rows:
        y -= 9 * mm
        pdf.setFont("Helvetica-Bold", 12)
        pdf.drawString(left, y, label)
        pdf.setFont("Helvetica", 12)
        pdf.drawString(left + 30 * mm, y, value[:80])
    if view.status not in ("valid", "checked_in"):
        pdf.setFont("Helvetica-Bold", 28)
        pdf.setFillColorRGB(0.8, 0, 0)
        pdf.drawString(left, y - 14 * mm, f"VOID — {view.status.upper()}")
        pdf.setFillColorRGB(0, 0, 0)
    size = 70 * mm
    image = ImageReader(io.BytesIO(qr_png(view.qr_token, scale=10)))
    pdf.drawImage(image, (width - size) / 2, 40 * mm, size, size)
    pdf.setFont("Helvetica", 9)
    pdf.drawCentredString(width / 2, 34 * mm, "Show this code at the door. One admission.")
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _icon(color: str, size: int) -> bytes:
    from PIL import Image

    try:
        rgb = tuple(int(color.lstrip("#")[i : i + 2], 16) for i in (0, 2, 4))
    except ValueError:
        rgb = (79, 70, 229)
    buffer = io.BytesIO()
    Image.new("RGB", (size, size), rgb).save(buffer, format="PNG")
    return buffer.getvalue()


def _pass_json(view: TicketView, settings: Settings) -> dict[str, object]:
    barcode = {
        "format": "PKBarcodeFormatQR",
        "message": view.qr_token,
        "messageEncoding": "iso-8859-1",
        "altText": f"Ticket {view.ticket_id}",
    }
    return {
        "formatVersion": 1,
        "passTypeIdentifier": settings.wallet_pass_type_id,
        "teamIdentifier": settings.wallet_team_id,
        "serialNumber": f"ticket-{view.ticket_id}",
        "organizationName": settings.org_name,
        "description": f"Ticket for {view.event_name}",
        "relevantDate": view.starts_at.isoformat(),
        "voided": view.status not in ("valid", "checked_in"),
        "barcodes": [barcode],
        "barcode": barcode,
        "eventTicket": {
            "primaryFields": [{"key": "event", "label": "EVENT", "value": view.event_name}],
            "secondaryFields": [
                {"key": "when", "label": "WHEN", "value": view.when},
                {"key": "tier", "label": "TICKET", "value": view.tier_name},
            ],
            "auxiliaryFields": [
                {"key": "holder", "label": "HOLDER", "value": view.holder_name},
                {"key": "venue", "label": "VENUE", "value": view.venue_name},
            ],
            "backFields": [
                {"key": "address", "label": "Address", "value": view.venue_address},
                {"key": "order", "label": "Order", "value": str(view.order_id)},
            ],
        },
    }


def wallet_signing_configured(settings: Settings) -> bool:
    return bool(settings.wallet_cert and settings.wallet_key and settings.wallet_wwdr)


def _sign(manifest: bytes, settings: Settings) -> bytes:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.serialization import pkcs7

    cert = x509.load_pem_x509_certificate(Path(settings.wallet_cert).read_bytes())
    wwdr = x509.load_pem_x509_certificate(Path(settings.wallet_wwdr).read_bytes())
    password = settings.wallet_key_password.encode() or None
    key = serialization.load_pem_private_key(Path(settings.wallet_key).read_bytes(), password)
    return (
        pkcs7.PKCS7SignatureBuilder()
        .set_data(manifest)
        .add_signer(cert, key, hashes.SHA256())  # type: ignore[arg-type]
        .add_certificate(wwdr)
        .sign(
            serialization.Encoding.DER,
            [pkcs7.PKCS7Options.DetachedSignature, pkcs7.PKCS7Options.Binary],
        )
    )


def wallet_pass(view: TicketView, settings: Settings) -> tuple[bytes, bool]:
    """The .pkpass bytes and whether they are signed (unsigned passes are for development:
    Wallet refuses them, but their content can be inspected)."""
    files = {
        "pass.json": json.dumps(_pass_json(view, settings), indent=2).encode(),
        "icon.png": _icon(settings.org_color, 29),
        "icon@2x.png": _icon(settings.org_color, 58),
        "logo.png": _icon(settings.org_color, 50),
    }
    manifest = json.dumps(
        {name: hashlib.sha1(data).hexdigest() for name, data in files.items()}, indent=2
    ).encode()
    files["manifest.json"] = manifest
    signed = wallet_signing_configured(settings)
    if signed:
        files["signature"] = _sign(manifest, settings)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue(), signed
