"""Search: the tokeniser (shared vectors), the index encodings, the sharded index of the example
catalog (complete, bounded, deterministic, stable under an edit). The browser half is in
test_search_browser.py."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import random
import re
from array import array
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen import search, tokenize
from sitegen.search import SearchDoc

ROOT = Path(__file__).resolve().parent.parent
VECTORS = json.loads((Path(__file__).parent / "search_vectors.json").read_text(encoding="utf-8"))
RELEVANCE = json.loads((Path(__file__).parent / "search_relevance.json").read_text(encoding="utf-8"))


# --- reading the index back (the same formats search.js decodes) -------------------------------

DIGIT = {c: i for i, c in enumerate(search.ALPHABET)}


def read_gaps(s: str) -> list[int]:
    out, v, prev = [], 0, -1
    for ch in s:
        d = DIGIT[ch]
        if d >= 32:
            v = v * 32 + d - 32
        else:
            prev += v * 32 + d + 1
            out.append(prev)
            v = 0
    return out


def read_ids(s: str) -> list[int]:
    if not s.startswith("~"):
        return read_gaps(s)
    i, v = 1, 0
    while True:
        d = DIGIT[s[i]]
        i += 1
        if d >= 32:
            v = v * 32 + d - 32
        else:
            v = v * 32 + d
            break
    out = []
    for k, ch in enumerate(s[i:]):
        bits = DIGIT[ch]
        out.extend((v + k) * 6 + b for b in range(6) if bits >> b & 1)
    return out


def read_entry(entry: str) -> tuple[list[int], list[set[int]]]:
    parts = entry.split(",")
    ids = read_ids(parts[0])
    subsets = [{ids[p] for p in read_ids(part)} if part else set() for part in parts[1:]]
    return ids, subsets + [set()] * (3 - len(subsets))


SCRIPT_RE = re.compile(r'^(?:SITEGEN_SEARCH\.(\w)(?:\[("?[^\]]*"?)\])?|\(window\.SITEGEN_SEARCH=window\.SITEGEN_SEARCH\|\|\{\}\)\.(m))=(.*);\n$', re.S)


def read_script(data: bytes) -> tuple[str, str | None, object]:
    m = SCRIPT_RE.match(data.decode("utf-8"))
    assert m, data[:80]
    key = json.loads(m.group(2)) if m.group(2) else None
    return m.group(1) or m.group(3), key, json.loads(m.group(4))


class Index:
    """An index read back from its files, with lookups as the browser does them."""

    def __init__(self, files: list[tuple[str, bytes]]):
        self.files = dict(files)
        self.parsed: dict[str, object] = {}
        _, _, self.manifest = read_script(self.files[search.INDEX_DIR + "manifest.js"])
        self.count = self.manifest["shards"]

    def _parsed(self, path: str) -> dict:
        if path not in self.parsed:
            self.parsed[path] = read_script(self.files[path])[2]
        return self.parsed[path]  # type: ignore[return-value]

    def entry(self, token: str) -> str | None:
        """As search.js finds it: the frequent tokens' file if the manifest lists its name,
        else the shard."""
        h = search.token_hash(token)
        big = {f"{n:05x}" for n in read_gaps(self.manifest["big"])}
        if search.big_name(h) in big:
            value = self._parsed(f"{search.INDEX_DIR}x/{search.big_name(h)}.js").get(token)
            if value is not None:
                return value
        return self._parsed(f"{search.INDEX_DIR}t/{search.shard_name(h, self.count)}.js").get(token)

    def ids(self, token: str) -> list[int]:
        entry = self.entry(token)
        return read_entry(entry)[0] if entry is not None else []

    def query(self, q: str) -> set[int]:
        result: set[int] | None = None
        for term in tokenize.query_terms(q):
            for token in term.tokens:
                ids = set(self.ids(token))
                result = ids if result is None else result & ids
        return result or set()

    def doc(self, docid: int) -> dict:
        return read_script(self.files[search.INDEX_DIR + search.doc_path(self.name(docid))])[2]

    def name(self, docid: int) -> str:
        return search.name_of(lambda rel: self.files[search.INDEX_DIR + rel], docid)


# --- tokeniser ---------------------------------------------------------------------------------


@pytest.mark.parametrize("vector", VECTORS, ids=[v["note"] for v in VECTORS])
def test_tokenizer_vectors(vector: dict):
    text = vector["text"]
    assert tokenize.runs(text, document=True) == vector["runs_document"]
    assert tokenize.runs(text, document=False) == vector["runs_query"]
    assert tokenize.index_tokens(text) == vector["index"]
    assert tokenize.index_token_set(text) == set(vector["index"])
    assert [t.as_json() for t in tokenize.query_terms(text)] == vector["query"]


def test_vectors_cover_the_issue_examples():
    assert len(VECTORS) >= 30
    assert set(tokenize.index_tokens("〔2010〕12号")) == {"2010", "12", "号", "12号"}
    assert tokenize.index_tokens("２０１０") == ["2010"]
    assert [t.tokens for t in tokenize.query_terms("12号")] == [("12号",)]
    assert [t.tokens for t in tokenize.query_terms("号")] == [("号",)]
    assert tokenize.index_tokens("ＡＢＣ") == ["abc"]
    assert [t.tokens for t in tokenize.query_terms("财政预算")] == [("财政", "政预", "预算")]


CJK = "财政预算公开信息招宝山街道号年月日〇豈𠀋"
ALPHA = CJK + "ab12ＡＢ１２ 　\n\t，。〔〕《》-/·\u200b"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=ALPHA, max_size=80))
def test_fast_token_set_is_the_reference_tokeniser(text: str):
    assert tokenize.index_token_set(text) == set(tokenize.index_tokens(text))


def _joined_by_hand(text: str) -> str:
    """Step 3 of the tokeniser as docs/search.md says it: a run of whitespace touching a Han
    character on either side goes."""
    out, i = [], 0
    for m in re.finditer(f"[{tokenize.WHITESPACE}]+", text):
        before = text[m.start() - 1 : m.start()]
        after = text[m.end() : m.end() + 1]
        out.append(text[i : m.start()])
        if not any(c and tokenize._HAN_RE.match(c) for c in (before, after)):
            out.append(m.group())
        i = m.end()
    return "".join(out) + text[i:]


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=ALPHA + "\x85\u2028", max_size=60))
def test_whitespace_touching_han_is_joined_as_documented(text: str):
    norm = tokenize.normalize(text)
    assert tokenize._JOIN_RE.sub("", norm) == _joined_by_hand(norm)


def _tidied_by_hand(text: str) -> str:
    """What a document file keeps of a body: a run of spaces, tabs and line breaks goes when
    Chinese punctuation is just before or just after it."""
    punctuation = f"[{search._CJK_PUNCT}]"
    out, i = [], 0
    for m in re.finditer("[ \t\n]+", text):
        before, after = text[m.start() - 1 : m.start()], text[m.end() : m.end() + 1]
        out.append(text[i : m.start()])
        if not any(c and re.match(punctuation, c) for c in (before, after)):
            out.append(m.group())
        i = m.end()
    return "".join(out) + text[i:]


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=" \t\n\r，。（）“”…—a中", max_size=40))
def test_spaces_beside_chinese_punctuation_go_from_the_document_file(text: str):
    assert search._TIDY_RE.sub("", text) == _tidied_by_hand(text)


def test_token_set_of_odd_text():
    """The pairs are read from the text's UTF-32 bytes: one character, an astral one, a lone
    surrogate (from a file read with errors="surrogateescape") still give their tokens."""
    assert tokenize.index_token_set("中") == {"中"}
    assert tokenize.index_token_set("") == set()
    assert tokenize.index_token_set(" ") == set()
    assert tokenize.index_token_set("𠀋中") == {"𠀋", "中", "𠀋中"}
    assert tokenize.index_token_set("\udc80中a") == {"中", "a", "中a"}
    assert tokenize.index_token_set("a 中") == {"a", "中", "a中"}


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet=ALPHA + "|", max_size=20), min_size=6, max_size=6))
def test_a_documents_tokens_are_those_of_each_of_its_texts(texts: list[str]):
    """`doc_tokens` tokenises a field's texts joined: the same tokens, with the same field
    bits, as each text on its own."""
    title, doc_no, keyword, summary, body, attachment = texts
    doc = SearchDoc(index_no="12345678X/2025-00001", title=title, url="a.html",
                    category="机构/概况", organization="某街道", date="2025-01-02", doc_no=doc_no,
                    keywords=(keyword, "主题"), summary=summary, body=body,
                    attachments=(attachment,))
    expected: dict[str, int] = {}
    for bit, text in search.doc_fields(doc):
        for token in tokenize.index_tokens(text):
            expected[token] = expected.get(token, 0) | bit
    expected.update(dict.fromkeys(search.facet_tokens(doc), 0))
    assert search.doc_tokens(doc) == expected


def test_fast_token_set_cuts_long_words_as_the_reference_does():
    for text in ["x" * 70 + "中" + "y" * 70, "中" + "9" * 65 + "号 " + "a" * 64 + "b中",
                 "中ab文cd", "1中2中3", "ab cd中 ef"]:
        assert tokenize.index_token_set(text) == set(tokenize.index_tokens(text)), text


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=ALPHA, max_size=40), st.data())
def test_any_piece_of_a_document_finds_it(text: str, data: st.DataObject):
    """A query copied from a document (any slice; whitespace in it typed or not) needs only
    tokens the document is indexed under."""
    i = data.draw(st.integers(0, len(text)))
    j = data.draw(st.integers(i, len(text)))
    piece = text[i:j]
    doc_tokens = set(tokenize.index_tokens(text))
    for term in tokenize.query_terms(piece):
        # A slice may cut an ASCII word: only whole words are promised.
        if any(re.fullmatch(r"[a-z0-9]+", u) for u in (term.units[0], term.units[-1])):
            continue
        assert set(term.tokens) <= doc_tokens, (text, piece, term)
        assert tokenize.contains(text, term.units)


def test_line_break_inside_a_phrase():
    body = "街道为符合条件的城镇居民\n最低生活保障家庭发放补助"
    assert tokenize.contains(body, tokenize.query_terms("居民最低生活")[0].units)
    assert set(tokenize.query_terms("居民最低生活")[0].tokens) <= set(tokenize.index_tokens(body))


# --- encodings ---------------------------------------------------------------------------------


def test_varint_round_trip():
    values = [0, 1, 31, 32, 1023, 1024, 99999, 2**27]
    for v in values:
        assert read_gaps(search.varint(v)) == [v]
    ids = sorted(random.Random(7).sample(range(200000), 3000))
    assert read_gaps(search.gaps(ids)) == ids
    assert read_ids(search.bitmap(ids)) == ids
    assert read_ids(search.encode_ids(ids)) == ids
    dense = list(range(5000, 90000, 2))
    encoded = search.encode_ids(dense)
    assert encoded.startswith("~") and read_ids(encoded) == dense
    assert len(encoded) < len(dense) / 2


def test_token_hash_is_pinned():
    # Shard names depend on it: changing it reshards every site. search.js computes the same
    # numbers (test_search_browser.py).
    assert search.token_hash("") == 0xAB3E7C0B
    assert search.token_hash("预算") == 0x6F43D462
    assert search.token_hash("12号") == 0xB8FEBC35
    buckets = [search.token_hash(f"{i}号") & 15 for i in range(1600)]
    assert min(buckets.count(b) for b in range(16)) > 60  # spread evenly


# --- the index of the example catalog ----------------------------------------------------------


@pytest.fixture(scope="module")
def site(example_output: Path) -> Path:
    return example_output


@pytest.fixture(scope="module")
def index(site: Path) -> Index:
    base = site / "assets" / "search"
    return Index([(search.INDEX_DIR + p.relative_to(base).as_posix(), p.read_bytes())
                  for p in sorted(base.rglob("*.js"))])


@pytest.fixture(scope="module")
def docs(site: Path, index: Index) -> list[SearchDoc]:
    """The documents as the search knows them, rebuilt from the document files."""
    out = []
    for docid in range(index.manifest["docs"]):
        d = index.doc(docid)
        out.append(SearchDoc(d["x"], d["t"], d["u"], d["c"], d["o"], d["d"], d["n"], tuple(d["k"]),
                             d["s"], d["v"], d["b"], tuple(d["a"])))
    return out


def test_search_json_is_still_the_public_data_file(site: Path):
    records = json.loads((site / "search.json").read_text(encoding="utf-8"))
    assert list(records[0]) == ["index_no", "title", "url", "category", "organization",
                                "date_published", "doc_no", "keywords", "validity", "summary"]


def test_manifest(index: Index, site: Path):
    m = index.manifest
    records = json.loads((site / "search.json").read_text(encoding="utf-8"))
    assert m["docs"] == len(records)
    assert m["shards"] & (m["shards"] - 1) == 0
    assert sum(entry[1] for entry in m["validity"]) == len(records)
    assert sum(entry[1] for entry in m["organizations"]) == len(records)
    # the expired of each count, where there are some (a third element)
    expired = sum(1 for docid in range(m["docs"]) if index.doc(docid).get("e"))
    assert expired
    assert sum(entry[2] for entry in m["organizations"] if len(entry) == 3) == expired
    spans = sorted((lo, hi) for _, lo, hi in m["years"])
    assert spans[0][0] == 0 and spans[-1][1] == len(records) - 1
    assert all(a[1] + 1 == b[0] for a, b in zip(spans, spans[1:], strict=False))
    # Newest first in search.json, oldest first in the index.
    assert index.doc(0)["x"] == records[-1]["index_no"]
    assert index.doc(len(records) - 1)["x"] == records[0]["index_no"]
    assert len(index.files[search.INDEX_DIR + "manifest.js"]) < 10_000


def test_every_shard_exists_and_files_are_small(index: Index):
    names = {search.shard_name(h, index.count) for h in range(index.count)}
    assert {f"{search.INDEX_DIR}t/{n}.js" for n in names} <= set(index.files)
    assert max(len(b) for b in index.files.values()) < 1_000_000


def test_every_token_of_every_document_is_indexed(index: Index, docs: list[SearchDoc]):
    for docid, doc in enumerate(docs):
        for token, bits in search.doc_tokens(doc).items():
            entry = index.entry(token)
            assert entry is not None, (doc.title, token)
            ids, (title, meta, summary) = read_entry(entry)
            assert docid in ids, (doc.title, token)
            assert (docid in title) == bool(bits & search.TITLE), (doc.title, token)
            assert (docid in meta) == bool(bits & search.META), (doc.title, token)
            assert (docid in summary) == bool(bits & search.SUMMARY), (doc.title, token)


def test_index_finds_exactly_what_brute_force_finds(index: Index, docs: list[SearchDoc]):
    """Recall on the relevance queries and on random pieces of titles and bodies. (Candidates
    that have a phrase's pairs but not the phrase are dropped by the browser, which checks the
    text of what it shows: test_search_browser.py compares its results with brute force.)"""
    rng = random.Random(2026)
    queries = [q["q"] for q in RELEVANCE]
    for doc in rng.sample(docs, min(20, len(docs))):
        for text in (doc.title, doc.body):
            runs = [r for r in re.findall(r"[\u4e00-\u9fff]{2,}", text)]
            if runs:
                run = rng.choice(runs)
                i = rng.randrange(len(run) - 1)
                queries.append(run[i : i + rng.randint(2, 6)])
    for q in queries:
        truth = {i for i, d in enumerate(docs) if search.reference_matches(d, q)}
        found = index.query(q)
        assert truth <= found, q


def test_relevance_set_expectations_hold_by_brute_force(docs: list[SearchDoc]):
    urls = {d.url for d in docs}
    assert len(RELEVANCE) >= 40
    for case in RELEVANCE:
        assert set(case["expect"]) <= urls, case
        truth = {d.url for d in docs if search.reference_matches(d, case["q"])}
        assert set(case["expect"]) <= truth, case


# --- determinism and stability -----------------------------------------------------------------


def _docs(n: int, seed: int = 1) -> list[SearchDoc]:
    rng = random.Random(seed)
    words = ["财政预算", "政府信息公开", "城镇居民", "最低生活保障", "办事指南", "招街办〔2010〕12号",
             "应急预案", "防汛防台", "公益性岗位", "就业援助", "2011年", "第3批", "审批结果"]
    out = []
    for i in range(n):
        year = 2009 + i * 3 // n
        out.append(SearchDoc(
            index_no=f"X/{year}-{i:05d}", title="".join(rng.sample(words, 3)), url=f"a/{i}.html",
            category=rng.choice(["甲", "甲/乙", "丙"]), organization=rng.choice(["机构一", "机构二"]),
            date=f"{year}-0{1 + i % 9}-1{i % 10}", doc_no="", keywords=tuple(rng.sample(words, 2)),
            summary="", validity=rng.choice(["有效", "有效", "失效"]),
            body="。".join("".join(rng.sample(words, 4)) for _ in range(20))))
    return out


def test_same_input_same_bytes():
    docs = _docs(300)
    assert search.build_index(docs) == search.build_index(list(docs))


def test_an_edit_changes_only_the_shards_of_its_tokens():
    docs = _docs(400)
    before = dict(search.build_index(docs))
    edited = list(docs)
    edited[123] = dataclasses.replace(docs[123], body=docs[123].body + "。新增一句台风“梅花”")
    after = dict(search.build_index(edited))
    assert set(before) == set(after)  # same shard count, same files
    changed = {p for p in before if before[p] != after[p]}
    count = Index(list(after.items())).count
    new_tokens = set(search.doc_tokens(edited[123])) ^ set(search.doc_tokens(docs[123]))
    expected = {f"{search.INDEX_DIR}t/{search.shard_name(search.token_hash(t), count)}.js"
                for t in new_tokens}
    expected |= {search.INDEX_DIR + "manifest.js",
                 search.INDEX_DIR + search.doc_path(Index(list(after.items())).name(123))}
    changed_shards = {p for p in changed if "/x/" not in p}
    assert changed_shards <= expected
    assert len(changed) < len(before) / 4


def test_filters_are_facet_postings():
    docs = _docs(200)
    idx = Index(search.build_index(docs))
    for value in ("甲", "甲/乙", "丙"):
        want = [i for i, d in enumerate(docs) if d.category == value or d.category.startswith(value + "/")]
        assert idx.ids("#c" + value) == want
    assert idx.ids("#v失效") == [i for i, d in enumerate(docs) if d.validity == "失效"]
    assert idx.ids("#o机构一") == [i for i, d in enumerate(docs) if d.organization == "机构一"]
    for year, lo, hi in idx.manifest["years"]:
        assert [i for i, d in enumerate(docs) if d.year == year] == list(range(lo, hi + 1))


def test_documents_must_be_oldest_first():
    docs = _docs(10)
    with pytest.raises(ValueError):
        search.build_index(list(reversed(docs)))


def test_no_script_can_be_closed_early():
    doc = dataclasses.replace(_docs(1)[0], title="</script><script>alert(1)</script>\u2028")
    files = dict(search.build_index([doc]))
    data = files[search.INDEX_DIR + search.doc_path(search.doc_names([doc.index_no])[0])].decode()
    assert "</" not in data and "\u2028" not in data
    assert read_script(data.encode())[2]["t"] == doc.title


def test_search_js_never_parses_indexed_text_as_html():
    js = (ROOT / "themes/default/assets/search.js").read_text(encoding="utf-8")
    assert not re.search(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(", js)
    for name in ("search.js", "search-tokenize.js"):
        text = (ROOT / "themes/default/assets" / name).read_text(encoding="utf-8")
        text = re.sub(r"/\*.*?\*/|//[^\n]*", "", text, flags=re.S)
        assert not re.search(r"\bfetch\(|import\(|new Worker|WebAssembly|XMLHttpRequest", text), name


# --- updating an index instead of building it again ---------------------------------------------


def _plain_varint(value: int) -> str:
    digits = [search.ALPHABET[value & 31]]
    while value := value >> 5:
        digits.append(search.ALPHABET[32 + (value & 31)])
    return "".join(reversed(digits))


def _plain_encoding(values: list[int]) -> str:
    """`encode_ids` as the format describes it, one number at a time."""
    sparse = "".join(_plain_varint(v - (values[i - 1] + 1 if i else 0)) for i, v in enumerate(values))
    first = values[0] // 6
    blocks = [0] * (values[-1] // 6 - first + 1)
    for v in values:
        blocks[v // 6 - first] |= 1 << v % 6
    dense = "~" + _plain_varint(first) + "".join(search.ALPHABET[b] for b in blocks)
    return dense if len(dense) < len(sparse) else sparse


@settings(max_examples=500, deadline=None)
@given(st.integers(0, 70000), st.sampled_from([1, 2, 5, 6, 11, 12, 13, 40, 2000]),
       st.integers(1, 400), st.randoms(use_true_random=False))
def test_encoded_ids_are_the_formats(start: int, spread: int, count: int, rng: random.Random):
    values = sorted({start + rng.randrange(count * spread) for _ in range(count)})
    assert search.encode_ids(values) == _plain_encoding(values)
    assert search.decode_ids(search.encode_ids(values)) == values


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5000), st.sampled_from([0, 1, 2, 3, 4, 5, 6, 7, 8, 15]))
                .map(lambda t: t[0] << 4 | t[1]), unique_by=lambda p: p >> 4, min_size=1)
       .map(sorted))
def test_decode_entry_inverts_encode_entry(postings: list[int]):
    entry = search.encode_entry(array("i", postings))
    assert search.decode_entry(entry) == [p & ~8 for p in postings]
    assert search.decode_ids(entry.split(",")[0]) == [p >> 4 for p in postings]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3000), st.sampled_from([0, 1, 2, 3, 4, 5, 6, 7]))
                .map(lambda t: t[0] << 4 | t[1]), unique_by=lambda p: p >> 4, min_size=1)
       .map(sorted), st.sets(st.integers(0, 3000), max_size=40), st.integers(0, 50))
def test_renumbering_an_entry_is_renumbering_its_postings(postings: list[int], gone: set[int],
                                                          inserted: int):
    """A list whose documents are only renumbered or removed takes shortcuts (kept as it is,
    numbers re-encoded, field positions closed up): the same bytes as encoding the renumbered
    postings anew."""
    renumber, new = [], 0
    for old in range(3001):
        if old == 1500:
            new += inserted  # documents inserted before this one move it up
        renumber.append(-1 if old in gone else new)
        new += old not in gone
    entry = search.encode_entry(array("i", postings))
    kept = [renumber[p >> 4] << 4 | p & 7 for p in postings if renumber[p >> 4] >= 0]
    want = search.encode_entry(array("i", kept)) if kept else None
    assert search.rewrite_entries([("t", entry)], renumber, {}) == [want]


@settings(max_examples=1000, deadline=None)
@given(st.integers(0, 3000), st.sampled_from([1, 2, 3, 5, 6, 7, 12, 13, 50, 1500]),
       st.integers(1, 300), st.floats(0.0, 1.0), st.integers(0, 3100), st.booleans(),
       st.randoms(use_true_random=False))
def test_one_deletion_or_insertion_edits_each_list_where_it_falls(
        start: int, spread: int, count: int, in_fields: float, hole: int, insert: bool,
        rng: random.Random):
    """After one deletion (`_shifted`) or one insertion before the newest (`_opened`), each
    editing the encoded lists in place: the same bytes as encoding the renumbered postings
    anew, with the deleted document in the list or not, before it, after it, at either end,
    in gaps or in a bitmap."""
    ids = sorted({start + rng.randrange(count * spread) for _ in range(count)})
    if rng.random() < 0.3:
        hole = rng.choice(ids)
    postings = [d << 4 | (rng.randrange(1, 8) if rng.random() < in_fields else 0) for d in ids]
    size = max(ids[-1], hole) + 2
    renumber = ([*range(hole), *range(hole + 1, size + 1)] if insert
                else [*range(hole), -1, *range(hole, size - 1)])
    entry = search.encode_entry(array("i", postings))
    kept = [renumber[p >> 4] << 4 | p & 7 for p in postings if renumber[p >> 4] >= 0]
    changes: search.Changes = {}
    if insert and rng.random() < 0.5:  # the new document has the token too (`_inserted`)
        bits = rng.choice([0, 0, 1, 2, 3, 4, 7])
        changes["t"] = {hole: bits}
        kept = sorted([*kept, hole << 4 | bits])
    want = search.encode_entry(array("i", kept)) if kept else None
    assert search.rewrite_entries([("t", entry)], renumber, changes) == [want]


@settings(max_examples=400, deadline=None)
@given(st.integers(1, 400), st.floats(0.02, 1.0), st.integers(1, 40), st.floats(0.05, 1.0),
       st.integers(0, 2**31))
def test_appending_documents_to_an_entry_is_encoding_it_anew(count: int, density: float,
                                                             added: int, spread: float, seed: int):
    """A new item (the newest document) extends the encoded lists instead of encoding them
    again: the same bytes as encoding the longer postings, for sparse and dense lists (gaps
    or bitmaps, either way across the point where the other becomes shorter)."""
    rng = random.Random(seed)
    ids = sorted(rng.sample(range(int(count / density) + 1), count))
    postings = [i << 4 | rng.choice([0, 0, 1, 2, 4, 7]) for i in ids]
    after = rng.sample(range(ids[-1] + 1, ids[-1] + 2 + int(added / spread)), added)
    change: dict[int, int | None] = {d: rng.choice([0, 0, 1, 2, 4, 3, 7]) for d in after}
    entry = search.encode_entry(array("i", postings))
    want = search.encode_entry(array("i", postings + [d << 4 | b for d, b in sorted(change.items())]))
    renumber = list(range(max(after) + 1))
    assert search.rewrite_entries([("t", entry)], renumber, {"t": change}) == [want]
    assert search._appended(entry, change) == want


CATS = ["甲", "丙"]


def _update_from(before: list[SearchDoc], after: list[SearchDoc], known: bool = True
                 ) -> tuple[search.Index, search.Index | None]:
    """The full index of `before`, and `after` as an update of it (the update's files only)."""
    old = search.full_index(before, CATS)
    old_files = dict(old.files)
    docs = {(d.index_no, search.doc_fingerprint(d)): d for d in [*(before if known else []), *after]}
    meta = [dataclasses.replace(d, body="") for d in after]  # the manifest needs no bodies
    return old, search.update_index(old.state, [(d.index_no, search.doc_fingerprint(d)) for d in after],
                                    search.manifest_of(meta, CATS), lambda n, f: docs.get((n, f)),
                                    lambda rel: old_files[search.INDEX_DIR + rel])


def _update(before: list[SearchDoc], after: list[SearchDoc]) -> tuple[search.Index | None, search.Index]:
    """The update as the build leaves it (every file it did not write reused), and the full
    index of `after`."""
    old, updated = _update_from(before, after)
    if updated is not None:
        kept = {p: d for p, d in old.files
                if p.removeprefix(search.INDEX_DIR) in updated.state.digests}
        updated = search.Index(sorted({**kept, **dict(updated.files)}.items()), updated.state)
    return updated, search.full_index(after, CATS)


EDITS = ["body", "title", "category", "keywords", "delete", "append", "insert", "validity", "move"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(EDITS), st.integers(0, 10**6)), min_size=1, max_size=6))
def test_an_updated_index_is_the_full_index(edits: list[tuple[str, int]]):
    # updates of any size, and frequent-token files that tokens join and leave, here
    search.UPDATE_LIMIT, limit = 10**9, search.UPDATE_LIMIT
    search.BIG_ENTRY, big = 40, search.BIG_ENTRY
    try:
        _check_edits(edits)
    finally:
        search.UPDATE_LIMIT, search.BIG_ENTRY = limit, big


