"""A deterministic, realistic catalogue of N items for benchmarks (same seed, same bytes).

Usage: python bench/generate.py N DIR   (writes DIR/sitegen.toml and DIR/content/)
"""

from __future__ import annotations

import random
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sitegen.commands.init import default_config  # noqa: E402

ORGS = ["招宝山街道", "镇海区", "宁波市"]
SUBJECTS = ["城乡居民医疗保险", "老旧小区改造", "城镇最低生活保障", "政府信息公开", "安全生产检查",
            "食品药品监督", "义务教育招生", "公共租赁住房", "农村危房改造", "防汛防台", "垃圾分类",
            "社区养老服务", "就业援助", "重大建设项目", "行政事业性收费", "政府采购", "预算执行",
            "环境保护督查", "招聘公务员", "残疾人补贴", "退役军人优待", "文明城市创建"]
KINDS = ["通知", "公告", "实施方案", "工作计划", "工作总结", "管理办法", "公示", "报告", "通报", "意见"]
PHRASES = [
    "根据《中华人民共和国政府信息公开条例》的规定", "为进一步规范工作流程", "各社区居委会要高度重视",
    "切实加强组织领导", "确保各项工作落到实处", "接受社会和群众监督", "自公布之日起施行",
    "对不符合条件的申请不予受理", "办结时限为二十个工作日", "请于规定时间内提交申请材料",
    "街道党政办负责解释", "联系电话0574-86000000", "坚持公开、公平、公正的原则",
    "按照属地管理原则", "资金实行专户管理、专款专用", "本年度共受理申请", "较上年增长百分之十二",
    "进一步完善信息公开制度", "加强对重点领域信息公开的监督检查", "及时回应社会关切",
]
LEAVES = [
    "政府信息公开指南", "政府信息公开制度", "机关职能", "机构设置", "领导信息", "规章", "行政规范性文件",
    "其他文件", "政策解读", "规划计划", "统计信息", "办事指南", "批前公示", "批后公告",
    "行政处罚和行政强制", "财政预决算", "行政事业性收费", "政府采购", "重大建设项目", "民生保障",
    "应急管理", "监督检查", "人事信息", "其他法定公开内容", "政府信息公开年报",
]
ORG_CODE = "31421567X"


@dataclass
class GenItem:
    slug: str
    leaf: str
    title: str
    index_no: str
    doc_no: str
    created: str
    published: str
    keywords: list[str]
    summary: str
    body: str
    held_back: bool
    repealed_by: str
    attachment: str = ""  # a file beside the item's, e.g. item-000007.pdf


ATTACHMENT_EVERY = 25  # one item in 25 has an attachment (by number: the random draws stay)


