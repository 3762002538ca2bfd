#!/usr/bin/env python3
"""Generate the PLAINLY FICTIONAL 右玉县林业局（虚构示例） sample in data/youyu-forestry/.

Every person, company, certificate number, credit code, phone number and ID
number written here is invented.  The bureau is modelled on a Shanxi county
forestry bureau (右玉县, 朔州市, division code 140623) only for realism; no
record corresponds to a real entity or person.  Phone numbers (139****0001)
and ID numbers (1406231990****0012) are masked fakes that exist only to prove
that the engine drops private columns.

Regenerate (Python 3.11, standard library only, deterministic):

    python3 data/generate_youyu.py

Writes items.csv, officers.csv, entities.csv (UTF-8 with BOM, as Excel
writes it), history.csv and conflicts.csv next to plan.toml, then re-reads
them and checks their consistency.  The same script always writes the same
bytes: one seeded random.Random(20261009), no clock, sorted iteration, and
only randrange()/random() calls.
"""
import csv
import datetime as dt
from collections import Counter, defaultdict
from pathlib import Path
import random

R = random.Random(20261009)
OUT = Path(__file__).resolve().parent / "youyu-forestry"
PLAN_DATE = dt.date(2026, 10, 9)
LY = "右玉县林业局（虚构示例）"
SC = "右玉县市场监督管理局（虚构示例）"

# Towns with their share (%) of the registry; 新城镇 is the county seat.
TOWNS = {"新城镇": 30, "右卫镇": 13, "威远镇": 11, "元堡子镇": 9, "牛心堡乡": 8,
         "高家堡乡": 7, "白头里乡": 6, "杨千河乡": 6, "李达窑乡": 6, "丁家窑乡": 4}
ZONES = {"Z0": ["新城镇"], "Z1": ["右卫镇", "高家堡乡", "白头里乡"],
         "Z2": ["威远镇", "元堡子镇", "牛心堡乡"], "Z3": ["丁家窑乡", "杨千河乡", "李达窑乡"]}
FIRE_TOWNS = ["威远镇", "牛心堡乡", "李达窑乡"]  # plan.toml: directed 森林防火 task

# --- items -------------------------------------------------------------------
ITEM_HEADER = ["事项编号", "事项名称", "抽查主体", "抽查依据", "抽查对象", "抽查内容", "抽查比例",
               "最少户数", "最多户数", "抽查方式", "抽查频次", "执法类别", "事项类别"]
