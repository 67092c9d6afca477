"""Authors' raster images: what they are, which resized copies to make, and making them.

Everything here works on bytes and returns bytes or plain records: reading files and writing the
results belong to the importer. An image is untrusted input: whatever the bytes are, a function
here returns or raises ImageError, never a Pillow exception, and never decodes more than
MAX_PIXELS pixels. Served images carry no metadata (EXIF may hold GPS coordinates) and are turned
the way the camera meant, so browsers never need the EXIF orientation.
"""

from __future__ import annotations

import io
import re
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from functools import cache
from importlib import import_module
from typing import Any

from PIL import ExifTags, Image, ImageCms, ImageFile, features

# The plugins of the formats Folio reads, imported by name: each registers its opener and
# saver. Image.init() would load all forty of Pillow's, a twentieth of a second of a re-import.
for _plugin in ("GifImagePlugin", "JpegImagePlugin", "PngImagePlugin", "WebPImagePlugin",
                "AvifImagePlugin"):
    with suppress(ImportError):  # a Pillow without AVIF
        import_module(f"PIL.{_plugin}")


class ImageError(Exception):
    """A file that cannot be used as an image; the message is a sentence for the author."""


WIDTHS: tuple[int, ...] = (480, 960, 1600)
MAX_PIXELS = 50_000_000

# Pillow's format names, tried in this order, and Folio's name for each.
_AVIF_READABLE = features.check("avif") is True
_OPENERS = ("PNG", "JPEG", "GIF", "WEBP") + (("AVIF",) if _AVIF_READABLE else ())
_FORMATS = {"PNG": "png", "JPEG": "jpeg", "MPO": "jpeg", "GIF": "gif", "WEBP": "webp",
            "AVIF": "avif"}
_SUFFIXES = {"jpeg": ".jpg", "png": ".png", "gif": ".gif", "webp": ".webp", "avif": ".avif"}
_READABLE = "PNG, JPEG, GIF, WebP" + (", AVIF" if _AVIF_READABLE else "")
RASTER_SUFFIXES: frozenset[str] = frozenset(
    {".png", ".jpg", ".jpeg", ".gif", ".webp"} | ({".avif"} if _AVIF_READABLE else set()))

# How each format is written: originals re-encoded only to strip metadata keep more quality.
_ORIGINAL_OPTIONS: dict[str, dict[str, Any]] = {
    "jpeg": {"quality": 90}, "png": {"optimize": True}, "gif": {},
    "webp": {"quality": 90, "method": 4}, "avif": {"quality": 90}}
# Variants are many (up to eight an image), and their encoding is most of an image-heavy site's
# import. Measured on lil-log's diagrams: WebP's method 2 takes half method 4's time for 3.7%
# more bytes, zlib level 3 60% of level 6's for 0.5% more; AVIF at speed 8 and PNG without the
# optimiser's extra passes cost a third of the time, for a few per cent of bytes.
_VARIANT_OPTIONS: dict[str, dict[str, Any]] = {
    "jpeg": {"quality": 82, "progressive": True, "optimize": True}, "png": {"compress_level": 3},
    "gif": {}, "webp": {"quality": 80, "method": 2}, "avif": {"quality": 60, "speed": 8}}

# Formats photographs come in, which get an AVIF copy too. Screenshots and diagrams (PNG, GIF)
# get WebP only: on lil-log's 500 diagrams AVIF was 15% smaller than WebP but took 60% of the
# import's encoding time, and lossy AVIF at variant quality smudges thin lines and small text.
# Every browser that reads AVIF reads WebP.
_PHOTOGRAPHS = frozenset({"jpeg", "webp", "avif"})

# JPEG segments that are not metadata: JFIF, the ICC profile and Adobe's colour transform.
_JPEG_PLAIN = (("APP0", b"JFIF\x00"), ("APP0", b"JFXX\x00"), ("APP2", b"ICC_PROFILE\x00"),
               ("APP14", b"Adobe"))
# EXIF orientation -> the transposition that shows the image the right way up.
_TRANSPOSE = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
              4: Image.Transpose.FLIP_TOP_BOTTOM, 5: Image.Transpose.TRANSPOSE,
              6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
              8: Image.Transpose.ROTATE_90}
