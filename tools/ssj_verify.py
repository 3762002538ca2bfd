#!/usr/bin/env python3
"""Independent re-implementation of the `ssj-draw-v1` draw, written from SPEC.md only.

Usage:
    ssj_verify.py PLAN_DIR SEED_TEXT [-o OUT.json] [--expected EXPECTED.json]
    ssj_verify.py --selftest

Standard library only (Python 3.11).

Header names (§1.3), value vocabularies (§1.4), plan filter sets (§2.3) and the
result layout (§10) follow SPEC.md. Not implemented: non-UTF-8 input encodings,
the validity checks of §1.5 and the wording of infeasibility messages (§8.3).
Assumption: the whitespace set of §3 is also the "space" of §1.2.
"""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
import struct
import sys
import tomllib
from collections import Counter, defaultdict, deque

ALGORITHM = "ssj-draw-v1"

# --------------------------------------------------------------------------
# Primitives (SPEC "Notation")
# --------------------------------------------------------------------------

def put(s) -> bytes:
    b = s.encode("utf-8") if isinstance(s, str) else bytes(s)
    return struct.pack(">I", len(b)) + b


def u64be(n: int) -> bytes:
    return struct.pack(">Q", n)


def H(b: bytes) -> bytes:
    return hashlib.sha256(b).digest()


def bkey(s: str) -> bytes:
    """Bytewise sort key."""
    return s.encode("utf-8")


# --------------------------------------------------------------------------
# ChaCha20 (RFC 8439 §2.3) and below(n) (SPEC §9)
# --------------------------------------------------------------------------

M32 = 0xFFFFFFFF


def _rotl(x, n):
    return ((x << n) | (x >> (32 - n))) & M32


def _qr(s, a, b, c, d):
    s[a] = (s[a] + s[b]) & M32; s[d] = _rotl(s[d] ^ s[a], 16)
    s[c] = (s[c] + s[d]) & M32; s[b] = _rotl(s[b] ^ s[c], 12)
    s[a] = (s[a] + s[b]) & M32; s[d] = _rotl(s[d] ^ s[a], 8)
    s[c] = (s[c] + s[d]) & M32; s[b] = _rotl(s[b] ^ s[c], 7)


def chacha20_block_words(key: bytes, counter: int, nonce: bytes) -> list[int]:
    assert len(key) == 32 and len(nonce) == 12
    st = [0x61707865, 0x3320646E, 0x79622D32, 0x6B206574]
    st += list(struct.unpack("<8I", key))
    st += [counter & M32]
    st += list(struct.unpack("<3I", nonce))
    w = st[:]
    for _ in range(10):
        _qr(w, 0, 4, 8, 12); _qr(w, 1, 5, 9, 13); _qr(w, 2, 6, 10, 14); _qr(w, 3, 7, 11, 15)
        _qr(w, 0, 5, 10, 15); _qr(w, 1, 6, 11, 12); _qr(w, 2, 7, 8, 13); _qr(w, 3, 4, 9, 14)
    return [(w[i] + st[i]) & M32 for i in range(16)]


class WordStream:
    """SPEC §9.1: ChaCha20, zero nonce, counter from 0, words 0..15 per block."""

    def __init__(self, key: bytes):
        self.key = key
        self.block = 0
        self.buf: list[int] = []
        self.consumed = 0

    def next_u32(self) -> int:
        if not self.buf:
            self.buf = chacha20_block_words(self.key, self.block, bytes(12))
            self.block += 1
        self.consumed += 1
        return self.buf.pop(0)

    def below(self, n: int) -> int:
        assert 1 <= n <= 2**32 - 1
        limit = 2**32 - (2**32 % n)
        while True:
            x = self.next_u32()
            if x < limit:
                return x % n


def selftest():
    # RFC 8439 §2.3.2 test vector
    key = bytes(range(32))
    nonce = bytes.fromhex("000000090000004a00000000")
    words = chacha20_block_words(key, 1, nonce)
    # RFC 8439 §2.3.2: key 00..1f, nonce 000000090000004a00000000, counter 1 -> serialized block
    ser = bytes.fromhex(
        "10f1e7e4d13b5915500fdd1fa32071c4c7d1f4c733c068030422aa9ac3d46c4e"
        "d2826446079faa0914c2d705d98b02a2b5129cd1de164eb9cbd083e8a2503c4e")
    assert struct.pack("<16I", *words) == ser, "RFC 8439 2.3.2 block mismatch"
    # SPEC §9.1 vector
    s = WordStream(key)
    got = [s.next_u32() for _ in range(8)]
    exp = [0x7d2bfd39, 0x6a19c5d9, 0x7703bd8d, 0x494adcb8, 0x6fd8358a, 0xcc6adebc, 0x4c7dccb2, 0x9224ead8]
    assert got == exp, ("SPEC 9.1 mismatch", [hex(x) for x in got])
    # SPEC §9.2 vector
    s = WordStream(key)
    got = [s.below(n) for n in (1, 2, 3, 6, 7, 10, 1000, 3000000000)]
    assert got == [0, 1, 2, 2, 4, 0, 818, 2451892952], got
    assert s.consumed == 8, s.consumed
    # SPEC §3 example and §11 seed
    assert normalize_seed("  ３８ 17\u3000\t05 ") == "38 17 05"
    assert normalize_seed(" 07 23\u3000４１ ") == "07 23 41"
    # SPEC §11 keys
    digs = ["0" * 64, "1" * 64, "2" * 64, "3" * 64, "4" * 64, "5" * 64]
    dk = draw_key("07 23 41", digs)
    assert dk.hex() == "c47e9a7f8a1bb1a2673872f7f9ad411bc57eabcecd2356496ca5a4280fcf5068", dk.hex()
    tk = task_key(dk, "YYLY-09+YYSC-01")
    assert tk.hex() == "5d2cee046764deab872756facf89164dcaa99e867e4e8979d8224c67d7ed0773", tk.hex()
    tt = ticket(tk, "91140623MA0X67CD1P")
    assert tt.hex() == "f2a47d61bec9d253e71ddcf64996248a69a1a2572264ab3be66f68e032c7e60f", tt.hex()
    sk = stream_key(dk)
    assert sk.hex() == "a3872566b4a83d725b4ea005c8c49c59029188a8246bbd01da39192886ea4303", sk.hex()
    print("selftest OK: RFC 8439 §2.3.2 block, SPEC §9.1 words, §9.2 below, §3/§11 seeds, §11 keys")


