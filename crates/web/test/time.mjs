// Time verify.html on a bundle folder through the real folder picker.
// usage: node time.mjs PAGE BUNDLE_DIR
import { chromium } from "playwright-core";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const [page_, dir] = process.argv.slice(2).map((p) => resolve(p));
const browser = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), "ssj-chromium-")), {
  executablePath: "/usr/bin/chromium",
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const page = await browser.newPage();
page.on("pageerror", (e) => console.log(`page error: ${e}`));
await page.goto("file://" + page_);
const t0 = Date.now();
await page.setInputFiles("#folder", dir);
await page.waitForSelector("#outcome[data-outcome]", { timeout: 3600000 });
const total = Date.now() - t0;
const o = await page.$eval("#outcome", (e) => e.textContent);
const s = await page.$eval("#summary", (e) => [e.textContent, e.dataset.ms]);
console.log(`${o}: ${total} ms from picking the folder to the verdict, ${s[1]} ms in ssj_verify`);
console.log(s[0]);
await browser.close();
