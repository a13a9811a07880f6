"""The front-matter vocabulary: English keys, their Chinese labels and accepted aliases.

Keys are a contract with officers and their scripts (see docs/content-model.md); add, never rename.
"""

from __future__ import annotations

from typing import Any

# key -> (label shown in messages and on pages, other accepted spellings)
COMMON_FIELDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "title": ("标题", ("标题", "名称")),
    "category": ("信息分类", ("信息分类", "目录分类")),
    "index_no": ("索引号", ("索引号",)),
    "organization": ("发布机构", ("发布机构",)),
    "date_created": ("生成日期", ("生成日期", "成文日期")),
    "date_published": ("发布日期", ("发布日期",)),
    "disclosure": ("公开方式", ("公开方式", "公开属性")),
    "review": ("审查记录", ("审查记录",)),
    "doc_no": ("文号", ("文号", "发文字号")),
    "keywords": ("主题词", ("主题词", "关键词")),
    "summary": ("内容概述", ("内容概述", "摘要")),
    "validity": ("有效性", ("有效性",)),
    "date_invalid": ("失效日期", ("失效日期", "废止日期")),
    "replaced_by": ("替代文件", ("替代文件",)),
    "attachments": ("附件", ("附件",)),
    "type": ("信息类型", ("信息类型",)),
    "slug": ("文件名", ("文件名",)),
    "genre": ("体裁分类", ("体裁分类", "公文种类")),
    "department": ("责任部门", ("责任部门",)),
    "topic": ("主题分类", ("主题分类",)),
    "scope": ("公开范围", ("公开范围",)),
    "period": ("公开时限", ("公开时限",)),
    "date_effective": ("实施日期", ("实施日期",)),
    "expires": ("公开截止日期", ("公开截止日期",)),
    # 索引号 of other items shown with this one, each way: a 批后公告 and its 批前公示, a
    # 政策解读 and the 文件 it explains (which must be published and linked together)
    "related_items": ("相关信息", ("相关信息",)),
    # 专栏/专题 of sitegen.toml's [[special]] (domain.md S7): the item is listed there too
    "special": ("专栏", ("专栏", "专题", "所属专栏")),
}

REVIEW_FIELDS: dict[str, str] = {
    "reviewer": "审查人",
    "reviewed_on": "审查日期",
    "secrecy_checked": "保密审查",
    "approver": "审批人",
    "approved_on": "审批日期",
}
REVIEW_ALIASES = {label_: key for key, label_ in REVIEW_FIELDS.items()}  # 审查人 -> reviewer
ATTACHMENT_ALIASES = {"文件": "file", "标题": "title"}  # an attachment's keys in Chinese


def english_keys(mapping: dict[Any, Any], aliases: dict[str, str]) -> dict[Any, Any]:
    """`mapping` with keys written in Chinese (`aliases`) under their English names; a key
    written both ways keeps both, for the check of unknown keys to name."""
    return {aliases.get(key, key) if aliases.get(key) not in mapping else key: value
            for key, value in mapping.items()}

# Any of these keys means the file holds classified information: never publishable.
CLASSIFIED_KEYS = ("密级", "classification", "secret_level")

# type -> {key: (label, required)}
TYPE_FIELDS: dict[str, dict[str, tuple[str, bool]]] = {
    "default": {},
    "guide": {
        "item_name": ("事项名称", True),
        "legal_basis": ("设定依据", True),
        "conditions": ("申报条件", True),
        "materials": ("申请材料", True),
        "accepting_unit": ("受理部门", True),
        "procedure": ("办理流程", True),
        "rules": ("办理规程", False),
        "time_limit": ("办结时限", True),
        "form_templates": ("申请书格式文本", False),
        "result": ("审批结果", False),
        "fees": ("收费标准", True),
        "location": ("办理地点", True),
        "hours": ("工作时间", True),
        "phone": ("咨询电话", True),
        "online_url": ("网上办理", False),
    },
    "notice": {
        "notice_kind": ("公示类型", True),
        "batch": ("批次", False),
        "period_start": ("公示开始日期", False),
        "period_end": ("公示截止日期", False),
        "objection_contact": ("异议受理方式", False),
    },
    "leader": {
        "name": ("姓名", True),
        "post": ("职务", True),
        "duties": ("分工", False),
        "resume": ("简历", False),
        "reception": ("接访安排", False),
        "contact": ("办公电话", False),
        "rank": ("排序", False),
        "photo": ("照片", False),
    },
    # 年度报告: the tables of domain.md §e, read by annual.py (never typed totals)
    "annual_report": {
        "year": ("报告年度", True),
        "t1": ("主动公开政府信息情况", False),
        "t2": ("收到和处理政府信息公开申请情况", False),
        "t3": ("政府信息公开行政复议、行政诉讼情况", False),
    },
    "org": {
        "functions": ("机关职能", False),
        "units": ("内设机构", False),
        "address": ("办公地址", False),
        "hours": ("办公时间", False),
        "phone": ("联系电话", False),
        "fax": ("传真", False),
        "email": ("电子邮箱", False),
        "web": ("网址", False),
    },
}