# --------------------------------------------------------------------------
# Normalisation (SPEC §1, §3)
# --------------------------------------------------------------------------

WS = set(chr(c) for c in list(range(0x09, 0x0E)) + [0x20, 0x85, 0xA0, 0x1680]
         + list(range(0x2000, 0x200B)) + [0x2028, 0x2029, 0x202F, 0x205F, 0x3000, 0x200B, 0xFEFF])


def fold_fullwidth(s: str) -> str:
    return "".join(chr(ord(c) - 0xFEE0) if 0xFF01 <= ord(c) <= 0xFF5E else c for c in s)


def collapse_ws(s: str) -> str:
    # ASSUMPTION: the §3 whitespace set is also used for record text values (§1 does not say).
    out, run = [], False
    for c in s:
        if c in WS:
            run = True
        else:
            if run and out:
                out.append(" ")
            run = False
            out.append(c)
    return "".join(out)


def normalize_seed(s: str) -> str:
    return collapse_ws(fold_fullwidth(s))


def norm_text(s: str) -> str:
    return collapse_ws(s)


def norm_id(s: str) -> str:
    s = collapse_ws(fold_fullwidth(s))
    return "".join(c.upper() if "a" <= c <= "z" else c for c in s)


SPLIT_RE = re.compile("[;；、,，]")


def norm_list(s: str, ident=False) -> list[str]:
    parts = [(norm_id(p) if ident else norm_text(p)) for p in SPLIT_RE.split(s)]
    parts = sorted(set(p for p in parts if p), key=bkey)
    return parts


def parse_date(s: str) -> str | None:
    s = norm_text(fold_fullwidth(s))
    if not s:
        return None
    m = (re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", s) or re.fullmatch(r"(\d{4})/(\d{1,2})/(\d{1,2})", s)
         or re.fullmatch(r"(\d{4})年(\d{1,2})月(\d{1,2})日", s) or re.fullmatch(r"(\d{4})\.(\d{1,2})\.(\d{1,2})", s)
         or re.fullmatch(r"(\d{4})(\d{2})(\d{2})", s))
    if not m:
        raise ValueError(f"bad date {s!r}")
    return dt.date(int(m[1]), int(m[2]), int(m[3])).isoformat()


class Dec:
    """Exact decimal a / 10^s."""

    def __init__(self, a: int, s: int):
        while s > 0 and a % 10 == 0:
            a //= 10; s -= 1
        self.a, self.s = a, s

    def __str__(self):
        if self.s == 0:
            return str(self.a)
        digits = str(self.a).rjust(self.s + 1, "0")
        return digits[:-self.s] + "." + digits[-self.s:]


def parse_ratio(s: str) -> Dec:
    s = norm_text(fold_fullwidth(s))
    scale = 0
    if s.endswith("%"):
        s, scale = s[:-1].strip(), 2
    elif s.endswith("‰"):
        s, scale = s[:-1].strip(), 3
    m = re.fullmatch(r"(\d+)(?:\.(\d+))?", s)
    if not m:
        raise ValueError(f"bad ratio {s!r}")
    frac = m[2] or ""
    d = Dec(int(m[1] + frac), len(frac) + scale)
    if d.a == 0 or d.a > 10 ** d.s:
        raise ValueError(f"ratio out of (0,1]: {s!r}")
    return d


def parse_bool(s: str, true_words, false_words, field) -> bool:
    s = norm_text(s).lower()
    if s in true_words:
        return True
    if s in false_words:
        return False
    raise ValueError(f"unknown {field} value {s!r}")


# SPEC §1.4 vocabularies (compared after lower-case(clean(s)))
YES = {"是", "有", "y", "yes", "true", "1", "t"}
NO = {"", "否", "无", "n", "no", "false", "0", "f"}
ENTITY_ACTIVE = {"", "存续", "在业", "开业", "正常", "在营", "存续（在营、开业、在册）", "active"}
ENTITY_INACTIVE = {"注销", "吊销", "撤销", "迁出", "停业", "歇业", "deregistered", "revoked", "closed", "inactive"}
OFFICER_ACTIVE = {"", "在岗", "在职", "正常", "有效", "active"}
OFFICER_INACTIVE = {"停用", "离岗", "调离", "退休", "注销", "暂扣", "吊销", "inactive", "suspended", "retired"}
CREDIT = {"A": "A", "低风险": "A", "LOW": "A", "B": "B", "一般风险": "B", "较低风险": "B", "GENERAL": "B",
          "C": "C", "较高风险": "C", "FAIRLY HIGH": "C", "D": "D", "高风险": "D", "HIGH": "D", "": None}