ITEMS = [  # id, name, basis, objects, content, ratio, min, max, method, frequency, category, level
    ("YYLY-01", "占用征收林地情况检查", "《中华人民共和国森林法》第三十七条、第三十八条；《建设项目使用林地审核审批管理办法》",
     "使用林地单位", "是否依法办理使用林地审核审批手续；是否按批准的面积、地点和用途使用林地；临时使用林地期满后是否恢复植被和林业生产条件",
     "5%", "", "", "现场检查", "每年一次", "林政执法", "一般"),
    ("YYLY-02", "林木采伐情况检查", "《中华人民共和国森林法》第五十六条、第五十七条、第六十一条",
     "林木采伐单位", "是否持林木采伐许可证采伐；是否按许可证规定的地点、面积、蓄积、树种、方式和期限采伐；采伐后是否按期完成更新造林",
     "2%", "2", "", "现场检查", "每年一次", "林政执法", "一般"),
    ("YYLY-03", "林草种子生产经营检查", "《中华人民共和国种子法》第三十一条、第三十六条、第四十一条；《林木种子生产经营许可证管理办法》",
     "林草种子生产经营者", "种子生产经营许可证；种子生产经营档案；种子标签和使用说明；种子质量",
     "0.05", "1", "", "现场检查", "每年一次", "林草种苗", "一般"),
    ("YYLY-04", "林木苗木质量抽查", "《中华人民共和国种子法》第四十八条；《林木种子质量管理办法》",
     "苗木生产经营者", "苗木质量检验（苗高、地径、根系、病虫害）；苗木质量检验合格证和标签",
     "20‰", "2", "", "现场检查", "每年一次", "林草种苗", "一般"),
    ("YYLY-05", "林草种苗生产经营许可检查", "《中华人民共和国种子法》第三十一条至第三十三条；《林木种子生产经营许可证管理办法》",
     "林草种子生产经营者、苗木生产经营者", "是否持证生产经营；是否按许可证载明的种类、范围和有效区域生产经营；许可证有无伪造、涂改、买卖、出租、出借",
     "5%", "", "15", "书面检查", "每年一次", "林草种苗", "一般"),
    ("YYLY-06", "林业植物及其产品检疫检查", "《植物检疫条例》第七条、第八条、第十条；《植物检疫条例实施细则（林业部分）》",
     "苗木生产经营者、木材经营加工企业", "产地检疫合格证、植物检疫证书；调入林业植物及其产品的复检记录；检疫性林业有害生物疫情",
     "2%", "", "", "现场检查", "每年一次", "植物检疫", "一般"),
    ("YYLY-07", "木材经营加工检查", "《中华人民共和国森林法》第六十五条；《中华人民共和国森林法实施条例》第三十四条",
     "木材经营加工企业", "木材原料和产品出入库台账；原料来源合法性证明；是否收购、加工无合法来源证明的木材",
     "5%", "", "", "现场检查", "每年一次", "林政执法", "一般"),
    ("YYLY-08", "野生动物人工繁育检查", "《中华人民共和国野生动物保护法》第二十五条、第二十六条；《中华人民共和国陆生野生动物保护实施条例》",
     "野生动物人工繁育单位", "人工繁育许可证；繁育场所、设施和技术条件；种源来源合法性；繁育档案和个体标识",
     "5%", "1", "", "现场检查", "每年一次", "野生动植物保护", "一般"),
    ("YYLY-09", "野生动物经营利用检查", "《中华人民共和国野生动物保护法》第二十八条、第二十九条、第三十一条",
     "野生动物经营利用单位", "出售、购买、利用野生动物及其制品的批准文件、专用标识和检疫证明；经营利用台账",
     "5%", "", "", "现场检查", "每年一次", "野生动植物保护", "一般"),
    ("YYLY-10", "林业有害生物防治检查", "《森林病虫害防治条例》第十条、第十一条；《中华人民共和国森林法》第三十五条",
     "林业有害生物防治单位", "防治作业方案和药剂药械使用记录；防治效果；松材线虫病等疫情监测报告",
     "5%", "1", "5", "书面检查", "每年一次", "植物检疫", "一般"),
    ("YYLY-11", "森林防火检查", "《森林防火条例》第二十四条、第二十五条；《中华人民共和国森林法》第三十四条",
     "林区生产经营单位", "森林防火责任制落实；防火设施设备和扑火物资储备；野外用火管理；防火期巡护和隐患排查",
     "10%", "2", "", "现场检查", "防火期每季度一次", "森林防火", "重点"),
    ("YYSC-01", "野生动物及其制品交易场所检查", "《中华人民共和国野生动物保护法》第三十二条、第三十三条；《中华人民共和国食品安全法》第三十四条",
     "野生动物经营利用单位", "是否为违法出售、购买、食用野生动物及其制品提供交易服务；合法来源证明和检疫证明；是否违法发布野生动物及其制品广告",
     "5%", "", "", "现场检查", "每年一次", "市场监管", "一般"),
]

# --- officers: unit (cert code), position, categories, zones ----------------
UNITS = {"林政资源股": "01", "林草种苗站": "02", "森林病虫害防治检疫站": "03",
         "自然保护地与野生动植物保护股": "04", "市场监管综合执法队": "51"}
