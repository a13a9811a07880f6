"""The search tokeniser, defined once (docs/search.md) and implemented twice: here, for the
index built at build time, and in `themes/default/assets/search-tokenize.js`, for the query in
the browser. `tests/search_vectors.json` holds text → tokens pairs both must reproduce.

1. Normalise each code point on its own: NFKC, then lower case (２０１０ → 2010, Ａ → a,
   ㈱ → (株)). Soft hyphen and zero-width characters vanish.
2. Units: a Han character (CJK ideographs, extensions, compatibility ideographs, 〇) is one unit;
   a run of ASCII letters and digits is one unit (a "word", cut to 64 characters). Anything else
   separates.
3. Runs: consecutive units form a run. In a *document* whitespace touching a Han character does
   not separate (a line break inside a Chinese sentence, "2010 年"); in a *query* any
   whitespace separates, so that "城镇 居民" is two terms.
4. Index tokens of a run: every unit, and every pair of neighbouring units joined
   ("12号" → 12, 号, 12号; "财政预算" → 财, 政, 预, 算, 财政, 政预, 预算).
5. A query term is one run; it must match: a one-unit term by that unit, a longer one by all of
   its pairs. Its units must appear contiguously in a field of the item (checked on the item's
   text in the browser, for the results shown).
"""

from __future__ import annotations

import re
import sys
import unicodedata
from dataclasses import dataclass

WORD_MAX = 64
CJK_RANGES = "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff"
WHITESPACE = "\t\n\x0b\x0c\r \x85\u1680\u2028\u2029"  # what NFKC leaves of Unicode spaces
IGNORED = "\u00ad\u200b\u200c\u200d\u2060\ufeff"

_UNIT_RE = re.compile(f"[a-z0-9]+|[{CJK_RANGES}]")
_RUN_RE = re.compile(f"(?:[a-z0-9]+|[{CJK_RANGES}])+")
# Spaces touching a Han character. Each branch starts with a space, so that the regex engine
# skips to the next space in C (a branch starting with a lookbehind was tried at every
# character: a fifth of tokenising a body); the lookbehinds then look at the character before
# it. The second branch only from the start of a run of spaces, and without giving any back:
# tried at every space of a long run, it scanned the rest of the run each time (60 000 spaces
# in a title took 27 s).
_JOIN_RE = re.compile(f"[{WHITESPACE}](?:(?<=[{CJK_RANGES}][{WHITESPACE}])[{WHITESPACE}]*"
                      f"|(?<![{WHITESPACE}][{WHITESPACE}])[{WHITESPACE}]*+(?=[{CJK_RANGES}]))")
_WS_ONLY_RE = re.compile(f"[{WHITESPACE}]+")


