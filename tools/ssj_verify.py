#!/usr/bin/env python3
"""Independent verifier of `ssj-draw-v1` draws (shuangsuiji), written from SPEC.md only.

Usage:
    ssj_verify.py DIR [--lang zh|en] [--json] [--head HASH]    verify a published bundle folder
    ssj_verify.py PLAN_DIR SEED_TEXT [-o OUT.json] [--expected EXPECTED.json]   re-run a draw
    ssj_verify.py --selftest                                   SPEC §9 / §11 known answers

Exit codes: 0 everything checked agrees; 1 a difference; 2 bad input or usage.
Standard library only, Python >= 3.11. What it checks and what it does not: tools/README.md.

Encodings (§1.1), whitespace (§1.2), header names (§1.3), values (§1.4), the CSV dialect
(§1.6), the plan grammar (§1.7), plan filter sets (§2.3) and the result layout (§10) follow
SPEC.md. Not implemented: most validity checks of §1.5 (ssj check does them) and the wording
of infeasibility messages (§8.3).
"""
from __future__ import annotations

import codecs
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
    # SPEC §1.4 per-group item ratio cells: canonical fields (§2.1); cells that are not per-group keep
    # their old answer
    for cell, canon in [
            ("每年对三级定点医疗机构抽查比例之和≥50%，二级≥30%，抽取一定比例的一级",
             "per-group:每年对三级定点医疗机构抽查比例之和>=0.5,二级>=0.3,抽取一定比例的一级"),
            ("三级不低于50%；二级不少于30%", "per-group:三级>=0.5,二级>=0.3"),
            ("三级至少50%;二级>=30%", "per-group:三级>=0.5,二级>=0.3"),
            ("三级=50%，二级30%以上", "per-group:三级>=0.5,二级>=0.3"),
            ("三级 ≥ ５０％ , 二级 30 ‰ 及以上", "per-group:三级>=0.5,二级>=0.03"),
            ("重点单位≥+12.5%，一般单位", "per-group:重点单位>=0.125,一般单位"),
            ("不低于10%，不高于30%", "0.1-0.3"), ("3%，每年2次", "0.03;每年2次")]:
        assert str(parse_item_ratio(cell)) == canon, (cell, str(parse_item_ratio(cell)))
    for cell in ["三级≥50%", "≥50%，二级≥30%", "三级50%，二级30%", "三级≥50%，二级不高于30%",
                 "三级≥50%，，二级≥30%", "三级≥50%，二级≥30%，每年2次", "三级，二级", "三级≥0%，二级≥30%",
                 "三级≥150%，二级", "三级≥5%%，二级"]:
        try:
            parse_item_ratio(cell)
        except ValueError:
            continue
        raise AssertionError(f"per-group: {cell!r} must be refused")
    print("selftest OK: RFC 8439 §2.3.2 block, SPEC §9.1 words, §9.2 below, §3/§11 seeds, §11 keys, "
          "§1.4 per-group cells")


# --------------------------------------------------------------------------
# Normalisation (SPEC §1, §3)
# --------------------------------------------------------------------------

WS = set(chr(c) for c in list(range(0x09, 0x0E)) + [0x20, 0x85, 0xA0, 0x1680]
         + list(range(0x2000, 0x200B)) + [0x2028, 0x2029, 0x202F, 0x205F, 0x3000, 0x200B, 0xFEFF])


WHITE_SPACE = "".join(sorted(WS - {"\u200b", "\ufeff"}))


def trim(s: str) -> str:
    """Leading and trailing Unicode White_Space removed (not U+200B / U+FEFF, which are not White_Space)."""
    return s.strip(WHITE_SPACE)


def fold_fullwidth(s: str) -> str:
    return "".join(chr(ord(c) - 0xFEE0) if 0xFF01 <= ord(c) <= 0xFF5E else c for c in s)


def collapse_ws(s: str) -> str:
    # SPEC §1.2 clean(): the 27 "space" code points (White_Space, U+200B, U+FEFF), as in §3.
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


def parse_date(s: str, plan: bool = False) -> str | None:
    """SPEC §1.4 date. A CSV cell is cleaned first; a plan string is only trimmed (§1.2)."""
    s = trim(fold_fullwidth(trim(s) if plan else norm_text(s)))
    if not s:
        return None
    W = "[" + re.escape(WHITE_SPACE) + "]*"
    if s.endswith("日"):
        m = re.fullmatch(f"{W}([0-9]{{4}}){W}年{W}([0-9]{{1,2}}){W}月{W}([0-9]{{1,2}}){W}日", s)
    elif re.fullmatch(r"[0-9]{8}", s):
        m = re.fullmatch(r"([0-9]{4})([0-9]{2})([0-9]{2})", s)
    else:
        sep = next((c for c in "-/." if c in s), None)
        m = sep and re.fullmatch(f"([0-9]{{4}}){re.escape(sep)}([0-9]{{1,2}}){re.escape(sep)}([0-9]{{1,2}})", s)
    if not m:
        raise ValueError(f"bad date {s!r}")
    if not 1000 <= int(m[1]) <= 9999:
        raise ValueError(f"bad date {s!r}: year outside 1000-9999")
    try:
        return dt.date(int(m[1]), int(m[2]), int(m[3])).isoformat()
    except ValueError:
        raise ValueError(f"bad date {s!r}: not a real day")


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


def parse_ratio(s: str, plan: bool = False) -> Dec:
    orig = s
    try:
        return _parse_ratio(s, plan)
    except ValueError as e:
        raise ValueError(f"{e} (value {orig!r})")


MIN_SUFFIXES = ("及以上", "以上")
MIN_PREFIXES = ("不低于", "不少于", "至少", ">=", "≥", "=")


def _parse_ratio(s: str, plan: bool = False) -> Dec:
    """SPEC §1.4 ratio. A CSV cell is cleaned first; a plan string is only trimmed (§1.2)."""
    s = trim(fold_fullwidth(trim(s) if plan else norm_text(s)))
    # SPEC §1.4: one minimum suffix, then one minimum prefix, mean the number itself
    for w in MIN_SUFFIXES:
        if s.endswith(w):
            s = trim(s[: -len(w)])
            break
    for w in MIN_PREFIXES:
        if s.startswith(w):
            s = trim(s[len(w):])
            break
    scale = 0
    if s.endswith("%"):
        s, scale = trim(s[:-1]), 2
    elif s.endswith("‰"):
        s, scale = trim(s[:-1]), 3
    m = re.fullmatch(r"\+?([0-9]*)(?:\.([0-9]*))?", s)
    if not m or not (m[1] or m[2]) or len(m[2] or "") > 12:
        raise ValueError(f"bad ratio {s!r}")
    frac = m[2] or ""
    if len(frac) + scale > 12:  # counted as written, before trailing zeros are dropped
        raise ValueError(f"ratio has more than 12 decimal places: {s!r}")
    d = Dec(int((m[1] or "0") + frac), len(frac) + scale)
    if d.a == 0 or d.a > 10 ** d.s:
        raise ValueError(f"ratio out of (0,1]: {s!r}")
    return d


def dec_lt(x: Dec, y: Dec) -> bool:
    return x.a * 10 ** y.s < y.a * 10 ** x.s


class ItemRatio:
    """SPEC §1.4 item ratio cell: kind ratio(r) / range(a, b) / count(n) / count(>= n) / unspecified /
    per_group (groups: [(label, Dec or None)]), with an optional frequency. str() is the record field
    of SPEC §2.1."""

    def __init__(self, kind, a=None, b=None, n=None, freq="", groups=()):
        self.kind, self.a, self.b, self.n, self.freq = kind, a, b, n, freq
        self.groups = list(groups)

    def __str__(self):
        if self.kind == "per_group":
            return "per-group:" + ",".join(lab if m is None else f"{lab}>={m}" for lab, m in self.groups)
        base = {"ratio": lambda: str(self.a), "range": lambda: f"{self.a}-{self.b}",
                "count": lambda: f"count:{self.n}", "count_min": lambda: f"count>={self.n}",
                "unspecified": lambda: "unspecified"}[self.kind]()
        return base + (";" + self.freq if self.freq else "")


UNSPECIFIED_CELLS = ("根据实际情况确定", "根据实际确定", "按实际情况确定", "视情况确定", "按需确定", "按需")
AT_LEAST_W = ("不低于", "不少于", "至少", ">=", "≥")
AT_MOST_W = ("不高于", "不超过", "至多", "<=", "≤")


def _plain(x: str) -> bool:
    return bool(x) and all(c in "0123456789.+%‰ " for c in x)


def _range_ends(a: str, b: str) -> ItemRatio:
    if not (_plain(a) and _plain(b)):
        raise ValueError(f"bad range {a!r}..{b!r}")
    if not a.endswith(("%", "‰")) and b.endswith(("%", "‰")):
        a += b[-1]
    lo, hi = _parse_ratio(a, plan=True), _parse_ratio(b, plan=True)
    if dec_lt(hi, lo):
        raise ValueError(f"range minimum above maximum: {a!r}-{b!r}")
    return ItemRatio("range", lo, hi)


def _item_number(t: str) -> ItemRatio:
    if t in UNSPECIFIED_CELLS:
        return ItemRatio("unspecified")
    if "," in t:
        a, b = t.split(",", 1)
        a, b = trim(a), trim(b)
        wa = next((w for w in AT_LEAST_W if a.startswith(w)), None)
        wb = next((w for w in AT_MOST_W if b.startswith(w)), None)
        if wa and wb:
            return _range_ends(trim(a[len(wa):]), trim(b[len(wb):]))
    pos = [i for i, c in enumerate(t) if c in "-~〜至到"]
    if pos and pos[0] > 0:
        a, b = trim(t[:pos[0]]), trim(t[pos[0] + 1:])
        if _plain(a) and _plain(b):
            return _range_ends(a, b)
    u, at_least = t, False
    for w in ("及以上", "以上"):
        if u.endswith(w):
            u, at_least = trim(u[:-len(w)]), True
            break
    if u.endswith(("户", "家")):
        u = trim(u[:-1])
        w = next((w for w in AT_LEAST_W if u.startswith(w)), None)
        if w:
            u, at_least = trim(u[len(w):]), True
        elif u.startswith("="):
            u = trim(u[1:])
        if u.startswith("+"):
            u = u[1:]
        if not re.fullmatch(r"[0-9]+", u) or int(u) >= 2 ** 64:
            raise ValueError(f"bad count {t!r}")
        if int(u) == 0:
            raise ValueError(f"count of 0: {t!r}")
        return ItemRatio("count_min" if at_least else "count", n=int(u))
    return ItemRatio("ratio", _parse_ratio(t, plan=True))


def _bounded_segment(seg: str):
    """SPEC §1.4 per-group form: `label` then a minimum wording and a ratio, or None."""
    u, worded = seg, False
    for w in ("及以上", "以上"):
        if u.endswith(w):
            u, worded = trim(u[:-len(w)]), True
            break
    if not u or u[-1] not in "%‰":
        return None
    unit, u = u[-1], trim(u[:-1])
    j = len(u)
    while j > 0 and u[j - 1] in "0123456789.+":
        j -= 1
    if j == len(u):
        return None
    number, label = u[j:], trim(u[:j])
    w = next((w for w in (">=", "不低于", "不少于", "至少", "≥", "=") if label.endswith(w)), None)
    if w:
        label, worded = trim(label[:-len(w)]), True
    if not worded or not label:
        return None
    try:
        return label, _parse_ratio(number + unit, plan=True)
    except ValueError:
        return None


def _per_group(t: str):
    """SPEC §1.4 per-group form, on the folded, trimmed cell: [(label, min or None)], or None."""
    segs = [trim(x) for x in re.split("[,;]", t)]
    if len(segs) < 2:
        return None
    groups = []
    for x in segs:
        if not x:
            return None
        if any(c in "0123456789%‰" for c in x):
            g = _bounded_segment(x)
            if g is None:
                return None
            groups.append(g)
        else:
            groups.append((x, None))
    return groups if any(m is not None for _, m in groups) else None


def parse_item_ratio(s: str) -> ItemRatio:
    """SPEC §1.4 item ratio cell, on the cleaned cell."""
    t = trim(fold_fullwidth(norm_text(s)))
    try:
        return _item_number(t)
    except ValueError as first:
        try:
            i = max(t.rfind(";"), t.rfind(","))
            if i < 0:
                raise ValueError(f"{first} (value {s!r})")
            left, right = trim(t[:i]), trim(t[i + 1:])
            if not right or "次" not in right:
                raise ValueError(f"{first} (value {s!r})")
            r = _item_number(left)
            r.freq = right
            return r
        except ValueError:
            # SPEC §1.4: only a cell refused by every other form may be per-group
            groups = _per_group(t)
            if groups is None:
                raise
            return ItemRatio("per_group", groups=groups)


def task_number(t, lead):
    """SPEC §6.2: (r_task, C_task)."""
    if t.get("ratio") is not None:
        return t["ratio"], None
    if t.get("count") is not None:
        return Dec(1, 0), t["count"]
    r = lead["ratio"]
    if r.kind == "ratio":
        return r.a, None
    if r.kind in ("count", "count_min"):
        return Dec(1, 0), r.n
    return (r.a if r.kind == "range" else Dec(1, 0)), None


def parse_batch(s: str):
    """SPEC §6.5 batch: `k/n`, folded and trimmed, each side trimmed ASCII digits (1-4), 1 <= k <= n <= 1000."""
    t = fold_fullwidth(s)
    if "/" not in t:
        return None
    k, n = t.split("/", 1)
    k, n = trim(k), trim(n)
    if not all(x and len(x) <= 4 and all("0" <= c <= "9" for c in x) for x in (k, n)):
        return None
    k, n = int(k), int(n)
    return (k, n) if 1 <= k <= n <= 1000 else None


def year_fraction(t):
    """SPEC §6.5: (p, q) of a batch task, else None."""
    if t.get("batch"):
        return t["batch"]
    if t.get("year_share") is not None:
        return t["year_share"].a, 10 ** t["year_share"].s
    return None