OFFICERS = [
    ("林政资源股", "股长", "林政执法；森林防火", "全部"),
    ("林政资源股", "副股长", "林政执法", "Z0 Z1"),
    ("林政资源股", "科员", "林政执法", "Z0"),
    ("林政资源股", "科员", "林政执法", "Z0"),
    ("林政资源股", "科员", "林政执法", "Z0"),
    ("林政资源股", "科员", "林政执法", "Z0 Z2"),
    ("林政资源股", "科员", "林政执法", "Z1"),
    ("林政资源股", "科员", "林政执法", "Z1"),
    ("林政资源股", "科员", "林政执法、森林防火", "Z2"),
    ("林政资源股", "科员", "林政执法、森林防火", "Z2"),
    ("林政资源股", "科员", "林政执法、森林防火", "Z3"),
    ("林政资源股", "科员", "林政执法", "Z3 Z1"),
    ("林政资源股", "执法队员", "林政执法；森林防火", "Z2 Z3"),
    ("林草种苗站", "站长", "林草种苗；植物检疫", "全部"),
    ("林草种苗站", "副站长", "林草种苗", "Z0 Z1"),
    ("林草种苗站", "科员", "林草种苗", "Z0"),
    ("林草种苗站", "科员", "林草种苗", "Z0"),
    ("林草种苗站", "科员", "林草种苗、植物检疫", "Z1"),
    ("林草种苗站", "科员", "林草种苗", "Z2"),
    ("林草种苗站", "科员", "林草种苗", "Z2 Z3"),
    ("林草种苗站", "科员", "林草种苗", "Z3"),
    ("林草种苗站", "科员", "林草种苗", "Z0 Z1"),
    ("森林病虫害防治检疫站", "站长", "植物检疫；林草种苗", "全部"),
    ("森林病虫害防治检疫站", "副站长", "植物检疫", "Z0 Z1"),
    ("森林病虫害防治检疫站", "科员", "植物检疫", "Z0"),
    ("森林病虫害防治检疫站", "科员", "植物检疫", "Z0"),
    ("森林病虫害防治检疫站", "科员", "植物检疫", "Z1"),
    ("森林病虫害防治检疫站", "科员", "植物检疫、林草种苗", "Z2"),
    ("森林病虫害防治检疫站", "科员", "植物检疫", "Z2"),
    ("森林病虫害防治检疫站", "科员", "植物检疫", "Z3"),
    ("森林病虫害防治检疫站", "科员", "植物检疫、森林防火", "Z3 Z2"),
    ("自然保护地与野生动植物保护股", "股长", "野生动植物保护；林政执法", "全部"),
    ("自然保护地与野生动植物保护股", "副股长", "野生动植物保护、森林防火", "Z0 Z1"),
    ("自然保护地与野生动植物保护股", "科员", "野生动植物保护", "Z0"),
    ("自然保护地与野生动植物保护股", "科员", "野生动植物保护、森林防火", "Z0 Z1"),
    ("自然保护地与野生动植物保护股", "科员", "野生动植物保护、森林防火", "Z2"),
    ("自然保护地与野生动植物保护股", "科员", "野生动植物保护、森林防火", "Z2"),
    ("自然保护地与野生动植物保护股", "科员", "野生动植物保护、森林防火", "Z3"),
    ("自然保护地与野生动植物保护股", "科员", "野生动植物保护", "Z1 Z3"),
    ("自然保护地与野生动植物保护股", "执法队员", "森林防火；野生动植物保护", "Z2 Z3"),
    ("市场监管综合执法队", "队长", "市场监管", "全部"),
    ("市场监管综合执法队", "执法队员", "市场监管", "Z0 Z1"),
    ("市场监管综合执法队", "执法队员", "市场监管", "Z0 Z1"),
    ("市场监管综合执法队", "执法队员", "市场监管", "Z2 Z3"),
    ("市场监管综合执法队", "执法队员", "市场监管", "Z2 Z3"),
    ("市场监管综合执法队", "执法队员", "市场监管", "Z0 Z2"),
]
EXPIRED = {3: "2026-08-31", 19: "2026/06/30"}  # roster index -> lapsed certificate
TRANSFERRED = 33                               # roster index with 状态 调离

