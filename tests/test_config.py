"""sitegen.toml: the default tree of domain.md §d.1 and the 索引号 pattern."""

import re
from pathlib import Path

import pytest

from sitegen.commands.init import default_config
from sitegen.config import IndexNoPattern, load_config
from sitegen.diagnostics import Report


def load(tmp_path: Path, text: str):
    (tmp_path / "sitegen.toml").write_text(text, encoding="utf-8")
    report = Report()
    return load_config(tmp_path, report), report


def test_default_tree_names_and_slugs(tmp_path):
    config, report = load(tmp_path, default_config())
    assert not report.diagnostics
    tree = config.categories
    assert [c.name for c in tree.children(None)] == [
        "政府信息公开指南", "政府信息公开制度", "法定主动公开内容", "政府信息公开年报", "依申请公开"]
    paths = tree.by_path()
    assert paths["法定主动公开内容"].folder == "fdzdgknr"
    assert paths["法定主动公开内容/财政预决算"].folder == "fdzdgknr/czyjs"
    assert paths["政府信息公开年报"].folder == "gknb"
    # Every 第二十条 class has its sub-category.
    subs = {c.name for c in tree.children(paths["法定主动公开内容"])}
    assert {"机构职能", "政策文件", "规划计划", "统计信息", "行政许可和政务服务", "行政处罚和行政强制",
            "财政预决算", "行政事业性收费", "政府采购", "重大建设项目", "民生保障", "应急管理",
            "监督检查", "人事信息", "其他法定公开内容"} <= subs


def test_resolve_by_path_leaf_name_and_alias(tmp_path):
    config, _ = load(tmp_path, default_config())
    tree = config.categories
    assert tree.resolve("法定主动公开内容/财政预决算")[0].folder == "fdzdgknr/czyjs"
    assert tree.resolve("财政预决算")[0].folder == "fdzdgknr/czyjs"
    assert tree.resolve("财政信息")[0].folder == "fdzdgknr/czyjs"  # seed-era alias
    cat, suggestions = tree.resolve("财政预算")
    assert cat is None and "法定主动公开内容/财政预决算" in [c.path for c in suggestions]


def test_index_no_pattern():
    p = IndexNoPattern("{org_code}/{year}-{seq:5}", "31421567X")
    assert p.format(2010, 111) == "31421567X/2010-00111"
    m = p.regex().match("31421567X/2010-00111")
    assert m and m.group("year") == "2010" and m.group("seq") == "00111"
    assert not p.regex().match("31421567X/2010-111")
    assert not p.regex().match("99999999X/2010-00111")


def test_config_errors_are_reported_with_lines(tmp_path):
    _, report = load(tmp_path, '[site]\nname = "x"\nbase_url = \n')
    assert report.errors and report.errors[0].line == 3
    bad = default_config().replace('organization = "jiedao"', 'organization = "jiedoa"')
    _, report = load(tmp_path, bad)
    assert any("jiedoa" in d.message for d in report.errors)


def test_base_path_for_the_404_page(tmp_path):
    """The path a server's error page takes the site's links from (404.html)."""
    default = default_config()
    for base_url, path in [("https://www.example.gov.cn/xxgk/", "/xxgk/"),
                           ("https://www.example.gov.cn", "/"),
                           ("https://www.example.gov.cn/政务公开/", "/%E6%94%BF%E5%8A%A1%E5%85%AC%E5%BC%80/"),
                           ("https://www.example.gov.cn/%E6%94%BF/", "/%E6%94%BF/")]:
        text = re.sub(r'(?m)^base_url = "[^"]*"', f'base_url = "{base_url}"', default)
        config, report = load(tmp_path, text)
        assert not report.diagnostics and config is not None
        assert config.base_path == path, base_url