def check_task_number(t, lead, where):
    """SPEC §1.7: the task's number against the lead item's cell."""
    r, tr, tc = lead["ratio"], t.get("ratio"), t.get("count")
    bad = lambda m: (_ for _ in ()).throw(BadInput(f"{where}: {m}"))
    if tr is not None and tc is not None:
        bad("states both ratio and count")
    if r.kind == "per_group":
        # SPEC §1.7: each group value found in a bounded segment's label has at least its minimum
        for v, gr in sorted(t.get("group_ratios", {}).items(), key=lambda kv: bkey(kv[0])):
            fv = trim(fold_fullwidth(v))
            for lab, m in r.groups:
                if m is not None and fv and fv in lab and dec_lt(gr, m):
                    bad(f"ratio {gr} of {v!r} is below the minimum {m} item {lead['id']} gives for {lab!r}")
        if tr is None and tc is None:
            bad(f"item {lead['id']} gives ratios per group: the task must state a ratio (for the objects in no group it names) or a count")
    if tr is None and tc is None:
        if r.kind in ("range", "unspecified"):
            bad(f"item {lead['id']} gives {r}: the task must state its number")
        return
    if r.kind in ("count", "count_min") and tr is not None:
        bad(f"item {lead['id']} gives a count: state count, not ratio")
    if r.kind in ("ratio", "range") and tc is not None:
        bad(f"item {lead['id']} gives a ratio: state ratio, not count")
    if r.kind == "ratio" and dec_lt(tr, r.a):
        bad(f"ratio {tr} is below the minimum {r.a} of item {lead['id']}")
    if r.kind == "range" and (dec_lt(tr, r.a) or dec_lt(r.b, tr)):
        bad(f"ratio {tr} is outside the range {r.a}-{r.b} of item {lead['id']}")
    if r.kind == "count" and tc != r.n:
        bad(f"count {tc} differs from the count {r.n} of item {lead['id']}")
    if r.kind == "count_min" and tc < r.n:
        bad(f"count {tc} is below the minimum {r.n} of item {lead['id']}")
    if r.kind in ("unspecified", "per_group") and tc == 0:
        bad("count 0 draws nothing")


def count(s: str, field: str):
    """SPEC §1.4 min_count / max_count: id(s) empty (absent) or an optional `+` and ASCII digits, at most 2^64 - 1."""
    v = norm_id(s)
    if not v:
        return None
    if not re.fullmatch(r"\+?[0-9]+", v) or int(v) > 2**64 - 1:
        raise ValueError(f"{field}: not a decimal integer: {s!r}")
    return int(v)


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
ENTITY_ACTIVE = {"", "存续", "在业", "开业", "正常", "在营", "存续（在营、开业、在册）", "active", "在建", "在用"}
ENTITY_INACTIVE = {"注销", "吊销", "撤销", "迁出", "停业", "歇业", "deregistered", "revoked", "closed", "inactive",
                   "停工", "竣工", "停用"}
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
    if c not in CREDIT:
        raise ValueError(f"credit class: unknown value {s!r}")
    return CREDIT[c]


# --------------------------------------------------------------------------
# Loading (SPEC §1.1-§1.7)
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
STRICT_FILES = {"on": False}
CSV_STRICT = {"on": False}  # lenient quotes, as ssj reads them (see tools/README.md)
HEADERS = {kind: {n.strip(): f for f, names in tbl.items() for n in names.split(",")}
           for kind, tbl in HEADER_NAMES.items()}

# SPEC §1.8: the id scheme of the registry ([registry] of the plan being read)
REGISTRY = {"scheme": "uscc", "pattern": None}
SCHEMES = ("uscc", "project", "grid", "site", "code")
UNIT_HEADERS = {  # SPEC §1.8: headers of the unit-id column under a code scheme
    "common": "unit, unitid, unitcode, 对象编号",
    "entities": "id, code, 编号",
    "references": "entity",
    "project": "projectcode, projectid, 项目编号, 项目代码",
    "grid": "gridid, gridcode, 网格编号, 网格代码",
    "site": "siteid, sitecode, 点位编号, 点位代码, 场站编号, 站点编号",
    "code": "",
    "name": "项目名称, 网格名称, 点位名称, 场站名称, projectname, gridname, sitename",
}


def split_names(s):
    return [n.strip() for n in s.split(",") if n.strip()]


def headers_for(kind):
    """SPEC §1.3 with §1.8: under a code scheme the unit-id column of entities, history and conflicts
    has the scheme's headers (and the USCC headers are ordinary, ignored columns)."""
    s = REGISTRY["scheme"]
    if s == "uscc" or kind not in ("entities", "history", "conflicts"):
        return HEADERS[kind]
    h = {k: f for k, f in HEADERS[kind].items() if f != "uscc"}
    extra = UNIT_HEADERS["entities"] if kind == "entities" else UNIT_HEADERS["references"]
    for n in split_names(UNIT_HEADERS["common"]) + split_names(extra) + split_names(UNIT_HEADERS[s]):
        h[n] = "uscc"
    if kind == "entities":
        for n in split_names(UNIT_HEADERS["name"]):
            h[n] = "name"
    return h


def unit_prefix() -> str:
    """SPEC §1.8: what precedes a unit id in records and tickets."""
    return "" if REGISTRY["scheme"] == "uscc" else REGISTRY["scheme"] + ":"


def is_code_char(c: str) -> bool:
    return ("A" <= c <= "Z") or ("0" <= c <= "9") or c in "-_./" or "\u4e00" <= c <= "\u9fff"


def check_code(code: str) -> None:
    """SPEC §1.8: a code of a code scheme (after id()): at most 64 characters of the code set, and the
    pattern, if any (# a digit, @ a letter, ? a letter or digit, any other character itself)."""
    label = {"project": "project code", "grid": "grid id", "site": "site id", "code": "unit code"}[REGISTRY["scheme"]]
    if len(code) > 64:
        raise ValueError(f"{label} {code!r} has {len(code)} characters; a code has at most 64")
    for i, c in enumerate(code, 1):
        if not is_code_char(c):
            raise ValueError(f"{label} {code!r} has {c!r} (U+{ord(c):04X}) at position {i}")
    p = REGISTRY["pattern"]
    if p is None:
        return
    if len(code) != len(p):
        raise ValueError(f"{label} {code!r} does not match the pattern {p!r}: {len(code)} characters, "
                         f"the pattern {len(p)}")
    for i, (c, w) in enumerate(zip(code, p), 1):
        ok = {"#": "0" <= c <= "9", "@": "A" <= c <= "Z",
              "?": ("0" <= c <= "9") or ("A" <= c <= "Z")}.get(w, c == w)
        if not ok:
            raise ValueError(f"{label} {code!r} does not match the pattern {p!r} at character {i}")


def norm_header(h: str) -> str:
    """SPEC §1.3 header normalisation."""
    h = fold_fullwidth(norm_text(h)).lower()  # full-width brackets are ASCII from here on
    if h.endswith(")"):  # one trailing note: from the last "(" on, unless it is the first character
        i = h.rfind("(")
        if i > 0:
            h = h[:i]
    return re.sub(r"[ _\-*.]", "", h)


class BadInput(Exception):
    """Bad input (exit 2): the message names the file, and the line/field where known."""


# The file being read, named by the catch-all in main() if something unexpected fails.
CURRENT = {"file": None}


def read_bytes(path: str) -> bytes:
    CURRENT["file"] = path
    try:
        with open(path, "rb") as f:
            return f.read()
    except FileNotFoundError:
        raise BadInput(f"{path}: file not found")
    except IsADirectoryError:
        raise BadInput(f"{path}: is a directory, not a file")
    except OSError as e:
        raise BadInput(f"{path}: cannot read: {e.strerror or e}")


def _decode_error(path: str, raw: bytes, base: int, e: UnicodeDecodeError, enc: str) -> BadInput:
    off = base + e.start
    line = raw[:off].count(b"\n") + 1
    return BadInput(f"{path}: line {line}, byte offset {off}: invalid {enc} bytes "
                    f"{raw[off:off + 4].hex(' ')} (SPEC §1.1: invalid bytes are an error)")


def _gb18030_euro(e: UnicodeDecodeError):
    """WHATWG gb18030: the single byte 0x80 (where a character starts) is the euro sign."""
    if e.object[e.start] == 0x80:
        return "\u20ac", e.start + 1
    raise e


codecs.register_error("ssj-gb18030-euro", _gb18030_euro)


def decode_text(path: str, raw: bytes, encoding: str = "auto") -> str:
    """SPEC §1.1 bytes to text; line endings CRLF / CR become LF."""
    enc = (encoding or "auto").strip().lower()
    if enc not in ("auto", "utf-8", "utf8", "gbk", "gb18030"):
        raise BadInput(f"{path}: unknown encoding {encoding!r} (plan [inputs] encoding: auto, utf-8, gbk, gb18030)")
    base = 0
    if raw.startswith(b"\xef\xbb\xbf"):
        base, enc = 3, "utf-8"
    elif raw.startswith(b"\xff\xfe") or raw.startswith(b"\xfe\xff"):
        base, enc = 2, ("utf-16-le" if raw.startswith(b"\xff\xfe") else "utf-16-be")
    elif enc == "auto":
        import codecs
        try:
            codecs.getincrementaldecoder("utf-8")().decode(raw[:65536], final=False)
            enc = "utf-8"
        except UnicodeDecodeError:
            enc = "gb18030"
    elif enc in ("gbk", "gb18030"):
        enc = "gb18030"  # GB18030 is a superset of GBK (SPEC §1.1)
    elif enc == "utf8":
        enc = "utf-8"
    try:
        # SPEC §1.1: GB18030 as the WHATWG Encoding Standard decodes it, where a lone byte 0x80 is U+20AC
        text = raw[base:].decode(enc, "ssj-gb18030-euro" if enc == "gb18030" else "strict")
    except UnicodeDecodeError as e:
        raise _decode_error(path, raw, base, e, enc)
    return text.replace("\r\n", "\n").replace("\r", "\n")


def unterminated_quote(path: str, text: str):
    """A quote that opens a field and is never closed is an error. (Python's csv module in its
    default, lenient mode would read to the end of the file; ssj reports it, so do we.)"""
    S, F, Q, QQ = range(4)  # start of field, in unquoted field, in quoted field, quote seen in quoted field
    state, pos, qpos = S, 0, 0
    for m in re.finditer(r'[",\n]', text):
        if m.start() > pos and state in (S, QQ):
            state = F
        c, pos = m.group(), m.end()
        if state == Q:
            if c == '"':
                state = QQ
        elif state == QQ:
            state = Q if c == '"' else S
        elif state == S:
            if c == '"':
                state, qpos = Q, m.start()
        elif c != '"':
            state = S
    if state == Q:
        raise BadInput(f"{path}: line {text.count(chr(10), 0, qpos) + 1}: a quote (\") opened on this line "
                       f"is never closed")


MAX_LINE = {"bytes": 1 << 20}  # [inputs] max_line_bytes of the plan being read (SPEC §1.6 rules 5, 6)


def read_csv(path: str, kind: str, encoding: str = "auto") -> list[dict]:
    raw = read_bytes(path)
    text = decode_text(path, raw, encoding)
    limit = MAX_LINE["bytes"]
    if len(text.encode("utf-8")) > limit:  # only then can a line be too long
        for n, line in enumerate(text.split("\n"), 1):
            if len(line.encode("utf-8")) > limit:
                raise BadInput(f"{path}: line {n}: line is longer than {limit} bytes (max_line_bytes, SPEC §1.6)")
    unterminated_quote(path, text)
    rows = []
    try:
        rd = csv.reader(io.StringIO(text, newline=""), strict=CSV_STRICT["on"])
        start = 1
        for r in rd:
            rows.append((start, r))
            start = rd.line_num + 1
    except csv.Error as e:
        raise BadInput(f"{path}: line {rd.line_num}: malformed CSV ({e})")
    rows = [(ln, r) for ln, r in rows if any(norm_text(c) for c in r)]
    if not rows:  # SPEC §1.6 rule 4: a file named by the plan has a header
        raise BadInput(f"{path}: the file is empty; expected a header row (SPEC §1.6)")
    hmap = headers_for(kind)

    def held(cells):
        fields = {hmap.get(norm_header(c)) for c in cells}
        return sum(1 for f in REQUIRED[kind] if f in fields)

    # SPEC §1.1: the first non-blank record if it holds every required header, else the first
    # of the first 10 holding the most; the records above it are a title, skipped
    at = 0
    if held(rows[0][1]) < len(REQUIRED[kind]):
        scores = [held(r) for _, r in rows[:HEADER_SCAN_ROWS]]
        at = scores.index(max(scores))
    rows = rows[at:]
    header = []
    hln, hcells = rows[0]
    for col, h in enumerate(hcells, 1):
        f = hmap.get(norm_header(h))
        if f is not None and f in header:
            raise BadInput(f"{path}: line {hln}, column {col}: two columns for field {f} (SPEC §1.3)")
        header.append(f)
    missing = [f for f in REQUIRED[kind] if f not in header]
    if missing:
        raise BadInput(f"{path}: line {hln}: required column(s) missing: {', '.join(missing)} (SPEC §1.3)")
    clean_header = [norm_text(c) for c in hcells]
    out = []
    for ln, r in rows[1:]:
        if [norm_text(c) for c in r] == clean_header:
            raise BadInput(f"{path}: line {ln}: the header repeated (two exports pasted together, SPEC §1.1)")
        # SPEC is silent; like ssj, a row with another number of cells than the header is an error.
        if sum(len(c.encode("utf-8")) for c in r) > limit:
            raise BadInput(f"{path}: line {ln}: record is longer than {limit} bytes (max_line_bytes, SPEC §1.6)")
        if len(r) != len(hcells):
            raise BadInput(f"{path}: line {ln}: row has {len(r)} cells but the header has {len(hcells)}")
        d = {header[i]: r[i] for i in range(min(len(r), len(header))) if header[i]}
        for f in CODE_FIELDS:
            if f in d and SCIENTIFIC.match(d[f]):
                raise BadInput(f"{path}: line {ln}: {f} {d[f].strip()!r} is a number in scientific notation: "
                               f"a spreadsheet lost the code's digits (SPEC §1.1)")
        d["_line"] = ln
        out.append(d)
    return out


HEADER_SCAN_ROWS = 10
# SPEC §1.1: code columns, and the scientific notation a spreadsheet writes for a number
CODE_FIELDS = ("id", "cert_no", "uscc", "item", "officers")
SCIENTIFIC = re.compile(r"[ \t]*[0-9]+(\.[0-9]+)?[Ee][+-][0-9]{2,3}[ \t]*\Z")

REQUIRED = {
    "items": ["id", "name", "department", "legal_basis", "object_types", "ratio", "category"],
    "officers": ["cert_no", "name", "unit", "categories", "regions"],
    "entities": ["uscc", "name", "types", "region"],
    "history": ["uscc", "item", "date"],
    "conflicts": ["cert_no", "uscc"],
}
KINDS = ("items", "officers", "entities", "history", "conflicts")


def text_set(xs) -> list[str]:
    return sorted({norm_text(x) for x in xs} - {""}, key=bkey)


