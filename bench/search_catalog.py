"""A deterministic catalog of N government-information items for the search benchmark.

Titles and bodies are put together from a fixed vocabulary of real Chinese government phrases,
with generated place names, people, organisations, 文号 and figures (so that, as in real text,
a few tokens are very frequent and most are rare). Same N and seed, same catalog.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

from sitegen.search import SearchDoc


def _words(text: str) -> list[str]:
    return text.split()


NOUNS = _words("""政府信息公开 政务公开 依申请公开 主动公开 信息公开目录 公开指南 年度报告 财政预算 财政决算 部门预算
三公经费 政府采购 公共资源交易 重大建设项目 城乡社区事务 社会保障 最低生活保障 临时救助 医疗救助 特困人员供养
城镇居民基本医疗保险 养老保险 失业保险 就业援助 公益性岗位 职业技能培训 创业担保贷款 高校毕业生就业 农民工工资
居家养老服务 老年人优待 残疾人两项补贴 计划生育奖励扶助 生育服务证 流动人口服务管理 廉租住房 公共租赁住房
棚户区改造 旧城改造 房屋征收补偿 农村危房改造 城市管理 市容环境卫生 垃圾分类 网格化管理 违法建筑 占道经营
安全生产 消防安全 食品安全 药品安全 特种设备安全 防汛防台 应急预案 突发事件 地质灾害防治 森林防火 气象灾害预警
环境保护 大气污染防治 水污染防治 河长制 土壤污染防治 生态文明建设 节能减排 文明城市创建 社区建设 村务公开
党风廉政建设 作风建设 机关效能建设 行政审批制度改革 放管服改革 优化营商环境 一网通办 政务服务中心 便民服务中心
行政许可 行政处罚 行政强制 行政复议 行政诉讼 信访工作 人民调解 法律援助 普法宣传 平安建设 社会治安综合治理
义务教育 学前教育 教育收费 学生资助 营养改善计划 校舍安全工程 教师招聘 医疗卫生 基本公共卫生服务 家庭医生签约
疫情防控 预防接种 爱国卫生运动 统计信息 国民经济和社会发展 主要经济指标 固定资产投资 招商引资 规模以上工业
农业农村 乡村振兴 脱贫攻坚 高标准农田建设 耕地保护 农村土地承包 农业保险 惠农补贴 种粮农民补贴 农村饮水安全
交通运输 公路建设 农村公路养护 公交优先 停车管理 市场监管 价格监测 消费者权益保护 质量安全 知识产权保护
人事任免 公务员招录 事业单位公开招聘 社区专职工作者 干部培训 机构设置 内设机构 领导分工 工作职责 联系方式
规范性文件 政策解读 公众参与 建议提案办理 人大代表建议 政协委员提案 审计整改 绩效评价 专项资金 转移支付
民族团结进步 宗教事务管理 退役军人服务 双拥工作 优抚对象 慈善捐赠 社会组织登记 志愿服务 未成年人保护 妇女儿童权益""")

VERBS = _words("""加强 推进 落实 完善 开展 组织 实施 规范 建立 健全 提高 做好 深化 强化 优化 推动 保障 促进 加快 抓好
统筹 部署 督促 检查 指导 协调 审核 公示 公布 通报 印发 制定 修订 废止 清理 调整 确认 核查 受理 办理 答复""")

ADVERBS = _words("""进一步 认真 切实 全面 积极 扎实 按时 依法 严格 及时 持续 稳步 主动 统一 分类 分级""")

DOC_TYPES = _words("""通知 公告 公示 办法 实施方案 实施意见 工作情况 工作总结 工作计划 工作要点 报告 规定 决定 批复 通报
办事指南 情况说明 审批结果 管理办法 考核办法 应急预案 资金使用情况 项目进展情况 目录""")

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬斌宇浩凯健俊帆帅旭宁龙林欢阳建国建华建军志强志明海峰晓燕立明海燕春梅秋菊国庆爱民"
PLACE_CHARS = "东西南北中新安康宁和平兴华明光阳山水河湖海江城桥塘湾港沙石林园岭峰溪泉丰盛隆昌泰福祥瑞德仁义礼智信文武高长青红金银云龙凤鹤松竹梅兰菊桃李杏柳"
PLACE_SUFFIX = ["社区", "村", "街道", "镇", "乡", "路", "小区", "大道", "工业园区", "片区"]
ORG_KINDS = ["人民政府", "街道办事处", "发展和改革局", "财政局", "教育局", "民政局", "人力资源和社会保障局",
             "自然资源和规划局", "住房和城乡建设局", "交通运输局", "农业农村局", "卫生健康委员会", "应急管理局",
             "市场监督管理局", "统计局", "医疗保障局", "生态环境分局", "城市管理局", "民族宗教事务局", "司法局"]
COUNTIES = ["镇海区", "江北区", "鄞州区", "海曙区", "北仑区", "奉化区", "余姚市", "慈溪市", "宁海县", "象山县",
            "彬县", "长武县", "旬邑县", "淳化县", "永寿县", "乾县", "礼泉县", "泾阳县", "三原县", "武功县"]
CATEGORIES = ["政府信息公开指南", "政府信息公开制度", "政府信息公开年报", "依申请公开",
              "法定主动公开内容/机构职能/机构设置", "法定主动公开内容/机构职能/领导信息",
              "法定主动公开内容/政策文件/行政规范性文件", "法定主动公开内容/政策文件/其他文件",
              "法定主动公开内容/政策文件/政策解读", "法定主动公开内容/规划计划", "法定主动公开内容/财政预决算",
              "法定主动公开内容/政府采购", "法定主动公开内容/重大建设项目", "法定主动公开内容/统计信息",
              "法定主动公开内容/行政许可和政务服务/办事指南", "法定主动公开内容/行政许可和政务服务/批前公示",
              "法定主动公开内容/行政许可和政务服务/批后公告", "法定主动公开内容/行政处罚和行政强制",
              "法定主动公开内容/民生保障", "法定主动公开内容/应急管理", "法定主动公开内容/人事信息",
              "法定主动公开内容/监督检查", "法定主动公开内容/其他法定公开内容"]


def _zipf(rng: random.Random, items: list[str], s: float = 1.0) -> str:
    """Item i with weight 1/(i+1)^s (few frequent, many rare), cheaply."""
    n = len(items)
    while True:
        i = int(n ** rng.random()) - 1  # log-uniform rank ≈ Zipf with s = 1
        if i < n:
            return items[i]


class Generator:
    def __init__(self, seed: int = 20261127):
        self.rng = random.Random(seed)
        rng = self.rng
        self.places = sorted({rng.choice(PLACE_CHARS) + rng.choice(PLACE_CHARS) + rng.choice(PLACE_SUFFIX)
                              for _ in range(3000)})
        rng.shuffle(self.places)
        self.people = sorted({rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < .6 else "")
                              for _ in range(5000)})
        rng.shuffle(self.people)
        self.orgs = []
        for county in COUNTIES:
            for kind in rng.sample(ORG_KINDS, 10):
                self.orgs.append(county + kind)
        self.abbr = {org: org[0] + rng.choice("政办财教民人住交农卫应市统") + rng.choice(["发", "办", "字", "函", ""]) for org in self.orgs}

    def sentence(self, org: str, year: int) -> str:
        rng = self.rng
        n1, n2 = _zipf(rng, NOUNS), _zipf(rng, NOUNS)
        form = rng.randrange(8)
        if form == 0:
            return f"{rng.choice(ADVERBS)}{rng.choice(VERBS)}{n1}，{rng.choice(VERBS)}{n2}工作。"
        if form == 1:
            return f"根据《{_zipf(rng, self.places)}{n1}管理办法》，{org}{rng.choice(VERBS)}了{n2}的有关规定。"
        if form == 2:
            return (f"{year}年{rng.randint(1, 12)}月，{_zipf(rng, self.places)}共{rng.choice(VERBS)}{n1}"
                    f"{rng.randint(1, 999)}件，涉及资金{rng.randint(1, 9999)}.{rng.randint(0, 99):02d}万元。")
        if form == 3:
            return f"联系人：{_zipf(rng, self.people)}，联系电话：0{rng.randint(10, 999)}-{rng.randint(10000000, 99999999)}。"
        if form == 4:
            return f"{_zipf(rng, self.people)}同志负责{n1}和{n2}，分管{_zipf(rng, NOUNS)}工作。"
        if form == 5:
            return f"各{rng.choice(['社区', '村', '部门', '单位'])}要{rng.choice(ADVERBS)}{rng.choice(VERBS)}{n1}，确保{n2}{rng.choice(['落到实处', '取得实效', '按期完成', '规范有序'])}。"
        if form == 6:
            return f"{_zipf(rng, self.places)}{n1}项目总投资约{rng.randint(10, 90000)}万元，{rng.choice(['已完成', '正在开展', '计划实施'])}{n2}。"
        return f"对{n1}中发现的{rng.randint(1, 300)}个问题，{rng.choice(ADVERBS)}督促整改，整改率达到{rng.randint(60, 100)}%。"

    def docs(self, n: int) -> Iterator[SearchDoc]:
        """n items, oldest first (the order build_index wants), years 2005–2024."""
        rng = self.rng
        for i in range(n):
            year = 2005 + i * 20 // n
            day = (i * 20 % n) * 365 // n
            date = f"{year}-{1 + day // 31 % 12:02d}-{1 + day % 28:02d}"
            org = _zipf(rng, self.orgs)
            topic = _zipf(rng, NOUNS)
            kind = rng.choice(DOC_TYPES)
            title = rng.choice([f"{org}关于{topic}的{kind}", f"{org}{year}年{topic}{kind}",
                                f"{_zipf(rng, self.places)}{topic}{kind}", f"关于印发《{topic}{kind}》的通知"])
            has_no = rng.random() < .35
            doc_no = f"{self.abbr[org]}〔{year}〕{rng.randint(1, 120)}号" if has_no else ""
            sentences = [self.sentence(org, year) for _ in range(rng.randint(8, 34))]
            body = "".join(sentences)
            if rng.random() < .5:  # a few paragraphs wrap inside a sentence, as in Markdown sources
                cut = rng.randrange(len(body))
                body = body[:cut] + " " + body[cut:]
            summary = sentences[0][:120] if rng.random() < .5 else ""
            yield SearchDoc(
                index_no=f"{10000000 + self.orgs.index(org)}X/{year}-{i:06d}",
                title=title, url=f"items/{year}/{i}.html", category=rng.choice(CATEGORIES),
                organization=org, date=date, doc_no=doc_no,
                keywords=tuple(sorted({_zipf(rng, NOUNS) for _ in range(rng.randint(2, 4))})),
                summary=summary, validity="有效" if rng.random() < .93 else rng.choice(["失效", "废止"]),
                body=body)


def catalog(n: int, seed: int = 20261127) -> list[SearchDoc]:
    return list(Generator(seed).docs(n))


TYPICAL_QUERIES = ["财政 预算", "最低生活保障 审批", "安全生产 检查", "居家养老 服务", "政府信息公开 年度报告",
                   "廉租住房 公示", "防汛 应急预案", "公开招聘 社区", "垃圾分类 通知", "就业援助 公益性岗位"]
