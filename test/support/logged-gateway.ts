import http2 from "node:http2";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { pino } from "pino";
import { parseConfig } from "../../src/app/load-config.js";
import { startGateway, type RunningGateway } from "../../src/app/start-gateway.js";

export interface LoggedGateway {
  gateway: RunningGateway;
  /** The gateway's log lines (pino JSON objects), in order. */
  lines: any[];
  /** Its data directory (the usage ledger is under it). */
  dataDir: string;
}

/** The real gateway on an ephemeral loopback port, its log lines (debug and up) kept in memory. */
export async function startLoggedGateway(yaml: string): Promise<LoggedGateway> {
  const config = parseConfig(yaml, "test config");
  const dataDir = mkdtempSync(join(tmpdir(), "sluice-hardening-"));
  config.dataDir = dataDir;
  const lines: any[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split("\n")) if (l) lines.push(JSON.parse(l));
      done();
    },
  });
  const gateway = await startGateway(config, { port: 0, logger: pino({ level: "debug" }, sink) });
  return { gateway, lines, dataDir };
}

/** The access-log lines of one request id. */
export function accessLinesOf(lines: any[], requestId: string): any[] {
  return lines.filter((l) => l.request_id === requestId && (l.msg === "request" || l.msg === "request failed"));
}

/** A gRPC message frame (uncompressed) around raw bytes. */
export function grpcFrame(payload: Uint8Array): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt32BE(payload.length, 1);
  return Buffer.concat([head, payload]);
}

/** Headers of a raw gRPC request over HTTP/2. */
export function grpcHeaders(method: string, key: string, extra: http2.OutgoingHttpHeaders = {}): http2.OutgoingHttpHeaders {
  return {
    ":method": "POST",
    ":path": `/sluice.v1.GatewayService/${method}`,
    "content-type": "application/grpc+proto",
    te: "trailers",
    authorization: `Bearer ${key}`,
    ...extra,
  };
}

/** Resolves once `check` holds, polling; rejects with `what` after `timeoutMs`. */
export async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
