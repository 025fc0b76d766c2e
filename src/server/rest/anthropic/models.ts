import { SluiceError } from "../../../errors/sluice-error.js";
import type { Gateway } from "../../../pipeline/gateway.js";
import { gatewayCall, type RestCall } from "../../call.js";
import { sendJson } from "../../http/respond.js";
import type { HttpResponse } from "../../http/types.js";
import { invalid } from "./fields.js";

/** Models are the config's: they exist since the gateway started. */
const started = new Date().toISOString();

function modelObject(id: string) {
  return { type: "model", id, display_name: id, created_at: started };
}

const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 1000;

/**
 * GET /v1/models and GET /v1/models/{id} in Anthropic's shapes (for requests that carry
 * `anthropic-version`): a page `{data, has_more, first_id, last_id}` with Anthropic's cursor
 * parameters `limit` (1-1000, default 20), `after_id` and `before_id`, over the models the
 * caller may use, in the gateway's order.
 */
export async function handleAnthropicModels(gateway: Gateway, res: HttpResponse, rest: RestCall, url: string, id: string | undefined): Promise<void> {
  const models = (await gateway.listModels(gatewayCall(rest.call, rest.signal))).map((m) => m.id);
  if (id !== undefined) {
    if (!models.includes(id)) throw new SluiceError("model_not_found", `model: ${id}`, { param: "model" });
    sendJson(res, 200, JSON.stringify(modelObject(id)));
    return;
  }
  const query = new URL(url, "http://gateway").searchParams;
  const limitText = query.get("limit");
  const limit = limitText === null ? DEFAULT_LIMIT : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) invalid(`limit: must be an integer between 1 and ${MAX_LIMIT}`, "limit");
  const afterId = query.get("after_id");
  const beforeId = query.get("before_id");
  let page: string[];
  let hasMore: boolean;
  if (beforeId !== null) {
    // The `limit` models just before `before_id` (the SDK pages backwards with it).
    const end = cursor(models, beforeId, "before_id");
    page = models.slice(Math.max(0, end - limit), end);
    hasMore = end - limit > 0;
  } else {
    const start = afterId === null ? 0 : cursor(models, afterId, "after_id") + 1;
    page = models.slice(start, start + limit);
    hasMore = start + limit < models.length;
  }
  sendJson(res, 200, JSON.stringify({ data: page.map(modelObject), has_more: hasMore, first_id: page[0] ?? null, last_id: page.at(-1) ?? null }));
}

function cursor(models: string[], id: string, param: string): number {
  const at = models.indexOf(id);
  if (at === -1) invalid(`${param}: no model ${JSON.stringify(id)} in the list`, param);
  return at;
}