def _check_edits(edits: list[tuple[str, int]]) -> None:
    before = _docs(160)
    after = list(before)
    for kind, n in edits:
        i = n % len(after)
        doc = after[i]
        if kind == "body":
            after[i] = dataclasses.replace(doc, body=doc.body[: n % 50] + "台风“梅花”过境，应急响应")
        elif kind == "title":
            after[i] = dataclasses.replace(doc, title="财政预算" + doc.title[::-1])
        elif kind == "category":
            after[i] = dataclasses.replace(doc, category="丙" if doc.category != "丙" else "甲/乙")
        elif kind == "keywords":
            after[i] = dataclasses.replace(doc, keywords=("防汛防台",))
        elif kind == "validity":
            after[i] = dataclasses.replace(doc, validity="废止")
        elif kind == "delete":
            del after[i]
        elif kind == "move":  # its date changed: another place in the order
            del after[i]
            j = n // 7 % (len(after) + 1)
            after.insert(j, dataclasses.replace(doc, date=after[min(j, len(after) - 1)].date))
        else:
            new = dataclasses.replace(doc, index_no=f"N/{n}", url=f"n/{n}.html",
                                      title=f"新增{n}号公告")
            if kind == "append":
                new = dataclasses.replace(new, date=after[-1].date)
            after.insert(len(after) if kind == "append" else i + 1, new)
    updated, full = _update(before, after)
    assert any(p.startswith(search.INDEX_DIR + "x/") for p, _ in full.files)
    if updated is None:  # allowed only where a full build is due: the shard count changed
        assert full.state.shards != search.full_index(before).state.shards
    else:
        assert updated.state == full.state
        assert dict(updated.files) == dict(full.files)


