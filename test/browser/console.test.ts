import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { hashApiKey } from "../../src/limits/keys.js";
import type { RunningGateway } from "../../src/app/start-gateway.js";
import { startTestGateway } from "../support/gateway.js";
import { launchChromium, watchedPage } from "../support/browser.js";

/**
 * The web console in real Chromium against the real gateway (needs `npm run build`: the console
 * is served from dist/console). Controls are found by their accessible names, the ones the
 * issue promises.
 */
const ADMIN = "sk-sluice-console-admin";
const TENANT_KEY = "sk-sluice-console-tenant";
const PHONE_PROMPT = "call +1 415 555 0132 today";
const testdata = fileURLToPath(new URL("../../dist/policy-wasm/testdata/", import.meta.url));
const PAGES = ["Playground", "Usage", "Keys", "Policies", "Providers"] as const;

let browser: Browser;
/** No tenant keys: the playground needs none. Admin key for the admin pages; the pii slot redacts phone numbers. */
let open: RunningGateway;
/** Tenant keys configured: every API call needs one. */
let keyed: RunningGateway;

beforeAll(async () => {
  browser = await launchChromium();
  open = await startTestGateway(`
admin: { keys: [ { id: ops, hash: "${hashApiKey(ADMIN)}" } ] }
policies: { pii: { actions: { PHONE_NUMBER: redact } } }
`);
  keyed = await startTestGateway(`
admin: { keys: [ { id: ops, hash: "${hashApiKey(ADMIN)}" } ] }
tenants:
  - { id: acme, keys: [ { id: acme-config, hash: "${hashApiKey(TENANT_KEY)}" } ] }
  - { id: globex }
`);
});
afterAll(async () => {
  await browser?.close();
  await open?.close();
  await keyed?.close();
});

async function useAdminKey(page: Page): Promise<void> {
  await page.getByLabel("Admin key").fill(ADMIN);
  await page.getByRole("button", { name: "Use key" }).click();
}

async function ask(page: Page, prompt: string, apiKey = ""): Promise<string> {
  await page.getByRole("link", { name: "Playground" }).click();
  if (apiKey) await page.getByLabel("API key").fill(apiKey);
  await page.getByLabel("Model").fill("mock-echo");
  await page.getByLabel("Prompt").fill(prompt);
  await page.getByRole("button", { name: "Send" }).click();
  // 30 s: a full CI run once took over 10 s here, the whole suite loading beside it (session 14); alone it takes ~1 s.
  await expect.poll(() => page.locator("[data-field=request-id]").textContent(), { timeout: 30_000 }).not.toBe("—");
  return (await page.getByRole("log").textContent()) ?? "";
}