class _Fold(dict[int, str]):
    """Code point → its NFKC, lower-cased form; filled lazily, used by str.translate."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        value = "" if char in IGNORED else unicodedata.normalize("NFKC", char).lower()
        self[code] = value
        return value


_FOLD = _Fold()


def normalize(text: str) -> str:
    """Step 1: every code point NFKC-normalised on its own, then lower-cased."""
    return text.translate(_FOLD)


def _units(run: str) -> list[str]:
    return [u[:WORD_MAX] for u in _UNIT_RE.findall(run)]


def runs(text: str, document: bool = True) -> list[list[str]]:
    """Steps 1–3: the runs of units of `text` (as a document, or as a query)."""
    norm = normalize(text)
    if document:
        norm = _JOIN_RE.sub("", norm)
    return [_units(m.group()) for m in _RUN_RE.finditer(norm)]


def pairs(units: list[str]) -> list[str]:
    return [a + b for a, b in zip(units, units[1:], strict=False)]


def index_tokens(text: str) -> list[str]:
    """Step 4: the tokens a document text is indexed under, in order of first occurrence."""
    out: dict[str, None] = {}
    for units in runs(text, document=True):
        prev = None
        for unit in units:
            out[unit] = None
            if prev is not None:
                out[prev + unit] = None
            prev = unit
    return list(out)


_HAN_RE = re.compile(f"[{CJK_RANGES}]")
# a word with the Han character before it and the one after it, if any (the one after is not
# taken: it may come before the next word)
_WORD_NEIGHBOURS_RE = re.compile(f"([{CJK_RANGES}]?)([a-z0-9]+)(?=([{CJK_RANGES}]?))")
_WORD_RE = re.compile("[a-z0-9]+")
_NEIGHBOURS_KEPT = 1 << 16  # (about 20 MB at most)


class _Neighbours(dict[int, tuple[str, ...]]):
    """Two neighbouring code points as one integer (UTF-32, see `_neighbour_codes`) → the Han
    tokens they give: each that is a Han character, and the pair if both are."""

    def __missing__(self, code: int) -> tuple[str, ...]:
        pair = code.to_bytes(8, sys.byteorder).decode("utf-32-le", "surrogatepass")
        first, second = (_HAN_RE.match(c) is not None for c in pair)
        value = ((pair[0],) if first else ()) + ((pair[1],) if second else ()) \
            + ((pair,) if first and second else ())
        if len(self) >= _NEIGHBOURS_KEPT:
            self.clear()
        self[code] = value
        return value


_NEIGHBOURS = _Neighbours()


def _neighbour_codes(text: str) -> set[int]:
    """Every two neighbouring code points of `text` as an integer, the set made in C: UTF-32
    read as 8-byte integers from offset 0 and from offset 4."""
    data = memoryview(text.encode("utf-32-le", "surrogatepass"))
    codes = set(data[: len(data) // 8 * 8].cast("Q"))
    codes.update(data[4 : 4 + (len(data) - 4) // 8 * 8].cast("Q"))
    return codes


def index_token_set(text: str) -> set[str]:
    """`set(index_tokens(text))`, faster: the build tokenises every document. Two units are
    neighbours in a run exactly when nothing separates them in the normalised, joined text, and
    two words are never neighbours (they would be one word). So the Han tokens are those of
    the distinct pairs of neighbouring characters (a space appended: the last character is in
    a pair too), and the words those of one scan: no loop over the characters in Python."""
    norm = _JOIN_RE.sub("", normalize(text))
    if not norm:
        return set()
    out: set[str] = set()
    out.update(*map(_NEIGHBOURS.__getitem__, _neighbour_codes(norm + " ")))
    if _WORD_RE.search(norm):
        for before, word, after in _WORD_NEIGHBOURS_RE.findall(norm):
            word = word[:WORD_MAX]
            out.add(word)
            if before:
                out.add(before + word)
            if after:
                out.add(word + after)
    return out


@dataclass(frozen=True)
class Term:
    """One query term: its units, the tokens it needs, and whether only whitespace separates
    it from the previous term (then the pair across the gap is a phrase bonus)."""

    units: tuple[str, ...]
    tokens: tuple[str, ...]
    joined: bool

    def as_json(self) -> dict[str, object]:
        return {"units": list(self.units), "tokens": list(self.tokens), "joined": self.joined}


def query_terms(text: str) -> list[Term]:
    """Step 5: the terms of a query."""
    norm = normalize(text)
    terms: list[Term] = []
    end = None
    for m in _RUN_RE.finditer(norm):
        units = _units(m.group())
        tokens = tuple(dict.fromkeys(pairs(units))) if len(units) > 1 else (units[0],)
        gap = norm[end : m.start()] if end is not None else ""
        terms.append(Term(tuple(units), tokens, bool(gap) and _WS_ONLY_RE.fullmatch(gap) is not None))
        end = m.end()
    return terms


def contains(text: str, units: tuple[str, ...] | list[str]) -> bool:
    """Whether `units` occur one after another inside one run of `text` (a document): what the
    browser checks on the text of a result before it shows it."""
    n = len(units)
    if not n:
        return False
    want = list(units)
    for run in runs(text, document=True):
        for i in range(len(run) - n + 1):
            if run[i : i + n] == want:
                return True
    return False