def test_an_update_writes_only_what_changed():
    before = _docs(400)
    after = list(before)
    after[123] = dataclasses.replace(before[123], body=before[123].body + "。新增一句台风“梅花”")
    updated, full = _update(before, after)
    assert updated is not None and dict(updated.files) == dict(full.files)
    old, update = _update_from(before, after)
    assert update is not None
    written = {p for p, _ in update.files}
    changed = {p for p, d in full.files if dict(old.files).get(p) != d}
    assert written == changed
    assert len(written) < 20


def test_a_deletion_keeps_every_other_document_file(monkeypatch: pytest.MonkeyPatch):
    # A deletion renumbers every later document: their lists change, their files must not
    # (each a file of its own, named by its 索引号), only the lists of names from its own on.
    monkeypatch.setattr(search, "DOC_BUCKET", 64)
    before = _docs(400)
    after = before[:150] + before[151:]
    updated, full = _update(before, after)
    assert updated is not None and dict(updated.files) == dict(full.files)
    old, update = _update_from(before, after)
    assert update is not None
    written = {p.removeprefix(search.INDEX_DIR) for p, _ in update.files}
    gone = set(old.state.digests) - set(update.state.digests)
    assert gone == {search.doc_path(search.doc_names([before[150].index_no])[0])}
    assert not any(p.startswith("d/") for p in written)
    assert {p for p in written if p.startswith("n/")} == {search.names_path(c) for c in (2, 3, 4, 5, 6)}