LEVEL = {"": "general", "一般": "general", "一般事项": "general", "general": "general",
         "重点": "key", "重点事项": "key", "key": "key"}
FLAG_ORDER = ["complaints", "abnormal", "serious_violation"]


def parse_credit(s: str):
    c = norm_id(s)
    if c.endswith("类"):
        c = c[:-1]
    if c.endswith("级"):
        c = c[:-1]
    return CREDIT[c]


# --------------------------------------------------------------------------
# Loading (header mapping is NOT in SPEC.md; guessed from the files)
# --------------------------------------------------------------------------

HEADER_NAMES = {  # SPEC §1.3 table (names after header normalisation)
    "items": {
        "id": "id, itemid, 事项编号, 编号, 事项代码, itemcode",
        "name": "name, itemname, 事项名称, 抽查事项, 检查事项, 名称",
        "department": "department, 抽查主体, 实施主体, 检查主体, 部门",
        "legal_basis": "legalbasis, basis, 依据, 抽查依据, 检查依据, 法律依据",
        "object_types": "objecttypes, objecttype, objects, 抽查对象, 检查对象, 对象, 对象类型",
        "content": "content, 抽查内容, 检查内容, 内容",
        "ratio": "ratio, 抽查比例, 比例",
        "min_count": "min, mincount, 最少户数, 最低户数, 最少数量",
        "max_count": "max, maxcount, 最多户数, 最高户数, 最多数量",
        "method": "method, 抽查方式, 检查方式, 方式",
        "frequency": "frequency, 抽查频次, 检查频次, 频次",
        "category": "category, 执法类别, 执法门类",
        "level": "level, 事项类别, 类别, 事项类型, 一般/重点",
    },
    "officers": {
        "cert_no": "certno, cert, certificate, certificateno, 证件编号, 执法证号, 执法证件编号, 证号, 执法证编号",
        "name": "name, 姓名",
        "unit": "unit, 单位, 所在单位, 工作单位",
        "department": "department, 部门, 所属部门, 执法部门",
        "position": "position, 职务",
        "categories": "categories, category, 执法类别, 执法门类",
        "regions": "regions, region, 执法区域, 区域",
        "cert_expiry": "certexpiry, expiry, validuntil, 证件有效期, 有效期至, 有效期, 证件有效期至",
        "active": "status, 状态, 在岗状态",
    },
    "entities": {
        "uscc": "uscc, id, creditcode, 统一社会信用代码, 信用代码, 社会信用代码",
        "name": "name, 名称, 企业名称, 单位名称, 主体名称, 对象名称",
        "types": "types, type, objecttypes, 对象类型, 主体类型, 类型, 检查对象类型",
        "region": "region, 行政区划, 所属区域, 区域, 乡镇, 所属乡镇, regioncode, 行政区划代码",
        "industry": "industry, 行业, 所属行业",
        "credit_class": "creditclass, credit, 信用风险分类, 信用风险等级, 信用等级, 风险等级, 风险分类",
        "complaints": "complaints, 投诉举报",
        "abnormal": "abnormal, 经营异常, 经营异常名录",
        "serious_violation": "seriousviolation, 严重违法失信, 严重违法",
        "active": "status, 登记状态, 经营状态, 状态",
    },
    "history": {
        "uscc": "uscc, entity, 统一社会信用代码, 信用代码, 社会信用代码",
        "item": "item, itemid, 事项编号, 抽查事项编号",
        "date": "date, 检查日期, 抽查日期, 日期",
        "officers": "officers, 检查人员, 执法人员, 检查人员证号",
    },
    "conflicts": {
        "cert_no": "certno, officer, 证件编号, 执法证号, 执法证件编号",
        "uscc": "uscc, entity, 统一社会信用代码, 信用代码, 社会信用代码",
        "reason": "reason, 回避事由, 事由, 原因",
    },
}
HEADERS = {kind: {n.strip(): f for f, names in tbl.items() for n in names.split(",")}
           for kind, tbl in HEADER_NAMES.items()}


def norm_header(h: str) -> str:
    """SPEC §1.3 header normalisation."""
    h = fold_fullwidth(norm_text(h)).replace("\u3000", " ").lower()
    m = re.fullmatch(r"(.+?)\s*(\([^()]*\)|（[^（）]*）)", h)
    if m and m[1]:
        h = m[1]
    return re.sub(r"[ _\-*.]", "", h)


def read_csv(path: str, kind: str) -> list[dict]:
    raw = open(path, "rb").read()
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    text = raw.decode("utf-8")  # ASSUMPTION: only UTF-8 handled; `encoding = "auto"` unspecified
    rows = list(csv.reader(io.StringIO(text, newline="")))
    rows = [r for r in rows if any(c.strip() for c in r)]
    if not rows:
        return []
    hmap = HEADERS[kind]
    header = []
    for h in rows[0]:
        f = hmap.get(norm_header(h))
        assert f is None or f not in header, f"two columns for {f} in {path}"
        header.append(f)
    out = []
    for r in rows[1:]:
        out.append({header[i]: r[i] for i in range(min(len(r), len(header))) if header[i]})
    return out


