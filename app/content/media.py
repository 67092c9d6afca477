"""Images and files beside the articles: found in a rendered post, resolved to files of the
content folder, and rewritten to their address in Folio's media store.

An article references a file by a path relative to its own file (``diagram.png``,
``images/a.png``: the images of a page bundle sit beside its ``index.md``), by a path from the
content folder's static areas (``/images/a.png`` is ``static/images/a.png``, or in each folder
of ``STATIC_DIRS``), or through its frontmatter ``image``. Each file is served at
``/media/<digest>/<name>``, where the digest is of the file's bytes: the address changes when
the file does, so it is cached for a year, and an unchanged file costs nothing again.

A raster image gets width and height, and a ``<picture>`` of smaller and WebP (and AVIF)
variants (:mod:`app.content.images` makes them; here they are only named, which needs no
pixels). This module runs in the worker that rendered the post; the importer stores the files
(``app.content.media_store``). No database and no Flask.
"""

from __future__ import annotations

import base64
import binascii
import difflib
import hashlib
import html
import mimetypes
import os
import posixpath
import re
import stat
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cache, lru_cache, partial
from importlib.metadata import version
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from app.content.links import SOURCE_SUFFIXES, LineFinder, shown
from app.content.problems import ContentError

if TYPE_CHECKING:
    from app.content.images import ImageInfo, Variant

# app.content.images (and Pillow) are imported where images are read: a re-import with nothing
# changed asks this module only for stamps, and should not pay for loading Pillow.
RASTER_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".gif", ".webp", ".avif"})

MEDIA_PREFIX = "/media/"
# The code that makes a stored file's bytes (app.content.images, app.content.media_files) and
# Pillow's version are part of every digest: a change to how files are processed (a new
# variant width, another quality) gives them new addresses, or browsers would keep the old
# bytes for a year. No version number to remember to bump.
PROCESSING_MODULES = ("images", "media_files")
DIGEST_LENGTH = 32  # hex digits: 128 bits
MAX_NAME_LENGTH = 120
# The content column is at most this wide: a phone loads the narrow variant.
SIZES = "(max-width: 46rem) 100vw, 46rem"
PREVIEW_WIDTH = 1600
# Addresses that are pages, not files: a link to /about or ../tags/ is not a missing file.
PAGE_SUFFIXES = ("", ".html", ".htm", ".php", ".xml", ".json", ".rss", ".atom")
# Types a browser shows safely inline from the site's own origin; anything else is served as
# a download (an HTML or XML file could run script as the site).
INLINE_TYPES = frozenset({
    "image/png", "image/jpeg", "image/gif", "image/webp", "image/avif", "image/svg+xml",
    "image/x-icon", "application/pdf", "text/plain", "text/csv", "audio/mpeg", "audio/ogg",
    "audio/wav", "audio/flac", "video/mp4", "video/webm", "video/ogg", "text/vtt",
    "font/woff", "font/woff2",
})
DOWNLOAD_TYPE = "application/octet-stream"
RACY_SECONDS = 2.0  # as planning's: a file this new may change again unseen

_ELEMENT = re.compile(r"<(img|a|source|video|audio|track)(\s[^>]*)?>", re.IGNORECASE)
_ATTRIBUTE = re.compile(r'([^\s="]+)(?:="([^"]*)")?')
# Which attributes of which elements may name a file (a link's may name a page instead).
_FILE_ATTRIBUTES = {"img": ("src",), "source": ("src",), "video": ("src", "poster"),
                    "audio": ("src",), "track": ("src",), "a": ("href",)}
_SVG_TAG = re.compile(rb"<svg\b[^>]*>", re.IGNORECASE)
_SVG_LENGTH = re.compile(r"^\s*([0-9.]+)\s*(px)?\s*$")
_NAME_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")

# An image written into the article's own text as a data: URI (a notebook's plots, a Markdown
# cell's attachments) is stored like a file beside the article: pages stay small, and the
# picture gets its size and variants. Only these types, only base64.
EMBEDDED_IMAGE = re.compile(r"data:image/(png|jpeg|gif|webp|svg\+xml);base64,", re.IGNORECASE)
_EMBEDDED_SUFFIXES = {"png": ".png", "jpeg": ".jpg", "gif": ".gif", "webp": ".webp",
                      "avif": ".avif", "svg+xml": ".svg"}
