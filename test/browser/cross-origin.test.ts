import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "vite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { hashApiKey } from "../../src/limits/keys.js";
import type { RunningGateway } from "../../src/app/start-gateway.js";
import { startTestGateway } from "../support/gateway.js";
import { launchChromium, watchedPage } from "../support/browser.js";

/**
 * `server.cors` from a browser: a page on another origin (a second loopback server) calls the
 * gateway with the real @connectrpc/connect-web transports, Connect and gRPC-Web, unary and
 * server streaming, and the REST surface with fetch. From an allowed origin every call works and reads the exposed headers;
 * from an origin not listed the browser refuses every one.
 */
const KEY = "sk-sluice-cors-browser-key";
let browser: Browser;
let gateway: RunningGateway;
let outDir: string;
const servers: http.Server[] = [];
let allowedOrigin: string;
let otherOrigin: string;

/** Serves the built page (index.html and its assets) on an ephemeral loopback port. */
async function servePage(dir: string): Promise<string> {
  const types: Record<string, string> = { ".html": "text/html", ".js": "text/javascript" };
  const server = http.createServer((req, res) => {
    const path = req.url === "/" ? "/index.html" : normalize(req.url ?? "/").replace(/^(\.\.[/\\])+/, "");
    try {
      const body = readFileSync(join(dir, path));
      res.writeHead(200, { "content-type": types[extname(path)] ?? "application/octet-stream" }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  outDir = mkdtempSync(join(tmpdir(), "sluice-cors-page-"));
  await build({
    configFile: false,
    root: fileURLToPath(new URL("./cross-origin/", import.meta.url)),
    logLevel: "warn",
    build: { outDir, emptyOutDir: true, modulePreload: { polyfill: false }, minify: false },
  });
  allowedOrigin = await servePage(outDir);
  otherOrigin = await servePage(outDir);
  gateway = await startTestGateway(`
server: { cors: { allowed_origins: ["${allowedOrigin}"] } }
tenants: [ { id: web, keys: [ { id: web-1, hash: "${hashApiKey(KEY)}" } ] } ]
`);
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await gateway?.close();
  for (const s of servers) s.close();
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

type Outcome = { ok: true; text: string; requestId: string } | { ok: false; code: string; message: string };
const call = (page: Page, protocol: string, kind: string, prompt: string) =>
  page.evaluate(([url, p, k, key, text]) => (globalThis as any).sluiceCall(url, p, k, key, text) as Promise<Outcome>, [gateway.url, protocol, kind, KEY, prompt] as const);

const rest = (page: Page, prompt: string) =>
  page.evaluate(([url, key, text]) => (globalThis as any).sluiceRest(url, key, text) as Promise<Outcome>, [gateway.url, KEY, prompt] as const);

const CASES = [
  ["connect", "unary"],
  ["connect", "stream"],
  ["grpc-web", "unary"],
  ["grpc-web", "stream"],
] as const;

describe("cross-origin Connect-Web and gRPC-Web in Chromium", () => {
  it("work from an allowed origin, the request id header readable", async () => {
    const { page, errors } = await watchedPage(browser);
    await page.goto(allowedOrigin);
    await page.waitForFunction("typeof globalThis.sluiceCall === 'function'");
    for (const [protocol, kind] of CASES) {
      const prompt = `hello from ${protocol} ${kind}`;
      const outcome = await call(page, protocol, kind, prompt);
      expect(outcome, `${protocol} ${kind}`).toEqual({ ok: true, text: prompt, requestId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    }
    expect(await rest(page, "hello over REST")).toEqual({ ok: true, text: "hello over REST", requestId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it("are refused by the browser from an origin not listed", async () => {
    const { page, errors } = await watchedPage(browser);
    await page.goto(otherOrigin);
    await page.waitForFunction("typeof globalThis.sluiceCall === 'function'");
    for (const [protocol, kind] of CASES) {
      const outcome = await call(page, protocol, kind, "should not pass");
      expect(outcome.ok, `${protocol} ${kind}`).toBe(false);
      // connect-web sees a network failure (fetch's TypeError), not an answer from the gateway.
      if (!outcome.ok) expect(outcome.message, `${protocol} ${kind}`).toMatch(/Failed to fetch/);
    }
    expect(await rest(page, "should not pass")).toEqual({ ok: false, code: "fetch", message: expect.stringMatching(/Failed to fetch/) });
    expect(errors.join("\n")).toMatch(/blocked by CORS policy/);
    await page.context().close();
  });
});
