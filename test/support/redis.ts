/**
 * A real, private `redis-server` for a test file: a free loopback port, no persistence, killed
 * when the test process exits. Never skips: without redis-server the start fails and says how to
 * install it.
 *
 *   const redis = await startRedis();   // { url, port, stop, kill, restart }
 *   ... new Redis(redis.url) ...
 *   await redis.kill();                 // SIGKILL: simulates a crash (clients see ECONNRESET)
 *   await redis.restart();              // same port, empty data (no persistence)
 *   redis.pause(); redis.resume();      // SIGSTOP / SIGCONT: a hung server (connections stay open)
 *   await redis.stop();                 // in afterAll
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createConnection, createServer } from "node:net";

export interface TestRedis {
  /** `redis://127.0.0.1:<port>` */
  url: string;
  port: number;
  /** Graceful shutdown (SIGTERM); resolves when the process has exited. Idempotent. */
  stop(): Promise<void>;
  /** Crash (SIGKILL); resolves when the process has exited. */
  kill(): Promise<void>;
  /** Starts it again on the same port (after kill/stop); resolves when it answers PING. */
  restart(): Promise<void>;
  /** Freezes the server (SIGSTOP): connections stay open, nothing answers. */
  pause(): void;
  /** Unfreezes it (SIGCONT). */
  resume(): void;
}

const live = new Set<ChildProcess>();
process.on("exit", () => {
  for (const p of live) p.kill("SIGKILL");
});

function assertInstalled(): void {
  const r = spawnSync("redis-server", ["--version"], { encoding: "utf8" });
  if (r.error || r.status !== 0) {
    throw new Error(
      "redis-server is not installed or not on PATH. Tests need a real Redis: install it with " +
        "`apt-get update && apt-get install -y redis-server` (a system service is not needed; each test file starts its own).",
    );
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = createConnection({ port, host: "127.0.0.1" });
    let buf = "";
    const done = (ok: boolean) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(500, () => done(false));
    sock.on("error", () => done(false));
    sock.on("connect", () => sock.write("PING\r\n"));
    sock.on("data", (d) => {
      buf += d.toString();
      if (buf.includes("\r\n")) done(buf.startsWith("+PONG"));
    });
  });
}

async function waitUntil(check: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

export async function startRedis(): Promise<TestRedis> {
  assertInstalled();
  // Another process may take the free port before redis-server binds it: try a few ports.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOn(await freePort());
    } catch (err) {
      if (attempt >= 3) throw err;
    }
  }
}

async function startOn(port: number): Promise<TestRedis> {
  let proc: ChildProcess | undefined;
  let stderr = "";

  const launch = async () => {
    const p = spawn(
      "redis-server",
      ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", "/tmp", "--daemonize", "no", "--loglevel", "warning"],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    p.stderr?.on("data", (d) => (stderr += d.toString()));
    live.add(p);
    p.on("exit", () => live.delete(p));
    proc = p;
    try {
      await waitUntil(async () => {
        if (p.exitCode !== null) throw new Error(`redis-server exited (${p.exitCode}) on port ${port}: ${stderr}`);
        return ping(port);
      }, `redis-server on port ${port}`);
    } catch (err) {
      p.kill("SIGKILL");
      throw err;
    }
  };

  const end = async (signal: NodeJS.Signals) => {
    const p = proc;
    proc = undefined;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise<void>((r) => p.once("exit", () => r()));
    p.kill("SIGCONT"); // a paused server must run to handle SIGTERM
    p.kill(signal);
    await exited;
  };

  await launch();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop: () => end("SIGTERM"),
    kill: () => end("SIGKILL"),
    restart: async () => {
      await end("SIGKILL");
      await launch();
    },
    pause: () => void proc?.kill("SIGSTOP"),
    resume: () => void proc?.kill("SIGCONT"),
  };
}