def text_set(xs) -> list[str]:
    return sorted({norm_text(x) for x in xs} - {""}, key=bkey)


def load_inputs(plan_dir: str):
    import os
    with open(os.path.join(plan_dir, "plan.toml"), "rb") as f:
        toml = tomllib.load(f)
    p = toml["plan"]
    inputs = toml.get("inputs", {})
    r = toml.get("rules", {})

    def dstr(x):
        return x.isoformat() if isinstance(x, dt.date) else parse_date(str(x))

    plan = {
        "id": norm_text(p["id"]),  # ASSUMPTION: plan strings trimmed/collapsed (untested)
        "title": norm_text(p.get("title", "")),
        "authority": norm_text(p["authority"]),
        "seed_source": norm_text(p.get("seed_source", "")),
        "period_start": dstr(p["period_start"]),
        "period_end": dstr(p["period_end"]),
    }
    plan["date"] = dstr(p["date"]) if "date" in p else plan["period_start"]
    # ASSUMPTION: defaults for absent rules (SPEC gives none except `date`).
    rules = {
        "team_size": int(r.get("team_size", 2)),
        "max_per_year": (int(r["max_per_year"]) if r.get("max_per_year") is not None else None),
        "cooldown_days": int(r.get("cooldown_days", 0)),
        "overlap": r.get("overlap", "joint"),
        "cross_region": bool(r.get("cross_region", False)),
        "rotation": bool(r.get("rotation", False)),
        "officer_max_load": (int(r["officer_max_load"]) if r.get("officer_max_load") is not None else None),
        "stratify": r.get("stratify", "region"),
        "class_ratios": {norm_id(k): parse_ratio(str(v)) for k, v in (r.get("class_ratios") or {}).items()},
    }

    def path(kind, default):
        return os.path.join(plan_dir, inputs.get(kind, default))

    items = []
    for row in read_csv(path("items", "items.csv"), "items"):
        g = lambda k: row.get(k, "")
        lvl = norm_text(g("level")).lower()
        items.append({
            "id": norm_id(g("id")), "name": norm_text(g("name")), "department": norm_text(g("department")),
            "legal_basis": norm_text(g("legal_basis")), "object_types": norm_list(g("object_types")),
            "content": norm_text(g("content")), "ratio": parse_ratio(g("ratio")),
            "min_count": int(norm_id(g("min_count"))) if norm_id(g("min_count")) else None,
            "max_count": int(norm_id(g("max_count"))) if norm_id(g("max_count")) else None,
            "method": norm_text(g("method")), "frequency": norm_text(g("frequency")),
            "category": norm_text(g("category")),
            "level": LEVEL[lvl],
        })
    officers = []
    for row in read_csv(path("officers", "officers.csv"), "officers"):
        g = lambda k: row.get(k, "")
        officers.append({
            "cert_no": norm_id(g("cert_no")), "name": norm_text(g("name")), "unit": norm_text(g("unit")),
            "department": norm_text(g("department")), "position": norm_text(g("position")),
            "categories": norm_list(g("categories")), "regions": norm_list(g("regions")),
            "cert_expiry": parse_date(g("cert_expiry")),
            "active": parse_bool(g("active"), OFFICER_ACTIVE, OFFICER_INACTIVE, "officer status"),
        })
    entities = []
    for row in read_csv(path("entities", "entities.csv"), "entities"):
        g = lambda k: row.get(k, "")
        cc = parse_credit(g("credit_class"))
        entities.append({
            "uscc": norm_id(g("uscc")), "name": norm_text(g("name")), "types": norm_list(g("types")),
            "region": norm_text(g("region")), "industry": norm_text(g("industry")), "credit_class": cc,
            "complaints": parse_bool(g("complaints"), YES, NO, "complaints"),
            "abnormal": parse_bool(g("abnormal"), YES, NO, "abnormal"),
            "serious_violation": parse_bool(g("serious_violation"), YES, NO, "serious_violation"),
            "active": parse_bool(g("active"), ENTITY_ACTIVE, ENTITY_INACTIVE, "entity status"),
        })
    history = []
    hp = path("history", "history.csv")
    if os.path.exists(hp):
        for row in read_csv(hp, "history"):
            g = lambda k: row.get(k, "")
            history.append({"uscc": norm_id(g("uscc")), "item": norm_id(g("item")), "date": parse_date(g("date")),
                            "officers": norm_list(g("officers"), ident=True)})
    conflicts = []
    cp = path("conflicts", "conflicts.csv")
    if os.path.exists(cp):
        for row in read_csv(cp, "conflicts"):
            conflicts.append({"cert_no": norm_id(row.get("cert_no", "")), "uscc": norm_id(row.get("uscc", "")),
                              "reason": norm_text(row.get("reason", ""))})

    # tasks
    tasks = []
    if toml.get("tasks"):
        for t in toml["tasks"]:
            tasks.append({
                "items": [norm_id(x) for x in t["items"]],  # SPEC §2.3: plan order kept (first item leads)
                # SPEC §2.3 (changed): filter lists are sets -- cleaned, empties dropped, sorted, deduplicated
                "regions": text_set(t.get("regions", [])),
                "types": text_set(t.get("types", [])),
                "industries": text_set(t.get("industries", [])),
                "credit_classes": sorted({parse_credit(x) for x in t.get("credit_classes", [])} - {None}),
                "flags": [f for f in FLAG_ORDER if f in {norm_text(x).lower() for x in t.get("flags", [])}],
            })
    else:
        for it in sorted(items, key=lambda i: bkey(i["id"])):
            tasks.append({"items": [it["id"]], "regions": [], "types": [], "industries": [],
                          "credit_classes": [], "flags": []})
    plan["rules"] = rules
    plan["tasks"] = tasks
    return plan, items, officers, entities, history, conflicts


