"""E-certificate self-print (电子证照自助打印): an A4 PDF, a PNG preview, CUPS or a saved file.

The PDF embeds a TrueType CJK font (WenQuanYi Micro Hei) so it prints and displays the same
everywhere and its text can be extracted (searched, read aloud, checked by tests). Without that
font it falls back to reportlab's built-in ``STSong-Light`` CID font, which is not embedded:
text extraction still works, but viewers need their own Chinese font (poppler: poppler-data).

The holder's ID number is always masked (first 4 and last 4). A QR code carries the queue
server's verification URL, given by the caller (``certificate.print``'s ``verification_url``,
as the server built it from the hall's public address), printed beside it whole on one line;
"自助打印" marks the page as a self-printed copy.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import segno
from reportlab.lib.colors import Color, black
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from printer.fonts import truetype_cjk_font
from printer.privacy import mask_id_number, mask_ids_in_text
from printer.transports.base import TransportError
from printer.transports.cups import submit

RED = Color(0.78, 0.08, 0.08)
WATERMARK = Color(0.85, 0.85, 0.85)
SELF_PRINT_MARK = "自助打印"


@dataclass(frozen=True)
class CertificatePrint:
    title: str  # "食品经营许可证"
    number: str  # certificate number
    holder_name: str
    holder_id_number: str  # printed masked, never whole
    department: str  # issuing department
    issued_on: dt.date
    verify_url: str  # the queue server's verification page for this certificate
    valid_until: dt.date | None = None  # None: 长期 (no expiry)
    fields: Sequence[tuple[str, str]] = field(default_factory=tuple)  # further (label, value) lines
    printed_at: dt.datetime | None = None
    kiosk_id: str = ""


@dataclass(frozen=True)
class CertificateOutput:
    pdf: Path
    png: Path | None = None
    cups_job: str | None = None  # CUPS request id when printed
    error: str | None = None  # why it was saved only, when printing was asked for and failed


@cache
def cjk_pdf_font() -> str:
    """Register and name the CJK font for reportlab (embedded TrueType if available)."""
    font = truetype_cjk_font()
    if font is not None:
        pdfmetrics.registerFont(TTFont("HallCJK", str(font.path), subfontIndex=font.index))
        return "HallCJK"
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    return "STSong-Light"


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    lines, line = [], ""
    for ch in text:
        if pdfmetrics.stringWidth(line + ch, font, size) > width and line:
            lines.append(line)
            line = ""
        line += ch
    return [*lines, line] if line else lines or [""]


URL_MIN_SIZE = 5.5  # points: the smallest the printed verification URL gets before it breaks


def _url_lines(url: str, font: str, size: float, width: float) -> tuple[float, list[str]]:
    """The verification URL as printed: whole on one line, in a smaller font if need be, so it
    can be typed in exactly as the QR code encodes it; only a URL too long even at
    ``URL_MIN_SIZE`` breaks, and then before its query (``?``) or after a ``/``, never
    inside a word or the code."""
    while size > URL_MIN_SIZE and pdfmetrics.stringWidth(url, font, size) > width:
        size = max(URL_MIN_SIZE, size - 0.5)
    lines, rest = [], url
    while pdfmetrics.stringWidth(rest, font, size) > width:
        cuts = [i for i, ch in enumerate(rest) if ch in "/?" and i > 0]
        fits = [i for i in cuts if pdfmetrics.stringWidth(rest[: i + (rest[i] == "/")], font, size) <= width]
        if not fits:
            break  # no sensible break: print it whole (it may run into the margin, never split)
        cut = fits[-1] + (rest[fits[-1]] == "/")
        lines.append(rest[:cut])
        rest = rest[cut:]
    return size, [*lines, rest]


def _draw_qr(c: Canvas, data: str, x: float, y: float, size: float) -> None:
    """Vector QR code (crisp at any resolution), one rectangle per run of dark modules."""
    matrix = segno.make_qr(data, error="m", boost_error=False).matrix
    n = len(matrix)
    module = size / n
    c.setFillColor(black)
    for r, row in enumerate(matrix):
        col = 0
        while col < n:
            if row[col]:
                start = col
                while col < n and row[col]:
                    col += 1
                c.rect(x + start * module, y + size - (r + 1) * module, (col - start) * module, module, 0, 1)
            else:
                col += 1


def render_certificate_pdf(cert: CertificatePrint, path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    font = cjk_pdf_font()
    width, height = A4
    c = Canvas(str(path), pagesize=A4)
    c.setTitle(f"{cert.title} {cert.number}")
    c.setSubject(f"电子证照 {SELF_PRINT_MARK}")
    c.setCreator("hall printer")

    # Watermark first, so everything else prints over it.
    c.saveState()
    c.setFillColor(WATERMARK)
    c.setFont(font, 34)
    c.translate(width / 2, height / 2)
    c.rotate(35)
    for dy in (-250, 0, 250):
        c.drawCentredString(0, dy, f"{SELF_PRINT_MARK}  SELF-PRINTED")
    c.restoreState()

    # Frame
    c.setStrokeColor(black)
    c.setLineWidth(1.6)
    c.rect(14 * mm, 14 * mm, width - 28 * mm, height - 28 * mm)
    c.setLineWidth(0.5)
    c.rect(16 * mm, 16 * mm, width - 32 * mm, height - 32 * mm)

    # Header: kind on the left, self-print stamp on the right
    c.setFont(font, 10)
    c.drawString(22 * mm, height - 26 * mm, "电子证照 E-Certificate")
    c.setStrokeColor(RED)
    c.setFillColor(RED)
    c.setLineWidth(1.2)
    c.roundRect(width - 62 * mm, height - 34 * mm, 40 * mm, 14 * mm, 2 * mm)
    c.setFont(font, 15)
    c.drawCentredString(width - 42 * mm, height - 27 * mm, SELF_PRINT_MARK)
    c.setFont(font, 7)
    c.drawCentredString(width - 42 * mm, height - 31.5 * mm, "SELF-PRINTED COPY")
    c.setFillColor(black)
    c.setStrokeColor(black)

    # Title and number
    c.setFont(font, 28)
    c.drawCentredString(width / 2, height - 58 * mm, cert.title)
    c.setFont(font, 12)
    c.drawCentredString(width / 2, height - 68 * mm, f"证照编号 No.：{cert.number}")

    # Fields
    rows: list[tuple[str, str]] = [
        ("持证人 Holder", cert.holder_name),
        ("证件号码 ID No.", mask_id_number(cert.holder_id_number)),
        ("发证机关 Issued by", cert.department),
        ("发证日期 Date of issue", f"{cert.issued_on.year}年{cert.issued_on.month}月{cert.issued_on.day}日"),
        (
            "有效期至 Valid until",
            "长期 No expiry"
            if cert.valid_until is None
            else f"{cert.valid_until.year}年{cert.valid_until.month}月{cert.valid_until.day}日",
        ),
        *((label, mask_ids_in_text(value)) for label, value in cert.fields),
    ]
    left, label_w = 26 * mm, 52 * mm
    value_w = width - 2 * left - label_w
    y = height - 88 * mm
    c.setLineWidth(0.4)
    for label, value in rows:
        lines = _wrap(value, font, 12, value_w)
        row_h = max(11 * mm, (len(lines) * 6 + 5) * mm)
        c.line(left, y - row_h, width - left, y - row_h)
        c.setFont(font, 10.5)
        c.drawString(left + 2 * mm, y - 7 * mm, label)
        c.setFont(font, 12)
        for i, line in enumerate(lines):
            c.drawString(left + label_w, y - 7 * mm - i * 6 * mm, line)
        y -= row_h
    c.line(left, height - 88 * mm, width - left, height - 88 * mm)

    # Verification QR, bottom right; statement bottom left
    qr_size = 42 * mm
    qr_x, qr_y = width - 26 * mm - qr_size, 34 * mm
    c.setFillColor(Color(1, 1, 1))  # keep the watermark out of the code and its quiet zone
    c.rect(qr_x - 4 * mm, qr_y - 4 * mm, qr_size + 8 * mm, qr_size + 8 * mm, 0, 1)
    _draw_qr(c, cert.verify_url, qr_x, qr_y, qr_size)
    c.setFont(font, 10)
    c.drawCentredString(qr_x + qr_size / 2, qr_y - 6 * mm, "扫码核验 Scan to verify")
    c.setFont(font, 9)
    text_w = qr_x - left - 8 * mm
    notes = [
        f"本件为电子证照{SELF_PRINT_MARK}件，真伪以扫码核验结果为准。",
        "Self-printed copy of an e-certificate; scan the code to verify it.",
        "核验地址 Verify at:",
    ]
    if cert.printed_at is not None:
        stamp = cert.printed_at.strftime("%Y-%m-%d %H:%M")
        notes.append(
            f"打印时间 Printed: {stamp}" + (f"  终端 Kiosk: {cert.kiosk_id}" if cert.kiosk_id else "")
        )
    ny = qr_y + qr_size - 4 * mm
    for note in notes[:3]:
        for line in _wrap(note, font, 9, text_w):
            c.drawString(left, ny, line)
            ny -= 5.5 * mm
    # The URL exactly as the QR code encodes it, on a line of its own (not wrapped mid-URL).
    url_size, url_lines = _url_lines(cert.verify_url, font, 9, text_w)
    c.setFont(font, url_size)
    for line in url_lines:
        c.drawString(left, ny, line)
        ny -= 5.5 * mm
    c.setFont(font, 9)
    for note in notes[3:]:
        for line in _wrap(note, font, 9, text_w):
            c.drawString(left, ny, line)
            ny -= 5.5 * mm
    c.showPage()
    c.save()
    return path


def preview_png(pdf: str | Path, png: str | Path, dpi: int = 100) -> Path:
    """Render page 1 of ``pdf`` to ``png`` with poppler's pdftoppm (Debian: poppler-utils)."""
    tool = shutil.which("pdftoppm")
    if tool is None:
        raise RuntimeError("pdftoppm not found: apt-get install poppler-utils")
    png = Path(png)
    png.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        prefix = Path(tmp) / "page"
        subprocess.run(
            [tool, "-png", "-r", str(dpi), "-singlefile", "-f", "1", "-l", "1", str(pdf), str(prefix)],
            check=True,
            capture_output=True,
            timeout=60,
        )
        shutil.move(str(prefix.with_suffix(".png")), png)
    return png


def issue_certificate(
    cert: CertificatePrint,
    out_dir: str | Path,
    *,
    cups_queue: str | None = None,
    cups_server: str | None = None,
    preview: bool = True,
) -> CertificateOutput:
    """Make the PDF (always kept: it is the record of what was printed), a preview PNG, and
    print it through CUPS when a queue is configured. A failed print is reported, not lost:
    the PDF stays saved and the caller can tell the visitor where to collect it."""
    out_dir = Path(out_dir)
    stem = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in cert.number)
    pdf = render_certificate_pdf(cert, out_dir / f"certificate-{stem}.pdf")
    png = preview_png(pdf, out_dir / f"certificate-{stem}.png") if preview else None
    if not cups_queue:
        return CertificateOutput(pdf, png)
    try:
        job = submit(
            pdf,
            cups_queue,
            server=cups_server,
            raw=False,
            title=f"{cert.title} {cert.number}",
            options=("media=A4",),
        )
    except TransportError as exc:
        return CertificateOutput(pdf, png, error=str(exc))
    return CertificateOutput(pdf, png, cups_job=job)