_BASE64_WHITESPACE = re.compile(r"[\t\n\r ]+")
# Its stamp: the bytes are part of the article's text, so the article's own stamp says when
# they change. Its served name depends on the bytes alone, as the store keeps one name a digest.
EMBEDDED = "embedded"
EMBEDDED_STEM = "embedded"


@dataclass(frozen=True)
class MediaFile:
    """A file of the content folder that a post references, read and hashed."""

    source: str  # its path in the content folder
    digest: str
    name: str  # as served
    content_type: str
    size: int
    stamp: str | None  # planning.source_stamp's kind: a change renders the post again
    image: ImageInfo | None = None  # a raster image's
    svg_size: tuple[int, int] | None = None
    # The bytes of an image embedded in the article's text (a data: URI), which no file holds.
    data: bytes | None = field(default=None, repr=False, compare=False)

    @property
    def url(self) -> str:
        return media_url(self.digest, self.name)

    @property
    def variants(self) -> list[Variant]:
        from app.content import images

        return images.plan_variants(self.image) if self.image is not None else []

    def variant_url(self, variant: Variant) -> str:
        return media_url(self.digest, variant_name(self.name, variant))


def media_url(digest: str, name: str) -> str:
    return f"{MEDIA_PREFIX}{digest}/{name}"


def variant_name(name: str, variant: Variant) -> str:
    stem = name.rsplit(".", 1)[0]
    return f"{stem}-{variant.width}w{variant.suffix}"