@pytest.mark.parametrize("seed", range(4))
def test_names_that_collide_are_told_apart(monkeypatch: pytest.MonkeyPatch, seed: int):
    # 256 names for 160 documents: most collide, and a deletion or an insertion renames some.
    monkeypatch.setattr(search, "_name", lambda text: hashlib.blake2b(text.encode()).hexdigest()[:2]
                        + "0" * (search.NAME_LENGTH - 2))
    names = search.doc_names([d.index_no for d in _docs(160)])
    assert len(set(names)) == 160 and all(len(n) == search.NAME_LENGTH for n in names)
    index = Index(search.build_index(_docs(160)))
    assert [index.doc(i)["t"] for i in range(160)] == [d.title for d in _docs(160)]
    rng = random.Random(seed)
    edits = [(rng.choice(["delete", "insert", "append", "body"]), rng.randrange(10**6))
             for _ in range(5)]
    monkeypatch.setattr(search, "UPDATE_LIMIT", 10**9)
    monkeypatch.setattr(search, "BIG_ENTRY", 40)
    _check_edits(edits)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 10**6), st.sampled_from(["add", "cut"])), min_size=1,
                max_size=5))
def test_a_restamped_manifest_is_the_manifest_of_the_edited_bodies(edits: list[tuple[int, str]]):
    # What a quick build does: only bodies changed, so the manifest is the old one restamped
    # (frequent-token files come and go with the words: BIG_ENTRY small).
    search.BIG_ENTRY, big = 40, search.BIG_ENTRY
    try:
        before = _docs(160)
        after = list(before)
        for n, kind in edits:
            i = n % len(after)
            body = after[i].body + "台风“梅花”过境，应急响应" if kind == "add" else after[i].body[: n % 30]
            after[i] = dataclasses.replace(after[i], body=body)
        old = search.full_index(before, CATS)
        old_files = dict(old.files)
        docs = {(d.index_no, search.doc_fingerprint(d)): d for d in [*before, *after]}
        update = search.update_index(
            old.state, [(d.index_no, search.doc_fingerprint(d)) for d in after],
            search.restamped(old_files[search.INDEX_DIR + "manifest.js"]),
            lambda n, f: docs.get((n, f)), lambda rel: old_files[search.INDEX_DIR + rel])
        full = search.full_index(after, CATS)
        if update is None:
            assert full.state.shards != old.state.shards
        else:
            manifest = search.INDEX_DIR + "manifest.js"
            assert dict(update.files)[manifest] == dict(full.files)[manifest]
            assert update.state == full.state
    finally:
        search.BIG_ENTRY = big


