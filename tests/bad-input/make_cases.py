#!/usr/bin/env python3
"""Writes the bad-input corpus: one folder per case, holding only the files
that differ from _base/. The test (crates/cli/tests/bad_input.rs) copies
_base/, lays the case's files over it, runs ssj, and compares the exit code
and stderr with the case's `expected.stderr` (bless: SSJ_BLESS=1).

Run: python3 tests/bad-input/make_cases.py   (deterministic; stdlib only)
"""
import os
import shutil

HERE = os.path.dirname(os.path.abspath(__file__))
BASE = os.path.join(HERE, "_base")


def base(name):
    with open(os.path.join(BASE, name), "rb") as f:
        return f.read()


def text(name):
    return base(name).decode("utf-8")


CASES = {}


def case(name, **files):
    CASES[name] = {k.replace("_csv", ".csv").replace("_toml", ".toml"): v for k, v in files.items()}


def line_replace(name, n, new):
    lines = text(name).split("\n")
    lines[n - 1] = new
    return "\n".join(lines)


# --- CSV structure -----------------------------------------------------------
case("empty-entities", entities_csv=b"")
case("header-only-items", items_csv=text("items.csv").split("\n")[0] + "\n")
case("blank-lines-only", officers_csv="\n\n  \n")
case("ragged-row-short", entities_csv=text("entities.csv") + "91110000100010433L,丁公司\n")
case("ragged-row-long", officers_csv=text("officers.csv") + "14060004,赵六,林政股,林政执法,全部,2028-12-31,多余\n")
case("truncated-file", entities_csv=text("entities.csv")[:-25])
case("unterminated-quote", entities_csv=text("entities.csv") + '91110000100010433L,"丁公司,林木采伐单位,新城镇,A,存续\n')
case("missing-required-column", entities_csv="统一社会信用代码,名称,行政区划\n9144030071526726XG,甲公司,威远镇\n")
case("duplicate-column", entities_csv="uscc,统一社会信用代码,名称,对象类型,行政区划\n9144030071526726XG,9144030071526726XG,甲公司,林木采伐单位,威远镇\n")
case("mixed-crlf", entities_csv=text("entities.csv").replace("\n", "\r\n", 2).replace("9144030071526726XG", "9144030071526726XH"))
# two exports pasted together: the second one's BOM and header land mid-file
case("bom-in-the-middle", entities_csv=base("entities.csv") + b"\xef\xbb\xbf" + base("entities.csv").split(b"\n")[0] + b"\n")

# a title above the header, and the header lacks a column: the error names the header's line
case("title-row-missing-column", entities_csv="某县检查对象名录（2026年）,,\n\n统一社会信用代码,名称,行政区划\n9144030071526726XG,甲公司,威远镇\n")

# --- encodings ---------------------------------------------------------------
gbk_entities = text("entities.csv").encode("gbk")
case("gbk-declared-utf8", entities_csv=gbk_entities,
     plan_toml=text("plan.toml").replace('conflicts = "conflicts.csv"', 'conflicts = "conflicts.csv"\nencoding = "utf-8"'))
case("utf8-declared-gbk", entities_csv=text("entities.csv").replace("甲公司", "甲公司€"),
     plan_toml=text("plan.toml").replace('conflicts = "conflicts.csv"', 'conflicts = "conflicts.csv"\nencoding = "gbk"'))
case("invalid-utf8-late", entities_csv=base("entities.csv") + b"91110000100010433L,\xff\xfe,x,y\n",
     plan_toml=text("plan.toml").replace('conflicts = "conflicts.csv"', 'conflicts = "conflicts.csv"\nencoding = "utf-8"'))
case("non-utf8-plan", plan_toml=text("plan.toml").replace("某县林业局（测试）", "某县林业局").encode("gbk"))

