"""Stage 1, read: find the item files under `content/` and split them into front matter and body.

Nothing here judges the values (that is `validate.py`); this stage only turns bytes into a
mapping with line numbers, and reports files that cannot be read at all.
"""

from __future__ import annotations

import errno
import hashlib
import logging
import os
import re
import reprlib
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import frontmatter
import yaml

from sitegen.diagnostics import Report, shortened
from sitegen.fields import REVIEW_ALIASES, REVIEW_FIELDS, canonical_key, label

log = logging.getLogger(__name__)

MAX_YAML_ALIASES = 50
_FRONT_MATTER = frontmatter.YAMLHandler()

_short = reprlib.Repr()
_short.maxstring = 60
_short.maxother = 60
_short.maxlevel = 2
_short.maxlist = 4
_short.maxdict = 4


def show(value: object) -> str:
    """A short, safe rendering of a found value for error messages (values may be huge)."""
    if isinstance(value, str):
        return "“" + (value if len(value) <= 60 else value[:57] + "…") + "”"
    return _short.repr(value)


@dataclass
class SourceItem:
    """One Markdown file as read from disk, before validation."""

    rel: str  # path relative to the site folder, e.g. "content/gknb/2010.md"
    content_rel: str  # path relative to content/, e.g. "gknb/2010.md"
    meta: dict[str, Any]  # canonical (English) keys
    lines: dict[str, int]  # "key" or "review.reviewer" -> line in the file
    body: str
    body_line: int  # line number of the first body line
    digest: str  # sha256 of the file bytes: the cache key of later stages
    raw_keys: dict[str, str] = field(default_factory=dict)  # canonical key -> key as written


@dataclass
class ContentSet:
    items: list[SourceItem]
    assets: list[str]  # other files under content/, relative to content/


_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser when built with it


class _Loader(_BaseLoader):  # type: ignore[valid-type,misc]
    """Safe YAML that remembers where each key is and refuses duplicate keys."""

    problems: list[tuple[int, str]]