def test_an_update_needs_the_old_documents():
    before = _docs(100)
    after = [dataclasses.replace(before[0], title="改过的标题"), *before[1:]]
    assert _update_from(before, after, known=False)[1] is None


def test_a_large_change_is_left_to_a_full_build():
    before = _docs(search.UPDATE_LIMIT + 10)
    assert _update_from(before, before[1:])[1] is not None  # one removal: a renumbering
    added = [dataclasses.replace(d, index_no=d.index_no + "b", url=d.url + "b") for d in before]
    assert _update_from(before, sorted(before + added, key=lambda d: d.date))[1] is None
    assert _update_from(before, before[:-1])[1] is not None


@pytest.mark.parametrize(("spans", "parts", "target"), [
    (1, 1, 12 * 1024), (3, 4, 12 * 1024),
    (5, 8, 64),  # more shards than parts: a group's shards come from one part's cut
    (7, 8, 1 << 20),  # one shard, made of every part's cuts
    (2, 2, 300)])
def test_the_index_made_in_parts_is_the_index_made_whole(spans: int, parts: int, target: int,
                                                         monkeypatch: pytest.MonkeyPatch):
    # The build's three rounds (cut each span's postings by token, merge and encode each part,
    # make each group of token files), done here in one process, against `token_files`.
    monkeypatch.setattr(search, "SHARD_TARGET", target)
    monkeypatch.setattr(search, "BIG_ENTRY", 40)  # (300 documents' lists are short)
    docs = _docs(300)
    whole = search.full_index(docs, CATS)
    size = -(-len(docs) // spans)
    cuts = [search.cut_postings(search.collect_postings(map(search.doc_tokens, docs[i : i + size]),
                                                        first=i), parts)
            for i in range(0, len(docs), size)]
    encoded = [search.encode_part([cut[p] for cut in cuts], parts) for p in range(parts)]
    small_bytes = sum(size for _, size in encoded)
    shards = search.shard_count(small_bytes)
    tasks = min(shards, parts)
    files: dict[str, bytes] = {}
    for group in range(tasks):
        pieces = [groups[g] for g in range(group, parts, tasks) for groups, _ in encoded]
        made = dict(search.group_files(pieces, shards, group, tasks))
        assert not made.keys() & files.keys()
        files.update(made)
    expected = {rel.removeprefix(search.INDEX_DIR): data for rel, data in whole.files
                if rel.startswith((search.INDEX_DIR + "t/", search.INDEX_DIR + "x/"))}
    assert any(rel.startswith("x/") for rel in expected)  # frequent tokens' files too
    assert (shards, small_bytes) == (whole.state.shards, whole.state.small_bytes)
    assert files == expected
    digests = {rel: search.file_digest(data) for rel, data in files.items()}
    assert list(search.written_token_files(digests, shards, small_bytes).digests.items()) \
        == [(rel, d) for rel, d in whole.state.digests.items() if rel in expected]
    if target == 64:
        assert shards > parts
    elif target == 1 << 20:
        assert shards == 1


def _example_copy(tmp_path: Path, name: str) -> Path:
    import shutil

    root = Path(__file__).resolve().parent.parent
    copy = tmp_path / name
    shutil.copytree(root / "content", copy / "content")
    shutil.copy(root / "sitegen.toml", copy / "sitegen.toml")
    return copy


@pytest.mark.parametrize(("big_entry", "shard_target", "shards"), [
    (None, None, "more"),  # at least as many shards as parts: a group's shards from one part
    (None, 4 * search.SHARD_TARGET, "fewer"),  # a shard from several parts, several groups
    (40, 1 << 20, "one")])  # one shard; many tokens with a file of their own
def test_an_index_made_in_many_tasks_is_the_index_made_in_one(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch,
                                                               big_entry: int | None,
                                                               shard_target: int | None,
                                                               shards: str):
    # The build splits the documents into spans tokenised by worker processes, their postings
    # into parts merged by them, and the token files into groups made by them: the files must
    # be those `search.full_index` makes of the same documents in one step.
    from conftest import EXAMPLE_NOW

    from sitegen import generate, parallel
    from sitegen.build import build
    from sitegen.cache import CACHE_DIR, Cache

    monkeypatch.setattr(parallel, "SERIAL_BELOW", 4)
    if big_entry is not None:
        monkeypatch.setattr(search, "BIG_ENTRY", big_entry)
    if shard_target is not None:
        monkeypatch.setattr(search, "SHARD_TARGET", shard_target)
    monkeypatch.setattr(generate, "SEARCH_SPAN_MIN", 5)
    monkeypatch.setattr(generate, "SEARCH_SPAN", 9)
    assert generate.search_span(62, 2) == 9  # seven spans (eight parts) on two workers
    copy = _example_copy(tmp_path, "many")
    assert build(copy, now=EXAMPLE_NOW, jobs=2).ok
    base = copy / "output" / "assets" / "search"
    many = {p.relative_to(base).as_posix(): p.read_bytes() for p in sorted(base.rglob("*.js"))}

    cache = Cache(copy / CACHE_DIR)
    state = search.IndexState.from_json(cache.get_meta("search_index"))
    assert state is not None
    found = cache.search_docs(state.docs)
    whole = search.full_index([found[key] for key in state.docs])
    one = {rel.removeprefix(search.INDEX_DIR): data for rel, data in whole.files}
    del one["manifest.js"], many["manifest.js"]  # (the columns' order is the site's)
    assert many == one
    assert (state.shards, state.small_bytes, state.digests) \
        == (whole.state.shards, whole.state.small_bytes, whole.state.digests)
    count = sum(rel.startswith("t/") for rel in many)
    assert {"more": count >= 8, "fewer": 1 < count < 8, "one": count == 1}[shards]
    assert any(rel.startswith("x/") for rel in many) == (big_entry is not None)


def test_the_index_scratch_files_stay_in_the_cache_folder_and_go(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch):
    # On disk beside the site (the system's temporary folder may be memory) and gone after the
    # build; those of a build that was killed go with the next build.
    from conftest import EXAMPLE_NOW

    from sitegen import generate
    from sitegen.build import build

    copy = _example_copy(tmp_path, "site")
    written: list[str] = []
    monkeypatch.setattr(generate, "_scratch",  # (jobs=1: the tasks run in this process)
                        lambda path, pieces, f=generate._scratch: written.append(path) or f(path, pieces))
    assert build(copy, now=EXAMPLE_NOW, jobs=1).ok
    assert {Path(p).parent.parent for p in written} == {copy / ".sitegen-cache"}
    assert len(written) == 2  # one span, one part
    assert not list((copy / ".sitegen-cache").glob("scratch-*"))
    left = copy / ".sitegen-cache" / "scratch-killed"
    left.mkdir()
    (left / "span-0").write_bytes(b"\0" * 100)
    written.clear()
    assert build(copy, now=EXAMPLE_NOW, jobs=1).ok
    assert written == []  # nothing changed: no index made
    assert not left.exists()


_OLD_JOIN = re.compile(f"(?<=[{tokenize.CJK_RANGES}])[{tokenize.WHITESPACE}]+"
                       f"|[{tokenize.WHITESPACE}]+(?=[{tokenize.CJK_RANGES}])")


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("通知公开ab1 \t\n\u3000\x85,，")), max_size=60))
def test_joining_spaces_is_what_it_was_before_it_was_made_linear(text: str):
    """The expression that drops spaces beside Chinese was rewritten to scan a long run of
    spaces once (60 000 spaces in a title took 27 s): it must remove exactly the same."""
    assert tokenize._JOIN_RE.sub("", text) == _OLD_JOIN.sub("", text)


def test_a_title_of_a_million_spaces_is_tokenised():
    """Quadratic before: this would take hours. (A generous bound, not a speed target.)"""
    import signal

    def too_slow(*_: object) -> None:
        raise TimeoutError("quadratic again")

    signal.signal(signal.SIGALRM, too_slow)
    signal.alarm(20)
    try:
        tokens = tokenize.index_token_set("通知a" + " " * 1_000_000 + "b")
    finally:
        signal.alarm(0)
    assert "通知" in tokens


def test_search_json_as_bytes_is_the_same_file():
    for lines in ([], ['{"title": "一"}'], ['{"title": "一"}', '{"title": "二，三"}']):
        assert search.search_json_bytes([line.encode("utf-8") for line in lines]) \
            == search.search_json(lines).encode("utf-8")
