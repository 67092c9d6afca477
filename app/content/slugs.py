"""URL slugs: lower-case ASCII words joined by hyphens."""

from __future__ import annotations

import hashlib

from slugify import slugify as _slugify

MAX_SLUG_LENGTH = 80

# Names that plain transliteration would collapse into another ("C++" and "C#" into "c").
_REPLACEMENTS = [
    ["C++", "cpp"],
    ["c++", "cpp"],
    ["C#", "csharp"],
    ["c#", "csharp"],
    ["F#", "fsharp"],
    ["f#", "fsharp"],
]


def slugify(text: str) -> str:
    """``Best Practices``, ``best practices`` and ``Best_Practices`` all give ``best-practices``.

    Non-Latin text is transliterated; the result may be empty (for a string of emoji, say),
    so callers that need a slug fall back with :func:`fallback_slug`.
    """
    return str(
        _slugify(text, max_length=MAX_SLUG_LENGTH, word_boundary=True, replacements=_REPLACEMENTS)
    )


def fallback_slug(seed: str, prefix: str = "post") -> str:
    """A stable, never-empty slug for text that transliterates to nothing."""
    return f"{prefix}-{hashlib.sha1(seed.encode('utf-8')).hexdigest()[:8]}"
