// verify.html glue: read the picked files, pack them into the archive the
// wasm module reads (per file: u32le name length, name, u32le data length,
// data), call ssj_verify, show the verdict. No network, no dependencies.
"use strict";
(function () {
  var LABELS = {
    sums: ["SHA256SUMS 校验和", "SHA256SUMS checksum"],
    input_digest: ["输入摘要", "input digest"],
    commitment: ["事前承诺", "pre-draw commitment"],
    draw: ["重新抽取并比对", "draw re-run and compared"],
    regenerated: ["重新生成并逐字节比对", "regenerated, byte for byte"],
    journal: ["全过程记录哈希链", "journal hash chain"],
    journal_output: ["全过程记录绑定文件", "journal entry binds the file"],
    journal_bundle: ["全过程记录绑定 SHA256SUMS", "journal entry binds SHA256SUMS"],
    withheld: ["未公开的输入", "withheld input"],
    revision: ["替补修订重算并比对", "revision replayed and compared"],
    ok: ["通过", "ok"],
    differs: ["差异", "DIFFERS"],
    not_checked: ["未核验", "not checked"],
    verified: ["核验通过", "VERIFIED"],
    partially_verified: ["部分核验通过", "PARTIALLY VERIFIED"],
    invalid: ["无法核验", "CANNOT VERIFY"],
    line: ["第 {} 行", "line {}"],
    plan: ["计划", "plan"],
    seed: ["种子", "seed"],
    counts: ["{ok} 项通过，{differs} 项差异，{nc} 项未核验；{files} 个文件，用时 {ms} 毫秒",
             "{ok} ok, {differs} differ, {nc} not checked; {files} files, {ms} ms"],
    reading: ["正在读取并核验……", "Reading and verifying…"]
  };
  LABELS.differs_outcome = ["发现差异", "DIFFERENCES FOUND"];
  var lang = 0; // 0 zh, 1 en
  var last = null; // {verdict, text, files, ms}
  var $ = function (id) { return document.getElementById(id); };
  var t = function (k) { return (LABELS[k] || [k, k])[lang]; };

  // the module, decoded from the base64 inlined in the page
  var exports = null;
  function module() {
    if (exports) return exports;
    var b64 = $("ssj-wasm").textContent.replace(/\s+/g, "");
    var bin = atob(b64), bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    var mod = new WebAssembly.Module(bytes);
    // A dependency of the spreadsheet code (zip → getrandom) declares
    // JavaScript imports the verifier never calls; each is given a stub that
    // fails loudly if it ever were (nothing random or external is used).
    var imports = {};
    WebAssembly.Module.imports(mod).forEach(function (im) {
      if (im.kind !== "function") return;
      (imports[im.module] = imports[im.module] || {})[im.name] = function () {
        throw new Error("unexpected call to " + im.module + "." + im.name);
      };
    });
    exports = new WebAssembly.Instance(mod, imports).exports;
    return exports;
  }

  // [[name, Uint8Array], …] → the verdict object
  function verify(files) {
    var enc = new TextEncoder(), parts = [], total = 0;
    files.forEach(function (f) {
      var name = enc.encode(f[0]);
      parts.push(name, f[1]);
      total += 8 + name.length + f[1].length;
    });
    var m = module();
    var ptr = m.ssj_alloc(total);
    var mem = new Uint8Array(m.memory.buffer), view = new DataView(m.memory.buffer), at = ptr;
    for (var i = 0; i < parts.length; i++) {
      view.setUint32(at, parts[i].length, true);
      mem.set(parts[i], at + 4);
      at += 4 + parts[i].length;
    }
    var t0 = performance.now();
    var ans = m.ssj_verify(ptr, total, lang);
    var ms = Math.round(performance.now() - t0);
    var len = new DataView(m.memory.buffer).getUint32(ans, true);
    var json = new TextDecoder().decode(new Uint8Array(m.memory.buffer, ans + 4, len));
    m.ssj_free(ans);
    var answer = JSON.parse(json);
    return { verdict: answer.verdict, text: answer.text, files: files.length, ms: ms };
  }

  // a trap (out of memory, a bug) shown as a verdict; the instance is
  // dropped so that the next run starts afresh
  function safely(files) {
    try {
      return verify(files);
    } catch (e) {
      exports = null;
      return { verdict: { outcome: "invalid", exit_code: 2, plan: null, seed: null, checks: [], withheld: [],
        errors: [{ file: "verify.html", line: null, column: null, field: null, kind: "malformed",
          message: "the verifier stopped: " + e }] }, text: String(e), files: files.length, ms: 0 };
    }
  }

  function show(r) {
    last = r;
    var v = r.verdict, o = $("outcome");
    $("verdict").hidden = false;
    o.dataset.outcome = v.outcome;
    o.dataset.exitCode = v.exit_code;
    o.textContent = t(v.outcome === "differs" ? "differs_outcome" : v.outcome);
    var n = { ok: 0, differs: 0, not_checked: 0 };
    v.checks.forEach(function (c) { n[c.status]++; });
    var head = [];
    if (v.plan) head.push(t("plan") + " " + v.plan);
    if (v.seed !== null) head.push(t("seed") + " '" + v.seed + "'");
    head.push(t("counts").replace("{ok}", n.ok).replace("{differs}", n.differs)
      .replace("{nc}", n.not_checked).replace("{files}", r.files).replace("{ms}", r.ms));
    $("summary").textContent = head.join(" · ");
    $("summary").dataset.ms = r.ms;
    var body = $("checks").tBodies[0];
    body.textContent = "";
    v.checks.forEach(function (c) {
      var tr = body.insertRow();
      tr.dataset.status = c.status;
      tr.dataset.check = c.check;
      tr.dataset.file = c.file || "";
      var cells = [t(c.status), t(c.check) + (c.subject ? " " + c.subject : ""), c.file || "",
        (c.line ? t("line").replace("{}", c.line) + ": " : "") + (c.detail || c.why || c.note || "")];
      cells.forEach(function (s, i) {
        var td = tr.insertCell();
        td.textContent = s;
        if (i === 0) td.className = "badge";
      });
    });
    var ul = $("errors");
    ul.textContent = "";
    v.errors.forEach(function (e) {
      var li = document.createElement("li");
      li.dataset.file = e.file;
      li.textContent = e.file + (e.line ? ":" + e.line + (e.column ? ":" + e.column : "") : "") +
        (e.field ? ": " + e.field : "") + ": " + e.message;
      ul.appendChild(li);
    });
    $("text").textContent = r.text;
  }

  function setLang(l) {
    lang = l;
    document.documentElement.lang = l ? "en" : "zh-CN";
    document.querySelectorAll("[data-zh]").forEach(function (e) {
      e.textContent = l ? e.dataset.en : e.dataset.zh;
    });
    if (last) show(last);
  }

  // File objects (with the name inside the folder) → verdict on screen
  function run(named) {
    $("verdict").hidden = false;
    $("outcome").textContent = t("reading");
    delete $("outcome").dataset.outcome;
    Promise.all(named.map(function (f) {
      return f[1].arrayBuffer().then(function (b) { return [f[0], new Uint8Array(b)]; });
    })).then(function (files) {
      setTimeout(function () { show(safely(files)); }, 0);
    });
  }

  // a picked folder: its top-level files, by name
  function fromFolder(list) {
    var out = [];
    Array.prototype.forEach.call(list, function (f) {
      var p = (f.webkitRelativePath || f.name).split("/");
      if (p.length <= 2) out.push([p[p.length - 1], f]);
    });
    return out;
  }

  $("lang").onclick = function () { setLang(1 - lang); };
  $("folder").onchange = function (e) { run(fromFolder(e.target.files)); };
  $("files").onchange = function (e) {
    run(Array.prototype.map.call(e.target.files, function (f) { return [f.name, f]; }));
  };
  var drop = $("drop");
  drop.ondragover = function (e) { e.preventDefault(); drop.className = "over"; };
  drop.ondragleave = function () { drop.className = ""; };
  drop.ondrop = function (e) {
    e.preventDefault();
    drop.className = "";
    var entries = Array.prototype.map.call(e.dataTransfer.items, function (i) { return i.webkitGetAsEntry(); });
    var files = [];
    var pending = entries.map(function (en) {
      if (!en) return Promise.resolve();
      if (en.isFile) return new Promise(function (ok) { en.file(function (f) { files.push([f.name, f]); ok(); }, ok); });
      // a folder: its top-level files (read in batches until empty)
      return new Promise(function (ok) {
        var r = en.createReader();
        (function next() {
          r.readEntries(function (batch) {
            if (!batch.length) return ok();
            Promise.all(batch.filter(function (b) { return b.isFile; }).map(function (b) {
              return new Promise(function (ok2) { b.file(function (f) { files.push([f.name, f]); ok2(); }, ok2); });
            })).then(next);
          }, ok);
        })();
      });
    });
    Promise.all(pending).then(function () { run(files); });
  };

  // test hook: [[name, base64], …] → the verdict, shown as for picked files
  window.ssjTest = {
    verify: function (files) {
      var decoded = files.map(function (f) {
        var bin = atob(f[1]), b = new Uint8Array(bin.length);
        for (var i = 0; i < bin.length; i++) b[i] = bin.charCodeAt(i);
        return [f[0], b];
      });
      var r = safely(decoded);
      show(r);
      return r.verdict;
    },
    setLang: setLang
  };
})();