@dataclass(frozen=True)
class Picture:
    """How pages show an image: its size, and the srcset of each format (the original's
    format last, as ``<img>``'s own). ``src`` is what a browser without srcset loads."""

    src: str
    width: int | None
    height: int | None
    srcsets: tuple[tuple[str, str], ...] = ()  # (content type, srcset)

    def as_dict(self) -> dict[str, Any]:
        return {"src": self.src, "width": self.width, "height": self.height,
                "srcsets": [list(pair) for pair in self.srcsets]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Picture:
        return cls(data["src"], data.get("width"), data.get("height"),
                   tuple((kind, srcset) for kind, srcset in data.get("srcsets", [])))

    @property
    def own_srcset(self) -> str | None:
        """The srcset of the original's format: ``<img srcset>``."""
        return self.srcsets[-1][1] if self.srcsets else None

    @property
    def sources(self) -> tuple[tuple[str, str], ...]:
        """The other formats, best first: each a ``<source type srcset>``."""
        return self.srcsets[:-1]

    @property
    def preview(self) -> str:
        """A link preview's image: the widest in the original's format up to PREVIEW_WIDTH
        (a 6,000-pixel photo is no preview), else the narrowest."""
        if not self.srcsets:
            return self.src
        sized = []
        for candidate in self.srcsets[-1][1].split(", "):
            address, _, width = candidate.rpartition(" ")
            sized.append((int(width.rstrip("w")), address))
        fitting = [entry for entry in sized if entry[0] <= PREVIEW_WIDTH]
        return max(fitting)[1] if fitting else min(sized)[1]


@dataclass
class MediaResult:
    """A rendered post with its files' addresses rewritten."""

    html: str
    files: list[MediaFile] = field(default_factory=list)
    image: Picture | None = None  # the frontmatter image's, when it is a file of the site
    image_address: str | None = None  # what the post stores as its image
    errors: list[ContentError] = field(default_factory=list)
    # Where a missing file was looked for: when one appears there, the post renders again.
    missing: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Site:
    """Where an import finds files: the content folder, its static areas (paths inside it),
    and the folders Folio serves at /static/."""

    folder: str
    static_dirs: tuple[str, ...] = ("static",)
    served_static: tuple[str, ...] = ()
    max_bytes: int = 25 * 1024 * 1024


def attach_media(page_html: str, body: str, body_line: int, rel: str, site: Site,
                 image: str | None = None, image_line: int = 1) -> MediaResult:
    """``page_html`` (the article ``rel``'s, rendered from ``body``, which starts at line
    ``body_line``) with every reference to a file of the site pointing into the media store,
    and the frontmatter ``image`` resolved the same way. A reference that cannot be served (no
    such file, a path out of the content folder, a file too large, an image that is not one)
    is an error at the line where it is written."""
    result = MediaResult(page_html)
    files: dict[str, MediaFile] = {}
    if image is not None:
        found = _resolve(image, rel, site, certain=True, line=lambda: image_line, result=result)
        if found is not None:
            files[found.source] = found
            result.image = picture(found)
            result.image_address = result.image.src
    lines = LineFinder(body, body_line)
    images_seen = 1 if result.image is not None else 0
    embedded_seen = 0

    def rewrite(match: re.Match[str]) -> str:
        nonlocal images_seen, embedded_seen
        element = match.group(1).lower()
        attributes = _attributes(match.group(2) or "")
        changed = False
        for name in _FILE_ATTRIBUTES[element]:
            address = attributes.get(name)
            if not address:
                continue
            written = html.unescape(address)
            if element == "img" and name == "src" and is_embedded_image(written):
                embedded_seen += 1
                found = _embedded(written, f"{rel}#image-{embedded_seen}", site,
                                  partial(lines.line_of, _needle(written)), result)
                if found is None:
                    attributes.pop("src")  # not kept as a page-sized data: URI
                    images_seen += 1
                    return _tag(element, attributes)
            else:
                found = _resolve(written, rel, site, certain=element != "a",
                                 line=partial(lines.line_of, written), result=result)
            if found is not None:
                files[found.source] = found
                attributes[name] = html.escape(found.url)
                changed = True
                if element == "img" and name == "src":
                    images_seen += 1
                    return _picture_html(found, attributes, lazy=images_seen > 1)
        if element == "img":
            images_seen += 1
        return _tag(element, attributes) if changed else match.group(0)

    result.html = _ELEMENT.sub(rewrite, page_html)
    result.files = list(files.values())
    # An image is also the link that opens it full size (render._FullSizeImages): one error.
    result.errors = list({error.message: error for error in reversed(result.errors)}.values())
    result.errors.reverse()
    return result


def is_embedded_image(address: str) -> bool:
    """Whether ``address`` is an image written as a base64 data: URI that Folio stores."""
    return EMBEDDED_IMAGE.match(address) is not None


def _needle(address: str) -> str:
    """A piece of an embedded image's base64 to find its line by: from the middle, since every
    PNG starts and ends with the same bytes."""
    middle = len(address) // 2
    return address[middle:middle + 48]


def _embedded(address: str, source: str, site: Site, line: Callable[[], int],
              result: MediaResult) -> MediaFile | None:
    """The image of the data: URI ``address`` as a file named ``source`` (the article's path
    and the image's place in it), or None when it cannot be served, an error in ``result``."""
    try:
        return read_embedded(address, source, site.max_bytes)
    except ContentError as exc:
        result.errors.append(ContentError(line(), exc.message, exc.hint))
        return None


def read_embedded(address: str, source: str, max_bytes: int) -> MediaFile:
    """The image written as the data: URI ``address``, decoded and hashed as a file named
    ``source``, its bytes carried along: the media store writes them as it writes a file's.

    Raises ContentError for a type Folio does not store, bytes that are not base64, more bytes
    than ``max_bytes``, and an image Folio cannot read.
    """
    match = EMBEDDED_IMAGE.match(address)
    if match is None:
        raise ContentError(1, "an embedded image (a data: URI) must be a base64 PNG, JPEG, "
                           "GIF, WebP or SVG image")
    kind = match.group(1).lower()
    what = f"an embedded {kind.split('+')[0].upper()} image"
    payload = _BASE64_WHITESPACE.sub("", address[match.end():])
    if len(payload) // 4 * 3 > max_bytes:
        raise ContentError(1, f"{what} is about {len(payload) // 4 * 3:,} bytes, more than the "
                           f"{max_bytes:,} Folio accepts (MEDIA_MAX_BYTES)",
                           "make the image smaller, or raise MEDIA_MAX_BYTES")
    try:
        data = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise ContentError(1, f"{what} is not valid base64") from None
    found = _described(source, EMBEDDED_STEM + _EMBEDDED_SUFFIXES[kind], data, EMBEDDED, what)
    if found.image is not None and found.image.format != kind:
        # Named by what the bytes are, not what the URI claims: the type it is served with.
        name = EMBEDDED_STEM + _EMBEDDED_SUFFIXES[found.image.format]
        found = replace(found, name=name, content_type=content_type_of(name))
    return replace(found, data=data)


def _attributes(text: str) -> dict[str, str | None]:
    return {match.group(1).lower(): match.group(2) for match in _ATTRIBUTE.finditer(text)}


def _tag(element: str, attributes: dict[str, str | None]) -> str:
    parts = [element] + [name if value is None else f'{name}="{value}"'
                         for name, value in attributes.items()]
    return "<" + " ".join(parts) + ">"


def _resolve(address: str, rel: str, site: Site, *, certain: bool, line: Callable[[], int],
             result: MediaResult) -> MediaFile | None:
    """The file ``address`` (written in the article ``rel``) names, or None when it names no
    file of the site (an outside address, a page, Folio's own /static/ files) or is broken,
    which is then an error in ``result``. ``certain``: the address can only be a file (an
    image's), so one that leads nowhere is an error even without a file suffix."""
    try:
        parts = urlsplit(address)
    except ValueError:
        return None
    if parts.scheme or parts.netloc or not parts.path:
        return None  # outside the site, or only a #fragment or ?query
    path = unquote(parts.path)
    if path.startswith(MEDIA_PREFIX) or path.lower().endswith(SOURCE_SUFFIXES):
        return None  # already served by the store; an article (app.content.links)
    suffix = posixpath.splitext(path)[1].lower()
    if not certain and (suffix in PAGE_SUFFIXES or path.endswith("/")
                        or mimetypes.guess_type(path, strict=False)[0] is None):
        return None  # a page (/about, ../tags/, /posts/node.js-tips), not a file
    candidates = _candidates(path, rel, site)
    if candidates is None:
        result.errors.append(ContentError(
            line(), f"{shown(address)} leads out of the content folder",
            "keep the files an article uses inside the content folder"))
        return None
    for candidate in candidates:
        try:
            found = read_media(site, candidate)
        except FileNotFoundError:
            continue
        except ContentError as exc:
            result.errors.append(ContentError(line(), f"{shown(address)}: {exc.message}",
                                              exc.hint))
            return None
        if found is not None:
            return found
    if path.startswith("/static/") and any(
            os.path.isfile(os.path.join(served, path[len("/static/"):]))
            for served in site.served_static):
        return None  # one of Folio's own files (app/static, instance/static)
    result.errors.append(_missing(address, candidates, rel, site, line()))
    result.missing += [c for c in candidates if c not in result.missing]
    return None


def _candidates(path: str, rel: str, site: Site) -> list[str] | None:
    """The content-folder paths ``path`` may name, in order; None when it leads out. A
    site-absolute path is looked up in each static area, then from the content folder itself
    (``/static/images/a.png`` is ``static/images/a.png``, as the house format writes it)."""
    if path.startswith("/"):
        inside = posixpath.normpath(path.lstrip("/"))
        if inside == ".." or inside.startswith("../"):
            return None
        found = [posixpath.normpath(posixpath.join(area, inside)) for area in site.static_dirs]
        return list(dict.fromkeys([*found, inside]))
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(rel), path))
    if joined == ".." or joined.startswith("../") or joined.startswith("/"):
        return None
    return [joined]


