"""年度报告 as data (domain.md §e): the three statistical tables of the State Council's format
(国办公开办函〔2021〕30号) read from an item's front matter, checked as the format requires, with
the totals computed, never typed. The item page prints them (templates/annual-tables.html);
a report's narrative sections stay in its Markdown body.

    type: annual_report
    year: 2024
    t1: {normative_docs: {made: 1, repealed: 0, valid: 5}, licensing: {decisions: 12}, …}
    t2: {new_received: [3, 0, 0, 0, 0, 1], granted: [2, 0, 0, 0, 0, 1], …}
    t3: {review: {upheld: 1, corrected: 0, other: 0, pending: 0}, …}

A row left out counts as zeros: the format prints every row, and a 街道 has many at 0.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sitegen.content import show

# T1 主动公开政府信息情况: row -> its columns
T1_ROWS: dict[str, tuple[str, ...]] = {
    "regulations": ("made", "repealed", "valid"),  # 规章: 本年制发, 本年废止, 现行有效
    "normative_docs": ("made", "repealed", "valid"),  # 行政规范性文件
    "licensing": ("decisions",),  # 行政许可: 本年处理决定数量
    "punishment": ("decisions",),  # 行政处罚
    "coercion": ("decisions",),  # 行政强制
    "fees": ("amount_10k_yuan",),  # 行政事业性收费: 本年收费金额（万元）
}
T1_LABELS = {"regulations": "规章", "normative_docs": "行政规范性文件", "licensing": "行政许可",
             "punishment": "行政处罚", "coercion": "行政强制", "fees": "行政事业性收费"}

# T2 收到和处理政府信息公开申请情况: the six applicant columns, then its rows in the format's
# order ("group.row" for the rows of 不予公开, 无法提供, 不予处理, 其他处理).
T2_COLUMNS = ("自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他")
T2_GROUPS: dict[str, tuple[str, ...]] = {
    "denied": ("state_secret", "law_forbidden", "three_security_one_stability", "third_party",
               "internal_affairs", "process_info", "enforcement_file", "admin_query"),
    "unable": ("not_held", "needs_creation", "still_unclear"),
    "not_processed": ("petition_complaint", "repeat", "publication", "mass_repeat",
                      "confirm_reissue"),
    "other": ("no_correction", "fee_unpaid", "other"),
}
T2_SINGLE = ("new_received", "carried_in", "granted", "partial", "carried_out")
T2_LABELS = {"new_received": "一、本年新收政府信息公开申请数量",
             "carried_in": "二、上年结转政府信息公开申请数量",
             "granted": "（一）予以公开", "partial": "（二）部分公开", "denied": "（三）不予公开",
             "unable": "（四）无法提供", "not_processed": "（五）不予处理", "other": "（六）其他处理",
             "total": "（七）总计", "carried_out": "四、结转下年度继续办理"}
T2_ROW_LABELS = {  # the rows of 不予公开, 无法提供, 不予处理, 其他处理 as the format prints them
    "denied.state_secret": "1.属于国家秘密",
    "denied.law_forbidden": "2.其他法律行政法规禁止公开",
    "denied.three_security_one_stability": "3.危及“三安全一稳定”",
    "denied.third_party": "4.保护第三方合法权益",
    "denied.internal_affairs": "5.属于三类内部事务信息",
    "denied.process_info": "6.属于四类过程性信息",
    "denied.enforcement_file": "7.属于行政执法案卷",
    "denied.admin_query": "8.属于行政查询事项",
    "unable.not_held": "1.本机关不掌握相关政府信息",
    "unable.needs_creation": "2.没有现成信息需要另行制作",
    "unable.still_unclear": "3.补正后申请内容仍不明确",
    "not_processed.petition_complaint": "1.信访举报投诉类申请",
    "not_processed.repeat": "2.重复申请",
    "not_processed.publication": "3.要求提供公开出版物",
    "not_processed.mass_repeat": "4.无正当理由大量反复申请",
    "not_processed.confirm_reissue": "5.要求行政机关确认或重新出具已获取信息",
    "other.no_correction": "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
    "other.fee_unpaid": "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
    "other.other": "3.其他",
}
# Outcomes: the rows whose sum is （七）总计
OUTCOMES = ("granted", "partial", *(f"{g}.{r}" for g, rows in T2_GROUPS.items() for r in rows))

# T3 政府信息公开行政复议、行政诉讼情况: three groups of four results (and their total)
T3_GROUPS = ("review", "suit_direct", "suit_after_review")
T3_RESULTS = ("upheld", "corrected", "other", "pending")
T3_LABELS = {"review": "行政复议", "suit_direct": "行政诉讼（未经复议直接起诉）",
             "suit_after_review": "行政诉讼（复议后起诉）"}


T1_COLUMN_LABELS = {"made": "本年制发件数", "repealed": "本年废止件数", "valid": "现行有效件数",
                    "decisions": "本年处理决定数量", "amount_10k_yuan": "本年收费金额（万元）"}
T3_RESULT_LABELS = {"upheld": "结果维持", "corrected": "结果纠正", "other": "其他结果",
                    "pending": "尚未审结", "total": "总计"}
_INDEX_RE = re.compile(r"^(.*)\[(\d+)\]$")


def place(where: str) -> str:
    """A field path as the printed table names its cell: “t2.granted[5]” is
    （一）予以公开 “其他”列; the path itself where no label fits."""
    path, column = where, None
    indexed = _INDEX_RE.match(where)
    if indexed:
        path, column = indexed.group(1), int(indexed.group(2))
    table, _, rest = path.partition(".")
    label = None
    if table == "t1":
        row, _, cell = rest.partition(".")
        label = T1_LABELS.get(row)
        if label and cell:
            label = f"{label} {T1_COLUMN_LABELS.get(cell, cell)}"
    elif table == "t2":
        label = T2_ROW_LABELS.get(rest) or T2_LABELS.get(rest)
        if rest in T2_ROW_LABELS:
            label = f"{T2_LABELS[rest.split('.')[0]]} {label}"
        if label and column is not None:
            label += f" “{(*T2_COLUMNS, '总计')[column]}”列" if column < 7 else f" 第 {column + 1} 个数"
    elif table == "t3":
        group, _, result = rest.partition(".")
        label = T3_LABELS.get(group)
        if label and result:
            label = f"{label} {T3_RESULT_LABELS.get(result, result)}"
    return f"{label}（{where}）" if label else where


@dataclass(frozen=True)
class AnnualReport:
    year: int
    t1: dict[str, tuple[int | str, ...]]  # row -> its columns (fees: an amount as text, "0.5")
    t2: dict[str, tuple[int, ...]]  # "row" or "group.row", and "total" -> 6 columns + 总计
    t3: dict[str, tuple[int, ...]]  # group -> 4 results + 总计


Problem = Callable[[str, str], None]  # (field path such as "t2.denied.third_party", message)


def read(meta: dict[str, Any], problem: Problem) -> AnnualReport | None:
    """The report's tables, or None after saying what is wrong through `problem`."""
    failed = False

    def bad(where: str, message: str) -> None:
        nonlocal failed
        failed = True
        problem(where, message)

    year = meta.get("year")
    if isinstance(year, bool) or not isinstance(year, int) or not 1990 <= year <= 2100:
        bad("year", f"报告年度应为四位数的年份（不加引号），例如 2024，实际为 {show(year)}")
        year = 0
    tables = {}
    for key in ("t1", "t2", "t3"):
        value = meta.get(key)
        if not isinstance(value, dict):
            bad(key, f"年度报告须有表格 {key}（{_TABLE_NAMES[key]}），写成键值表；没有的行可省略（按 0 计）"
                if value is None else f"{key} 应为键值表，实际为 {show(value)}")
            value = {}
        tables[key] = value
    t1 = _t1(tables["t1"], bad)
    t2 = _t2(tables["t2"], bad)
    t3 = _t3(tables["t3"], bad)
    if failed:
        return None
    return AnnualReport(year, t1, t2, t3)