# --- entities: object types, weights and name templates ----------------------
TYPES = {  # type: (weight, {town: multiplier}, [(template, code prefix, industry)], [(secondary type, p)])
    "林区生产经营单位": (24, {"威远镇": 2, "牛心堡乡": 2, "李达窑乡": 2, "新城镇": 0.4},
                 [("右玉县{w}造林专业合作社", "93", "林业"), ("右玉县{w}林下经济专业合作社", "93", "林业"),
                  ("右玉县{w}生态旅游开发有限公司", "91", "旅游"), ("右玉县{w}农家乐", "92", "餐饮"),
                  ("右玉县{p}家庭农场", "92", "农业"), ("右玉县{w}牧业有限公司", "91", "畜牧业")],
                 [("林木采伐单位", 0.15)]),
    "林木采伐单位": (20, {"新城镇": 0.5},
               [("右玉县{w}林业专业合作社", "93", "林业"), ("右玉县{w}林木经营有限公司", "91", "林业"),
                ("右玉县{p}家庭农场", "92", "农业"), ("右玉县{w}绿化工程有限公司", "91", "林业")],
               [("林区生产经营单位", 0.15), ("木材经营加工企业", 0.05)]),
    "使用林地单位": (10, {"新城镇": 1.5},
               [("右玉县{w}风力发电有限公司", "91", "电力"), ("右玉县{w}光伏发电有限公司", "91", "电力"),
                ("右玉县{w}建设工程有限公司", "91", "建筑业"), ("右玉县{w}砂石料厂", "92", "采矿业"),
                ("右玉县{w}通信工程有限公司", "91", "信息传输"), ("右玉县{w}养殖场", "92", "畜牧业")],
               [("林区生产经营单位", 0.08)]),
    "苗木生产经营者": (12, {},
                [("右玉县{w}苗木专业合作社", "93", "林业"), ("右玉县{w}苗圃", "92", "林业"),
                 ("右玉县{w}园林绿化有限公司", "91", "林业"), ("右玉县{w}花卉苗木经销部", "92", "批发零售")],
                [("林草种子生产经营者", 0.10)]),
    "木材经营加工企业": (10, {"新城镇": 1.6},
                 [("右玉县{w}木材加工厂", "92", "木材加工"), ("右玉县{w}木业有限公司", "91", "木材加工"),
                  ("右玉县{w}家具厂", "92", "木材加工"), ("右玉县{w}建材经销部", "92", "批发零售")],
                 [("林木采伐单位", 0.06)]),
    "林草种子生产经营者": (5, {},
                  [("右玉县{w}种业有限公司", "91", "农业"), ("右玉县{w}林草种子经销部", "92", "批发零售"),
                   ("右玉县{w}草业专业合作社", "93", "农业")],
                  [("苗木生产经营者", 0.25)]),
    "野生动物经营利用单位": (4, {"新城镇": 2.5, "右卫镇": 1.5},
                   [("右玉县{w}特色餐饮店", "92", "餐饮"), ("右玉县{w}饭庄", "92", "餐饮"),
                    ("右玉县{w}农贸市场有限公司", "91", "批发零售"), ("右玉县{w}土特产经销部", "92", "批发零售")],
                   []),
    "野生动物人工繁育单位": (3, {},
                   [("右玉县{w}特种养殖专业合作社", "93", "畜牧业"), ("右玉县{w}雉鸡养殖场", "92", "畜牧业"),
                    ("右玉县{w}鹿业有限公司", "91", "畜牧业")],
                   [("野生动物经营利用单位", 0.30)]),
    "林业有害生物防治单位": (2.5, {"新城镇": 1.5},
                   [("右玉县{w}林业有害生物防治有限公司", "91", "林业"), ("右玉县{w}植保专业合作社", "93", "农业")],
                   [("苗木生产经营者", 0.10)]),
}
WORDS = ("松涛 青山 绿源 林海 翠岭 杨柳 沙棘 金穗 丰泽 塞上 长青 兴林 瑞丰 鑫盛 宏远 恒达 北岭 绿洲 森茂 禾润 "
         "嘉木 云杉 樟松 苍翠 福林 益民 润农 富源 晨曦 向阳 新绿 春晖 银杏 青松 白桦 华林 众森 泰丰 佳禾 盛源 "
         "松岭 柳溪 绿野 碧波 祥和 聚丰 永盛 万顺 德润 安泰").split()
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾田董袁潘于蒋蔡杜程苏魏吕丁任姚卢姜崔谭范贾郝段雷侯史武"
GIVEN = ("建国 志强 海燕 丽娟 文斌 秀英 玉兰 晓东 俊峰 红梅 永红 国庆 彩霞 鹏飞 利军 春花 宏伟 丽萍 亚军 晓燕 " \
        "志刚 桂兰 振华 卫东 爱玲 浩然 子涵 雨欣 宇航 思远 金凤 保平 润生 二虎 满仓 丰收 瑞芳 建军").split()
