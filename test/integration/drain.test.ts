import http from "node:http";
import http2 from "node:http2";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import * as grpc from "@grpc/grpc-js";
import { create } from "@bufbuild/protobuf";
import { ChatRequestSchema, FinishReason, Role, type ChatChunk } from "../../src/gen/sluice/v1/gateway_pb.js";
import { hashApiKey } from "../../src/limits/keys.js";
import { grpcClient } from "../support/grpc-client.js";
import { startGatewayProcess } from "../support/process.js";
import { startTestGateway } from "../support/gateway.js";
import { grpcFrame, grpcHeaders } from "../support/logged-gateway.js";
import { toBinary } from "@bufbuild/protobuf";

/**
 * SIGTERM with only gRPC streams open (no REST request in flight): the streams run to their
 * end with status OK, the port keeps answering (/readyz 503 on a new connection), and the
 * process exits 0 once they are done.
 */
const KEY = "sk-sluice-drain-test-key";
const STREAMS = 10;
const TOKENS = 30;

/** GET on a new connection: its status, or the connection error's code. */
function getFresh(url: string): Promise<number | string> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false, headers: { connection: "close" } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", (err: NodeJS.ErrnoException) => resolve(err.code ?? "error"));
  });
}

describe("SIGTERM with gRPC streams open", () => {
  it("lets every stream finish with OK, answers /readyz 503 meanwhile, exits 0", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "sluice-drain-")), "sluice.yaml");
    writeFileSync(
      file,
      `
providers: [ { id: slow, kind: mock, mock: { chunk_delay_ms: 100 } } ]
models: [ { alias: slow, targets: [ { provider: slow, model: mock-lorem } ] } ]
tenants:
  - id: acme
    keys: [ { id: acme-ci, hash: "${hashApiKey(KEY)}" } ]
server: { drain_timeout_ms: 60000 }
`,
    );
    const gw = await startGatewayProcess(["--config", file]);
    const client = grpcClient(gw.url.replace("http://", ""));
    const md = new grpc.Metadata();
    md.set("authorization", `Bearer ${KEY}`);
    const request = create(ChatRequestSchema, {
      model: "slow",
      messages: [{ role: Role.USER, content: [{ part: { case: "text", value: "go" } }] }],
      params: { maxOutputTokens: TOKENS },
    });
    let ended = 0;
    const firsts: Array<Promise<void>> = [];
    const streams = Array.from({ length: STREAMS }, () => {
      const call = client.chatStream(request, md);
      const chunks: ChatChunk[] = [];
      firsts.push(new Promise((resolve) => call.once("data", () => resolve())));
      return new Promise<{ code: number; chunks: ChatChunk[] }>((resolve) => {
        call.on("data", (c: ChatChunk) => chunks.push(c));
        call.on("error", () => {});
        call.on("status", (s: grpc.StatusObject) => {
          ended++;
          resolve({ code: s.code, chunks });
        });
      });
    });
    try {
      await Promise.all(firsts);
      expect(await getFresh(`${gw.url}/readyz`)).toBe(200);
      gw.child.kill("SIGTERM");

      // The drain begins (the signal is handled asynchronously): /readyz turns 503, on new connections.
      let ready: number | string = 200;
      while (ready === 200 && ended === 0) ready = await getFresh(`${gw.url}/readyz`);
      expect(ready).toBe(503);
      expect(ended).toBe(0);

      const results = await Promise.all(streams);
      for (const r of results) {
        expect(r.code).toBe(grpc.status.OK);
        expect(r.chunks.filter((c) => c.textDelta !== "").length).toBe(TOKENS);
        expect(r.chunks.some((c) => c.finishReason === FinishReason.LENGTH || c.finishReason === FinishReason.STOP)).toBe(true);
      }
      expect(await gw.exited).toBe(0);
    } finally {
      client.close();
      gw.child.kill("SIGKILL");
    }
  }, 90_000);
});

describe("a stream still open at the drain deadline", () => {
  it("is stopped with a gRPC status, not a reset, and the drain ends", async () => {
    const gateway = await startTestGateway(`
providers: [ { id: slow, kind: mock, mock: { chunk_delay_ms: 50 } } ]
models: [ { alias: slow, targets: [ { provider: slow, model: mock-lorem } ] } ]
tenants:
  - id: acme
    keys: [ { id: acme-ci, hash: "${hashApiKey(KEY)}" } ]
server: { drain_timeout_ms: 300 }
`);
    const session = http2.connect(gateway.url);
    session.on("error", () => {});
    try {
      const stream = session.request(grpcHeaders("ChatStream", KEY), { endStream: false });
      const request = create(ChatRequestSchema, { model: "slow", messages: [{ role: Role.USER, content: [{ part: { case: "text", value: "go" } }] }], params: { maxOutputTokens: 100_000 } });
      stream.end(grpcFrame(toBinary(ChatRequestSchema, request)));
      const outcome = new Promise<{ status: unknown; rstCode: number }>((resolve) => {
        let status: unknown;
        stream.on("trailers", (t) => (status = t["grpc-status"]));
        stream.on("error", () => {});
        stream.on("close", () => resolve({ status, rstCode: stream.rstCode ?? 0 }));
      });
      await new Promise((resolve) => stream.once("data", resolve));
      stream.on("data", () => {});
      await gateway.close();
      const { status, rstCode } = await outcome;
      expect(rstCode).toBe(0);
      expect([String(grpc.status.UNAVAILABLE), String(grpc.status.CANCELLED)]).toContain(status);
    } finally {
      session.destroy();
    }
  });
});
