#!/usr/bin/env python3
"""Write the small example PDF attachments of the example catalogue in content/.

Pure Python, no third-party packages. Each file is a minimal, valid one-page A4 PDF 1.4 in
Chinese: the text in STSong-Light, one of the CJK fonts every PDF reader is required to
supply (Adobe-GB1, encoding UniGB-UCS2-H), so no font is embedded and a file stays a few KB;
readers show it in their Chinese font (on a kiosk, Noto Sans/Serif CJK). Built by hand with a
correct cross-reference table. Deterministic: no timestamps, no random document ID, so
re-running the script produces byte-identical files (and no spurious git changes).

Usage:  python3 tools/make_example_pdfs.py [--check]
        --check  do not write; exit 1 if a file is missing or differs.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content"
NOTE = "（示例附件，由 tools/make_example_pdfs.py 生成）"

# (path relative to content/, document title, text lines)
PDFS: list[tuple[str, str, list[str]]] = [
    (
        "fdzdgknr/czyjs/2011-budget-table.pdf",
        "招宝山街道2011年财政预算表",
        [
            "宁波市镇海区招宝山街道办事处",
            "2011年一般预算收支表（单位：万元）",
            "",
            "收入合计 ………………………………………… 9860.00",
            "    区财政转移支付及税收分成 ……………… 8920.00",
            "    其他收入 ………………………………………… 940.00",
            "支出合计 ………………………………………… 9860.00",
            "    一般公共服务 …………………………………… 2315.00",
            "    公共安全 ………………………………………… 486.00",
            "    社会保障和就业 ………………………………… 1742.00",
            "    医疗卫生 ………………………………………… 598.00",
            "    城乡社区事务 …………………………………… 3896.00",
            "    其他支出 ………………………………………… 823.00",
            "",
            NOTE,
        ],
    ),
    (
        "fdzdgknr/czyjs/2010-final-accounts-table.pdf",
        "招宝山街道2010年财政决算表",
        [
            "宁波市镇海区招宝山街道办事处",
            "2010年一般预算决算表（单位：万元）",
            "",
            "收入合计 ………………………………………… 9214.37",
            "支出合计 ………………………………………… 9105.82",
            "结转下年 ………………………………………… 108.55",
            "",
            NOTE,
        ],
    ),
    (
        "fdzdgknr/zfcg/2011-procurement-plan.pdf",
        "招宝山街道2011年政府采购计划",
        [
            "宁波市镇海区招宝山街道办事处",
            "2011年政府采购计划（单位：万元）",
            "",
            "1  办公设备（计算机、打印机） …………………… 38.60",
            "2  社区服务中心家具 ………………………………… 26.40",
            "3  公共建筑财产保险 ………………………………… 4.20",
            "4  公告、办事指南印刷 ……………………………… 6.80",
            "5  防汛物资 ………………………………………………… 12.50",
            "合计 ……………………………………………………… 88.50",
            "",
            NOTE,
        ],
    ),
    (
        "fdzdgknr/rsxx/2011-recruitment-registration-form.pdf",
        "招宝山街道2011年公开招聘社区专职工作者报名表",
        [
            "招宝山街道2011年公开招聘社区专职工作者",
            "报  名  表",
            "",
            "准考证号：__________    报考岗位：__________",
            "姓名：__________    性别：____    出生年月：__________",
            "学历：__________    毕业院校：__________",
            "户籍所在地：____________________",
            "工作经历：________________________________________",
            "本人签名：__________    日期：__________",
            "",
            NOTE,
        ],
    ),
    (
        "ysqgk/申请表 2011.pdf",
        "招宝山街道政府信息公开申请表（2011年版）",
        [
            "招宝山街道政府信息公开申请表（2011年版）",
            "",
            "申请人（公民姓名或法人、其他组织名称）：____________________",
            "证件名称及号码（或组织机构代码）：____________________",
            "通信地址、邮政编码、联系电话、电子邮箱：____________________",
            "所需信息的内容描述（名称、文号或其他特征）：",
            "________________________________________________",
            "用途（选填）：____________________",
            "获取信息的方式：□纸质文本  □电子邮件  □光盘  □当场阅读、抄录",
            "提供信息的途径：□邮寄  □传真  □电子邮件  □自行领取",
            "申请人签名或盖章：__________    申请日期：__________",
            "",
            "受理机关：招宝山街道党政办    电话：0574-86000000",
            NOTE,
        ],
    ),
    (
        "fdzdgknr/xzxk/bszn/minimum-living-allowance-application.pdf",
        "招宝山街道城镇居民最低生活保障申请表",
        [
            "招宝山街道城镇居民最低生活保障申请表",
            "",
            "户主姓名：__________    所在社区：__________",
            "家庭人口：____人    家庭月收入：__________元",
            "申请理由：________________________________________",
            "",
            "社区评议意见：____________________",
            "街道审核意见：____________________",
            "申请人签名：__________    日期：__________",
            "",
            NOTE,
        ],
    ),
]


def _text(text: str) -> str:
    """A PDF hex string of the text as the UniGB-UCS2-H encoding takes it (UCS-2, big-endian)."""
    data = text.encode("utf-16-be")
    assert len(data) == 2 * len(text), "only characters of the Basic Multilingual Plane"
    return "<" + data.hex().upper() + ">"


def build_pdf(title: str, lines: list[str]) -> bytes:
    """Return the bytes of a one-page A4 PDF showing *lines*."""
    ops = ["BT", "/F1 12 Tf", "20 TL", "56 780 Td"]
    for i, line in enumerate(lines):
        if i:
            ops.append("T*")
        if line:
            ops.append(_text(line) + " Tj")
    ops.append("ET")
    stream = ("\n".join(ops) + "\n").encode("ascii")

    objects = [
        b"<< /Type /Catalog /Pages 2 0 R /Lang (zh-CN) >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"endstream",
        b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H "
        b"/DescendantFonts [6 0 R] >>",
        b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light "
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 2 >> "
        b"/FontDescriptor 7 0 R /DW 1000 /W [1 95 500] >>",
        b"<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 /FontBBox [-25 -254 1000 880] "
        b"/ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 880 /StemV 93 >>",
        # (a text string outside the content stream: UTF-16 only with its byte-order mark)
        b"<< /Title <FEFF" + _text(title)[1:].encode("ascii") + b" /Producer (sitegen make_example_pdfs.py) >>",
    ]

    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref_at = len(out)
    out += f"xref\n0 {len(objects) + 1}\n".encode()
    out += b"0000000000 65535 f \n"
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info {len(objects)} 0 R >>\n"
        f"startxref\n{xref_at}\n%%EOF\n"
    ).encode()
    return bytes(out)


def main(argv: list[str]) -> int:
    check = "--check" in argv
    status = 0
    for rel, title, lines in PDFS:
        path = CONTENT / rel
        data = build_pdf(title, lines)
        assert len(data) < 8 * 1024, f"{rel}: {len(data)} bytes"
        if check:
            if not path.is_file() or path.read_bytes() != data:
                print(f"differs or missing: {rel}")
                status = 1
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.is_file() or path.read_bytes() != data:
            path.write_bytes(data)
            print(f"wrote {rel} ({len(data)} bytes)")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
