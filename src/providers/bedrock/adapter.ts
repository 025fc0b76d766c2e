import type { ProviderConfig } from "../../gen/sluice/v1/config_pb.js";
import type { ChatChunk } from "../../gen/sluice/v1/gateway_pb.js";
import { SluiceError } from "../../errors/sluice-error.js";
import { EventStreamFormatError } from "../../upstream/eventstream.js";
import { UpstreamPool } from "../../upstream/pool.js";
import { exchangeChat } from "../http-exchange.js";
import { headerValue } from "../../upstream/headers.js";
import type { ProviderAdapter, ProviderCall } from "../../core/provider.js";
import { fromBedrockHttpError } from "./errors.js";
import { toConverseBody } from "./request.js";
import { fromConverseResponse } from "./response.js";
import { BEDROCK_SIGNING_SERVICE, resolveBedrockSettings } from "./settings.js";
import { AwsRequestSigner } from "./sign.js";
import { fromConverseStream } from "./stream.js";
import { requireModelName } from "../model-names.js";

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
    // Model ids hold ':' and ARNs hold '/': each is one path segment, so it is checked (no `..`,
    // `/` only in an ARN) and encoded whole.
    requireModelName("bedrock", call.model);
    const body = JSON.stringify(toConverseBody(call.request));
    const path = `/model/${encodeURIComponent(call.model)}/${call.stream ? "converse-stream" : "converse"}`;
    const signed = await signer.sign({
      method: "POST",
      url: new URL(basePath + path, endpoint.origin),
      headers: { ...config.headers, "content-type": "application/json", accept: call.stream ? EVENT_STREAM : "application/json" },
      body,
    });
    return yield* exchangeChat(config.id, pool, call, {
      path,
      headers: signed,
      body,
      error: (status, text, h) => fromBedrockHttpError(config.id, status, text, headerValue(h["x-amzn-errortype"]), headerValue(h["retry-after"])),
      whole: (json, h) => fromConverseResponse(json, call.model, passReasoning, headerValue(h["x-amzn-requestid"]) ?? ""),
      stream: (body, h) => {
        const contentType = headerValue(h["content-type"]) ?? "";
        if (!contentType.startsWith(EVENT_STREAM)) {
          throw new SluiceError("upstream_unavailable", `${config.id}: answered a stream request with content type ${contentType || "(none)"}, not ${EVENT_STREAM}`);
        }
        return fromConverseStream(config.id, call.model, body, passReasoning, headerValue(h["x-amzn-requestid"]) ?? "");
      },
      streamError: (err, started) =>
        err instanceof EventStreamFormatError
          ? new SluiceError(started ? "stream_interrupted" : "upstream_unavailable", `${config.id}: ${err.message}`, { cause: err })
          : undefined,
    });
  }

  return { id: config.id, kind: "bedrock", chat, close: () => pool.close() };
}