def _missing(address: str, candidates: list[str], rel: str, site: Site,
             line: int) -> ContentError:
    looked = " or ".join(candidates) if candidates else address
    near = nearest_files(site, [*candidates, posixpath.dirname(rel)], candidates)
    hint = (f"the nearest existing file is {near[0]}" if near else
            "a path is relative to the article's folder, or to the static folder "
            f"({', '.join(site.static_dirs)}) when it starts with /")
    return ContentError(line, f"{shown(address)}: there is no file {looked}", hint)


def nearest_files(site: Site, folders: list[str], wanted: list[str]) -> list[str]:
    """Files of the content folder close in name to ``wanted``, looked for in the folders
    of ``folders`` (paths inside it) and below them."""
    return list(_nearest(site.folder, tuple(folders), tuple(wanted)))


# Per worker: a site whose every article names the same missing picture asks once.
@lru_cache(maxsize=1024)
def _nearest(root: str, folders: tuple[str, ...], wanted: tuple[str, ...]) -> tuple[str, ...]:
    names: list[str] = []
    for folder in dict.fromkeys(posixpath.dirname(f) if "." in posixpath.basename(f) else f
                                for f in folders):
        names += _files_below(root, folder)
    close: list[str] = []
    for target in wanted:
        close += difflib.get_close_matches(target, names, n=1, cutoff=0.5)
    return tuple(dict.fromkeys(close))