def _rows(path, kind, encoding, build):
    out = []
    rows = read_csv(path, kind, encoding)
    if not rows and kind in ("items", "officers", "entities"):
        raise BadInput(f"{path}: the file has a header but no records (SPEC §1.6 rule 7)")
    for row in rows:
        g = lambda k: row.get(k, "")
        try:
            out.append(build(g))
        except (ValueError, KeyError, TypeError) as e:
            raise BadInput(f"{path}: line {row['_line']}: {kind} record: {e}")
    return out


def load_plan(plan_path: str):
    raw = read_bytes(plan_path)
    base = 3 if raw.startswith(b"\xef\xbb\xbf") else 0  # SPEC §1.7: a leading UTF-8 BOM is ignored
    try:
        text = raw[base:].decode("utf-8")
    except UnicodeDecodeError as e:
        raise _decode_error(plan_path, raw, base, e, "utf-8")
    try:
        toml = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise BadInput(f"{plan_path}: malformed TOML: {e}")
    return toml


def load_inputs(plan_dir: str, plan_file: str = "plan.toml", withheld=()):
    """Returns (plan, items, officers, entities, history, conflicts); a withheld kind is []."""
    import os
    plan_path = os.path.join(plan_dir, plan_file)
    toml = load_plan(plan_path)
    try:
        return _load_inputs(plan_dir, plan_path, toml, withheld)
    except (ValueError, KeyError, TypeError, AttributeError) as e:
        raise BadInput(f"{CURRENT['file'] or plan_path}: {type(e).__name__}: {e}")


PLAN_KEYS = {  # SPEC §1.7: every table refuses other keys
    "": {"plan", "inputs", "rules", "tasks", "disclosure", "seed_sources", "notice", "results", "registry"},
    "registry": {"scheme", "pattern"},
    "plan": {"id", "title", "authority", "period_start", "period_end", "date", "seed_source"},
    "inputs": {"items", "officers", "entities", "history", "conflicts", "encoding", "max_line_bytes"},
    "rules": {"team_size", "max_per_year", "cooldown_days", "overlap", "cross_region", "rotation",
              "officer_max_load", "stratify", "class_ratios", "certified_through_period_end"},
    "tasks": {"items", "regions", "types", "industries", "credit_classes", "flags", "ratio", "count",
              "batch", "year_share", "group_by", "group_ratios"},
    "disclosure": {"withhold"},
}
ENCODINGS = ("auto", "utf-8", "utf8", "gbk", "gb18030")  # SPEC §1.7: exactly these spellings


def check_plan(plan_path: str, toml: dict):
    """SPEC §1.7: tables, keys, types and accepted values of plan.toml."""
    def bad(msg):
        raise BadInput(f"{plan_path}: {msg} (SPEC §1.7)")

    def keys(table, name):
        if not isinstance(table, dict):
            bad(f"[{name}] must be a table")
        extra = sorted(set(table) - PLAN_KEYS[name])
        if extra:
            bad(f"unknown key {extra[0]!r} in {'[' + name + ']' if name else 'the top level'}")

    def strings(v, what):
        if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
            bad(f"{what} must be an array of strings")
        return v

    keys(toml, "")
    for t in ("plan", "inputs"):
        if t not in toml:
            bad(f"missing table [{t}]")
    p, i = toml["plan"], toml["inputs"]
    keys(p, "plan")
    for k in ("id", "title", "authority", "period_start", "period_end", "seed_source"):
        if k not in p:
            bad(f"[plan] {k} is missing")
    for k in ("id", "title", "authority", "seed_source"):
        if not isinstance(p[k], str):
            bad(f"[plan] {k} must be a string")
        if not trim(p[k]):
            bad(f"plan.{k} is empty")
    for k in ("period_start", "period_end", "date"):
        v = p.get(k)
        if v is not None and (isinstance(v, (dt.datetime, dt.time)) or not isinstance(v, (dt.date, str))):
            bad(f"[plan] {k} = {v!r}: a date such as 2026-10-01 (not a date-time)")
    keys(i, "inputs")
    for k in ("items", "officers", "entities"):
        if k not in i:
            bad(f"[inputs] {k} is missing")
    for k in ("items", "officers", "entities", "history", "conflicts", "encoding"):
        if k in i and not isinstance(i[k], str):
            bad(f"[inputs] {k} must be a string")
    if i.get("encoding", "auto") not in ENCODINGS:
        bad(f"[inputs] encoding = {i['encoding']!r}: expected one of {', '.join(ENCODINGS)}")
    mlb = i.get("max_line_bytes", 1 << 20)
    if isinstance(mlb, bool) or not isinstance(mlb, int) or not 0 <= mlb <= 2**64 - 1:
        bad(f"[inputs] max_line_bytes = {mlb!r}: expected an integer 0..2^64-1")
    r = toml.get("rules", {})
    keys(r, "rules")
    for k in ("team_size", "max_per_year", "cooldown_days", "officer_max_load"):
        v = r.get(k)
        if v is not None and (isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= 2**32 - 1):
            bad(f"[rules] {k} = {v!r}: expected an integer 0..4294967295")
    if r.get("team_size", 2) < 2:
        bad(f"team_size is {r['team_size']}; the law requires at least 2 officers")
    for k in ("max_per_year", "officer_max_load"):
        if r.get(k) == 0:
            bad(f"{k} is 0; omit it for no cap")
    for k in ("cross_region", "rotation"):
        if k in r and not isinstance(r[k], bool):
            bad(f"[rules] {k} = {r[k]!r}: expected true or false")
    for k, allowed in (("overlap", ("joint", "next")), ("stratify", ("region", "none"))):
        if k in r and r[k] not in allowed:
            bad(f"[rules] {k} = {r[k]!r}: expected one of {', '.join(allowed)}")
    cr = r.get("class_ratios", {})
    if not isinstance(cr, dict):
        bad("[rules] class_ratios must be a table")
    for k, v in cr.items():
        if k not in ("A", "B", "C", "D"):
            bad(f"[rules.class_ratios] key {k!r}: expected A, B, C or D")
        if not isinstance(v, str):
            bad(f"[rules.class_ratios] {k} = {v!r}: a ratio is a string such as \"20%\"")
    tasks = toml.get("tasks", [])
    if not isinstance(tasks, list):
        bad("tasks must be an array of tables [[tasks]]")
    for n, t in enumerate(tasks, 1):
        keys(t, "tasks")
        if "items" not in t:
            bad(f"[[tasks]] number {n}: items is missing")
        its = strings(t["items"], f"[[tasks]] number {n}: items")
        if not its:
            bad(f"[[tasks]] number {n}: a task must name at least one item")
        if len(set(its)) != len(its):
            bad(f"[[tasks]] number {n}: task names an item twice: {', '.join(its)}")
        for k in ("regions", "types", "industries", "credit_classes", "flags"):
            strings(t.get(k, []), f"[[tasks]] number {n}: {k}")
        if "ratio" in t and not isinstance(t["ratio"], str):
            bad(f"[[tasks]] number {n}: ratio must be a string such as \"15%\"")
        if "count" in t and (isinstance(t["count"], bool) or not isinstance(t["count"], int)
                             or not 0 <= t["count"] < 2 ** 64):
            bad(f"[[tasks]] number {n}: count must be a whole number")
        for k in ("batch", "year_share"):  # SPEC §6.5
            if k in t and not isinstance(t[k], str):
                bad(f"[[tasks]] number {n}: {k} must be a string such as \"2/4\" or \"50%\"")
        if "batch" in t and parse_batch(t["batch"]) is None:
            bad(f"[[tasks]] number {n}: batch {t['batch']!r} is not k/n with 1 <= k <= n <= 1000")
        if "batch" in t and "year_share" in t:
            bad(f"[[tasks]] number {n}: states both batch and year_share")
        # SPEC §1.7 / §6.1: per-group ratios -- a column and a table of value -> ratio string, both or neither
        if "group_by" in t and t["group_by"] not in ("types", "industry", "region"):
            bad(f"[[tasks]] number {n}: group_by {t['group_by']!r}: expected types, industry or region")
        if "group_ratios" in t:
            gr = t["group_ratios"]
            if not isinstance(gr, dict) or not all(isinstance(v, str) for v in gr.values()):
                bad(f"[[tasks]] number {n}: group_ratios must be a table of ratio strings such as \"50%\"")
            cleaned = [norm_text(k) for k in gr]
            if "" in cleaned:
                bad(f"[[tasks]] number {n}: a value of group_ratios is empty")
            if len(set(cleaned)) != len(cleaned):
                bad(f"[[tasks]] number {n}: group_ratios names a value twice")
        if ("group_by" in t) != bool(t.get("group_ratios")):
            bad(f"[[tasks]] number {n}: group_by and group_ratios go together")
        for c in t.get("credit_classes", []):
            if c not in ("A", "B", "C", "D"):
                bad(f"[[tasks]] number {n}: credit class {c!r}: expected A, B, C or D")
        for f in t.get("flags", []):
            if f not in FLAG_ORDER:
                bad(f"[[tasks]] number {n}: flag {f!r}: expected one of {', '.join(FLAG_ORDER)}")
    reg = toml.get("registry", {})
    keys(reg, "registry")
    if reg.get("scheme", "uscc") not in SCHEMES:
        bad(f"[registry] scheme = {reg['scheme']!r}: expected one of {', '.join(SCHEMES)}")
    if "pattern" in reg:
        pat = reg["pattern"]
        if not isinstance(pat, str):
            bad("[registry] pattern must be a string")
        if reg.get("scheme", "uscc") == "uscc":
            bad("registry.pattern applies to a code scheme (project, grid, site, code)")
        pat = pat.upper() if pat.isascii() else "".join(c.upper() if c.isascii() else c for c in pat)
        if not 1 <= len(pat) <= 64 or not all(is_code_char(c) or c in "#@?" for c in pat):
            bad(f"registry.pattern {reg['pattern']!r}: 1-64 code characters and # @ ? (SPEC §1.8)")
    d = toml.get("disclosure", {})
    keys(d, "disclosure")
    for w in strings(d.get("withhold", []), "[disclosure] withhold"):
        if w not in ("history", "conflicts"):
            bad(f"disclosure.withhold: {w!r} cannot be withheld; only \"history\" and \"conflicts\" can")


