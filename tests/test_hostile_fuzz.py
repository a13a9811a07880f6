"""Hostile input, part 1: fuzzed front matter and Markdown (issue 5 §1).

Property-based (hypothesis): front matter with wrong types in every field, missing fields, huge
strings, control characters, YAML anchors/aliases/tags, duplicate keys and impossible dates;
Markdown bodies built from the characters Markdown cares about. Whatever comes in, no exception
may leave `read_item` + `check_item` (or `render_body`), every bad file must get at least one
error that names it, and valid files must still pass. A sample of bad files then goes through a
whole build (API and CLI): all of them reported in one run, no traceback, nothing written.

Known crashes (see the xfail tests at the end) are kept out of the generators, so that the
properties keep guarding everything else; each has its own regression test.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from sitegen.build import build
from sitegen.cli import cli
from sitegen.commands.init import default_config
from sitegen.config import SiteConfig, load_config
from sitegen.content import MAX_YAML_ALIASES, read_item
from sitegen.diagnostics import Diagnostic, Level, Report
from sitegen.markdown import LinkContext, render_body
from sitegen.validate import Checked, check_item

NOW = "2026-11-27"
REL = "content/fuzz.md"

FUZZ = settings(max_examples=120, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

# -- the site ------------------------------------------------------------------------------------

KEPT = {"法定主动公开内容", "法定主动公开内容/财政预决算", "政府信息公开年报"}


def small_config() -> str:
    """default_config() with three categories: the same [site] and [[organization]]."""
    head, *blocks = re.split(r"^\[\[category\]\]$", default_config(), flags=re.M)
    kept = [b for b in blocks if re.search(r'^path = "([^"]+)"', b, re.M)[1] in KEPT]
    assert len(kept) == len(KEPT)
    return head + "".join("[[category]]" + b for b in kept)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("fuzz") / "site"
    (root / "content").mkdir(parents=True)
    (root / "themes").mkdir()
    (root / "sitegen.toml").write_text(small_config(), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def config(site: Path) -> SiteConfig:
    report = Report()
    loaded = load_config(site, report)
    assert loaded is not None, report.diagnostics
    return loaded


# -- front matter as YAML source, field by field -----------------------------------------------

# Raw YAML values of a valid item, in file order ("review" is written as a nested block).
FIELDS: dict[str, str] = {
    "title": "示例街道2025年部门预算",
    "category": "财政预决算",
    "index_no": "12345678X/2025-00010",
    "date_created": "2025-01-20",
    "date_published": "2025-01-24",
    "disclosure": "主动公开",
}
REVIEW: dict[str, str] = {
    "reviewer": "党政办负责人",
    "reviewed_on": "2025-01-22",
    "secrecy_checked": "true",
    "approver": "街道主任",
    "approved_on": "2025-01-23",
}
OPTIONAL: dict[str, str] = {
    "doc_no": "招街办〔2025〕3号",
    "keywords": "[预算, 财政]",
    "summary": "本文公开了示例街道2025年部门预算。",
    "validity": "有效",
    "organization": "jiedao",
    "genre": "通知",
    "department": "党政办",
    "slug": "budget-2025",
    "type": "default",
}
REQUIRED = list(FIELDS)
TEXT_FIELDS = ["title", "doc_no", "summary", "genre", "department"]
DATE_FIELDS = ["date_created", "date_published", "review.reviewed_on", "review.approved_on"]
ALL_FIELDS = [*FIELDS, *OPTIONAL, *(f"review.{k}" for k in REVIEW), "review", "attachments",
              "date_invalid", "replaced_by"]


def render(fields: dict[str, str], review: dict[str, str] | None, extra: Sequence[str] = (),
           body: str = "正文。") -> str:
    lines = ["---", *(f"{k}: {v}" for k, v in fields.items()), *extra]
    if review is not None:
        lines.append("review:")
        lines += [f"  {k}: {v}" for k, v in review.items()]
    return "\n".join([*lines, "---", body, ""])


def with_value(key: str, value: str, base: dict[str, str] | None = None) -> str:
    """The valid item with `key` (or "review.<sub>") set to the raw YAML `value`."""
    fields, review = dict(base or FIELDS), dict(REVIEW)
    if key.startswith("review."):
        review[key.split(".", 1)[1]] = value
    elif key == "review":
        fields["review"] = value
        return render(fields, None)
    else:
        fields[key] = value
    return render(fields, review)


def quoted(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are YAML)."""
    return json.dumps(text, ensure_ascii=False)


