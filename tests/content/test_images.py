"""Reading authors' images, planning their variants and making them (app/content/images.py)."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import ExifTags, Image, ImageCms

from app.content.images import (
    MAX_PIXELS,
    RASTER_SUFFIXES,
    WIDTHS,
    ImageError,
    ImageInfo,
    Variant,
    clean_original,
    inspect,
    make_variant,
    make_variants,
    plan_variants,
)

RED, BLUE = (255, 0, 0), (0, 0, 255)
SECRET = "Folio-test-secret-place"
MODERN = ["webp", "avif"] if ".avif" in RASTER_SUFFIXES else ["webp"]
PILLOW_NAMES = {"jpeg": "JPEG", "png": "PNG", "gif": "GIF", "webp": "WEBP", "avif": "AVIF"}


def encode(im: Image.Image, fmt: str, **params: object) -> bytes:
    out = io.BytesIO()
    im.save(out, fmt, **params)
    return out.getvalue()


def halves(width: int, height: int) -> Image.Image:
    """Red above, blue below: turned a quarter, the colours end up left and right."""
    im = Image.new("RGB", (width, height), RED)
    im.paste(BLUE, (0, height // 2, width, height))
    return im


def camera_exif(orientation: int) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.ImageDescription] = SECRET
    exif[ExifTags.IFD.GPSInfo] = {ExifTags.GPS.GPSLatitudeRef: "N",
                                  ExifTags.GPS.GPSLatitude: (48.0, 51.0, 24.0)}
    return exif


def rotated(fmt: str, width: int, height: int) -> bytes:
    """A camera's picture, stored on its side with EXIF orientation 6, GPS, XMP and more."""
    xmp = f"<x:xmpmeta>{SECRET}</x:xmpmeta>".encode()
    extra: dict[str, object] = {
        "JPEG": {"quality": 95, "comment": SECRET.encode(), "xmp": xmp},
        "WEBP": {"quality": 95, "xmp": xmp}}.get(fmt, {})
    return encode(halves(width, height), fmt, exif=camera_exif(6), **extra)


def opened(data: bytes) -> Image.Image:
    im = Image.open(io.BytesIO(data))
    im.load()
    return im


def near(colour: object, expected: tuple[int, ...], tolerance: int = 40) -> bool:
    assert isinstance(colour, tuple)
    return all(abs(a - b) <= tolerance for a, b in zip(colour, expected, strict=False))


def assert_no_metadata(data: bytes) -> None:
    im = opened(data)
    assert not im.getexif()
    assert not im.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert "xmp" not in im.info and "comment" not in im.info
    assert SECRET.encode() not in data


def patched_png(width: int, height: int) -> bytes:
    """A real 1 x 1 PNG whose IHDR claims ``width`` x ``height``, with a valid CRC."""
    data = bytearray(encode(Image.new("RGB", (1, 1)), "PNG"))
    data[16:24] = width.to_bytes(4, "big") + height.to_bytes(4, "big")
    data[29:33] = zlib.crc32(bytes(data[12:29])).to_bytes(4, "big")
    return bytes(data)


@pytest.mark.parametrize(("fmt", "name"), [
    ("PNG", "png"), ("JPEG", "jpeg"), ("GIF", "gif"), ("WEBP", "webp"),
    pytest.param("AVIF", "avif", marks=pytest.mark.skipif(
        ".avif" not in RASTER_SUFFIXES, reason="this Pillow reads no AVIF")),
])
def test_inspect_reads_format_and_size(fmt: str, name: str) -> None:
    assert inspect(encode(halves(321, 123), fmt)) == ImageInfo(name, 321, 123, False)


def test_raster_suffixes_are_the_formats_read() -> None:
    assert {".png", ".jpg", ".jpeg", ".gif", ".webp"} <= RASTER_SUFFIXES
    assert ".svg" not in RASTER_SUFFIXES


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_exif_orientation_swaps_the_size_and_turns_the_pixels(fmt: str) -> None:
    data = rotated(fmt, 120, 60)
    info = inspect(data)
    assert (info.width, info.height) == (60, 120)

    cleaned = opened(clean_original(data, info))
    assert cleaned.size == (60, 120)
    assert near(cleaned.getpixel((2, 2)), BLUE)  # stored red on top: turned, red is right
    assert near(cleaned.getpixel((57, 117)), RED)
    assert_no_metadata(clean_original(data, info))

    variant = Variant(30, 60, info.format)
    small = opened(make_variant(data, variant))
    assert small.size == (30, 60)
    assert near(small.getpixel((1, 1)), BLUE) and near(small.getpixel((28, 58)), RED)
    assert_no_metadata(make_variant(data, variant))


