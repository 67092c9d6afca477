"""Rendering one planned file into the post the write pass stores; runs in a worker process.

The plan already read the file's metadata; here its body is rendered. The file is read again
(workers share no memory with the planner) but its frontmatter is not parsed again: the bytes
must hash to what the plan saw, or the file changed under the import.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.content import media, sites, workers
from app.content.links import FoundLink, find_links
from app.content.media import MediaFile
from app.content.metadata import IMAGE_KEYS, ArticleMeta, MetaSettings, reading_minutes
from app.content.planning import digest, pipeline_fingerprint, read_sources
from app.content.problems import ContentError, Notice
from app.content.reader import article_body, decode
from app.content.sites.folio import NOTEBOOK_SUFFIX

# The render pipeline (Markdown, Pygments, the sanitiser, MathML) takes a fifth of a second to
# import: the worker processes load it before their first file (workers.parallel_map), and a
# re-import with nothing to render never does.
WORKER_PRELOAD = ("app.content.render",)

# Python-Markdown takes time quadratic in the length of a paragraph for some input (thousands of
# unclosed `[` or `![`): a 100 kB file of them would render for hours. A real article renders
# in well under a second per 100 kB, so a file still rendering after this long is reported.
RENDER_SECONDS = 60.0
# Search looks at this much of a post's text; a book-length post is still found by its start.
SEARCH_TEXT_LIMIT = 200_000


@dataclass(frozen=True)
class BuildJob:
    folder: str
    rel: str
    digest: str  # what the plan read
    meta: ArticleMeta
    settings: MetaSettings
    render_seconds: float = RENDER_SECONDS


@dataclass(frozen=True)
class BuiltPost:
    """A file rendered: what the write pass stores besides its metadata."""

    digest: str
    text: str  # the source as written (decoded, repaired)
    html: str
    toc: list[dict[str, Any]]
    excerpt: str
    search_text: str
    reading_minutes: int
    # Links that may lead to another article, with their lines: the parent process resolves
    # them against the whole site (app.content.link_graph), which a worker does not see.
    links: tuple[FoundLink, ...] = ()
    # The files of the content folder it references (stored by app.content.media_store), and
    # its frontmatter image as pages show it: the store's address and variants, or as written.
    media: tuple[MediaFile, ...] = ()
    missing: tuple[str, ...] = ()  # where referenced files were looked for and not found
    image: str | None = None
    image_media: dict[str, Any] | None = None


@dataclass(frozen=True)
class Built:
    """One job's outcome: the post, or why the file was not imported."""

    rel: str
    post: BuiltPost | None = None
    error: ContentError | None = None
    # Errors in a post that imports all the same (a file it references is missing: the
    # reference stays as written): losing the post would lose more than the picture.
    kept_errors: tuple[ContentError, ...] = ()
    notices: list[Notice] = field(default_factory=list)  # the post imports all the same


def _body(text: str, rel: str, settings: MetaSettings,
          companions: dict[str, bytes]) -> tuple[str, int]:
    """The body to render and its first line: a foreign site's translated by its reader (which
    reads the file whole again), a Folio file's as written, its frontmatter not parsed again."""
    if not settings.foreign and not rel.lower().endswith(NOTEBOOK_SUFFIX):
        return article_body(text)
    texts = {name: decode(companion)[0] for name, companion in companions.items()}
    raw = sites.reader_for(settings.source).read(text, rel, texts).raw
    return raw.body, raw.body_line


def build_file(job: BuildJob) -> Built:
    """Render the file of ``job``; never raises for what the file holds."""
    from app.content.render import plain_text, render_markdown

    try:
        data, companions = read_sources(Path(job.folder), job.rel,
                                        sites.reader_for(job.settings.source))
        if digest(pipeline_fingerprint(job.settings), data, companions) != job.digest:
            raise ContentError(1, "the file changed while it was being imported",
                               "run the import again")
        text, _ = decode(data)
        body, body_line = _body(text, job.rel, job.settings, companions)
    except ContentError as exc:
        return Built(job.rel, error=exc)
    except Exception as exc:
        return Built(job.rel, error=ContentError(1, f"could not render this file: {exc!r}"))
    try:
        with workers.time_limit(job.render_seconds):
            rendered = render_markdown(body, title=job.meta.title,
                                       maths=job.settings.maths,
                                       inline_dollars=job.settings.math_inline_dollars,
                                       dialect=job.settings.dialect)
    except ContentError as exc:
        return Built(job.rel, error=ContentError(body_line + exc.line - 1, exc.message,
                                                 exc.hint))
    except workers.TooSlow:
        return Built(job.rel, error=ContentError(
            body_line, f"the Markdown was still rendering after {job.render_seconds:g} s; "
            "not imported", "look for thousands of [, ![ or < that are never closed"))
    except Exception as exc:
        return Built(job.rel, error=ContentError(1, f"could not render this file: {exc!r}"))
    site = media.Site(job.folder, job.settings.static_dirs, job.settings.served_static,
                      job.settings.media_max_bytes)
    try:
        attached = media.attach_media(rendered.html, body, body_line, job.rel, site,
                                      job.meta.image, job.meta.line_of(*IMAGE_KEYS))
    except Exception as exc:
        return Built(job.rel, error=ContentError(1, f"could not read its files: {exc!r}"))
    return Built(job.rel, BuiltPost(
        digest=job.digest, text=text, html=attached.html, toc=rendered.toc,
        excerpt=rendered.excerpt, search_text=plain_text(rendered.html)[:SEARCH_TEXT_LIMIT],
        reading_minutes=reading_minutes(rendered.word_count),
        links=tuple(find_links(attached.html, body, body_line)), media=tuple(attached.files),
        missing=tuple(attached.missing),
        image=attached.image_address or job.meta.image,
        image_media=attached.image.as_dict() if attached.image else None),
        notices=[Notice(body_line + n.line - 1, n.message, n.hint) for n in rendered.notices],
        kept_errors=tuple(attached.errors))