# Dates stay text so that 2010-02-30 becomes a clear message from validation, not a crash here.
# And YAML 1.1's base-60 numbers are no numbers here: 工作时间 8:30 is a time, not 510.
# Nor octal, hex, binary or 1_000 (批次 010 is not 8), nor floats: 12.30 万元 keeps its digits
# as written (a float would say 12.3), and the fields that take numbers read them from text.
_INT = re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$")
_NEVER = re.compile(r"(?!)")
_PLAIN = {"tag:yaml.org,2002:int": _INT, "tag:yaml.org,2002:float": _NEVER}
_Loader.yaml_implicit_resolvers = {
    ch: [(tag, _PLAIN.get(tag, rx)) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for ch, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _construct_mapping(loader: _Loader, node: yaml.MappingNode, deep: bool = False) -> dict:
    loader.flatten_mapping(node)
    result: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if not isinstance(key, str):
            loader.problems.append((line, f"键必须是文本，实际为 {show(key)}"))
            continue
        if key in result:
            loader.problems.append((line, f"键“{key}”重复出现（YAML 中同一个键只能写一次）"))
            continue
        result[key] = loader.construct_object(value_node, deep=True)
    return result


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
# An explicit !!timestamp stays text too (PyYAML's constructor raises on 2010-02-30).
_Loader.add_constructor("tag:yaml.org,2002:timestamp",
                        lambda loader, node: loader.construct_scalar(node))

MAX_YAML_NODES = 100_000


def _check_size(data: Any) -> None:
    """Aliases under the limit can still expand to millions of values (each alias repeats a
    whole list); count values as a reader would see them, and stop early."""
    seen = 0
    stack = [data]
    while stack:
        value = stack.pop()
        seen += 1
        if seen > MAX_YAML_NODES:
            raise yaml.YAMLError(f"front matter 展开后超过 {MAX_YAML_NODES} 个值（别名嵌套过多），拒绝处理")
        if isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)


# What PyYAML says, and what it usually means in a hand-written front matter.
_YAML_HINTS = [
    ("mapping values are not allowed", "值里有英文冒号加空格（“: ”）；这样的值请用英文引号括起来，"
                                       "例如 title: \"关于: 通知\""),
    ("did not find expected ',' or ']'", "列表缺少逗号或右方括号 ]"),
    ("could not find expected ':'", "缺少冒号：每行应为 键: 值"),
    ("did not find expected key", "缩进不一致，或某行缺少 键:"),
    ("found undefined alias", "用了未定义的 *引用"),
]


_KEY_LINE = re.compile(r"^\s*(?:-\s+)?[^\s#][^:]*:(\s|$)")
_WIDE_COLON_KEY = re.compile(r"^\s*(?:-\s+)?([A-Za-z_][A-Za-z0-9_]*|[\u4e00-\u9fff]{2,8})\s*：")


def yaml_problem(exc: yaml.YAMLError, text: str) -> tuple[str, int | None]:
    """A YAML error in Chinese, with what it said, and the 0-based line of the front matter
    to point at: for a quote left open, the line it was opened on (PyYAML only notices at the
    end of the text)."""
    problem = getattr(exc, "problem", None) or str(exc)
    mark = getattr(exc, "problem_mark", None)
    context, opened = getattr(exc, "context", None) or "", getattr(exc, "context_mark", None)
    line = None if mark is None else mark.line
    lines = text.split("\n")
    char = ""
    if mark is not None and mark.line < len(lines) and mark.column < len(lines[mark.line]):
        char = lines[mark.line][mark.column]
    if "quoted scalar" in context and "end of stream" in problem and opened is not None:
        return f"这一行开始的引号没有闭合，缺少结尾的引号（{problem}）", opened.line
    if char == "\t" or "tab character" in problem:
        return f"YAML 不能用 Tab 缩进，请改用空格（{problem}）", line
    if line is not None:  # a key typed with the input method's colon: PyYAML errs a line later
        # (an error past the text, at the closing ---, may be a nested block's last key's)
        deepest = _key_column(lines[line]) if line < len(lines) and lines[line].strip() else 10**6
        for at in range(min(line, len(lines) - 1), -1, -1):
            wide = _WIDE_COLON_KEY.match(lines[at])
            # (a key at the error's depth or above: deeper, it is a line of a block of text)
            if wide and _key_column(lines[at]) <= deepest:
                return (f"“{wide.group(1)}”后面是中文冒号“：”，请改为英文冒号加空格“: ”，"
                        f"例如 {wide.group(1)}: …（{problem}）"), at
            slip = _input_method_slip(lines[at]) if _key_column(lines[at]) <= deepest else ""
            if slip:
                return f"{slip}（{problem}）", at
            if at < line and _KEY_LINE.match(lines[at]):
                break  # (no further back than the key before the error)
    if line is not None and problem.startswith(("did not find expected key", "mapping values are not",
                                                 "while parsing", "expected <block end>")):
        found = _layout_problem(lines, line)
        if found is not None:
            return f"{found[0]}（{problem}）", found[1]
    if problem.startswith(("did not find expected ',' or ']'", "did not find expected ',' or '}'")) \
            and opened is not None and line is not None and opened.line < line:
        # PyYAML notices at the next key: point at the line that opened the list
        close = "]" if "']'" in problem else "}"
        example = "keywords: [财政, 预算]" if close == "]" else "review: {reviewer: 张三}"
        return (f"这一行的 {'[' if close == ']' else '{'} 没有对应的 {close}：请在这一行末尾补上 {close}"
                f"（例如 {example}），或者给含逗号、括号的文字加英文引号（{problem}）"), opened.line
    hint = next((h for prefix, h in _YAML_HINTS if problem.startswith(prefix)), "")
    return (f"{hint}（{problem}）" if hint else problem), line


# A key whose colon is not followed by a half-width space (公开方式:主动公开, or the input
# method's full-width space: 生成日期:　2024-03-05): YAML reads the line as text, no key.
_GLUED_COLON_KEY = re.compile(r"^[ ]*(?:-[ ]+)?([A-Za-z_][A-Za-z0-9_]*|[\u4e00-\u9fff]{2,8}):([^ \t\r\n])(.*)$")


def _input_method_slip(text: str) -> str:
    """What a line typed with the input method got wrong, or ""."""
    if text.startswith("\u3000") or re.match(r"^[ ]+\u3000", text):
        return "这一行用全角空格“　”缩进：YAML 只认半角空格，请改为半角空格（例如 review 下的各项缩进两个半角空格）"
    glued = _GLUED_COLON_KEY.match(text)
    if glued is None:
        return ""
    key, first, rest = glued.groups()
    value = (first + rest).lstrip("\u3000 ")
    space = "是全角空格“　”" if first == "\u3000" else "没有空格"
    value = value if len(value) <= 30 else value[:30] + "…"
    return f"“{key}”的冒号后面{space}：冒号后要跟一个半角空格，请写成 {key}: {value}"


_BRACKET_VALUE = re.compile(r"^\s*(?:-\s+)?([^\s:#][^:#]*):\s+([\[{])")


def _key_column(text: str) -> int:
    """Where a line's key starts: after its indentation and a list's "- "."""
    stripped = text.lstrip(" ")
    column = len(text) - len(stripped)
    while stripped.startswith("- "):
        column += 2
        stripped = stripped[2:].lstrip(" ")
        column += len(stripped) - len(stripped.lstrip(" "))
    return column


def _layout_problem(lines: list[str], line: int) -> tuple[str, int] | None:
    """What an officer got wrong where PyYAML lost its way at `line` (0-based): a value
    starting with [ or { that is no list (【转发】 typed as [转发]), or a key out of line with
    the one above it (review's five keys, an attachment's title)."""
    for at in (line, line - 1):
        if 0 <= at < len(lines):
            value = _BRACKET_VALUE.match(lines[at])
            if value and not lines[at].rstrip().endswith("]" if value.group(2) == "[" else "}"):
                key = value.group(1).strip()
                return (f"“{key}”的值以 {value.group(2)} 开头，YAML 会把它当作列表或映射；"
                        f"请用英文引号把整个值括起来，例如 {key}: \"{lines[at].split(':', 1)[1].strip()}\""), at
    if not (0 <= line < len(lines)) or not _KEY_LINE.match(lines[line]):
        return None
    above = next((k for k in range(line - 1, -1, -1)
                  if lines[k].strip() and not lines[k].lstrip().startswith("#")), None)
    if above is None or not _KEY_LINE.match(lines[above]) or lines[above].rstrip().endswith(":"):
        return None
    here, there = _key_column(lines[line]), _key_column(lines[above])
    if here == there:
        return None
    key = lines[above].split(":", 1)[0].strip().lstrip("- ")
    example = "，例如 review 下的五项都缩进两个空格" if key in REVIEW_FIELDS else ""
    return (f"这一行的键与上一个键“{key}”缩进不同（{here} 个和 {there} 个空格）：同一层的键要对齐"
            f"{example}"), line


def parse_yaml(text: str) -> tuple[Any, dict[str, int], list[tuple[int, str]]]:
    """Load one YAML document safely.

    Returns the data, the YAML line of each top-level key, of each key one level below
    ("review.reviewer") and of each entry of a list ("attachments[1]"), and problems (duplicate or non-text keys) with their lines.
    Raises yaml.YAMLError for syntax errors and for alias bombs."""
    if "*" in text:  # only a document with aliases can be an alias bomb
        aliases = 0
        for event in yaml.parse(text, Loader=_BaseLoader):
            if isinstance(event, yaml.AliasEvent):
                aliases += 1
                if aliases > MAX_YAML_ALIASES:
                    raise yaml.YAMLError(f"YAML 别名（*引用）超过 {MAX_YAML_ALIASES} 个，拒绝展开")
    loader = _Loader(text)
    loader.problems = []
    try:
        node = loader.get_single_node()
        if node is None:
            return None, {}, []
        data = loader.construct_document(node)
        _check_size(data)
        lines: dict[str, int] = {}
        if isinstance(node, yaml.MappingNode):
            _note_lines(node, "", lines, 0)
        return data, lines, loader.problems
    finally:
        loader.dispose()


_LINES_DEPTH = 4  # levels of a front matter whose keys' lines are noted (t2.denied.third_party[5])


def _note_lines(node: yaml.Node, prefix: str, lines: dict[str, int], depth: int) -> None:
    if len(lines) > MAX_YAML_NODES:  # (aliases under a key that is no text are never size-checked)
        return
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):  # (an error already: 键必须是文本)
                continue
            path = f"{prefix}.{key_node.value}" if prefix else str(key_node.value)
            lines.setdefault(path, key_node.start_mark.line + 1)
            if depth < _LINES_DEPTH:
                _note_lines(value_node, path, lines, depth + 1)
    elif isinstance(node, yaml.SequenceNode) and prefix:  # "attachments[1]"
        for i, entry in enumerate(node.value):
            path = f"{prefix}[{i}]"
            lines.setdefault(path, entry.start_mark.line + 1)
            if depth < _LINES_DEPTH:
                _note_lines(entry, path, lines, depth + 1)