# --- ids and codes -----------------------------------------------------------
case("duplicate-entity", entities_csv=text("entities.csv") + "9144030071526726XG,甲公司分号,林木采伐单位,威远镇,A,存续\n")
case("duplicate-officer", officers_csv=text("officers.csv") + "14060001,张三同名,林政股,林政执法,全部,2028-12-31\n")
case("duplicate-item", items_csv=text("items.csv") + "LY-01,重复事项,某县林业局（测试）,森林法,林木采伐单位,5%,林政执法,一般\n")
case("uscc-check-character", entities_csv=text("entities.csv").replace("91330100716105852F", "91330100716105852E"))
case("uscc-too-short", entities_csv=text("entities.csv").replace("91330100716105852F", "9133010071610585"))
case("uscc-forbidden-letter", entities_csv=text("entities.csv").replace("91330100716105852F", "91330100716I05852F"))
case("uscc-empty", entities_csv=text("entities.csv").replace("91330100716105852F", ""))
# a spreadsheet showed the certificate number as 1.406E+07 and saved it so
case("cert-number-in-scientific-notation", officers_csv=text("officers.csv").replace("14060002,", "1.406E+07,", 1))
# a title line above the header is skipped with a warning; the ratio error still stops the draw
case("title-row-above-header", items_csv="某县林业局随机抽查事项清单\n" + text("items.csv").replace("50%,林政执法", "五成,林政执法"))

# --- references --------------------------------------------------------------
case("history-unknown-item", history_csv="uscc,item,date,officers\n9144030071526726XG,LY-09,2025-11-02,14060001;14060002\n")
case("history-unknown-entity", history_csv="uscc,item,date,officers\n9144030071526726XA,LY-01,2025-11-02,14060001\n")
case("history-unknown-officer", history_csv="uscc,item,date,officers\n9144030071526726XG,LY-01,2025-11-02,14069999\n")
case("history-duplicate", history_csv="uscc,item,date,officers\n9144030071526726XG,LY-01,2025-11-02,14060001;14060002\n9144030071526726XG,LY-01,2025-11-02,14060001\n9144030071526726XA,LY-01,2025-11-03,14060001\n")
# a quote opening the LAST cell and never closed swallows the records after
# it into that cell: the cell counts stay right, so only the quote state at
# the end of the file shows it (a conflict pair would otherwise be lost)
case("unclosed-quote-last-cell", conflicts_csv='cert_no,uscc,reason\n14060003,91330100716105852F,"近亲属\n14060001,9144030071526726XG,原单位\n')
case("conflict-unknown-officer", conflicts_csv="cert_no,uscc,reason\n14069999,91330100716105852F,近亲属\n")
case("conflict-unknown-entity", conflicts_csv="cert_no,uscc,reason\n14060001,91330100716105853F,近亲属\n")
case("category-held-by-nobody", items_csv=text("items.csv").replace("植物检疫,一般", "野生动物,一般"))
case("task-unknown-item", plan_toml=text("plan.toml") + '\n[[tasks]]\nitems = ["LY-07"]\n')
case("task-item-twice", plan_toml=text("plan.toml") + '\n[[tasks]]\nitems = ["LY-01"]\n\n[[tasks]]\nitems = ["LY-02", "LY-01"]\n')

# --- values ------------------------------------------------------------------
case("ratio-zero", items_csv=text("items.csv").replace("50%,林政执法", "0,林政执法"))
case("ratio-101-percent", items_csv=text("items.csv").replace("50%,林政执法", "101%,林政执法"))
case("ratio-negative", items_csv=text("items.csv").replace("50%,林政执法", "-5%,林政执法"))
case("ratio-words", items_csv=text("items.csv").replace("50%,林政执法", "五成,林政执法"))
# a range in the list: the plan's task states the ratio drawn, inside it (SPEC §1.4, §1.7)
case("item-range-without-task-ratio", items_csv=text("items.csv").replace("50%,林政执法", "10%-30%,林政执法"))
case("task-ratio-outside-item-range", items_csv=text("items.csv").replace("50%,林政执法", "不低于10%，不高于30%,林政执法"),
     plan_toml=text("plan.toml") + '\n[[tasks]]\nitems = ["LY-01"]\nratio = "40%"\n\n[[tasks]]\nitems = ["LY-02"]\ncount = 3\n')