# The colour space an ICC profile describes (bytes 16-20 of its header), by image mode.
_ICC_SPACES = {"RGB": b"RGB ", "RGBA": b"RGB ", "P": b"RGB ", "L": b"GRAY", "LA": b"GRAY",
               "CMYK": b"CMYK"}


@dataclass(frozen=True)
class ImageInfo:
    """What the header says: Folio's format name, the size as displayed (EXIF orientation
    applied) and whether there is more than one frame."""

    format: str
    width: int
    height: int
    animated: bool


@dataclass(frozen=True)
class Variant:
    """One resized or re-encoded copy of an image, as planned from its ImageInfo."""

    width: int
    height: int
    format: str

    @property
    def suffix(self) -> str:
        return _SUFFIXES[self.format]

    @property
    def content_type(self) -> str:
        return f"image/{self.format}"


def inspect(data: bytes) -> ImageInfo:
    """Format, displayed size and animation of ``data``, reading only its headers.

    Raises ImageError for bytes that are not a PNG, JPEG, GIF or WebP (or AVIF where Pillow
    reads it) and for an image of more than MAX_PIXELS pixels.
    """
    with _reading(), _open(data) as im:
        width, height = im.size
        if _orientation(im) >= 5:
            width, height = height, width
        animated = _animated(im)
        _check_size(im.size)  # a GIF frame can reach beyond the screen it declared
        return ImageInfo(_FORMATS[im.format or ""], width, height, animated)


def plan_variants(info: ImageInfo) -> list[Variant]:
    """The copies to make of an image, decided from ``info`` alone, sorted by format then width.

    None for an animated image (served as it is). Otherwise each width of WIDTHS narrower than
    the image, in its own format and in WebP (and, for a photograph, AVIF where Pillow writes
    it), plus the full width in each of those modern formats that is not the image's own.
    """
    if info.animated:
        return []
    candidates = ("webp", "avif") if info.format in _PHOTOGRAPHS else ("webp",)
    writable = [fmt for fmt in (info.format, *candidates) if fmt != "avif" or _avif_writable()]
    modern = [fmt for fmt in writable[1:] if fmt != info.format]
    planned = [Variant(width, max(1, round(info.height * width / info.width)), fmt)
               for fmt in dict.fromkeys(writable)
               for width in WIDTHS if width < info.width]
    planned += [Variant(info.width, info.height, fmt) for fmt in modern]
    return sorted(planned, key=lambda variant: (variant.format, variant.width))


def clean_original(data: bytes, info: ImageInfo) -> bytes:
    """``data`` as it should be served: turned by its EXIF orientation, with no metadata.

    Animated images, and images with no metadata and no orientation to apply, come back
    byte-identical; the others are re-encoded in their own format (JPEG at quality 90), keeping
    the ICC profile. Raises ImageError for bytes that cannot be decoded.
    """
    if info.animated:
        return data
    with _reading(), _open(data) as im:
        orientation = _orientation(im)  # from the headers, as inspect() saw it
        im.load()
        if orientation == 1 and not _has_metadata(im):
            return data
        icc = im.info.get("icc_profile")
        kept = ("transparency", "background") if info.format == "gif" else ("transparency",)
        out = _turned(im, orientation)
        out.info = {key: im.info[key] for key in kept if key in im.info}
        options = dict(_ORIGINAL_OPTIONS[info.format])
        if info.format == "webp" and _webp_lossless(data):
            options = {"lossless": True}
        return _encode(out, info.format, icc, options)


def make_variant(data: bytes, variant: Variant) -> bytes:
    """``data`` turned by its EXIF orientation, resized (Lanczos) to the variant's size and
    encoded in its format, with no metadata but the ICC profile.

    Raises ImageError for bytes that cannot be decoded, ValueError for a format Folio does not
    write.
    """
    return make_variants(data, [variant])[0]


