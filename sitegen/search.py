"""Stage 4a, index: `search.json` (the public data file, schema in README) and the sharded
search index the search page reads (layout and formats: docs/search.md).

The index is a folder of classic scripts under `assets/search/`, each assigning its data to
`window.SITEGEN_SEARCH`, so that the page loads them with `<script src>` from file:// (where
fetch(), modules, workers and WebAssembly are blocked) and over HTTP alike:

    manifest.js          shard count, document count, filter vocabularies, year ranges, and
                         the names of the x/ files
    t/<shard>.js         token → postings, for the tokens whose hash falls in the shard
    x/<prefix>.js        postings of frequent tokens, by the top 20 bits of their hash
    d/<bucket>/<id>.js   one document: title, url, category, date, 文号, text for the snippet

The per-item work is pure (`search_doc`, `doc_tokens`, `doc_payload` depend on their arguments
only) and a token's shard is a function of the token and the shard count, so an edited item
changes only its own document file and the shards its old and new tokens fall in. Same input,
same bytes: keys sorted, no timestamps.
"""

from __future__ import annotations

import binascii
import bisect
import functools
import hashlib
import json
import marshal
import operator
import pickle
import re
import zlib
from array import array
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import accumulate, compress
from typing import Any

from sitegen import tokenize
from sitegen.structure import Site
from sitegen.validate import Item

INDEX_DIR = "assets/search/"
FORMAT_VERSION = 2
# Field bits of a posting; the browser ranks title > 文号/主题词/索引号 > 内容概述 > 正文.
TITLE, META, SUMMARY, BODY = 1, 2, 4, 8
SUBSETS = (TITLE, META, SUMMARY)
SHARD_TARGET = 12 * 1024  # bytes of small postings per shard, on average
BIG_ENTRY = 3 * 1024  # a token whose postings take more gets a file of its own
BIG_BITS = 20  # frequent tokens' files are named by this many top bits of the token's hash
MAX_SHARDS = 1 << 16
DOC_BUCKET = 128  # documents whose file names one file of n/ lists (1.5 KB: a page of
# results from ten of them loads 15 KB more; a deletion rewrites those from its own on)
NAME_LENGTH = 12  # hex digits of a document file's name
TEXT_LIMIT = 4000  # characters of body text kept in a document file (snippets, phrase check)
FACET_PREFIX = "#"  # never produced by the tokeniser: '#' is a separator
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_"


# --- search.json -------------------------------------------------------------------------------


def record(site: Site, item: Item) -> dict[str, Any]:
    return {
        "index_no": item.index_no,
        "title": item.title,
        "url": item.url,
        "category": item.category.path,
        "organization": site.org(item.organization).full_name,
        "date_published": item.date_published.isoformat(),
        "doc_no": item.doc_no,
        "keywords": item.keywords,
        "validity": item.validity,
        "summary": item.summary,
    }


def record_line(site: Site, item: Item) -> str:
    """An item's line of search.json (made once, where the item's page is rendered)."""
    return json.dumps(record(site, item), ensure_ascii=False)


def search_json(lines: list[str]) -> str:
    """One record a line (`record_line`, newest first): readable, a one-line diff per changed
    item, and written by the C encoder (the indenting one is pure Python and slow at 100 000
    records)."""
    if not lines:
        return "[]\n"
    return "[\n" + ",\n".join(lines) + "\n]\n"


def search_json_bytes(lines: list[bytes]) -> bytes:
    """`search_json` of lines already encoded (a quick build edits the file as bytes)."""
    if not lines:
        return b"[]\n"
    return b"[\n" + b",\n".join(lines) + b"\n]\n"


def search_docs(site: Site) -> list[SearchDoc]:
    """The documents of the index, oldest first (a document's number is its position), their
    bodies left empty: what the manifest needs (the bodies are in the build cache)."""
    return [search_doc(site, item, "") for item in reversed(site.items)]


def category_order(site: Site) -> list[str]:
    """The columns with items (expired ones too: the search keeps them), in the config's order."""
    used = {c.path for category in {i.category.path: i.category for i in site.items}.values()
            for c in site.config.categories.ancestors(category)}
    return [c.path for c in site.config.categories.categories if c.path in used]


# --- per item: pure functions ------------------------------------------------------------------


@dataclass(frozen=True)
class SearchDoc:
    """What the search knows of one item."""

    index_no: str
    title: str
    url: str
    category: str  # full path, "/"-separated
    organization: str  # full name
    date: str  # 发布日期, YYYY-MM-DD
    doc_no: str = ""
    keywords: tuple[str, ...] = ()
    summary: str = ""
    validity: str = "有效"
    body: str = ""  # plain text
    attachments: tuple[str, ...] = ()  # attachment titles
    sort_key: tuple[str, ...] = field(default=(), compare=False)
    expired: bool = False  # 限时公开 past its date: found, and marked 公开期已满

    @property
    def year(self) -> int:
        return int(self.date[:4])


def search_doc(site: Site, item: Item, text: str) -> SearchDoc:
    return SearchDoc(
        index_no=item.index_no, title=item.title, url=item.url, category=item.category.path,
        organization=site.org(item.organization).full_name,
        date=item.date_published.isoformat(), doc_no=item.doc_no,
        keywords=tuple(item.keywords), summary=item.summary, validity=item.validity, body=text,
        attachments=tuple(a.title for a in item.attachments), sort_key=item.sort_key,
        expired=item.expired)


def doc_fields(doc: SearchDoc) -> list[tuple[int, str]]:
    return [(TITLE, doc.title), (META, doc.doc_no), *((META, k) for k in doc.keywords),
            (META, doc.index_no), (SUMMARY, doc.summary), (BODY, doc.body),
            *((BODY, a) for a in doc.attachments),
            # the column's names, as weak as the body's words: the word a reader sees in the
            # menu finds its items (年报: the 工作汇报 of 政府信息公开年报)
            *((BODY, name) for name in doc.category.split("/"))]


# Joins a field's texts: a separator that is no space, so the texts' tokens are each text's
# (no unit pairs across it, and no space next to it to join).
_APART = "|"


def doc_tokens(doc: SearchDoc) -> dict[str, int]:
    """Token → the fields (bits) it occurs in; facet tokens (filters) carry no field bit."""
    texts: dict[int, list[str]] = {}
    for bit, text in doc_fields(doc):
        if text:
            texts.setdefault(bit, []).append(text)
    # one tokenisation a field, not one a text (a document has a dozen, most of them short)
    by_field = {bit: tokenize.index_token_set(_APART.join(parts)) for bit, parts in texts.items()}
    # the body's tokens (most of them) in one step; the few of the other fields one by one
    body = by_field.pop(BODY, set())
    tokens = dict.fromkeys(body, BODY)
    for bit, found in by_field.items():
        for token in found:
            tokens[token] = tokens.get(token, 0) | bit
    for facet in facet_tokens(doc):
        tokens[facet] = 0
    return tokens


def _with_parents(category: str) -> list[str]:
    names = category.split("/")
    return ["/".join(names[: i + 1]) for i in range(len(names))]


def facet_tokens(doc: SearchDoc) -> list[str]:
    return ([FACET_PREFIX + "c" + c for c in _with_parents(doc.category)]
            + [FACET_PREFIX + "o" + doc.organization, FACET_PREFIX + "v" + doc.validity])