DISCLOSURE_PUBLIC = "主动公开"
# 公开范围 (domain.md §c.2): items for particular persons only are never built into the site.
SCOPE_PUBLIC = ("面向全社会", "面向社会")
SCOPE_PARTICULAR = ("面向特定对象", "面向申请人")
# 公开时限: the two of the 办事指南 format, and the seed reports' 定期 / 阶段 / 随时.
PERIOD_VALUES = ("长期公开", "限时公开", "定期公开", "阶段公开", "随时公开", "定期", "阶段", "随时")
PERIOD_LIMITED = "限时公开"
NOTICE_KINDS = ("批前公示", "批后公告", "结果公示", "公告")
# The gov.cn 主题分类 (domain.md §d.3): 22 classes and their sub-classes. Provinces adapt the
# labels, so a `topic` outside this list is a warning, not an error.
TOPICS: dict[str, tuple[str, ...]] = {
    "国务院组织机构": ("国务院", "国务院办公厅", "国务院组成部门", "国务院直属特设机构", "国务院直属机构",
                "国务院办事机构", "国务院直属事业单位", "国务院部委管理的国家局", "国务院议事协调机构", "其他"),
    "综合政务": ("政务公开", "政务督查", "应急管理", "电子政务", "文秘工作", "保密工作", "信访", "参事、文史",
             "其他"),
    "国民经济管理、国有资产监管": ("宏观经济", "经济体制改革", "统计", "物价", "国有资产监管", "重大建设项目",
                      "其他"),
    "财政、金融、审计": ("财政", "税务", "银行", "货币（含外汇）", "证券", "保险", "社会信用体系建设", "审计",
                 "其他"),
    "国土资源、能源": ("土地", "矿产", "水资源", "海洋", "煤炭", "石油与天然气", "电力", "其他"),
    "农业、林业、水利": ("农业、畜牧业、渔业", "林业", "水利", "其他"),
    "工业、交通": ("机械制造与重工业", "轻工纺织", "化工", "国防工业", "航天、航空", "信息产业（含电信）", "公路",
              "水运", "铁路", "民航", "邮政", "其他"),
    "商贸、海关、旅游": ("对外经贸合作", "国内贸易（含供销）", "海关", "检验、检疫", "旅游", "其他"),
    "市场监管、安全生产监管": ("工商", "质量监督", "标准", "食品药品监管", "安全生产监管", "其他"),
    "城乡建设、环境保护": ("城市规划", "城乡建设（含住房）", "环境监测、保护与治理", "节能与资源综合利用",
                  "气象、水文、测绘、地震", "其他"),
    "科技、教育": ("科技", "教育", "知识产权", "其他"),
    "文化、广电、新闻出版": ("文化", "文物", "新闻出版", "广播、电影、电视", "其他"),
    "卫生、体育": ("卫生", "医药管理", "体育", "其他"),
    "人口与计划生育、妇女儿童工作": ("人口与计划生育", "妇女儿童", "其他"),
    "劳动、人事、监察": ("劳动就业", "社会保障", "人事工作", "军转安置", "监察", "纠正行业不正之风", "其他"),
    "公安、安全、司法": ("公安", "国家安全", "司法", "其他"),
    "民政、扶贫、救灾": ("减灾救灾", "优抚安置", "社会福利", "行政区划与地名", "社团管理", "扶贫", "其他"),
    "民族、宗教": ("民族事务", "宗教事务"),
    "对外事务": ("外交、外事", "国际条约、国际组织", "其他"),
    "港澳台侨工作": ("港澳工作", "对台工作", "侨务工作"),
    "国防": ("国防建设", "国防动员"),
    "其他": (),
}
DISCLOSURE_VALUES = ("主动公开", "依申请公开", "不予公开")
VALIDITY_VALUES = ("有效", "失效", "废止")
ATTACHMENT_EXTENSIONS = frozenset(
    {"pdf", "doc", "docx", "xls", "xlsx", "ofd", "wps", "txt", "zip", "jpg", "jpeg", "png"}
)
# Files of the content a body may link to or show, and so publish: never a page or an image
# that can carry script (html, svg, xml…), which would run on the site's own origin.
PUBLISHABLE_EXTENSIONS = ATTACHMENT_EXTENSIONS | {"gif", "webp"}

_ALIAS_TO_KEY: dict[str, str] = {}
for _key, (_label, _aliases) in COMMON_FIELDS.items():
    for _alias in _aliases:
        _ALIAS_TO_KEY[_alias] = _key
for _fields in TYPE_FIELDS.values():
    for _key, (_label, _req) in _fields.items():
        _ALIAS_TO_KEY.setdefault(_label, _key)


def canonical_key(key: str) -> str:
    """The English key for a key written in English or as a Chinese alias."""
    return _ALIAS_TO_KEY.get(key, key)


def label(key: str) -> str | None:
    if key in COMMON_FIELDS:
        return COMMON_FIELDS[key][0]
    if key in REVIEW_FIELDS:
        return REVIEW_FIELDS[key]
    for fields in TYPE_FIELDS.values():
        if key in fields:
            return fields[key][0]
    return None