def test_metadata_is_stripped_from_every_variant_of_a_camera_photo() -> None:
    data = rotated("JPEG", 1000, 500)
    variants = plan_variants(inspect(data))
    assert variants
    for variant in variants:
        assert_no_metadata(make_variant(data, variant))


def test_the_icc_profile_is_kept() -> None:
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    data = encode(halves(600, 300), "JPEG", icc_profile=icc, exif=camera_exif(1))
    info = inspect(data)

    assert opened(clean_original(data, info)).info.get("icc_profile") == icc
    for variant in plan_variants(info):
        assert opened(make_variant(data, variant)).info.get("icc_profile") == icc


@pytest.mark.parametrize("data", [
    encode(halves(50, 40), "PNG"),
    encode(halves(50, 40), "JPEG"),
    encode(halves(50, 40), "WEBP"),
], ids=["png", "jpeg", "webp"])
def test_an_image_with_nothing_to_strip_is_served_byte_identical(data: bytes) -> None:
    assert clean_original(data, inspect(data)) == data


def test_png_text_chunks_are_stripped() -> None:
    from PIL.PngImagePlugin import PngInfo

    text = PngInfo()
    text.add_text("Comment", SECRET)
    data = encode(halves(50, 40), "PNG", pnginfo=text)

    cleaned = clean_original(data, inspect(data))
    assert cleaned != data and SECRET.encode() not in cleaned
    assert opened(cleaned).size == (50, 40)


@pytest.mark.parametrize("fmt", ["GIF", "WEBP"])
def test_an_animated_image_is_served_as_it_is(fmt: str) -> None:
    frames = [Image.new("RGB", (800, 600), colour) for colour in (RED, BLUE)]
    data = encode(frames[0], fmt, save_all=True, append_images=frames[1:], duration=100, loop=0)
    info = inspect(data)

    assert info.animated and (info.width, info.height) == (800, 600)
    assert plan_variants(info) == []
    assert clean_original(data, info) is data


def test_a_jpeg_with_a_second_picture_is_a_photo_not_an_animation() -> None:
    # Phones write a second, hidden picture (an HDR gain map) into MPO-style JPEGs.
    out = io.BytesIO()
    halves(1000, 500).save(out, "MPO", save_all=True, append_images=[halves(250, 125)],
                           exif=camera_exif(6))
    data = out.getvalue()
    info = inspect(data)

    assert info == ImageInfo("jpeg", 500, 1000, False)
    assert [v.format for v in plan_variants(info)].count("jpeg") == 1
    assert_no_metadata(clean_original(data, info))


def test_plan_never_upscales() -> None:
    variants = plan_variants(ImageInfo("jpeg", 700, 350, False))

    expected = [Variant(480, 240, fmt) for fmt in ["jpeg", *MODERN]]
    expected += [Variant(700, 350, fmt) for fmt in MODERN]
    assert sorted(variants, key=lambda v: (v.format, v.width)) == variants
    assert set(variants) == set(expected) and len(variants) == len(expected)
    assert max(v.width for v in variants) == 700


def test_a_screenshot_or_diagram_gets_webp_but_no_avif() -> None:
    # AVIF cost 60% of an image-heavy site's import for 15% fewer bytes than WebP, and lossy
    # AVIF smudges the thin lines of diagrams.
    for image_format in ("png", "gif"):
        variants = plan_variants(ImageInfo(image_format, 1000, 500, False))
        assert {v.format for v in variants} == {image_format, "webp"}
        assert Variant(1000, 500, "webp") in variants


def test_plan_of_a_small_image_is_its_modern_formats_at_full_width() -> None:
    assert plan_variants(ImageInfo("jpeg", 300, 200, False)) == [
        Variant(300, 200, fmt) for fmt in sorted(MODERN)]