_TABLE_NAMES = {"t1": "主动公开政府信息情况", "t2": "收到和处理政府信息公开申请情况",
                "t3": "政府信息公开行政复议、行政诉讼情况"}


def _unknown(table: dict[str, Any], known: tuple[str, ...], where: str, bad: Problem) -> None:
    for key in table:
        if key not in known:
            bad(f"{where}.{key}", f"{where} 中没有“{key}”这一项；可用：{'、'.join(known)}")


def _count(value: Any, where: str, bad: Problem) -> int:
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        bad(where, f"应为不小于 0 的整数，实际为 {show(value)}")
        return 0
    return value


def _t1(table: dict[str, Any], bad: Problem) -> dict[str, tuple[int | str, ...]]:
    _unknown(table, tuple(T1_ROWS), "t1", bad)
    rows: dict[str, tuple[int | str, ...]] = {}
    for row, columns in T1_ROWS.items():
        raw = table.get(row, {})  # (left out: zeros; written empty or as 0: an error)
        where = f"t1.{row}"
        if not isinstance(raw, dict):
            bad(where, f"应写成 {{{', '.join(f'{c}: 0' for c in columns)}}}，实际为 {show(raw)}")
            raw = {}
        _unknown(raw, columns, where, bad)
        if row == "fees":
            rows[row] = (_amount(raw.get("amount_10k_yuan"), f"{where}.amount_10k_yuan", bad),)
        else:
            rows[row] = tuple(_count(raw.get(c), f"{where}.{c}", bad) for c in columns)
    return rows


_AMOUNT_RE = re.compile(r"^\d+(\.\d+)?$")


def _amount(value: Any, where: str, bad: Problem) -> str:
    """万元: a plain decimal (0, 0.5, 12.35), printed as YAML read it (12.30 unquoted is 12.3;
    quote it to keep the 0)."""
    if value is None:
        return "0"
    text = str(value).strip() if isinstance(value, int | float | str) and not isinstance(value, bool) else ""
    try:
        if _AMOUNT_RE.match(text) and Decimal(text).is_finite():
            return text
    except InvalidOperation:
        pass
    bad(where, f"收费金额应为不小于 0 的数（单位：万元，例如 12.35），实际为 {show(value)}")
    return "0"


