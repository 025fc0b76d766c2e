import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../../", import.meta.url));

export interface Child {
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** A free loopback port (closed again at once: the process started next binds it). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

function stopper(child: ChildProcess): () => Promise<void> {
  return () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once("exit", () => resolve());
      child.kill("SIGTERM");
    });
}

/** A bench script in its own process that prints `ready <port>` when listening. */
async function startReadyChild(script: string, args: string[]): Promise<Child> {
  const child = spawn(process.execPath, [join(root, "dist/bench/proxy", script), ...args], { stdio: ["ignore", "pipe", "inherit"] });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.once("data", (d: Buffer) => {
      const m = /ready (\d+)/.exec(d.toString());
      if (m) resolve(Number(m[1]));
      else reject(new Error(`unexpected ${script} output: ${d}`));
    });
    child.once("exit", (code) => reject(new Error(`${script} exited ${code}`)));
  });
  return { url: `http://127.0.0.1:${port}`, process: child, stop: stopper(child) };
}

/** The mock upstream in its own process. */
export function startMockUpstream(): Promise<Child> {
  return startReadyChild("mock-upstream.js", []);
}

/** The minimal Node proxy (floor-proxy.ts) in front of `upstreamUrl`. */
export function startFloorProxy(upstreamUrl: string): Promise<Child> {
  return startReadyChild("floor-proxy.js", [upstreamUrl]);
}

/**
 * `sluice serve` in its own process, in front of `upstreamUrl`, on its default settings
 * (`workers`: `--workers`; `extraConfig`: more top-level YAML, such as tenants).
 */
export async function startGatewayProcess(upstreamUrl: string, workers = 1, extraConfig = ""): Promise<Child> {
  const dir = mkdtempSync(join(tmpdir(), "sluice-bench-"));
  const config = join(dir, "bench.yaml");
  writeFileSync(
    config,
    `providers: [ { id: upstream, kind: openai, base_url: "${upstreamUrl}/v1" } ]\n` +
      `models: [ { alias: bench, targets: [ { provider: upstream, model: bench-1 } ] } ]\n` +
      `data_dir: ${JSON.stringify(join(dir, "data"))}\n` +
      extraConfig,
  );
  const port = await freePort();
  const args = ["serve", "--config", config, "--port", String(port)];
  if (workers > 1) args.push("--workers", String(workers));
  // Run as users run it: the executable, whose first line sets Node's flags. The access log
  // stays on (the default); it goes to /dev/null instead of a terminal.
  // BENCH_SLUICE: another checkout's bin/sluice.js, to measure two commits with the same bench.
  const child = spawn(process.env.BENCH_SLUICE ?? join(root, "bin/sluice.js"), args, { stdio: ["ignore", "ignore", "inherit"] });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) return { url, process: child, stop: stopper(child) };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("gateway did not start");
}

/** Resident memory of a process and its children (cluster workers), in MiB, from /proc. */
export function rssMiB(pid: number): number {
  return rssEachMiB(pid).reduce((a, b) => a + b, 0);
}

/** Resident memory in MiB of a process, then of each of its children (a cluster's primary, then its workers). */
export function rssEachMiB(pid: number): number[] {
  return [pid, ...childrenOf(pid)].map((p) => {
    const m = /VmRSS:\s+(\d+) kB/.exec(readProc(`/proc/${p}/status`));
    return m ? Number(m[1]) / 1024 : 0;
  });
}

/** CPU time (user + system) a process and its children have used so far, in microseconds. */
export function cpuMicros(pid: number): number {
  let ticks = 0;
  for (const p of [pid, ...childrenOf(pid)]) {
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const stat = readProc(`/proc/${p}/stat`);
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    ticks += Number(fields[11] ?? 0) + Number(fields[12] ?? 0);
  }
  return (ticks * 1e6) / 100; // USER_HZ is 100 on Linux
}

function childrenOf(pid: number): number[] {
  const text = readProc(`/proc/${pid}/task/${pid}/children`).trim();
  return text ? text.split(" ").map(Number) : [];
}

function readProc(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}
