"""What a reader typed into the search box, made into terms no search engine can misread.

Pure functions, no database: the terms are words (letters and digits in any script) and
"quoted phrases". Operators, quotes, brackets, SQL and FTS syntax, HTML and emoji are not
terms: they can neither break the query nor change its meaning. The last word also matches
as a prefix (from three letters on), so results appear while a word is half typed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_QUERY_CHARS = 500
MAX_TERMS = 12
# A one- or two-letter prefix matches a large share of the vocabulary and costs seconds on a
# big blog; such a word is searched as it is.
MIN_PREFIX_CHARS = 3
_PHRASE = re.compile(r'"([^"]*)"')
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Term:
    words: tuple[str, ...]
    prefix: bool = False  # the last word may be unfinished

    @property
    def is_phrase(self) -> bool:
        return len(self.words) > 1


def parse_query(raw: str) -> list[Term]:
    """The terms to find, all of which a result must contain; [] means nothing to search."""
    text = raw[:MAX_QUERY_CHARS]
    terms: list[Term] = []
    rest: list[str] = []
    position = 0
    for match in _PHRASE.finditer(text):
        rest.append(text[position:match.start()])
        words = tuple(w.lower() for w in _WORD.findall(match.group(1)))
        if words:
            terms.append(Term(words))
        position = match.end()
    rest.append(text[position:])
    loose = [w.lower() for w in _WORD.findall(" ".join(rest))]
    terms += [Term((word,)) for word in loose]
    terms = _unique(terms)[:MAX_TERMS]
    ends_in_word = bool(loose) and not text.rstrip().endswith('"') and not text[-1:].isspace()
    if ends_in_word and terms and not terms[-1].is_phrase \
            and len(terms[-1].words[0]) >= MIN_PREFIX_CHARS:
        terms[-1] = Term(terms[-1].words, prefix=True)
    return terms


def _unique(terms: list[Term]) -> list[Term]:
    seen: set[tuple[str, ...]] = set()
    kept = []
    for term in terms:
        if term.words not in seen:
            seen.add(term.words)
            kept.append(term)
    return kept


def fts5_expression(terms: list[Term]) -> str:
    """SQLite FTS5 MATCH syntax: every term a quoted string, so nothing is an operator."""
    return " ".join(_fts5_term(term) for term in terms)


def _fts5_term(term: Term) -> str:
    quoted = '"' + " ".join(term.words).replace('"', '""') + '"'
    return quoted + "*" if term.prefix else quoted


def tsquery_expression(terms: list[Term]) -> str:
    """PostgreSQL ``to_tsquery`` syntax: words are letters and digits only, so none can be an
    operator; phrases use ``<->``, the last word ``:*``."""
    parts = []
    for term in terms:
        words = [w for w in term.words if w.replace("_", "")]
        if not words:
            continue
        text = " <-> ".join(words)
        parts.append(f"({text}:*)" if term.prefix else f"({text})")
    return " & ".join(parts)
