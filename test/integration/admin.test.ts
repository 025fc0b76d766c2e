import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { AdminService } from "../../src/gen/sluice/v1/admin_pb.js";
import { hashApiKey } from "../../src/limits/keys.js";
import type { RunningGateway } from "../../src/app/start-gateway.js";
import { startTestGateway } from "../support/gateway.js";
import { CLI_TEST_TIMEOUT_MS, runSluice } from "../support/process.js";

const ADMIN = "sk-sluice-admin-test-key";
const TENANT_A = "sk-sluice-admin-tests-a";
const TENANT_B = "sk-sluice-admin-tests-b";
let gateway: RunningGateway;

beforeAll(async () => {
  gateway = await startTestGateway(`
admin: { keys: [ { id: ops, hash: "${hashApiKey(ADMIN)}" } ] }
tenants:
  - { id: a, keys: [ { id: a-config, hash: "${hashApiKey(TENANT_A)}" } ] }
  - { id: b, keys: [ { id: b-config, hash: "${hashApiKey(TENANT_B)}" } ] }
`);
});
afterAll(() => gateway.close());

const admin = () => createClient(AdminService, createConnectTransport({ baseUrl: gateway.url, httpVersion: "1.1" }));
const as = (key: string) => ({ headers: { authorization: `Bearer ${key}` } });

async function chat(key: string): Promise<number> {
  const res = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
    body: JSON.stringify({ model: "mock-echo", messages: [{ role: "user", content: "usage please" }] }),
  });
  await res.text();
  return res.status;
}

describe("AdminService", () => {
  it("refuses tenants' API keys and missing keys: no tenant reads keys or usage", async () => {
    for (const opts of [as(TENANT_A), {}]) {
      const err = await admin().getUsage({}, opts).catch((e) => e);
      expect(err).toBeInstanceOf(ConnectError);
      expect((err as ConnectError).code).toBe(Code.Unauthenticated);
      const err2 = await admin().listKeys({}, opts).catch((e) => e);
      expect((err2 as ConnectError).code).toBe(Code.Unauthenticated);
    }
  });

  it("creates a key shown once, lists it without its secret, and revokes it", async () => {
    const made = await admin().createKey({ tenant: "a", id: "a-made", tags: { app: "bot" } }, as(ADMIN));
    expect(made.secret).toMatch(/^sk-sluice-/);
    expect(await chat(made.secret)).toBe(200);

    const listed = await admin().listKeys({ tenant: "a" }, as(ADMIN));
    expect(listed.keys.map((k) => [k.id, k.source, k.revoked])).toEqual([
      ["a-config", "config", false],
      ["a-made", "admin", false],
    ]);
    expect(JSON.stringify(listed)).not.toContain(made.secret);
    expect(JSON.stringify(listed)).not.toContain("sha256:");

    await admin().revokeKey({ id: "a-made" }, as(ADMIN));
    expect(await chat(made.secret)).toBe(401);
    expect(await chat(TENANT_A)).toBe(200);
  });

  it("revokes a configured key too", async () => {
    expect(await chat(TENANT_B)).toBe(200);
    await admin().revokeKey({ id: "b-config" }, as(ADMIN));
    expect(await chat(TENANT_B)).toBe(401);
    expect((await admin().listKeys({ tenant: "b" }, as(ADMIN))).keys[0]?.revoked).toBe(true);
  });

  it("rejects bad requests clearly", async () => {
    const e1 = await admin().createKey({ tenant: "nope" }, as(ADMIN)).catch((e) => e);
    expect((e1 as ConnectError).code).toBe(Code.InvalidArgument);
    expect((e1 as ConnectError).rawMessage).toContain('no tenant "nope"');
    const e2 = await admin().revokeKey({ id: "missing" }, as(ADMIN)).catch((e) => e);
    expect((e2 as ConnectError).code).toBe(Code.NotFound);
    const e3 = await admin().getUsage({ groupBy: ["colour"] }, as(ADMIN)).catch((e) => e);
    expect((e3 as ConnectError).code).toBe(Code.InvalidArgument);
  });

  it("aggregates usage by tenant and key, filtered to a tenant", async () => {
    await chat(TENANT_A);
    await chat(TENANT_A);
    const all = await admin().getUsage({ groupBy: ["tenant"] }, as(ADMIN));
    const byTenant = Object.fromEntries(all.rows.map((r) => [r.group.tenant, Number(r.requests)]));
    expect(byTenant.a).toBeGreaterThanOrEqual(4);
    expect(byTenant.b).toBeGreaterThanOrEqual(1);
    const onlyA = await admin().getUsage({ tenant: "a", groupBy: ["key"] }, as(ADMIN));
    expect(onlyA.rows.every((r) => ["a-config", "a-made"].includes(r.group.key!))).toBe(true);
    expect(onlyA.rows.reduce((n, r) => n + Number(r.inputTokens), 0)).toBeGreaterThan(0);
  });

  it("the CLI manages keys and reads usage through the admin API", async () => {
    const env = { SLUICE_URL: gateway.url, SLUICE_ADMIN_KEY: ADMIN };
    const create = runSluice(["keys", "create", "--tenant", "a", "--id", "cli-key", "--json"], env);
    expect(await create.exited).toBe(0);
    const { key } = JSON.parse(create.out());
    expect(await chat(key)).toBe(200);
    const list = runSluice(["keys", "list", "--tenant", "a"], env);
    expect(await list.exited).toBe(0);
    expect(list.out()).toMatch(/cli-key\ta\tadmin\tactive/);
    const revoke = runSluice(["keys", "revoke", "cli-key"], env);
    expect(await revoke.exited).toBe(0);
    expect(await chat(key)).toBe(401);
    const usage = runSluice(["usage", "--group-by", "tenant", "--json"], env);
    expect(await usage.exited).toBe(0);
    expect(JSON.parse(usage.out()).some((r: any) => r.group.tenant === "a" && r.requests > 0)).toBe(true);
    const denied = runSluice(["usage"], { SLUICE_URL: gateway.url, SLUICE_ADMIN_KEY: TENANT_A });
    expect(await denied.exited).toBe(1);
    expect(denied.err()).toContain("an admin key is required");
  }, CLI_TEST_TIMEOUT_MS);
});

describe("admin API without admin keys", () => {
  it("is off, and says so", async () => {
    const plain = await startTestGateway("");
    try {
      const client = createClient(AdminService, createConnectTransport({ baseUrl: plain.url, httpVersion: "1.1" }));
      const err = await client.listKeys({}, as(ADMIN)).catch((e) => e);
      expect((err as ConnectError).code).toBe(Code.PermissionDenied);
      expect((err as ConnectError).rawMessage).toContain("configure admin.keys");
    } finally {
      await plain.close();
    }
  });
});
