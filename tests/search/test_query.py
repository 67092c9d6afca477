"""Turning what a reader typed into safe search terms."""

from __future__ import annotations

import pytest

from app.search.query import (
    MAX_TERMS,
    Term,
    fts5_expression,
    parse_query,
    tsquery_expression,
)


def test_words_and_phrases() -> None:
    terms = parse_query('cache "release notes" Invalidation')

    assert terms == [Term(("release", "notes")), Term(("cache",)),
                     Term(("invalidation",), prefix=True)]
    assert fts5_expression(terms) == '"release notes" "cache" "invalidation"*'
    assert tsquery_expression(terms) == "(release <-> notes) & (cache) & (invalidation:*)"


def test_a_finished_word_is_not_a_prefix() -> None:
    assert parse_query("cache ") == [Term(("cache",))]
    assert parse_query('"cache"') == [Term(("cache",))]


@pytest.mark.parametrize("raw", [
    "", "   ", '"', '""', "🙂🙂", "*", "AND", "NEAR(a b)", "'; DROP TABLE posts; --",
    "<script>alert(1)</script>", "{title}: x", "-x", "^x", "a:b|c&d!(e)", "x" * 5000,
    "שלום עולם", "naïve café", "\x00\x07",
])
def test_any_input_gives_only_plain_words(raw: str) -> None:
    terms = parse_query(raw)

    assert len(terms) <= MAX_TERMS
    for term in terms:
        assert all(word.isalnum() or "_" in word for word in term.words)
    expression = fts5_expression(terms)
    assert expression.count('"') % 2 == 0
    for operator in ("(", ")", "{", "}", ":", "^", "-", "'", ";", "<", ">", "|", "&", "!"):
        assert operator not in expression.replace('" "', "")


def test_operators_are_words() -> None:
    assert fts5_expression(parse_query("cats AND dogs")) == '"cats" "and" "dogs"*'


def test_right_to_left_and_accents_survive() -> None:
    assert parse_query("שלום") == [Term(("שלום",), prefix=True)]
    assert parse_query("Café") == [Term(("café",), prefix=True)]


def test_duplicates_and_too_many_terms() -> None:
    assert parse_query("a a a ") == [Term(("a",))]
    assert len(parse_query(" ".join(f"w{n}" for n in range(50)))) == MAX_TERMS


def test_short_last_words_are_not_prefixes() -> None:
    assert parse_query("c") == [Term(("c",))]
    assert parse_query("py") == [Term(("py",))]
    assert parse_query("pyt") == [Term(("pyt",), prefix=True)]
