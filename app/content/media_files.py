"""A referenced file made ready to serve: the rows the media store keeps of it. Runs in the
import's worker processes, which load this module and Pillow, not the database's."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from app.content import images
from app.content.images import ImageError
from app.content.media import MediaFile, media_digest, variant_name


@dataclass(frozen=True)
class Processed:
    """A file made ready to serve: its rows, or why it could not be."""

    digest: str
    rows: tuple[dict[str, Any], ...] = ()
    problem: str | None = None


def process_file(job: tuple[str, MediaFile]) -> Processed:
    """The rows of one file: as it is, or for a raster image its cleaned original and its
    variants. Runs in a worker process; never raises for what the file holds."""
    folder, file = job
    try:
        if file.data is not None:  # an image embedded in the article's text (a notebook's)
            data = file.data
        else:
            with open(os.path.join(folder, file.source), "rb") as handle:
                data = handle.read(file.size + 1)
        if media_digest(data) != file.digest:
            return Processed(file.digest, problem=f"{file.source} changed while it was being "
                             "imported")
        now = datetime.now(UTC)
        if file.image is None:
            return Processed(file.digest, (_row(file, file.name, file.content_type, data, now),))
        rows = [_row(file, file.name, file.content_type, images.clean_original(data, file.image),
                     now)]
        variants = file.variants
        for variant, encoded in zip(variants, images.make_variants(data, variants),
                                    strict=True):
            rows.append(_row(file, variant_name(file.name, variant), variant.content_type,
                             encoded, now))
        return Processed(file.digest, tuple(rows))
    except ImageError as exc:
        return Processed(file.digest, problem=f"{file.source} {exc}")
    except Exception as exc:  # a hostile file must not stop the import of the others
        return Processed(file.digest, problem=f"could not store {file.source}: {exc!r}")


def _row(file: MediaFile, name: str, content_type: str, data: bytes, now: Any) -> dict[str, Any]:
    return {"key": f"{file.digest}/{name}", "digest": file.digest, "content_type": content_type,
            "size": len(data), "data": data, "created_at": now}
