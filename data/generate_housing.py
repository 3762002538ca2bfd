#!/usr/bin/env python3
"""Generate the PLAINLY FICTIONAL 右玉县住房和城乡建设局（虚构示例） sample in
data/youyu-housing/: a county housing bureau that draws construction projects
(按项目随机), identified by project codes (项目编号, SPEC.md §1.8), not by
unified social credit codes.

Every project, company, code, certificate number and person written here is
invented; the county is named for realism only. The 负责人 column holds a
masked fake and exists only to show that personal data is dropped.

Regenerate (Python 3.11, standard library only, deterministic):

    python3 data/generate_housing.py

Writes items.csv, officers.csv, entities.csv, history.csv and conflicts.csv
next to plan.toml (which is written by hand). One seeded random.Random, no
clock: the same script always writes the same bytes.
"""
import os, random, sys
OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "youyu-housing")
rng = random.Random(20261009)
AUTH = "右玉县住房和城乡建设局（虚构示例）"
towns = ["新城镇"] * 6 + ["右卫镇", "威远镇", "元堡子镇", "牛心堡乡", "白头里乡", "高家堡乡", "杨千河乡"]
kinds = [("房屋建筑工程", ["住宅楼", "综合楼", "教学楼", "厂房", "仓储用房", "卫生院门诊楼", "安置房", "商业综合体"]),
         ("市政基础设施工程", ["道路改造", "供热管网", "给排水管网", "污水处理厂", "桥梁", "燃气管道", "公园绿化"])]
streets = ["玉林", "长城", "苍头河", "杀虎口", "绿源", "松涛", "右卫", "和平", "南山", "北岭", "东关", "西街"]
builders = ["右玉县恒泰建筑工程有限公司", "朔州市鑫源建设集团有限公司", "右玉县绿城市政工程有限公司",
            "山西晋北路桥建设有限公司", "右玉县宏达建筑安装有限公司", "朔州市诚信建设工程有限公司"]
credit = ["A", "A", "B", "B", "B", "B", "C", "", "", "D"]
status = ["在建"] * 12 + ["停工", "竣工", ""]
rows = []
seen = set()
for n in range(1, 137):
    year = rng.choice([2024, 2025, 2025, 2026, 2026, 2026])
    code = f"JS-{year}-{n:04d}"
    kind, subs = rng.choice(kinds)
    town = rng.choice(towns)
    sub = rng.choice(subs)
    street = rng.choice(streets)
    name = f"右玉县{town}{street}{sub}项目（虚构）" if kind == "房屋建筑工程" else f"右玉县{town}{street}片区{sub}工程（虚构）"
    while name in seen:
        name = name.replace("（虚构）", "二期（虚构）")
    seen.add(name)
    rows.append([code, name, kind, town, rng.choice(builders), rng.choice(credit), rng.choice(["否"] * 9 + ["是"]), rng.choice(status)])
# a lower-case and a full-width code: read as the canonical JS-… (SPEC.md §1.8)
rows[3][0] = rows[3][0].lower()
rows[7][0] = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in rows[7][0])
with open(os.path.join(OUT, "entities.csv"), "w", encoding="utf-8", newline="") as f:
    f.write("项目编号,项目名称,对象类型,乡镇,施工单位,信用风险分类,投诉举报,状态,负责人\n")
    for r in rows:
        f.write(",".join(r + ["张**"]) + "\n")
codes = [r[0].upper() if "－" not in r[0] else r[0] for r in rows]
canon = ["".join(chr(ord(c) - 0xFEE0) if "！" <= c <= "～" else c for c in r[0]).upper() for r in rows]

officers = []
surnames = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
given = ["建国", "海燕", "志强", "丽华", "永军", "晓东", "秀英", "文斌", "春梅", "国庆", "红霞", "振华", "玉兰", "建军", "桂芳", "卫东", "淑珍", "俊杰"]
units = [("质量安全监督站", "建设工程质量安全监督"), ("建筑市场监管股", "建筑市场监管")]
k = 0
for ui, (unit, cat) in enumerate(units):
    for j in range(8):
        k += 1
        cert = f"1406230{ui + 5}{j + 1:03d}"
        regions = "全部" if j < 3 else "；".join(sorted(set(rng.sample(["新城镇", "右卫镇", "威远镇", "元堡子镇", "牛心堡乡", "白头里乡", "高家堡乡", "杨千河乡"], 4)) | {"新城镇"}))
        cats = cat if j != 0 else "建设工程质量安全监督；建筑市场监管"
        exp = rng.choice(["2028-12-31", "2029-06-30", "2027-12-31"])
        officers.append([cert, rng.choice(surnames) + rng.choice(given), unit, AUTH, "科员" if j else "站长", cats, regions, exp, "在岗"])