def _load_inputs(plan_dir, plan_path, toml, withheld):
    import os
    CURRENT["file"] = plan_path
    check_plan(plan_path, toml)
    reg = toml.get("registry", {})
    REGISTRY["scheme"] = reg.get("scheme", "uscc")
    # SPEC §1.8: the pattern as written with ASCII letters upper-cased
    REGISTRY["pattern"] = ("".join(c.upper() if c.isascii() else c for c in reg["pattern"])
                           if "pattern" in reg else None)
    p = toml["plan"]
    inputs = toml.get("inputs", {})
    r = toml.get("rules", {})

    def dstr(x, field):
        try:
            return x.isoformat() if isinstance(x, dt.date) else parse_date(x, plan=True)
        except ValueError as e:
            raise BadInput(f"{plan_path}: [plan] {field}: {e}")

    def rint(k):
        v = r[k]
        if isinstance(v, bool) or not isinstance(v, int) or v < 0 or v > 2**32 - 1:
            raise BadInput(f"{plan_path}: [rules] {k} = {v!r}: expected an integer 0..4294967295")
        return v

    plan = {  # SPEC §2.3: trimmed of leading and trailing whitespace (Unicode White_Space; inner runs kept)
        "id": trim(p["id"]),
        "title": trim(p.get("title", "")),
        "authority": trim(p["authority"]),
        "seed_source": trim(p.get("seed_source", "")),
        "period_start": dstr(p["period_start"], "period_start"),
        "period_end": dstr(p["period_end"], "period_end"),
    }
    plan["date"] = dstr(p["date"], "date") if "date" in p else plan["period_start"]
    if REGISTRY["scheme"] != "uscc":  # SPEC §2.3: a member only for a code scheme
        plan["registry"] = {"scheme": REGISTRY["scheme"],
                            **({"pattern": REGISTRY["pattern"]} if REGISTRY["pattern"] is not None else {})}
    if plan["period_end"] < plan["period_start"]:
        raise BadInput(f"{plan_path}: period_end {plan['period_end']} is before period_start {plan['period_start']}")
    plan["seed_sources"] = parse_seed_sources(toml.get("seed_sources", []), plan["date"], plan_path)
    for k, allowed in (("overlap", ("joint", "next")), ("stratify", ("region", "none"))):
        if k in r and r[k] not in allowed:
            raise BadInput(f"{plan_path}: [rules] {k} = {r[k]!r}: expected one of {', '.join(allowed)}")
    for k in ("cross_region", "rotation", "certified_through_period_end"):
        if k in r and not isinstance(r[k], bool):
            raise BadInput(f"{plan_path}: [rules] {k} = {r[k]!r}: expected true or false")
    try:
        cr = {k: parse_ratio(v, plan=True) for k, v in (r.get("class_ratios") or {}).items()}
    except ValueError as e:
        raise BadInput(f"{plan_path}: [rules.class_ratios]: {e}")
    rules = {
        "team_size": rint("team_size") if "team_size" in r else 2,
        "max_per_year": rint("max_per_year") if r.get("max_per_year") is not None else None,
        "cooldown_days": rint("cooldown_days") if "cooldown_days" in r else 0,
        "overlap": r.get("overlap", "joint"),
        "cross_region": bool(r.get("cross_region", False)),
        "rotation": bool(r.get("rotation", False)),
        "officer_max_load": rint("officer_max_load") if r.get("officer_max_load") is not None else None,
        "stratify": r.get("stratify", "region"),
        "class_ratios": cr,
    }
    # SPEC §2.3: a member of the canonical JSON only when set to true
    if r.get("certified_through_period_end", False):
        rules["certified_through_period_end"] = True
    if r.get("max_substitutions") is not None:  # SPEC §2.3: a member only when set
        rules["max_substitutions"] = rint("max_substitutions")
    if rules["team_size"] < 1:
        raise BadInput(f"{plan_path}: [rules] team_size must be at least 1")
    encoding = inputs.get("encoding", "auto")
    MAX_LINE["bytes"] = inputs.get("max_line_bytes", 1 << 20)

    def path(kind, default):
        v = inputs.get(kind, default)
        if not isinstance(v, str):
            raise BadInput(f"{plan_path}: [inputs] {kind} = {v!r}: expected a file name")
        return os.path.join(plan_dir, v)

    def item(g):
        lvl = norm_text(g("level")).lower()
        if lvl not in LEVEL:
            raise ValueError(f"level: unknown value {g('level')!r}")
        return {
            "id": norm_id(g("id")), "name": norm_text(g("name")), "department": norm_text(g("department")),
            "legal_basis": norm_text(g("legal_basis")), "object_types": norm_list(g("object_types")),
            "content": norm_text(g("content")), "ratio": parse_item_ratio(g("ratio")),
            "min_count": count(g("min_count"), "min_count"),
            "max_count": count(g("max_count"), "max_count"),
            "method": norm_text(g("method")), "frequency": norm_text(g("frequency")),
            "category": norm_text(g("category")),
            "level": LEVEL[lvl],
        }
    items = _rows(path("items", "items.csv"), "items", encoding, item)

    def officer(g):
        return {
            "cert_no": norm_id(g("cert_no")), "name": norm_text(g("name")), "unit": norm_text(g("unit")),
            "department": norm_text(g("department")), "position": norm_text(g("position")),
            "categories": norm_list(g("categories")), "regions": norm_list(g("regions")),
            "cert_expiry": parse_date(g("cert_expiry")),
            "active": parse_bool(g("active"), OFFICER_ACTIVE, OFFICER_INACTIVE, "officer status"),
        }
    officers = _rows(path("officers", "officers.csv"), "officers", encoding, officer)

    def entity(g):
        cc = parse_credit(g("credit_class"))
        if REGISTRY["scheme"] != "uscc" and norm_id(g("uscc")):
            check_code(norm_id(g("uscc")))
        return {
            "uscc": norm_id(g("uscc")), "name": norm_text(g("name")), "types": norm_list(g("types")),
            "region": norm_text(g("region")), "industry": norm_text(g("industry")), "credit_class": cc,
            "complaints": parse_bool(g("complaints"), YES, NO, "complaints"),
            "abnormal": parse_bool(g("abnormal"), YES, NO, "abnormal"),
            "serious_violation": parse_bool(g("serious_violation"), YES, NO, "serious_violation"),
            "active": parse_bool(g("active"), ENTITY_ACTIVE, ENTITY_INACTIVE, "entity status"),
        }
    entities = _rows(path("entities", "entities.csv"), "entities", encoding, entity)

    def hist(g):
        d = parse_date(g("date"))
        if d is None:
            raise ValueError("date: empty")
        return {"uscc": norm_id(g("uscc")), "item": norm_id(g("item")), "date": d,
                "officers": norm_list(g("officers"), ident=True)}
    history = []
    if "history" not in withheld:
        # SPEC §1.6 rule 7: an input not named by the plan is the empty set; a named one must exist
        if "history" in inputs:
            history = _rows(path("history", "history.csv"), "history", encoding, hist)
    conflicts = []
    if "conflicts" not in withheld:
        if "conflicts" in inputs:
            conflicts = _rows(path("conflicts", "conflicts.csv"), "conflicts", encoding, lambda g: {
                "cert_no": norm_id(g("cert_no")), "uscc": norm_id(g("uscc")), "reason": norm_text(g("reason"))})
    CURRENT["file"] = plan_path

    # tasks
    tasks = []
    if toml.get("tasks"):
        for n, t in enumerate(toml["tasks"], 1):
            if not isinstance(t, dict) or not isinstance(t.get("items"), list) or not t["items"] \
                    or not all(isinstance(x, str) for x in t["items"]):
                raise BadInput(f"{plan_path}: [[tasks]] number {n}: `items` must be a non-empty list of item ids")
            tasks.append({
                "items": [norm_id(x) for x in t["items"]],  # SPEC §2.3: plan order kept (first item leads)
                # SPEC §2.3 (changed): filter lists are sets -- cleaned, empties dropped, sorted, deduplicated
                "regions": text_set(t.get("regions", [])),
                "types": text_set(t.get("types", [])),
                "industries": text_set(t.get("industries", [])),
                "credit_classes": sorted({parse_credit(x) for x in t.get("credit_classes", [])} - {None}),
                "flags": [f for f in FLAG_ORDER if f in {norm_text(x).lower() for x in t.get("flags", [])}],
                # SPEC §1.7 / §2.3: the task's number, only when set
                "ratio": parse_ratio(t["ratio"], plan=True) if "ratio" in t else None,
                "count": t.get("count"),
                # SPEC §6.5: a batch of the year, only when set
                "batch": parse_batch(t["batch"]) if "batch" in t else None,
                "year_share": parse_ratio(t["year_share"], plan=True) if "year_share" in t else None,
                # SPEC §6.1: per-group ratios, values cleaned (§1.2)
                "group_by": t.get("group_by"),
                "group_ratios": {norm_text(k): parse_ratio(v, plan=True)
                                 for k, v in (t.get("group_ratios") or {}).items()},
            })
        # SPEC §1.7: after id(), every task item is an item, and no item is in two tasks (or twice in one)
        known, seen = {it["id"] for it in items}, {}
        for n, t in enumerate(tasks, 1):
            for x in t["items"]:
                if x not in known:
                    raise BadInput(f"{plan_path}: [[tasks]] number {n}: item {x!r} is not in the item list")
                if x in seen:
                    raise BadInput(f"{plan_path}: [[tasks]] number {n}: item {x!r} is already drawn by task {seen[x]}")
                seen[x] = n
            check_task_number(t, next(i for i in items if i["id"] == t["items"][0]),
                              f"{plan_path}: [[tasks]] number {n}")
    else:
        for it in sorted(items, key=lambda i: bkey(i["id"])):
            tasks.append({"items": [it["id"]], "regions": [], "types": [], "industries": [],
                          "credit_classes": [], "flags": [], "ratio": None, "count": None,
                          "batch": None, "year_share": None, "group_by": None, "group_ratios": {}})
            check_task_number(tasks[-1], it, f"{plan_path}: item {it['id']}")
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


def rec_entity(e):  # SPEC §1.8: a unit id of a code scheme is prefixed with its scheme
    return ["shuangsuiji/v1/record/entity", unit_prefix() + e["uscc"], e["name"], ";".join(e["types"]), e["region"], e["industry"],
            e["credit_class"] or "", b01(e["complaints"]), b01(e["abnormal"]), b01(e["serious_violation"]),
            b01(e["active"])]


def rec_history(h):
    return ["shuangsuiji/v1/record/history", unit_prefix() + h["uscc"], h["item"], h["date"], ";".join(h["officers"])]


def rec_conflict(c):
    return ["shuangsuiji/v1/record/conflict", c["cert_no"], unit_prefix() + c["uscc"]]


def set_digest(file_tag: str, records, enc) -> str:
    hs = sorted(H(b"".join(put(f) for f in enc(r))) for r in records)
    return H(put(file_tag) + u64be(len(hs)) + b"".join(hs)).hex()


def dec_lt(x: Dec, y: Dec) -> bool:
    return x.a * 10 ** y.s < y.a * 10 ** x.s


def group_of(rules, t, e) -> str:
    """SPEC §6.1: the ratio group's name -- the class letter when the class has a class ratio; else
    `column=value` when the entity's value of the task's group_by column has a ratio (types: the type
    with the largest ratio, ties to the bytewise smaller); else "" (the default group)."""
    c = e["credit_class"]
    if c and c in rules["class_ratios"]:
        return c
    col, gr = t.get("group_by"), t.get("group_ratios") or {}
    if not col:
        return ""
    if col in ("region", "industry"):
        v = e[col] if e[col] in gr else None
    else:
        v = None
        for ty in e["types"]:
            if ty in gr and (v is None or dec_lt(gr[v], gr[ty])
                             or (not dec_lt(gr[ty], gr[v]) and bkey(ty) < bkey(v))):
                v = ty
    return "" if v is None else f"{col}={v}"


def group_ratio(rules, t, g: str, r_task: Dec) -> Dec:
    if g == "":
        return r_task
    if "=" in g:
        return t["group_ratios"][g.split("=", 1)[1]]
    return rules["class_ratios"][g]


def plan_json(plan) -> dict:
    pj = {
        "id": plan["id"], "title": plan["title"], "authority": plan["authority"],
        "seed_source": plan["seed_source"], "period_start": plan["period_start"],
        "period_end": plan["period_end"], "date": plan["date"],
        "rules": rules_json(plan["rules"]),
        "tasks": [dict({k: t[k] for k in ("items", "regions", "types", "industries", "credit_classes", "flags")},
                       # SPEC §2.3: ratio and count only when the task sets them
                       **({"ratio": str(t["ratio"])} if t.get("ratio") is not None else {}),
                       **({"count": t["count"]} if t.get("count") is not None else {}),
                       # SPEC §2.3 / §6.5: batch ("k/n") and year_share (canonical decimal) only when set
                       **({"batch": f"{t['batch'][0]}/{t['batch'][1]}"} if t.get("batch") else {}),
                       **({"year_share": str(t["year_share"])} if t.get("year_share") is not None else {}),
                       # SPEC §2.3 / §6.1: group_by and group_ratios only when set
                       **({"group_by": t["group_by"]} if t.get("group_by") else {}),
                       **({"group_ratios": {k: str(v) for k, v in t["group_ratios"].items()}}
                          if t.get("group_ratios") else {}))
                  for t in plan["tasks"]],
    }
    if plan.get("seed_sources"):  # SPEC §2.3: only when the plan declares sources
        pj["seed_sources"] = plan["seed_sources"]
    if plan.get("registry"):  # SPEC §2.3: only for a code scheme
        pj["registry"] = plan["registry"]
    return pj


# --------------------------------------------------------------------------
# Declared seed sources (SPEC §3.1)
# --------------------------------------------------------------------------

# game -> groups (count, min, max, is_set); a set is distinct numbers written ascending with two digits,
# otherwise digits in drawn order, one digit each
GAMES = {
    "kl8": [(20, 1, 80, True)],
    "ssq": [(6, 1, 33, True), (1, 1, 16, True)],
    "fc3d": [(3, 0, 9, False)],
    "dlt": [(5, 1, 35, True), (2, 1, 12, True)],
    "pl5": [(5, 0, 9, False)],
}
QUICKNET_GENESIS = 1692803367
QUICKNET_PERIOD = 3
DRAND_UNCHECKED = "drand signature not checked by this tool"


def digit_rule_bits(s: str) -> int:
    """SPEC §3.1 digit rule: runs of ASCII letters and digits; a run of >= 16 hexadecimal characters with a
    letter counts 4 bits a character; otherwise each decimal digit counts, floor(digits * 3321928 / 10^6)."""
    hexbits = digits = 0
    for run in re.split(r"[^0-9A-Za-z]", s):
        if len(run) >= 16 and re.fullmatch(r"[0-9a-fA-F]+", run) and re.search(r"[a-fA-F]", run):
            hexbits += 4 * len(run)
        else:
            digits += sum(c.isdigit() for c in run)
    return hexbits + digits * 3321928 // 1000000


def tenths_of(n: int) -> int:
    """min(2560, floor(10 * log2 n)) = bit length of n**10 minus one, capped."""
    if n.bit_length() > 256:
        return 2560
    return min(2560, (n ** 10).bit_length() - 1)


def source_outcomes(s: dict) -> int | None:
    from math import comb, prod
    if s["type"] == "dice":
        return s["faces"] ** s["count"]
    if s["type"] == "lottery":
        return prod(comb(hi - lo + 1, c) if is_set else 10 ** c for c, lo, hi, is_set in GAMES[s["game"]])
    return None


def source_label(s: dict) -> str:
    t = s["type"]
    return {"dice": "dice", "text": "text"}.get(t) or (
        f"{s['game']} {s['issue']}" if t == "lottery" else f"drand {s['round']}")


def parse_seed_sources(raw, date: str, plan_path: str) -> list:
    if not isinstance(raw, list):
        raise BadInput(f"{plan_path}: seed_sources must be an array of tables ([[seed_sources]])")
    keys = {"dice": {"count", "faces"}, "lottery": {"game", "issue", "draw_date"}, "drand": {"round"},
            "text": {"description"}}
    day0 = (dt.date.fromisoformat(date) - dt.date(1970, 1, 1)).days * 86400 - 8 * 3600
    out = []
    for i, s in enumerate(raw):
        where = f"{plan_path}: seed_sources[{i + 1}]"
        if not isinstance(s, dict) or s.get("type") not in keys or set(s) != keys[s["type"]] | {"type"}:
            raise BadInput(f"{where}: expected type = dice (count, faces), lottery (game, issue, draw_date), "
                           f"drand (round) or text (description), found {s!r}")
        t = s["type"]

        def num(k, lo, hi):
            v = s[k]
            if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
                raise BadInput(f"{where}: {k} = {v!r}: expected an integer {lo}..{hi}")
            return v
        if t == "dice":
            out.append({"type": t, "count": num("count", 1, 1000), "faces": num("faces", 2, 1000)})
        elif t == "lottery":
            if s["game"] not in GAMES:
                raise BadInput(f"{where}: game = {s['game']!r}: expected one of {', '.join(GAMES)}")
            if not isinstance(s["issue"], str) or not re.fullmatch(r"[0-9]{1,12}", s["issue"]):
                raise BadInput(f"{where}: issue = {s['issue']!r}: expected 1-12 ASCII digits")
            dd = s["draw_date"]
            dd = dd.isoformat() if isinstance(dd, dt.date) else parse_date(str(dd))
            if dd < date:
                raise BadInput(f"{where}: draw_date {dd} is before the plan date {date} (SPEC §3.1)")
            out.append({"type": t, "game": s["game"], "issue": s["issue"], "draw_date": dd})
        elif t == "drand":
            r = num("round", 1, 2**64 - 1)
            if QUICKNET_GENESIS + (r - 1) * QUICKNET_PERIOD < day0:
                raise BadInput(f"{where}: drand round {r} is published before the plan date {date} begins "
                               f"(00:00 +08:00, SPEC §3.1)")
            out.append({"type": t, "round": r})
        else:
            if not isinstance(s["description"], str) or not trim(s["description"]):
                raise BadInput(f"{where}: description is empty")
            out.append({"type": t, "description": s["description"]})
    return out


