"""The printed certificate carries one verification URL, the one the queue server gives
(``certificate.print``'s ``verification_url``, from ``queue_server.links``): the QR code and
the text beside it say exactly that, the text whole on one line."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pypdf
from PIL import Image

from printer.certificate import CertificatePrint, preview_png, render_certificate_pdf
from queue_server.links import PublicLinks
from tests.printer.conftest import decode_qr


def test_the_pdf_prints_the_served_url_whole_and_its_qr_encodes_it(tmp_path: Path) -> None:
    number = "BUSINESS_LICENCE-H01-20261201-000001"
    url = PublicLinks("https://zwfw.nanshan.gov.cn").certificate(number, "1A2B3C4D5E")  # as the server gives it
    assert url == f"https://zwfw.nanshan.gov.cn/m/certificate/{number}?code=1A2B3C4D5E"
    cert = CertificatePrint(
        title="营业执照",
        number=number,
        holder_name="深圳市南山海岸科技有限公司",
        holder_id_number="",
        department="区市场监督管理局",
        issued_on=dt.date(2026, 12, 1),
        verify_url=url,
    )
    pdf = render_certificate_pdf(cert, tmp_path / "c.pdf")
    lines = pypdf.PdfReader(pdf).pages[0].extract_text().splitlines()
    assert url in [line.strip() for line in lines], lines  # one line, not broken mid-URL
    assert not any("?c=" in line or "/verify/" in line for line in lines)
    png = preview_png(pdf, tmp_path / "c.png", dpi=150)
    assert decode_qr(Image.open(png)) == url