describe("the web console", () => {
  it("serves every page with a strict CSP and no console error", async () => {
    const res = await fetch(`${open.url}/console`);
    expect(res.status).toBe(200);
    const csp = res.headers.get("content-security-policy")!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain("unsafe-inline");
    const html = await res.text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/); // no inline script
    expect((await fetch(`${open.url}/console/assets/missing.js`)).status).toBe(404);
    expect((await fetch(`${open.url}/console`, { method: "POST" })).status).toBe(405);

    const { page, errors } = await watchedPage(browser);
    await page.goto(`${open.url}/console/keys`);
    await useAdminKey(page); // kept in sessionStorage: every admin page below uses it
    expect(await page.evaluate("Object.values(sessionStorage)")).toEqual([ADMIN]);
    expect(await page.evaluate("Object.keys(localStorage)")).toEqual([]);
    for (const name of PAGES) {
      await page.getByRole("link", { name }).click();
      await expect.poll(() => page.getByRole("heading", { level: 1 }).textContent()).toBe(name);
      // Reloaded at its own address too (the gateway serves the app for /console/<page>).
      await page.reload();
      await expect.poll(() => page.getByRole("heading", { level: 1 }).textContent()).toBe(name);
      await page.waitForTimeout(300); // the page's first calls answered
    }
    await expect.poll(() => page.getByText(/Live: updated/).count()).toBe(1);
    expect(await page.getByRole("table", { name: "Targets" }).getByRole("row", { name: /mock\/mock-echo/ }).textContent()).toMatch(/closed/);
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it("streams an answer in the playground and shows what happened", async () => {
    const { page, errors } = await watchedPage(browser);
    await page.goto(`${open.url}/console`);
    await expect.poll(() => page.locator("#model-names option").count()).toBeGreaterThan(0); // ListModels, no key needed here
    const answer = await ask(page, "one two three four five");
    expect(answer).toBe("one two three four five");
    expect(await page.locator("[data-field=provider]").textContent()).toBe("mock");
    expect(await page.locator("[data-field=model]").textContent()).toBe("mock-echo");
    expect(await page.locator("[data-field=ttft]").textContent()).toMatch(/^\d+ ms$/);
    expect(await page.locator("[data-field=tokens]").textContent()).toMatch(/^\d+ \/ 5$/);
    expect(await page.locator("[data-field=cost]").textContent()).toMatch(/^\$\d+\.\d{6}$/);
    expect(await page.locator("[data-field=request-id]").textContent()).toMatch(/^[0-9a-f-]{36}$/);
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it("creates a key that works on /v1/chat/completions, and revokes it (401 after)", async () => {
    const { page, errors } = await watchedPage(browser);
    await page.context().grantPermissions(["clipboard-read", "clipboard-write"], { origin: keyed.url });
    await page.goto(`${keyed.url}/console/keys`);
    await useAdminKey(page);
    await page.getByLabel("Tenant").fill("globex");
    await page.getByLabel("Key id").fill("globex-web");
    await page.getByRole("button", { name: "Create key" }).click();
    const secret = (await page.getByLabel("New API key").textContent())!;
    expect(secret).toMatch(/^sk-/);
    await page.getByRole("button", { name: "Copy" }).click();
    await expect.poll(() => page.evaluate("navigator.clipboard.readText()")).toBe(secret);

    const chat = () =>
      fetch(`${keyed.url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
        body: JSON.stringify({ model: "mock-echo", messages: [{ role: "user", content: "hello there" }] }),
      });
    const ok = await chat();
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]!.message.content).toBe("hello there");

    const row = page.getByRole("row", { name: /globex-web/ });
    await row.getByRole("button", { name: "Revoke" }).click();
    await expect.poll(() => row.textContent()).toMatch(/revoked/);
    expect((await chat()).status).toBe(401);
    // The other tenant's key (from the config) is untouched, and the secret was never stored.
    await page.getByLabel("Tenant").fill("");
    expect(await page.getByRole("row", { name: /acme-config/ }).textContent()).toMatch(/active/);
    expect(await page.evaluate("JSON.stringify(sessionStorage)")).not.toContain(secret);
    expect(errors).toEqual([]);
    await page.context().close();
  });

  // Conformance, push and rollback validate the module in a worker: seconds, not milliseconds, on a loaded machine.
  const SLOW = { timeout: 15_000 }; // four of them: the test's own limit is 90 s
  it("pushes a policy module and rolls it back, changing what the gateway does", async () => {
    const { page, errors } = await watchedPage(browser);
    await page.goto(`${open.url}/console/policies`);
    await useAdminKey(page);
    expect(await ask(page, PHONE_PROMPT)).toBe("call [PHONE_NUMBER] today"); // the built-in pii module

    await page.getByRole("link", { name: "Policies" }).click();
    await expect.poll(() => page.getByLabel("Slot").inputValue()).toBe("pii");
    await page.getByLabel("Module (.wasm)").setInputFiles(testdata + "overcap.wasm");
    await page.getByRole("button", { name: "Run conformance" }).click();
    await expect.poll(() => page.getByRole("status").filter({ hasText: "Conformance" }).textContent(), SLOW).toMatch(/Conformance failed for overcap\.wasm:.*exceeds the slot cap/);

    await page.getByLabel("Module (.wasm)").setInputFiles(testdata + "pii-no-phone.wasm");
    await page.getByLabel("Note").fill("no phones");
    await page.getByRole("button", { name: "Run conformance" }).click();
    await expect.poll(() => page.getByRole("status").filter({ hasText: "Conformance" }).textContent(), SLOW).toMatch(/Conformance passed: pii-no-phone\.wasm meets the pii slot's \d+ vectors/);
    await page.getByRole("button", { name: "Push" }).click();
    await expect.poll(() => page.getByText("Pushed pii version 2: active now.").count(), SLOW).toBe(1);
    expect(await page.getByRole("row", { name: /no phones/ }).textContent()).toMatch(/active/);
    expect(await ask(page, PHONE_PROMPT)).toBe(PHONE_PROMPT); // the pushed module finds no phone

    await page.getByRole("link", { name: "Policies" }).click();
    await page.getByRole("button", { name: "Roll back" }).click();
    await expect.poll(() => page.getByText("pii: version 1 active.").count(), SLOW).toBe(1);
    expect(await ask(page, PHONE_PROMPT)).toBe("call [PHONE_NUMBER] today"); // the built-in again
    expect(errors).toEqual([]);
    await page.context().close();
  }, 90_000);
});