# SPEC §6.5: a batch that is not k/n with 1 <= k <= n <= 1000, and batch with year_share
case("task-batch-malformed", plan_toml=text("plan.toml") + '\n[[tasks]]\nitems = ["LY-01"]\nbatch = "5/4"\n')
case("task-batch-and-year-share", plan_toml=text("plan.toml") + '\n[[tasks]]\nitems = ["LY-01"]\nbatch = "1/4"\nyear_share = "25%"\n')
case("task-group-ratios-without-column", plan_toml=text("plan.toml") + '\n[[tasks]]\nitems = ["LY-01"]\ngroup_ratios = { "三级" = "50%" }\n')
case("task-group-column-unknown", plan_toml=text("plan.toml") + '\n[[tasks]]\nitems = ["LY-01"]\ngroup_by = "grade"\ngroup_ratios = { "三级" = "50%" }\n')
case("task-group-value-twice", plan_toml=text("plan.toml") + '\n[[tasks]]\nitems = ["LY-01"]\ngroup_by = "types"\ngroup_ratios = { "三级" = "50%", "三级 " = "30%" }\n')
# a list cell with ratios per group (SPEC §1.4 per-group form): the task states the numbers, each group's
# ratio at least the list's minimum for it (SPEC §1.7)
PER_GROUP_CELL = '"每年对三级定点医疗机构抽查比例之和≥50%，二级≥30%，抽取一定比例的一级"'
case("item-per-group-without-task-number",
     items_csv=text("items.csv").replace("林木采伐单位,50%,林政执法", "林木采伐单位," + PER_GROUP_CELL + ",林政执法"))
# group ratios alone are not enough: the list names some groups, never the rest, so the task states
# the ratio for the objects in no group it names (taking them whole is never assumed)
case("item-per-group-group-ratios-without-ratio",
     items_csv=text("items.csv").replace("林木采伐单位,50%,林政执法", "林木采伐单位," + PER_GROUP_CELL + ",林政执法"),
     plan_toml=text("plan.toml") + '\n[[tasks]]\nitems = ["LY-01"]\ngroup_by = "types"\ngroup_ratios = { "三级" = "50%", "二级" = "30%" }\n\n[[tasks]]\nitems = ["LY-02"]\n')
case("task-group-ratio-below-item-minimum",
     items_csv=text("items.csv").replace("林木采伐单位,50%,林政执法", "林木采伐单位," + PER_GROUP_CELL + ",林政执法"),
     plan_toml=text("plan.toml") + '\n[[tasks]]\nitems = ["LY-01"]\nratio = "10%"\ngroup_by = "types"\ngroup_ratios = { "三级" = "40%", "二级" = "30%" }\n\n[[tasks]]\nitems = ["LY-02"]\n')
case("min-above-max", items_csv="事项编号,事项名称,抽查主体,抽查依据,抽查对象,抽查比例,最少户数,最多户数,执法类别\nLY-01,林木采伐检查,某县林业局（测试）,森林法,林木采伐单位,5%,9,3,林政执法\nLY-02,植物检疫检查,某县林业局（测试）,植物检疫条例,苗木生产经营者,5%,,,植物检疫\n")
case("impossible-date", officers_csv=text("officers.csv").replace("2028-12-31", "2027-02-29", 1))
case("malformed-date", history_csv="uscc,item,date,officers\n9144030071526726XG,LY-01,去年十一月,14060001\n")
case("bad-credit-class", entities_csv=text("entities.csv").replace(",A,存续", ",E,存续"))
case("bad-status", entities_csv=text("entities.csv").replace(",B,存续", ",B,歇菜"))
case("bad-flag", entities_csv=text("entities.csv").replace("登记状态", "登记状态,投诉举报").replace("存续\n", "存续,否\n").replace("存续,否\n", "存续,也许\n", 1))
case("empty-required-value", items_csv=text("items.csv").replace("森林法第五十六条", ""))
case("level-unknown", items_csv=text("items.csv").replace("植物检疫,一般", "植物检疫,特别"))