def test_calendar_entries_and_their_errors(tmp_path):
    import datetime as dt

    config, report = load(tmp_path, default_config() + """
[calendar]
holidays = [2027-01-01, "2027-02-06 至 2027-02-08", "2027-04-05"]
workdays = ["2027-02-20"]
""")
    assert not report.diagnostics
    assert config.calendar.holidays == (dt.date(2027, 1, 1), dt.date(2027, 2, 6), dt.date(2027, 2, 7),
                                        dt.date(2027, 2, 8), dt.date(2027, 4, 5))
    assert config.calendar.workdays == (dt.date(2027, 2, 20),) and config.calendar.years == {2027}

    config, report = load(tmp_path, default_config() + """
[calendar]
holidays = ["2027-02-30", "2027-02-12 至 2027-02-06", "2027-10-01 至 2027-12-01", "2027-05-01"]
workdays = ["2027-05-01", "2027-02-10"]
"备注" = "测试"
""")
    assert config is None
    messages = [(d.field, d.message) for d in report.errors]
    assert messages == [
        ("holidays", "calendar.holidays 第 1 项应为日期（2027-01-01）或不超过一个月的日期范围"
                     "（2027-02-06 至 2027-02-12），实际为 '2027-02-30'"),
        ("holidays", "calendar.holidays 第 2 项应为日期（2027-01-01）或不超过一个月的日期范围"
                     "（2027-02-06 至 2027-02-12），实际为 '2027-02-12 至 2027-02-06'"),
        ("holidays", "calendar.holidays 第 3 项应为日期（2027-01-01）或不超过一个月的日期范围"
                     "（2027-02-06 至 2027-02-12），实际为 '2027-10-01 至 2027-12-01'"),
        ("workdays", "2027-05-01 同时列在 calendar.holidays（放假）和 calendar.workdays（上班）中"),
        ("workdays", "calendar.workdays 中的 2027-02-10 是星期三：调休上班日应为周六或周日"),
    ]
    assert [(d.field, d.message) for d in report.warnings] == [
        ("备注", "[calendar] 中的未知字段“备注”（sitegen 不读取它）；可用的字段：holidays（放假日）、workdays（调休上班日）")]


def test_config_mistakes_are_all_reported_with_line_and_label(tmp_path):
    """Three wrong values, two misspelt keys and a theme folder that is not there: every one
    reported in one go, each at its line with the key's Chinese label (the values were
    checked one run at a time, and the misspelt keys silently ignored: `deadline_workday = 7`
    left the organisation's own limit at the default 20)."""
    text = (default_config()
            .replace("page_size = 20 ", 'page_size = "20" ', 1)
            .replace("feed_length = 20 ", "feed_length = -1 ", 1)
            .replace("deadline_workdays = 20 ", 'deadline_workdays = "七" ', 1)
            .replace('theme = "default" ', 'theme = "zbs2024" ', 1)
            .replace("language =", "langauge =", 1)
            .replace("phone =", "phone_number =", 1))
    lines = text.splitlines()

    def line_of(prefix: str) -> int:
        return next(n for n, line in enumerate(lines, start=1) if line.startswith(prefix))

    config, report = load(tmp_path, text)
    assert config is None
    found = [(d.level.value, d.line, d.label, d.field) for d in report.diagnostics]
    assert found == [
        ("警告", line_of("langauge ="), None, "langauge"),
        ("警告", line_of("phone_number ="), None, "phone_number"),
        ("错误", line_of("deadline_workdays ="), "公开时限工作日数", "deadline_workdays"),
        ("警告", line_of("theme ="), "主题", "theme"),
        ("错误", line_of("page_size ="), "每页条数", "page_size"),
        ("错误", line_of("feed_length ="), "RSS 条数", "feed_length"),
    ], [d.format() for d in report.diagnostics]
    messages = [d.message for d in report.diagnostics]
    assert "是否应为 language（语言）" in messages[0]
    assert "是否应为 phone（电话）" in messages[1]
    assert messages[2] == 'organization[0].deadline_workdays 应为正整数（不加引号，例如 20），实际为 “七”（文本）'
    assert messages[3].startswith("主题文件夹 themes/zbs2024 不存在，将使用内置的默认主题")


