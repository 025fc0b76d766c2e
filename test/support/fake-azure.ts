import { readFileSync } from "node:fs";
import http from "node:http";
import { listenLoopback, replaySse } from "./fake-upstream.js";
import { fileURLToPath } from "node:url";
import { startFakeOpenAI, type FakeOpenAI } from "./fake-openai.js";

const fixtures = fileURLToPath(new URL("../fixtures/azure/", import.meta.url));

export function azureFixture(name: string): string {
  return readFileSync(fixtures + name, "utf8");
}

/**
 * A fake Azure OpenAI resource: Azure's URL shape and auth in front of the fake OpenAI
 * upstream (test/support/fake-openai.ts), which it wraps. It accepts only
 * `POST /openai/deployments/{deployment}/chat/completions?api-version=...` with the right
 * `api-key` header (Azure's 404 / 401 bodies otherwise), records each request, and serves:
 * - deployment `azure-fixture:<name>`  stream: test/fixtures/azure/<name>.sse (Azure annotations)
 * - deployment `azure-blocked`         400 content-filter error (prompt_filtered.error.json)
 * - deployment `azure-throttled`       429 with `retry-after: 7` and `retry-after-ms: 6500`
 * - any other deployment               forwarded to the fake OpenAI upstream, where the request
 *                                      body's `model` (the deployment name) picks the behaviour
 */
export interface FakeAzure {
  /** The resource endpoint, what `base_url` is set to. */
  url: string;
  apiKey: string;
  requests: Array<{ deployment: string; apiVersion: string | null; headers: http.IncomingHttpHeaders; body: any }>;
  openai: FakeOpenAI;
  close(): Promise<void>;
}

export async function startFakeAzure(options: { apiKey?: string } = {}): Promise<FakeAzure> {
  const openai = await startFakeOpenAI();
  const state: FakeAzure = { url: "", apiKey: options.apiKey ?? "azure-key-0001", requests: [], openai, close: async () => {} };
  const server = http.createServer(async (req, res) => {
    const parts: Buffer[] = [];
    for await (const chunk of req) parts.push(chunk as Buffer);
    const raw = Buffer.concat(parts);
    const url = new URL(req.url ?? "/", "http://fake");
    const match = /^\/openai\/deployments\/([^/]+)\/chat\/completions$/.exec(url.pathname);
    if (!match || req.method !== "POST") return azureError(res, 404, "404", "Resource not found");
    const apiVersion = url.searchParams.get("api-version");
    if (!apiVersion) return azureError(res, 404, "404", "Resource not found"); // what Azure answers without api-version
    if (req.headers["api-key"] !== state.apiKey) {
      return azureError(res, 401, "401", "Access denied due to invalid subscription key or wrong API endpoint.");
    }
    const deployment = decodeURIComponent(match[1]!);
    const body = JSON.parse(raw.toString("utf8"));
    state.requests.push({ deployment, apiVersion, headers: req.headers, body });
    const [kind, arg] = deployment.split(":");
    switch (kind) {
      case "azure-fixture":
        return replaySse(res, azureFixture(`${arg}.sse`));
      case "azure-blocked":
        res.writeHead(400, { "content-type": "application/json" });
        return void res.end(azureFixture("prompt_filtered.error.json"));
      case "azure-throttled":
        res.writeHead(429, { "content-type": "application/json", "retry-after": "7", "retry-after-ms": "6500" });
        return void res.end(azureFixture("throttled.error.json"));
      default:
        return forward(openai.url, raw, req.headers, res);
    }
  });
  const listening = await listenLoopback(server);
  state.url = listening.origin;
  state.close = async () => {
    await listening.close();
    await openai.close();
  };
  return state;
}

/** Passes the request on to the fake OpenAI upstream and its answer back, streaming. */
function forward(openaiUrl: string, body: Buffer, headers: http.IncomingHttpHeaders, res: http.ServerResponse): void {
  const upstream = http.request(`${openaiUrl}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: headers.accept ?? "*/*" },
  });
  upstream.on("response", (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
    answer.on("error", () => res.destroy());
  });
  upstream.on("error", () => res.destroy());
  res.on("close", () => upstream.destroy());
  upstream.end(body);
}


function azureError(res: http.ServerResponse, status: number, code: string, message: string): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify({ error: { code, message } }));
}