INPUT_ENCODINGS = ("utf-8", "gb18030")


def decode(data: bytes, rel: str, report: Report, fallback: str = "utf-8") -> str | None:
    """Bytes to text: UTF-8 with or without BOM. Anything else is refused with the offset,
    unless `fallback` (from --input-encoding, never guessed) names GB18030: then a file that
    is not UTF-8 but is valid GB18030 is converted, with a warning naming it."""
    bom = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    data = data[bom:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        hint = ""
        try:
            converted = data.decode("gb18030")
            if fallback == "gb18030":
                report.warning(rel, "文件不是 UTF-8，已按 --input-encoding gb18030 转换；"
                               "建议把文件本身转换为 UTF-8")
                return converted.replace("\r\n", "\n").replace("\r", "\n")
            hint = ("；内容看起来是 GBK/GB18030 编码，请转换为 UTF-8，例如：iconv -f GB18030 -t UTF-8 "
                    "原文件 > 新文件，或在生成时加 --input-encoding gb18030")
        except UnicodeDecodeError:
            pass
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Windows Notepad's "Unicode"
            hint = ("；文件是 UTF-16 编码（记事本“另存为”中的 Unicode），请另存为 UTF-8，例如："
                    "iconv -f UTF-16 -t UTF-8 原文件 > 新文件")
        line = data[: exc.start].count(b"\n") + 1
        report.error(rel, f"文件不是有效的 UTF-8：第 {exc.start + bom} 字节处出现无效字节 {data[exc.start:exc.start + 1]!r}{hint}",
                     line=line)
        return None
    if "\x00" in text:
        report.error(rel, "文件中含有 NUL 字符，不是文本文件")
        return None
    return text.replace("\r\n", "\n").replace("\r", "\n")


# Dashes typed with the Chinese input method (——, －－－, ─── …) where --- was meant.
_WIDE_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2500\u2501\u30fc\ufe58\ufe63\uff0d\u4e00"
_FENCE = "三个半角减号 ---（在英文输入法下输入）"
_LOOK_AHEAD = 10  # lines searched for a --- that is not where it should be


_SPACES = " \t\u3000\xa0\u200b\ufeff"  # and what does not show (a second BOM, a no-break space)
_FENCE_RE = _FRONT_MATTER.FM_BOUNDARY  # a line python-frontmatter takes for ---
_YAML_KEY_RE = re.compile(r"[^\s#:-][^:]*:(?:\s|$)")


def _dashes(line: str) -> bool:
    """A line of dashes that is not ---: two ASCII ones, or the input method's, spaced or not
    (a YAML list's "-" and a Markdown rule "- - -" are no such line)."""
    text = line.strip(_SPACES)
    if text == "--":
        return True
    squeezed = text.replace(" ", "").replace("\u3000", "")
    return bool(squeezed) and all(c in _WIDE_DASHES or c == "-" for c in squeezed) \
        and any(c in _WIDE_DASHES for c in squeezed) and squeezed not in ("一", "ー")


def _fence_typed_wrong(line: str) -> bool:
    """A first line that can only have been meant as ---: dashes of the input method, or a
    short run of punctuation (===, ***)."""
    text = line.strip(_SPACES)
    return _dashes(line) or (0 < len(text) <= 12 and not any(c.isalnum() for c in text))


def _indented_fence(line: str) -> bool:
    return line != line.lstrip(_SPACES) and _FENCE_RE.fullmatch(line.strip(_SPACES)) is not None


def _no_opening_line(text: str) -> tuple[str, int]:
    """Why a file does not start with front matter, as far as its first lines tell."""
    lines = text.split("\n", _LOOK_AHEAD + 1)[:_LOOK_AHEAD]
    number = next((n for n, line in enumerate(lines, start=1) if line.strip(_SPACES)), 1)
    first = lines[number - 1]
    blank = f"文件开头有 {number - 1} 行空行，" if number > 1 else ""
    if _indented_fence(first):
        return f"{blank}front matter 开头的 --- 前面不能有空格、Tab 或看不见的字符：--- 要顶格写在第 1 行", number
    if _FENCE_RE.fullmatch(first):
        return f"{blank.rstrip('，')}：front matter 的 --- 必须在第 1 行", number
    if _fence_typed_wrong(first):
        return f"{blank}front matter 的开头一行应为{_FENCE}，实际为“{first.strip(_SPACES)}”", number
    # a line of text (a heading) above a front matter that is otherwise right
    for at, line in enumerate(lines[number:], start=number + 1):
        if _FENCE_RE.fullmatch(line):
            after = next((a for a in lines[at:] if a.strip()), "")
            before = lines[: at - 1]
            if _YAML_KEY_RE.match(after) and not any(_YAML_KEY_RE.match(b) for b in before):
                return (f"--- 之前有 {at - 1} 行（第 {number} 行：“{first.strip(_SPACES)[:20]}”）：front "
                        "matter 必须从文件的第 1 行开始，这几行请删去或移到正文"), at
            break
    return "缺少 front matter：文件应以一行 --- 开头，写完元数据后再以一行 --- 结束", 1


def _no_closing_line(text: str) -> tuple[str, int]:
    """Where the front matter should end, when no line of --- ends it."""
    for number, line in enumerate(text.split("\n")[1:200], start=2):
        if _indented_fence(line):
            return "front matter 结束的 --- 前面不能有空格、Tab 或看不见的字符：--- 要顶格写", number
        if _dashes(line):
            return f"front matter 的结束行应为{_FENCE}，这一行实际为“{line.strip(_SPACES)}”", number
    return f"front matter 没有结束：元数据写完后要有一行{_FENCE}", 1


def read_item(path: Path, rel: str, content_rel: str, report: Report,
              encoding: str = "utf-8") -> SourceItem | None:
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    text = decode(data, rel, report, encoding)
    if text is None:
        return None
    if not _FRONT_MATTER.detect(text):
        message, line = _no_opening_line(text)
        report.error(rel, message, line=line)
        return None
    try:
        fm_text, body = _FRONT_MATTER.split(text)
    except ValueError:
        message, line = _no_closing_line(text)
        report.error(rel, message, line=line)
        return None
    # python-frontmatter keeps the rest of the opening "---" line, so YAML line 1 is file
    # line 1 when the file starts with "---"; count rather than assume.
    fm_offset = text[: text.find(fm_text)].count("\n") if fm_text else 0
    body_line = text[: len(text) - len(body)].count("\n") + 1
    try:
        data_obj, key_lines, problems = parse_yaml(fm_text)
    except yaml.YAMLError as exc:
        message, at = yaml_problem(exc, fm_text)
        report.error(rel, f"front matter 的 YAML 无法解析：{message}",
                     line=None if at is None else at + 1 + fm_offset)
        return None
    except RecursionError:
        report.error(rel, "front matter 的 YAML 嵌套过深")
        return None
    except (ValueError, TypeError, OverflowError) as exc:  # e.g. an integer of 5000 digits
        report.error(rel, f"front matter 中有无法读取的值：{str(exc)[:120]}")
        return None
    for line, message in problems:
        report.error(rel, message, line=line + fm_offset)
    if data_obj is None:
        data_obj = {}
    if not isinstance(data_obj, dict):
        report.error(rel, f"front matter 应为“键: 值”的映射，实际为 {show(data_obj)}", line=2)
        return None
    meta: dict[str, Any] = {}
    lines: dict[str, int] = {}
    raw_keys: dict[str, str] = {}
    for key, value in data_obj.items():
        canon = canonical_key(key)
        line = key_lines[key] + fm_offset if key in key_lines else None
        if canon in meta:
            report.error(rel, f"“{raw_keys[canon]}”与“{key}”是同一字段，只能写一个",
                         line=line, field=canon, label=label(canon))
            continue
        meta[canon] = value
        raw_keys[canon] = key
        if line:
            lines[canon] = line
    review_key = raw_keys.get("review")
    for dotted, yaml_line in key_lines.items():
        if review_key is not None and dotted.startswith(review_key + "."):
            # (by the English key, as validation asks for it: 保密审查 is secrecy_checked)
            sub = dotted[len(review_key) + 1:]
            lines.setdefault("review." + REVIEW_ALIASES.get(sub, sub), yaml_line + fm_offset)
            continue
        # a part of a field: "attachments[1]", "t2.granted", "t2.denied.third_party[4]"
        top = _TOP_KEY_RE.match(dotted)
        if top and top.end() < len(dotted) and canonical_key(top.group()) in meta:
            lines[canonical_key(top.group()) + dotted[top.end():]] = yaml_line + fm_offset
    return SourceItem(rel=rel, content_rel=content_rel, meta=meta, lines=lines, body=body,
                      body_line=body_line, digest=digest, raw_keys=raw_keys)


_TOP_KEY_RE = re.compile(r"[^.\[]+")


@dataclass(frozen=True)
class ContentFile:
    content_rel: str  # path relative to content/
    rel: str  # path relative to the site folder
    stat: str  # size, mtime and ctime: a cheap "has it changed" check before reading


def scan(root: Path, content_dir: str, report: Report) -> tuple[list[ContentFile], list[ContentFile]]:
    """Item files (*.md) and asset files below `root/content_dir`, in a stable order.

    Plain os.scandir: this runs on every build, also on the "nothing changed" one."""
    base = root / content_dir
    items: list[ContentFile] = []
    assets: list[ContentFile] = []
    if not base.is_dir():
        report.error(content_dir, f"找不到内容目录 {base}")
        return items, assets
    base_resolved = base.resolve()
    stack = [("", str(base))]
    found: list[tuple[str, os.DirEntry[str]]] = []
    while stack:
        prefix, folder = stack.pop()
        for entry in _entries(folder, f"{content_dir}/{prefix}".rstrip("/"), report):
            if entry.name.startswith("."):
                continue  # editor swap files, .git, .DS_Store
            content_rel = prefix + entry.name
            if entry.is_symlink():
                target = Path(entry.path).resolve()
                if not target.is_relative_to(base_resolved):
                    report.error(f"{content_dir}/{content_rel}",
                                 f"符号链接指向内容目录之外（{target}），已拒绝")
                    continue
                if entry.is_dir():
                    report.warning(f"{content_dir}/{content_rel}",
                                   "指向目录的符号链接不会被读取（可能形成循环）；请直接放入文件")
                    continue
            if entry.is_dir():
                stack.append((content_rel + "/", entry.path))
            elif entry.is_file():
                found.append((content_rel, entry))
    for content_rel, entry in sorted(found, key=lambda f: f[0]):
        try:
            st = entry.stat()
        except OSError as exc:  # a file name that makes the path too long
            report.error(shortened(f"{content_dir}/{content_rel}"),
                         _unreadable(exc, f"{content_dir}/{content_rel}", folder=False))
            continue
        # The change time too: a copy that kept size and mtime (`cp -p`, `rsync -a`, an
        # unzip, a coarse clock) cannot keep it, and no build would read the new bytes else.
        f = ContentFile(content_rel, f"{content_dir}/{content_rel}",
                        f"{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}")
        lower = content_rel.lower()
        (items if lower.endswith(".md") else assets).append(f)
        if lower.endswith((".md.txt", ".markdown")):
            suffix = ".md.txt" if lower.endswith(".md.txt") else ".markdown"
            report.warning(f.rel, f"文件名以 {suffix} 结尾，不会作为信息发布（记事本“另存为”常自动加上 .txt）；"
                           "信息文件应以 .md 结尾，请改文件名")
    _same_on_windows(assets, report)
    return items, assets


SAME_ON_WINDOWS = ("文件名只差大小写或 Unicode 写法，在 Windows、macOS 和 U 盘上是同一个文件：{names}；"
                   "{what}")


def same_on_windows(paths: Iterable[str]) -> list[list[str]]:
    """Groups of paths that differ only in case or in Unicode normalisation: one file on
    Windows, macOS and a USB stick, so a kiosk's copy of the site would keep one of them."""
    groups: dict[str, list[str]] = {}
    for rel in paths:
        groups.setdefault(unicodedata.normalize("NFC", rel).lower(), []).append(rel)
    return [names for names in groups.values() if len(names) > 1]


def _same_on_windows(files: list[ContentFile], report: Report) -> None:
    """A warning: only if both are published is it an error (`generate.write_site`). (Item
    pages are checked as pages, by `validate`.)"""
    for names in same_on_windows(f.rel for f in files):
        for name in names:
            report.warning(name, SAME_ON_WINDOWS.format(
                names="、".join(names), what="两个都发布就会出错，请给其中一个改名"))


def _entries(folder: str, rel: str, report: Report) -> list[os.DirEntry[str]]:
    """The entries of one folder below content/, or none, with an error, when it cannot be
    read: two thousand nested folders make a path longer than the system allows
    (ENAMETOOLONG), or the build user may not read it."""
    try:
        with os.scandir(folder) as entries:
            return list(entries)
    except OSError as exc:
        report.error(shortened(rel), _unreadable(exc, rel))
        return []


def _unreadable(exc: OSError, rel: str, folder: bool = True) -> str:
    """What to say of a folder (or a file) below content/ that cannot be read."""
    if exc.errno == errno.ENAMETOOLONG:
        if folder:
            return (f"路径过长：内容目录下的文件夹套了 {rel.count('/')} 层，超过系统允许的路径长度，"
                    "其中的文件无法读取；请减少文件夹的层数或缩短文件夹名")
        return (f"路径过长：文件所在的文件夹套了 {rel.count('/') - 1} 层，加上文件名超过系统允许的路径长度，"
                "无法读取；请减少文件夹的层数或缩短文件名")
    return f"无法读取（{exc.strerror}）：请检查{'文件夹' if folder else '文件'}的权限"


def discover(root: Path, content_dir: str, report: Report) -> ContentSet:
    """All items (read and split) and assets below `root/content_dir`."""
    files, assets = scan(root, content_dir, report)
    items = [item for f in files
             if (item := read_item(root / f.rel, f.rel, f.content_rel, report)) is not None]
    log.debug("read %d items and %d assets", len(items), len(assets))
    return ContentSet(items, [a.content_rel for a in assets])