def test_plan_of_a_webp_makes_no_second_webp_of_the_same_size() -> None:
    variants = plan_variants(ImageInfo("webp", 2000, 1000, False))

    webp = [v for v in variants if v.format == "webp"]
    assert webp == [Variant(w, w // 2, "webp") for w in WIDTHS]
    assert len(set(variants)) == len(variants)


def test_plan_is_deterministic_and_rounds_heights() -> None:
    info = ImageInfo("jpeg", 3001, 1999, False)
    variants = plan_variants(info)

    assert variants == plan_variants(ImageInfo("jpeg", 3001, 1999, False))
    assert Variant(480, round(1999 * 480 / 3001), "jpeg") in variants
    assert all(v.height >= 1 for v in plan_variants(ImageInfo("png", 5000, 1, False)))


def test_variant_suffix_and_content_type() -> None:
    assert (Variant(1, 1, "jpeg").suffix, Variant(1, 1, "jpeg").content_type) == (
        ".jpg", "image/jpeg")
    assert (Variant(1, 1, "webp").suffix, Variant(1, 1, "webp").content_type) == (
        ".webp", "image/webp")


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "GIF", "WEBP"])
def test_make_variant_gives_the_planned_size_and_format(fmt: str) -> None:
    data = encode(halves(1000, 500), fmt)
    for variant in plan_variants(inspect(data)):
        made = make_variant(data, variant)
        im = opened(made)
        assert im.size == (variant.width, variant.height)
        assert im.format == PILLOW_NAMES[variant.format]
        assert near(im.convert("RGB").getpixel((0, 0)), RED, tolerance=60)


def test_make_variant_refuses_a_format_folio_does_not_write() -> None:
    with pytest.raises(ValueError, match="bmp"):
        make_variant(encode(halves(10, 10), "PNG"), Variant(5, 5, "bmp"))


def palette_with_transparency() -> Image.Image:
    im = Image.new("P", (700, 400), 1)
    im.putpalette([0, 0, 0, *RED, *BLUE])
    im.paste(0, (0, 0, 100, 100))  # the transparent index, in the top left corner
    im.paste(2, (0, 200, 700, 400))
    im.info["transparency"] = 0
    return im


@pytest.mark.parametrize("data", [
    encode(Image.new("CMYK", (700, 400), (0, 255, 255, 0)), "JPEG"),
    encode(palette_with_transparency(), "PNG", transparency=0),
    encode(palette_with_transparency(), "GIF", transparency=0),
    encode(Image.new("LA", (700, 400), (128, 200)), "PNG"),
    encode(Image.new("1", (700, 400), 1), "PNG"),
    encode(Image.new("I;16", (700, 400), 40000), "PNG"),
    encode(Image.new("L", (700, 400), 90), "JPEG"),
    encode(Image.new("RGBA", (700, 400), (*BLUE, 128)), "WEBP"),
], ids=["cmyk-jpeg", "palette-png", "palette-gif", "grey-alpha-png", "bilevel-png",
        "16-bit-grey-png", "grey-jpeg", "rgba-webp"])
def test_every_mode_makes_every_variant(data: bytes) -> None:
    info = inspect(data)
    variants = plan_variants(info)
    together = make_variants(data, variants)
    for variant, made in zip(variants, together, strict=True):
        im = opened(made)
        assert im.size == (variant.width, variant.height)
        assert im.format == PILLOW_NAMES[variant.format]
        if info.format != "jpeg":  # one at a time, a JPEG is decoded at each variant's scale
            assert made == make_variant(data, variant)
    clean_original(data, info)


def test_variants_made_together_keep_transparency_in_every_format() -> None:
    # Decoded once for all its variants: the PNG copies must not take the transparency away
    # from the WebP copies made after them.
    data = encode(palette_with_transparency(), "PNG", transparency=0)
    variants = [Variant(480, 274, "png"), Variant(480, 274, "webp"), Variant(700, 400, "webp")]
    for made in make_variants(data, variants):
        im = opened(made).convert("RGBA")
        assert im.getpixel((5, 5))[3] == 0  # type: ignore[index]


def test_cmyk_variants_are_rgb_of_the_same_colour() -> None:
    data = encode(Image.new("CMYK", (700, 400), (0, 255, 255, 0)), "JPEG")
    webp = opened(make_variant(data, Variant(480, 274, "webp")))
    assert webp.mode == "RGB" and near(webp.getpixel((10, 10)), RED, tolerance=60)


