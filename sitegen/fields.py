"""The front-matter vocabulary: English keys, their Chinese labels and accepted aliases.

Keys are a contract with officers and their scripts (see docs/content-model.md); add, never rename.
"""

from __future__ import annotations

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
}

REVIEW_FIELDS: dict[str, str] = {
    "reviewer": "审查人",
    "reviewed_on": "审查日期",
    "secrecy_checked": "保密审查",
    "approver": "审批人",
    "approved_on": "审批日期",
}

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
        "related_items": ("相关信息", False),
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
DISCLOSURE_VALUES = ("主动公开", "依申请公开", "不予公开")
VALIDITY_VALUES = ("有效", "失效", "废止")
ATTACHMENT_EXTENSIONS = frozenset(
    {"pdf", "doc", "docx", "xls", "xlsx", "ofd", "wps", "txt", "zip", "jpg", "jpeg", "png"}
)

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
