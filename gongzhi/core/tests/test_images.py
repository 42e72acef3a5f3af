"""core.images.clean_image: every uploaded photo is re-encoded, bounded and stripped of EXIF."""

import io
from functools import cache

from PIL import Image, PngImagePlugin

from gongzhi.core import images


@cache
def bomb() -> bytes:
    """The probe's file: about 27 KB of PNG that unpacks to 15 000 × 15 000 px (past Pillow's own limit)."""
    out = io.BytesIO()
    Image.new("1", (15_000, 15_000)).save(out, format="PNG", optimize=True)
    return out.getvalue()


def encoded(image: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **options)
    return out.getvalue()


def gps_exif(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[0x0112] = orientation  # Orientation
    exif[0x010F] = "ACME phone"  # Make
    exif.get_ifd(0x8825).update({1: "N", 2: (31.0, 49.0, 14.1), 3: "E", 4: (117.0, 13.0, 38.0)})  # GPS: Hefei
    return exif


def test_a_decompression_bomb_is_refused_from_its_header():
    data = bomb()
    assert len(data) < 100_000
    assert images.clean_image(data) is None
    assert images.image_size(data) is None  # Pillow itself refuses to open it: no exception escapes


def test_more_pixels_than_a_photo_has_is_refused_even_below_pillows_limit():
    data = encoded(Image.new("1", (7_100, 7_100)), "PNG")  # 50.4 MP: Pillow only warns
    assert images.image_size(data) == ("PNG", 7_100, 7_100)
    assert images.clean_image(data) is None


def test_not_an_image_or_a_truncated_one_is_none():
    assert images.clean_image(b"%PDF-1.4 not an image") is None
    assert images.clean_image(b"\x89PNG\r\n\x1a\n" + b"\0" * 100) is None
    assert images.clean_image(encoded(Image.new("RGB", (64, 64), (9, 9, 9)), "PNG")[:60]) is None
    assert images.clean_image(encoded(Image.new("RGB", (8, 8)), "BMP")) is None  # a format we don't keep


def test_exif_location_is_dropped_and_orientation_applied():
    original = encoded(Image.new("RGB", (40, 20), (200, 30, 30)), "JPEG", exif=gps_exif(orientation=6))
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)  # the original tells where it was taken
    clean = images.clean_image(original)
    assert (clean.content_type, clean.extension) == ("image/jpeg", "jpg")
    with Image.open(io.BytesIO(clean.data)) as kept:
        assert dict(kept.getexif()) == {} and "exif" not in kept.info
        assert kept.size == (20, 40) == (clean.width, clean.height)  # rotated as the phone meant it
    assert b"ACME" not in clean.data


def test_png_and_webp_metadata_is_dropped():
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "王小明 13912345678")
    png = encoded(Image.new("RGBA", (30, 30), (0, 0, 255, 128)), "PNG", pnginfo=info, exif=gps_exif())
    webp = encoded(Image.new("RGB", (30, 30), (0, 255, 0)), "WEBP", exif=gps_exif())
    for data, fmt in ((png, "PNG"), (webp, "WEBP")):
        clean = images.clean_image(data)
        with Image.open(io.BytesIO(clean.data)) as kept:
            assert kept.format == fmt and dict(kept.getexif()) == {}
            assert "Comment" not in kept.info and "exif" not in kept.info
        assert b"13912345678" not in clean.data and b"ACME" not in clean.data
    with Image.open(io.BytesIO(images.clean_image(png).data)) as kept:
        assert kept.mode == "RGBA" and kept.getpixel((0, 0)) == (0, 0, 255, 128)


def test_a_big_photo_is_stored_at_most_max_side():
    clean = images.clean_image(encoded(Image.new("RGB", (6_000, 1_000), (1, 2, 3)), "JPEG"))
    assert (clean.width, clean.height) == (images.MAX_SIDE, 683)
    with Image.open(io.BytesIO(clean.data)) as kept:
        assert kept.size == (images.MAX_SIDE, 683)


def test_an_animated_gif_keeps_its_first_frame():
    frames = [Image.new("P", (10, 10), i) for i in (1, 2, 3)]
    data = encoded(frames[0], "GIF", save_all=True, append_images=frames[1:], comment=b"13912345678")
    clean = images.clean_image(data)
    with Image.open(io.BytesIO(clean.data)) as kept:
        assert kept.format == "GIF" and getattr(kept, "n_frames", 1) == 1
    assert b"13912345678" not in clean.data