# -- running one file through read + validate ---------------------------------------------------

def check_text(site: Path, config: SiteConfig, data: str | bytes) -> tuple[list[Diagnostic], Checked | None]:
    path = site / REL
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.write_bytes(data)
    report = Report()
    src = read_item(path, REL, "fuzz.md", report)  # must not raise, whatever the bytes
    checked = check_item(src, config, set()) if src is not None else None
    diags = report.diagnostics + (checked.diagnostics if checked else [])
    return diags, checked


def assert_clear(diags: list[Diagnostic], text: str | bytes) -> None:
    """Every message names the file, is short (never echoes a 100 KB value) and points at a
    line of the file, if it gives one."""
    lines = (text.count("\n") if isinstance(text, str) else text.count(b"\n")) + 1
    for d in diags:
        assert d.file == REL, d
        assert d.message and len(d.message) < 1000, d.format()[:2000]
        assert "Traceback" not in d.message
        assert d.line is None or 1 <= d.line <= lines, d


def _short(text: str | bytes) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return text if len(text) < 600 else text[:300] + f"…（{len(text)} 字）…" + text[-300:]


def assert_refused(site: Path, config: SiteConfig, text: str | bytes) -> list[Diagnostic]:
    diags, _ = check_text(site, config, text)
    assert_clear(diags, text)
    errors = [d for d in diags if d.level is Level.ERROR]
    assert errors, f"no error for:\n{_short(text)}"
    return diags


def assert_accepted(site: Path, config: SiteConfig, text: str | bytes) -> Checked:
    diags, checked = check_text(site, config, text)
    assert_clear(diags, text)
    assert [d for d in diags if d.level is Level.ERROR] == [], [d.format() for d in diags]
    assert checked is not None and checked.item is not None, [d.format() for d in diags]
    return checked


def test_the_base_item_is_valid(site, config):
    """The control: the item every mutation starts from passes, with optional fields too."""
    assert_accepted(site, config, render(FIELDS, REVIEW))
    assert_accepted(site, config, render({**FIELDS, **OPTIONAL}, REVIEW))


# -- strategies ------------------------------------------------------------------------------------

SCALAR = (st.integers(-10**6, 10**6) | st.booleans() | st.none()
          | st.text(alphabet="abc预算公开123 ", max_size=8))
NESTED = st.recursive(SCALAR, lambda inner: st.lists(inner, min_size=1, max_size=3)
                      | st.dictionaries(st.text(alphabet="abcxyz", min_size=1, max_size=4), inner,
                                        min_size=1, max_size=3), max_leaves=10)


def _non_scalar(value: object) -> bool:
    return isinstance(value, list | dict)


def flow(value: object) -> str:
    return yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=10**6).strip() \
        .removesuffix("...").strip()


# A value of the wrong type for any field: never a plain text, number or date. Left out while
# they crash (see the xfail tests at the end): !!timestamp, integers of > 4300 digits, C1
# control characters.
JUNK = st.one_of(
    st.sampled_from(["true", "false", "!!binary aGVsbG8=", "!!set {a, b}", "!!omap [{a: 1}, {b: 2}]",
                     "!!pairs [[a, 1]]", "[[[[[深]]]]]", "{a: [1, {b: [2, {c: 3}]}]}", "[{}]",
                     "[[]]", "{file: [1]}", "[true, false]"]),
    NESTED.filter(lambda v: isinstance(v, dict)).map(flow),
    st.lists(NESTED.filter(_non_scalar), min_size=1, max_size=3).map(flow),
)
# Python tags: never constructed. Each would create SENTINEL if it ran.
SENTINEL = Path(tempfile.gettempdir()) / f"sitegen-fuzz-{os.getpid()}-PWNED"
PYTHON_TAGS = [
    '!!python/object/apply:os.system ["touch {s}"]',
    '!!python/object/apply:builtins.open ["{s}", "w"]',
    '!!python/object/new:builtins.open ["{s}", "w"]',
    '!<tag:yaml.org,2002:python/object/apply:os.system> ["touch {s}"]',
    '!!python/object:os.system {{}}',
    "!!python/name:os.system",
    "!!python/module:os",
    "!!python/tuple [1, 2]",
    "!!python/bytes aGVsbG8=",
    "!unknown value",
    "!foo {{a: 1}}",
    "!!does-not-exist x",
]
BAD_DATES = ["2010-02-30", "2010-13-01", "2010-00-10", "2011-02-29", "0000-01-01", "昨天", "2010/01/01",
             "2010-1-1", "20100101", "10-01-01", "2010-01-01T10:00:00", "2010-01-01 10:00", "2010-01",
             "9999-99-99", "２０１０－０１－０１", "2010‐01‐01", "'2010-02-31'", "[2010-01-01]"]
