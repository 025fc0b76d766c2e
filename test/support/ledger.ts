import { join } from "node:path";
import type { UsageRecord } from "../../src/telemetry/ledger.js";
import { readFileLedger } from "../../src/telemetry/usage-query.js";

/** Every usage record a gateway with `data_dir: dir` has written to its ledger files so far. */
export async function ledgerRecords(dir: string): Promise<UsageRecord[]> {
  const out: UsageRecord[] = [];
  for await (const r of readFileLedger(join(dir, "usage"), { from: 0, to: Date.now() + 60_000 })) out.push(r);
  return out;
}