def test_toml_syntax_error_says_what_is_wrong_in_chinese(tmp_path):
    text = default_config().replace('name = "示例街道政府信息公开"', "name = 示例街道政府信息公开", 1)
    _, report = load(tmp_path, text)
    [error] = report.errors
    assert error.line == next(n for n, line in enumerate(text.splitlines(), 1) if line.startswith("name ="))
    assert error.message.startswith(f"TOML 语法错误（第 {error.line} 行第 8 列）：值的写法不对：文本要用英文双引号括起来")


def test_config_lines_in_harder_files(tmp_path):
    """Quoted keys, a multi-line text holding a line like a table header, a category left
    out before another: each message still points at its own line."""
    text = default_config() + """
[[category]]
path = "指南//细则"
slug = "zn"

[[category]]
path = "附件"
slug = "files"
"""
    text = text.replace('hours = "', "notes = '''\n[lunch]\n午休\n'''\nhours = \"", 1)
    text = text.replace("[site]\n", "[site]\n'page_sze' = 3\n", 1)
    text = text.replace("\n[[category]]\n", '\n# 多行文本用 """ 括起来（一行注释）\n[[category]]\n', 1)
    lines = text.splitlines()

    def line_of(prefix: str, after: int = 0) -> int:
        return next(n for n, line in enumerate(lines, start=1) if n > after and line.startswith(prefix))

    config, report = load(tmp_path, text)
    assert config is None
    found = {(d.field, d.line) for d in report.diagnostics}
    assert ("page_sze", line_of("'page_sze'")) in found
    assert ("notes", line_of("notes =")) in found  # not at the line of [lunch]
    empty = line_of('path = "指南//细则"')
    assert ("path", empty) in found
    assert ("slug", line_of('slug = "files"')) in found
    assert any("分类路径“指南//细则”中有空的一级" in d.message for d in report.errors)


def test_kiosk_idle_minutes(tmp_path):
    text = default_config().replace("[site]\n", "[site]\nkiosk_idle_minutes = 2.5\n", 1)
    config, report = load(tmp_path, text)
    assert not report.diagnostics and config.kiosk_idle_minutes == 2.5
    assert load(tmp_path, default_config())[0].kiosk_idle_minutes == 0
    _, report = load(tmp_path, text.replace("= 2.5", '= "3"', 1))
    [error] = report.errors
    assert (error.field, error.label, error.line) == ("kiosk_idle_minutes", "查阅终端空闲返回首页分钟数", 4)
    config, report = load(tmp_path, text.replace("= 2.5", "= 0.001", 1))  # 0.06 s: a second
    assert config is not None and config.kiosk_idle_minutes == 0.001
    [warning] = report.warnings
    assert "读者稍一停顿" in warning.message and warning.line == 4


def test_nesting_thousands_deep_is_an_error_not_a_crash(tmp_path):
    """`x = [[[[…]]]]` 5 000 deep: tomllib reads nested lists recursively, and the build
    ended in a RecursionError traceback."""
    config, report = load(tmp_path, default_config() + "x = " + "[" * 5000 + "]" * 5000 + "\n")
    assert config is None
    assert [d.file for d in report.errors] == ["sitegen.toml"]
    assert "嵌套过深" in report.errors[0].message


@pytest.mark.parametrize("written, hint", [
    ("省级", ""),
    ("区", "（区人民政府请写 “县”）"),
    ("街道", "（街道请写 “乡镇街道”）"),
])
def test_an_organisation_level_outside_the_list_is_a_warning_naming_the_list(tmp_path, written, hint):
    """Found by review: `level` was free text, and a provincial 厅 written as 省 had its annual
    report due by 31 March (a government's) instead of 31 January, without a word. (A
    warning, not an error: a site with its own word keeps building after an upgrade.)"""
    text = default_config().replace('level = "乡镇街道"', f'level = "{written}"', 1)
    config, report = load(tmp_path, text)
    assert config is not None and not report.errors
    [found] = report.warnings
    assert (found.field, found.label) == ("level", "机构层级")
    assert found.line == next(n for n, line in enumerate(text.splitlines(), start=1)
                              if line.startswith("level ="))
    assert found.message.startswith("organization[0].level（机构层级）应为 国务院部门、省、市、县、省级部门、"
                                    f"市级部门、县级部门、乡镇街道、公共企事业单位 之一{hint}，实际为 “{written}”")



