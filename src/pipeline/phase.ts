import type { ChatChunk } from "../gen/sluice/v1/gateway_pb.js";
import type { SluiceError } from "../errors/sluice-error.js";
import type { RequestContext } from "./context.js";

/**
 * A named step of the pipeline. A phase implements only the hooks it needs:
 * - `onRequest` runs in list order before the answer; throwing a SluiceError ends the request.
 * - `onChunk` sees every chunk of the answer on its way out, in list order (it may edit it).
 * - `onSettle` runs once when the answer has ended, in reverse list order: on success before
 *   the final usage/metadata chunk is sent (so it can fill in cost), on failure or
 *   cancellation with the error. It must not throw.
 */
export interface Phase {
  readonly name: string;
  onRequest?(ctx: RequestContext): void | Promise<void>;
  onChunk?(ctx: RequestContext, chunk: ChatChunk): void;
  onSettle?(ctx: RequestContext, error: SluiceError | undefined): void | Promise<void>;
}
