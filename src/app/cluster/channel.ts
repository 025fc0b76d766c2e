/**
 * Calls and events between a cluster's primary and one worker, over the IPC pipe node:cluster
 * (or child_process.fork) opens between them. Either side can call a method the other handles
 * and await its answer, or send a one-way event. Messages are JSON (Node's default IPC
 * serialization); binary payloads travel as base64 (see ipc-version-store.ts).
 *
 *   { sluice: "call", id, method, args }     answered by
 *   { sluice: "reply", id, value } | { sluice: "reply", id, error: { name, message } }
 *   { sluice: "event", name, data }
 *
 * Messages posted in one turn of the event loop leave together, as one `{ sluice: "batch",
 * messages }` (sent from setImmediate): under load a worker admits many requests per turn, and
 * each IPC message costs a JSON encode, a pipe write and a wake-up on both sides (measured
 * ~30 µs of worker CPU per round trip unbatched on the 2-core machine).
 *
 * When the pipe closes, calls still waiting reject: a worker never hangs on a dead primary.
 */

/** The primary numbers its workers 1..N in this environment variable (a restarted worker keeps its number). */
export const WORKER_ENV = "SLUICE_WORKER";

/** The IPC end a channel talks through: `process` in a worker, a `cluster.Worker` in the primary. */
export interface IpcEndpoint {
  send(message: unknown, callback: (err: Error | null) => void): boolean;
  on(event: "message", listener: (message: unknown) => void): unknown;
  on(event: "disconnect", listener: () => void): unknown;
}

type Handler = (args: unknown[]) => unknown;

interface Message {
  sluice: "call" | "reply" | "event" | "batch";
  messages?: Message[];
  id?: number;
  method?: string;
  args?: unknown[];
  value?: unknown;
  error?: { name: string; message: string };
  name?: string;
  data?: unknown;
}

export class Channel {
  private seq = 0;
  private readonly pending = new Map<number, { resolve(value: unknown): void; reject(err: Error): void }>();
  private readonly handlers = new Map<string, Handler>();
  private readonly listeners = new Map<string, Array<(data: unknown) => void>>();
  private closed = false;
  private outbox: Message[] = [];
  private readonly sendOutbox = () => {
    const messages = this.outbox;
    this.outbox = [];
    if (this.closed) return;
    try {
      // With a callback, a pipe that closed meanwhile is reported here, not as an "error" event
      // on the process (which nothing would handle); "disconnect" settles what waits.
      this.endpoint.send(messages.length === 1 ? messages[0] : { sluice: "batch", messages }, () => undefined);
    } catch {
      // Same: the pipe closed.
    }
  };

  constructor(private readonly endpoint: IpcEndpoint) {
    endpoint.on("message", (m) => this.receive(m as Message));
    endpoint.on("disconnect", () => this.close());
  }

  /** Calls `method` on the other side. */
  call(method: string, args: unknown[]): Promise<unknown> {
    if (this.closed) return Promise.reject(new Error(`cluster channel closed (calling ${method})`));
    const id = ++this.seq;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.post({ sluice: "call", id, method, args });
    });
  }

  /** Answers the other side's calls of `method`; what `handler` throws is sent back as the error. */
  handle(method: string, handler: Handler): void {
    this.handlers.set(method, handler);
  }

  /** A one-way event to the other side. */
  emit(name: string, data?: unknown): void {
    if (!this.closed) this.post({ sluice: "event", name, data });
  }

  on(name: string, listener: (data: unknown) => void): void {
    const list = this.listeners.get(name) ?? [];
    list.push(listener);
    this.listeners.set(name, list);
  }

  private post(message: Message): void {
    if (this.outbox.push(message) === 1) setImmediate(this.sendOutbox);
  }

  private receive(m: Message): void {
    if (typeof m !== "object" || m === null) return;
    if (m.sluice === "batch") {
      for (const one of m.messages ?? []) this.receive(one);
      return;
    }
    if (m.sluice === "reply") {
      const waiting = this.pending.get(m.id!);
      if (!waiting) return;
      this.pending.delete(m.id!);
      if (m.error) waiting.reject(Object.assign(new Error(m.error.message), { name: m.error.name }));
      else waiting.resolve(m.value);
    } else if (m.sluice === "call") {
      void this.answer(m);
    } else if (m.sluice === "event") {
      for (const listener of this.listeners.get(m.name!) ?? []) listener(m.data);
    }
  }

  private async answer(m: Message): Promise<void> {
    const handler = this.handlers.get(m.method!);
    try {
      if (!handler) throw new Error(`no handler for ${JSON.stringify(m.method)}`);
      const value = await handler(m.args ?? []);
      this.post({ sluice: "reply", id: m.id!, value });
    } catch (err) {
      const e = err as Error;
      this.post({ sluice: "reply", id: m.id!, error: { name: e.name ?? "Error", message: e.message ?? String(err) } });
    }
  }

  private close(): void {
    this.closed = true;
    for (const waiting of this.pending.values()) waiting.reject(new Error("cluster channel closed"));
    this.pending.clear();
  }
}