def make_variants(data: bytes, variants: Sequence[Variant]) -> list[bytes]:
    """Each of ``variants`` of ``data``, as :func:`make_variant` makes it, from one decoding:
    the image is decoded once, and resized once per size for the formats that store the same
    pixels (WebP and AVIF), where decoding and resizing it for each variant took a third of
    the import of an image-heavy site.

    Raises ImageError for bytes that cannot be decoded, ValueError for a format Folio does not
    write.
    """
    for variant in variants:
        if variant.format not in _SUFFIXES or (variant.format == "avif" and not _avif_writable()):
            raise ValueError(f"Folio does not write {variant.format!r} images")
    if not variants:
        return []
    with _reading(), _open(data) as im:
        orientation = _orientation(im)
        if im.format in ("JPEG", "MPO"):  # let libjpeg decode at a fraction of the size
            largest = max(variants, key=lambda variant: variant.width)
            size = (largest.width, largest.height)
            wanted = size[::-1] if orientation >= 5 else size
            im.draft(None, (wanted[0] * 2, wanted[1] * 2))
        icc = im.info.get("icc_profile")
        im.load()
        turned = _turned(im, orientation)
        encoded = [b""] * len(variants)
        # One kind of pixels at a time, so that a large image is held in memory at most twice
        # besides its decoding.
        by_pixels = sorted(range(len(variants)), key=lambda index: _pixels(variants[index]))
        current = None
        for index in by_pixels:
            variant = variants[index]
            if _pixels(variant) != current:
                current = _pixels(variant)
                source, source_icc = _for_output(turned, icc, variant.format)
                if source.info:  # the encoder would write it; turned keeps its own
                    source = source.copy() if source is turned else source
                    source.info = {}
                resized: dict[tuple[int, int], Image.Image] = {}
            size = (variant.width, variant.height)
            if size not in resized:
                resized[size] = source if source.size == size else source.resize(
                    size, Image.Resampling.LANCZOS)
            encoded[index] = _encode(resized[size], variant.format, source_icc,
                                     dict(_VARIANT_OPTIONS[variant.format]))
        return encoded


def _pixels(variant: Variant) -> str:
    """The variants that store the same pixels: WebP and AVIF (_for_output converts alike)."""
    return "webp" if variant.format == "avif" else variant.format


@cache
def _avif_writable() -> bool:
    if not _AVIF_READABLE:
        return False
    try:
        Image.new("RGB", (1, 1)).save(io.BytesIO(), "AVIF")
    except Exception:  # built without an AV1 encoder
        return False
    return True


@contextmanager
def _reading() -> Iterator[None]:
    """Turns whatever Pillow raises, and its decompression bomb warning, into ImageError."""
    # catch_warnings() is process-wide: fine, as the import decodes in worker processes.
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            yield
        except ImageError:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
            found = re.search(r"\((\d+) pixels\)", str(error))
            pixels = f"{int(found.group(1)):,} pixels" if found else "an enormous frame"
            raise ImageError(f"is a decompression bomb: {pixels}, more than the "
                             f"{MAX_PIXELS:,} Folio accepts") from error
        except Exception as error:
            raise ImageError(f"is a damaged image Folio cannot decode ({error})") from error


def _open(data: bytes) -> ImageFile.ImageFile:
    # Image.open() would refuse a bomb before saying its size, and try dozens of formats.
    prefix = data[:16]
    for name in _OPENERS:
        if name not in Image.OPEN:
            continue
        factory, accept = Image.OPEN[name]
        if accept is not None and accept(prefix) is not True:
            continue
        if name == "WEBP" and (canvas := _webp_canvas(data)):
            _check_size(canvas)  # libwebp allocates the canvas as it opens the file
        try:
            im = factory(io.BytesIO(data), "")
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise  # _reading() says how big
        except Exception as error:
            label = "WebP" if name == "WEBP" else name
            raise ImageError(f"is a damaged {label} image Folio cannot read ({error})") from error
        _check_size(im.size)
        return im
    raise ImageError(f"is not an image Folio can read ({_READABLE})")


def _webp_canvas(data: bytes) -> tuple[int, int] | None:
    """The size a WebP file's header declares, as Pillow's WebP plugin reads it."""
    chunk = data[12:16]

    def little(start: int, end: int) -> int:
        return int.from_bytes(data[start:end], "little")

    if chunk == b"VP8X" and len(data) >= 30:
        return little(24, 27) + 1, little(27, 30) + 1
    if chunk == b"VP8 " and len(data) >= 30 and data[23:26] == b"\x9d\x01\x2a":
        return little(26, 28) & 0x3FFF, little(28, 30) & 0x3FFF
    if chunk == b"VP8L" and len(data) >= 25 and data[20] == 0x2F:
        bits = little(21, 25)
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    return None