# --------------------------------------------------------------------------
# Canonical JSON (SPEC §2.3)
# --------------------------------------------------------------------------

def jstr(s: str) -> str:
    out = ['"']
    for c in s:
        o = ord(c)
        if c == '"':
            out.append('\\"')
        elif c == "\\":
            out.append("\\\\")
        elif o < 0x20:
            out.append({8: "\\b", 12: "\\f", 10: "\\n", 13: "\\r", 9: "\\t"}.get(o, "\\u%04x" % o))
        else:
            out.append(c)
    out.append('"')
    return "".join(out)


def cjson(v) -> str:
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return jstr(v)
    if isinstance(v, Dec):
        return jstr(str(v))
    if isinstance(v, (list, tuple)):
        return "[" + ",".join(cjson(x) for x in v) + "]"
    if isinstance(v, dict):
        ks = sorted(v.keys(), key=bkey)
        return "{" + ",".join(jstr(k) + ":" + cjson(v[k]) for k in ks) + "}"
    raise TypeError(type(v))


# --------------------------------------------------------------------------
# Digests (SPEC §2)
# --------------------------------------------------------------------------

def b01(x: bool) -> str:
    return "1" if x else "0"


def onum(x):
    return "" if x is None else str(x)


def rec_item(i):
    return ["shuangsuiji/v1/record/item", i["id"], i["name"], i["department"], i["legal_basis"],
            ";".join(i["object_types"]), i["content"], str(i["ratio"]), onum(i["min_count"]),
            onum(i["max_count"]), i["method"], i["frequency"], i["category"], i["level"]]


def rec_officer(o):
    return ["shuangsuiji/v1/record/officer", o["cert_no"], o["name"], o["unit"], o["department"], o["position"],
            ";".join(o["categories"]), ";".join(o["regions"]), o["cert_expiry"] or "", b01(o["active"])]


def rec_entity(e):
    return ["shuangsuiji/v1/record/entity", e["uscc"], e["name"], ";".join(e["types"]), e["region"], e["industry"],
            e["credit_class"] or "", b01(e["complaints"]), b01(e["abnormal"]), b01(e["serious_violation"]),
            b01(e["active"])]


def rec_history(h):
    return ["shuangsuiji/v1/record/history", h["uscc"], h["item"], h["date"], ";".join(h["officers"])]


def rec_conflict(c):
    return ["shuangsuiji/v1/record/conflict", c["cert_no"], c["uscc"]]


def set_digest(file_tag: str, records, enc) -> str:
    hs = sorted(H(b"".join(put(f) for f in enc(r))) for r in records)
    return H(put(file_tag) + u64be(len(hs)) + b"".join(hs)).hex()


def plan_json(plan) -> dict:
    return {
        "id": plan["id"], "title": plan["title"], "authority": plan["authority"],
        "seed_source": plan["seed_source"], "period_start": plan["period_start"],
        "period_end": plan["period_end"], "date": plan["date"],
        "rules": rules_json(plan["rules"]),
        "tasks": [{k: t[k] for k in ("items", "regions", "types", "industries", "credit_classes", "flags")}
                  for t in plan["tasks"]],
    }


def rules_json(r) -> dict:
    d = dict(r)
    d["class_ratios"] = {k: str(v) for k, v in r["class_ratios"].items()}
    return d


def digests(plan, items, officers, entities, history, conflicts) -> dict:
    return {
        "plan": H(put("shuangsuiji/v1/plan") + cjson(plan_json(plan)).encode()).hex(),
        "items": set_digest("shuangsuiji/v1/file/items", items, rec_item),
        "officers": set_digest("shuangsuiji/v1/file/officers", officers, rec_officer),
        "entities": set_digest("shuangsuiji/v1/file/entities", entities, rec_entity),
        "history": set_digest("shuangsuiji/v1/file/history", history, rec_history),
        "conflicts": set_digest("shuangsuiji/v1/file/conflicts", conflicts, rec_conflict),
    }


# --------------------------------------------------------------------------
# Keys (SPEC §4)
# --------------------------------------------------------------------------

def draw_key(norm_seed: str, digs: list[str]) -> bytes:
    return H(put("shuangsuiji/v1/draw-key") + put(ALGORITHM) + put(norm_seed) + b"".join(put(d) for d in digs))


def task_key(dk: bytes, text: str) -> bytes:
    return H(put("shuangsuiji/v1/task-key") + dk + put(text))


def ticket(tk: bytes, uscc: str) -> bytes:
    return H(put("shuangsuiji/v1/ticket") + tk + put(uscc))


def stream_key(dk: bytes) -> bytes:
    return H(put("shuangsuiji/v1/officer-stream") + dk)


# --------------------------------------------------------------------------
# Allocation (SPEC §6)
# --------------------------------------------------------------------------

