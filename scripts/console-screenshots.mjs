#!/usr/bin/env node
/**
 * Screenshots of the web console's pages for the docs (docs/console-<page>.png), taken in
 * Debian's Chromium through playwright-core against a gateway with some traffic behind it.
 * Run after `npm run build`: `node scripts/console-screenshots.mjs`.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { parseConfig } from "../dist/src/app/load-config.js";
import { startGateway } from "../dist/src/app/start-gateway.js";
import { hashApiKey } from "../dist/src/limits/keys.js";
import { createLogger } from "../dist/src/telemetry/logger.js";

const ADMIN = "sk-sluice-screenshot-admin";
const KEYS = { acme: "sk-sluice-screenshot-acme", globex: "sk-sluice-screenshot-globex" };
const docs = fileURLToPath(new URL("../docs/", import.meta.url));
const testdata = fileURLToPath(new URL("../dist/policy-wasm/testdata/", import.meta.url));

const config = parseConfig(
  `
admin: { keys: [ { id: ops, hash: "${hashApiKey(ADMIN)}" } ] }
providers:
  - { id: mock, kind: mock }
  - { id: backup, kind: openai, base_url: "http://127.0.0.1:1/v1", api_key: "sk-unused" }
models:
  - { alias: mock-echo, targets: [ { provider: mock, model: mock-echo } ] }
  - { alias: fast, strategy: ordered, targets: [ { provider: backup, model: gpt-4o-mini }, { provider: mock, model: mock-lorem } ] }
pricing:
  mock-echo: { input_per_mtok: 2.5, output_per_mtok: 10 }
  mock-lorem: { input_per_mtok: 0.15, output_per_mtok: 0.6 }
tenants:
  - { id: acme, keys: [ { id: acme-ci, hash: "${hashApiKey(KEYS.acme)}", tags: { team: search } } ] }
  - { id: globex, keys: [ { id: globex-web, hash: "${hashApiKey(KEYS.globex)}", tags: { team: ads } } ] }
policies: { pii: { actions: { PHONE_NUMBER: redact, EMAIL_ADDRESS: placeholder } } }
`,
  "screenshots",
);
config.dataDir = mkdtempSync(join(tmpdir(), "sluice-screens-"));
const gateway = await startGateway(config, { port: 0, logger: createLogger("silent") });

// Some traffic for the usage charts and the health table.
for (let i = 0; i < 24; i++) {
  const tenant = i % 3 === 0 ? "globex" : "acme";
  await fetch(`${gateway.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${KEYS[tenant]}`, "content-type": "application/json" },
    body: JSON.stringify({ model: i % 2 ? "fast" : "mock-echo", max_tokens: 40, messages: [{ role: "user", content: `question ${i}: what is a sluice gate?` }] }),
  }).then((r) => r.arrayBuffer());
}

const browser = await chromium.launch({ executablePath: process.env.SLUICE_CHROMIUM ?? "/usr/bin/chromium", args: ["--no-sandbox"] });
const page = await browser.newPage({ viewport: { width: 1280, height: 820 } });
const shot = (name) => page.screenshot({ path: join(docs, `console-${name}.png`), fullPage: true });

await page.goto(`${gateway.url}/console/keys`);
await page.getByLabel("Admin key").fill(ADMIN);
await page.getByRole("button", { name: "Use key" }).click();

await page.getByRole("link", { name: "Playground" }).click();
await page.getByLabel("API key").fill(KEYS.acme);
await page.getByLabel("Model").fill("mock-echo");
await page.getByLabel("Prompt").fill("Summarise: the sluice gate opens at dawn; call +1 415 555 0132 to report a fault.");
await page.getByRole("button", { name: "Send" }).click();
await page.locator("[data-field=request-id]").filter({ hasNotText: "—" }).waitFor();
await shot("playground");

await page.getByRole("link", { name: "Usage" }).click();
await page.getByRole("table", { name: /^By / }).waitFor();
await page.waitForTimeout(800);
await shot("usage");

await page.getByRole("link", { name: "Keys" }).click();
await page.getByLabel("Tenant").fill("acme");
await page.getByLabel("Key id").fill("acme-notebook");
await page.getByRole("button", { name: "Create key" }).click();
await page.getByLabel("New API key").waitFor();
await page.getByLabel("Tenant").fill("");
await page.waitForTimeout(300);
await shot("keys");

await page.getByRole("link", { name: "Policies" }).click();
await page.getByLabel("Module (.wasm)").setInputFiles(join(testdata, "pii-no-phone.wasm"));
await page.getByLabel("Note").fill("no phone numbers");
await page.getByRole("button", { name: "Push" }).click();
await page.getByText(/Pushed pii version 2/).waitFor();
await page.getByRole("button", { name: "Run conformance" }).click();
await page.getByText(/Conformance passed/).waitFor();
await shot("policies");

await page.getByRole("link", { name: "Providers" }).click();
await page.getByText(/Live: updated/).waitFor();
await page.waitForTimeout(3500); // a few snapshots on the chart
await shot("providers");

await browser.close();
await gateway.close();
console.log(`screenshots written to ${docs}`);