PHONE_PREFIXES = "139 138 137 136 135 158 159 186 187 150 151 152 157 181 189 133 130 131 132".split()
NOTES = ["2025年检查发现问题，已整改", "经营场所变更，待核实", "季节性经营", "已纳入重点监管", "新登记"]
ENTITY_HEADER = ["名称", "统一社会信用代码", "行政区划", "对象类型", "所属行业", "信用风险分类", "投诉举报",
                 "经营异常", "严重违法失信", "登记状态", "法定代表人", "联系电话", "备注"]
N_ENTITIES = 2000

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def uscc_check(first17):
    """GB 32100-2015 check character for the first 17 characters."""
    s = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS))
    return USCC_ALPHABET[(31 - s % 31) % 31]


def org_check(body8):
    """GB 11714 check character of an 8-character organisation-code body."""
    s = sum((int(c) if c.isdigit() else ord(c) - 55) * w for c, w in zip(body8, [3, 7, 9, 10, 5, 8, 4, 2]))
    c = 11 - s % 11
    return "X" if c == 10 else "0" if c == 11 else str(c)


def pick(seq):
    return seq[R.randrange(len(seq))]


def weighted(pairs):
    """Pick from (value, weight) pairs using integer weights (stable across Python versions)."""
    total = sum(round(w * 100) for _, w in pairs)
    r = R.randrange(total)
    for value, w in pairs:
        r -= round(w * 100)
        if r < 0:
            return value
    raise AssertionError


def person():
    return pick(SURNAMES) + pick(GIVEN)


def day(start, end):
    return start + dt.timedelta(days=R.randrange((end - start).days + 1))


def make_items():
    return [dict(zip(ITEM_HEADER, (row[0], row[1], SC if row[0].startswith("YYSC") else LY) + row[2:]))
            for row in ITEMS]