def ceil_div(a, b):
    return -((-a) // b)


def LR(total: int, parts: list[tuple[str, int]]) -> dict[str, int]:
    W = sum(w for _, w in parts)
    assert total <= W
    if total == 0 or W == 0:
        return {n: 0 for n, _ in parts}
    res = {n: total * w // W for n, w in parts}
    R = total - sum(res.values())
    order = sorted(parts, key=lambda p: (-((total * p[1]) % W), -p[1], bkey(p[0])))
    for n, _ in order[:R]:
        res[n] += 1
    return res


def covers(r: str, x: str) -> bool:
    if r == x or r in ("*", "全部"):
        return True
    return bool(r) and r.isascii() and r.isdigit() and x.isascii() and x.isdigit() and x.startswith(r)


def days_between(a: str, b: str) -> int:
    return (dt.date.fromisoformat(a) - dt.date.fromisoformat(b)).days


# --------------------------------------------------------------------------
# The draw
# --------------------------------------------------------------------------

class Infeasible(Exception):
    pass


def run_draw(plan_dir: str, seed_text: str, trace=None) -> dict:
    plan, items, officers, entities, history, conflicts = load_inputs(plan_dir)
    rules = plan["rules"]
    digs = digests(plan, items, officers, entities, history, conflicts)
    nseed = normalize_seed(seed_text)
    if not nseed:
        raise ValueError("empty seed")
    dk = draw_key(nseed, [digs[k] for k in ("plan", "items", "officers", "entities", "history", "conflicts")])
    item_by_id = {i["id"]: i for i in items}
    ent_by = {e["uscc"]: e for e in entities}
    authority = plan["authority"]

    def dept(x):
        return x["department"] or authority

    # history indexes
    last_by_pair: dict[tuple, str] = {}
    dates_by_ent: dict[str, set] = defaultdict(set)
    for h in history:
        k = (h["uscc"], h["item"])
        if k not in last_by_pair or h["date"] > last_by_pair[k]:
            last_by_pair[k] = h["date"]
        dates_by_ent[h["uscc"]].add(h["date"])
    year = plan["period_start"][:4]

    taken: set[str] = set()
    task_out = []
    visits: list[dict] = []
    visit_of: dict[str, dict] = {}
    for ti, t in enumerate(plan["tasks"]):
        lead = item_by_id[t["items"][0]]
        key_text = "+".join(t["items"])
        tk = task_key(dk, key_text)
        directed = any(t[k] for k in ("regions", "types", "industries", "credit_classes", "flags"))
        excl = Counter()
        eligible = []
        for e in entities:
            reason = None
            if not e["active"]:
                reason = "status"
            elif not (set(e["types"]) & set(lead["object_types"])):
                reason = "object_type"
            elif not filter_ok(t, e):
                reason = "filter"
            elif rules["cooldown_days"] > 0 and any(
                    (e["uscc"], it) in last_by_pair
                    and days_between(plan["period_start"], last_by_pair[(e["uscc"], it)]) < rules["cooldown_days"]
                    for it in t["items"]):
                reason = "cool_down"
            elif rules["max_per_year"] is not None and sum(
                    1 for d in dates_by_ent.get(e["uscc"], ()) if d[:4] == year) >= rules["max_per_year"]:
                reason = "year_cap"
            elif rules["overlap"] == "next" and e["uscc"] in taken:
                reason = "taken"
            if reason:
                excl[reason] += 1
            else:
                eligible.append(e)
        # groups & strata
        groups: dict[str, Dec] = {}
        strata: dict[tuple, list] = defaultdict(list)  # (group, regionkey) -> entities
        for e in eligible:
            c = e["credit_class"]
            g = c if (c and c in rules["class_ratios"]) else ""
            groups[g] = rules["class_ratios"][g] if g else lead["ratio"]
            rk = e["region"] if rules["stratify"] == "region" else "*"
            strata[(g, rk)].append(e)
        Ng = Counter()
        for (g, rk), es in strata.items():
            Ng[g] += len(es)
        N = len(eligible)
        ng = {g: ceil_div(groups[g].a * Ng[g], 10 ** groups[g].s) for g in groups}
        T0 = sum(ng.values())
        T = T0
        if lead["min_count"] is not None:
            T = max(T, lead["min_count"])
        if lead["level"] == "general" and lead["max_count"] is not None:
            T = min(T, lead["max_count"])
        T = min(T, N)
        gnames = sorted(groups, key=bkey)
        if T == T0:
            tg = dict(ng)
        elif T < T0:
            tg = LR(T, [(g, ng[g]) for g in gnames])
        else:
            e_ = LR(T - T0, [(g, Ng[g] - ng[g]) for g in gnames])
            tg = {g: ng[g] + e_[g] for g in gnames}
        nh = {}
        for g in gnames:
            sts = [(rk, len(es)) for (gg, rk), es in strata.items() if gg == g]
            alloc = LR(tg[g], sts)
            for rk, n in alloc.items():
                nh[(g, rk)] = n

        def sname(g, rk):
            return rk if g == "" else rk + "/" + g

        skeys = sorted(strata, key=lambda k: bkey(sname(*k)))
        allocation = []
        for k in skeys:
            g, rk = k
            Nh, n = len(strata[k]), nh[k]
            allocation.append({"stratum": sname(g, rk), "region": rk, "class": g or None, "base": Nh, "drawn": n,
                               "ratio": str(groups[g]), "probability": f"{n}/{Nh}", "per_mille": 1000 * n // Nh})
        assert sum(nh.values()) == T
        # selection
        for k in skeys:
            es = strata[k]
            ranked = sorted(((ticket(tk, e["uscc"]), e["uscc"]) for e in es), key=lambda p: (p[0], bkey(p[1])))
            for rank, (tkt, u) in enumerate(ranked[:nh[k]], 1):
                sel = {"task": key_text, "stratum": sname(*k), "rank": rank, "ticket": tkt.hex(), "_ti": ti}
                if u in visit_of and rules["overlap"] == "joint":
                    visit_of[u]["selections"].append(sel)
                else:
                    assert u not in visit_of
                    v = {"uscc": u, "selections": [sel]}
                    visit_of[u] = v
                    visits.append(v)
                taken.add(u)
        ex = {"registry": len(entities), "eligible": N, "excluded": {k: v for k, v in excl.items() if v}}
        task_out.append({"index": ti + 1, "key": key_text, "items": t["items"],
                         "names": [item_by_id[i]["name"] for i in t["items"]], "directed": directed,
                         "task_key": tk.hex(), "total": T, "allocation": allocation, "exclusions": ex})

    # ---- officer teams (§8)
    for v in visits:
        its = []
        for sel in v["selections"]:
            for it in plan["tasks"][sel["_ti"]]["items"]:
                if it not in its:
                    its.append(it)
        v["items"] = its
    slots = []  # dicts: visit index, department, category, items
    for vi, v in enumerate(visits):
        grp = defaultdict(list)
        for it in v["items"]:
            i = item_by_id[it]
            grp[(dept(i), i["category"])].append(it)
        for (d, c) in sorted(grp, key=lambda k: (bkey(k[0]), bkey(k[1]))):
            slots.append({"v": vi, "department": d, "category": c, "items": grp[(d, c)]})

    conflict_pairs = {(c["cert_no"], c["uscc"]) for c in conflicts}
    last_officers: dict[str, set] = {}
    latest: dict[str, str] = {}
    for h in history:
        u = h["uscc"]
        if u not in latest or h["date"] > latest[u]:
            latest[u] = h["date"]; last_officers[u] = set(h["officers"])
        elif h["date"] == latest[u]:
            last_officers[u] |= set(h["officers"])
    offs = sorted(officers, key=lambda o: bkey(o["cert_no"]))
    off_by = {o["cert_no"]: o for o in offs}
    ts = rules["team_size"]
    cap = rules["officer_max_load"]
    INF = float("inf")
    capv = INF if cap is None else cap
    Q = []
    for s in slots:
        e = ent_by[visits[s["v"]]["uscc"]]
        q = []
        for o in offs:
            if dept(o) != s["department"]:
                continue
            if not o["active"] or (o["cert_expiry"] is not None and o["cert_expiry"] < plan["date"]):
                continue
            if s["category"] not in o["categories"]:
                continue
            if not rules["cross_region"] and not any(covers(r, e["region"]) for r in o["regions"]):
                continue
            if (o["cert_no"], e["uscc"]) in conflict_pairs:
                continue
            if rules["rotation"] and o["cert_no"] in last_officers.get(e["uscc"], ()):
                continue
            q.append(o["cert_no"])
        Q.append(q)
    # check 1 (message details not reproduced)
    for si, s in enumerate(slots):
        if len(Q[si]) < ts:
            raise Infeasible(f"slot {si} {s}: only {len(Q[si])} qualified officers")
    # check 2
    if cap is not None:
        bydept = defaultdict(list)
        for si, s in enumerate(slots):
            bydept[s["department"]].append(si)
        for d in sorted(bydept, key=bkey):
            un = set().union(*(Q[si] for si in bydept[d]))
            if ts * len(bydept[d]) > len(un) * cap:
                raise Infeasible(f"department {d}: load cap")
    # check 3
    vslots = defaultdict(list)
    for si, s in enumerate(slots):
        vslots[s["v"]].append(si)
    for vi, sl in vslots.items():
        un = set().union(*(Q[si] for si in sl))
        if len(un) < ts * len(sl):
            raise Infeasible(f"visit {vi}: too few officers")

    stream = WordStream(stream_key(dk))
    team = [set() for _ in slots]
    load = Counter()
    oslots: dict[str, list] = defaultdict(list)
    at: dict[tuple, int] = {}
    repairs = 0
    moves = Counter()

    def add(o, si):
        team[si].add(o); at[(o, slots[si]["v"])] = si
        oslots[o].append(si); oslots[o].sort()

    def remove(o, si):
        team[si].discard(o); del at[(o, slots[si]["v"])]
        oslots[o].remove(si)

    for si, s in enumerate(slots):
        v = s["v"]
        for _ in range(ts):
            A = [o for o in Q[si] if load[o] < capv and (o, v) not in at]
            if A:
                o = A[stream.below(len(A))]
                add(o, si); load[o] += 1
                continue
            repairs += 1
            seen_slot = {si}
            lose = {}
            pair_from = {}   # (o, v) -> ("slot", u) | ("officer",)
            off_via = {}     # o -> (o, v)
            q = deque([si])
            end = None
            while q and end is None:
                u = q.popleft(); vu = slots[u]["v"]
                for o in Q[u]:
                    if o in team[u] or (o, vu) in pair_from:
                        continue
                    pair_from[(o, vu)] = ("slot", u)
                    w = at.get((o, vu))
                    if w is not None:
                        if w not in seen_slot:
                            seen_slot.add(w); lose[w] = o; q.append(w)
                        continue
                    if o in off_via:
                        continue
                    off_via[o] = (o, vu)
                    if load[o] < capv:
                        end = o
                        break
                    for w in sorted(oslots[o]):
                        vw = slots[w]["v"]
                        if (o, vw) not in pair_from:
                            pair_from[(o, vw)] = ("officer",)
                        if w not in seen_slot:
                            seen_slot.add(w); lose[w] = o; q.append(w)
            if end is None:
                raise Infeasible(f"slot {si}: no augmenting path")
            o = end
            load[o] += 1
            ov = off_via[o]
            pv = ov[1]
            while True:
                kind = pair_from[(o, pv)]
                assert kind[0] == "slot"
                u = kind[1]
                o2 = lose.get(u) if u != si else None
                if u != si:
                    remove(o2, u)
                add(o, u)
                if u == si:
                    break
                if pair_from[(o2, pv)][0] == "slot":
                    moves["within_visit"] += 1
                    o = o2
                else:
                    moves["between_visits"] += 1
                    o = o2
                    pv = off_via[o2][1]
    if trace is not None:
        trace["words"] = stream.consumed
        trace["repairs"] = repairs
        trace["moves"] = dict(moves)
        trace["loads"] = dict(load)

    # ---- result
    vis_out = []
    for vi, v in enumerate(visits):
        e = ent_by[v["uscc"]]
        teams = []
        for si in vslots[vi]:
            s = slots[si]
            teams.append({"department": s["department"], "category": s["category"], "items": s["items"],
                          "officers": [{"cert_no": c, "name": off_by[c]["name"]}
                                       for c in sorted(team[si], key=bkey)]})
        vis_out.append({"uscc": v["uscc"], "name": e["name"], "region": e["region"],
                        "credit_class": e["credit_class"], "items": v["items"],
                        "selections": [{k: x for k, x in sel.items() if k != "_ti"} for sel in v["selections"]],
                        "teams": teams})
    return {
        "algorithm": ALGORITHM,
        "engine_version": "ssj_verify.py",
        "plan": {k: plan[k] for k in ("id", "title", "authority", "period_start", "period_end", "date")},
        "rules": rules_json(rules),
        "seed": {"text": seed_text, "normalized": nseed, "source": plan["seed_source"]},
        "digests": digs,
        "draw_key": dk.hex(),
        "tasks": task_out,
        "visits": vis_out,
    }


def filter_ok(t, e) -> bool:
    if t["regions"] and not any(covers(r, e["region"]) for r in t["regions"]):
        return False
    if t["types"] and not (set(e["types"]) & set(t["types"])):
        return False
    if t["industries"] and e["industry"] not in t["industries"]:
        return False
    if t["credit_classes"] and not (e["credit_class"] and e["credit_class"] in t["credit_classes"]):
        return False
    if t["flags"]:
        has = {f for f in ("complaints", "abnormal", "serious_violation") if e[f]}
        if not (has & set(t["flags"])):
            return False
    return True


# --------------------------------------------------------------------------
# Comparison
# --------------------------------------------------------------------------

def compare(got: dict, exp: dict) -> list[str]:
    diffs = []

    def walk(a, b, path):
        if path in ("/engine_version",):
            return
        if isinstance(a, dict) and isinstance(b, dict):
            for k in sorted(set(a) | set(b)):
                if k not in a:
                    diffs.append(f"{path}/{k}: missing in ours")
                elif k not in b:
                    diffs.append(f"{path}/{k}: extra in ours")
                else:
                    walk(a[k], b[k], f"{path}/{k}")
        elif isinstance(a, list) and isinstance(b, list):
            if len(a) != len(b):
                diffs.append(f"{path}: length {len(a)} != {len(b)}")
            for i, (x, y) in enumerate(zip(a, b)):
                walk(x, y, f"{path}[{i}]")
        elif a != b or type(a) != type(b):
            diffs.append(f"{path}: ours {a!r} != expected {b!r}")

    walk(got, exp, "")
    return diffs


def main(argv):
    if argv[1:2] == ["--selftest"]:
        selftest()
        return 0
    import argparse
    ap = argparse.ArgumentParser()
    ap.add_argument("plan_dir")
    ap.add_argument("seed", help="seed text, or @file to read it (one trailing newline stripped)")
    ap.add_argument("-o", "--out")
    ap.add_argument("--expected")
    a = ap.parse_args(argv[1:])
    seed = a.seed
    if seed.startswith("@"):
        seed = open(seed[1:], encoding="utf-8").read()
        if seed.endswith("\n"):
            seed = seed[:-1]
    trace = {}
    res = run_draw(a.plan_dir, seed, trace)
    print(f"words consumed: {trace['words']}, repairs: {trace['repairs']} {trace['moves']}, "
          f"max load: {max(trace['loads'].values(), default=0)}", file=sys.stderr)
    if a.expected:
        exp_bytes = open(a.expected, "rb").read()
        exp = json.loads(exp_bytes)
        res["engine_version"] = exp.get("engine_version")
    out = cjson(res) + "\n"
    if a.out:
        open(a.out, "w", encoding="utf-8", newline="").write(out)
    if a.expected:
        print("byte-identical (with expected engine_version substituted):",
              out.encode() == exp_bytes)
        d = compare(json.loads(out), exp)
        print(f"{len(d)} field differences")
        for x in d[:60]:
            print("  ", x)
        return 0 if not d else 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