_CJK_PUNCT = "\u3000-\u303f\uff00-\uffef\u2018-\u201f\u2026\u2014"
# Whitespace after or before Chinese punctuation. Each branch starts with the whitespace (the
# lookbehind then looks at the character before it), so that the regex engine skips to the next
# whitespace in C: starting with the lookbehind, it was tried at every character (three times
# as slow over the benchmark's bodies).
_TIDY_RE = re.compile(f"[ \t\n](?:(?<=[{_CJK_PUNCT}][ \t\n])[ \t\n]*|[ \t\n]*(?=[{_CJK_PUNCT}]))")


def doc_payload(doc: SearchDoc) -> dict[str, Any]:
    """The document file's data: what a result shows, and the text its phrases are checked on.
    Spaces next to Chinese punctuation (left where tags were) are dropped: never tokens."""
    tidy = _TIDY_RE.sub("", doc.body)
    body = tidy[:TEXT_LIMIT]
    payload: dict[str, Any] = {
        "t": doc.title, "u": doc.url, "c": doc.category, "o": doc.organization, "d": doc.date,
        "n": doc.doc_no, "k": list(doc.keywords), "x": doc.index_no, "v": doc.validity,
        "s": doc.summary, "b": body, "a": list(doc.attachments),
    }
    if len(tidy) > TEXT_LIMIT:
        payload["z"] = 1  # body cut: a term not found in it may be further on
    if doc.expired:
        payload["e"] = 1
    return payload


# --- encodings ---------------------------------------------------------------------------------

_TERMINAL = ALPHABET[:32]
_MORE = ALPHABET[32:]
_SMALL = [_TERMINAL[v] for v in range(32)] + [_MORE[v >> 5] + _TERMINAL[v & 31] for v in range(32, 1024)]


def varint(value: int) -> str:
    """Base-32 digits, most significant first; all but the last from the upper half."""
    if value < 1024:
        return _SMALL[value]
    digits = [_TERMINAL[value & 31]]
    value >>= 5
    while value:
        digits.append(_MORE[value & 31])
        value >>= 5
    return "".join(reversed(digits))


def gaps(values: Sequence[int]) -> str:
    """Ascending integers as varints of their differences (first value, then v[i]-v[i-1]-1).
    (By `map` over C functions: renumbering an index after a deletion encodes its every list,
    5 million numbers at 10 000 items.)"""
    if not values:
        return ""
    head = _SMALL[values[0]] if values[0] < 1024 else varint(values[0])
    return head + "".join(map(_STEP_TEXT.__getitem__, map(operator.sub, values[1:], values)))


def bitmap(values: Sequence[int]) -> str:
    """Ascending integers as "~", the first 6-bit block as a varint, then 6 bits a character
    (bit i of character k: number 6 * (first block + k) + i). Made without a loop over the
    numbers: a byte per number from the gaps, those bytes as one binary integer, its 6-bit
    digits as Base64 (whose alphabet is then translated to ours)."""
    first = values[0] // 6
    flags = b"\0" * (values[0] - first * 6) + b"\1" + b"".join(
        map(_FLAG_RUN.__getitem__, map(operator.sub, values[1:], values)))
    return _packed(first, flags)