def read_seed_sources(sources: list, nseed: str) -> list:
    """The `seed.sources` of the result (SPEC §3.1, §10), or BadInput naming the source."""
    if not sources:
        return []
    parts = [p.strip(" ") for p in nseed.split("|")]
    if len(parts) != len(sources):
        raise BadInput(f"seed: {len(parts)} part(s) separated by '|', the plan declares {len(sources)} source(s)")
    out = []
    for i, (s, part) in enumerate(zip(sources, parts)):
        label = source_label(s)
        who = f"seed source {i + 1} ({label})"
        head, sep, body = part.partition(":")
        if not sep or head.strip(" ") != label:
            raise BadInput(f"{who}: the part {part!r} does not begin with {label + ':'!r}")
        body = body.strip(" ")
        t = s["type"]
        if t == "dice":
            lo, hi = (0, 9) if s["faces"] == 10 else (1, s["faces"])
            toks = body.split()
            if len(toks) != s["count"] or not all(re.fullmatch(r"[0-9]{1,4}", x) and lo <= int(x) <= hi
                                                  for x in toks):
                raise BadInput(f"{who}: expected {s['count']} throws of {lo}..{hi}, found {body!r}")
            canon = " ".join(str(int(x)) for x in toks)
        elif t == "lottery":
            groups = [g.strip(" ") for g in body.split("+")]
            pools = GAMES[s["game"]]
            if len(groups) != len(pools):
                raise BadInput(f"{who}: expected {len(pools)} group(s) separated by '+', found {body!r}")
            cg = []
            for g, (c, lo, hi, is_set) in zip(groups, pools):
                toks = g.split()
                if len(toks) != c or not all(re.fullmatch(r"[0-9]{1,4}", x) and lo <= int(x) <= hi for x in toks):
                    raise BadInput(f"{who}: expected {c} number(s) of {lo}..{hi}, found {g!r}")
                v = [int(x) for x in toks]
                if is_set:
                    if len(set(v)) != len(v):
                        raise BadInput(f"{who}: a number is written twice in {g!r}")
                    cg.append(" ".join(f"{x:02d}" for x in sorted(v)))
                else:
                    cg.append(" ".join(str(x) for x in v))
            canon = " + ".join(cg)
        elif t == "drand":
            if not re.fullmatch(r"[0-9a-f]{96}", body):
                raise BadInput(f"{who}: expected the signature as 96 lower-case hexadecimal digits")
            canon = body
        else:
            if not body:
                raise BadInput(f"{who}: the text is empty")
            canon = body
        written = f"{label}: {canon}"
        if written != part:
            raise BadInput(f"{who}: not in canonical form (SPEC §3.1); it would be {written!r}")
        n = source_outcomes(s)
        tenths = 2560 if t == "drand" else min(2560, 10 * digit_rule_bits(body)) if t == "text" else tenths_of(n)
        out.append({"source": s, "written": written, "tenths": tenths})
    if " | ".join(o["written"] for o in out) != nseed:
        raise BadInput("seed: the parts must be separated by ' | ' (SPEC §3.1)")
    return out


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


def ticket(tk: bytes, uscc: str) -> bytes:  # SPEC §4, §1.8: the unit id with its scheme's prefix
    return H(put("shuangsuiji/v1/ticket") + tk + put(unit_prefix() + uscc))


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