def make_officers():
    seq, rows = Counter(), []
    for i, (unit, position, cats, zones) in enumerate(OFFICERS):
        seq[unit] += 1
        towns = "全部" if zones == "全部" else "；".join(t for z in zones.split() for t in ZONES[z])
        y, m = 2027 + R.randrange(4), pick([3, 6, 9, 12])
        last = (dt.date(y + m // 12, m % 12 + 1, 1) - dt.timedelta(days=1)).day
        expiry = [f"{y}-{m:02d}-{last}", f"{y}/{m:02d}/{last}", f"{y}年{m}月{last}日"][i % 3]
        rows.append({"证件编号": f"140623{UNITS[unit]}{seq[unit]:03d}", "姓名": person(), "单位": unit,
                     "部门": SC if unit == "市场监管综合执法队" else LY, "职务": position, "执法类别": cats,
                     "执法区域": towns, "证件有效期": EXPIRED.get(i, expiry),
                     "状态": "调离" if i == TRANSFERRED else "在岗"})
    return rows


def make_entities():
    rows, codes = [], set()
    towns = sorted(TOWNS)
    for i in range(N_ENTITIES):
        town = weighted([(t, TOWNS[t]) for t in towns])
        primary = weighted([(t, w * mult.get(town, 1)) for t, (w, mult, _, _) in TYPES.items()])
        _, _, templates, seconds = TYPES[primary]
        types = [primary] + [t for t, p in seconds if R.random() < p][:1]
        template, prefix, industry = pick(templates)
        word = pick(WORDS) + (pick(WORDS) if R.random() < 0.4 else "")  # 2- or 4-character trade name
        name = template.format(w=word, p=person())
        while True:
            body = "MA0" + "".join(pick(USCC_ALPHABET) for _ in range(5))
            first17 = prefix + "140623" + body + org_check(body)
            code = first17 + uscc_check(first17)
            if code not in codes:
                codes.add(code)
                break
        r = R.random()
        cls = "" if r < 0.03 else "D" if r < 0.048 else "C" if r < 0.098 else "B" if r < 0.5 else "A"
        if cls in ("A", "B") and R.random() < 0.05:  # some registries write 'A类'/'B类'
            cls += "类"
        yes = lambda p: "是" if R.random() < p else "否"
        complaint = yes({"C": 0.15, "D": 0.3}.get(cls, 0.02))
        abnormal = yes({"C": 0.3, "D": 0.4}.get(cls, 0.015))
        serious = yes({"D": 0.5}.get(cls, 0.0))
        r = R.random()
        dead = {"D": 0.35, "C": 0.05}.get(cls, 0.02)
        status = ("吊销" if cls == "D" or r < dead / 3 else "注销") if r < dead else ("在业" if r < 0.2 + dead else "存续")
        note = ""
        if R.random() < 0.05:
            note = "住所无法联系，已列入经营异常名录" if abnormal == "是" else pick(NOTES)
        elif prefix == "92" and R.random() < 0.02:
            note = f"经营者身份证号1406231990****{i + 1:04d}（虚构）"
        rows.append({"名称": name, "统一社会信用代码": code, "行政区划": town, "对象类型": "、".join(types),
                     "所属行业": industry, "信用风险分类": cls, "投诉举报": complaint, "经营异常": abnormal,
                     "严重违法失信": serious, "登记状态": status, "法定代表人": person(),
                     "联系电话": "" if R.random() < 0.03 else f"{pick(PHONE_PREFIXES)}****{i + 1:04d}", "备注": note})
    return rows


def split(s):
    return [p for p in s.replace("；", "、").split("、") if p]


def covers(officer, town):
    regions = split(officer["执法区域"])
    return "全部" in regions or town in regions


def eligible_officers(officers, category, town, on=PLAN_DATE):
    return [o for o in officers if category in split(o["执法类别"]) and covers(o, town)
            and o["状态"] == "在岗" and parse_date(o["证件有效期"]) >= on]


def parse_date(s):
    s = s.replace("/", "-").replace("年", "-").replace("月", "-").rstrip("日")
    y, m, d = map(int, s.split("-"))
    return dt.date(y, m, d)


def matching_items(items, e):
    """Ids of the items whose 抽查对象 share a type with the entity."""
    return sorted(it["事项编号"] for it in items if set(split(it["抽查对象"])) & set(split(e["对象类型"])))


def make_history(items, officers, entities):
    """About 150 past inspections: singles, entities visited twice in 2026, joint visits."""
    cats = {it["事项编号"]: it["执法类别"] for it in items}
    active = [e for e in entities if e["登记状态"] in ("存续", "在业")]
    rows, seen = [], set()

    def team(item_id, town, when):  # status ignored: a transferred officer may have inspected earlier
        pool = sorted(o["证件编号"] for o in officers if cats[item_id] in split(o["执法类别"])
                      and covers(o, town) and parse_date(o["证件有效期"]) >= when)
        a = pick(pool)
        return [a, pick([c for c in pool if c != a])]

    def visit(e, item_ids, when):
        """Add one visit (several rows if joint) unless rotation would leave no team of two later."""
        teams = [sorted(team(i, e["行政区划"], when)) for i in item_ids]
        barred = {c for t in teams for c in t}
        for i in matching_items(items, e):
            left = {o["证件编号"] for o in eligible_officers(officers, cats[i], e["行政区划"])} - barred
            if len(left) < 2:
                return False
        for i, t in zip(item_ids, teams):
            rows.append({"uscc": e["统一社会信用代码"], "item": i, "date": when.isoformat(), "officers": ";".join(t)})
        seen.add(e["统一社会信用代码"])
        return True

    def unseen(cond=lambda e: True):
        return [e for e in active if e["统一社会信用代码"] not in seen and cond(e)]

    y2025, y2026 = (dt.date(2025, 1, 1), dt.date(2025, 12, 31)), (dt.date(2026, 1, 1), dt.date(2026, 9, 30))
    while len(seen) < 112:  # single visits, last year and this year
        e = pick(unseen())
        visit(e, [pick(matching_items(items, e))], day(*pick([y2025, y2025, y2026])))
    for k in range(10):  # already inspected twice in 2026 (yearly cap of 2 reached); mostly high-risk ones
        while True:
            e = pick(unseen(lambda e: len(matching_items(items, e)) >= 2 and (k > 5 or e["信用风险分类"] in ("C", "D"))))
            first, second = sorted([day(*y2026), day(*y2026)])
            a, b = matching_items(items, e)[:2]
            if first < second and visit(e, [b], second):  # only the last visit matters for rotation
                rows.append({"uscc": e["统一社会信用代码"], "item": a, "date": first.isoformat(),
                             "officers": ";".join(sorted(team(a, e["行政区划"], first)))})
                break
    for pair in [("YYLY-09", "YYSC-01")] * 5 + [("YYLY-04", "YYLY-06")] * 3 + [("YYLY-02", "YYLY-11")] * 2:
        while not visit(pick(unseen(lambda e: set(pair) <= set(matching_items(items, e)))), pair,
                        day(*pick([y2025, y2026]))):
            pass  # joint visit: one row per item, same entity and date
    return sorted(rows, key=lambda r: (r["date"], r["uscc"], r["item"]))


def make_conflicts(items, officers, entities, history):
    """About 8 回避 pairs; the first binds an officer who is one of only 3-4 covering that town and category."""
    cats = {it["事项编号"]: it["执法类别"] for it in items}
    visited = {h["uscc"] for h in history}
    free = [e for e in entities if e["登记状态"] in ("存续", "在业") and e["统一社会信用代码"] not in visited]
    rows = []
    thin = sorted((t, c) for t in sorted(TOWNS) for c in sorted(set(cats.values()))
                  if len(eligible_officers(officers, c, t)) == 4)
    while len(rows) < 8:
        if not rows:  # the meaningful one
            town, cat = pick(thin)
            pool = [e for e in free if e["行政区划"] == town and cat in {cats[i] for i in matching_items(items, e)}]
            e, o = pick(pool), pick(eligible_officers(officers, cat, town))
        else:
            o = pick([o for o in officers if o["状态"] == "在岗"])
            pool = [e for e in free if covers(o, e["行政区划"])
                    and set(split(o["执法类别"])) & {cats[i] for i in matching_items(items, e)}]
            e = pick(pool)
        if all(r["uscc"] != e["统一社会信用代码"] for r in rows):
            rows.append({"cert_no": o["证件编号"], "uscc": e["统一社会信用代码"],
                         "reason": pick(["近亲属", "曾在该单位任职", "利害关系"])})
    return rows


def write(name, header, rows, bom=False):
    with open(OUT / name, "w", encoding="utf-8-sig" if bom else "utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=header, lineterminator="\r\n" if bom else "\n")
        w.writeheader()
        w.writerows(rows)


def read(name):
    with open(OUT / name, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def validate():
    """Re-read the files and check the properties the engine and the plan rely on."""
    items, officers, entities = read("items.csv"), read("officers.csv"), read("entities.csv")
    history, conflicts = read("history.csv"), read("conflicts.csv")
    codes = {e["统一社会信用代码"] for e in entities}
    certs = {o["证件编号"] for o in officers}
    item_ids = {it["事项编号"] for it in items}
    assert len(codes) == len(entities) and len(certs) == len(officers) and len(item_ids) == len(items)
    assert uscc_check("9144030071526726X") == "G" and uscc_check("91330100716105852") == "F"
    assert all(uscc_check(c[:17]) == c[17] for c in codes)
    vocabulary = {t for e in entities for t in split(e["对象类型"])}
    assert {t for it in items for t in split(it["抽查对象"])} == vocabulary == set(TYPES)
    active = [e for e in entities if e["登记状态"] in ("存续", "在业")]
    cats = {it["事项编号"]: it["执法类别"] for it in items}
    print("expired:", [o["证件编号"] for o in officers if parse_date(o["证件有效期"]) < PLAN_DATE],
          "transferred:", [o["证件编号"] for o in officers if o["状态"] != "在岗"])
    for cat in sorted(set(cats.values())):
        n = len([o for o in officers if cat in split(o["执法类别"]) and o["状态"] == "在岗"
                 and parse_date(o["证件有效期"]) >= PLAN_DATE])
        assert n >= 4, cat
    # Eligible officers per town and category, and the smallest pairs.
    grid = {(t, c): len(eligible_officers(officers, c, t)) for t in sorted(TOWNS) for c in sorted(set(cats.values()))}
    assert min(grid.values()) >= 3, min(grid.items(), key=lambda kv: kv[1])
    print("town/category pairs with 3-4 eligible officers:", sorted(k for k, v in grid.items() if v <= 4))
    for h in history:
        e = next(e for e in entities if e["统一社会信用代码"] == h["uscc"])
        assert h["item"] in matching_items(items, e) and "2025-01-01" <= h["date"] <= "2026-09-30"
        team = h["officers"].split(";")
        assert len(team) == 2 and all(c in certs for c in team)
        assert all(cats[h["item"]] in split(o["执法类别"]) for o in officers if o["证件编号"] in team)
    assert all(c["cert_no"] in certs and c["uscc"] in codes for c in conflicts)
    for c in conflicts:  # show how much each 回避 bites
        e = next(e for e in entities if e["统一社会信用代码"] == c["uscc"])
        o = next(o for o in officers if o["证件编号"] == c["cert_no"])
        need = sorted({cats[i] for i in matching_items(items, e)} & set(split(o["执法类别"])))
        assert need and covers(o, e["行政区划"])
        print(f"conflict {c['cert_no']} / {c['uscc']} in {e['行政区划']}:",
              ", ".join(f"{k} {grid[(e['行政区划'], k)]} eligible" for k in need))
    # Rotation and 回避 must still leave a team of two for every entity and item it may be drawn for.
    last = {}
    for h in history:  # sorted by date: the last visit (all rows of that date) wins
        if last.get(h["uscc"], ("",))[0] != h["date"]:
            last[h["uscc"]] = (h["date"], set())
        last[h["uscc"]][1].update(h["officers"].split(";"))
    barred = defaultdict(set)
    for c in conflicts:
        barred[c["uscc"]].add(c["cert_no"])
    for e in active:
        code, town = e["统一社会信用代码"], e["行政区划"]
        for i in matching_items(items, e):
            left = {o["证件编号"] for o in eligible_officers(officers, cats[i], town)}
            left -= barred[code] | last.get(code, ("", set()))[1]
            assert len(left) >= 2, (code, town, i, left)
    print("items: active matching entities (in the plan's regions for YYLY-11)")
    for it in items:
        objs = set(split(it["抽查对象"]))
        pool = [e for e in active if objs & set(split(e["对象类型"]))]
        fire = [e for e in pool if e["行政区划"] in FIRE_TOWNS]
        assert len(pool) >= 10, it["事项编号"]
        extra = f" ({len(fire)} in {'、'.join(FIRE_TOWNS)})" if it["事项编号"] == "YYLY-11" else ""
        print(f"  {it['事项编号']} {it['事项名称']}: {len(pool)}{extra}")
    dates = defaultdict(set)
    for h in history:
        dates[h["uscc"]].add(h["date"])
    capped = sum(len({d for d in v if d >= "2026"}) >= 2 for v in dates.values())
    joint = len({(h["uscc"], h["date"]) for h in history}) - len(history)
    print(f"counts: items {len(items)}, officers {len(officers)}, entities {len(entities)} ({len(active)} active), "
          f"history {len(history)} rows ({-joint} joint visits, {capped} entities at the 2026 cap), "
          f"conflicts {len(conflicts)}")


def main():
    items, officers, entities = make_items(), make_officers(), make_entities()
    history = make_history(items, officers, entities)
    conflicts = make_conflicts(items, officers, entities, history)
    write("items.csv", ITEM_HEADER, items)
    write("officers.csv", list(officers[0]), sorted(officers, key=lambda o: o["证件编号"]))
    write("entities.csv", ENTITY_HEADER, entities, bom=True)
    write("history.csv", ["uscc", "item", "date", "officers"], history)
    write("conflicts.csv", ["cert_no", "uscc", "reason"], sorted(conflicts, key=lambda c: (c["cert_no"], c["uscc"])))
    validate()


if __name__ == "__main__":
    main()