with open(os.path.join(OUT, "officers.csv"), "w", encoding="utf-8", newline="") as f:
    f.write("证件编号,姓名,单位,部门,职务,执法类别,执法区域,证件有效期,状态\n")
    for o in officers:
        f.write(",".join(o) + "\n")

items = [
    ["ZJ-01", "建筑工程施工许可情况检查", "《中华人民共和国建筑法》第七条、第八条；《建筑工程施工许可管理办法》", "房屋建筑工程", "是否依法取得施工许可证；施工许可条件是否持续满足", "10%", "建筑市场监管"],
    ["ZJ-02", "在建工程质量安全检查", "《建设工程质量管理条例》第四十三条；《建设工程安全生产管理条例》第四十条", "房屋建筑工程；市政基础设施工程", "质量行为；实体质量；安全生产责任制；危大工程管控", "不低于5%", "建设工程质量安全监督"],
    ["ZJ-03", "市政基础设施工程质量检查", "《建设工程质量管理条例》；《市政基础设施工程质量检测管理规定》", "市政基础设施工程", "原材料检测；隐蔽工程验收；质量控制资料", "10%-30%", "建设工程质量安全监督"],
    ["ZJ-04", "施工现场扬尘污染防治检查", "《中华人民共和国大气污染防治法》第六十九条", "房屋建筑工程；市政基础设施工程", "围挡、覆盖、冲洗、硬化、湿法作业、密闭运输", "5%", "建设工程质量安全监督"],
    ["ZJ-05", "农民工工资支付情况检查", "《保障农民工工资支付条例》第二十八条至第三十一条", "房屋建筑工程；市政基础设施工程", "实名制管理；工资专用账户；工资保证金；维权信息公示", "3%;2次/年", "建筑市场监管"],
]
with open(os.path.join(OUT, "items.csv"), "w", encoding="utf-8", newline="") as f:
    f.write("事项编号,事项名称,抽查主体,抽查依据,抽查对象,抽查内容,抽查比例,最少户数,抽查方式,抽查频次,执法类别,事项类别\n")
    for it in items:
        mn = "2" if it[0] in ("ZJ-01", "ZJ-03") else ""
        f.write(",".join([it[0], it[1], AUTH, it[2], it[3], it[4], it[5], mn, "现场检查", "每季度一次", it[6], "重点" if it[0] == "ZJ-02" else "一般"]) + "\n")

hist = []
certs_q = [o[0] for o in officers if o[5].startswith("建设工程质量") or "；" in o[5]]
certs_m = [o[0] for o in officers if "建筑市场监管" in o[5]]
pairs = set()
for _ in range(40):
    i = rng.randrange(len(canon))
    it = rng.choice(items)[0]
    d = f"2026-{rng.randint(1, 9):02d}-{rng.randint(1, 28):02d}"
    if (canon[i], it, d) in pairs:
        continue
    pairs.add((canon[i], it, d))
    pool = certs_m if it in ("ZJ-01", "ZJ-05") else certs_q
    hist.append([canon[i], it, d, ";".join(sorted(rng.sample(pool, 2)))])
hist.sort()
with open(os.path.join(OUT, "history.csv"), "w", encoding="utf-8", newline="") as f:
    f.write("项目编号,事项编号,检查日期,检查人员\n")
    for h in hist:
        f.write(",".join(h) + "\n")
with open(os.path.join(OUT, "conflicts.csv"), "w", encoding="utf-8", newline="") as f:
    f.write("证件编号,项目编号,回避事由\n")
    used = set()
    for _ in range(8):
        o = rng.choice(officers)[0]
        c = rng.choice(canon)
        if (o, c) in used:
            continue
        used.add((o, c))
        f.write(f"{o},{c},{rng.choice(['近亲属在施工单位任职', '曾在施工单位任职', '利害关系'])}\n")
