"""The printable QR sheets: the code really encodes the registration URL; the PDFs render one page per building."""

from __future__ import annotations

import re
import zlib

import pytest
import segno

from gongzhi.core.qr import ERROR_LEVEL as QR_ERROR_LEVEL
from gongzhi.org.testing.party_world import build_party_world


APP_WORLD = build_party_world  # built once for the module (gongzhi/testing/plugin.py)


@pytest.fixture
def pw(app_world):
    return app_world


def svg_matrix(svg: str) -> list[list[int]]:
    """Rebuild the module matrix drawn by segno's SVG path (horizontal strokes of dark modules)."""
    size = int(re.search(r'viewBox="0 0 (\d+) (\d+)"', svg).group(1))
    d = re.search(r'<path[^>]*class="qrline"[^>]* d="([^"]+)"', svg).group(1)  # the dark modules
    grid = [[0] * size for _ in range(size)]
    x = y = 0.0
    for cmd, a, b in re.findall(r"([MmHh])\s*(-?[\d.]+)(?:\s+(-?[\d.]+))?", d):
        a = float(a)
        if cmd == "M":
            x, y = a, float(b)
        elif cmd == "m":
            x, y = x + a, y + float(b)
        else:
            end = a if cmd == "H" else x + a
            for col in range(int(x), int(end)):
                grid[int(y)][col] = 1
            x = end
    return grid


def test_qr_sheet_encodes_registration_url(world, pw, login):
    client = login(world.users["community_staff"])
    html = client.get(f"/party/buildings/{world.b1.pk}/qr/").content.decode()
    url = f"http://testserver/party/r/{world.b1.qr_token}/"
    assert url in html
    for text in ("和谐社区", "阳光小区", "1栋", "阳光小区1栋党小组", "党员扫码报到", "@page"):
        assert text in html
    svg = re.search(r"<svg.*?</svg>", html, re.DOTALL).group(0)
    drawn = svg_matrix(svg)
    expected = [list(row) for row in segno.make(url, error=QR_ERROR_LEVEL, micro=False).matrix]
    border = (len(drawn) - len(expected)) // 2
    assert border >= 4  # the quiet zone scanners need
    assert [row[border:border + len(expected)] for row in drawn[border:border + len(expected)]] == expected
    assert not any(drawn[r][c] for r in range(border) for c in range(len(drawn)))  # quiet zone is blank
    # The URL opens the building's landing page.
    assert client.get(url.replace("http://testserver", "")).status_code == 403  # staff: no resident there
    assert login(world.users["resident"]).get(url.replace("http://testserver", "")).status_code == 200


def test_sheet_for_building_without_group(world, pw, login):
    html = login(world.users["community_staff"]).get(f"/party/buildings/{world.b3.pk}/qr/").content.decode()
    assert "楼栋党小组（筹建中）" in html and world.b3.qr_token in html


def pdf_text(pdf: bytes) -> bytes:
    """The PDF's own bytes plus every deflated stream (page objects sit in compressed object streams)."""
    parts = [pdf]
    # Keep the bytes up to "endstream" whole: compressed data may itself end in \r or \n, and the
    # decompressor stops at the end of the zlib stream, ignoring the line break after it.
    for match in re.finditer(rb"stream\r?\n(.*?)endstream", pdf, re.DOTALL):
        try:
            parts.append(zlib.decompressobj().decompress(match.group(1)))
        except zlib.error:
            pass
    return b"\n".join(parts)


def page_count(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf_text(pdf)))


def test_building_pdf(world, pw, login):
    response = login(world.users["community_secretary"]).get(f"/party/buildings/{world.b1.pk}/qr.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert page_count(response.content) == 1
    assert b"NotoSansCJK" in pdf_text(response.content)  # Chinese text uses the installed Noto CJK font


def test_community_pdf_one_page_per_building(world, pw, login):
    response = login(world.users["community_staff"]).get(f"/party/qr.pdf?community={world.c1.pk}")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert page_count(response.content) == 3  # b1, b2, b3
    assert "attachment" not in response["Content-Disposition"]


def test_pdf_qr_image_encodes_url(world, pw, rf):
    """The PDFs embed the code as a PNG: read its pixels back, module by module."""
    import base64
    from io import BytesIO

    from PIL import Image

    from gongzhi.org.party import views as party_views

    request = rf.get("/")
    request.user = world.users["community_staff"]
    sheet = party_views._sheet(request, world.b2, pdf=True)
    assert sheet["url"] == f"http://testserver/party/r/{world.b2.qr_token}/"
    image = Image.open(BytesIO(base64.b64decode(sheet["png"].split(",", 1)[1]))).convert("L")
    expected = [list(row) for row in segno.make(sheet["url"], error=QR_ERROR_LEVEL, micro=False).matrix]
    n, border = len(expected), 4
    scale = image.width // (n + 2 * border)
    assert image.width == image.height == scale * (n + 2 * border)

    def dark(row, col):
        return int(image.getpixel(((col + border) * scale + scale // 2, (row + border) * scale + scale // 2)) < 128)

    assert [[dark(r, c) for c in range(n)] for r in range(n)] == expected


def test_pdf_draws_code_without_smoothing(world, pw, login):
    pdf = login(world.users["community_staff"]).get(f"/party/buildings/{world.b1.pk}/qr.pdf").content
    text = pdf_text(pdf)
    assert b"/Subtype /Image" in text and b"/Interpolate false" in text
