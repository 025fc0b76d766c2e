import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { LineBatches } from "../../../src/telemetry/logger.js";

/** What reaches the stream: each write as handed over (the bytes, and their text). */
function recorder() {
  const writes: string[] = [];
  const buffers: Buffer[] = [];
  let flushes = 0;
  return {
    writes,
    buffers,
    flushes: () => flushes,
    sink: {
      write: (data: Buffer) => {
        buffers.push(data);
        writes.push(data.toString("utf8"));
      },
      flush: (cb?: (err?: Error) => void) => {
        flushes++;
        cb?.();
      },
      flushSync: () => {
        flushes++;
      },
    },
  };
}

const line = (i: number, pad = 90) => `{"n":${i},"pad":"${"x".repeat(pad)}"}\n`;

describe("log line batches", () => {
  it("hands the stream whole lines, in order, in writes of at most the batch size", () => {
    const r = recorder();
    const batches = new LineBatches(r.sink, 4096);
    const sent: string[] = [];
    for (let i = 0; i < 500; i++) {
      const l = line(i, i % 7 === 0 ? 300 : 60);
      sent.push(l);
      batches.write(l);
    }
    batches.flush();
    expect(r.writes.length).toBeGreaterThan(1);
    expect(r.writes.length).toBeLessThan(500 / 10);
    for (const w of r.writes) {
      expect(Buffer.byteLength(w)).toBeLessThanOrEqual(4096);
      expect(w.endsWith("\n")).toBe(true);
    }
    expect(r.writes.join("")).toBe(sent.join(""));
  });

  it("counts bytes, not characters (a PIPE_BUF write must hold whole lines in 4096 bytes)", () => {
    const r = recorder();
    const batches = new LineBatches(r.sink, 4096);
    const wide = `{"model":"${"é".repeat(900)}"}\n`; // 900 characters, 1800 bytes
    for (let i = 0; i < 10; i++) batches.write(wide);
    batches.flush();
    for (const w of r.writes) expect(Buffer.byteLength(w)).toBeLessThanOrEqual(4096);
    expect(r.writes.join("")).toBe(wide.repeat(10));
  });

  it("passes a line longer than a batch on its own, after what was pending", () => {
    const r = recorder();
    const batches = new LineBatches(r.sink, 1024);
    batches.write(line(1));
    const long = line(2, 5000);
    batches.write(long);
    batches.write(line(3));
    batches.flush();
    expect(r.writes).toEqual([line(1), long, line(3)]);
  });

  it("holds lines until the batch fills or a flush, which passes them on first", () => {
    const r = recorder();
    const batches = new LineBatches(r.sink, 64 * 1024);
    batches.write(line(1));
    batches.write(line(2));
    expect(r.writes).toEqual([]);
    const done: number[] = [];
    batches.flush(() => done.push(1));
    expect(r.writes).toEqual([line(1) + line(2)]);
    expect(done).toEqual([1]);
    batches.write(line(3));
    batches.flushSync();
    expect(r.writes).toEqual([line(1) + line(2), line(3)]);
  });

  it("a batch handed over keeps its bytes while later lines fill the next one", () => {
    const r = recorder();
    const batches = new LineBatches(r.sink, 1024);
    for (let i = 0; i < 40; i++) batches.write(line(i));
    batches.flush();
    expect(r.buffers.length).toBeGreaterThan(3);
    // The stream writes a batch later (asynchronously): what it was handed must still read the same.
    expect(r.buffers.map((b) => b.toString("utf8"))).toEqual(r.writes);
    expect(r.writes.join("")).toBe(Array.from({ length: 40 }, (_, i) => line(i)).join(""));
  });

  it("through pino and its real stream (buffer mode), every line lands in the file once, in order, multi-byte text intact", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "sluice-log-")), "out.log");
    const dest = pino.destination({ dest: file, sync: false, minLength: 4096, contentMode: "buffer" });
    await new Promise((resolve) => dest.once("ready", resolve));
    const log = pino({ base: null, timestamp: false }, new LineBatches(dest as never, 64 * 1024));
    for (let i = 0; i < 2000; i++) log.info({ i, model: i % 3 === 0 ? "modèle-é🙂" : "m" }, "request");
    await new Promise<void>((resolve) => log.flush(() => resolve()));
    const lines = readFileSync(file, "utf8").trim().split("\n");
    expect(lines).toHaveLength(2000);
    expect(lines.map((l) => JSON.parse(l).i)).toEqual(Array.from({ length: 2000 }, (_, i) => i));
    expect(lines.filter((l) => JSON.parse(l).model === "modèle-é🙂")).toHaveLength(667);
  });
});

describe("the gateway's logger at process end (built dist/, as bin/sluice.js runs it)", () => {
  const logger = new URL("../../../dist/src/telemetry/logger.js", import.meta.url).href;
  const run = (ending: string) => {
    const script = `const { createLogger } = await import(${JSON.stringify(logger)});
      const log = createLogger("info");
      for (let i = 0; i < 300; i++) log.info({ i }, "line");
      ${ending}`;
    return spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
  };
  const numbers = (stdout: string) => stdout.trim().split("\n").map((l) => JSON.parse(l).i);
  const all = Array.from({ length: 300 }, (_, i) => i);

  it("writes every pending line when the process ends by itself", () => {
    const r = run("");
    expect(r.status).toBe(0);
    expect(numbers(r.stdout)).toEqual(all);
  });

  it("writes every pending line on process.exit()", () => {
    const r = run("process.exit(0);");
    expect(r.status).toBe(0);
    expect(numbers(r.stdout)).toEqual(all);
  });
});
