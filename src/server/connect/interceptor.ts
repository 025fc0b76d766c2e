import { ConnectError, type Interceptor } from "@connectrpc/connect";
import { codeToString } from "@connectrpc/connect/protocol-connect";
import { asSluiceError, toConnectError } from "../../errors/sluice-error.js";
import { beginWork, noteError, serverCallKey, type ServerCall } from "../call.js";

/**
 * The one error boundary of the RPC surfaces: whatever a handler throws, before its answer or
 * in the middle of a stream, reaches the client as a Connect error (catalog errors with their
 * mapped code, anything unknown as `internal` with the cause kept for the log), and the call's
 * record notes how the call ended. Handlers just throw.
 */
export function errorInterceptor(): Interceptor {
  return (next) => async (req) => {
    const call = req.contextValues.get(serverCallKey);
    const settle = call ? beginWork(call) : () => {};
    try {
      const res = await next(req);
      if (!res.stream) {
        if (call) call.rpcCode = "ok";
        settle();
        return res;
      }
      return { ...res, message: convertStreamErrors(res.message, call, settle) };
    } catch (err) {
      settle();
      throw rpcError(err, call);
    }
  };
}

async function* convertStreamErrors<T>(messages: AsyncIterable<T>, call: ServerCall | undefined, settle: () => void): AsyncGenerator<T> {
  try {
    yield* messages;
    if (call) call.rpcCode = "ok";
  } catch (err) {
    throw rpcError(err, call);
  } finally {
    settle();
  }
}

function rpcError(err: unknown, call: ServerCall | undefined): ConnectError {
  let ce: ConnectError;
  if (err instanceof ConnectError) {
    ce = err; // Connect's own (a malformed stream, a cancelled call): unchanged
  } else {
    const error = asSluiceError(err);
    noteError(call, error);
    ce = toConnectError(error);
  }
  if (call) call.rpcCode = codeToString(ce.code);
  return ce;
}
