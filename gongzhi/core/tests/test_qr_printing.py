"""QR codes and printable A4 notices: the code reads back as the URL, the PDF is A4 and says it in Chinese."""

from __future__ import annotations

import re
import shutil
import subprocess
from io import BytesIO

import pytest
import segno
from django.test import RequestFactory

from gongzhi.core import printing, qr
from gongzhi.org.tests.test_party_qr import pdf_text

URL = "https://gongzhi.example/party/r/abc123/"


def _matrix(data: str) -> list[list[int]]:
    return [list(row) for row in segno.make(data, error=qr.ERROR_LEVEL, micro=False).matrix]


def test_png_reads_back_module_by_module():
    from PIL import Image

    image = Image.open(BytesIO(qr.png_bytes(URL))).convert("L")
    expected = _matrix(URL)
    n = len(expected)
    assert image.width == image.height == n + 2 * qr.BORDER  # one pixel per module, quiet zone of four
    drawn = [[int(image.getpixel((c + qr.BORDER, r + qr.BORDER)) < 128) for c in range(n)] for r in range(n)]
    assert drawn == expected
    assert all(image.getpixel((c, 0)) == 255 for c in range(image.width))  # the quiet zone is blank


def test_data_uri_and_svg_forms():
    code = qr.QR(URL)
    assert code.png_data_uri.startswith("data:image/png;base64,iVBORw0KGgo")  # base64 of the PNG signature
    assert code.svg.startswith("<svg") and 'viewBox="0 0 ' in code.svg and "width=" not in code.svg.split(">")[0]
    assert qr.svg_bytes(URL).lstrip().startswith((b"<?xml", b"<svg"))
    assert str(code) == URL


def _pdftotext(pdf: bytes) -> str:
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed")
    return subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()


def _page_sizes(pdf: bytes) -> list[tuple[float, float]]:
    """MediaBox of every page (page objects sit in compressed object streams)."""
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf_text(pdf))
    return [(float(w), float(h)) for w, h in boxes]


@pytest.fixture
def request_():
    request = RequestFactory().get("/")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    return request


NOTICE = {
    "title": "停水通知",
    "issuer": "和谐社区居委会",
    "body": "因管道维修，本周六上午8时至12时阳光小区停水。\n请提前储水。",
    "qr": qr.QR(URL),
    "qr_caption": "扫码查看详情",
    "footer": "和谐社区 · 共治",
}


def test_notice_pdf_is_a4_and_carries_the_chinese_text(request_):
    response = printing.render_pdf(request_, "print/notice.html", NOTICE, "停水通知.pdf")
    assert response["Content-Type"] == "application/pdf" and "inline" in response["Content-Disposition"]
    pdf = response.content
    assert pdf.startswith(b"%PDF")
    sizes = _page_sizes(pdf)
    assert sizes and all(w == pytest.approx(printing.A4_POINTS[0], abs=1) and h == pytest.approx(
        printing.A4_POINTS[1], abs=1) for w, h in sizes)
    assert b"NotoSansCJK" in pdf_text(pdf)  # the CJK font from fonts-noto-cjk is embedded
    text = _pdftotext(pdf)
    for words in ("停水通知", "和谐社区居委会", "阳光小区停水", "扫码查看详情", "和谐社区 · 共治"):
        assert words in text


def test_notice_pdf_embeds_the_code_as_a_sharp_image(request_):
    pdf = printing.pdf_bytes(request_, "print/notice.html", NOTICE)
    assert b"/Subtype /Image" in pdf_text(pdf) and b"/Interpolate false" in pdf_text(pdf)


def test_notice_html_print_view_has_the_svg_code_and_a_print_button(request_):
    response = printing.print_page(request_, "print/notice.html", {**NOTICE, "pdf_url": "/x.pdf", "back_url": "/"})
    html = response.content.decode()
    assert "@page { size: A4" in html and "data-print" in html and 'href="/x.pdf"' in html
    assert "<svg" in html and "data:image/png" not in html
    assert "停水通知" in html and "<p>因管道维修" in html


def test_pdf_fetches_nothing_from_the_network(request_, monkeypatch):
    """Only data: URLs load: an <img> pointing elsewhere is dropped, the PDF still renders."""
    import urllib.request

    fetched = []  # WeasyPrint swallows fetch errors, so record the attempts instead of raising
    monkeypatch.setattr(urllib.request.OpenerDirector, "open", lambda self, req, *a, **k: fetched.append(req))
    html = '<html><body><img src="http://169.254.169.254/latest"><img src="file:///etc/passwd"><p>好</p></body></html>'
    assert printing.html_to_pdf(html).startswith(b"%PDF")
    assert fetched == []


def test_party_building_sheet_pdf_is_a4_with_the_registration_url(world, login):
    from gongzhi.org.testing.party_world import build_party_world

    build_party_world(world)
    response = login(world.users["community_staff"]).get(f"/party/buildings/{world.b1.pk}/qr.pdf")
    assert response.status_code == 200
    assert all(w == pytest.approx(595, abs=1) and h == pytest.approx(842, abs=1) for w, h in _page_sizes(
        response.content))
    text = _pdftotext(response.content)
    assert f"/party/r/{world.b1.qr_token}/" in text.replace("\n", "").replace(" ", "")
    assert "党员扫码报到" in text
