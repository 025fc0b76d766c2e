import type { Gateway } from "../../pipeline/gateway.js";
import { SluiceError } from "../../errors/sluice-error.js";
import { gatewayCall, type RestCall } from "../call.js";
import { sendJson } from "../http/respond.js";
import type { HttpResponse } from "../http/types.js";

const started = Math.floor(Date.now() / 1000);

function modelObject(id: string) {
  return { id, object: "model", created: started, owned_by: "sluice" };
}

/** GET /v1/models and GET /v1/models/{id}, in OpenAI's list and model shapes. */
export async function handleModels(gateway: Gateway, res: HttpResponse, rest: RestCall, id: string | undefined): Promise<void> {
  const models = await gateway.listModels(gatewayCall(rest.call, rest.signal));
  if (id === undefined) {
    sendJson(res, 200, JSON.stringify({ object: "list", data: models.map((m) => modelObject(m.id)) }));
    return;
  }
  if (!models.some((m) => m.id === id)) {
    throw new SluiceError("model_not_found", `The model \`${id}\` does not exist or you do not have access to it.`, { param: "model" });
  }
  sendJson(res, 200, JSON.stringify(modelObject(id)));
}
