"""Case photos are served only through here, after the same access check as the case itself.

There is no public media URL for them. ``?size=thumb`` returns a small JPEG for timelines and lists,
so a phone on a weak connection does not download a 10 MB original to show a 96 px square.
"""

from __future__ import annotations

import io

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from gongzhi.core.errors import NotFound

from ..models import CasePhoto
from ..permissions import access_case

THUMB_PX = 480


def thumbnail(item: CasePhoto) -> tuple[bytes, str]:
    """A JPEG at most THUMB_PX on its longer side (the original when it can't be decoded, e.g. HEIC)."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    with item.image.open("rb") as fh:
        raw = fh.read()
    try:
        with Image.open(io.BytesIO(raw)) as image:
            image.draft("RGB", (THUMB_PX, THUMB_PX))
            image = ImageOps.exif_transpose(image)
            image.thumbnail((THUMB_PX, THUMB_PX))
            out = io.BytesIO()
            image.convert("RGB").save(out, format="JPEG", quality=75, optimize=True)
            return out.getvalue(), "image/jpeg"
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError):
        return raw, item.content_type


@login_required
@require_GET
def photo(request: HttpRequest, pk: int) -> HttpResponse:
    """A case photo, after the same access check as the case itself (there is no public media URL)."""
    item = CasePhoto.objects.filter(pk=pk).first()
    if item is None:
        raise NotFound()
    access_case(request.user, item.case_id)
    try:
        if request.GET.get("size") == "thumb":
            data, content_type = thumbnail(item)
            response = HttpResponse(data, content_type=content_type)
        else:
            response = FileResponse(item.image.open("rb"), content_type=item.content_type)
    except FileNotFoundError:
        # The file is written just after the request's transaction commits (core.effects); in that
        # instant, or if storage lost it, there is nothing to show.
        raise NotFound() from None
    response["Cache-Control"] = "private, max-age=86400"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = "inline"
    return response
