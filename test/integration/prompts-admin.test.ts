import { mkdtempSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningGateway } from "../../src/app/start-gateway.js";
import { AdminService } from "../../src/gen/sluice/v1/admin_pb.js";
import { ChatRequestSchema, type ChatResponse } from "../../src/gen/sluice/v1/gateway_pb.js";
import { hashApiKey } from "../../src/limits/keys.js";
import { startTestGateway } from "../support/gateway.js";
import { grpcClient } from "../support/grpc-client.js";
import { CLI_TEST_TIMEOUT_MS, runSluice } from "../support/process.js";

const ADMIN = "sk-sluice-admin-prompts-key";
const TENANT = "sk-sluice-tenant-prompts-key";
const example = await readFile(new URL("../fixtures/prompts/support-answer.yaml", import.meta.url), "utf8");
let gateway: RunningGateway;

beforeAll(async () => {
  gateway = await startTestGateway(`
admin: { keys: [ { id: ops, hash: "${hashApiKey(ADMIN)}" } ] }
providers: [ { id: mock, kind: mock } ]
models: [ { alias: chat, targets: [ { provider: mock, model: mock-echo } ] } ]
tenants:
  - { id: acme, keys: [ { id: acme-ci, hash: "${hashApiKey(TENANT)}" } ], models: [ "chat" ] }
`);
});
afterAll(() => gateway.close());

async function sluice(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  const run = runSluice(["prompts", ...args, "--url", gateway.url, "--admin-key", ADMIN]);
  const code = await run.exited;
  return { code, out: run.out(), err: run.err() };
}

describe("sluice prompts (AdminService)", () => {
  it("push, list, show, diff, label with a split, rollback", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-prompts-cli-"));
    writeFileSync(join(dir, "v1.yaml"), example);
    writeFileSync(join(dir, "v2.yaml"), example.replace("Answer in {{language}}.", "Answer in {{language}}, briefly."));
    writeFileSync(join(dir, "bad.yaml"), "id: support-answer\nmessages: [{ role: user, content: '{{nope}}' }]\n");

    expect((await sluice(["push", join(dir, "v1.yaml")])).out).toMatch(/pushed support-answer version 1/);
    expect((await sluice(["push", join(dir, "v2.yaml")])).out).toMatch(/pushed support-answer version 2/);
    const bad = await sluice(["push", join(dir, "bad.yaml")]);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/\{\{nope\}\}, which is not declared/);

    expect((await sluice(["label", "support-answer", "production", "1=90", "2=10"])).out).toContain("production -> 1=90 2=10");
    expect((await sluice(["label", "support-answer", "production", "2"])).out).toContain("production -> 2");
    expect((await sluice(["list"])).out).toMatch(/support-answer\tlatest 2\tproduction -> 2/);

    const show = await sluice(["show", "support-answer", "--version", "1"]);
    expect(show.out).toContain("# support-answer version 1 of 2");
    expect(show.out).toContain("Answer in {{language}}.");
    const diff = await sluice(["diff", "support-answer", "1", "2"]);
    expect(diff.out).toContain(`-  - { role: system, content: "You are {{company}}'s support assistant. Answer in {{language}}." }`);
    expect(diff.out).toContain(`+  - { role: system, content: "You are {{company}}'s support assistant. Answer in {{language}}, briefly." }`);
    expect(diff.out).toContain(" id: support-answer");

    expect((await sluice(["rollback", "support-answer", "production"])).out).toContain("production -> 1=90 2=10");
    const none = await sluice(["rollback", "support-answer", "production"]);
    expect(none.code).toBe(1);
    expect(none.err).toMatch(/no earlier assignment/);
    expect((await sluice(["label", "support-answer", "canary", "7"])).err).toMatch(/has no version 7/);
  }, CLI_TEST_TIMEOUT_MS);

  it("refuses a tenant's API key", async () => {
    const admin = createClient(AdminService, createConnectTransport({ baseUrl: gateway.url, httpVersion: "1.1" }));
    const err = await admin.pushPrompt({ source: example }, { headers: { authorization: `Bearer ${TENANT}` } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).code).toBe(Code.Unauthenticated);
  });

  it("a gRPC client names the prompt in ChatRequest.prompt; GatewayMetadata says which version served", async () => {
    const admin = createClient(AdminService, createConnectTransport({ baseUrl: gateway.url, httpVersion: "1.1" }));
    const pushed = await admin.pushPrompt({ source: example.replace("id: support-answer", "id: grpc-answer") }, { headers: { authorization: `Bearer ${ADMIN}` } });
    const client = grpcClient(`127.0.0.1:${gateway.port}`);
    const md = new grpc.Metadata();
    md.set("authorization", `Bearer ${TENANT}`);
    const request = create(ChatRequestSchema, { prompt: { id: "grpc-answer", variables: { company: "Acme", question: "hello over grpc" } } });
    const response = await new Promise<ChatResponse>((resolve, reject) => client.chat(request, md, (err: Error | null, res: ChatResponse) => (err ? reject(err) : resolve(res))));
    expect(response.message?.content[0]?.part).toEqual({ case: "text", value: "hello over grpc" });
    expect(response.metadata?.prompt).toBe(`grpc-answer@${pushed.version?.version}`);
    const missing = create(ChatRequestSchema, { prompt: { id: "grpc-answer", variables: { company: "Acme" } } });
    const err = await new Promise<grpc.ServiceError>((resolve) => client.chat(missing, md, (e: grpc.ServiceError) => resolve(e)));
    expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(err.details).toContain("`question`");
    client.close();
    // Usage grouped by prompt version (what `sluice usage --group-by prompt` asks).
    const usage = async () =>
      (await admin.getUsage({ groupBy: ["prompt"] }, { headers: { authorization: `Bearer ${ADMIN}` } })).rows.find((r) => r.group.prompt === `grpc-answer@${pushed.version?.version}`)?.requests;
    await expect.poll(usage).toBe(1n);
  });
});
