import re

import pytest

from app.content.slugs import MAX_SLUG_LENGTH, fallback_slug, slugify


@pytest.mark.parametrize(
    "text",
    ["Best Practices", "best practices", "Best-Practices", "Best_Practices",
     "  Best   Practices!  ", "BEST PRACTICES", "best--practices"],
)
def test_spellings_share_a_slug(text):
    assert slugify(text) == "best-practices"


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("C++", "cpp"),
        ("c++", "cpp"),
        ("C#", "csharp"),
        ("F#", "fsharp"),
        ("C", "c"),
        ("Learning C++ today", "learning-cpp-today"),
    ],
)
def test_language_names(text, slug):
    assert slugify(text) == slug


def test_language_names_stay_distinct():
    assert len({slugify("C"), slugify("C++"), slugify("C#")}) == 3


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("Ünïcödé Straße", "unicode-strasse"),
        ("Crème brûlée", "creme-brulee"),
        ("Привет мир", "privet-mir"),
        ("x.y", "x-y"),
    ],
)
def test_transliterated_to_ascii(text, slug):
    assert slugify(text) == slug


@pytest.mark.parametrize("text", ["", "   ", "🎉🚀", "---", "!!!"])
def test_nothing_to_slug(text):
    assert slugify(text) == ""


def test_long_text_cut_at_word_boundary():
    slug = slugify("word " * 40)
    assert len(slug) <= MAX_SLUG_LENGTH
    assert re.fullmatch(r"word(-word)*", slug)


@pytest.mark.parametrize("text", ["Hello, World!", "日本語のタイトル", "Ελληνικά", "ÀÉÎÕÜ ß"])
def test_slugs_are_lower_case_ascii(text):
    slug = slugify(text)
    assert slug
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slug)


def test_fallback_slug_stable_and_not_empty():
    slug = fallback_slug("🎉🚀")
    assert re.fullmatch(r"post-[0-9a-f]{8}", slug)
    assert fallback_slug("🎉🚀") == slug
    assert fallback_slug("🎉") != slug


def test_fallback_slug_prefix():
    assert re.fullmatch(r"tag-[0-9a-f]{8}", fallback_slug("🎉", prefix="tag"))
