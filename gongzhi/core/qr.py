"""QR codes, once: segno, error level Q, a quiet zone of four modules.

``QR(data)`` is what templates get: ``{{ qr.svg|safe }}`` on a page (inline SVG,
scaled by CSS) and ``<img src="{{ qr.png_data_uri }}">`` in a PDF. The
print template's QR slot (``print/_qr.html``) picks the right one, so a printout
only puts ``"qr": QR(url)`` in its context. Each form is made on first use.

A real use: the building sheets of 双报到, ``gongzhi/org/party/views.py``.
"""

from __future__ import annotations

import base64
from functools import cached_property
from io import BytesIO

import segno

ERROR_LEVEL = "q"  # 25 % of the code may be dirty or torn and it still scans
BORDER = 4  # the quiet zone scanners need, in modules


def make(data: str) -> segno.QRCode:
    """The code for ``data`` (never a Micro QR: phones do not read those)."""
    return segno.make(data, error=ERROR_LEVEL, micro=False)


def svg(data: str) -> str:
    """Inline SVG (a ``<svg>`` element with a viewBox and no fixed size: CSS sets the size)."""
    return make(data).svg_inline(scale=1, border=BORDER, omitsize=True, dark="#000", light="#fff")


def png_bytes(data: str) -> bytes:
    """A 1-bit PNG with one pixel per module, quiet zone included.

    A PDF scales it up with ``image-rendering: pixelated`` (no interpolation), so
    every module prints as a sharp square; drawing SVG path segments instead cost
    WeasyPrint about a third of a 189-page sheet's render time.
    """
    from PIL import Image

    matrix = make(data).matrix
    size = len(matrix) + 2 * BORDER
    image = Image.new("1", (size, size), 1)
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                image.putpixel((x + BORDER, y + BORDER), 0)
    out = BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def png_data_uri(data: str) -> str:
    return "data:image/png;base64," + base64.b64encode(png_bytes(data)).decode("ascii")


def svg_bytes(data: str) -> bytes:
    """A standalone SVG file (for a download)."""
    out = BytesIO()
    make(data).save(out, kind="svg", border=BORDER, scale=10, dark="#000", light="#fff")
    return out.getvalue()


class QR:
    """One code for a template: ``.data``, ``.svg``, ``.png_data_uri`` (each made once, on first use)."""

    def __init__(self, data: str) -> None:
        self.data = data

    @cached_property
    def svg(self) -> str:
        return svg(self.data)

    @cached_property
    def png_data_uri(self) -> str:
        return png_data_uri(self.data)

    def __str__(self) -> str:
        return self.data
