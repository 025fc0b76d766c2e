import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, type Server } from "node:http";
import { BudgetAlerts, type BudgetAlertPayload } from "../../../src/limits/budget-alerts.js";
import type { BudgetCrossing } from "../../../src/limits/types.js";

let server: Server;
let url: string;
const received: BudgetAlertPayload[] = [];
let status = 204;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      received.push(JSON.parse(body) as BudgetAlertPayload);
      res.statusCode = status;
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const addr = server.address();
  url = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}/hook`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const crossing = (over: Partial<BudgetCrossing> = {}): BudgetCrossing => ({
  scopeId: "tenant:acme",
  label: "tenant acme",
  period: "daily",
  periodId: "2026-11-22",
  threshold: 0.8,
  capUsd: 50,
  spentUsd: 40.5,
  ...over,
});

function logger() {
  const lines: Array<{ level: string; msg: string }> = [];
  return {
    lines,
    warn: (_o: object, msg: string) => lines.push({ level: "warn", msg }),
    error: (_o: object, msg: string) => lines.push({ level: "error", msg }),
  };
}

describe("BudgetAlerts", () => {
  it("logs and POSTs each crossing once per period per threshold", async () => {
    received.length = 0;
    const log = logger();
    const alerts = new BudgetAlerts({ webhookUrl: url, logger: log });
    await alerts.notify([crossing()]);
    await alerts.notify([crossing(), crossing({ spentUsd: 45 })]);
    await alerts.notify([crossing({ threshold: 1, spentUsd: 50.2 })]);
    await alerts.notify([crossing({ periodId: "2026-11-23" })]); // new day: alerts again
    expect(received.map((p) => [p.period_id, p.threshold, p.hard_cap])).toEqual([
      ["2026-11-22", 0.8, false],
      ["2026-11-22", 1, true],
      ["2026-11-23", 0.8, false],
    ]);
    expect(received[0]).toMatchObject({ type: "sluice.budget.threshold_crossed", scope_id: "tenant:acme", scope: "tenant acme", cap_usd: 50, spent_usd: 40.5 });
    expect(log.lines.map((l) => l.msg)).toEqual([
      "budget alert: tenant acme daily budget 2026-11-22 passed 80% of $50 (spent $40.5000)",
      "budget exhausted: tenant acme daily budget 2026-11-22 reached its cap of $50 (spent $50.2000)",
      "budget alert: tenant acme daily budget 2026-11-23 passed 80% of $50 (spent $40.5000)",
    ]);
  });

  it("never throws when the webhook fails; it logs the failure", async () => {
    status = 500;
    const log = logger();
    await new BudgetAlerts({ webhookUrl: url, logger: log }).notify([crossing()]);
    status = 204;
    await new BudgetAlerts({ webhookUrl: "http://127.0.0.1:1/unreachable", logger: log, timeoutMs: 500 }).notify([crossing()]);
    expect(log.lines.filter((l) => l.level === "error").map((l) => l.msg)).toEqual([
      "budget alert webhook answered HTTP 500",
      "budget alert webhook failed",
    ]);
  });
});
