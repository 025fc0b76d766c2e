import type { ProviderConfig } from "../../gen/sluice/v1/config_pb.js";
import type { ChatChunk } from "../../gen/sluice/v1/gateway_pb.js";
import { SluiceError } from "../../errors/sluice-error.js";
import { EventStreamFormatError } from "../../upstream/eventstream.js";
import { UpstreamPool, type Deadline } from "../../upstream/pool.js";
import type { ProviderAdapter, ProviderCall } from "../adapter.js";
import { fromBedrockHttpError } from "./errors.js";
import { toConverseBody } from "./request.js";
import { fromConverseResponse } from "./response.js";
import { BEDROCK_SIGNING_SERVICE, resolveBedrockSettings } from "./settings.js";
import { AwsRequestSigner } from "./sign.js";
import { fromConverseStream } from "./stream.js";

const EVENT_STREAM = "application/vnd.amazon.eventstream";

/**
 * Amazon Bedrock through the Converse API: `POST /model/{modelId}/converse` for whole answers,
 * `/converse-stream` (binary AWS event stream) when the caller streams. Every request is signed
 * with SigV4 for the `bedrock` service in the configured region. The target's `model` is the
 * Bedrock model id or inference-profile id/ARN (e.g. `anthropic.claude-3-5-haiku-20241022-v1:0`,
 * `us.amazon.nova-lite-v1:0`). Config problems (no region, no credentials) fail at creation.
 */
export function createBedrockAdapter(config: ProviderConfig): ProviderAdapter {
  const settings = resolveBedrockSettings(config);
  const pool = new UpstreamPool(config.id, settings.endpoint, config);
  const endpoint = new URL(settings.endpoint);
  const basePath = endpoint.pathname.replace(/\/+$/, "");
  const signer = new AwsRequestSigner({ service: BEDROCK_SIGNING_SERVICE, region: settings.region, credentials: settings.credentials });
  const passReasoning = config.reasoning === "pass";

  async function* chat(call: ProviderCall): AsyncGenerator<ChatChunk> {
    const body = JSON.stringify(toConverseBody(call.request));
    // Model ids hold ':' and ARNs hold '/': each is one path segment, so it is encoded whole.
    const path = `/model/${encodeURIComponent(call.model)}/${call.stream ? "converse-stream" : "converse"}`;
    const headers = await signer.sign({
      method: "POST",
      url: new URL(basePath + path, endpoint.origin),
      headers: { ...config.headers, "content-type": "application/json", accept: call.stream ? EVENT_STREAM : "application/json" },
      body,
    });
    const deadline = pool.startDeadline(call.signal);
    try {
      yield* exchange(call, path, headers, body, deadline);
    } finally {
      deadline.clear();
    }
  }

  async function* exchange(call: ProviderCall, path: string, headers: Record<string, string>, body: string, deadline: Deadline): AsyncGenerator<ChatChunk> {
    const res = await pool.request(path, { method: "POST", headers, body, deadline });
    try {
      if (res.statusCode >= 400) {
        const text = await res.body.text().catch(() => "");
        throw fromBedrockHttpError(config.id, res.statusCode, text, header(res.headers["x-amzn-errortype"]), header(res.headers["retry-after"]));
      }
      const requestId = header(res.headers["x-amzn-requestid"]) ?? "";
      if (!call.stream) {
        let json: unknown;
        try {
          json = await res.body.json();
        } catch (err) {
          throw err instanceof SyntaxError
            ? new SluiceError("upstream_unavailable", `${config.id}: answered with a body that is not JSON`, { cause: err })
            : pool.mapError(err, call.signal);
        }
        yield fromConverseResponse(json, call.model, passReasoning, requestId);
        return;
      }
      const contentType = header(res.headers["content-type"]) ?? "";
      if (!contentType.startsWith(EVENT_STREAM)) {
        throw new SluiceError("upstream_unavailable", `${config.id}: answered a stream request with content type ${contentType || "(none)"}, not ${EVENT_STREAM}`);
      }
      let started = false;
      try {
        for await (const chunk of fromConverseStream(config.id, call.model, res.body, passReasoning, requestId)) {
          started = true;
          yield chunk;
        }
      } catch (err) {
        if (err instanceof EventStreamFormatError && !call.signal.aborted) {
          throw new SluiceError(started ? "stream_interrupted" : "upstream_unavailable", `${config.id}: ${err.message}`, { cause: err });
        }
        throw pool.mapError(err, call.signal, started);
      }
    } finally {
      // Ending early (client gone, error, a body never read) must close the upstream request,
      // not leave it running; destroying an unread body emits an abort error nobody waits for.
      if (!res.body.destroyed) res.body.on("error", () => {}).destroy();
    }
  }

  return { id: config.id, kind: "bedrock", chat, close: () => pool.close() };
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