def test_specials_and_their_mistakes(tmp_path):
    """[[special]]: 专栏 with a name, a slug (its address) and a description."""
    good = default_config() + '\n[[special]]\nname = "社会救助"\nslug = "shjz"\ndescription = "救助"\n'
    config, report = load(tmp_path, good)
    assert config is not None and not report.errors
    assert [(s.name, s.slug, s.description, s.url) for s in config.specials] == [
        ("社会救助", "shjz", "救助", "special/shjz.html")]
    bad = default_config() + (
        '\n[[special]]\nname = "社会救助"\nslug = "社会救助"\n'
        '\n[[special]]\nname = "社会救助"\nslug = "index"\n'
        '\n[[special]]\nslug = "fxft"\ncolour = "red"\n'
        '\n[[special]]\nname = "防汛"\nslug = "fxft"\n')
    config, report = load(tmp_path, bad)
    assert config is None
    said = [(d.line, d.message) for d in report.errors]
    first = next(n for n, line in enumerate(bad.splitlines(), start=1) if line == 'slug = "社会救助"')
    assert any(line == first and "special[0].slug 只能由小写字母、数字、-、_ 组成" in m for line, m in said), said
    assert any("special[1].slug “index” 会与专栏列表页或分页文件重名" in m for _, m in said), said
    assert any("专栏名称重复：社会救助" in m for _, m in said), said
    assert any("缺少 special[2].name（专栏名称" in m for _, m in said), said
    assert any("专栏 slug 重复：fxft" in m for _, m in said), said
    assert any("colour" in w.message for w in report.warnings), [w.message for w in report.warnings]
    assert any(d.label == "专栏名称" for d in report.errors if d.field == "name"), \
        [(d.label, d.message) for d in report.errors]  # (not 站点名称, the [site] table's name)
    config, report = load(tmp_path, default_config() + (
        '\n[[special]]\nname = "防汛、防台"\nslug = "fxft"\n'
        '\n[[special]]\nname = "fxft"\nslug = "other"\n'))
    said = [d.message for d in report.errors]
    assert any("不能含有空格或 、，；等分隔符号" in m for m in said), said
    assert any("专栏名称“fxft”与专栏“防汛、防台”的网址名相同" in m for m in said), said
    config, report = load(tmp_path, default_config() + (  # found by review: special: [ABC] went to 另一个
        '\n[[special]]\nname = "ABC"\nslug = "abc-x"\n\n[[special]]\nname = "另一个"\nslug = "abc"\n'
        '\n[[special]]\nname = "防汛 防台"\nslug = "fxft"\n'))
    said = [d.message for d in report.errors]
    assert any("专栏名称“ABC”与专栏“另一个”的网址名相同" in m for m in said), said
    assert any("不能含有空格" in m for m in said), said  # (a line of 专栏 splits at spaces too)
    config, report = load(tmp_path, default_config() + '\n[special]\nname = "社会救助"\nslug = "shjz"\n')
    assert any("专栏要写成 [[special]]" in d.message for d in report.errors), [d.message for d in report.errors]
    config, report = load(tmp_path, default_config().replace('slug = "gknb"', 'slug = "special"'))
    assert config is None and any("special" in d.message for d in report.errors), [d.message for d in report.errors]


def test_a_base_url_that_is_a_page_says_which_folder_to_write(tmp_path):
    """Found by review: the home page's address pasted as base_url (…/xxgk/index.html) was
    taken, and every canonical link, feed and sitemap address went below index.html/."""
    text = default_config().replace('base_url = "https://www.example.gov.cn/xxgk/"',
                                    'base_url = "https://www.example.gov.cn/xxgk/index.html"')
    config, report = load(tmp_path, text)
    assert config is None
    (error,) = report.errors
    assert "不是一个页面的地址" in error.message and "应为 “https://www.example.gov.cn/xxgk/”" in error.message
    assert error.line == next(n for n, line in enumerate(text.splitlines(), start=1)
                              if line.startswith("base_url"))
