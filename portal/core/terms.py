"""Search terms: text split into the words a full-text index holds, the same for any database.

Python makes the terms and the databases only compare them whole (or by prefix), so SQLite
and PostgreSQL find the same rows for the same words, in English, Chinese or both at once.

- Text is NFKC-normalized (full-width letters and digits become ordinary ones) and case-folded;
  a word is a run of letters and digits, at most `LONGEST` characters (a longer run is cut).
- Chinese, Japanese and Korean are written without spaces between words. A run of those
  characters is indexed as each of its characters and each overlapping pair (自习室 gives 自,
  习, 室, 自习, 习室), and a query asks for every pair of its run (自习室 asks 自习 and 习室;
  one character asks itself). So a word inside a longer one is found without a dictionary,
  whatever way a segmenter would have cut the sentence, at no memory cost (jieba's dictionary
  would take tens of MB in every process). A pair can match where the two characters were
  not one word: that finds a little more, never less.
- Other words lose an English plural ending (Harman's S-stemmer: libraries → library,
  rooms → room), so the singular and the plural find each other. No other stemming: both
  databases must agree, and their own stemmers do not.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

LONGEST = 60
MOST_QUERY_TERMS = 16
SHORTEST_PREFIX = 3
_WORD = re.compile(r"[^\W_]+")
# Han (with extensions and compatibility ideographs), kana, Hangul syllables.
_CJK = re.compile(
    "([\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003134f]+)"
)


def _stem(word: str) -> str:
    """Harman's S-stemmer, for words of ASCII letters only."""
    if len(word) <= 3 or not word.isascii() or not word.isalpha():
        return word
    if word.endswith("ies") and not word.endswith(("eies", "aies")):
        return word[:-3] + "y"
    if word.endswith("es") and not word.endswith(("aes", "ees", "oes")):
        return word[:-1]
    if word.endswith("s") and not word.endswith(("us", "ss")):
        return word[:-1]
    return word


def _pieces(text: str) -> list[tuple[str, bool]]:
    """The words of `text`, each with whether it is a run of CJK characters."""
    text = unicodedata.normalize("NFKC", text).casefold()
    pieces = []
    for word in _WORD.findall(text):
        for i, part in enumerate(_CJK.split(word)):
            if part:
                pieces.append((part[:LONGEST], i % 2 == 1))
    return pieces


def _pairs(run: str) -> list[str]:
    return [run[i : i + 2] for i in range(len(run) - 1)] if len(run) > 1 else [run]


def index_terms(*texts: str) -> str:
    """The terms under which a text is found, each once, separated by spaces."""
    terms: dict[str, None] = {}
    for text in texts:
        for piece, cjk in _pieces(text):
            if cjk:
                terms.update(dict.fromkeys(piece))
                terms.update(dict.fromkeys(_pairs(piece)))
            else:
                terms[_stem(piece)] = None
    return " ".join(terms)


@dataclass(frozen=True)
class Query:
    """What a search asks: terms that must all (or, with `any_term`, any) be present, and
    whether the last one is a prefix (a word still being typed)."""

    terms: tuple[str, ...]
    prefix: bool
    any_term: bool = False

    def __bool__(self) -> bool:
        return bool(self.terms)


def query(text: str, any_term: bool = False) -> Query:
    """The query for what someone typed. The last word is a prefix when it is not Chinese
    and has at least `SHORTEST_PREFIX` characters (a shorter prefix would match most of the
    index)."""
    terms: dict[str, None] = {}
    pieces = _pieces(text)
    for piece, cjk in pieces:
        terms.update(dict.fromkeys(_pairs(piece) if cjk else [_stem(piece)]))
    ordered = tuple(terms)[:MOST_QUERY_TERMS]
    last_piece, last_cjk = pieces[-1] if pieces else ("", True)
    prefix = (
        bool(ordered)
        and not last_cjk
        and len(last_piece) >= SHORTEST_PREFIX
        and ordered[-1] == _stem(last_piece)
    )
    return Query(ordered, prefix, any_term)


def matches(q: Query, terms: str) -> bool:
    """Whether a row indexed under `terms` matches `q` (what both databases compute)."""
    have = set(terms.split())
    *whole, last = q.terms
    found = [t in have for t in whole]
    if q.prefix:
        found.append(any(t.startswith(last) for t in have))
    else:
        found.append(last in have)
    return any(found) if q.any_term else all(found)