# --- plan --------------------------------------------------------------------
case("team-size-one", plan_toml=text("plan.toml").replace("team_size = 2", "team_size = 1"))
case("team-size-zero", plan_toml=text("plan.toml").replace("team_size = 2", "team_size = 0"))
case("team-size-negative", plan_toml=text("plan.toml").replace("team_size = 2", "team_size = -2"))
case("plan-unknown-key", plan_toml=text("plan.toml").replace("team_size = 2", "team_size = 2\nteam_sise = 3"))
case("plan-missing-section", plan_toml=text("plan.toml").split("[inputs]")[0])
case("plan-period-reversed", plan_toml=text("plan.toml").replace("period_end = 2026-12-31", "period_end = 2026-09-30"))
case("plan-impossible-date", plan_toml=text("plan.toml").replace("2026-12-31", "2026-11-31"))
case("plan-names-missing-file", plan_toml=text("plan.toml").replace('"history.csv"', '"history-2025.csv"'))
# a registry that cannot be opened is one error, not one more for every
# history and conflicts row naming an entity
case("plan-names-missing-registry", plan_toml=text("plan.toml").replace('"entities.csv"', '"entities-2026.csv"'))
case("plan-names-directory", plan_toml=text("plan.toml").replace('"conflicts.csv"', '"."'))
# inputs stay in the plan's folder; a file that is not a table of ours is not echoed
case("plan-input-outside", plan_toml=text("plan.toml").replace('"conflicts.csv"', '"../secret.txt"'))
case("plan-input-absolute", plan_toml=text("plan.toml").replace('"conflicts.csv"', '"/etc/passwd"'))
case("input-not-a-table", conflicts_csv="db_password = hunter2-do-not-print\nsecond line\n")
case("plan-bad-encoding-name", plan_toml=text("plan.toml").replace('conflicts = "conflicts.csv"', 'conflicts = "conflicts.csv"\nencoding = "big5"'))
case("plan-empty-seed-source", plan_toml=text("plan.toml").replace('seed_source = "dice rolled in public"', 'seed_source = "  "'))
case("plan-zero-yearly-cap", plan_toml=text("plan.toml").replace("team_size = 2", "team_size = 2\nmax_per_year = 0"))
case("plan-not-toml", plan_toml="这不是一个计划文件\n")

# --- limits ------------------------------------------------------------------
case("line-too-long", entities_csv=text("entities.csv") + "91110000100010433L," + "长" * 2000 + ",林木采伐单位,新城镇,A,存续\n",
     plan_toml=text("plan.toml").replace('conflicts = "conflicts.csv"', 'conflicts = "conflicts.csv"\nmax_line_bytes = 4096'))

# --- SPEC §1.4, §1.6, §1.7: the rules an outsider must not guess ----------------
case("ratio-too-precise", items_csv=text("items.csv").replace("50%,林政执法", "5.00000000000%,林政执法"))
case("count-negative", items_csv="事项编号,事项名称,抽查主体,抽查依据,抽查对象,抽查比例,最少户数,执法类别\nLY-01,林木采伐检查,某县林业局（测试）,森林法,林木采伐单位,5%,-1,林政执法\nLY-02,植物检疫检查,某县林业局（测试）,植物检疫条例,苗木生产经营者,5%,,植物检疫\n")
case("record-too-long", entities_csv=text("entities.csv") + '91110000100010433L,"' + ("长" * 1000 + "\n") * 3 + '",林木采伐单位,新城镇,A,存续\n',
     plan_toml=text("plan.toml").replace('conflicts = "conflicts.csv"', 'conflicts = "conflicts.csv"\nmax_line_bytes = 4096'))
case("plan-class-ratio-number", plan_toml=text("plan.toml") + "\n[rules.class_ratios]\nD = 1.0\n")
case("plan-class-ratio-lowercase-key", plan_toml=text("plan.toml") + '\n[rules.class_ratios]\nd = "100%"\n')
case("plan-credit-class-lowercase", plan_toml=text("plan.toml") + '\n[[tasks]]\nitems = ["LY-01"]\ncredit_classes = ["a"]\n')
case("plan-encoding-upper-case", plan_toml=text("plan.toml").replace('conflicts = "conflicts.csv"', 'conflicts = "conflicts.csv"\nencoding = "UTF-8"'))
case("plan-datetime", plan_toml=text("plan.toml").replace("period_start = 2026-10-01", "period_start = 2026-10-01T08:00:00"))
case("plan-withhold-entities", plan_toml=text("plan.toml") + '\n[disclosure]\nwithhold = ["entities"]\n')
case("task-item-twice-after-id", plan_toml=text("plan.toml") + '\n[[tasks]]\nitems = ["ly-01", "LY-01"]\n')