# Once per folder and worker: a site of 10,000 articles that all name one missing picture
# would otherwise walk its 10,000 files for each of them.
@lru_cache(maxsize=64)
def _files_below(root: str, folder: str, limit: int = 2000) -> tuple[str, ...]:
    """The files (not articles) in ``folder`` of ``root`` and below it, at most ``limit``."""
    names: list[str] = []
    for directory, subfolders, found in os.walk(os.path.join(root, folder)):
        subfolders[:] = sorted(d for d in subfolders if not d.startswith("."))
        inside = os.path.relpath(directory, root).replace(os.sep, "/")
        names += [posixpath.normpath(posixpath.join(inside, name)) for name in sorted(found)
                  if not name.startswith(".") and not name.lower().endswith(SOURCE_SUFFIXES)]
        if len(names) >= limit:
            break
    return tuple(names[:limit])


def read_media(site: Site, source: str) -> MediaFile | None:
    """The file at ``source`` in the content folder, read and hashed.

    Raises FileNotFoundError when there is none (or it is a folder), ContentError when it
    cannot be served: a link out of the content folder, not a regular file, too large, an
    image Folio cannot read.
    """
    path = os.path.join(site.folder, source)
    try:
        info = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        raise FileNotFoundError(source) from None
    except OSError as exc:
        raise ContentError(1, f"cannot read {source}: {exc.strerror or exc}") from None
    if stat.S_ISDIR(info.st_mode):
        raise FileNotFoundError(source)
    return _read(site.folder, source, site.max_bytes, info.st_size, info.st_mtime_ns,
                 info.st_ino)


# A picture used by many posts is read and hashed once per worker, until it changes.
@lru_cache(maxsize=4096)
def _read(folder: str, source: str, max_bytes: int, size: int, mtime_ns: int,
          inode: int) -> MediaFile:
    path = os.path.join(folder, source)
    real = os.path.realpath(path)
    if not (real + os.sep).startswith(os.path.realpath(folder) + os.sep):
        raise ContentError(1, f"{source} is a link to {real}, outside the content folder",
                           "copy the file into the content folder instead")
    if not stat.S_ISREG(os.stat(real).st_mode):
        raise ContentError(1, f"{source} is not a regular file")
    if size > max_bytes:
        raise ContentError(1, f"{source} is {size:,} bytes, more than the {max_bytes:,} "
                           "Folio accepts (MEDIA_MAX_BYTES)",
                           "make the file smaller, or raise MEDIA_MAX_BYTES")
    with open(real, "rb") as handle:
        data = handle.read(max_bytes + 1)
    young = mtime_ns >= time.time_ns() - int(RACY_SECONDS * 1e9)
    return _described(source, served_name(source), data,
                      None if young else media_stamp(size, mtime_ns, inode), source)


def _described(source: str, name: str, data: bytes, stamp: str | None,
               what: str) -> MediaFile:
    """``data`` hashed, typed and (an image) measured, as the file ``source`` served as
    ``name``. Raises ContentError, naming it ``what``, for an image Folio cannot read."""
    image = svg_size = None
    suffix = posixpath.splitext(name)[1]
    if suffix in RASTER_SUFFIXES:
        from app.content import images

        try:
            image = images.inspect(data)
        except images.ImageError as exc:
            raise ContentError(1, f"{what} {exc}",
                               "replace it with a PNG, JPEG, GIF or WebP image") from None
    elif suffix == ".svg":
        svg_size = svg_dimensions(data)
    return MediaFile(source, media_digest(data), name, content_type_of(name), len(data), stamp,
                     image, svg_size)


def media_stamp(size: int, mtime_ns: int, inode: int) -> str:
    return f"{size}:{mtime_ns}:{inode}"


MISSING = "missing"  # the stamp of a file looked for and not found


def still_as_read(folder: str, source: str, stamp: str | None) -> bool:
    """Whether the file at ``source`` is as an import saw it: unchanged, or still missing."""
    if stamp == MISSING:
        return not os.path.lexists(os.path.join(folder, source))
    if stamp == EMBEDDED:
        return True  # in the article's own text, which has a stamp of its own
    return stamp is not None and current_stamp(folder, source) == stamp


def current_stamp(folder: str, source: str) -> str | None:
    """The stamp the file at ``source`` would get now; None when it is gone or too new."""
    try:
        info = os.stat(os.path.join(folder, source))
    except OSError:
        return None
    if info.st_mtime_ns >= time.time_ns() - int(RACY_SECONDS * 1e9):
        return None
    return media_stamp(info.st_size, info.st_mtime_ns, info.st_ino)


def media_digest(data: bytes) -> str:
    return hashlib.sha256(processing_fingerprint() + data).hexdigest()[:DIGEST_LENGTH]