def _packed(first: int, flags: bytes) -> str:
    """The bitmap of the numbers from 6 * `first` on whose byte in `flags` is 1."""
    blocks = -(-len(flags) // 6)
    number = int(flags.translate(_FLAG_DIGITS)[::-1], 2)  # bit i: number 6 * first + i
    digits = binascii.b2a_base64(number.to_bytes(-(-blocks // 4) * 3, "big"), newline=False)
    return "~" + varint(first) + digits.decode("ascii")[::-1][:blocks].translate(_FROM_BASE64)


class _StepText(dict[int, str]):
    """v[i] - v[i-1] -> the varint of the gap (one less)."""

    def __missing__(self, step: int) -> str:
        return varint(step - 1)


class _FlagRun(dict[int, bytes]):
    """v[i] - v[i-1] -> a byte per number from v[i-1] + 1 to v[i]: 1 for v[i], 0 between."""

    def __missing__(self, step: int) -> bytes:
        return b"\0" * (step - 1) + b"\1"


_STEP_TEXT = _StepText((value + 1, text) for value, text in enumerate(_SMALL))
_FLAG_RUN = _FlagRun((step, b"\0" * (step - 1) + b"\1") for step in range(1, 64))
_FLAG_DIGITS = bytes.maketrans(b"\0\1", b"01")
_FROM_BASE64 = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
                             ALPHABET)


def encode_ids(values: Sequence[int]) -> str:
    """The shorter of the two encodings (the bitmap made only when it is the shorter: its
    length follows from the first and last number)."""
    sparse = gaps(values)
    return bitmap(values) if _bitmap_shorter(len(values), values[0], values[-1], len(sparse)) \
        else sparse


def _bitmap_shorter(count: int, first: int, last: int, sparse: int) -> bool:
    """Whether the bitmap of `count` numbers from `first` to `last` is shorter than their gaps,
    `sparse` characters (`encode_ids`'s choice; the bitmap's length is known without it)."""
    if count * 6 < (last - first) // 2:  # the bitmap is longer anyway
        return False
    return 2 + len(varint(first // 6)) + last // 6 - first // 6 < sparse


def encode_entry(postings: array) -> str:
    """One token's postings (docid << 4 | field bits, ascending): the ids, then for title, meta
    and summary the positions in that list of the documents that have the token there (each
    list as gaps or as a bitmap, whichever is shorter)."""
    parts = [encode_ids([p >> 4 for p in postings])]
    if any(p & 7 for p in postings):
        subsets: tuple[list[int], ...] = ([], [], [])
        for i, p in enumerate(postings):
            if p & 7:
                for k, bit in enumerate(SUBSETS):
                    if p & bit:
                        subsets[k].append(i)
        parts.extend(encode_ids(s) if s else "" for s in subsets)
    while len(parts) > 1 and not parts[-1]:
        parts.pop()
    return ",".join(parts)


def token_hash(token: str) -> int:
    """FNV-1a over UTF-8 with a murmur3 finaliser: the same in search.js."""
    h = 0x811C9DC5
    for byte in token.encode("utf-8"):
        h = ((h ^ byte) * 0x01000193) & 0xFFFFFFFF
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & 0xFFFFFFFF
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & 0xFFFFFFFF
    h ^= h >> 16
    return h


def shard_count(small_bytes: int) -> int:
    """A power of two, so that shards hold SHARD_TARGET bytes on average; it changes only when
    the index doubles or halves."""
    count = 1
    while count < MAX_SHARDS and count * SHARD_TARGET < small_bytes:
        count *= 2
    return count


def big_name(h: int) -> str:
    """The file of a frequent token: the top BIG_BITS bits of its hash (the manifest lists the
    names that exist, so the browser asks for the file without asking the shard first)."""
    return f"{h >> (32 - BIG_BITS):0{BIG_BITS // 4}x}"


def shard_name(h: int, count: int) -> str:
    width = max(1, len(f"{count - 1:x}"))
    return f"{h & (count - 1):0{width}x}"


def _script(target: str, data: Any) -> bytes:
    """`SITEGEN_SEARCH.<target>=<json>;` (search.js creates SITEGEN_SEARCH before it loads any
    shard or document; the manifest, loaded first, creates it itself)."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    text = text.replace("</", "<\\/").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    if target == "m":
        return f"(window.SITEGEN_SEARCH=window.SITEGEN_SEARCH||{{}}).m={text};\n".encode()
    return f"SITEGEN_SEARCH.{target}={text};\n".encode()


# --- the whole index ---------------------------------------------------------------------------


def collect_postings(token_sets: Iterable[dict[str, int]], first: int = 0) -> dict[str, array]:
    """Token → array of docid << 4 | field bits; documents numbered in iteration order from
    `first` (a worker collects a slice of the documents: `cut_postings`)."""
    postings: dict[str, array] = {}
    for docid, tokens in enumerate(token_sets, start=first):
        for token, bits in tokens.items():
            found = postings.get(token)
            if found is None:
                postings[token] = found = array("i")
            found.append(docid << 4 | bits)
    return postings


def encode_entries(postings: dict[str, array]) -> dict[str, str]:
    return {token: encode_entry(p) for token, p in postings.items()}


def build_index(docs: Sequence[SearchDoc], categories: Sequence[str] | None = None
                ) -> list[tuple[str, bytes]]:
    """The index files for `docs`, oldest first (a document's number is its position, so new
    items take new numbers)."""
    return full_index(docs, categories).files


@dataclass
class IndexState:
    """What an index was built from, kept by the build cache so that the next build can
    update the index instead of building it again (`update_index`)."""

    docs: list[tuple[str, str]]  # (index_no, doc_fingerprint) by document number
    shards: int
    small_bytes: int  # what `shard_count` was given
    digests: dict[str, str]  # file under INDEX_DIR (but the manifest) -> digest of its bytes

    def to_json(self) -> str:
        return json.dumps({"version": FORMAT_VERSION, "docs": self.docs, "shards": self.shards,
                           "small_bytes": self.small_bytes, "digests": self.digests},
                          ensure_ascii=False, separators=(",", ":"))

    @staticmethod
    def from_json(text: str | None) -> IndexState | None:
        data = json.loads(text or "{}")
        if data.get("version") != FORMAT_VERSION:
            return None
        return IndexState([(i, f) for i, f in data["docs"]], data["shards"], data["small_bytes"],
                          data["digests"])


@dataclass
class Index:
    files: list[tuple[str, bytes]]  # site-root relative paths; an update lists changed files only
    state: IndexState


def full_index(docs: Sequence[SearchDoc], categories: Sequence[str] | None = None) -> Index:
    """The whole index of `docs` in one process (the build spreads the same steps over its
    workers: `collect_postings`, `token_files`, `doc_file`, `finish_index`)."""
    entries = encode_entries(collect_postings(map(doc_tokens, docs)))
    names = doc_names([d.index_no for d in docs])
    doc_files = [doc_file(name, doc) for name, doc in zip(names, docs, strict=True)]
    index = finish_index(docs, categories, [(d.index_no, doc_fingerprint(d)) for d in docs],
                         token_files(entries), {rel: file_digest(data) for rel, data in doc_files},
                         names)
    index.files += [(INDEX_DIR + rel, data) for rel, data in doc_files]
    return index


@dataclass
class TokenFiles:
    """The shard and frequent-token files of an index (paths under INDEX_DIR): their bytes,
    or none when they were written apart (`group_files`); the digests of all, in order."""

    files: list[tuple[str, bytes]]
    shards: int
    small_bytes: int
    digests: dict[str, str]


def token_files(entries: dict[str, str]) -> TokenFiles:
    """The files holding the encoded postings of every token, made in one step: `full_index`'s,
    and the reference the build's parts (`group_files`) are tested against."""
    big = {t for t, e in entries.items() if len(e) > BIG_ENTRY}
    small_bytes = sum(_small_size(t, e) for t, e in entries.items() if t not in big)
    count = shard_count(small_bytes)
    shards: dict[str, dict[str, Any]] = {shard_name(h, count): {} for h in range(count)}
    bigs: dict[str, dict[str, str]] = {}
    for token, entry in entries.items():
        h = token_hash(token)
        if token in big:
            bigs.setdefault(big_name(h), {})[token] = entry
        else:
            shards[shard_name(h, count)][token] = entry
    files = [(f"t/{name}.js", _shard_script("t", name, data)) for name, data in shards.items()]
    files += [(f"x/{name}.js", _shard_script("x", name, data)) for name, data in sorted(bigs.items())]
    return TokenFiles(files, count, small_bytes, {rel: file_digest(d) for rel, d in files})


def finish_index(meta: Sequence[SearchDoc], categories: Sequence[str] | None,
                 ids: list[tuple[str, str]], tokens: TokenFiles,
                 doc_digests: dict[str, str], names: Sequence[str]) -> Index:
    """The manifest, the token files and the files naming the documents' files (the document
    files, written apart, are given by their digests). `meta`: the documents, their bodies
    not needed; `ids`: (index_no, fingerprint) of each; `names`: `doc_names` of them."""
    files = [*tokens.files, *name_files(names)]
    digests = dict(tokens.digests)
    digests.update((rel, file_digest(data)) for rel, data in files[len(tokens.files):])
    digests.update(doc_digests)
    state = IndexState(ids, tokens.shards, tokens.small_bytes, digests)
    return Index([_manifest(meta, categories, state),
                  *((INDEX_DIR + rel, data) for rel, data in files)], state)


# --- the whole index, in parts ------------------------------------------------------------------
# A build's workers tokenise spans of the documents. Merged in the build's own process, the
# postings of 100 000 documents took 275 MB there, and their entries as much again. Instead, in
# three rounds of tasks that pass scratch files: each span's postings are cut by token into
# `parts` (`cut_postings`); each part is merged, encoded, and cut again by the hash that names
# the token files (`encode_part`); each group of token files is made from its cuts
# (`group_files`). A process holds one span, one part or one group at a time.

def part_of(token: str, parts: int) -> int:
    """Which part a token's postings are merged in: any hash would do, as long as it is the
    same in every worker (crc32 runs in C; `token_hash` does not)."""
    return zlib.crc32(token.encode()) & (parts - 1)


def cut_postings(postings: dict[str, array], parts: int) -> list[bytes]:
    """A span's postings (`collect_postings`), one marshalled dict of token → postings' bytes
    for each part."""
    cut: list[dict[str, bytes]] = [{} for _ in range(parts)]
    for token, found in postings.items():
        cut[part_of(token, parts)][token] = found.tobytes()
    return [marshal.dumps(c) for c in cut]


def encode_part(pieces: Iterable[bytes], groups: int) -> tuple[list[bytes], int]:
    """One part of every span (`cut_postings`, in document order) merged and encoded, cut into
    `groups` by the token's file: small entries by the low bits of `token_hash` (the shard),
    frequent ones by the low bits of their file's name. Returns the marshalled groups, each
    (small, big), each (tokens, their `token_hash`es as array "I" bytes, their entries); and
    the bytes the small entries add to the shards (`shard_count`)."""
    merged: dict[str, list[bytes]] = {}
    for piece in pieces:
        for token, data in marshal.loads(piece).items():
            have = merged.get(token)
            if have is None:
                merged[token] = [data]
            else:
                have.append(data)
    cuts = [(([], array("I"), []), ([], array("I"), [])) for _ in range(groups)]
    small_bytes = 0
    for token, data in merged.items():
        postings = array("i")
        postings.frombytes(data[0] if len(data) == 1 else b"".join(data))
        entry = encode_entry(postings)
        h = token_hash(token)
        if len(entry) > BIG_ENTRY:
            tokens, hashes, entries = cuts[(h >> (32 - BIG_BITS)) & (groups - 1)][1]
        else:
            tokens, hashes, entries = cuts[h & (groups - 1)][0]
            small_bytes += _small_size(token, entry)
        tokens.append(token)
        hashes.append(h)
        entries.append(entry)
    return [marshal.dumps(tuple((t, h.tobytes(), e) for t, h, e in cut)) for cut in cuts], small_bytes


def group_files(pieces: Iterable[bytes], shards: int, group: int, tasks: int
                ) -> list[tuple[str, bytes]]:
    """The token files of one group of `tasks` (a power of two, at most `shards`): the shards
    whose number is `group` modulo `tasks`, and the frequent tokens' files whose name is; made
    from the cuts of every part (`encode_part`) for the groups the same modulo `tasks`."""
    small: dict[int, dict[str, str]] = {t: {} for t in range(group, shards, tasks)}
    bigs: dict[int, dict[str, str]] = {}
    for piece in pieces:
        for kind, (tokens, hash_bytes, entries) in enumerate(marshal.loads(piece)):
            hashes = array("I")
            hashes.frombytes(hash_bytes)
            for token, h, entry in zip(tokens, hashes, entries, strict=True):
                if kind:
                    bigs.setdefault(h >> (32 - BIG_BITS), {})[token] = entry
                else:
                    small[h & (shards - 1)][token] = entry
    files = []
    for number, data in small.items():
        name = shard_name(number, shards)
        files.append((f"t/{name}.js", _shard_script("t", name, data)))
    for prefix, data in bigs.items():
        name = big_name(prefix << (32 - BIG_BITS))
        files.append((f"x/{name}.js", _shard_script("x", name, data)))
    return files


def written_token_files(digests: dict[str, str], shards: int, small_bytes: int) -> TokenFiles:
    """The token files `group_files` made and the build wrote, in `token_files`' order."""
    order = [f"t/{shard_name(h, shards)}.js" for h in range(shards)]
    order += sorted(rel for rel in digests if rel.startswith("x/"))
    return TokenFiles([], shards, small_bytes, {rel: digests[rel] for rel in order})


def doc_names(index_nos: Sequence[str]) -> list[str]:
    """Each document's file name, by document number: a digest of its 索引号, so that a
    document's file keeps its name and bytes however the numbers around it change (a
    deletion renumbers every later document; files named by number were all rewritten, and
    a deploy moved them all). A name taken by an earlier document (one chance in 2^48 a
    pair) is made again with a counter."""
    names: list[str] = []
    seen: set[str] = set()
    for index_no in index_nos:
        name, k = _name(index_no), 0
        while name in seen:
            k += 1
            name = _name(f"{index_no}\0{k}")
        seen.add(name)
        names.append(name)
    return names


def _name(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=NAME_LENGTH // 2).hexdigest()


def doc_file(name: str, doc: SearchDoc) -> tuple[str, bytes]:
    """A document's file, under INDEX_DIR."""
    return doc_path(name), _doc_script(name, doc)


def name_files(names: Sequence[str]) -> list[tuple[str, bytes]]:
    """The files listing the documents' file names, DOC_BUCKET documents a file (the browser
    reads the name of document n at (n % DOC_BUCKET) * NAME_LENGTH of file n // DOC_BUCKET):
    a deletion changes the files from its own on, a new newest document the last one."""
    return [(names_path(chunk), _script(f"n[{chunk}]", "".join(names[start : start + DOC_BUCKET])))
            for chunk, start in enumerate(range(0, len(names), DOC_BUCKET))]


def names_path(chunk: int) -> str:
    return f"n/{chunk}.js"


def name_of(read: Callable[[str], bytes], docid: int) -> str:
    """The file name of document `docid`, as the browser finds it (`read(rel)`: the bytes of
    a file under INDEX_DIR)."""
    names = json.loads(read(names_path(docid // DOC_BUCKET)).decode().split("=", 1)[1].rstrip(";\n"))
    start = docid % DOC_BUCKET * NAME_LENGTH
    return names[start : start + NAME_LENGTH]


def _small_size(token: str, entry: str) -> int:
    return len(token.encode()) + len(entry) + 6


def _shard_script(kind: str, name: str, data: dict[str, str]) -> bytes:
    return _script(f"{kind}[{json.dumps(name)}]", data)


def _doc_script(name: str, doc: SearchDoc) -> bytes:
    return _script(f'd["{name}"]', doc_payload(doc))


def file_digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=12).hexdigest()


def doc_fingerprint(doc: SearchDoc) -> str:
    # pickle, not repr: it runs in C (a pickle of str and tuple fields is stable)
    return hashlib.blake2b(pickle.dumps(doc, protocol=5), digest_size=12).hexdigest()


def _manifest(docs: Sequence[SearchDoc], categories: Sequence[str] | None,
              state: IndexState) -> tuple[str, bytes]:
    """The manifest names the build (the browser adds it to every index URL, so that a
    cache never mixes files of two builds): a digest over every other file."""
    manifest = manifest_data(docs, categories, state.shards, _build_stamp(state))
    manifest["big"] = _big_files(state)
    return INDEX_DIR + "manifest.js", _script("m", manifest)


def _build_stamp(state: IndexState) -> str:
    digest = hashlib.sha256()
    for rel in sorted(state.digests):
        digest.update(f"{rel}\0{state.digests[rel]}\n".encode())
    return digest.hexdigest()[:12]


def _big_files(state: IndexState) -> str:
    return gaps(sorted(int(rel[2:-3], 16) for rel in state.digests if rel.startswith("x/")))


# --- updating an index -------------------------------------------------------------------------

UPDATE_LIMIT = 300  # documents added, removed or changed beyond which a full build is cheaper


Manifest = Callable[[IndexState], tuple[str, bytes]]  # the manifest file of an index state


def manifest_of(meta: Sequence[SearchDoc], categories: Sequence[str] | None) -> Manifest:
    """The manifest of an index of `meta` (the documents, their bodies not needed)."""
    return lambda state: _manifest(meta, categories, state)


def restamped(old: bytes, moves: Sequence[tuple[str, str, bool]] = (),
              categories: Sequence[str] = ()) -> Manifest:
    """The manifest of an index whose documents have the same metadata as those of the index
    that `old` (its manifest file) describes — only the files' digests differ: everything
    in it but the build stamp and the list of frequent-token files stays. A quick build
    (only bodies edited) needs neither the documents nor their facets for it. `moves`:
    documents that changed category, (old path, new path, past its 公开截止日期) each; then the
    category counts change too (`categories`: `category_order` of the site after the moves)."""
    text = old.decode("utf-8")
    data = json.loads(text[text.index(".m=") + 3 : -2])
    if moves:
        counts = {c: n for c, n, *_ in data["categories"]}
        expired = {c: rest[0] for c, _, *rest in data["categories"] if rest}
        for was, now, past in moves:
            for path in _with_parents(was):
                counts[path] -= 1
                expired[path] = expired.get(path, 0) - past
            for path in _with_parents(now):
                counts[path] = counts.get(path, 0) + 1
                expired[path] = expired.get(path, 0) + past
        order = [c for c in categories if counts.get(c)]
        order += sorted(c for c, n in counts.items() if n and c not in order)
        data["categories"] = [[c, counts[c], expired[c]] if expired.get(c) else [c, counts[c]]
                              for c in order]

    def manifest(state: IndexState) -> tuple[str, bytes]:
        data["build"] = _build_stamp(state)
        data["big"] = _big_files(state)
        return INDEX_DIR + "manifest.js", _script("m", data)
    return manifest


def update_index(old: IndexState, ids: list[tuple[str, str]], manifest: Manifest,
                 doc: Callable[[str, str], SearchDoc | None],
                 read: Callable[[str], bytes], rewrite: Rewrite | None = None) -> Index | None:
    """The index of the documents `ids` ((index_no, fingerprint) of each, oldest first; their
    `manifest`), made from the index `old` describes by re-encoding only the postings that
    change: byte for byte what `full_index` gives.

    The old documents that stay in the same order keep their place in the numbering
    (`_renumbering`); an edited one has its token changes applied, a removed one simply
    leaves every list, an added one joins the lists of its tokens. Numbers are positions, so
    a removal or an insertion before the newest document moves every later number by one:
    then every list is decoded, renumbered and encoded again (no document is tokenised again),
    and the lists of file names from there on change; the documents' files keep their names.
    `doc(index_no, fingerprint)` returns a document, old or new, with its body (None if
    unknown); `read(rel)` the bytes of a file of the old index; `rewrite` is `rewrite_entries`
    or does the same work spread over several processes. None when a full build is needed: too
    many documents changed, a document needed is unknown, or the shard count changes."""
    rewrite = rewrite or rewrite_entries
    renumber = _renumbering([n for n, _ in old.docs], [n for n, _ in ids])
    kept = {n: o for o, n in enumerate(renumber) if n >= 0}
    changed = [n for n, o in kept.items() if old.docs[o][1] != ids[n][1]]
    added = [n for n in range(len(ids)) if n not in kept]
    removed = len(old.docs) - len(kept)
    if len(changed) + len(added) + removed > UPDATE_LIMIT:
        return None
    docs: dict[int, SearchDoc] = {}  # new number -> document, as far as needed
    for docid in [*changed, *added]:
        found = doc(*ids[docid])
        if found is None:
            return None
        docs[docid] = found
    changes: Changes = {}  # by new document number
    for docid in changed:
        was = doc(*old.docs[kept[docid]])
        if was is None:
            return None
        before, after = doc_tokens(was), doc_tokens(docs[docid])
        for token in before.keys() - after.keys():
            changes.setdefault(token, {})[docid] = None
        for token, bits in after.items():
            if token not in before or before[token] & 7 != bits & 7:
                changes.setdefault(token, {})[docid] = bits & 7
    for docid in added:
        for token, bits in doc_tokens(docs[docid]).items():
            changes.setdefault(token, {})[docid] = bits & 7
    # Without renumbering, only the lists of the changed, added and removed documents' tokens
    # change; else (or if a removed document is unknown) every list is looked at.
    shift = any(n not in (o, -1) for o, n in enumerate(renumber))
    touch = set(changes)
    for o in (o for o, n in enumerate(renumber) if n < 0 and not shift):
        was = doc(*old.docs[o])
        if was is None:
            shift = True
        else:
            touch.update(doc_tokens(was))
    files = _IndexFiles(old, read)
    found = files.everything() if shift else {token: files.find(token) for token in touch}
    for token in changes:
        found.setdefault(token, (None, None))
    small_bytes = old.small_bytes
    placed: list[tuple[str, str | None]] = []
    work = [(token, entry) for token, (_, entry) in found.items()]
    for (token, (rel, entry)), new_entry in zip(found.items(), rewrite(work, renumber, changes),
                                                 strict=True):
        if new_entry == entry:
            continue
        if rel is not None and entry is not None and new_entry is not None \
                and (len(new_entry) > BIG_ENTRY) == (rel[0] == "x"):
            # It stays in its file (unless the shard count changes: checked below).
            if rel[0] == "t":
                small_bytes += len(new_entry) - len(entry)
            files.put(rel, token, new_entry)
            continue
        if entry is not None and rel is not None and rel.startswith("t/"):
            small_bytes -= _small_size(token, entry)
        if new_entry is not None and len(new_entry) <= BIG_ENTRY:
            small_bytes += _small_size(token, new_entry)
        if rel is not None:
            files.remove(rel, token)
        placed.append((token, new_entry))
    count = shard_count(small_bytes)
    if count != old.shards:
        return None
    for token, entry in placed:
        if entry is not None:
            h = token_hash(token)
            big = len(entry) > BIG_ENTRY
            files.put(f"x/{big_name(h)}.js" if big else f"t/{shard_name(h, count)}.js", token, entry)
    written = files.changed()
    old_numbers, numbers = [n for n, _ in old.docs], [n for n, _ in ids]
    old_names = doc_names(old_numbers)
    names = old_names if numbers == old_numbers else doc_names(numbers)
    had = dict(zip(old_names, old.docs, strict=True))  # name -> its doc
    for name in had.keys() - set(names):
        written[doc_path(name)] = None
    for docid, name in enumerate(names):
        if had.get(name) != ids[docid]:
            found = docs.get(docid) or doc(*ids[docid])
            if found is None:
                return None
            written[doc_path(name)] = _doc_script(name, found)
    lists = dict(name_files(names))
    for rel, data in lists.items():
        if old.digests.get(rel) != file_digest(data):
            written[rel] = data
    for rel in old.digests:
        if rel.startswith("n/") and rel not in lists:
            written[rel] = None
    digests = dict(old.digests)
    for rel, data in written.items():
        if data is None:
            digests.pop(rel, None)
        else:
            digests[rel] = file_digest(data)
    state = IndexState(ids, count, small_bytes, digests)
    return Index([manifest(state),
                  *((INDEX_DIR + r, d) for r, d in sorted(written.items()) if d is not None)],
                 state)


Changes = dict[str, dict[int, int | None]]  # token -> document number -> field bits or None
Rewrite = Callable[[Sequence[tuple[str, str | None]], Sequence[int], Changes], list[str | None]]


def rewrite_entries(entries: Sequence[tuple[str, str | None]], renumber: Sequence[int],
                    changes: Changes) -> list[str | None]:
    """Each (token, entry) as it becomes: its documents renumbered (`renumber[old]`, -1 for
    gone), its `changes` applied; None for a token left without documents. `renumber` must
    keep the kept documents in order, as `_renumbering` does (field lists are positions)."""
    out: list[str | None] = []
    same_numbers = all(map(int.__eq__, renumber, range(len(renumber))))
    hole, gap = _hole(renumber), _gap(renumber)
    for token, entry in entries:
        if entry and token not in changes:
            out.append(_shifted(entry, hole, renumber) if hole is not None
                       else _opened(entry, gap, renumber) if gap is not None
                       else _renumbered(entry, renumber))
            continue
        appended = _appended(entry, changes[token]) if entry and same_numbers else None
        if appended is None and entry and gap is not None:
            appended = _inserted(entry, gap, changes[token])
        if appended is not None:
            out.append(appended)
            continue
        postings: dict[int, int] = {}
        if entry:
            for p in decode_entry(entry):
                docid = renumber[p >> 4]
                if docid >= 0:
                    postings[docid] = p & 7
        for docid, bits in changes.get(token, {}).items():
            if bits is None:
                postings.pop(docid, None)
            else:
                postings[docid] = bits
        out.append(encode_entry(array("i", (d << 4 | postings[d] for d in sorted(postings))))
                   if postings else None)
    return out


def _appended(entry: str, change: dict[int, int | None]) -> str | None:
    """`encode_entry` of the entry's postings with the documents of `change` added, when each
    comes after its last one (a new item is the newest document): made by extending the
    encoded lists instead of encoding them again — a new item touches a thousand lists, the
    frequent ones holding most documents. None if the change is not such an addition."""
    parts = entry.split(",")
    ids = decode_ids(parts[0])
    added = sorted(change.items())
    if any(bits is None for _, bits in added) or added[0][0] <= ids[-1]:
        return None
    parts[0] = _extended(parts[0], ids, [docid for docid, _ in added])
    parts += [""] * (len(SUBSETS) + 1 - len(parts))
    for k, bit in enumerate(SUBSETS, start=1):
        positions = [len(ids) + i for i, (_, bits) in enumerate(added) if bits & bit]
        if positions:
            parts[k] = (_extended(parts[k], decode_ids(parts[k]), positions) if parts[k]
                        else encode_ids(positions))
    while len(parts) > 1 and not parts[-1]:
        parts.pop()
    return ",".join(parts)


def _extended(encoded: str, old: list[int], new: list[int]) -> str:
    """`encode_ids(old + new)`, given `encoded` = `encode_ids(old)` and `new` after `old`: the
    gaps of `new` appended, or the bitmap's last character and new blocks, where the old
    encoding was of that kind. Which of the two is shorter is decided from their lengths
    (the bitmap's follows from the first and last number; the gaps' from the old encoding,
    which was the shorter or not); the other is made whole only if it may be the shorter."""
    tail, previous = [], old[-1]
    for value in new:
        gap = value - previous - 1
        tail.append(_SMALL[gap] if gap < 1024 else varint(gap))
        previous = value
    grown = "".join(tail)
    dense_may_win = (len(old) + len(new)) * 6 >= (new[-1] - old[0]) // 2  # as `encode_ids`
    dense_length = 2 + len(varint(old[0] // 6)) + new[-1] // 6 - old[0] // 6
    if encoded.startswith("~"):  # the bitmap was shorter than the gaps: len(gaps) > len(encoded)
        if dense_may_win and dense_length <= len(encoded) + len(grown):
            return _extended_bitmap(encoded, new)
        sparse = gaps(old + new)
        if not dense_may_win:
            return sparse
        dense = _extended_bitmap(encoded, new)
        return dense if len(dense) < len(sparse) else sparse
    sparse = encoded + grown
    if not dense_may_win or len(sparse) <= dense_length:
        return sparse
    dense = bitmap(old + new)
    return dense if len(dense) < len(sparse) else sparse


def _extended_bitmap(encoded: str, new: list[int]) -> str:
    """`bitmap` of the values of the bitmap `encoded` and `new`, all after them."""
    first, start = _read_varint(encoded, 1)
    last_block = first + len(encoded) - start - 1
    blocks: dict[int, int] = {}
    for value in new:
        blocks[value // 6] = blocks.get(value // 6, 0) | 1 << (value % 6)
    last = ALPHABET[_INDEX[encoded[-1]] | blocks.get(last_block, 0)]
    return encoded[:-1] + last + "".join(ALPHABET[blocks.get(b, 0)]
                                         for b in range(last_block + 1, new[-1] // 6 + 1))


def _hole(renumber: Sequence[int]) -> int | None:
    """The document removed, if the renumbering only removes one (a deletion)."""
    if renumber.count(-1) != 1:
        return None
    hole = renumber.index(-1)
    return hole if list(renumber) == [*range(hole), -1, *range(hole, len(renumber) - 1)] else None


def _gap(renumber: Sequence[int]) -> int | None:
    """The number a new document takes, if the renumbering only makes room for one before
    the newest (two items published on one day, the later with the lower 索引号)."""
    at = next((o for o, n in enumerate(renumber) if n != o), None)
    if at is None or list(renumber) != [*range(at), *range(at + 1, len(renumber) + 1)]:
        return None
    return at


def _opened(entry: str, gap: int, renumber: Sequence[int]) -> str | None:
    """`_renumbered` for a renumbering that only moves the documents from `gap` on up by one:
    each encoded list edited where the gap falls (`_with_gap`); the field lists, positions in
    the list, stay."""
    ids_part, comma, fields = entry.partition(",")
    ids = _with_gap(ids_part, gap)
    if ids is None:
        return _renumbered(entry, renumber)
    return entry if ids == ids_part else ids + comma + fields


def _with_gap(text: str, gap: int) -> str | None:
    """`encode_ids` of the numbers of `text`, those from `gap` on one more: the first number
    or the gap across `gap` one more, or a byte put into the bitmap. None where the other
    encoding may now be the shorter."""
    if text.startswith("~"):
        first, flags = _unpacked(text)
        offset = max(0, gap - first * 6)
        return _repacked(first, flags[:offset] + b"\0" + flags[offset:])
    tokens = _VARINT_RE.findall(text)
    ends = list(accumulate(map(_STEPS.__getitem__, tokens)))  # each number + 1
    k = bisect.bisect_left(ends, gap + 1)
    if k == len(ends):
        return text
    step = ends[k] - (ends[k - 1] if k else 0)
    moved = "".join(tokens[:k]) + _STEP_TEXT[step + 1] + "".join(tokens[k + 1 :])
    first, last = ends[0] - 1 + (k == 0), ends[-1]
    if _bitmap_shorter(len(ends), first, last, len(moved)):
        return None  # the bitmap is the shorter now: encoded whole
    return moved


def _inserted(entry: str, gap: int, change: dict[int, int | None]) -> str | None:
    """`encode_entry` of the entry's postings, those from `gap` on one more, with the new
    document `gap` added (a back-dated item joins a thousand lists, the frequent ones holding
    most documents): each list edited where it falls (`_with_value`, `_with_gap`). None if
    the change is not that, or an encoding may change kind."""
    bits = change.get(gap)
    if len(change) != 1 or bits is None:
        return None
    ids_part, _, fields = entry.partition(",")
    found = _with_value(ids_part, gap)
    if found is None:
        return None
    parts, at = [found[0]], found[1]
    lists = fields.split(",") if fields else []
    for bit, part in zip(SUBSETS, lists + [""] * (len(SUBSETS) - len(lists)), strict=True):
        moved: str | None
        if bits & bit and part:
            got = _with_value(part, at)
            moved = None if got is None else got[0]
        elif bits & bit:
            moved = encode_ids([at])
        else:
            moved = _with_gap(part, at) if part else ""
        if moved is None:
            return None
        parts.append(moved)
    while len(parts) > 1 and not parts[-1]:
        parts.pop()
    return ",".join(parts)


def _with_value(text: str, value: int) -> tuple[str, int] | None:
    """`encode_ids` of the numbers of `text`, those from `value` on one more, and `value`;
    with the position `value` takes among them. None where the other encoding may now be
    the shorter."""
    if text.startswith("~"):
        first, flags = _unpacked(text)
        origin = min(first, value // 6)
        flags = b"\0" * ((first - origin) * 6) + flags
        offset = value - origin * 6
        flags += b"\0" * (offset - len(flags))
        moved = _repacked(origin, flags[:offset] + b"\1" + flags[offset:])
        return None if moved is None else (moved, flags.count(b"\1", 0, offset))
    tokens = _VARINT_RE.findall(text)
    ends = list(accumulate(map(_STEPS.__getitem__, tokens)))  # each number + 1
    k = bisect.bisect_left(ends, value + 1)
    before = ends[k - 1] if k else 0
    moved = "".join(tokens[:k]) + _STEP_TEXT[value + 1 - before]
    if k < len(ends):
        moved += _STEP_TEXT[ends[k] - value] + "".join(tokens[k + 1 :])
    first = value if k == 0 else ends[0] - 1
    last = ends[-1] if k < len(ends) else value
    if _bitmap_shorter(len(ends) + 1, first, last, len(moved)):
        return None  # the bitmap is the shorter now: encoded whole
    return moved, k


def _shifted(entry: str, hole: int, renumber: Sequence[int]) -> str | None:
    """`_renumbered` for the removal of document `hole` alone (a deletion, which renumbers most
    lists of the index): each encoded list edited where the hole falls (`_without`) instead
    of being decoded and encoded whole. The field lists, positions in the list of documents,
    lose the position of `hole` in it, if it was there."""
    ids_part, comma, fields = entry.partition(",")
    shifted = _without(ids_part, hole)
    if shifted is None:
        return _renumbered(entry, renumber)
    ids, at = shifted
    if at < 0:
        return ids + comma + fields if ids != ids_part else entry
    if not ids:
        return None
    parts = [ids]
    for part in fields.split(",") if fields else ():
        field = _without(part, at) if part else ("", -1)
        if field is None:
            return _renumbered(entry, renumber)
        parts.append(field[0])
    while len(parts) > 1 and not parts[-1]:
        parts.pop()
    return ",".join(parts)


def _without(text: str, hole: int) -> tuple[str, int] | None:
    """`encode_ids` of the numbers of `text` without `hole`, those after it one less; and the
    position `hole` had in them (-1: not there). Of a list of gaps only the first number or
    the gaps around the hole change: one or two varints replaced in the text. A bitmap is a
    byte a number, one taken out, packed again. None where the other encoding may now be
    the shorter (the caller encodes it whole)."""
    if text.startswith("~"):
        return _bitmap_without(text, hole)
    tokens = _VARINT_RE.findall(text)
    ends = list(accumulate(map(_STEPS.__getitem__, tokens)))  # each number + 1
    k = bisect.bisect_left(ends, hole + 1)
    if k == len(ends):
        return text, -1  # all before it
    before = ends[k - 1] if k else 0
    if ends[k] != hole + 1:  # not there: the gap across it (or the first number) one less
        values = len(ends)
        first, last = ends[0] - 1 - (k == 0), ends[-1] - 2
        shifted = "".join(tokens[:k]) + _STEP_TEXT[ends[k] - before - 1] + "".join(tokens[k + 1 :])
        at = -1
    elif k + 1 < len(ends):  # there: its gap and the next merge
        values = len(ends) - 1
        first = ends[0] - 1 if k else ends[1] - 2
        last = ends[-1] - 2
        shifted = "".join(tokens[:k]) + _STEP_TEXT[ends[k + 1] - before - 1] + "".join(tokens[k + 2 :])
        at = k
    else:  # there, the last
        values = len(ends) - 1
        if not values:
            return "", 0
        first, last = ends[0] - 1, ends[-2] - 1
        shifted = "".join(tokens[:k])
        at = k
    if _bitmap_shorter(values, first, last, len(shifted)):
        return None  # the bitmap is the shorter now: encoded whole
    return shifted, at


def _bitmap_without(text: str, hole: int) -> tuple[str, int] | None:
    first, flags = _unpacked(text)
    at = -1
    if hole < first * 6:  # every number one less: the same bytes from one number earlier
        first, flags = first - 1, b"\0" * 5 + flags
    else:
        offset = hole - first * 6
        if offset < len(flags) and flags[offset]:
            at = flags.count(b"\1", 0, offset)
        flags = flags[:offset] + flags[offset + 1 :]
    if b"\1" not in flags:
        return "", at
    shifted = _repacked(first, flags)
    return None if shifted is None else (shifted, at)


def _unpacked(bitmap_text: str) -> tuple[int, bytes]:
    """The first block of a bitmap and a byte a number from there (1: in the list)."""
    first, start = _read_varint(bitmap_text, 1)
    return first, bitmap_text[start:].translate(_BIT_FLAGS).encode("latin-1")


def _repacked(first: int, flags: bytes) -> str | None:
    """`_packed` of flags (some 1) from block `first`, leading empty blocks and trailing
    zeros dropped, if it is shorter than a character a number (then shorter than the gaps);
    else None: let `encode_ids` decide."""
    lead = flags.find(b"\1") // 6
    flags = flags[lead * 6 :].rstrip(b"\0")
    packed = _packed(first + lead, flags)
    return packed if len(packed) < flags.count(b"\1") else None


def _renumbered(entry: str, renumber: Sequence[int]) -> str | None:
    """An entry whose documents are only renumbered or removed: the kept ones stay in order
    (`_renumbering`), so its field lists, positions in its list of documents, only lose the
    positions of the removed ones and close up. Byte for byte `encode_entry` of the result."""
    ids_part, comma, fields = entry.partition(",")
    was = decode_ids(ids_part)
    ids = list(map(renumber.__getitem__, was))
    if ids == was:
        return entry  # all before the first number that moved: most lists, after a recent item
    if min(ids) >= 0:
        return encode_ids(ids) + comma + fields
    kept = [i >= 0 for i in ids]
    ids = list(compress(ids, kept))
    if not ids:
        return None
    place = list(accumulate(kept))  # position p, if kept, becomes place[p] - 1
    parts = [encode_ids(ids)]
    for part in fields.split(",") if fields else ():
        positions = [place[p] - 1 for p in decode_ids(part) if kept[p]] if part else []
        parts.append(encode_ids(positions) if positions else "")
    while len(parts) > 1 and not parts[-1]:
        parts.pop()
    return ",".join(parts)


def _renumbering(old: Sequence[str], new: Sequence[str]) -> list[int]:
    """For each old document (by index number), its new number, or -1: removed. The old
    documents kept are the longest run that stays in the same order (an item whose date
    changed moves in the order: it counts as removed and added), so that as few as possible
    count as changed."""
    where = {n: i for i, n in enumerate(new)}
    pairs = [(where[n], o) for o, n in enumerate(old) if n in where]
    # longest increasing subsequence of new numbers, in old order (patience sorting)
    tails: list[int] = []  # tails[k]: index into pairs of the smallest end of a run of k + 1
    ends: list[int] = []  # the new numbers of those ends, ascending
    back = [-1] * len(pairs)
    for i, (n, _) in enumerate(pairs):
        k = len(ends) if not ends or n > ends[-1] else bisect.bisect_left(ends, n)
        if k:
            back[i] = tails[k - 1]
        if k == len(ends):
            tails.append(i)
            ends.append(n)
        else:
            tails[k], ends[k] = i, n
    renumber = [-1] * len(old)
    i = tails[-1] if tails else -1
    while i >= 0:
        n, o = pairs[i]
        renumber[o] = n
        i = back[i]
    return renumber


class _IndexFiles:
    """The shard and frequent-token files of an old index, read when first needed."""

    def __init__(self, old: IndexState, read: Callable[[str], bytes]) -> None:
        self.old, self.read = old, read
        self.data: dict[str, dict[str, str]] = {}
        self.touched: set[str] = set()

    def _load(self, rel: str) -> dict[str, str]:
        if rel not in self.data:
            self.data[rel] = _read_script(self.read(rel)) if rel in self.old.digests else {}
        return self.data[rel]

    def everything(self) -> dict[str, tuple[str | None, str | None]]:
        """Every token of the old index, with its file and entry."""
        found: dict[str, tuple[str | None, str | None]] = {}
        for rel in sorted(self.old.digests):
            if rel[0] in "tx":
                found.update((token, (rel, entry)) for token, entry in self._load(rel).items())
        return found

    def find(self, token: str) -> tuple[str | None, str | None]:
        h = token_hash(token)
        for rel in (f"x/{big_name(h)}.js", f"t/{shard_name(h, self.old.shards)}.js"):
            if rel in self.old.digests:
                entry = self._load(rel).get(token)
                if entry is not None:
                    return rel, entry
        return None, None

    def remove(self, rel: str, token: str) -> None:
        del self._load(rel)[token]
        self.touched.add(rel)

    def put(self, rel: str, token: str, entry: str) -> None:
        self._load(rel)[token] = entry
        self.touched.add(rel)

    def changed(self) -> dict[str, bytes | None]:
        """Touched files' new bytes; None for a frequent-token file left empty (a shard
        file stays, empty, as in a full build)."""
        out: dict[str, bytes | None] = {}
        for rel in self.touched:
            kind, name = rel[0], rel[2:-3]
            data = self.data[rel]
            out[rel] = None if kind == "x" and not data else _shard_script(kind, name, data)
        return out


def _read_script(data: bytes) -> dict[str, str]:
    """The data of a shard file as `_script` wrote it."""
    text = data.decode("utf-8")
    return json.loads(text[text.index("]=") + 2 : -2])


def decode_ids(text: str) -> list[int]:
    """The inverse of `encode_ids`. With regular expressions, translate tables and itertools
    rather than a loop over the characters: renumbering an index after a removal decodes
    every list of it (5 million numbers at 10 000 items). Text `encode_ids` did not write
    gives wrong numbers, not an error: an old index is read only after its files were
    checked against the digests the build recorded (`AtomicOutput.can_reuse`)."""
    if text.startswith("~"):
        first, i = _read_varint(text, 1)
        flags = text[i:].translate(_BIT_FLAGS).encode("latin-1")  # a byte 0 or 1 per number
        return list(compress(range(first * 6, first * 6 + len(flags)), flags))
    return list(map((-1).__add__, accumulate(map(_STEPS.__getitem__, _VARINT_RE.findall(text)))))


def decode_entry(entry: str) -> list[int]:
    """The inverse of `encode_entry`, but that the body bit is not kept (the entry has none)."""
    parts = entry.split(",")
    ids = decode_ids(parts[0])
    postings = [docid << 4 for docid in ids]
    for bit, part in zip(SUBSETS, parts[1:], strict=False):
        if part:
            for position in decode_ids(part):
                postings[position] |= bit
    return postings


_INDEX = {char: i for i, char in enumerate(ALPHABET)}
_VARINT_RE = re.compile(f"[{re.escape(_MORE)}]*[{re.escape(_TERMINAL)}]")
_BIT_FLAGS = {ord(char): "".join("\x01" if value >> b & 1 else "\x00" for b in range(6))
              for value, char in enumerate(ALPHABET)}


class _Steps(dict[str, int]):
    """A varint's text -> its value + 1: how far a gap moves from the previous number."""

    def __missing__(self, text: str) -> int:
        value = 0
        for char in text:
            value = value << 5 | (_INDEX[char] & 31)
        self[text] = value + 1
        return value + 1


_STEPS = _Steps((text, value + 1) for value, text in enumerate(_SMALL))


def _read_varint(text: str, i: int) -> tuple[int, int]:
    value = 0
    while True:
        digit = _INDEX[text[i]]
        i += 1
        value = value << 5 | (digit & 31)
        if digit < 32:
            return value, i


def doc_path(name: str) -> str:
    """A document's file, by its name (`doc_names`): 256 folders."""
    return f"d/{name[:2]}/{name[2:]}.js"


def manifest_data(docs: Sequence[SearchDoc], categories: Sequence[str] | None, shards: int,
                  build: str) -> dict[str, Any]:
    cat_counts: dict[str, int] = {}
    org_counts: dict[str, int] = {}
    validity_counts: dict[str, int] = {}
    # Of those, the items past their 公开截止日期: found by the search, but no longer in their
    # column's or organisation's list, so the filter says why its count is larger.
    expired: dict[str, dict[str, int]] = {"c": {}, "o": {}, "v": {}}
    years: dict[int, list[int]] = {}
    for docid, doc in enumerate(docs):
        if docid and doc.year < docs[docid - 1].year:
            raise ValueError("documents must come oldest first: year ranges are docid ranges")
        for facet in facet_tokens(doc):
            kind, value = facet[1], facet[2:]
            counts = {"c": cat_counts, "o": org_counts, "v": validity_counts}[kind]
            counts[value] = counts.get(value, 0) + 1
            if doc.expired:
                expired[kind][value] = expired[kind].get(value, 0) + 1
        span = years.setdefault(doc.year, [docid, docid])
        span[0], span[1] = min(span[0], docid), max(span[1], docid)
    order = [c for c in (categories or []) if c in cat_counts]
    order += sorted(c for c in cat_counts if c not in order)

    def counted(kind: str, value: str, count: int) -> list[Any]:
        gone = expired[kind].get(value, 0)
        return [value, count, gone] if gone else [value, count]

    return {
        "version": FORMAT_VERSION,
        "build": build,
        "docs": len(docs),
        "shards": shards,
        "bucket": DOC_BUCKET,
        "limit": TEXT_LIMIT,
        "categories": [counted("c", c, cat_counts[c]) for c in order],
        "organizations": [counted("o", o, n) for o, n in sorted(org_counts.items(), key=lambda x: -x[1])],
        "validity": [counted("v", v, validity_counts[v]) for v in ("有效", "失效", "废止") if v in validity_counts]
        + [counted("v", v, n) for v, n in sorted(validity_counts.items()) if v not in ("有效", "失效", "废止")],
        "years": [[y, lo, hi] for y, (lo, hi) in sorted(years.items(), reverse=True)],
    }


def reference_matches(doc: SearchDoc, query: str) -> bool:
    """Brute force, for tests and the benchmark: every term of `query` occurs in a field of
    `doc`. The index must find exactly these documents."""
    terms = tokenize.query_terms(query)
    runs = _field_runs(doc)
    return bool(terms) and all(any(_has(r, list(term.units)) for r in runs) for term in terms)


@functools.lru_cache(maxsize=4096)
def _field_runs(doc: SearchDoc) -> tuple[list[str], ...]:
    return tuple(run for _, text in doc_fields(doc) if text for run in tokenize.runs(text))


def _has(run: list[str], units: list[str]) -> bool:
    n = len(units)
    return any(run[i : i + n] == units for i in range(len(run) - n + 1))