def attachment_bytes(item: GenItem) -> bytes:
    """A stand-in for a scanned PDF: 4 to 40 KB, the same bytes every run."""
    size = 4096 + int(item.slug[-6:]) * 7919 % 36864
    line = f"% {item.title} {item.index_no}\n".encode()
    return (b"%PDF-1.4\n" + line * (size // len(line) + 1))[:size] + b"\n%%EOF\n"


def _body(rng: random.Random, length: int, n: int) -> str:
    parts: list[str] = []
    size = 0
    section = 1
    while size < length:
        kind = rng.random()
        if kind < 0.1:
            rows = "\n".join(f"| {rng.choice(SUBJECTS)} | {rng.randint(1, 9999)}.{rng.randint(0, 99):02d} |"
                             for _ in range(rng.randint(3, 8)))
            block = f"| 项目 | 金额（万元） |\n|---|---:|\n{rows}"
        elif kind < 0.2:
            block = "\n".join(f"{i}. {rng.choice(PHRASES)}。" for i in range(1, rng.randint(3, 6)))
        elif kind < 0.27:
            block = f"## {['一', '二', '三', '四', '五', '六'][min(section, 6) - 1]}、{rng.choice(SUBJECTS)}"
            section += 1
        elif kind < 0.3:
            other = rng.randint(0, max(0, n - 1))
            block = f"详见[相关信息](../{LEAVES[other % len(LEAVES)]}/item-{other:06d}.md)。"
        else:
            block = "".join(rng.choice(PHRASES) + rng.choice("，。；") for _ in range(rng.randint(3, 9)))
        parts.append(block)
        size += len(block)
    return "\n\n".join(parts)


def items(n: int, seed: int = 20101207) -> list[GenItem]:
    rng = random.Random(seed)
    result: list[GenItem] = []
    for i in range(n):
        year = 2010 + (i * 7) % 15
        month, day = rng.randint(1, 12), rng.randint(1, 28)
        subject, kind = rng.choice(SUBJECTS), rng.choice(KINDS)
        leaf = LEAVES[i % len(LEAVES)]
        title = f"{rng.choice(ORGS)}关于{year}年{subject}的{kind}"
        pub_day = min(28, day + rng.randint(0, 3))
        result.append(GenItem(
            slug=f"item-{i:06d}", leaf=leaf, title=title, index_no=f"{ORG_CODE}/{year}-{i % 100000:05d}",
            doc_no=f"招街办〔{year}〕{i % 300 + 1}号" if rng.random() < 0.4 else "",
            created=f"{year}-{month:02d}-{day:02d}", published=f"{year}-{month:02d}-{pub_day:02d}",
            keywords=rng.sample(SUBJECTS, 2), summary=f"{title}的主要内容。",
            body=_body(rng, rng.randint(300, 3000), n), held_back=rng.random() < 0.02,
            repealed_by="",
        ))
    for i in range(7, n, ATTACHMENT_EVERY):
        result[i].attachment = f"{result[i].slug}.pdf"
    for i in range(0, n - 1, 97):
        if not result[i + 1].held_back and not result[i].held_back:
            result[i].repealed_by = result[i + 1].index_no
    return result


# Columns whose items must say whether they are in force (`validity_required` in the default tree).
VALIDITY_REQUIRED = ("规章", "行政规范性文件")


def front_matter(item: GenItem) -> str:
    lines = ["---", f"title: {item.title}", f"category: {item.leaf}", f"index_no: {item.index_no}",
             f"date_created: {item.created}", f"date_published: {item.published}"]
    if item.doc_no:
        lines.append(f"doc_no: {item.doc_no}")
    lines += [f"keywords: [{', '.join(item.keywords)}]", f"summary: {item.summary}",
              "disclosure: 主动公开", "review:", "  reviewer: 党政办负责人",
              f"  reviewed_on: {item.created}", "  secrecy_checked: true"]
    if not item.held_back:
        lines += ["  approver: 街道主任", f"  approved_on: {item.published}"]
    if item.repealed_by:
        lines += ["validity: 废止", f"date_invalid: {item.published}", f"replaced_by: {item.repealed_by}"]
    elif item.leaf in VALIDITY_REQUIRED:
        lines.append("validity: 有效")
    if item.attachment:
        lines += ["attachments:", f"  - file: {item.attachment}", f"    title: {item.title}（全文）"]
    lines.append("---")
    return "\n".join(lines) + "\n"


def write_sitegen(n: int, folder: Path) -> list[GenItem]:
    folder.mkdir(parents=True, exist_ok=True)
    config = default_config().replace('org_code = "12345678X"', f'org_code = "{ORG_CODE}"')
    config = config.replace("deadline_workdays = 20", "deadline_workdays = 60")
    (folder / "sitegen.toml").write_text(config, encoding="utf-8")
    generated = items(n)
    for item in generated:
        path = folder / "content" / item.leaf / f"{item.slug}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(front_matter(item) + item.body + "\n", encoding="utf-8")
        if item.attachment:
            path.with_name(item.attachment).write_bytes(attachment_bytes(item))
    return generated


if __name__ == "__main__":
    count, target = int(sys.argv[1]), Path(sys.argv[2])
    write_sitegen(count, target)
    print(f"wrote {count} items to {target}")