@cache
def processing_fingerprint() -> bytes:
    package = os.path.dirname(__file__)
    code = hashlib.sha256(version("pillow").encode())
    for name in PROCESSING_MODULES:
        with open(os.path.join(package, f"{name}.py"), "rb") as source:
            code.update(source.read())
    return code.digest()


def served_name(source: str) -> str:
    """The file's name as its address ends: URL-safe, the suffix in lower case."""
    stem, suffix = posixpath.splitext(posixpath.basename(source))
    stem = _NAME_UNSAFE.sub("-", stem).strip("-.") or "file"
    suffix = _NAME_UNSAFE.sub("", suffix.lower())
    return stem[:MAX_NAME_LENGTH] + suffix


def content_type_of(name: str) -> str:
    """The type a file is served with: its suffix's, when a browser can show it safely."""
    guessed = mimetypes.guess_type(name, strict=False)[0]
    if name.lower().endswith(".webp"):
        guessed = "image/webp"
    elif name.lower().endswith(".avif"):
        guessed = "image/avif"
    return guessed if guessed in INLINE_TYPES else DOWNLOAD_TYPE


def svg_dimensions(data: bytes) -> tuple[int, int] | None:
    """An SVG's size from its root element: width and height in pixels, else its viewBox."""
    match = _SVG_TAG.search(data[:20_000])
    if match is None:
        return None
    attributes = _attributes(match.group(0)[4:-1].decode("utf-8", "replace"))
    width, height = attributes.get("width"), attributes.get("height")
    if width and height:
        sized = [_SVG_LENGTH.match(value) for value in (width, height)]
        if sized[0] and sized[1]:
            return _positive(float(sized[0][1]), float(sized[1][1]))
    box = (attributes.get("viewbox") or "").replace(",", " ").split()
    if len(box) == 4:
        try:
            return _positive(float(box[2]), float(box[3]))
        except ValueError:
            return None
    return None


def _positive(width: float, height: float) -> tuple[int, int] | None:
    if width <= 0 or height <= 0 or width > 100_000 or height > 100_000:
        return None
    return round(width), round(height)


def picture(found: MediaFile) -> Picture:
    """How pages show the file ``found``: a raster image with its variants, an SVG with its
    size, anything else as its address alone."""
    if found.image is None:
        size = found.svg_size or (None, None)
        return Picture(found.url, size[0], size[1])
    info = found.image
    by_format: dict[str, list[str]] = {}
    for variant in found.variants:
        by_format.setdefault(variant.format, []).append(
            f"{found.variant_url(variant)} {variant.width}w")
    srcsets: list[tuple[str, str]] = []
    for image_format in ("avif", "webp"):
        if image_format in by_format and image_format != info.format:
            srcsets.append((f"image/{image_format}", ", ".join(by_format[image_format])))
    own = [*by_format.get(info.format, []), f"{found.url} {info.width}w"]
    if len(own) > 1 or srcsets:
        srcsets.append((found.content_type, ", ".join(own)))
    return Picture(found.url, info.width, info.height, tuple(srcsets))


def _picture_html(found: MediaFile, attributes: dict[str, str | None], lazy: bool) -> str:
    """An ``<img>`` (its attributes as written, its ``src`` rewritten) with its size, srcset
    and lazy loading, in a ``<picture>`` when there are other formats."""
    shown_as = picture(found)
    written_width, written_height = attributes.get("width"), attributes.get("height")
    if shown_as.width and shown_as.height and not (written_width and written_height):
        width, height = shown_as.width, shown_as.height
        if written_width and written_width.isdigit():
            width, height = int(written_width), round(int(written_width) * height / width)
        elif written_height and written_height.isdigit():
            width, height = round(int(written_height) * width / height), int(written_height)
        attributes["width"], attributes["height"] = str(width), str(height)
    if shown_as.own_srcset:
        attributes["srcset"] = html.escape(shown_as.own_srcset)
        attributes["sizes"] = SIZES
    attributes.setdefault("loading", "lazy" if lazy else None)
    if attributes.get("loading") is None:
        attributes.pop("loading")
    attributes.setdefault("decoding", "async")
    image = _tag("img", attributes)
    if not shown_as.sources:
        return image
    sources = "".join(f'<source type="{kind}" srcset="{html.escape(srcset)}" sizes="{SIZES}">'
                      for kind, srcset in shown_as.sources)
    return f"<picture>{sources}{image}</picture>"
