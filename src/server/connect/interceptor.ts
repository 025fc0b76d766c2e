import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { codeToString } from "@connectrpc/connect/protocol-connect";
import { asSluiceError, toConnectError } from "../../errors/sluice-error.js";
import { beginWork, noteError, serverCallKey, type ServerCall } from "../call.js";

/**
 * The one error boundary of the RPC surfaces: whatever a handler throws, before its answer or
 * in the middle of a stream, reaches the client as a Connect error (catalog errors with their
 * mapped code, anything unknown as `internal` with the cause kept for the log), and the call's
 * record notes how the call ended. Handlers just throw.
 *
 * The handler's signal fires when the client goes away, when the call's deadline passes, or
 * when the server stops the call (`ServerCall.stop`, the end of a drain); a stream is then
 * ended from here (see `guardStream`), so every call settles whatever the client does.
 */
export function errorInterceptor(): Interceptor {
  return (next) => async (req) => {
    const call = req.contextValues.get(serverCallKey);
    const settle = call ? beginWork(call) : () => {};
    const signal = call?.stop ? linkSignals(req.signal, call.stop) : req.signal;
    try {
      const res = await next({ ...req, signal });
      if (!res.stream) {
        if (call) call.rpcCode = "ok";
        settle();
        return res;
      }
      return { ...res, message: guardStream(res.message, signal, call, settle) };
    } catch (err) {
      settle();
      throw rpcError(err, call);
    }
  };
}

/**
 * A handler's stream as connect-node pulls it, with errors converted. connect-node stops
 * pulling a stream whose client went away while a write waits for flow control (an HTTP/2
 * response that closes emits neither "drain" nor "error"), and never returns it; so when the
 * signal fires, the handler's iterator is returned from here: its finally blocks run (the
 * pipeline settles, the upstream request ends). Pulled again after that, the stream fails with
 * the signal's reason rather than ending as if it were complete.
 */
function guardStream<T>(messages: AsyncIterable<T>, signal: AbortSignal, call: ServerCall | undefined, settle: () => void): AsyncIterable<T> {
  const it = messages[Symbol.asyncIterator]();
  let over = false; // the handler's stream has ended, one way or another
  let complete = false; // ... with its last message
  let ending: Promise<unknown> | undefined;
  const finish = () => {
    over = true;
    signal.removeEventListener("abort", onAbort);
    settle();
  };
  const end = (): Promise<unknown> => {
    ending ??= Promise.resolve()
      .then(() => it.return?.())
      .catch(() => undefined)
      .finally(finish);
    return ending;
  };
  const onAbort = () => {
    if (call && !over) call.rpcCode ??= codeToString(abortReason(signal).code);
    void end();
  };
  if (signal.aborted) onAbort();
  else signal.addEventListener("abort", onAbort);

  const iterator: AsyncIterator<T> = {
    async next() {
      if (complete) return { done: true, value: undefined };
      if (over || ending) throw rpcError(abortReason(signal), call);
      try {
        const r = await it.next();
        if (r.done) {
          complete = true;
          if (call) call.rpcCode = "ok";
          finish();
        }
        return r;
      } catch (err) {
        const ce = rpcError(err, call);
        finish();
        throw ce;
      }
    },
    async return() {
      await end();
      return { done: true, value: undefined };
    },
  };
  return { [Symbol.asyncIterator]: () => iterator };
}

function abortReason(signal: AbortSignal): ConnectError {
  return signal.reason instanceof ConnectError ? signal.reason : new ConnectError("the call was cancelled", Code.Canceled);
}

/** A signal that fires when either does; both are the call's own, so their listeners go with it. */
function linkSignals(a: AbortSignal, b: AbortSignal): AbortSignal {
  if (a.aborted) return a;
  if (b.aborted) return b;
  const controller = new AbortController();
  const fromA = () => controller.abort(a.reason);
  const fromB = () => controller.abort(b.reason);
  controller.signal.addEventListener("abort", () => {
    a.removeEventListener("abort", fromA);
    b.removeEventListener("abort", fromB);
  }, { once: true });
  a.addEventListener("abort", fromA, { once: true });
  b.addEventListener("abort", fromB, { once: true });
  return controller.signal;
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
