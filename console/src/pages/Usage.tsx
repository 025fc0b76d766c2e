import { createQueryOptions, skipToken, useQuery, useTransport } from "@connectrpc/connect-query";
import { useQueries } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { AdminService, type UsageRow } from "../../../src/gen/sluice/v1/admin_pb.js";
import { useAdminKey } from "../AdminKey.js";
import { errorText } from "../api.js";
import { TimeChart } from "../Chart.js";

const GROUPS = [
  { value: "tenant", label: "Tenant" },
  { value: "key", label: "Key" },
  { value: "model", label: "Model" },
  { value: "provider", label: "Provider" },
  { value: "tag", label: "Tag" },
];
/** Points on the time charts: the range is cut into this many buckets, one GetUsage each. */
const BUCKETS = 24;
const DAY_MS = 24 * 3600_000;

const toInput = (ms: number) => new Date(ms - new Date(ms).getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
const fromInput = (text: string) => new Date(text).getTime();
const num = (n: bigint) => Number(n);

/** Requests, tokens and cost over time and by tenant, key, model, provider or tag, from the usage ledger (AdminService.GetUsage). */
export function Usage() {
  const [adminKey, adminKeyField] = useAdminKey();
  const transport = useTransport();
  const [range, setRange] = useState(() => {
    const to = Math.ceil(Date.now() / 3600_000) * 3600_000;
    return { from: toInput(to - DAY_MS), to: toInput(to) };
  });
  const [groupBy, setGroupBy] = useState("model");
  const [tagKey, setTagKey] = useState("");
  const from = fromInput(range.from);
  const to = fromInput(range.to);
  const valid = Number.isFinite(from) && Number.isFinite(to) && from < to;
  const grouped = { from: new Date(from).toISOString(), to: new Date(to).toISOString(), groupBy: [groupBy], tagKey: groupBy === "tag" ? tagKey : "" };
  const table = useQuery(AdminService.method.getUsage, adminKey && valid && (groupBy !== "tag" || tagKey) ? grouped : skipToken);

  const step = (to - from) / BUCKETS;
  const buckets = useQueries({
    queries: Array.from({ length: valid && adminKey ? BUCKETS : 0 }, (_, i) =>
      createQueryOptions(AdminService.method.getUsage, { from: new Date(from + i * step).toISOString(), to: new Date(from + (i + 1) * step).toISOString() }, { transport }),
    ),
  });
  const over = useMemo(() => {
    const times = buckets.map((_, i) => (from + i * step) / 1000);
    const pick = (f: (r: UsageRow) => number) => buckets.map((b) => (b.data ? b.data.rows.reduce((sum, r) => sum + f(r), 0) : null));
    return {
      times,
      requests: [
        { label: "requests", values: pick((r) => num(r.requests)) },
        { label: "errors", values: pick((r) => num(r.errors)) },
      ],
      tokens: [
        { label: "input tokens", values: pick((r) => num(r.inputTokens)) },
        { label: "output tokens", values: pick((r) => num(r.outputTokens)) },
      ],
      cost: [{ label: "cost (USD)", values: pick((r) => r.costUsd) }],
    };
    // Recomputed when a bucket's answer arrives.
  }, [buckets.map((b) => b.dataUpdatedAt).join(","), from, step]);
  const error = table.error ?? buckets.find((b) => b.error)?.error;

  return (
    <section>
      {adminKeyField}
      <form className="row" onSubmit={(e) => e.preventDefault()}>
        <label>
          From
          <input type="datetime-local" value={range.from} onChange={(e) => setRange((r) => ({ ...r, from: e.target.value }))} />
        </label>
        <label>
          To
          <input type="datetime-local" value={range.to} onChange={(e) => setRange((r) => ({ ...r, to: e.target.value }))} />
        </label>
        <label>
          Group by
          <select value={groupBy} onChange={(e) => setGroupBy(e.target.value)}>
            {GROUPS.map((g) => (
              <option key={g.value} value={g.value}>
                {g.label}
              </option>
            ))}
          </select>
        </label>
        {groupBy === "tag" && (
          <label>
            Tag key
            <input value={tagKey} onChange={(e) => setTagKey(e.target.value)} placeholder="team" />
          </label>
        )}
      </form>
      {!valid && <p role="alert" className="error">The range must start before it ends.</p>}
      {!adminKey && <p className="hint">Give an admin key to read the usage ledger.</p>}
      {error && (
        <p role="alert" className="error">
          {errorText(error)}
        </p>
      )}
      {adminKey && valid && (
        <div className="usage">
          <div className="charts">
            <TimeChart title="Requests" times={over.times} series={over.requests} />
            <TimeChart title="Tokens" times={over.times} series={over.tokens} />
            <TimeChart title="Cost" times={over.times} series={over.cost} unit="USD" />
          </div>
          {table.data && (
            <table>
              <caption>By {GROUPS.find((g) => g.value === groupBy)?.label.toLowerCase()}</caption>
              <thead>
                <tr>
                  <th scope="col">{GROUPS.find((g) => g.value === groupBy)?.label}</th>
                  <th scope="col">Requests</th>
                  <th scope="col">Errors</th>
                  <th scope="col">Input tokens</th>
                  <th scope="col">Output tokens</th>
                  <th scope="col">Cached input</th>
                  <th scope="col">Cost (USD)</th>
                </tr>
              </thead>
              <tbody>
                {table.data.rows.map((r, i) => (
                  <tr key={i}>
                    <th scope="row">{r.group[groupBy] || "—"}</th>
                    <td>{r.requests.toString()}</td>
                    <td>{r.errors.toString()}</td>
                    <td>{r.inputTokens.toString()}</td>
                    <td>{r.outputTokens.toString()}</td>
                    <td>{r.cachedInputTokens.toString()}</td>
                    <td>{r.costUsd.toFixed(6)}</td>
                  </tr>
                ))}
                {table.data.rows.length === 0 && (
                  <tr>
                    <td colSpan={7}>No usage in this range.</td>
                  </tr>
                )}
              </tbody>
            </table>
          )}
        </div>
      )}
    </section>
  );
}
