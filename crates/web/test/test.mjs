// Headless Chromium test of verify.html, opened from file://: the real
// folder picker on a good bundle, then the test hook on tampered bundles.
// usage: node test.mjs PAGE GOOD_DIR WITHHELD_DIR SHOTS_DIR
import { chromium } from "playwright-core";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const [page_, good, withheld, shots] = process.argv.slice(2).map((p) => resolve(p));
const read = (dir) => readdirSync(dir).sort().map((n) => [n, readFileSync(join(dir, n))]);
const sha = (b) => createHash("sha256").update(b).digest("hex");
const reseal = (files) => {
  const sums = files
    .filter(([n]) => n !== "SHA256SUMS" && n !== "journal.jsonl")
    .map(([n, b]) => `${sha(b)}  ${n}\n`).join("");
  return files.map(([n, b]) => [n, n === "SHA256SUMS" ? Buffer.from(sums) : b]);
};
// replace the first `from` after `after` in file `name` (same length)
const edit = (files, name, after, from, to) => files.map(([n, b]) => {
  if (n !== name) return [n, b];
  const s = b.toString("latin1"), a = s.indexOf(after), i = s.indexOf(from, a);
  if (a < 0 || i < 0) throw new Error(`${name}: no ${from} after ${after}`);
  return [n, Buffer.from(s.slice(0, i) + to + s.slice(i + from.length), "latin1")];
});
const b64 = (files) => files.map(([n, b]) => [n, b.toString("base64")]);

let failures = 0;
const expect = (ok, what) => {
  console.log(`${ok ? "ok  " : "FAIL"} ${what}`);
  if (!ok) failures++;
};

// a new empty profile folder (playwright passes it as --user-data-dir)
const browser = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), "ssj-chromium-")), {
  executablePath: "/usr/bin/chromium",
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  viewport: { width: 1100, height: 900 },
});
const page = await browser.newPage();
const requests = [];
page.on("request", (r) => requests.push(r.url()));
page.on("pageerror", (e) => { console.log(`page error: ${e}`); failures++; });
const url = "file://" + page_;
let t0 = Date.now();
await page.goto(url);
console.log(`page loaded in ${Date.now() - t0} ms`);

// 1. the real folder picker
const outcome = async () => {
  await page.waitForSelector("#outcome[data-outcome]", { timeout: 600000 });
  return page.$eval("#outcome", (e) => ({ outcome: e.dataset.outcome, text: e.textContent }));
};
t0 = Date.now();
await page.setInputFiles("#folder", good);
let o = await outcome();
const pickMs = Date.now() - t0;
const wasmMs = await page.$eval("#summary", (e) => e.dataset.ms);
expect(o.outcome === "verified" && o.text === "核验通过", `folder picker, good bundle: ${o.text} (${pickMs} ms from picking, ${wasmMs} ms in wasm)`);
const rows = await page.$$eval("#checks tbody tr", (trs) => trs.map((t) => t.dataset.status + " " + t.dataset.check + " " + t.dataset.file));
expect(rows.length > 30 && rows.filter((r) => r.startsWith("differs")).length === 0, `${rows.length} checks, none differs`);
await page.screenshot({ path: join(shots, "verify-good-zh.png"), fullPage: true });
await page.click("#lang");
o = await outcome();
expect(o.text === "VERIFIED", `English toggle: ${o.text}`);
await page.screenshot({ path: join(shots, "verify-good-en.png"), fullPage: true });
await page.click("#lang");

// 2. the several-files picker, on the bundle with conflicts withheld
await page.evaluate(() => { delete document.getElementById("outcome").dataset.outcome; });
await page.setInputFiles("#files", readdirSync(withheld).map((n) => join(withheld, n)));
o = await outcome();
const why = await page.$$eval('#checks tbody tr[data-status="not_checked"]', (trs) => trs.map((t) => t.textContent));
expect(o.outcome === "partially_verified" && why.some((w) => w.includes("officer teams not checked: 回避名单 withheld")),
  `files picker, conflicts withheld: ${o.text}`);

// 3. tampered bundles through the test hook
const files = read(good);
const cases = [
  ["result.csv one byte, SHA256SUMS as published", edit(files, "result.csv", "\n2,", "1", "7"), "differs", "sums", "result.csv"],
  ["result.csv one byte, SHA256SUMS recomputed", reseal(edit(files, "result.csv", "\n2,", "1", "7")), "differs", "regenerated", "result.csv"],
  ["notice.html, resealed", reseal(edit(files, "notice.html", "<td ", "<td ", "<th ")), "differs", "regenerated", "notice.html"],
  ["entities.csv, resealed", reseal(edit(files, "entities.csv", "\n", "\xe5\x90\xa6", "\xe6\x98\xaf")), "differs", "input_digest", "entities.csv"],
  ["result.json officer, resealed", reseal(edit(files, "result.json", '"cert_no":"', "1406", "1407")), "differs", "draw", "result.json"],
  ["journal.jsonl seed", edit(files, "journal.jsonl", '"command":"draw"', "2026-Q4", "2026-Q5"), "differs", "journal", "journal.jsonl"],
  ["verify.html one byte", edit(files, "verify.html", "<title>", "<title>", "<titlf>"), "differs", "sums", "verify.html"],
  ["result.json truncated", files.map(([n, b]) => [n, n === "result.json" ? b.subarray(0, 1000) : b]), "invalid", null, "result.json"],
];
for (const [what, fs, want, check, file] of cases) {
  const v = await page.evaluate((f) => window.ssjTest.verify(f), b64(fs));
  const named = check
    ? v.checks.some((c) => c.status === "differs" && c.check === check && c.file === file)
    : v.errors.some((e) => e.file === file && e.line === 1 && e.column !== null);
  const shown = await page.$eval("#outcome", (e) => e.dataset.outcome);
  expect(v.outcome === want && shown === want && named, `${what}: ${v.outcome}, ${check || "error"} names ${file}`);
  if (what.startsWith("result.csv one byte, SHA256SUMS recomputed")) {
    await page.screenshot({ path: join(shots, "verify-tampered-zh.png"), fullPage: true });
  }
}
const elsewhere = requests.filter((r) => r !== url);
expect(elsewhere.length === 0, `no request but the page itself (${requests.length} request(s): ${[...new Set(requests)].join(", ")})`);
await browser.close();
console.log(failures ? `${failures} failure(s)` : "all passed");
process.exit(failures ? 1 : 0);
