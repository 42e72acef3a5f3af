"""Uploaded photos, made safe to keep: one function for every app that accepts an image.

``clean_image(data)`` reads an upload and answers a fresh copy, or None when it is no image we
keep. The copy is decoded and written again by Pillow, so

- a file that only claims to be a picture, or a format we don't keep, is refused;
- a *decompression bomb* (a few KB of PNG that unpack to 15 000 × 15 000 px) is refused from its
  header, before anything is decoded: more than ``MAX_PIXELS`` pixels is not a photo;
- what is stored is at most ``MAX_SIDE`` px on its longer side (a 48 MP original shrinks);
- EXIF (GPS position, camera, time), XMP, comments and text chunks are dropped; the EXIF
  orientation is applied to the pixels first, so the photo still stands upright. The colour
  profile is kept (it is no personal data and the colours depend on it).

Callers turn None into their own error (casework: ``photo_not_image``, the same answer as for
a PDF) and keep their own limits on bytes and counts.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

MAX_PIXELS = 50_000_000  # a 48 MP phone photo (8064 × 6048) fits; anything bigger is refused
MAX_SIDE = 4096  # longer side of what is stored
FORMATS = {  # what we keep: Pillow format -> (content type, file extension)
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
    "GIF": ("image/gif", "gif"),
}
JPEG_QUALITY = 90


@dataclass(frozen=True)
class CleanImage:
    data: bytes
    content_type: str
    extension: str
    width: int
    height: int


def image_size(data: bytes) -> tuple[str, int, int] | None:
    """(format, width, height) from the header alone, or None when Pillow can't identify it."""
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            # Pillow warns (and past twice its limit raises) on huge headers; our own limit decides.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                return image.format, image.width, image.height
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError):
        return None


def clean_image(data: bytes) -> CleanImage | None:
    """A re-encoded copy of ``data`` without metadata and within the size caps; None if it is no image we keep."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    header = image_size(data)
    if header is None:
        return None
    fmt, width, height = header
    if fmt not in FORMATS or width < 1 or height < 1 or width * height > MAX_PIXELS:
        return None
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()  # structure and checksums, without decoding the pixels
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                icc_profile = image.info.get("icc_profile")
                transparency = image.info.get("transparency")
                image.draft(image.mode, (MAX_SIDE, MAX_SIDE))  # JPEG: decode at a reduced scale when it can
                picture = ImageOps.exif_transpose(image)  # first frame only for animations
                picture.thumbnail((MAX_SIDE, MAX_SIDE))
                return _encode(picture, fmt, icc_profile=icc_profile, transparency=transparency)
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError):
        return None


def _encode(picture, fmt: str, *, icc_profile, transparency) -> CleanImage:
    picture.info = {}  # nothing of the original's metadata travels (savers read comments etc. from here)
    options: dict = {}
    if icc_profile:
        options["icc_profile"] = icc_profile
    if fmt == "JPEG":
        if picture.mode not in ("RGB", "L", "CMYK"):
            picture = picture.convert("RGB")
        options.update(quality=JPEG_QUALITY, optimize=True)
    elif fmt == "WEBP":
        if picture.mode not in ("RGB", "RGBA"):
            picture = picture.convert("RGBA" if "A" in picture.getbands() or transparency is not None else "RGB")
        options.update(quality=JPEG_QUALITY)
    elif transparency is not None and picture.mode in ("P", "L", "RGB"):
        options["transparency"] = transparency
    out = io.BytesIO()
    picture.save(out, format=fmt, **options)
    content_type, extension = FORMATS[fmt]
    return CleanImage(out.getvalue(), content_type, extension, picture.width, picture.height)
