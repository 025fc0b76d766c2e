import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, readFileSync } from "node:fs";
import net from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { WebSocket } from "undici";

const root = fileURLToPath(new URL("../../../", import.meta.url));

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

const live = new Set<ChildProcess>();
process.on("exit", () => {
  for (const p of live) p.kill("SIGKILL");
});
// Stopped from outside (`timeout`, ^C): leave no redis-server or gateway behind.
process.once("SIGTERM", () => process.exit(143));
process.once("SIGINT", () => process.exit(130));

function track(p: ChildProcess): ChildProcess {
  live.add(p);
  p.on("exit", () => live.delete(p));
  return p;
}

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** A private redis-server on a free loopback port, no persistence: the tests' own (kill, restart, stop). */
export { startRedis } from "../../test/support/redis.js";

export interface SoakGateway {
  url: string;
  pid: number;
  process: ChildProcess;
  /** Where its stdout (logs, access log) and stderr go. */
  stdoutPath: string;
  stderrPath: string;
  /** Set when the process exited, with how. */
  exited: { code: number | null; signal: NodeJS.Signals | null; at: number } | undefined;
  /**
   * Asks V8 for a full garbage collection through the inspector (the gateway runs with
   * `--inspect=127.0.0.1:0`, loopback only), so RSS is compared without garbage not yet
   * collected. Resolves false when the inspector did not answer.
   */
  collectGarbage(): Promise<boolean>;
  /** SIGTERM, then waits for the exit (SIGKILL after `timeoutMs`). */
  stop(timeoutMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }>;
}

/** `sluice serve --config <file>` in its own process, logs to files in `dir`. */
export async function startGateway(configPath: string, dir: string): Promise<SoakGateway> {
  const port = await freePort();
  const stdoutPath = join(dir, "gateway.stdout.log");
  const stderrPath = join(dir, "gateway.stderr.log");
  const out = createWriteStream(stdoutPath);
  const err = createWriteStream(stderrPath);
  const child = track(
    spawn(process.execPath, ["--inspect=127.0.0.1:0", join(root, "bin/sluice.js"), "serve", "--config", configPath, "--port", String(port)], {
      stdio: ["ignore", "pipe", "pipe"],
      cwd: dir,
    }),
  );
  child.stdout!.pipe(out);
  child.stderr!.pipe(err);
  let inspector: string | undefined;
  let stderrHead = "";
  const findInspector = (d: Buffer) => {
    stderrHead += d.toString();
    inspector = /Debugger listening on (ws:\/\/\S+)/.exec(stderrHead)?.[1];
    if (inspector || stderrHead.length > 4096) child.stderr!.off("data", findInspector);
  };
  child.stderr!.on("data", findInspector);
  const gateway: SoakGateway = {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    process: child,
    stdoutPath,
    stderrPath,
    exited: undefined,
    collectGarbage: () => (inspector ? inspectorCall(inspector, "HeapProfiler.collectGarbage") : Promise.resolve(false)),
    stop: async (timeoutMs) => {
      const t0 = Date.now();
      if (!gateway.exited) {
        const exit = new Promise<void>((r) => child.once("exit", () => r()));
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
        await exit;
        clearTimeout(timer);
      }
      return { code: gateway.exited!.code, signal: gateway.exited!.signal, ms: Date.now() - t0 };
    },
  };
  child.on("exit", (code, signal) => (gateway.exited = { code, signal, at: Date.now() }));
  await waitFor(async () => {
    if (gateway.exited) throw new Error(`gateway exited at start (${gateway.exited.code}); see ${stderrPath}`);
    try {
      return (await fetch(`${gateway.url}/readyz`)).ok;
    } catch {
      return false;
    }
  }, "the gateway", 60_000);
  return gateway;
}

function inspectorCall(url: string, method: string): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const ws = new WebSocket(url);
    const done = (ok: boolean) => {
      clearTimeout(timer);
      try {
        ws.close();
      } catch {
        // already closed
      }
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), 15_000);
    ws.addEventListener("open", () => ws.send(JSON.stringify({ id: 1, method })));
    ws.addEventListener("message", (e) => {
      if (JSON.parse(String(e.data)).id === 1) done(true);
    });
    ws.addEventListener("error", () => done(false));
  });
}

/** Resident set size of a process in KiB (`VmRSS` of /proc/<pid>/status), 0 when gone. */
export function rssKiB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}