def _check_size(size: tuple[int, int]) -> None:
    width, height = size
    if width < 1 or height < 1:
        raise ImageError(f"is not an image Folio can read ({_READABLE}): it has no pixels")
    if width * height > MAX_PIXELS:
        raise ImageError(f"is a decompression bomb: {width} x {height} pixels, more than the "
                         f"{MAX_PIXELS:,} Folio accepts")


def _animated(im: Image.Image) -> bool:
    # A JPEG with a second picture (MPO: 3D cameras, HDR gain maps) is a photo, not animation.
    return im.format != "MPO" and bool(getattr(im, "is_animated", False))


def _orientation(im: Image.Image) -> int:
    """The EXIF orientation (1 to 8) found in the headers; 1 when absent or unreadable."""
    raw = im.info.get("exif")
    if not isinstance(raw, bytes) or not raw:
        return 1
    exif = Image.Exif()
    try:
        exif.load(raw)
        value = exif.get(ExifTags.Base.Orientation, 1)
    except Exception:  # a broken EXIF block spoils no picture: it is dropped anyway
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def _turned(im: Image.Image, orientation: int) -> Image.Image:
    method = _TRANSPOSE.get(orientation)
    return im if method is None else im.transpose(method)


def _has_metadata(im: Image.Image) -> bool:
    if any(key in im.info for key in ("exif", "xmp", "comment", "photoshop", "extension")):
        return True
    if im.format == "PNG" and getattr(im, "text", None):
        return True
    applist: list[tuple[str, bytes]] = getattr(im, "applist", [])
    return any(not any(marker == name and payload.startswith(start)
                       for name, start in _JPEG_PLAIN) for marker, payload in applist)


def _webp_lossless(data: bytes) -> bool:
    """Whether the first image chunk of a WebP file is lossless (VP8L)."""
    offset = 12
    while offset + 8 <= len(data):
        kind, size = data[offset:offset + 4], int.from_bytes(data[offset + 4:offset + 8], "little")
        if kind in (b"VP8 ", b"VP8L"):
            return kind == b"VP8L"
        offset += 8 + size + (size & 1)
    return False


def _for_output(im: Image.Image, icc: bytes | None, fmt: str) -> tuple[Image.Image, bytes | None]:
    """``im`` in a mode that resizes well and that ``fmt`` stores, and the ICC profile that
    still describes it (None when the colours had to change space)."""
    if im.mode == "CMYK":
        im, icc = _cmyk_to_rgb(im, icc), None
    elif im.mode == "1":
        im = im.convert("L")
    elif im.mode.startswith(("I", "F")):  # 16-bit grey PNG: 0-65535 down to 0-255
        im = im.convert("I").point(lambda value: value * (1 / 257)).convert("L")
    elif im.mode not in ("L", "LA", "RGB", "RGBA") or "transparency" in im.info:
        # Palettes resize only by nearest neighbour; a transparent colour key blurs away.
        im = im.convert("RGBA" if im.has_transparency_data else "RGB")
    if fmt in ("webp", "avif") and im.mode in ("L", "LA"):
        im = im.convert("RGBA" if im.mode == "LA" else "RGB")
    if fmt == "jpeg" and im.mode in ("LA", "RGBA"):
        background = Image.new(im.mode[:-1], im.size, 255)
        background.paste(im, mask=im.getchannel("A"))
        im = background
    if icc is not None and icc[16:20] != _ICC_SPACES.get(im.mode):
        icc = None
    return im, icc


def _cmyk_to_rgb(im: Image.Image, icc: bytes | None) -> Image.Image:
    if icc is not None and icc[16:20] == b"CMYK":
        try:
            converted = ImageCms.profileToProfile(
                im, ImageCms.ImageCmsProfile(io.BytesIO(icc)), ImageCms.createProfile("sRGB"),
                outputMode="RGB")
        except (ImageCms.PyCMSError, OSError):  # a broken profile: convert without it
            converted = None
        if converted is not None:
            return converted
    return im.convert("RGB")


def _encode(im: Image.Image, fmt: str, icc: bytes | None, options: dict[str, Any]) -> bytes:
    if icc:
        options["icc_profile"] = icc
    out = io.BytesIO()
    im.save(out, fmt.upper(), **options)
    return out.getvalue()
