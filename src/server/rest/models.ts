import type { Gateway } from "../../pipeline/gateway.js";
import { SluiceError } from "../../errors/sluice-error.js";
import { bearerToken } from "../http/body.js";
import { sendError, sendJson } from "../http/respond.js";
import type { HttpRequest, HttpResponse } from "../http/types.js";

const started = Math.floor(Date.now() / 1000);

function modelObject(id: string) {
  return { id, object: "model", created: started, owned_by: "sluice" };
}

/** GET /v1/models and GET /v1/models/{id}, in OpenAI's list and model shapes. */
export function handleModels(gateway: Gateway, req: HttpRequest, res: HttpResponse, id: string | undefined): void {
  try {
    const models = gateway.listModels(bearerToken(req.headers.authorization));
    if (id === undefined) {
      sendJson(res, 200, JSON.stringify({ object: "list", data: models.map((m) => modelObject(m.id)) }));
      return;
    }
    if (!models.some((m) => m.id === id)) {
      throw new SluiceError("model_not_found", `The model \`${id}\` does not exist or you do not have access to it.`, { param: "model" });
    }
    sendJson(res, 200, JSON.stringify(modelObject(id)));
  } catch (err) {
    sendError(res, err);
  }
}