# --- a registry of another id scheme (SPEC.md §1.8) ---------------------------
def project_plan(pattern=None):
    reg = '\n[registry]\nscheme = "project"\n' + (f'pattern = "{pattern}"\n' if pattern else "")
    return text("plan.toml").replace("\n[rules]", reg + "\n[rules]")


PROJECT_ENTITIES = ("项目编号,项目名称,对象类型,乡镇,统一社会信用代码\n"
                    "XM-0001,甲项目,林木采伐单位,威远镇,9144030071526726XG\n"
                    "XM-0002,乙项目,苗木生产经营者,新城镇,\n"
                    "XM-0003,丙项目,林木采伐单位、苗木生产经营者,新城镇,\n")
PROJECT_HISTORY = "项目编号,事项编号,检查日期,检查人员\nXM-0001,LY-01,2025-11-02,14060001;14060002\n"
PROJECT_CONFLICTS = "证件编号,项目编号,回避事由\n14060003,XM-0002,近亲属\n"


def project_case(name, pattern=None, entities=PROJECT_ENTITIES, history=PROJECT_HISTORY,
                 conflicts=PROJECT_CONFLICTS):
    case(name, plan_toml=project_plan(pattern), entities_csv=entities, history_csv=history,
         conflicts_csv=conflicts)


project_case("unit-code-bad-character", entities=PROJECT_ENTITIES.replace("XM-0002,", "XM 0002,"),
             conflicts=PROJECT_CONFLICTS.replace("XM-0002", "XM-0003"))
project_case("unit-code-pattern", pattern="xm-####",
             entities=PROJECT_ENTITIES.replace("XM-0002,", "XM-02,").replace("XM-0003,", "XM-00A3,"),
             conflicts=PROJECT_CONFLICTS.replace("XM-0002", "XM-0001"))
project_case("unit-code-too-long", entities=PROJECT_ENTITIES.replace("XM-0003,", "XM-" + "0" * 62 + ","),
             conflicts=PROJECT_CONFLICTS)
# lower case and full width are the same code (id() of §1.2): a duplicate
project_case("unit-code-duplicate", entities=PROJECT_ENTITIES + "ｘｍ－０００１,甲项目二期,林木采伐单位,威远镇,\n")
project_case("unit-code-unknown-reference", history=PROJECT_HISTORY + "XM-0009,LY-01,2025-11-03,14060001\n",
             conflicts=PROJECT_CONFLICTS + "14060001,XM-0008,利害关系\n")
# the USCC column is not the id of a project registry
project_case("unit-id-column-missing",
             entities="统一社会信用代码,项目名称,对象类型,乡镇\n9144030071526726XG,甲项目,林木采伐单位,威远镇\n")
case("registry-pattern-for-uscc", plan_toml=text("plan.toml").replace(
    "\n[rules]", '\n[registry]\nscheme = "uscc"\npattern = "##"\n\n[rules]'))
case("registry-unknown-scheme", plan_toml=text("plan.toml").replace(
    "\n[rules]", '\n[registry]\nscheme = "building"\n\n[rules]'))
project_case("registry-bad-pattern", pattern="XM ####")

# --- several problems at once: all reported in one run -------------------------
case("many-errors-one-pass",
     items_csv=text("items.csv").replace("50%,林政执法", "0%,林政执法"),
     entities_csv=text("entities.csv").replace("91330100716105852F", "91330100716105852E").replace(",A,存续", ",E,存续"),
     conflicts_csv="cert_no,uscc,reason\n14069999,9144030071526726XG,利害关系\n")


def main():
    for name in sorted(os.listdir(HERE)):
        p = os.path.join(HERE, name)
        if os.path.isdir(p) and name != "_base" and name not in CASES:
            shutil.rmtree(p)
    for name, files in sorted(CASES.items()):
        d = os.path.join(HERE, name)
        os.makedirs(d, exist_ok=True)
        for f in os.listdir(d):
            if f != "expected.stderr" and f not in files:
                os.remove(os.path.join(d, f))
        for fname, content in files.items():
            data = content.encode("utf-8") if isinstance(content, str) else content
            with open(os.path.join(d, fname), "wb") as fh:
                fh.write(data)
    print(f"{len(CASES)} cases")


if __name__ == "__main__":
    main()
