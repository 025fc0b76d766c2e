import { create } from "@bufbuild/protobuf";
import { useEffect, useRef, useState } from "react";
import { CacheStatus, ChatRequestSchema, Role, type GatewayMetadata, type Usage } from "../../../src/gen/sluice/v1/gateway_pb.js";
import { bearer, errorText, gatewayClient } from "../api.js";

interface Outcome {
  metadata?: GatewayMetadata;
  usage?: Usage;
  ttftMs?: number;
  totalMs?: number;
}

const cacheNames: Record<CacheStatus, string> = {
  [CacheStatus.UNSPECIFIED]: "not used",
  [CacheStatus.MISS]: "miss",
  [CacheStatus.HIT_EXACT]: "hit (exact)",
  [CacheStatus.HIT_SEMANTIC]: "hit (semantic)",
  [CacheStatus.BYPASS]: "bypass",
};

/** Streams one answer over GatewayService.ChatStream (Connect-Web) and shows what happened. */
export function Playground() {
  const [apiKey, setApiKey] = useState("");
  const [models, setModels] = useState<string[]>([]);
  const [model, setModel] = useState("");
  const [prompt, setPrompt] = useState("");
  const [answer, setAnswer] = useState("");
  const [outcome, setOutcome] = useState<Outcome>({});
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const stop = useRef<AbortController | null>(null);

  // The model names this key may use (none typed: a gateway without keys answers anyone).
  useEffect(() => {
    const controller = new AbortController();
    const timer = setTimeout(() => {
      gatewayClient
        .listModels({}, { ...bearer(apiKey), signal: controller.signal })
        .then((res) => {
          const ids = res.models.map((m) => m.id);
          setModels(ids);
          setModel((current) => current || ids[0] || "");
        })
        .catch(() => setModels([])); // a key is needed: the field stays free text
    }, 300);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [apiKey]);
  useEffect(() => () => stop.current?.abort(), []);

  async function send() {
    stop.current?.abort();
    const controller = new AbortController();
    stop.current = controller;
    setBusy(true);
    setAnswer("");
    setError("");
    setOutcome({});
    const started = performance.now();
    let ttftMs: number | undefined;
    try {
      const request = create(ChatRequestSchema, { model, messages: [{ role: Role.USER, content: [{ part: { case: "text", value: prompt } }] }] });
      for await (const chunk of gatewayClient.chatStream(request, { ...bearer(apiKey), signal: controller.signal })) {
        if (chunk.textDelta) {
          ttftMs ??= performance.now() - started;
          setAnswer((text) => text + chunk.textDelta);
        }
        if (chunk.metadata || chunk.usage) {
          const { metadata, usage } = chunk;
          setOutcome((o) => ({ ...o, ...(metadata ? { metadata } : {}), ...(usage ? { usage } : {}) }));
        }
      }
      setOutcome((o) => ({ ...o, ttftMs: ttftMs ?? performance.now() - started, totalMs: performance.now() - started }));
    } catch (err) {
      if (!controller.signal.aborted) setError(errorText(err));
    } finally {
      if (stop.current === controller) setBusy(false);
    }
  }

  const m = outcome.metadata;
  return (
    <section className="playground">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void send();
        }}
      >
        <label>
          API key
          <input type="password" autoComplete="off" value={apiKey} onChange={(e) => setApiKey(e.target.value)} placeholder="none when the gateway has no keys" />
        </label>
        <label>
          Model
          <input list="model-names" value={model} onChange={(e) => setModel(e.target.value)} required />
        </label>
        <datalist id="model-names">
          {models.map((id) => (
            <option key={id} value={id} />
          ))}
        </datalist>
        <label className="wide">
          Prompt
          <textarea rows={4} value={prompt} onChange={(e) => setPrompt(e.target.value)} required />
        </label>
        <div className="actions">
          <button type="submit" disabled={busy}>
            Send
          </button>
          <button type="button" disabled={!busy} onClick={() => stop.current?.abort()}>
            Stop
          </button>
        </div>
      </form>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <h2 id="answer-title">Answer</h2>
      <div role="log" aria-live="polite" aria-labelledby="answer-title" className="answer" aria-busy={busy}>
        {answer}
      </div>
      <dl className="outcome" aria-label="What happened">
        <dt>Provider</dt>
        <dd data-field="provider">{m?.provider || "—"}</dd>
        <dt>Model</dt>
        <dd data-field="model">{m?.model || "—"}</dd>
        <dt>Time to first token</dt>
        <dd data-field="ttft">{outcome.ttftMs !== undefined ? `${outcome.ttftMs.toFixed(0)} ms` : "—"}</dd>
        <dt>Tokens in / out</dt>
        <dd data-field="tokens">{outcome.usage ? `${outcome.usage.inputTokens} / ${outcome.usage.outputTokens}` : "—"}</dd>
        <dt>Cost</dt>
        <dd data-field="cost">{m ? `$${m.costUsd.toFixed(6)}` : "—"}</dd>
        <dt>Cache</dt>
        <dd data-field="cache">{m ? cacheNames[m.cacheStatus] : "—"}</dd>
        <dt>Request id</dt>
        <dd data-field="request-id">{m?.requestId || "—"}</dd>
      </dl>
    </section>
  );
}
