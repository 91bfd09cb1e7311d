"""The e-certificate A4 PDF: Chinese text extractable, ID masked, QR verifies, marked self-printed."""

from __future__ import annotations

import dataclasses

import pypdf
import pytest
from PIL import Image

from printer import demo
from printer.certificate import SELF_PRINT_MARK, issue_certificate, preview_png, render_certificate_pdf
from tests.printer.conftest import decode_qr


@pytest.fixture(scope="module")
def pdf(tmp_path_factory):
    return render_certificate_pdf(demo.CERTIFICATE, tmp_path_factory.mktemp("cert") / "c.pdf")


def test_pdf_is_one_a4_page_with_the_text_extractable(pdf):
    reader = pypdf.PdfReader(pdf)
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 in points
    text = reader.pages[0].extract_text()
    cert = demo.CERTIFICATE
    for piece in (
        cert.title,
        cert.number,
        cert.holder_name,
        cert.department,
        SELF_PRINT_MARK,
        "2026年11月20日",
    ):
        assert piece in text, piece


def test_holder_id_number_is_masked(pdf):
    text = pypdf.PdfReader(pdf).pages[0].extract_text()
    assert "1101**********002X" in text
    assert demo.CERTIFICATE.holder_id_number not in text
    assert demo.CERTIFICATE.holder_id_number.encode() not in pdf.read_bytes()


def test_chinese_font_is_embedded(pdf):
    fonts = {
        str(f.get_object()["/BaseFont"])
        for f in pypdf.PdfReader(pdf).pages[0]["/Resources"]["/Font"].values()
    }
    assert any("WenQuanYi" in f or "HallCJK" in f for f in fonts), fonts


def test_preview_png_shows_a_qr_that_verifies(pdf, tmp_path):
    png = preview_png(pdf, tmp_path / "c.png", dpi=100)
    img = Image.open(png)
    assert img.size == (827, 1170)  # A4 at 100 dpi
    assert decode_qr(img) == demo.CERTIFICATE.verify_url


def test_without_a_printer_it_is_saved_with_its_preview(tmp_path):
    cert = dataclasses.replace(demo.CERTIFICATE, valid_until=None, number="JY/144 03")
    out = issue_certificate(cert, tmp_path)
    assert out.cups_job is None and out.error is None
    assert out.pdf.parent == tmp_path and out.pdf.name == "certificate-JY_144_03.pdf"
    assert out.png is not None and out.png.exists()
    assert "长期" in pypdf.PdfReader(out.pdf).pages[0].extract_text()