def test_palette_transparency_survives_in_png_and_webp_variants() -> None:
    data = encode(palette_with_transparency(), "PNG", transparency=0)
    for fmt in ("png", "webp"):
        im = opened(make_variant(data, Variant(480, 274, fmt))).convert("RGBA")
        assert im.getpixel((5, 5))[3] == 0  # type: ignore[index]
        assert near(im.getpixel((400, 250)), (*BLUE, 255))


@pytest.mark.parametrize("data", [
    b"Just some notes about the trip.\n",
    b"<!DOCTYPE html><html><body>Not found</body></html>",
    b"",
    encode(halves(40, 40), "BMP"),
], ids=["text", "html-named-png", "empty", "bmp"])
def test_what_is_not_an_image_raises_image_error(data: bytes) -> None:
    message = r"^is not an image Folio can read \(PNG, JPEG, GIF, WebP(, AVIF)?\)$"
    with pytest.raises(ImageError, match=message):
        inspect(data)
    with pytest.raises(ImageError, match=message):
        make_variant(data, Variant(10, 10, "webp"))


@pytest.mark.parametrize(("data", "label"), [
    (encode(halves(40, 40), "PNG")[:20], "PNG"),
    (b"\xff\xd8\xff\xe0" + b"\x00" * 40, "JPEG"),
    (b"GIF89a" + b"\xff" * 3, "GIF"),
    (b"RIFF\x10\x00\x00\x00WEBPVP8 " + b"\x00" * 8, "WebP"),
    (encode(halves(400, 400), "WEBP")[:300], "WebP"),
], ids=["truncated-png-header", "jpeg-marker-then-zeros", "gif-header-only", "webp-zeros",
        "truncated-webp"])
def test_a_damaged_header_raises_image_error(data: bytes, label: str) -> None:
    with pytest.raises(ImageError, match=f"^is a damaged {label} image Folio cannot read"):
        inspect(data)


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "GIF"])
def test_a_truncated_image_is_read_but_not_decoded(fmt: str) -> None:
    whole = encode(Image.effect_noise((600, 400), 64).convert("RGB"), fmt)
    data = whole[: len(whole) * 2 // 3]
    info = inspect(data)

    with pytest.raises(ImageError, match="^is a damaged image Folio cannot decode"):
        make_variant(data, plan_variants(info)[0])
    with pytest.raises(ImageError, match="^is a damaged image Folio cannot decode"):
        clean_original(data, info)


@pytest.mark.parametrize(("width", "height"), [(100_000, 100_000), (30_000, 30_000),
                                               (8_000, 8_000), (MAX_PIXELS + 1, 1)])
def test_a_decompression_bomb_is_refused_from_its_header(width: int, height: int) -> None:
    data = patched_png(width, height)
    message = (f"is a decompression bomb: {width} x {height} pixels, "
               "more than the 50,000,000 Folio accepts")

    for read in (inspect, lambda d: make_variant(d, Variant(480, 480, "webp")),
                 lambda d: clean_original(d, ImageInfo("png", width, height, False))):
        with pytest.raises(ImageError) as raised:
            read(data)
        assert str(raised.value) == message


def test_an_image_at_the_limit_is_accepted() -> None:
    assert inspect(patched_png(10_000, 5_000)) == ImageInfo("png", 10_000, 5_000, False)


@pytest.mark.parametrize(("width", "height"), [(16_384, 16_384), (10_000, 8_000)])
def test_a_webp_bomb_is_refused_before_libwebp_allocates_it(width: int, height: int) -> None:
    # An extended WebP header (VP8X) declaring the canvas, and nothing after it.
    vp8x = b"\x00" * 4 + (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little")
    data = b"RIFF" + (22).to_bytes(4, "little") + b"WEBPVP8X" + (10).to_bytes(4, "little") + vp8x

    with pytest.raises(ImageError, match=f"^is a decompression bomb: {width} x {height} pixels"):
        inspect(data)


def test_a_gif_frame_far_larger_than_its_screen_is_a_bomb() -> None:
    # A 10 x 10 screen whose first frame claims 60000 x 60000 pixels.
    data = (b"GIF89a" + struct.pack("<HHBBB", 10, 10, 0, 0, 0)
            + b"," + struct.pack("<HHHHB", 0, 0, 60_000, 60_000, 0) + b"\x02\x02\x44\x01\x00;")

    with pytest.raises(ImageError, match="^is a decompression bomb: 3,600,000,000 pixels, "):
        inspect(data)
