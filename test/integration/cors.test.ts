import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config/load.js";
import { parseConfig } from "../../src/app/load-config.js";
import { hashApiKey } from "../../src/limits/keys.js";
import type { RunningGateway } from "../../src/app/start-gateway.js";
import { startTestGateway } from "../support/gateway.js";

/**
 * `server.cors` at the HTTP level (the browser tests in test/browser drive it from Chromium):
 * preflights and responses for an allowed origin carry what Connect, gRPC-Web and REST need;
 * another origin gets no CORS header; without `server.cors` nothing changes.
 */
const KEY = "sk-sluice-cors-test-key";
const ALLOWED = "http://app.example.test:5173";
const OTHER = "http://evil.example.test";

function problems(yaml: string): string[] {
  try {
    parseConfig(yaml, "cors.yaml", {});
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  return [];
}

const corsHeaders = (res: Response) => [...res.headers.keys()].filter((h) => h.startsWith("access-control-"));

describe("server.cors config", () => {
  const tenant = `tenants: [ { id: t, keys: [ { id: k, hash: "${hashApiKey(KEY)}" } ] } ]`;

  it("accepts exact origins and '*' without keys", () => {
    expect(problems(`server: { cors: { allowed_origins: ["${ALLOWED}", "https://app.example.com"] } }\n${tenant}`)).toEqual([]);
    expect(problems(`server: { cors: { allowed_origins: ["*"] } }`)).toEqual([]);
  });

  it("refuses '*' once API or admin keys are configured, and with credentials", () => {
    expect(problems(`server: { cors: { allowed_origins: ["*"] } }\n${tenant}`).join("\n")).toMatch(/server\.cors\.allowed_origins: "\*" .*refused when API or admin keys are configured/);
    expect(problems(`server: { cors: { allowed_origins: ["*"] } }\nadmin: { keys: [ { id: ops, hash: "${hashApiKey("sk-admin-x")}" } ] }`).join("\n")).toMatch(/refused when API or admin keys/);
    expect(problems(`server: { cors: { allowed_origins: ["*"], allow_credentials: true } }`).join("\n")).toMatch(/allow_credentials/);
  });

  it("refuses what is not an exact origin, an empty list and unknown fields", () => {
    const found = problems(`server: { cors: { allowed_origins: ["https://app.example.com/", "app.example.com", "ftp://x.test", "https://a.test/path"] } }`);
    expect(found).toHaveLength(4);
    expect(found[0]).toMatch(/allowed_origins\[0\]: expected the exact origin "https:\/\/app.example.com"/);
    expect(found[1]).toMatch(/allowed_origins\[1\]: expected an origin like/);
    expect(found[2]).toMatch(/allowed_origins\[2\]: expected an http\(s\) origin/);
    expect(found[3]).toMatch(/allowed_origins\[3\]: expected the exact origin/);
    expect(problems(`server: { cors: { allowed_origins: [] } }`).join("\n")).toMatch(/list at least one origin/);
    expect(problems(`server: { cors: { allowed_origins: ["${ALLOWED}"], max_age: 5 } }`).join("\n")).toMatch(/server\.cors\.max_age: unknown field/);
  });
});

describe("CORS on every surface", () => {
  let gw: RunningGateway;
  let plain: RunningGateway;
  beforeAll(async () => {
    gw = await startTestGateway(`
server: { cors: { allowed_origins: ["${ALLOWED}"], max_age_s: 120 } }
tenants: [ { id: t, keys: [ { id: k, hash: "${hashApiKey(KEY)}" } ] } ]
`);
    plain = await startTestGateway("");
  });
  afterAll(async () => {
    await gw?.close();
    await plain?.close();
  });

  const preflight = (base: string, path: string, origin: string, requestHeaders: string) =>
    fetch(`${base}${path}`, { method: "OPTIONS", headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": requestHeaders } });

  it("answers a Connect preflight from an allowed origin with the headers connect-web sends", async () => {
    const res = await preflight(gw.url, "/sluice.v1.GatewayService/Chat", ALLOWED, "authorization,connect-protocol-version,content-type,x-sluice-trace");
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe(ALLOWED);
    expect(res.headers.get("access-control-allow-methods")).toBe("POST, GET");
    const allowed = res.headers.get("access-control-allow-headers")!.split(", ");
    for (const h of ["authorization", "connect-protocol-version", "content-type", "connect-timeout-ms", "x-grpc-web", "x-user-agent", "grpc-timeout", "x-api-key", "x-request-id", "x-sluice-trace"]) {
      expect(allowed).toContain(h);
    }
    expect(res.headers.get("access-control-max-age")).toBe("120");
    expect(res.headers.get("access-control-allow-credentials")).toBeNull();
    expect(res.headers.get("vary")).toMatch(/Origin/);
  });

  it("answers gRPC-Web and REST preflights the same way", async () => {
    for (const path of ["/sluice.v1.GatewayService/ChatStream", "/v1/chat/completions", "/sluice.v1.AdminService/ListKeys"]) {
      const res = await preflight(gw.url, path, ALLOWED, "authorization,content-type,x-grpc-web,x-user-agent");
      expect(res.status, path).toBe(204);
      expect(res.headers.get("access-control-allow-origin"), path).toBe(ALLOWED);
    }
  });

  it("gives another origin no CORS header, on preflights and responses", async () => {
    const pre = await preflight(gw.url, "/sluice.v1.GatewayService/Chat", OTHER, "authorization,content-type");
    expect(corsHeaders(pre)).toEqual([]);
    const res = await fetch(`${gw.url}/v1/models`, { headers: { origin: OTHER, authorization: `Bearer ${KEY}` } });
    expect(res.status).toBe(200);
    expect(corsHeaders(res)).toEqual([]);
  });

  it("marks Connect and REST responses to an allowed origin, errors included, and exposes the status headers", async () => {
    const connect = await fetch(`${gw.url}/sluice.v1.GatewayService/ListModels`, {
      method: "POST",
      headers: { origin: ALLOWED, authorization: `Bearer ${KEY}`, "content-type": "application/json", "connect-protocol-version": "1" },
      body: "{}",
    });
    expect(connect.status).toBe(200);
    expect(connect.headers.get("access-control-allow-origin")).toBe(ALLOWED);
    const exposed = connect.headers.get("access-control-expose-headers")!.split(", ");
    for (const h of ["grpc-status", "grpc-message", "grpc-status-details-bin", "x-request-id", "x-sluice-provider", "x-sluice-cost-usd", "x-sluice-cache-status"]) expect(exposed).toContain(h);

    const refused = await fetch(`${gw.url}/v1/chat/completions`, { method: "POST", headers: { origin: ALLOWED, "content-type": "application/json" }, body: "{}" });
    expect(refused.status).toBe(401);
    expect(refused.headers.get("access-control-allow-origin")).toBe(ALLOWED);
    expect(refused.headers.get("x-request-id")).toBeTruthy();
  });

  it("does nothing of the sort without server.cors", async () => {
    const pre = await preflight(plain.url, "/sluice.v1.GatewayService/Chat", ALLOWED, "content-type");
    expect(pre.status).not.toBe(204);
    expect(corsHeaders(pre)).toEqual([]);
    const res = await fetch(`${plain.url}/v1/models`, { headers: { origin: ALLOWED } });
    expect(res.status).toBe(200);
    expect(corsHeaders(res)).toEqual([]);
  });
});
