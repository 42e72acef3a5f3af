"""Printable A4 notices, once: one template, shown in the browser or rendered to PDF.

A printout is a template that extends ``print/a4_base.html`` (A4 page, CJK fonts,
a header and a footer per sheet, a toolbar with 打印 / 下载 PDF / 返回 on screen)
or the ready-made ``print/notice.html`` (title, issuer, text, an optional QR code
with a caption, date). The same template serves two views:

    from gongzhi.core.printing import print_page, render_pdf
    from gongzhi.core.qr import QR

    ctx = {"title": "停水通知", "issuer": community.name, "body": text, "qr": QR(url),
           "qr_caption": "扫码查看详情", "pdf_url": ..., "back_url": ...}
    return print_page(request, "print/notice.html", ctx)              # the HTML print view
    return render_pdf(request, "print/notice.html", ctx, "停水通知.pdf")  # the PDF

The templates see ``pdf`` (True in the PDF) and put a QR code in with
``{% include "print/_qr.html" with qr=... %}`` (SVG on screen, a sharp PNG in the
PDF). WeasyPrint fetches nothing: only ``data:`` URLs load (no network on
isolated government networks, no server files read through user text), so
images go in as data URIs (``core.qr`` makes them). Fonts: Debian's
``fonts-noto-cjk`` (Noto Sans CJK SC).

A real use: the 双报到 building QR sheets, ``gongzhi/org/party/views.py``
(``qr_sheet``, ``qr_sheet_pdf``, ``qr_sheets_pdf``).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.http import content_disposition_header

A4_POINTS = (595, 842)  # 210 × 297 mm, what every page of a PDF measures


def render_print_html(request: HttpRequest, template: str, context: dict[str, Any], *, pdf: bool = False) -> str:
    return render_to_string(template, {**context, "pdf": pdf}, request=request)


def html_to_pdf(html: str) -> bytes:
    """The PDF of a printable page (loads ``data:`` URLs only)."""
    import weasyprint
    from weasyprint.urls import URLFetcher

    return weasyprint.HTML(string=html, url_fetcher=URLFetcher(allowed_protocols={"data"})).write_pdf()


def pdf_bytes(request: HttpRequest, template: str, context: dict[str, Any]) -> bytes:
    return html_to_pdf(render_print_html(request, template, context, pdf=True))


def pdf_response(content: bytes, filename: str, *, attachment: bool = False) -> HttpResponse:
    """A PDF answer; inline by default (the browser shows it and prints it), named ``filename``."""
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(attachment, filename)
    return response


def render_pdf(
    request: HttpRequest, template: str, context: dict[str, Any], filename: str, *, attachment: bool = False
) -> HttpResponse:
    """Render a print template to an A4 PDF answer."""
    return pdf_response(pdf_bytes(request, template, context), filename, attachment=attachment)


def print_page(request: HttpRequest, template: str, context: dict[str, Any], *, status: int = 200) -> HttpResponse:
    """The same template as an HTML page, printable from the browser (``window.print()``)."""
    return HttpResponse(render_print_html(request, template, context), status=status)