C0 = [chr(c) for c in [*range(0, 9), *range(11, 32), 127]]  # \t and \n are text; \r is escaped below
YAML_SYNTAX = ["title: [未闭合", "title: \"未闭合", "title: 关于: 通知", "\ttitle: 制表符缩进",
               "title: {a: 1", "- 列表而不是映射", "title: |\n 缩进\n不一致: x", ": 没有键",
               "title: &a 1\ntitle2: *b", "? [a\n: b"]


@st.composite
def bad_item(draw) -> tuple[str, str]:
    """(file text, what is wrong)."""
    kind = draw(st.sampled_from(["junk", "missing", "control", "control-raw", "tag", "duplicate",
                                 "date", "syntax", "bomb", "huge-control", "not-a-mapping"]))
    if kind == "junk":
        key = draw(st.sampled_from(ALL_FIELDS))
        value = draw(JUNK)
        if key == "review" and value.startswith("{"):
            value = "[" + value + "]"  # a mapping with unknown keys is an incomplete review: held back
        if key == "review.secrecy_checked" and value == "true":
            value = "false"  # the one junk value that is right here
        return with_value(key, value), f"{key}: {value}"
    if kind == "missing":
        key = draw(st.sampled_from(REQUIRED))
        fields = {k: v for k, v in FIELDS.items() if k != key}
        return render(fields, REVIEW), f"without {key}"
    if kind in ("control", "huge-control"):
        key = draw(st.sampled_from([*TEXT_FIELDS, "review.reviewer", "review.approver", "category"]))
        char = draw(st.sampled_from([*C0, "\r"]))
        size = 100_000 if kind == "huge-control" else draw(st.integers(1, 20))
        # inside the value: at either end, \x0b, \x0c, \r and \x1c-\x1f are whitespace to strip()
        text = "甲" * size + char + "乙" + draw(st.text(alphabet="丙 abc", max_size=10))
        return with_value(key, quoted(text)), f"{key} with {char!r}"
    if kind == "control-raw":  # unescaped in the file: the YAML reader must refuse it
        key = draw(st.sampled_from(TEXT_FIELDS))
        char = draw(st.sampled_from([c for c in C0 if c not in "\r"]))
        return with_value(key, f"甲{char}乙"), f"{key} with raw {char!r}"
    if kind == "tag":
        key = draw(st.sampled_from(ALL_FIELDS))
        tag = draw(st.sampled_from(PYTHON_TAGS))
        return with_value(key, tag.format(s=SENTINEL)), f"{key}: {tag}"
    if kind == "duplicate":
        key = draw(st.sampled_from([*FIELDS, "review", *(f"review.{k}" for k in REVIEW), "doc_no"]))
        if key.startswith("review."):
            sub = key.split(".", 1)[1]
            return with_value(key, f"{REVIEW[sub]}\n  {sub}: {REVIEW[sub]}"), f"duplicate {key}"
        fields = {**FIELDS, "doc_no": OPTIONAL["doc_no"]}
        again = "review: {reviewer: x}" if key == "review" else f"{key}: {fields[key]}"
        return render(fields, REVIEW, extra=[again]), f"duplicate {key}"
    if kind == "date":
        key = draw(st.sampled_from([*DATE_FIELDS, "date_invalid"]))
        value = draw(st.sampled_from(BAD_DATES))
        return with_value(key, value), f"{key}: {value}"
    if kind == "syntax":
        line = draw(st.sampled_from(YAML_SYNTAX))
        return render(FIELDS, REVIEW, extra=[line]), f"syntax: {line}"
    if kind == "bomb":
        width = draw(st.integers(5, 10))
        depth = draw(st.integers(MAX_YAML_ALIASES // width + 1, 12))
        return render(FIELDS, REVIEW, extra=bomb_lines(width, depth)), f"bomb {width}x{depth}"
    # not-a-mapping
    top = draw(st.sampled_from(["- a\n- b", "只是一行文字", "42", "[1, 2]", "!!binary aGVsbG8=", "null\n..."]))
    text = f"---\n{top}\n---\n正文。\n"
    return text, f"top level {top!r}"


def bomb_lines(width: int, depth: int, key: str = "x") -> list[str]:
    """A "billion laughs": `depth` levels of lists of `width` aliases of the level below."""
    lines = [f"{key}0: &{key}0 [哈, 哈, 哈]"]
    for level in range(1, depth + 1):
        refs = ", ".join([f"*{key}{level - 1}"] * width)
        lines.append(f"{key}{level}: &{key}{level} [{refs}]")
    return lines


@FUZZ
@given(case=bad_item())
@example(case=(with_value("title", "true"), "title: true"))
@example(case=(with_value("date_created", "2010-02-30"), "impossible date"))
@example(case=(render(FIELDS, REVIEW, extra=["title: 又一个"]), "duplicate title"))
def test_bad_front_matter_is_an_error_naming_the_file(site, config, case):
    text, what = case
    started = time.perf_counter()
    assert_refused(site, config, text)
    assert time.perf_counter() - started < 2, what
    assert not SENTINEL.exists()


@FUZZ
@given(case=bad_item(), crlf=st.booleans(), bom=st.booleans())
def test_bad_front_matter_with_bom_and_crlf(site, config, case, crlf, bom):
    """Windows line endings and a BOM change nothing about what is refused."""
    text, _ = case
    if crlf:
        text = text.replace("\n", "\r\n")
    data = (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")
    assert_refused(site, config, data)


SAFE_TEXT = st.text(st.characters(codec="utf-8", categories=("L", "N", "Zs", "P", "S"),
                                  exclude_characters="\u2028\u2029\x85\ufeff"),
                    min_size=1, max_size=60).filter(lambda s: s.strip() != "")
WORD = st.text(alphabet="预算决算公开信息财政年度报告abcXYZ0123", min_size=1, max_size=8)


@st.composite
def good_item(draw) -> str:
    fields = dict(FIELDS)
    fields["title"] = quoted(draw(SAFE_TEXT))
    if draw(st.booleans()):
        fields["title"] = "!!str " + fields["title"]
    if draw(st.booleans()):
        fields["keywords"] = flow(draw(st.lists(WORD, max_size=5)))
    if draw(st.booleans()):
        fields["keywords"] = quoted("、".join(draw(st.lists(WORD, min_size=1, max_size=5))))
    if draw(st.booleans()):
        fields["summary"] = quoted(draw(SAFE_TEXT) + "\n" + draw(SAFE_TEXT))
    if draw(st.booleans()):
        fields["doc_no"] = quoted(draw(SAFE_TEXT))  # odd 文号 are warnings, not errors
    if draw(st.booleans()):
        fields["summary"] = quoted("长" * 100_000)  # huge values: warnings at most
    review = dict(REVIEW)
    if draw(st.booleans()):  # anchors and aliases used as they are meant to be
        fields["date_published"] = "&pub 2025-01-24"
        review["approved_on"] = "*pub"
        fields["department"] = "&dept 党政办"
        review["reviewer"] = "*dept"
    if draw(st.booleans()):
        fields["slug"] = draw(st.from_regex(r"\A[a-z][a-z0-9_-]{0,20}\Z").filter(
            lambda s: not re.fullmatch(r"index(-\d+)?|rss|search", s)))
    text = render(fields, review, body=draw(st.text(alphabet="正文段落。#*-\n ", max_size=200)))
    if draw(st.booleans()):
        text = text.replace("\n", "\r\n")
    return text


@FUZZ
@given(text=good_item(), bom=st.booleans())
def test_valid_front_matter_still_passes(site, config, text, bom):
    data = (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")
    assert_accepted(site, config, data)


@FUZZ
@given(data=st.binary(max_size=400) | st.text(max_size=400).map(lambda t: t.encode("utf-8", "surrogatepass")))
def test_arbitrary_bytes_never_raise(site, config, data):
    diags, _ = check_text(site, config, b"---\n" + data + b"\n---\n")
    for d in diags:
        assert d.file == REL and d.message


@FUZZ
@given(prefix=st.text(max_size=200), junk=st.text(alphabet="-:[]{}&*!|>'\"#%@`,? \n\t甲1", max_size=200))
def test_random_yaml_punctuation_never_raises(site, config, prefix, junk):
    text = render(FIELDS, REVIEW, extra=[f"note: {junk}"])
    check_text(site, config, text)
    check_text(site, config, "---\n" + junk + "\n---\n" + prefix)


# -- specific promises -----------------------------------------------------------------------------

def test_billion_laughs_is_refused_quickly_with_a_clear_message(site, config):
    text = render(FIELDS, REVIEW, extra=bomb_lines(9, 9))
    started = time.perf_counter()
    diags = assert_refused(site, config, text)
    assert time.perf_counter() - started < 2
    assert any("别名" in d.message and str(MAX_YAML_ALIASES) in d.message for d in diags), diags


def test_merge_key_bomb_is_refused_quickly(site, config):
    lines = ["a0: &a0 {x: 1}"] + [f"a{i}: &a{i} {{<<: [{', '.join([f'*a{i-1}'] * 8)}]}}" for i in range(1, 10)]
    started = time.perf_counter()
    assert_refused(site, config, render(FIELDS, REVIEW, extra=lines))
    assert time.perf_counter() - started < 2


@pytest.mark.parametrize("tag", PYTHON_TAGS)
def test_python_tags_never_construct_anything(site, config, tag, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    sentinel = tmp_path / "PWNED-by-yaml"
    text = with_value("title", tag.format(s=sentinel))
    diags = assert_refused(site, config, text)
    assert not sentinel.exists()
    assert any("YAML" in d.message for d in diags), diags


@pytest.mark.parametrize("value", BAD_DATES)
def test_impossible_or_malformed_dates_name_the_field(site, config, value):
    diags = assert_refused(site, config, with_value("date_created", value))
    assert any(d.field == "date_created" or "YAML" in d.message for d in diags), diags


def test_huge_values_give_short_messages(site, config):
    huge = "超" * 100_000
    for key in ("title", "summary", "doc_no", "keywords"):
        value = f"[{huge}]" if key == "keywords" else quoted(huge)
        diags, checked = check_text(site, config, with_value(key, value))
        assert_clear(diags, with_value(key, value))
        assert checked is not None and checked.item is not None  # long is odd, not wrong
    diags = assert_refused(site, config, with_value("title", quoted(huge + "\n" + huge)))
    assert any(d.field == "title" for d in diags)


def test_deep_yaml_nesting_is_an_error(site, config):
    for text in (with_value("title", "[" * 5000 + "]" * 5000),
                 with_value("summary", "{a: " * 3000 + "1" + "}" * 3000)):
        started = time.perf_counter()
        assert_refused(site, config, text)
        assert time.perf_counter() - started < 2


# -- Markdown bodies -------------------------------------------------------------------------------

CTX = LinkContext("fdzdgknr/czyjs/fuzz.html", "fuzz.md", {}, frozenset({"plan.pdf"}))
MD_PIECES = st.sampled_from([
    "*", "**", "_", "`", "```", "~~~", "[", "]", "(", ")", "<", ">", "!", "#", "- ", "1. ", "> ",
    "|", "---", "\n", "\n\n", "    ", "\t", "&", "&amp;", "&#x3C;", "\\", "{: #x }", "[^1]", "[^1]: n",
    "<div>", "</div>", "<script>", "</script>", "<img src=x onerror=alert(1)>", "javascript:",
    "data:text/html,", "<a href=\"", "\">", "plan.pdf", "预算", "正文", " ", "|---|", "<!--", "-->",
    "<iframe>", "<svg onload=alert(1)>", "<table>", "<td>",
])
DANGEROUS_TAGS = {"script", "iframe", "frame", "object", "embed", "svg", "math", "style", "form", "base",
                  "link", "meta", "input", "button", "textarea", "details", "body", "video", "audio"}
SAFE_DATA_IMAGE = re.compile(r"data:image/(png|jpeg|gif|webp);", re.I)


class _Unsafe(HTMLParser):
    """Collects what in a piece of HTML could run script: dangerous elements, on* attributes,
    javascript:/vbscript: URLs and data: URLs other than raster images in <img src>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in DANGEROUS_TAGS:
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            url = re.sub(r"[\x00-\x20]", "", value or "").lower()
            if name.startswith("on") or name in ("srcdoc", "formaction") or (
                    name == "style" and re.search(r"url\(|expression", url)):
                self.found.append(f"{tag} {name}={value!r}")
            if name in ("href", "src", "action", "data", "xlink:href") and (
                    url.startswith(("javascript:", "vbscript:"))
                    or (url.startswith("data:") and not (tag == "img" and name == "src"
                                                          and SAFE_DATA_IMAGE.match(url)))):
                self.found.append(f"{tag} {name}={value!r}")


def unsafe_markup(html: str) -> list[str]:
    parser = _Unsafe()
    parser.feed(html)
    parser.close()
    return parser.found


@FUZZ
@given(parts=st.lists(MD_PIECES, max_size=80), text=st.text(max_size=100))
def test_markdown_bodies_never_raise_and_stay_safe(parts, text):
    body = render_body("".join(parts) + text, CTX)
    assert unsafe_markup(body.html) == [], body.html


@pytest.mark.parametrize("body", [
    ">" * 1000 + " 一千层引用",
    "".join(">" * i + " 第{i}层\n" for i in range(1, 1001)),
    "```python\nprint(1)\n\n没有结束的代码块\n",
    "~~~\n" + "没有结束\n" * 1000,
    "<div>" * 1000 + "深" + "</div>" * 1000,
    "*" * 300 + "强调" + "*" * 300,
    "[" * 2000 + "链接" + "]" * 2000,
    "[a](" * 2000,
    "| a |\n|---|\n" + "| 单元格 |\n" * 2000,
    "[^1]\n\n" + "[^1]: 脚注\n" * 500,
], ids=["blockquote-1000", "blockquote-stairs-1000", "unclosed-fence", "unclosed-tilde-fence",
        "div-1000", "emphasis-300", "brackets-2000", "open-links-2000", "table-2000", "footnotes"])
def test_pathological_markdown_renders(body):
    rendered = render_body(body, CTX)
    assert unsafe_markup(rendered.html) == []


# -- the whole build -------------------------------------------------------------------------------

BAD_SAMPLE = {
    "content/wrong-type.md": with_value("keywords", "{a: [1, {b: 2}]}"),
    "content/missing.md": render({k: v for k, v in FIELDS.items() if k != "title"}, REVIEW),
    "content/control.md": with_value("title", quoted("标题\x07响铃")),
    "content/tag.md": with_value("summary", '!!python/object/apply:os.system ["touch PWNED-build"]'),
    "content/unknown-tag.md": with_value("title", "!unknown 标题"),
    "content/duplicate.md": render(FIELDS, REVIEW, extra=["title: 再来一个标题"]),
    "content/date.md": with_value("date_published", "2010-13-01"),
    "content/yesterday.md": with_value("date_created", "昨天"),
    "content/bomb.md": render(FIELDS, REVIEW, extra=bomb_lines(9, 9)),
    "content/syntax.md": render(FIELDS, REVIEW, extra=["keywords: [未闭合"]),
    "content/list.md": "---\n- 不是映射\n---\n正文。\n",
    "content/no-front-matter.md": "# 只有正文\n",
    "content/gbk.md": render({**FIELDS, "index_no": "12345678X/2025-00099"}, REVIEW).encode("gb18030"),
    "content/nul.md": render(FIELDS, REVIEW, body="正文\x00"),
}


def _unique(text: str | bytes, n: int) -> str | bytes:
    """Give each sample file its own 索引号 so duplicates are not what is reported."""
    if isinstance(text, bytes):
        return text
    return text.replace(FIELDS["index_no"], f"12345678X/2025-{100 + n:05d}")


def _write_sample(root: Path) -> None:
    (root / "content").mkdir(parents=True)
    (root / "themes").mkdir()
    (root / "sitegen.toml").write_text(small_config(), encoding="utf-8")
    for n, (rel, text) in enumerate(BAD_SAMPLE.items()):
        data = _unique(text, n)
        (root / rel).write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    for n, name in enumerate(["good-one", "good-two"]):
        text = render({**FIELDS, "title": f"好的信息{n}", "index_no": f"12345678X/2025-{n + 1:05d}"}, REVIEW)
        (root / f"content/{name}.md").write_text(text, encoding="utf-8")


def test_a_build_reports_every_bad_file_at_once(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    root = tmp_path / "site"
    _write_sample(root)
    result = build(root, now=dt.date.fromisoformat(NOW), jobs=1)
    assert not result.ok
    by_file: dict[str, list[Diagnostic]] = {}
    for d in result.report.errors:
        by_file.setdefault(d.file, []).append(d)
    assert set(by_file) == set(BAD_SAMPLE), sorted(by_file)
    assert not (root / "output").exists()
    assert not (tmp_path / "PWNED-build").exists() and not (root / "PWNED-build").exists()


def test_the_cli_reports_them_without_a_traceback(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    root = tmp_path / "site"
    _write_sample(root)
    result = CliRunner().invoke(cli, ["build", str(root), "--now", NOW])
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    assert "生成失败，原有输出目录未改动" in result.output
    for rel in BAD_SAMPLE:
        assert re.search(rf"^{re.escape(rel)}(:\d+)?: 错误: ", result.output, re.M), (rel, result.output)
    assert not (root / "output").exists()


def test_a_10_mb_body_builds(tmp_path):
    """One item whose body is 10 MB of ordinary paragraphs (a pasted statistical yearbook)."""
    import random

    root = tmp_path / "site"
    (root / "content").mkdir(parents=True)
    (root / "sitegen.toml").write_text(small_config(), encoding="utf-8")
    rng = random.Random(5)
    words = "根据中华人民共和国政府信息公开条例的规定为进一步规范工作流程各社区居委会要高度重视切实加强组织领导"
    paras, size = [], 0
    while size < 10_000_000:
        para = f"第{len(paras)}段" + "".join(rng.choice(words) for _ in range(rng.randint(200, 900))) + "。"
        paras.append(para)
        size += len(para.encode("utf-8")) + 2
    body = "\n\n".join(paras) + "\n\n全文完毕ENDMARK。"
    (root / "content/big.md").write_text(render(FIELDS, REVIEW, body=body), encoding="utf-8")
    started = time.perf_counter()
    result = build(root, now=dt.date.fromisoformat(NOW), jobs=1, use_cache=False)
    elapsed = time.perf_counter() - started
    assert result.ok, [d.format() for d in result.report.errors]
    page = (root / "output/fdzdgknr/czyjs/big.html").read_text(encoding="utf-8")
    assert "全文完毕ENDMARK" in page and "第0段" in page
    assert elapsed < 40, elapsed


# -- known bugs --------------------------------------------------------------------------------------

@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Interrupt pure-Python work that runs longer than `seconds` (main thread only)."""
    def expire(signum, frame):
        raise TimeoutError(f"took longer than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_huge_integer_is_an_error_not_a_traceback(site, config):
    assert_refused(site, config, with_value("title", "1" * 5000))


def test_explicit_timestamp_tag_with_impossible_date(site, config):
    assert_refused(site, config, with_value("date_created", "!!timestamp 2010-02-30"))


@pytest.mark.parametrize("key", ["date_created", "review.reviewed_on", "date_invalid"])
def test_explicit_timestamp_tag_with_a_time(site, config, key):
    base = {**FIELDS, "validity": "废止"} if key == "date_invalid" else None
    text = with_value(key, "!!timestamp 2025-01-21 10:00:00", base)
    diags, checked = check_text(site, config, text)
    assert_clear(diags, text)
    assert checked is not None
    ok = checked.item is not None and not [d for d in diags if d.level is Level.ERROR]
    assert ok or any(d.field == key for d in diags)


@pytest.mark.parametrize("escape", ["\\x85", "\\x9f", "\\x80"])
def test_c1_control_characters_are_refused(site, config, escape):
    assert_refused(site, config, with_value("title", f'"标题{escape}结束"'))


def test_alias_bomb_below_the_alias_limit_is_refused_quickly(site, config):
    lines = ["type: guide", "item_name: &l0 [哈, 哈, 哈]"]
    lines += [f"legal_basis{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 3)}]" for i in range(1, 16)]
    lines.append("conditions: *l15")
    assert sum(line.count("*") for line in lines) <= MAX_YAML_ALIASES
    with time_limit(2):
        assert_refused(site, config, render(FIELDS, REVIEW, extra=lines))


def test_aliases_under_a_key_that_is_no_text_are_refused_quickly(site, config):
    """Found by review: a value under a key that is a list (`? [k]`) is never built, so its
    size went unchecked, and noting the lines of every key below it took 1.3 GB and 8 s for
    a front matter of 4 KB."""
    bomb = "[" + ",".join(["x"] * 1000) + "]"
    lines = ["? [j]", f": - &a {bomb}", "  - &b [" + ", ".join(["*a"] * 14) + "]",
             "  - &c [" + ", ".join(["*b"] * 15) + "]", "? [k]", ": [" + ", ".join(["*c"] * 19) + "]"]
    assert sum(line.count("*") for line in lines) <= MAX_YAML_ALIASES
    with time_limit(2):
        assert_refused(site, config, render(FIELDS, REVIEW, extra=lines))


# Python-Markdown leaves its shared parser state half-done when it raises, and sitegen keeps one
# renderer per process: the tests that make it raise run in a subprocess, so that the rest of
# this pytest process (and the test files after this one) render Markdown correctly.

def run_python(code: str, timeout: float = 60) -> subprocess.CompletedProcess:
    # The program on stdin: the deep bodies are larger than one command-line argument may be.
    return subprocess.run([sys.executable, "-"], input=code, capture_output=True, text=True,
                          timeout=timeout)


DEEP_LIST = "".join("    " * i + "- 列表\n" for i in range(300))
LONG_EMPHASIS = "*" * 5000 + "强调" + "*" * 5000
RENDER = """
from sitegen.markdown import LinkContext, render_body
ctx = LinkContext("fdzdgknr/czyjs/x.html", "x.md", {{}}, frozenset())
{code}
"""


@pytest.mark.parametrize("body", [DEEP_LIST, LONG_EMPHASIS], ids=["list-300", "emphasis-5000"])
def test_deeply_nested_markdown_does_not_raise(body):
    done = run_python(RENDER.format(code=f"render_body({body!r}, ctx)"))
    assert done.returncode == 0, done.stderr[-500:]


def test_a_failed_render_does_not_change_later_renders():
    code = f"""
doc = "第一段。\\n\\n1. 甲\\n2. 乙\\n\\n第二段。\\n"
before = render_body(doc, ctx).html
try:
    render_body({DEEP_LIST!r}, ctx)
except Exception:
    pass
after = render_body(doc, ctx).html
print("SAME" if before == after else "CHANGED:" + after)
"""
    done = run_python(RENDER.format(code=code))
    assert done.returncode == 0, done.stderr[-500:]
    assert done.stdout.strip() == "SAME", done.stdout


def test_deeply_nested_list_is_a_build_error_naming_the_file(tmp_path):
    root = tmp_path / "site"
    (root / "content").mkdir(parents=True)
    (root / "sitegen.toml").write_text(small_config(), encoding="utf-8")
    (root / "content/deep.md").write_text(render(FIELDS, REVIEW, body=DEEP_LIST), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "sitegen", "build", str(root), "--now", NOW, "-j", "1"],
                          capture_output=True, text=True, timeout=120)
    assert "Traceback" not in done.stderr, done.stderr[-800:]
    assert done.returncode == 1
    assert re.search(r"^content/deep\.md(:\d+)?: 错误: ", done.stderr, re.M), done.stderr
