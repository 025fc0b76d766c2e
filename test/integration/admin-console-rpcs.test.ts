import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { AdminService, type ProviderHealthSnapshot } from "../../src/gen/sluice/v1/admin_pb.js";
import { hashApiKey } from "../../src/limits/keys.js";
import type { RunningGateway } from "../../src/app/start-gateway.js";
import { startTestGateway } from "../support/gateway.js";

/**
 * The AdminService RPCs the console needs beside the CLI's: the policy slots, a module's
 * conformance run without a push, and the router's health as a server stream.
 */
const ADMIN = "sk-sluice-console-rpc-admin";
const KEY = "sk-sluice-console-rpc-tenant";
const testdata = new URL("../../dist/policy-wasm/testdata/", import.meta.url);
let gateway: RunningGateway;
const auth = (key: string) => ({ headers: { authorization: `Bearer ${key}` } });
const admin = () => createClient(AdminService, createConnectTransport({ baseUrl: gateway.url, httpVersion: "1.1" }));

beforeAll(async () => {
  gateway = await startTestGateway(`
admin: { keys: [ { id: ops, hash: "${hashApiKey(ADMIN)}" } ] }
tenants: [ { id: acme, keys: [ { id: acme-1, hash: "${hashApiKey(KEY)}" } ] } ]
policies: { pii: { actions: { PHONE_NUMBER: redact } } }
`);
});
afterAll(() => gateway?.close());

describe("AdminService for the console", () => {
  it("lists the slots this gateway runs", async () => {
    const { slots } = await admin().listPolicySlots({}, auth(ADMIN));
    expect(slots.find((s) => s.name === "pii")).toMatchObject({ export: "scan", fail: "closed", activeVersion: 1 });
    expect(slots.map((s) => s.name)).not.toContain("router"); // not configured
  });

  it("runs a module's conformance vectors without storing it", async () => {
    const good = await admin().testPolicy({ slot: "pii", module: readFileSync(new URL("pii-no-phone.wasm", testdata)) }, auth(ADMIN));
    expect(good.ok).toBe(true);
    expect(good.problems).toEqual([]);
    expect(good.vectors).toBeGreaterThan(0);
    const bad = await admin().testPolicy({ slot: "pii", module: readFileSync(new URL("overcap.wasm", testdata)) }, auth(ADMIN));
    expect(bad.ok).toBe(false);
    expect(bad.problems.join("\n")).toMatch(/exceeds the slot cap/);
    const listed = await admin().listPolicies({ slot: "pii" }, auth(ADMIN));
    expect(listed.versions.map((v) => v.version)).toEqual([1]); // nothing stored by a test
    await expect(admin().testPolicy({ slot: "router", module: new Uint8Array() }, auth(ADMIN))).rejects.toMatchObject({ code: Code.InvalidArgument });
  });

  it("streams the router's health: configured targets at once, live figures after traffic", async () => {
    const client = createClient(AdminService, createGrpcTransport({ baseUrl: gateway.url }));
    const controller = new AbortController();
    const snapshots = client.watchProviderHealth({ intervalMs: 250 }, { ...auth(ADMIN), signal: controller.signal });
    const seen: ProviderHealthSnapshot[] = [];
    await expect(async () => {
      for await (const snapshot of snapshots) {
        seen.push(snapshot);
        if (seen.length === 1) {
          const res = await fetch(`${gateway.url}/v1/chat/completions`, {
            method: "POST",
            headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
            body: JSON.stringify({ model: "mock-echo", messages: [{ role: "user", content: "hi" }] }),
          });
          expect(res.status).toBe(200);
        }
        if (seen.length === 3) controller.abort(); // cancels the stream
      }
    }).rejects.toMatchObject({ code: Code.Canceled });
    const first = seen[0]!.targets.find((t) => t.model === "mock-echo")!;
    expect(first).toMatchObject({ provider: "mock", aliases: ["mock-echo"], breaker: "closed", attempts: 0n, remainingTokens: -1n });
    const later = seen[2]!.targets.find((t) => t.model === "mock-echo")!;
    expect(later.attempts).toBe(1n);
    expect(later.errorRate).toBe(0);
    expect(Date.parse(seen[2]!.at)).toBeGreaterThan(Date.parse(seen[0]!.at));
  }, 15_000);

  it("refuses tenants' keys on the new RPCs", async () => {
    await expect(admin().listPolicySlots({}, auth(KEY))).rejects.toMatchObject({ code: Code.Unauthenticated });
    const stream = admin().watchProviderHealth({}, auth(KEY));
    const err = await (async () => {
      try {
        for await (const _ of stream) return undefined;
      } catch (e) {
        return ConnectError.from(e);
      }
    })();
    expect(err?.code).toBe(Code.Unauthenticated);
  });
});