def run_draw(plan_dir: str, seed_text: str, trace=None, loaded=None, digs=None) -> dict:
    """The draw of SPEC §3-§10. `loaded`: inputs from load_inputs; `digs`: input digests to use
    (a withheld input's digest comes from the published result)."""
    plan, items, officers, entities, history, conflicts = loaded or load_inputs(plan_dir)
    rules = plan["rules"]
    if digs is None:
        digs = digests(plan, items, officers, entities, history, conflicts)
    nseed = normalize_seed(seed_text)
    if not nseed:
        raise BadInput("the seed text is empty after normalisation (SPEC §3)")
    sources = read_seed_sources(plan["seed_sources"], nseed)
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
    # SPEC §5 rule 3a (batch tasks): (entity, item) pairs with a record in the calendar year
    in_year_pairs = {(h["uscc"], h["item"]) for h in history if h["date"][:4] == year}
    # distinct dates of each entity's inspections in the calendar year of period_start (§5 rule 5)
    in_year = {u: sum(1 for d in ds if d[:4] == year) for u, ds in dates_by_ent.items()}

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
        earlier = Counter()  # SPEC §6.5: D_g, entities of group g excluded as `drawn`
        eligible = []
        lead_types = set(lead["object_types"])
        for e in entities:
            reason = None
            if not e["active"]:
                reason = "status"
            elif not any(ty in lead_types for ty in e["types"]):
                reason = "object_type"
            elif not filter_ok(t, e):
                reason = "filter"
            elif year_fraction(t) and any((e["uscc"], it) in in_year_pairs for it in t["items"]):
                reason = "drawn"
            elif rules["cooldown_days"] > 0 and any(
                    (e["uscc"], it) in last_by_pair
                    and days_between(plan["period_start"], last_by_pair[(e["uscc"], it)]) < rules["cooldown_days"]
                    for it in t["items"]):
                reason = "cool_down"
            elif rules["max_per_year"] is not None and in_year.get(e["uscc"], 0) >= rules["max_per_year"]:
                reason = "year_cap"
            elif rules["overlap"] == "next" and e["uscc"] in taken:
                reason = "taken"
            if reason:
                excl[reason] += 1
                if reason == "drawn":
                    earlier[group_of(rules, t, e)] += 1
            else:
                eligible.append(e)
        # groups & strata
        groups: dict[str, Dec] = {}
        strata: dict[tuple, list] = defaultdict(list)  # (group, regionkey) -> entities
        for e in eligible:
            g = group_of(rules, t, e)
            groups[g] = group_ratio(rules, t, g, task_number(t, lead)[0])
            rk = e["region"] if rules["stratify"] == "region" else "*"
            strata[(g, rk)].append(e)
        Ng = Counter()
        for (g, rk), es in strata.items():
            Ng[g] += len(es)
        N = len(eligible)
        share = year_fraction(t)
        r_task = task_number(t, lead)[0]

        def gratio(g):
            return group_ratio(rules, t, g, r_task)

        def through(g, b):  # SPEC §6.5: ceil(r_g x b x p / q)
            return ceil_div(gratio(g).a * b * share[0], 10 ** gratio(g).s * share[1])

        if share is None:
            ng = {g: ceil_div(groups[g].a * Ng[g], 10 ** groups[g].s) for g in groups}
        else:
            ng = {g: max(0, through(g, Ng[g] + earlier[g]) - earlier[g]) for g in groups}
        T0 = sum(ng.values())
        C_task = task_number(t, lead)[1]  # SPEC §6.2
        D = sum(earlier.values())
        if C_task is not None and share is not None:
            C_task = max(0, ceil_div(C_task * share[0], share[1]) - D)
        T = T0 if C_task is None else C_task
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
            allocation.append({"stratum": sname(g, rk), "region": rk, "class": (g or None) if "=" not in g else None,
                               "base": Nh, "drawn": n,
                               "ratio": str(groups[g]), "probability": f"{n}/{Nh}", "per_mille": 1000 * n // Nh})
            if "=" in g:  # SPEC §10: the group value, only for a value group
                allocation[-1]["group"] = g.split("=", 1)[1]
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
        if share is not None:  # SPEC §6.5 / §10: the year figures, only for a batch task
            c0 = task_number(t, lead)[1]
            allg = set(Ng) | {g for g in earlier if earlier[g]}
            if c0 is not None:
                year_t, thr = c0, ceil_div(c0 * share[0], share[1])
            else:
                year_t = sum(ceil_div(gratio(g).a * (Ng[g] + earlier[g]), 10 ** gratio(g).s) for g in allg)
                thr = sum(through(g, Ng[g] + earlier[g]) for g in allg)
            task_out[-1]["batch"] = {
                "share": f"{t['batch'][0]}/{t['batch'][1]}" if t.get("batch") else str(t["year_share"]),
                "year": year_t, "through": thr, "earlier": D}

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
    # SPEC §8.2: certificates valid on the plan date, or through the period end
    valid_from = max(plan["date"], plan["period_end"]) if rules.get("certified_through_period_end") \
        else plan["date"]
    ts = rules["team_size"]
    cap = rules["officer_max_load"]
    INF = float("inf")
    capv = INF if cap is None else cap
    # officers by (department, category), active with a valid certificate, in certificate order
    # (the first three conditions of §8.2; only an index, the order of `offs` is kept)
    by_dc: dict[tuple, list] = defaultdict(list)
    for o in offs:
        if not o["active"] or (o["cert_expiry"] is not None and o["cert_expiry"] < valid_from):
            continue
        for c in o["categories"]:
            by_dc[(dept(o), c)].append(o)
    conflicts_of: dict[str, set] = defaultdict(set)
    for cn, u in conflict_pairs:
        conflicts_of[u].add(cn)
    Q = []
    base_cache: dict[tuple, list] = {}
    for s in slots:
        e = ent_by[visits[s["v"]]["uscc"]]
        bk = (s["department"], s["category"], None if rules["cross_region"] else e["region"])
        base = base_cache.get(bk)
        if base is None:  # department, certificate, category, region (§8.2, in order)
            base = [o["cert_no"] for o in by_dc.get((s["department"], s["category"]), ())
                    if rules["cross_region"] or any(covers(r, e["region"]) for r in o["regions"])]
            base_cache[bk] = base
        drop = set(conflicts_of.get(e["uscc"], ()))  # conflict pairs
        if rules["rotation"]:
            drop |= last_officers.get(e["uscc"], set())  # the officers of its latest inspection
        Q.append([c for c in base if c not in drop] if drop else list(base))
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
        "plan": {k: plan[k] for k in ("id", "title", "authority", "period_start", "period_end", "date",
                                      "registry") if k in plan},
        "rules": rules_json(rules),
        "seed": {"text": seed_text, "normalized": nseed, "source": plan["seed_source"],
                 **({"sources": sources} if sources else {})},
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

# --------------------------------------------------------------------------
# Bundle mode: verify a published folder (layout: tools/README.md)
# --------------------------------------------------------------------------

COMMITMENT_FORMAT = "ssj-commitment-v1"
JOURNAL_TAG = "shuangsuiji/v1/journal-entry"
ZERO_HASH = "0" * 64
HEX64 = re.compile(r"[0-9a-f]{64}")
# Files that Python does not regenerate: covered only by SHA256SUMS (and, through the
# journal's `bundle` field, by the journal).
DERIVED = ["result.csv", "result.xlsx", "notice.html", "notice.md", "pre-draw.html", "pre-draw.md", "revisions.md",
           "VERIFY.md", "verify.html", "ssj_verify.py"]
TOOL_FILES = {"VERIFY.md", "verify.html", "ssj_verify.py"}
UNLISTED_OK = {"SHA256SUMS", "journal.jsonl"}

STATUS = {  # status -> (en, zh)
    "ok": ("ok", "一致"),
    "differs": ("DIFFERS", "不一致"),
    "not-checked": ("not checked", "未核验"),
    "error": ("ERROR", "错误"),
}

ZH = {  # fixed English phrases -> Chinese (details such as file names and values stay as they are)
    "file list": "文件清单",
    "file content (SHA-256)": "文件内容（SHA-256）",
    "not listed in SHA256SUMS (its content is not covered)": "未列入 SHA256SUMS（其内容未受保护）",
    "listed in SHA256SUMS but missing": "已列入 SHA256SUMS 但文件缺失",
    "content differs from SHA256SUMS": "内容与 SHA256SUMS 不符",
    "input digest": "输入摘要",
    "commitment": "事前承诺",
    "draw re-run": "重新抽取",
    "officer teams": "执法人员组队",
    "eligibility, allocation, selection and teams": "资格、分配、抽中结果与组队",
    "tickets": "签号（tickets）",
    "notice / derived file": "公告 / 派生文件",
    "journal": "全过程记录",
    "journal head": "记录链头哈希",
    "journal binding of SHA256SUMS": "记录对 SHA256SUMS 的绑定",
    "reproduced exactly (byte for byte, except engine_version)": "完全重现（逐字节一致，engine_version 除外）",
    "verified": "核验通过",
    "partially verified": "部分核验通过",
    "differs": "发现不一致",
    "bad input": "输入有误",
}


ZH_DETAIL = [  # phrases of the details, longest first when applied
    ("reproduced exactly (byte for byte, except engine_version)", "完全重现（逐字节一致，engine_version 除外）"),
    ("not regenerated by this tool", "本工具不重新生成"),
    ("covered only by SHA256SUMS (bound to the journal when its entry has a `bundle` field)",
     "仅受 SHA256SUMS 保护（记录条目含 `bundle` 字段时与全过程记录绑定）"),
    ("NOT covered (not in SHA256SUMS)", "未受保护（未列入 SHA256SUMS）"),
    ("`ssj verify DIR` or verify.html regenerate it from result.json",
     "可用 `ssj verify DIR` 或 verify.html 由 result.json 重新生成"),
    ("`ssj verify DIR` or verify.html regenerate it from the plan and inputs",
     "可用 `ssj verify DIR` 或 verify.html 由抽查计划和输入文件重新生成"),
    ("compare it with the published tool/repository copy", "请与项目公开的副本比对"),
    ("content differs from SHA256SUMS", "内容与 SHA256SUMS 不符"),
    ("listed in SHA256SUMS but missing", "已列入 SHA256SUMS 但文件缺失"),
    ("not listed in SHA256SUMS (its content is not covered)", "未列入 SHA256SUMS（其内容未受保护）"),
    ("every hash recomputed, consecutive prev links hold", "每条哈希均已重算，相邻条目的 prev 链接成立"),
    ("not included (other plans)", "未包含（其他计划的条目）"),
    ("has no `bundle` field: SHA256SUMS (and so the notices) is not bound to the journal",
     "无 `bundle` 字段：SHA256SUMS（及各公告）未与全过程记录绑定"),
    ("first difference:", "第一处不一致："),
    ("plan, rules, seed_source and tasks equal plan.toml's canonical form (SPEC §2.3); canonical bytes",
     "plan、rules、seed_source、tasks 与 plan.toml 的规范形式一致（SPEC §2.3）；字节为规范形式"),
    ("conflicts.csv is withheld: the officer teams (SPEC §8) depend on it and are NOT checked",
     "conflicts.csv 未公开：执法人员组队（SPEC §8）依赖该文件，未核验"),
    ("history.csv is withheld: cool-down, yearly cap, rotation and therefore eligibility, exclusion counts, "
     "allocation, which entities were selected, ranks and officer teams are NOT checked",
     "history.csv 未公开：冷却期、年度上限、轮换，因而资格、排除统计、分配、抽中哪些对象、名次和组队均未核验"),
    ("officer teams not compared", "未比对组队"),
    ("withheld:", "未公开："),
    ("not published; its digest", "未公布；其摘要"),
    ("is taken from", "取自"),
    ("no result.json: a pre-draw (commitment) folder", "无 result.json：事前（承诺）文件夹"),
    ("recomputed", "重算"),
    ("published", "公布"),
]


class Report:
    def __init__(self):
        self.checks: list[dict] = []
        self.partial: list[str] = []  # what a withheld input kept us from checking

    def add(self, status, file, what, detail=""):
        assert status in STATUS
        self.checks.append({"status": status, "file": file, "check": what, "detail": detail})

    def exit_code(self):
        st = {c["status"] for c in self.checks}
        return 2 if "error" in st else 1 if "differs" in st else 0

    def verdict(self):
        return {2: "bad input", 1: "differs"}.get(self.exit_code(),
                                                   "partially verified" if self.partial else "verified")


def sha256_file(path) -> str:
    return hashlib.sha256(read_bytes(path)).hexdigest()


def read_json(path: str):
    raw = read_bytes(path)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise _decode_error(path, raw, 0, e, "utf-8")
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise BadInput(f"{path}: line {e.lineno}, column {e.colno}: malformed JSON: {e.msg}")
    except RecursionError:
        raise BadInput(f"{path}: JSON nested too deeply")


def label_path(path: str, exp) -> str:
    """'/visits[3]/teams[0]/officers' -> 'visit 4 (uscc …): teams[0]/officers'."""
    m = re.match(r"/(tasks|visits)\[(\d+)\](.*)", path)
    if not m:
        return path.lstrip("/") or "(whole result)"
    i = int(m[2])
    rest = m[3].lstrip("/") or "(the whole entry)"
    try:
        x = exp[m[1]][i]
        who = f"key {x['key']}" if m[1] == "tasks" else f"uscc {x['uscc']}"
    except (KeyError, IndexError, TypeError):
        who = "?"
    return f"{m[1][:-1]} {i + 1} ({who}): field {rest}"


def check_sums(d: str, R: Report) -> dict:
    import os
    sp = os.path.join(d, "SHA256SUMS")
    listed: dict[str, str] = {}
    if not os.path.isfile(sp):
        R.add("error", "SHA256SUMS", "file list", "missing: not a bundle folder?")
        return listed
    raw = read_bytes(sp)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise _decode_error(sp, raw, 0, e, "utf-8")
    for n, line in enumerate(text.split("\n"), 1):
        if line == "":
            continue
        m = re.fullmatch(r"([0-9a-f]{64})  ([^/\\]+)", line)
        if not m or m[2] in (".", ".."):
            R.add("error", "SHA256SUMS", "file list", f"line {n}: expected `<64 hex>  <name>`, got {line[:80]!r}")
            continue
        if m[2] in listed:
            R.add("error", "SHA256SUMS", "file list", f"line {n}: {m[2]} listed twice")
        listed[m[2]] = m[1]
    for name in sorted(listed, key=bkey):
        fp = os.path.join(d, name)
        if not os.path.isfile(fp):
            R.add("differs", name, "file content (SHA-256)", "listed in SHA256SUMS but missing")
        else:
            got = sha256_file(fp)
            if got == listed[name]:
                R.add("ok", name, "file content (SHA-256)", got[:16] + "…")
            else:
                R.add("differs", name, "file content (SHA-256)",
                      f"content differs from SHA256SUMS (file {got[:16]}…, listed {listed[name][:16]}…)")
    for name in sorted(os.listdir(d), key=bkey):
        if name not in listed and name not in UNLISTED_OK:
            R.add("not-checked", name, "file list", "not listed in SHA256SUMS (its content is not covered)")
    return listed


def expected_commitment(plan, digs) -> dict:
    pj = plan_json(plan)
    return {"algorithm": ALGORITHM, "digests": digs, "format": COMMITMENT_FORMAT,
            "plan": {k: pj[k] for k in ("id", "title", "authority", "period_start", "period_end", "date",
                                        "registry") if k in pj},
            "rules": pj["rules"], "seed_source": pj["seed_source"], "tasks": pj["tasks"],
            **({"seed_sources": pj["seed_sources"]} if "seed_sources" in pj else {})}


def compare_skip(got, exp, skip) -> list[str]:
    diffs = []

    def walk(a, b, path):
        if skip(path):
            return
        if isinstance(a, dict) and isinstance(b, dict):
            for k in sorted(set(a) | set(b), key=lambda k: bkey(str(k))):
                if k not in b:
                    diffs.append((f"{path}/{k}", "missing in the published file"))
                elif k not in a:
                    diffs.append((f"{path}/{k}", "not expected (extra field)"))
                else:
                    walk(a[k], b[k], f"{path}/{k}")
        elif isinstance(a, list) and isinstance(b, list):
            for i, (x, y) in enumerate(zip(a, b)):
                walk(x, y, f"{path}[{i}]")
            if len(a) != len(b):
                diffs.append((path, f"recomputed {len(a)} entries, published {len(b)}"))
        elif a != b or type(a) != type(b):
            diffs.append((path, f"recomputed {short(a)}, published {short(b)}"))

    walk(got, exp, "")
    return diffs


def short(v) -> str:
    t = cjson(v) if isinstance(v, (dict, list, str, int, bool, type(None))) else repr(v)
    return t if len(t) <= 80 else t[:77] + "…"


def check_tickets_only(res_pub, plan, entities, digs, R, fname):
    """History withheld: eligibility cannot be recomputed; check keys and every published ticket."""
    diffs = []
    seed = res_pub["seed"]["text"]
    nseed = normalize_seed(seed)
    want = {"/seed/normalized": nseed, "/seed/source": plan["seed_source"], "/algorithm": ALGORITHM,
            "/rules": rules_json(plan["rules"]), "/digests": digs,
            "/plan": {k: plan[k] for k in ("id", "title", "authority", "period_start", "period_end", "date")}}
    for path, v in want.items():
        cur = res_pub
        for part in path.strip("/").split("/"):
            cur = cur.get(part) if isinstance(cur, dict) else None
        if cjson(v) != cjson(cur):
            diffs.append((path, f"recomputed {short(v)}, published {short(cur)}"))
    if not nseed:
        raise BadInput(f"{fname}: seed.text is empty after normalisation (SPEC §3)")
    dk = draw_key(nseed, [digs[k] for k in ("plan",) + KINDS])
    if res_pub.get("draw_key") != dk.hex():
        diffs.append(("/draw_key", f"recomputed {dk.hex()}, published {short(res_pub.get('draw_key'))}"))
    tks = {}
    ptasks = res_pub.get("tasks")
    if not isinstance(ptasks, list) or len(ptasks) != len(plan["tasks"]):
        diffs.append(("/tasks", f"the plan has {len(plan['tasks'])} tasks"))
        ptasks = ptasks if isinstance(ptasks, list) else []
    for i, t in enumerate(plan["tasks"]):
        key = "+".join(t["items"])
        tk = task_key(dk, key)
        tks[key] = tk
        if i < len(ptasks):
            pt = ptasks[i]
            for f, v in (("key", key), ("items", t["items"]), ("task_key", tk.hex()), ("index", i + 1)):
                if cjson(pt.get(f)) != cjson(v):
                    diffs.append((f"/tasks[{i}]/{f}", f"recomputed {short(v)}, published {short(pt.get(f))}"))
    ent = {e["uscc"]: e for e in entities}
    n = 0
    for vi, v in enumerate(res_pub.get("visits") or []):
        u = v.get("uscc")
        e = ent.get(u)
        if e is None:
            diffs.append((f"/visits[{vi}]/uscc", f"{short(u)} is not in entities.csv"))
            continue
        for f in ("name", "region", "credit_class"):
            if cjson(v.get(f)) != cjson(e[f]):
                diffs.append((f"/visits[{vi}]/{f}", f"entities.csv has {short(e[f])}, published {short(v.get(f))}"))
        for si, sel in enumerate(v.get("selections") or []):
            tk = tks.get(sel.get("task"))
            if tk is None:
                diffs.append((f"/visits[{vi}]/selections[{si}]/task", f"no task {short(sel.get('task'))} in the plan"))
                continue
            tt = ticket(tk, u).hex()
            n += 1
            if sel.get("ticket") != tt:
                diffs.append((f"/visits[{vi}]/selections[{si}]/ticket",
                              f"recomputed {tt}, published {short(sel.get('ticket'))}"))
    return diffs, n


def check_draw(d, res_pub, loaded, digs, withheld, R, fname):
    if not isinstance(res_pub, dict) or not isinstance(res_pub.get("seed"), dict) \
            or not isinstance(res_pub["seed"].get("text"), str):
        raise BadInput(f"{fname}: field seed.text missing or not a string")
    seed = res_pub["seed"]["text"]
    plan, items, officers, entities, history, conflicts = loaded
    if plan["seed_sources"]:
        srcs = read_seed_sources(plan["seed_sources"], normalize_seed(seed))
        total = sum(o["tenths"] for o in srcs)
        R.add("ok", fname, "seed sources",
              f"the seed is the canonical form of the {len(srcs)} declared sources (SPEC §3.1), credited "
              + " + ".join(f"{source_label(o['source'])} {o['tenths'] // 10}.{o['tenths'] % 10}" for o in srcs)
              + f" = {total // 10} bits")
        if any(o["source"]["type"] == "drand" for o in srcs):
            R.add("not-checked", fname, "drand signature",
                  f"{DRAND_UNCHECKED} (BLS12-381 is not in the Python standard library): only its form is "
                  f"checked; `ssj verify` (and any verifier built on the shuangsuiji crate) checks it against the quicknet public key of SPEC §3.1")
            R.partial.append("drand signature")
    if "history" in withheld:
        diffs, n = check_tickets_only(res_pub, plan, entities, digs, R, fname)
        if diffs:
            p, why = diffs[0]
            R.add("differs", fname, "tickets", f"first difference: {label_path(p, res_pub)}: {why}"
                  + (f" (and {len(diffs) - 1} more)" if len(diffs) > 1 else ""))
        else:
            R.add("ok", fname, "tickets", f"draw key, {len(plan['tasks'])} task keys and {n} tickets of the "
                                         f"drawn entities recomputed from the seed {seed!r}")
        R.add("not-checked", fname, "eligibility, allocation, selection and teams",
              "history.csv is withheld: cool-down, yearly cap, rotation and therefore eligibility, exclusion "
              "counts, allocation, which entities were selected, ranks and officer teams are NOT checked")
        R.partial.extend(withheld)
        return
    try:
        res = run_draw(d, seed, loaded=loaded, digs=digs)
    except Infeasible as e:
        R.add("differs", fname, "draw re-run", f"the re-run finds the plan infeasible ({e}), "
                                               f"but result.json holds a draw")
        return
    res["engine_version"] = res_pub.get("engine_version")
    if "conflicts" in withheld:
        skip = lambda path: bool(re.fullmatch(r"/visits\[\d+\]/teams", path))
        diffs = compare_skip(res, res_pub, skip)
        if diffs:
            p, why = diffs[0]
            R.add("differs", fname, "draw re-run", f"first difference: {label_path(p, res_pub)}: {why}"
                  + (f" (and {len(diffs) - 1} more)" if len(diffs) > 1 else ""))
        else:
            R.add("ok", fname, "draw re-run",
                  f"seed {seed!r}: draw key, {len(res['tasks'])} tasks (task keys, exclusion counts, allocation), "
                  f"{len(res['visits'])} visits (selection, ranks, tickets) agree; officer teams not compared")
        R.add("not-checked", fname, "officer teams",
              "conflicts.csv is withheld: the officer teams (SPEC §8) depend on it and are NOT checked")
        R.partial.append("conflicts")
        return
    out = (cjson(res) + "\n").encode("utf-8")
    pub = read_bytes(os.path.join(d, "result.json"))
    diffs = compare_skip(res, res_pub, lambda p: False)
    if diffs:
        p, why = diffs[0]
        R.add("differs", fname, "draw re-run", f"first difference: {label_path(p, res_pub)}: {why}"
              + (f" (and {len(diffs) - 1} more)" if len(diffs) > 1 else ""))
    elif out != pub:
        k = next((i for i, (a, b) in enumerate(zip(out, pub)) if a != b), min(len(out), len(pub)))
        R.add("differs", fname, "draw re-run", f"same values but not the canonical bytes (SPEC §10): first "
                                               f"differing byte at offset {k}")
    else:
        nteams = sum(len(v["teams"]) for v in res["visits"])
        R.add("ok", fname, "draw re-run",
              f"reproduced exactly (byte for byte, except engine_version): seed {seed!r}, "
              f"{len(res['tasks'])} tasks, {len(res['visits'])} visits, {nteams} teams")



# --------------------------------------------------------------------------
# Revisions and substitutes (SPEC §13)
# --------------------------------------------------------------------------

REVISION_FORMAT = "ssj-revision-v1"
OFFICER_REASONS = ("sick_leave", "transferred", "new_conflict")
ENTITY_REASONS = ("deregistered", "moved_away")


class RevisionRefused(Exception):
    pass


def apply_revision(visits, rev):
    """SPEC §13.2: the visits after revision `rev`."""
    if rev["entities"]:
        out = []
        for v in visits:
            subs = [json.loads(json.dumps(c["visit"])) for c in rev["entities"] if c["replaced"] == v["uscc"]]
            out.extend(subs if subs else [v])
        visits = out
    for c in rev["officers"]:
        for v in visits:
            if v["uscc"] == c["uscc"]:
                t = v["teams"][c["team"]]
                t["officers"] = sorted([dict(c["substitute"]) if m["cert_no"] == c["replaced"]["cert_no"] else m
                                        for m in t["officers"]], key=lambda m: bkey(m["cert_no"]))
                break
    return visits


def compute_revision(loaded, res, earlier, disq, prev_sha) -> dict:
    """Revision len(earlier) + 2 of result `res` (SPEC §13.1-§13.5), from its disqualifications."""
    plan, items, officers, entities, history, conflicts = loaded
    rules = plan["rules"]
    n = len(earlier) + 2
    dk = bytes.fromhex(res["draw_key"])
    visits = json.loads(json.dumps(res["visits"]))
    for r in earlier:
        visits = apply_revision(visits, r)
    ents_out, offs_out, offs_visit_out = set(), set(), set()

    def mark(d):
        if d["kind"] == "entity":
            ents_out.add(d["id"])
        elif d["visit"] is None:
            offs_out.add(d["id"])
        else:
            offs_visit_out.add((d["id"], d["visit"]))
    for r in earlier:
        for d in r["disqualifications"]:
            mark(d)

    def on_visit(v, c):
        return any(m["cert_no"] == c for t in v["teams"] for m in t["officers"])
    if not disq:
        raise RevisionRefused("no disqualification is declared")
    new_ents = {d["id"] for d in disq if d["kind"] == "entity"}
    seen = set()
    for d in disq:  # §13.1
        k = (d["kind"], d["id"], d["visit"])
        if k in seen:
            raise RevisionRefused(f"{d['id']} is declared twice")
        seen.add(k)
        if d["kind"] not in ("entity", "officer"):
            raise RevisionRefused(f"kind {d['kind']!r}")
        if d["reason"] not in (OFFICER_REASONS if d["kind"] == "officer" else ENTITY_REASONS):
            raise RevisionRefused(f"{d['reason']!r} is not a reason for an {d['kind']}")
        if d["kind"] == "entity":
            if d["visit"] is not None or d["id"] in ents_out or not any(v["uscc"] == d["id"] for v in visits):
                raise RevisionRefused(f"entity {d['id']}: out already, or no visit in the current state")
        else:
            if d["id"] in offs_out:
                raise RevisionRefused(f"officer {d['id']} was disqualified for the period by an earlier revision")
            if d["visit"] is None:
                if not any(on_visit(v, d["id"]) for v in visits):
                    raise RevisionRefused(f"officer {d['id']} serves no visit")
            elif (d["id"], d["visit"]) in offs_visit_out or d["visit"] in new_ents \
                    or not any(v["uscc"] == d["visit"] and on_visit(v, d["id"]) for v in visits):
                raise RevisionRefused(f"officer {d['id']} for the visit to {d['visit']}")
    declared = sorted(disq, key=lambda d: (d["kind"] != "entity", bkey(d["id"]),
                                           d["visit"] is not None, bkey(d["visit"] or "")))
    declared = [{"kind": d["kind"], "id": d["id"], "visit": d["visit"], "reason": d["reason"]} for d in declared]
    for d in declared:
        mark(d)

    item_by_id = {i["id"]: i for i in items}
    authority = plan["authority"]
    last_by_pair, dates_by_ent = {}, defaultdict(set)
    latest, last_officers = {}, {}
    for h in history:
        k = (h["uscc"], h["item"])
        if k not in last_by_pair or h["date"] > last_by_pair[k]:
            last_by_pair[k] = h["date"]
        dates_by_ent[h["uscc"]].add(h["date"])
        u = h["uscc"]
        if u not in latest or h["date"] > latest[u]:
            latest[u] = h["date"]; last_officers[u] = set(h["officers"])
        elif h["date"] == latest[u]:
            last_officers[u] |= set(h["officers"])
    year = plan["period_start"][:4]
    in_year = {u: sum(1 for x in ds if x[:4] == year) for u, ds in dates_by_ent.items()}
    conflict_pairs = {(c["cert_no"], c["uscc"]) for c in conflicts}
    offs = sorted(officers, key=lambda o: bkey(o["cert_no"]))
    load = Counter()
    for v in visits:
        for c in {m["cert_no"] for t in v["teams"] for m in t["officers"]}:
            load[c] += 1
    stream = WordStream(H(put("shuangsuiji/v1/revision-stream") + dk + u64be(n)))
    cap = rules["officer_max_load"]

    in_year_pairs = {(h["uscc"], h["item"]) for h in history if h["date"][:4] == year}

    def eligible(t, e):  # §5 rules 1-5 (and 3a for a batch task)
        lead = item_by_id[t["items"][0]]
        return e["active"] and any(ty in set(lead["object_types"]) for ty in e["types"]) and filter_ok(t, e) \
            and not (year_fraction(t) and any((e["uscc"], it) in in_year_pairs for it in t["items"])) \
            and not (rules["cooldown_days"] > 0 and any(
                (e["uscc"], it) in last_by_pair
                and days_between(plan["period_start"], last_by_pair[(e["uscc"], it)]) < rules["cooldown_days"]
                for it in t["items"])) \
            and not (rules["max_per_year"] is not None and in_year.get(e["uscc"], 0) >= rules["max_per_year"])

    def seat(v, ti):  # §13.4: one seat of team ti of visit v
        t = v["teams"][ti]
        on = {m["cert_no"] for tt in v["teams"] for m in tt["officers"]}
        A = [o for o in offs
             if (o["department"] or authority) == t["department"]
             and o["active"] and (o["cert_expiry"] is None or o["cert_expiry"] >= plan["date"])
             and t["category"] in o["categories"]
             and (rules["cross_region"] or any(covers(r, v["region"]) for r in o["regions"]))
             and (o["cert_no"], v["uscc"]) not in conflict_pairs
             and not (rules["rotation"] and o["cert_no"] in last_officers.get(v["uscc"], set()))
             and o["cert_no"] not in offs_out and (o["cert_no"], v["uscc"]) not in offs_visit_out
             and o["cert_no"] not in on
             and (cap is None or load[o["cert_no"]] < cap)]
        if not A:
            raise Infeasible(f"no substitute officer for team {ti} of the visit to {v['uscc']}")
        o = A[stream.below(len(A))]
        return {"cert_no": o["cert_no"], "name": o["name"]}

    task_keys = [t["key"] for t in res["tasks"]]
    ent_changes = []
    for uscc, reason in [(v["uscc"], d["reason"]) for v in visits for d in declared
                         if d["kind"] == "entity" and d["id"] == v["uscc"]]:  # §13.3
        vi = next(i for i, v in enumerate(visits) if v["uscc"] == uscc)
        old = visits.pop(vi)
        for c in {m["cert_no"] for t in old["teams"] for m in t["officers"]}:
            load[c] -= 1
        at = vi
        for sel in old["selections"]:
            ti = task_keys.index(sel["task"])
            t = plan["tasks"][ti]
            tk = task_key(dk, sel["task"])
            taken = {v["uscc"] for v in res["visits"]
                     if any(task_keys.index(s2["task"]) < ti for s2 in v["selections"])} \
                if rules["overlap"] == "next" else set()

            def sname(e):
                g = group_of(rules, t, e)
                rk = e["region"] if rules["stratify"] == "region" else "*"
                return rk if g == "" else rk + "/" + g
            L = sorted(((ticket(tk, e["uscc"]), e) for e in entities
                        if eligible(t, e) and e["uscc"] not in taken and sname(e) == sel["stratum"]),
                       key=lambda p: (p[0], bkey(p[1]["uscc"])))
            holding = {v["uscc"] for v in visits}
            pick = next(((rank, tkt, e) for rank, (tkt, e) in enumerate(L, 1)
                         if e["uscc"] not in ents_out and e["uscc"] not in holding), None)
            if pick is None:
                raise Infeasible(f"no substitute in stratum {sel['stratum']} of {sel['task']}")
            rank, tkt, e = pick
            grp = defaultdict(list)
            for it in t["items"]:
                i = item_by_id[it]
                grp[(i["department"] or authority, i["category"])].append(it)
            nv = {"uscc": e["uscc"], "name": e["name"], "region": e["region"], "credit_class": e["credit_class"],
                  "items": list(t["items"]),
                  "selections": [{"task": sel["task"], "stratum": sel["stratum"], "rank": rank, "ticket": tkt.hex()}],
                  "teams": [{"department": dd, "category": cc, "items": grp[(dd, cc)], "officers": []}
                            for (dd, cc) in sorted(grp, key=lambda k: (bkey(k[0]), bkey(k[1])))]}
            for ti2 in range(len(nv["teams"])):
                for _ in range(rules["team_size"]):
                    nv["teams"][ti2]["officers"].append(seat(nv, ti2))
                nv["teams"][ti2]["officers"].sort(key=lambda m: bkey(m["cert_no"]))
            for c in {m["cert_no"] for tt in nv["teams"] for m in tt["officers"]}:
                load[c] += 1
            ent_changes.append({"replaced": old["uscc"], "replaced_name": old["name"], "replaced_rank": sel["rank"],
                                "reason": reason, "task": sel["task"], "stratum": sel["stratum"],
                                "visit": json.loads(json.dumps(nv))})
            visits.insert(at, nv)
            at += 1
    off_changes = []
    for v in visits:  # §13.4 officer places
        for ti, t in enumerate(v["teams"]):
            for m in list(t["officers"]):
                d = next((d for d in declared if d["kind"] == "officer" and d["id"] == m["cert_no"]
                          and d["visit"] in (None, v["uscc"])), None)
                if d is None:
                    continue
                load[m["cert_no"]] -= 1
                t["officers"] = [x for x in t["officers"] if x["cert_no"] != m["cert_no"]]
                sub = seat(v, ti)
                load[sub["cert_no"]] += 1
                t["officers"] = sorted(t["officers"] + [sub], key=lambda x: bkey(x["cert_no"]))
                off_changes.append({"uscc": v["uscc"], "team": ti, "department": t["department"],
                                    "category": t["category"], "replaced": m, "substitute": sub,
                                    "reason": d["reason"]})
    before = earlier[-1]["substitutions"] if earlier else 0
    now = len(ent_changes) + len(off_changes)
    ms = rules.get("max_substitutions")
    if ms is not None and before + now > ms:
        raise RevisionRefused(f"the plan allows at most {ms} substitutions; earlier revisions made {before} "
                              f"and this one would make {now}")
    return {"format": REVISION_FORMAT, "plan_id": res["plan"]["id"], "draw_key": res["draw_key"],
            "revision": n, "previous": prev_sha, "disqualifications": declared,
            "entities": ent_changes, "officers": off_changes, "substitutions": before + now}


def check_revisions(d, res_pub, loaded, withheld, R):
    """Replay revision-2.json, revision-3.json, ... in order (SPEC §13.5); returns their names."""
    names = sorted((int(m.group(1)), f) for f in os.listdir(d)
                   for m in [re.fullmatch(r"revision-([1-9][0-9]*)\.json", f)] if m)
    earlier, out = [], []
    prev_sha = sha256_file(os.path.join(d, "result.json"))
    for i, (num, f) in enumerate(names):
        if num != i + 2:
            R.add("differs", f, "revision replay", f"revision-{i + 2}.json is missing: numbered from 2 without gaps")
            return out
        path = os.path.join(d, f)
        pub = read_json(path)
        raw = read_bytes(path)
        out.append(f)
        if withheld:
            R.add("not-checked", f, "revision replay", f"withheld: {', '.join(withheld)}: substitutes not recomputed")
            earlier.append(pub)
            prev_sha = hashlib.sha256(raw).hexdigest()
            continue
        try:
            disq = [{"kind": x["kind"], "id": x["id"], "visit": x["visit"], "reason": x["reason"]}
                    for x in pub["disqualifications"]]
            again = compute_revision(loaded, res_pub, earlier, disq, prev_sha)
        except (RevisionRefused, Infeasible) as e:
            R.add("differs", f, "revision replay", f"recomputing the revision fails: {e}")
            earlier.append(pub)
            prev_sha = hashlib.sha256(raw).hexdigest()
            continue
        except (KeyError, TypeError) as e:
            raise BadInput(f"{path}: missing or malformed field ({type(e).__name__}: {e})")
        if (cjson(again) + "\n").encode("utf-8") == raw:
            R.add("ok", f, "revision replay", f"{len(disq)} disqualification(s), "
                                              f"{len(again['entities']) + len(again['officers'])} substitution(s) "
                                              f"reproduced exactly")
        else:
            diffs = compare_skip(again, pub, lambda p: False)
            why = f"{diffs[0][0]}: {diffs[0][1]}" if diffs else "same values but not the canonical bytes"
            R.add("differs", f, "revision replay", f"first difference: {why}")
        earlier.append(pub)
        prev_sha = hashlib.sha256(raw).hexdigest()
    return out

import os  # noqa: E402  (bundle mode)


def check_journal(d, plan, res_pub, res_raw_sha, comm_sha, sums_sha, head, R, revisions=()):
    jp = os.path.join(d, "journal.jsonl")
    if not os.path.isfile(jp):
        R.add("not-checked", "journal.jsonl", "journal", "no journal.jsonl in the folder")
        return
    raw = read_bytes(jp)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise _decode_error(jp, raw, 0, e, "utf-8")
    entries = []
    for n, line in enumerate(text.split("\n"), 1):
        if line.strip() == "":
            continue
        try:
            e = json.loads(line)
        except json.JSONDecodeError as ex:
            raise BadInput(f"{jp}: line {n}, column {ex.colno}: malformed JSON: {ex.msg}")
        if not isinstance(e, dict) or not isinstance(e.get("hash"), str) \
                or not isinstance(e.get("seq"), int) or isinstance(e.get("seq"), bool):
            raise BadInput(f"{jp}: line {n}: an entry needs `seq` (integer) and `hash` (string)")
        entries.append((n, e))
    if not entries:
        R.add("differs", "journal.jsonl", "journal", "empty: the attempt that wrote this folder is not recorded")
        return
    bad, notes = [], []
    prev_n, prev_e = None, None
    for n, e in entries:
        body = {k: v for k, v in e.items() if k != "hash"}
        h = hashlib.sha256(put(JOURNAL_TAG) + cjson(body).encode("utf-8")).hexdigest()
        if h != e["hash"]:
            bad.append(f"line {n} (seq {e['seq']}): its hash does not match its content (edited)")
        if e.get("plan_id") != plan["id"]:
            bad.append(f"line {n} (seq {e['seq']}): plan_id {short(e.get('plan_id'))} is not {plan['id']!r}")
        if prev_e is None:
            if e["seq"] == 1 and e.get("prev") != ZERO_HASH:
                bad.append(f"line {n} (seq 1): prev is not {ZERO_HASH[:8]}… (first entry)")
            elif e["seq"] > 1:
                notes.append(f"entries before seq {e['seq']} not included (other plans)")
        elif e["seq"] == prev_e["seq"] + 1:
            if e.get("prev") != prev_e["hash"]:
                bad.append(f"line {n} (seq {e['seq']}): prev does not link to line {prev_n} (seq {prev_e['seq']}): "
                           f"an entry was edited, removed or inserted")
        elif e["seq"] > prev_e["seq"] + 1:
            notes.append(f"seq {prev_e['seq'] + 1}–{e['seq'] - 1} not included (other plans); link not checked")
        else:
            bad.append(f"line {n}: seq {e['seq']} after seq {prev_e['seq']} (reordered or repeated)")
        prev_n, prev_e = n, e
    note = ("; " + "; ".join(notes)) if notes else ""
    if bad:
        R.add("differs", "journal.jsonl", "journal", bad[0] + (f" (and {len(bad) - 1} more)" if len(bad) > 1 else ""))
    else:
        R.add("ok", "journal.jsonl", "journal",
              f"{len(entries)} entries: every hash recomputed, consecutive prev links hold{note}")
    # the attempt that wrote this folder
    cmd, out_sha, out_name = ("draw", res_raw_sha, "result.json") if res_raw_sha else \
        ("commit", comm_sha, "commitment.json")
    if res_raw_sha and revisions:  # SPEC §12: result.json and each earlier revision bound by their own entries
        bound = [("draw", res_raw_sha, "result.json")] + \
            [("substitute", sha256_file(os.path.join(d, f)), f) for f in revisions[:-1]]
        for c, sha, name in bound:
            if any(e.get("command") == c and e.get("outcome") == "ok" and e.get("output") == sha for _, e in entries):
                R.add("ok", "journal.jsonl", "journal", f"a `{c}` entry records the SHA-256 of {name}")
            else:
                R.add("differs", "journal.jsonl", "journal", f"no `{c}` entry with outcome ok records {name}")
        cmd, out_sha, out_name = "substitute", sha256_file(os.path.join(d, revisions[-1])), revisions[-1]
    last = None
    for n, e in entries:
        if e.get("command") == cmd and e.get("outcome") == "ok":
            last = (n, e)
    if last is None:
        R.add("differs", "journal.jsonl", "journal", f"no `{cmd}` entry with outcome ok: the {out_name} of this "
                                                     f"folder was not recorded")
    else:
        n, e = last
        probs = []
        if e.get("output") != out_sha:
            probs.append(f"line {n}: output {short(e.get('output'))} is not the SHA-256 of {out_name} ({out_sha})")
        if res_pub is not None and isinstance(res_pub, dict):
            if cjson(e.get("digests")) != cjson(res_pub.get("digests")):
                probs.append(f"line {n}: digests differ from result.json's")
            seed = (res_pub.get("seed") or {}).get("text") if isinstance(res_pub.get("seed"), dict) else None
            if e.get("seed") != seed:
                probs.append(f"line {n}: seed {short(e.get('seed'))} is not result.json's seed.text {short(seed)}")
        if n != entries[-1][0]:
            notes.append(f"line {n} is not the last line: later attempts follow")
        if probs:
            R.add("differs", "journal.jsonl", "journal", "; ".join(probs))
        else:
            R.add("ok", "journal.jsonl", "journal", f"line {n} (seq {e['seq']}, {cmd}, ok) records the SHA-256 of "
                                                     f"{out_name}" + (", its digests and seed" if res_pub else ""))
        if "bundle" not in e or e.get("bundle") is None:
            R.add("not-checked", "journal.jsonl", "journal binding of SHA256SUMS",
                  f"line {n} has no `bundle` field: SHA256SUMS (and so the notices) is not bound to the journal")
        elif sums_sha is None:
            R.add("differs", "journal.jsonl", "journal binding of SHA256SUMS", "SHA256SUMS is missing")
        elif e["bundle"] == sums_sha:
            R.add("ok", "journal.jsonl", "journal binding of SHA256SUMS", f"line {n}: bundle = SHA-256 of SHA256SUMS")
        else:
            R.add("differs", "journal.jsonl", "journal binding of SHA256SUMS",
                  f"line {n}: bundle {short(e['bundle'])} is not the SHA-256 of SHA256SUMS ({sums_sha})")
    if head is not None:
        h = entries[-1][1]["hash"]
        if h == head.strip().lower():
            R.add("ok", "journal.jsonl", "journal head", f"last entry hash = published head {h}")
        else:
            R.add("differs", "journal.jsonl", "journal head",
                  f"last entry hash {h} is not the published head {head.strip()} (entries cut off or changed)")


def verify_bundle(d: str, head=None) -> Report:
    R = Report()
    try:
        if not os.path.isdir(d):
            CURRENT["file"] = d
            raise BadInput(f"{d}: not a folder")
        STRICT_FILES["on"] = True
        listed = check_sums(d, R)
        _verify_bundle(d, head, R, listed)
    except BadInput as e:
        R.add("error", CURRENT["file"] and os.path.basename(CURRENT["file"]) or d, "input", str(e))
    return R


def _verify_bundle(d, head, R, listed):
    plan_path = os.path.join(d, "plan.toml")
    toml = load_plan(plan_path)
    disc = toml.get("disclosure", {})
    if not isinstance(disc, dict):
        raise BadInput(f"{plan_path}: [disclosure] must be a table")
    withheld = disc.get("withhold", [])
    if not isinstance(withheld, list) or any(w not in ("conflicts", "history") for w in withheld):
        raise BadInput(f"{plan_path}: [disclosure] withhold = {withheld!r}: only \"conflicts\" and \"history\" "
                       f"may be withheld")
    inputs = toml.get("inputs", {})
    if not isinstance(inputs, dict):
        raise BadInput(f"{plan_path}: [inputs] must be a table")
    for k in KINDS:
        v = inputs.get(k)
        if isinstance(v, str) and (os.path.basename(v) != v or v in ("", ".", "..")):
            raise BadInput(f"{plan_path}: [inputs] {k} = {v!r}: a bundle names its inputs as files of the folder")
    rp, cp = os.path.join(d, "result.json"), os.path.join(d, "commitment.json")
    res_pub = read_json(rp) if os.path.isfile(rp) else None
    comm = read_json(cp) if os.path.isfile(cp) else None
    if res_pub is None and comm is None:
        raise BadInput(f"{d}: neither result.json nor commitment.json: nothing to verify")
    for name, obj in (("result.json", res_pub), ("commitment.json", comm)):
        if obj is not None and not (isinstance(obj, dict) and isinstance(obj.get("digests"), dict)):
            raise BadInput(f"{os.path.join(d, name)}: not a JSON object with a `digests` object")
    source = res_pub if res_pub is not None else comm
    src_name = "result.json" if res_pub is not None else "commitment.json"
    try:
        loaded = _load_inputs(d, plan_path, toml, withheld)
    except (ValueError, KeyError, TypeError, AttributeError) as e:
        raise BadInput(f"{CURRENT['file'] or plan_path}: {type(e).__name__}: {e}")
    plan = loaded[0]
    digs = digests(*loaded)
    inputs = toml.get("inputs", {})
    for k in withheld:
        v = source["digests"].get(k)
        if not isinstance(v, str) or not HEX64.fullmatch(v):
            raise BadInput(f"{os.path.join(d, src_name)}: digests.{k} is not 64 lower-case hex digits")
        digs[k] = v
    # input digests
    for k in ("plan",) + KINDS:
        fname = "plan.toml" if k == "plan" else inputs.get(k, f"{k}.csv")
        if k in withheld:
            detail = f"withheld: {fname} not published; its digest {digs[k][:16]}… is taken from {src_name}"
            if res_pub is not None and comm is not None and res_pub["digests"].get(k) != comm["digests"].get(k):
                R.add("differs", "commitment.json", "input digest",
                      f"{k}: result.json and commitment.json disagree on the withheld input's digest")
            else:
                R.add("not-checked", fname, "input digest", detail)
            continue
        if k in ("history", "conflicts") and k not in inputs and not os.path.exists(os.path.join(d, fname)):
            fname = f"{fname} (none: empty set)"
        probs = []
        for name, obj in (("result.json", res_pub), ("commitment.json", comm)):
            if obj is not None and obj["digests"].get(k) != digs[k]:
                probs.append(f"{name} says {short(obj['digests'].get(k))}")
        if probs:
            R.add("differs", fname, "input digest", f"{k}: recomputed {digs[k]}, but " + "; ".join(probs))
        else:
            R.add("ok", fname, "input digest",
                  f"{k} {digs[k][:16]}… = " + " = ".join(n for n, o in (("result.json", res_pub),
                                                                          ("commitment.json", comm)) if o is not None))
    # commitment: every field against the plan (+ digests)
    if comm is not None:
        exp = expected_commitment(plan, digs)
        diffs = compare_skip(exp, comm, lambda p: p.startswith("/digests"))
        raw = read_bytes(cp)
        if diffs:
            p, why = diffs[0]
            R.add("differs", "commitment.json", "commitment", f"field {p.lstrip('/')}: {why}")
        elif (cjson(comm) + "\n").encode("utf-8") != raw:
            R.add("differs", "commitment.json", "commitment", "same values but not canonical JSON + LF")
        else:
            R.add("ok", "commitment.json", "commitment",
                  f"format {COMMITMENT_FORMAT}, algorithm {ALGORITHM}, plan, rules, seed_source and tasks equal "
                  f"plan.toml's canonical form (SPEC §2.3); canonical bytes")
    else:
        R.add("not-checked", "commitment.json", "commitment", "absent from the folder")
    # the draw
    if res_pub is not None:
        try:
            check_draw(d, res_pub, loaded, digs, withheld, R, "result.json")
        except (KeyError, TypeError, IndexError, AttributeError) as e:
            raise BadInput(f"{rp}: missing or malformed field ({type(e).__name__}: {e})")
    else:
        R.add("not-checked", "result.json", "draw re-run", "no result.json: a pre-draw (commitment) folder")
    revisions = check_revisions(d, res_pub, loaded, withheld, R) if res_pub is not None else []
    # files Python does not regenerate
    for name in DERIVED:
        if os.path.exists(os.path.join(d, name)):
            cov = "covered only by SHA256SUMS (bound to the journal when its entry has a `bundle` field)" \
                if name in listed else "NOT covered (not in SHA256SUMS)"
            how = "compare it with the published tool/repository copy" if name in TOOL_FILES else \
                "`ssj verify DIR` or verify.html regenerate it from the plan and inputs" \
                if name.startswith("pre-draw") else \
                "`ssj verify DIR` or verify.html regenerate it from result.json"  # SPEC §12.1
            R.add("not-checked", name, "notice / derived file", f"not regenerated by this tool; {cov}; {how}")
    # journal
    sp = os.path.join(d, "SHA256SUMS")
    check_journal(d, plan, res_pub, sha256_file(rp) if res_pub is not None else None,
                  sha256_file(cp) if comm is not None else None,
                  sha256_file(sp) if os.path.isfile(sp) else None, head, R, revisions)


def print_report(R: Report, d: str, lang: str, as_json: bool):
    code = R.exit_code()
    if as_json:
        print(json.dumps({"folder": d, "verdict": R.verdict(), "exit": code, "withheld": R.partial,
                          "checks": R.checks}, ensure_ascii=False, indent=1))
        return
    zh = lang == "zh"
    tr = (lambda s: ZH.get(s, s)) if zh else (lambda s: s)
    for c in R.checks:
        en, z = STATUS[c["status"]]
        st = f"{z} {en}" if zh else en
        det = c["detail"]
        if zh:
            for k, v in sorted(ZH_DETAIL, key=lambda kv: -len(kv[0])):
                det = det.replace(k, v)
        print(f"[{st}] {c['file']}: {tr(c['check'])}" + (f" — {det}" if det else ""))
    v = R.verdict()
    head = f"{tr(v)} ({v})" if zh else v
    if R.partial and code == 0:
        what = ", ".join(p for p in R.partial if p != "drand signature")
        if what:
            head += (f"：未公开 {what}，以上标为“未核验”的内容未核验，不是完全重现" if zh else
                     f": {what} withheld; the items marked `not checked` above were not checked — "
                     f"this is not an exact reproduction")
        if "drand signature" in R.partial:
            head += ("；本工具未核验 drand 签名（drand signature not checked by this tool）" if zh else
                     f"; {DRAND_UNCHECKED}")
    print(("核验结论 Verdict: " if zh else "Verdict: ") + head + f" (exit {code})")


def main(argv):
    if argv[1:2] == ["--selftest"]:
        selftest()
        return 0
    import argparse
    ap = argparse.ArgumentParser(
        prog="ssj_verify.py",
        description="Independent verifier of ssj-draw-v1 draws (SPEC.md). "
                    "Bundle mode: ssj_verify.py DIR. Vector mode: ssj_verify.py PLAN_DIR SEED [--expected F] [-o F]. "
                    "Exit 0: everything checked agrees; 1: a difference; 2: bad input or usage.")
    ap.add_argument("paths", nargs="+", metavar="DIR | PLAN_DIR SEED")
    ap.add_argument("--lang", choices=("zh", "en"), default="en", help="message language (default en)")
    ap.add_argument("--json", action="store_true", help="print a machine-readable verdict")
    ap.add_argument("--head", help="bundle mode: the published journal head hash")
    ap.add_argument("-o", "--out", help="vector mode: write the recomputed result here")
    ap.add_argument("--expected", help="vector mode: the result to compare with")
    a = ap.parse_args(argv[1:])
    if len(a.paths) == 1:
        if a.out or a.expected:
            ap.error("-o/--expected belong to vector mode: PLAN_DIR SEED")
        R = verify_bundle(a.paths[0], a.head)
        print_report(R, a.paths[0], a.lang, a.json)
        return R.exit_code()
    if len(a.paths) != 2:
        ap.error("expected DIR (bundle mode) or PLAN_DIR SEED (vector mode)")
    plan_dir, seed = a.paths
    if seed.startswith("@"):
        raw = read_bytes(seed[1:])
        seed = decode_text(seed[1:], raw, "utf-8")
        if seed.endswith("\n"):
            seed = seed[:-1]
    trace = {}
    try:
        res = run_draw(plan_dir, seed, trace)
        if any(o["source"]["type"] == "drand" for o in res["seed"].get("sources", [])):
            print(f"note: {DRAND_UNCHECKED} (only its form); ssj verify checks it (SPEC §3.1)", file=sys.stderr)
    except Infeasible as e:
        print(f"infeasible: {e}")
        return 1
    print(f"words consumed: {trace['words']}, repairs: {trace['repairs']} {trace['moves']}, "
          f"max load: {max(trace['loads'].values(), default=0)}", file=sys.stderr)
    exp_bytes = exp = None
    if a.expected:
        exp_bytes = read_bytes(a.expected)
        exp = read_json(a.expected)
        res["engine_version"] = exp.get("engine_version") if isinstance(exp, dict) else None
    out = cjson(res) + "\n"
    if a.out:
        CURRENT["file"] = a.out
        with open(a.out, "w", encoding="utf-8", newline="") as f:
            f.write(out)
    if a.expected:
        same = out.encode() == exp_bytes
        print("byte-identical (with expected engine_version substituted):", same)
        d = compare_skip(json.loads(out), exp, lambda p: False)
        print(f"{len(d)} field differences")
        for p, why in d[:60]:
            print("  ", label_path(p, exp), why)
        return 0 if same and not d else 1
    return 0


def entry(argv) -> int:
    try:
        return main(argv)
    except BadInput as e:
        print(f"ssj_verify: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("ssj_verify: interrupted", file=sys.stderr)
        return 2
    except RecursionError:
        print(f"ssj_verify: error: {CURRENT['file'] or '?'}: input nested too deeply", file=sys.stderr)
        return 2
    except Exception as e:  # never a traceback: name the file being processed
        print(f"ssj_verify: error while processing {CURRENT['file'] or '(no file yet)'}: "
              f"{type(e).__name__}: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(entry(sys.argv))
