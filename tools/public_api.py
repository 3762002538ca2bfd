#!/usr/bin/env python3
"""The public API of a Rust library crate as sorted text, and a semver gate.

Standard library only. Reads the rustdoc JSON of one crate, produced on the
stable toolchain by

    RUSTC_BOOTSTRAP=1 cargo rustdoc -p CRATE --lib --locked -- \\
        -Z unstable-options --output-format json

(it lands in target/doc/CRATE.json), and prints one line per public item:

    PATH | KIND | SIGNATURE

PATH is a path by which an embedder reaches the item (re-exports resolved:
an item reachable at the crate root and in its module is listed under both
paths, since removing either breaks embedders); KIND says what it is
(`fn`, `struct`, `field`, `variant`, `method`, `impl Trait`, `auto traits`
…); SIGNATURE is rendered Rust. Items under #[doc(hidden)] are absent from
rustdoc JSON and so from the listing.

Commands:

    public_api.py list CRATE.json            print the listing
    public_api.py check CRATE.json SNAPSHOT  compare with a committed
        snapshot and apply Cargo's semver rules (see `check` below);
        --bless rewrites the snapshot instead; --version overrides the
        crate version read from the JSON.

Exit status of `check`: 0 pass, 1 the API changed without the version bump
it needs, 2 usage or input error (unknown rustdoc JSON layout included).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

# rustdoc JSON layouts this renderer was written and tested against. The
# format_version is bumped on every breaking change of the layout; an
# unknown one fails clearly rather than producing a wrong listing.
SUPPORTED_FORMATS = {57}

SEP = " | "

# std items shown by their bare name (they are in the prelude, or their
# name is unambiguous in signatures); other std items show their full path.
PRELUDE = {
    "String", "Vec", "Option", "Box", "Clone", "Copy", "Send", "Sync",
    "Sized", "Unpin", "Default", "Eq", "PartialEq", "Ord", "PartialOrd",
    "From", "Into", "TryFrom", "TryInto", "Iterator", "IntoIterator",
    "AsRef", "AsMut", "ToString", "ToOwned", "Drop", "Fn", "FnMut",
    "FnOnce", "Extend", "ExactSizeIterator", "DoubleEndedIterator",
}
STD_CRATES = {"std", "core", "alloc"}
AUTO_TRAITS = ["Send", "Sync", "Unpin", "UnwindSafe", "RefUnwindSafe"]
# derive(PartialEq) also implements this unstable marker; embedders cannot
# name it, and PartialEq's own line says the same
SKIP_TRAITS = {"StructuralPartialEq"}


class InputError(Exception):
    """A problem with the input files (exit status 2)."""


class Unsupported(InputError):
    """A construct of the rustdoc JSON this renderer does not know."""


def one(d: dict, what: str):
    """The single (key, value) of an externally tagged serde enum."""
    if isinstance(d, str):
        return d, None
    if not isinstance(d, dict) or len(d) != 1:
        raise Unsupported(f"unexpected {what}: {json.dumps(d)[:200]}")
    return next(iter(d.items()))


class Api:
    def __init__(self, doc: dict, version_text: str | None = None):
        fmt = doc.get("format_version")
        if fmt not in SUPPORTED_FORMATS:
            raise InputError(
                f"rustdoc JSON format_version {fmt!r} is not one this tool knows "
                f"({', '.join(map(str, sorted(SUPPORTED_FORMATS)))}); the toolchain's "
                "rustdoc changed its layout: check tools/public_api.py against the new "
                "layout (rustdoc-types changelog), then add the version to SUPPORTED_FORMATS"
            )
        self.doc = doc
        self.format_version = fmt
        self.index = doc["index"]
        self.paths = doc["paths"]
        self.root = str(doc["root"])
        self.crate = self.index[self.root]["name"]
        self.version = version_text or doc.get("crate_version") or "0.0.0"
        # id -> list of public paths (tuples of segments)
        self.reach: dict[str, list[tuple[str, ...]]] = {}
        self.lines: set[str] = set()
        self.unnameable: set[str] = set()
        self.external_crates: set[str] = set()
        # defining path -> shortest public path, for items of crates given
        # with --extern (their rustdoc JSON), so that a signature names
        # `shuangsuiji::DrawResult`, not the private `draw::result::…`
        self.extern_public: dict[tuple, tuple] = {}

    def add_extern(self, other: "Api"):
        other.walk()
        for id_, paths in other.reach.items():
            summary = other.paths.get(id_)
            if summary is not None and summary["crate_id"] == 0:
                self.extern_public[tuple(summary["path"])] = min(paths, key=lambda p: (len(p), p))

    # ---- reachability -------------------------------------------------

    def item(self, id_) -> dict | None:
        return self.index.get(str(id_))

    def walk(self):
        self._walk_module(self.root, (self.crate,), set())

    def _walk_module(self, mod_id: str, path: tuple, stack: set):
        if mod_id in stack:
            return
        stack = stack | {mod_id}
        module = self.index[mod_id]["inner"]["module"]
        for child in module["items"]:
            child = str(child)
            it = self.index.get(child)
            if it is None:
                continue
            kind, inner = one(it["inner"], "item kind")
            if kind == "use":
                self._walk_use(it, inner, path, stack)
                continue
            if kind == "impl":
                continue
            if it.get("visibility") != "public":
                continue
            if kind == "module" and inner.get("is_stripped"):
                continue
            self._reach(child, path + (it["name"],), stack)

    def _walk_use(self, it: dict, use: dict, path: tuple, stack: set):
        if it.get("visibility") != "public":
            return
        target = None if use["id"] is None else str(use["id"])
        tgt = self.index.get(target) if target else None
        if use["is_glob"]:
            if tgt is None:
                self.lines.add(self.line(path + ("*",), "glob re-export", f"pub use {self.ext_path(target, use['source'])}::*"))
                return
            kind, inner = one(tgt["inner"], "item kind")
            if kind == "module":
                self._walk_module(target, path, stack)
            elif kind == "enum":
                for v in inner["variants"]:
                    self._reach(str(v), path + (self.index[str(v)]["name"],), stack)
            else:
                raise Unsupported(f"glob re-export of a {kind}: {use['source']}")
            return
        if tgt is None:
            # an item of another crate that rustdoc did not inline
            self.lines.add(self.line(path + (use["name"],), "re-export", f"pub use {self.ext_path(target, use['source'])}"))
            return
        self._reach(target, path + (use["name"],), stack)

    def _reach(self, id_: str, path: tuple, stack: set):
        self.reach.setdefault(id_, [])
        if path in self.reach[id_]:
            return
        self.reach[id_].append(path)
        it = self.index[id_]
        kind, _ = one(it["inner"], "item kind")
        if kind == "module":
            self._walk_module(id_, path, stack)

    def ext_path(self, id_: str | None, fallback: str) -> str:
        p = self.paths.get(id_) if id_ else None
        if p is None:
            return fallback
        return self.std_path(p["path"])

    # ---- rendering: types ----------------------------------------------

    def std_path(self, segs: list[str]) -> str:
        if segs and segs[0] in STD_CRATES:
            if segs[-1] in PRELUDE:
                return segs[-1]
            return "::".join(["std"] + segs[1:])
        return "::".join(segs)

    def name_of(self, p: dict) -> str:
        """A path (type or trait) by item: local items by their name,
        others by their full path."""
        id_ = None if p.get("id") is None else str(p["id"])
        summary = self.paths.get(id_) if id_ else None
        if summary is None:
            return p["path"]
        if summary["crate_id"] == 0:
            if id_ in self.index and id_ not in self.reach and summary["kind"] in (
                "struct", "enum", "union", "trait", "type_alias",
            ):
                self.unnameable.add("::".join(summary["path"]))
            return summary["path"][-1]
        crate = summary["path"][0]
        if crate not in STD_CRATES:
            self.external_crates.add(crate)
        public = self.extern_public.get(tuple(summary["path"]))
        if public is not None:
            return "::".join(public)
        return self.std_path(summary["path"])

    def path(self, p: dict) -> str:
        return self.name_of(p) + self.args(p.get("args"))

    def args(self, a) -> str:
        if a is None:
            return ""
        kind, v = one(a, "generic args")
        if kind == "angle_bracketed":
            parts = [self.generic_arg(x) for x in v["args"]]
            parts += [self.constraint(c) for c in v["constraints"]]
            return f"<{', '.join(parts)}>" if parts else ""
        if kind == "parenthesized":
            out = "(" + ", ".join(self.ty(t) for t in v["inputs"]) + ")"
            if v.get("output") is not None:
                out += " -> " + self.ty(v["output"])
            return out
        if kind == "return_type_notation":
            return "(..)"
        raise Unsupported(f"generic args {kind}")

    def generic_arg(self, g) -> str:
        kind, v = one(g, "generic arg")
        if kind == "lifetime":
            return v
        if kind == "type":
            return self.ty(v)
        if kind == "const":
            return self.const_expr(v)
        if kind == "infer":
            return "_"
        raise Unsupported(f"generic arg {kind}")

    def constraint(self, c: dict) -> str:
        name = c["name"] + self.args(c.get("args"))
        kind, v = one(c["binding"], "constraint binding")
        if kind == "equality":
            return f"{name} = {self.term(v)}"
        if kind == "constraint":
            return f"{name}: {self.bounds(v)}"
        raise Unsupported(f"constraint {kind}")

    def term(self, t) -> str:
        kind, v = one(t, "term")
        if kind == "type":
            return self.ty(v)
        if kind == "constant":
            return self.const_expr(v)
        raise Unsupported(f"term {kind}")

    def const_expr(self, c: dict) -> str:
        expr = c.get("expr") or c.get("value") or "_"
        # a constant spelled env!("CARGO_PKG_VERSION") would change with
        # every version bump; show it as the placeholder instead
        if expr == json.dumps(self.version):
            return '"{CARGO_PKG_VERSION}"'
        # long values (an include_bytes! page) are content, not interface
        if len(expr) > 120:
            return "…"
        return expr

    def ty(self, t) -> str:
        kind, v = one(t, "type")
        if kind == "resolved_path":
            return self.path(v)
        if kind == "generic":
            return v
        if kind == "primitive":
            return v
        if kind == "borrowed_ref":
            lt = f"{v['lifetime']} " if v.get("lifetime") else ""
            mut = "mut " if v["is_mutable"] else ""
            return f"&{lt}{mut}{self.ty(v['type'])}"
        if kind == "raw_pointer":
            return f"*{'mut' if v['is_mutable'] else 'const'} {self.ty(v['type'])}"
        if kind == "slice":
            return f"[{self.ty(v)}]"
        if kind == "array":
            return f"[{self.ty(v['type'])}; {v['len']}]"
        if kind == "tuple":
            inner = ", ".join(self.ty(x) for x in v)
            return f"({inner},)" if len(v) == 1 else f"({inner})"
        if kind == "dyn_trait":
            parts = [self.poly_trait(p) for p in v["traits"]]
            if v.get("lifetime"):
                parts.append(v["lifetime"])
            return "dyn " + " + ".join(parts)
        if kind == "impl_trait":
            return "impl " + self.bounds(v)
        if kind == "function_pointer":
            return self.fn_pointer(v)
        if kind == "qualified_path":
            self_ty = self.ty(v["self_type"])
            name = v["name"] + self.args(v.get("args"))
            if v.get("trait") is None:
                return f"{self_ty}::{name}"
            return f"<{self_ty} as {self.path(v['trait'])}>::{name}"
        if kind == "infer":
            return "_"
        if kind == "pat":
            return self.ty(v["type"]) + " is _"
        raise Unsupported(f"type {kind}")

    def poly_trait(self, p: dict) -> str:
        return self.hrtb(p.get("generic_params") or []) + self.path(p["trait"])

    def hrtb(self, params: list) -> str:
        if not params:
            return ""
        return "for<" + ", ".join(self.param(p) for p in params) + "> "

    def bound(self, b) -> str:
        kind, v = one(b, "bound")
        if kind == "trait_bound":
            mod = {"none": "", "maybe": "?", "maybe_const": "~const "}[v["modifier"]]
            return mod + self.hrtb(v.get("generic_params") or []) + self.path(v["trait"])
        if kind == "outlives":
            return v
        if kind == "use":
            names = []
            for a in v:
                _, n = one(a, "precise capturing arg")
                names.append(n)
            return "use<" + ", ".join(names) + ">"
        raise Unsupported(f"bound {kind}")

    def bounds(self, bs: list) -> str:
        return " + ".join(self.bound(b) for b in bs)

    def param(self, p: dict) -> str:
        kind, v = one(p["kind"], "generic param")
        if kind == "lifetime":
            return p["name"] + (": " + " + ".join(v["outlives"]) if v["outlives"] else "")
        if kind == "type":
            out = p["name"]
            if v["bounds"]:
                out += ": " + self.bounds(v["bounds"])
            if v.get("default") is not None:
                out += " = " + self.ty(v["default"])
            return out
        if kind == "const":
            out = f"const {p['name']}: {self.ty(v['type'])}"
            if v.get("default") is not None:
                out += " = " + v["default"]
            return out
        raise Unsupported(f"generic param {kind}")

    def generics(self, g: dict) -> str:
        params = [
            p for p in g["params"]
            if not (p["kind"].get("type") or {}).get("is_synthetic")
        ]
        return "<" + ", ".join(self.param(p) for p in params) + ">" if params else ""

    def where(self, g: dict) -> str:
        preds = []
        for w in g["where_predicates"]:
            kind, v = one(w, "where predicate")
            if kind == "bound_predicate":
                preds.append(self.hrtb(v.get("generic_params") or []) + f"{self.ty(v['type'])}: {self.bounds(v['bounds'])}")
            elif kind == "lifetime_predicate":
                preds.append(f"{v['lifetime']}: {' + '.join(v['outlives'])}")
            elif kind == "eq_predicate":
                preds.append(f"{self.ty(v['lhs'])} == {self.term(v['rhs'])}")
            else:
                raise Unsupported(f"where predicate {kind}")
        return " where " + ", ".join(preds) if preds else ""

    def header(self, h: dict) -> str:
        out = ""
        if h["is_const"]:
            out += "const "
        if h["is_async"]:
            out += "async "
        if h["is_unsafe"]:
            out += "unsafe "
        abi = h["abi"]
        if abi != "Rust":
            kind, v = one(abi, "abi")
            if kind == "Other":
                out += f'extern "{v}" '
            else:
                out += f'extern "{kind}{"-unwind" if v and v.get("unwind") else ""}" '
        return out

    def fn_pointer(self, v: dict) -> str:
        sig = v["sig"]
        ins = ", ".join(self.ty(t) for _, t in sig["inputs"])
        out = self.hrtb(v.get("generic_params") or []) + self.header(v["header"]) + f"fn({ins})"
        if sig.get("output") is not None:
            out += " -> " + self.ty(sig["output"])
        return out

    def fn_sig(self, name: str, f: dict, vis: str = "pub ") -> str:
        sig = f["sig"]
        ins = []
        for pname, t in sig["inputs"]:
            if pname == "self":
                ts = self.ty(t)
                if re.fullmatch(r"(&('\w+ )?(mut )?)?Self", ts):
                    ins.append(ts[:-4] + "self")
                else:
                    ins.append(f"self: {ts}")
            else:
                ins.append(f"{pname}: {self.ty(t)}")
        if sig.get("is_c_variadic"):
            ins.append("...")
        out = f"{vis}{self.header(f['header'])}fn {name}{self.generics(f['generics'])}({', '.join(ins)})"
        if sig.get("output") is not None:
            out += " -> " + self.ty(sig["output"])
        return out + self.where(f["generics"])

    # ---- rendering: items ----------------------------------------------

    def line(self, path: tuple, kind: str, sig: str) -> str:
        return "::".join(path) + SEP + kind + SEP + " ".join(sig.split())

    def add(self, path: tuple, kind: str, sig: str):
        self.lines.add(self.line(path, kind, sig))

    @staticmethod
    def non_exhaustive(it: dict) -> bool:
        for a in it.get("attrs") or []:
            if a == "non_exhaustive" or (isinstance(a, dict) and "non_exhaustive" in str(a.get("other", ""))):
                return True
        return False

    def render_all(self) -> list[str]:
        self.walk()
        for id_, paths in self.reach.items():
            for p in paths:
                self.render(id_, p)
        return sorted(self.lines)

    def render(self, id_: str, path: tuple):
        it = self.index[id_]
        kind, v = one(it["inner"], "item kind")
        name = path[-1]
        ne = "#[non_exhaustive] " if self.non_exhaustive(it) else ""
        if kind == "module":
            self.add(path, "mod", f"pub mod {name}")
        elif kind == "function":
            self.add(path, "fn", self.fn_sig(name, v))
        elif kind == "constant":
            self.add(path, "const", f"pub const {name}: {self.ty(v['type'])} = {self.const_expr(v['const'])}")
        elif kind == "static":
            mut = "mut " if v["is_mutable"] else ""
            self.add(path, "static", f"pub static {mut}{name}: {self.ty(v['type'])}")
        elif kind == "type_alias":
            g = v["generics"]
            self.add(path, "type", f"pub type {name}{self.generics(g)}{self.where(g)} = {self.ty(v['type'])}")
        elif kind == "macro":
            self.add(path, "macro", f"macro_rules! {name}")
        elif kind == "struct":
            self.render_struct(id_, it, v, path, ne)
        elif kind == "union":
            g = v["generics"]
            self.add(path, "union", f"pub union {name}{self.generics(g)}{self.where(g)}")
            self.render_fields(v["fields"], path)
            self.render_impls(v["impls"], path)
        elif kind == "enum":
            g = v["generics"]
            variants = [self.index[str(x)] for x in v["variants"]]
            if ne or v["has_stripped_variants"]:
                body = "{ .. }"
            else:
                body = "{ " + ", ".join(x["name"] for x in variants) + " }"
            self.add(path, "enum", f"{ne}pub enum {name}{self.generics(g)}{self.where(g)} {body}")
            for x in variants:
                self.render_variant(x, path + (x["name"],))
            self.render_impls(v["impls"], path)
        elif kind == "variant":
            self.render_variant(it, path)
        elif kind == "trait":
            self.render_trait(it, v, path)
        elif kind == "trait_alias":
            g = v["generics"]
            self.add(path, "trait alias", f"pub trait {name}{self.generics(g)} = {self.bounds(v['params'])}{self.where(g)}")
        elif kind == "extern_type":
            self.add(path, "extern type", f"pub type {name}")
        elif kind == "proc_macro":
            self.add(path, "proc macro", f"{v['kind']} {name}")
        elif kind in ("extern_crate", "primitive"):
            self.add(path, kind.replace("_", " "), name)
        else:
            raise Unsupported(f"public item of kind {kind} at {'::'.join(path)}")

    def render_struct(self, id_, it, v, path, ne):
        name = path[-1]
        g = v["generics"]
        head = f"{ne}pub struct {name}{self.generics(g)}"
        skind, sv = one(v["kind"], "struct kind")
        if skind == "unit":
            sig = f"{head}{self.where(g)};"
        elif skind == "tuple":
            parts = []
            for f in sv:
                if f is None:
                    parts.append("_")
                else:
                    parts.append("pub " + self.ty(self.index[str(f)]["inner"]["struct_field"]))
            sig = f"{head}({', '.join(parts)}){self.where(g)};"
        elif skind == "plain":
            fields = [self.index[str(f)] for f in sv["fields"]]
            if ne or sv["has_stripped_fields"]:
                body = "{ .. }"
            else:
                body = "{ " + ", ".join(f["name"] for f in fields) + " }"
            sig = f"{head}{self.where(g)} {body}"
            self.render_fields(sv["fields"], path)
        else:
            raise Unsupported(f"struct kind {skind}")
        self.add(path, "struct", sig)
        self.render_impls(v["impls"], path)

    def render_fields(self, ids, path):
        for f in ids:
            fi = self.index[str(f)]
            self.add(path + (fi["name"],), "field", f"pub {fi['name']}: {self.ty(fi['inner']['struct_field'])}")

    def render_variant(self, it, path):
        v = it["inner"]["variant"]
        name = path[-1]
        ne = "#[non_exhaustive] " if self.non_exhaustive(it) else ""
        vkind, vv = one(v["kind"], "variant kind")
        if vkind == "plain":
            sig = name
        elif vkind == "tuple":
            sig = name + "(" + ", ".join(
                "_" if f is None else self.ty(self.index[str(f)]["inner"]["struct_field"]) for f in vv
            ) + ")"
        elif vkind == "struct":
            fields = [self.index[str(f)] for f in vv["fields"]]
            if ne or vv["has_stripped_fields"]:
                # fields may be added: list them one per line
                sig = name + " { .. }"
                for fi in fields:
                    self.add(path + (fi["name"],), "variant field", f"{fi['name']}: {self.ty(fi['inner']['struct_field'])}")
            else:
                sig = name + " { " + ", ".join(
                    f"{fi['name']}: {self.ty(fi['inner']['struct_field'])}" for fi in fields
                ) + " }"
        else:
            raise Unsupported(f"variant kind {vkind}")
        if v.get("discriminant"):
            sig += " = " + v["discriminant"]["value"]
        self.add(path, "variant", ne + sig)

    def render_trait(self, it, v, path):
        name = path[-1]
        g = v["generics"]
        head = "pub "
        if v["is_unsafe"]:
            head += "unsafe "
        if v["is_auto"]:
            head += "auto "
        head += f"trait {name}{self.generics(g)}"
        if v["bounds"]:
            head += ": " + self.bounds(v["bounds"])
        head += self.where(g)
        required = []
        for x in v["items"]:
            xi = self.index[str(x)]
            xk, xv = one(xi["inner"], "trait item")
            xn = xi["name"]
            if xk == "function":
                sig = self.fn_sig(xn, xv, vis="")
                if xv["has_body"]:
                    sig += " { provided }"
                else:
                    required.append(xn)
                self.add(path + (xn,), "trait method", sig)
            elif xk == "assoc_const":
                sig = f"const {xn}: {self.ty(xv['type'])}"
                if xv.get("value") is not None:
                    sig += f" = {xv['value']}"
                else:
                    required.append(xn)
                self.add(path + (xn,), "trait const", sig)
            elif xk == "assoc_type":
                sig = f"type {xn}{self.generics(xv['generics'])}"
                if xv["bounds"]:
                    sig += ": " + self.bounds(xv["bounds"])
                sig += self.where(xv["generics"])
                if xv.get("type") is not None:
                    sig += " = " + self.ty(xv["type"])
                else:
                    required.append(xn)
                self.add(path + (xn,), "trait type", sig)
            else:
                raise Unsupported(f"trait item {xk}")
        # blanket impls of the trait (`impl<T: Bound> Trait for T`)
        for i in v["implementations"]:
            imp = (self.index.get(str(i)) or {}).get("inner", {}).get("impl")
            if imp is None or "generic" not in imp["for"]:
                continue
            ig = imp["generics"]
            self.add(path, "blanket impl", f"impl{self.generics(ig)} {name}{self.args(imp['trait'].get('args'))} for {self.ty(imp['for'])}{self.where(ig)}")
        # implementors must provide these: adding one breaks them
        body = " { required: " + ", ".join(sorted(required)) + " }" if required else " {}"
        dyn = " (dyn compatible)" if v.get("is_dyn_compatible") else ""
        self.add(path, "trait", head + body + dyn)

    def render_impls(self, impl_ids, path):
        auto = {}
        for i in impl_ids:
            imp_item = self.index.get(str(i))
            if imp_item is None:
                continue
            imp = imp_item["inner"]["impl"]
            if imp["blanket_impl"] is not None:
                continue
            g = imp["generics"]
            if imp["trait"] is None:
                self.render_inherent(imp, g, path)
                continue
            trait = self.path(imp["trait"])
            tname = imp["trait"]["path"].split("::")[-1]
            if imp["is_synthetic"]:
                if tname in AUTO_TRAITS:
                    cond = self.where(g)
                    auto[tname] = ("!" if imp["is_negative"] else "") + tname + (f" ({cond.strip()})" if cond else "")
                continue
            if tname in SKIP_TRAITS:
                continue
            neg = "!" if imp["is_negative"] else ""
            unsafe = "unsafe " if imp["is_unsafe"] else ""
            sig = f"{unsafe}impl{self.generics(g)} {neg}{trait} for {self.ty(imp['for'])}{self.where(g)}"
            assoc = []
            for x in imp["items"]:
                xi = self.index.get(str(x))
                if xi is None:
                    continue
                xk, xv = one(xi["inner"], "impl item")
                if xk == "assoc_type":
                    assoc.append(f"type {xi['name']} = {self.ty(xv['type'])};")
            if assoc:
                sig += " { " + " ".join(assoc) + " }"
            self.add(path, f"impl {neg}{trait}", sig)
        if auto:
            self.add(path, "auto traits", " + ".join(auto[t] for t in AUTO_TRAITS if t in auto))

    def render_inherent(self, imp, g, path):
        ctx = ""
        if g["params"] or g["where_predicates"]:
            ctx = f"in impl{self.generics(g)} {self.ty(imp['for'])}{self.where(g)}: "
        for x in imp["items"]:
            xi = self.index.get(str(x))
            if xi is None or xi.get("visibility") != "public":
                continue
            xk, xv = one(xi["inner"], "impl item")
            xn = xi["name"]
            if xk == "function":
                self.add(path + (xn,), "method", ctx + self.fn_sig(xn, xv))
            elif xk == "assoc_const":
                val = xv.get("value")
                self.add(path + (xn,), "assoc const", ctx + f"pub const {xn}: {self.ty(xv['type'])}" + (f" = {val}" if val is not None else ""))
            elif xk == "assoc_type":
                self.add(path + (xn,), "assoc type", ctx + f"pub type {xn} = {self.ty(xv['type'])}")
            else:
                raise Unsupported(f"inherent impl item {xk}")


# ---- snapshots and the semver gate ---------------------------------------

HEADER = re.compile(r"^# (\S+) (\S+) public API\b")
VERSION = re.compile(r"^(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$")


def parse_version(text: str):
    m = VERSION.match(text)
    if not m:
        raise InputError(f"not a semver version: {text!r}")
    major, minor, patch, pre = m.groups()
    # a pre-release sorts before its release
    return (int(major), int(minor), int(patch), 0 if pre else 1, pre or "")


def bumped(old: str, new: str) -> bool:
    """Any version increase (what an addition needs)."""
    return parse_version(new) > parse_version(old)


def breaking_allowed(old: str, new: str) -> bool:
    """Cargo's compatibility rule: 1.x.y needs a new major, 0.x.y (x > 0)
    a new minor, 0.0.x any new version."""
    o, n = parse_version(old), parse_version(new)
    if n <= o:
        return False
    if o[0] > 0:
        return n[0] > o[0]
    if o[1] > 0:
        return n[0] > 0 or n[1] > o[1]
    return True


def snapshot_text(api: Api, lines: list[str], bless_cmd: str) -> str:
    head = [
        f"# {api.crate} {api.version} public API (rustdoc JSON format {api.format_version}; tools/public_api.py)",
        f"# Do not edit: after a version bump, re-bless with `{bless_cmd}`.",
    ]
    return "\n".join(head + lines) + "\n"


def read_snapshot(path: Path):
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path}: no snapshot; create it with the bless command") from None
    rows = text.splitlines()
    m = HEADER.match(rows[0]) if rows else None
    if not m:
        raise InputError(f"{path}:1: the first line must be '# CRATE VERSION public API …'")
    fmt = re.search(r"rustdoc JSON format (\d+)", rows[0])
    lines = [r for r in rows[1:] if r and not r.startswith("#")]
    return m.group(1), m.group(2), (int(fmt.group(1)) if fmt else None), lines


def key(line: str) -> str:
    parts = line.split(SEP, 2)
    return SEP.join(parts[:2])


def check(api: Api, snapshot: Path, bless: bool, bless_cmd: str, out=sys.stdout) -> int:
    lines = api.render_all()
    if bless:
        snapshot.write_text(snapshot_text(api, lines, bless_cmd), encoding="utf-8")
        print(f"{snapshot}: blessed {api.crate} {api.version} ({len(lines)} lines)", file=out)
        return 0
    crate, old_version, old_fmt, old_lines = read_snapshot(snapshot)
    if crate != api.crate:
        raise InputError(f"{snapshot}: snapshot of crate {crate}, not {api.crate}")
    old, new = set(old_lines), set(lines)
    removed_lines = sorted(old - new)
    added_lines = sorted(new - old)
    if not removed_lines and not added_lines:
        print(f"{api.crate}: public API unchanged ({len(lines)} lines; snapshot {old_version}, crate {api.version})", file=out)
        return 0

    new_by_key: dict[str, list[str]] = {}
    for ln in added_lines:
        new_by_key.setdefault(key(ln), []).append(ln)
    changed, removed = [], []
    for ln in removed_lines:
        k = key(ln)
        if new_by_key.get(k):
            changed.append((ln, new_by_key[k].pop(0)))
        else:
            removed.append(ln)
    added = [ln for lst in new_by_key.values() for ln in lst]
    added.sort()

    p = lambda s="": print(s, file=out)  # noqa: E731
    p(f"{api.crate}: the public API differs from {snapshot} (snapshot of {old_version}, crate is {api.version})")
    if removed:
        p(f"\nRemoved ({len(removed)}, breaking):")
        for ln in removed:
            p(f"  - {ln}")
    if changed:
        p(f"\nChanged ({len(changed)}, breaking):")
        for a, b in changed:
            p(f"  - {a}")
            p(f"  + {b}")
    if added:
        p(f"\nAdded ({len(added)}):")
        for ln in added:
            p(f"  + {ln}")
    p()
    if old_fmt is not None and old_fmt != api.format_version:
        p(f"note: the snapshot was made from rustdoc JSON format {old_fmt}, this run read format "
          f"{api.format_version}; a new toolchain can render the same API differently.")
    breaking = bool(removed or changed)
    if breaking:
        ok = breaking_allowed(old_version, api.version)
        need = "a breaking change needs the minor version bumped (0.x: Cargo treats 0.x → 0.(x+1) as incompatible)"
    else:
        ok = bumped(old_version, api.version)
        need = "an addition needs at least a patch bump"
    if ok:
        p(f"PASS: {need}, and {old_version} → {api.version} is one.")
        p(f"Record the new API in the snapshot: {bless_cmd}")
        return 0
    p(f"FAIL: {need}; the crate version is still {api.version} (snapshot {old_version}).")
    p("Either undo the change, or bump `version` in the workspace Cargo.toml and re-bless:")
    p(f"  {bless_cmd}")
    return 1


def load(path: str, version: str | None) -> Api:
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    except FileNotFoundError:
        raise InputError(f"{path}: not found (produce it with cargo rustdoc … --output-format json)") from None
    except json.JSONDecodeError as e:
        raise InputError(f"{path}: not JSON: {e}") from None
    if not isinstance(doc, dict) or "format_version" not in doc:
        raise InputError(f"{path}: not rustdoc JSON (no format_version)")
    return Api(doc, version)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("list", help="print the public API, one item per line")
    a.add_argument("json")
    a.add_argument("--version")
    a.add_argument("--extern", action="append", default=[], metavar="JSON",
                   help="rustdoc JSON of a dependency, to name its items by their public paths")
    c = sub.add_parser("check", help="compare with a snapshot under semver rules")
    c.add_argument("json")
    c.add_argument("snapshot")
    c.add_argument("--version", help="the crate version (default: crate_version of the JSON)")
    c.add_argument("--extern", action="append", default=[], metavar="JSON",
                   help="rustdoc JSON of a dependency, to name its items by their public paths")
    c.add_argument("--bless", action="store_true", help="rewrite the snapshot")
    c.add_argument("--bless-command", default="SSJ_BLESS=1 tools/check-public-api.sh")
    args = ap.parse_args(argv)
    try:
        api = load(args.json, args.version)
        for e in args.extern:
            api.add_extern(load(e, None))
        if args.cmd == "list":
            lines = api.render_all()
            sys.stdout.write("".join(ln + "\n" for ln in lines))
            notes(api)
            return 0
        rc = check(api, Path(args.snapshot), args.bless, args.bless_command)
        notes(api)
        return rc
    except InputError as e:
        print(f"public_api.py: {e}", file=sys.stderr)
        return 2


def notes(api: Api):
    if api.unnameable:
        print(f"{api.crate}: note: public signatures name types that no public path reaches: "
              + ", ".join(sorted(api.unnameable)), file=sys.stderr)
    if api.external_crates:
        print(f"{api.crate}: note: the public API names items of these crates: "
              + ", ".join(sorted(api.external_crates)), file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
