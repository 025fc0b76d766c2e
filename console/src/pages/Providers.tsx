import { createClient } from "@connectrpc/connect";
import { useEffect, useState } from "react";
import { AdminService, type TargetHealth } from "../../../src/gen/sluice/v1/admin_pb.js";
import { useAdminKey } from "../AdminKey.js";
import { adminTransport, errorText } from "../api.js";
import { TimeChart } from "../Chart.js";

const admin = createClient(AdminService, adminTransport);
/** Snapshots kept for the latency chart (one a second: two minutes). */
const HISTORY = 120;

interface History {
  times: number[];
  /** target name -> latency EWMA per snapshot */
  latency: Map<string, Array<number | null>>;
}

const targetName = (t: TargetHealth) => `${t.provider}/${t.model}`;

/** Each target's health as the router sees it, live over AdminService.WatchProviderHealth (a server stream). */
export function Providers() {
  const [adminKey, adminKeyField] = useAdminKey();
  const [targets, setTargets] = useState<TargetHealth[]>([]);
  const [at, setAt] = useState("");
  const [history, setHistory] = useState<History>({ times: [], latency: new Map() });
  const [state, setState] = useState<"idle" | "live" | "stopped">("idle");
  const [error, setError] = useState("");

  useEffect(() => {
    if (!adminKey) return;
    const controller = new AbortController();
    setError("");
    void (async () => {
      try {
        for await (const snapshot of admin.watchProviderHealth({ intervalMs: 1000 }, { signal: controller.signal })) {
          setState("live");
          setTargets(snapshot.targets);
          setAt(snapshot.at);
          setHistory((h) => {
            const times = [...h.times, Date.parse(snapshot.at) / 1000].slice(-HISTORY);
            const latency = new Map<string, Array<number | null>>();
            for (const t of snapshot.targets) {
              const before = h.latency.get(targetName(t)) ?? new Array<number | null>(h.times.length).fill(null);
              latency.set(targetName(t), [...before, t.latencyEwmaMs || null].slice(-HISTORY));
            }
            return { times, latency };
          });
        }
        setState("stopped");
      } catch (err) {
        if (controller.signal.aborted) return;
        setState("stopped");
        setError(errorText(err));
      }
    })();
    return () => controller.abort();
  }, [adminKey]);

  return (
    <section>
      {adminKeyField}
      {!adminKey && <p className="hint">Give an admin key to watch the providers.</p>}
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {adminKey && (
        <p role="status" className="live">
          {state === "live" ? `Live: updated ${new Date(at).toLocaleTimeString()}` : state === "stopped" ? "Stream stopped" : "Connecting…"}
        </p>
      )}
      {targets.length > 0 && (
        <>
          <table>
            <caption>Targets</caption>
            <thead>
              <tr>
                <th scope="col">Target</th>
                <th scope="col">Aliases</th>
                <th scope="col">Breaker</th>
                <th scope="col">Latency EWMA</th>
                <th scope="col">Error rate</th>
                <th scope="col">Attempts</th>
                <th scope="col">In flight</th>
                <th scope="col">Remaining capacity</th>
                <th scope="col">Unavailable until</th>
              </tr>
            </thead>
            <tbody>
              {targets.map((t) => (
                <tr key={targetName(t)}>
                  <th scope="row">{targetName(t)}</th>
                  <td>{t.aliases.join(", ") || "direct"}</td>
                  <td>
                    <span className={`breaker ${t.breaker}`}>{t.breaker.replace("_", "-")}</span>
                  </td>
                  <td>{t.latencyEwmaMs ? `${t.latencyEwmaMs.toFixed(1)} ms` : "—"}</td>
                  <td>{(t.errorRate * 100).toFixed(1)} %</td>
                  <td>{t.attempts.toString()}</td>
                  <td>{t.inflight}</td>
                  <td>{t.remainingTokens >= 0n ? `${t.remainingTokens.toLocaleString()} tokens` : "not reported"}</td>
                  <td>{t.unavailableUntil || "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <TimeChart
            title="Time to first token (EWMA)"
            unit="ms"
            times={history.times}
            series={[...history.latency].map(([label, values]) => ({ label, values }))}
          />
        </>
      )}
    </section>
  );
}