def _columns(value: Any, where: str, bad: Problem) -> tuple[int, ...]:
    """Six applicant columns, then their total (which may be written as a seventh number, as
    the printed table has it: then it must be their sum)."""
    if value is None:
        return (0,) * 7
    if not isinstance(value, list) or len(value) not in (len(T2_COLUMNS), len(T2_COLUMNS) + 1):
        bad(where, f"应为 {len(T2_COLUMNS)} 个数的列表（{'、'.join(T2_COLUMNS)}；也可以再加第 7 个数：总计），"
            f"实际为 {show(value)}")
        return (0,) * 7
    counts = tuple(_count(v, f"{where}[{i}]", bad) for i, v in enumerate(value[:len(T2_COLUMNS)]))
    cells_ok = all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in value[:len(T2_COLUMNS)])
    if len(value) > len(T2_COLUMNS) and cells_ok:  # (a wrong cell read as 0 would make the sum up)
        given = value[-1]
        if isinstance(given, bool) or given != sum(counts):
            bad(f"{where}[{len(T2_COLUMNS)}]", f"总计 {show(given)} 不等于前六列之和 {sum(counts)}"
                "（总计由 sitegen 计算，可以不填）")
    return (*counts, sum(counts))


def _t2(table: dict[str, Any], problem: Problem) -> dict[str, tuple[int, ...]]:
    wrong: list[str] = []

    def bad(where: str, message: str) -> None:
        wrong.append(where)
        problem(where, message)

    _unknown(table, (*T2_SINGLE, *T2_GROUPS), "t2", bad)
    rows: dict[str, tuple[int, ...]] = {}
    for row in T2_SINGLE:
        rows[row] = _columns(table.get(row), f"t2.{row}", bad)
    for group, names in T2_GROUPS.items():
        raw = table.get(group, {})
        if not isinstance(raw, dict):
            bad(f"t2.{group}", f"应为键值表（{'、'.join(names)}），实际为 {show(raw)}")
            raw = {}
        _unknown(raw, names, f"t2.{group}", bad)
        for name in names:
            rows[f"{group}.{name}"] = _columns(raw.get(name), f"t2.{group}.{name}", bad)
    rows["total"] = tuple(sum(rows[r][i] for r in OUTCOMES) for i in range(7))
    if wrong:  # (a row read as zeros would make the balance wrong too, with made-up numbers)
        return rows
    # 本列数据的勾稽关系：第一项加第二项之和，等于第三项加第四项之和 (printed in the header)
    failed = False
    for i, column in enumerate((*T2_COLUMNS, "总计")):
        left = rows["new_received"][i] + rows["carried_in"][i]
        right = rows["total"][i] + rows["carried_out"][i]
        if left != right and not (failed and column == "总计"):  # (which repeats a wrong column)
            failed = True
            bad("t2", f"“{column}”列不符合勾稽关系：一、新收 {rows['new_received'][i]} + 二、上年结转 "
                f"{rows['carried_in'][i]} = {left}，应等于 三（七）总计 {rows['total'][i]} + 四、结转下年度 "
                f"{rows['carried_out'][i]} = {right}")
    return rows


def _t3(table: dict[str, Any], bad: Problem) -> dict[str, tuple[int, ...]]:
    _unknown(table, T3_GROUPS, "t3", bad)
    rows: dict[str, tuple[int, ...]] = {}
    for group in T3_GROUPS:
        raw = table.get(group, {})
        where = f"t3.{group}"
        if not isinstance(raw, dict):
            bad(where, f"应写成 {{{', '.join(f'{r}: 0' for r in T3_RESULTS)}}}，实际为 {show(raw)}")
            raw = {}
        _unknown(raw, (*T3_RESULTS, "total"), where, bad)
        counts = tuple(_count(raw.get(r), f"{where}.{r}", bad) for r in T3_RESULTS)
        total = sum(counts)
        given = raw.get("total")
        if given is not None and (isinstance(given, bool) or given != total):
            bad(f"{where}.total", f"总计 {show(given)} 不等于结果维持、结果纠正、其他结果、尚未审结之和 "
                f"{total}（总计由 sitegen 计算，可以不填）")
        rows[group] = (*counts, total)
    return rows


GOVERNMENT_LEVELS = ("省", "市", "县")  # `level` of an organisation that is a 地方人民政府 itself


def deadline(year: int, level: str = "") -> tuple[dt.date, str]:
    """The day a year's report must be published by, and the rule: 31 January of the next year
    for a department (and a 乡镇街道), 31 March for a 县级以上地方人民政府's own report (条例 2019
    第四十九条); 31 March for every report under the 2007 条例 (第三十一条), up to 2018."""
    if year < 2019:
        return dt.date(year + 1, 3, 31), "2007 年条例第三十一条"
    if level in GOVERNMENT_LEVELS:
        return dt.date(year + 1, 3, 31), "条例第四十九条，人民政府年度报告"
    return dt.date(year + 1, 1, 31), "条例第四十九条"
