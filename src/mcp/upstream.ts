import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { getDefaultEnvironment, StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport, StreamableHTTPError } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { RequestOptions } from "@modelcontextprotocol/sdk/shared/protocol.js";
import {
  ErrorCode,
  McpError,
  PromptListChangedNotificationSchema,
  ToolListChangedNotificationSchema,
  type CallToolResult,
  type GetPromptResult,
  type Prompt,
  type Tool,
} from "@modelcontextprotocol/sdk/types.js";
import type { Logger } from "../core/logger.js";
import { SluiceError } from "../errors/sluice-error.js";
import { UpstreamRejection } from "./errors.js";
import type { UpstreamSettings } from "./settings.js";

/** Restart backoff: the first retry after this, doubling per failed attempt up to the cap, with jitter. */
const BACKOFF_BASE_MS = 200;
const BACKOFF_MAX_MS = 30_000;
/**
 * Least time a (re)start gets to answer initialize and list its tools: a stdio server's start
 * (a runtime, its imports) can take seconds on a busy host, longer than a call's timeout. A call
 * waiting for the start still gives up at its own deadline.
 */
const MIN_CONNECT_TIMEOUT_MS = 30_000;
/** A connection that stayed up this long starts the backoff over when it is lost. */
const STABLE_AFTER_MS = 10_000;
/** At most this many tools/list (prompts/list) pages are read from one server (a bound on what it can make us hold). */
const MAX_LIST_PAGES = 20;

type State = "connecting" | "ready" | "backoff" | "closed";

export interface UpstreamEvents {
  log: Logger;
  /** The server is connected (true) or not (false). */
  onUp(server: string, up: boolean): void;
  /** A lost or failed connection is being made again. */
  onRestart(server: string): void;
}

/**
 * One configured MCP server, kept connected: a stdio server is started as a child process and
 * started again (with backoff) when it exits; a Streamable HTTP server is connected again when
 * its connection or session is lost. Holds the server's tool and prompt lists (kept while it
 * restarts, so an agent's tools do not flicker) and makes its calls, each bounded by `timeout_ms`.
 */
export class McpUpstream {
  private state: State = "connecting";
  private client: Client | undefined;
  private toolList: Tool[] = [];
  private promptList: Prompt[] = [];
  private everListed = false;
  private failures = 0;
  private readySince = 0;
  private retryAt = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly waiters = new Set<() => void>();

  constructor(
    readonly settings: UpstreamSettings,
    private readonly events: UpstreamEvents,
  ) {}

  get id(): string {
    return this.settings.id;
  }

  /** The tools the server listed when it was last connected (none before it ever was). */
  get tools(): readonly Tool[] {
    return this.toolList;
  }

  /** The prompts the server listed when it was last connected. */
  get prompts(): readonly Prompt[] {
    return this.promptList;
  }

  /** Whether the server has ever been connected (and listed its tools). */
  get listed(): boolean {
    return this.everListed;
  }

  start(): void {
    void this.connect();
  }

  /**
   * Calls one of the server's tools. Waits for a (re)starting server within the call's time;
   * a server whose next restart is later than that is refused at once.
   */
  callTool(name: string, args: Record<string, unknown> | undefined, signal: AbortSignal): Promise<CallToolResult> {
    const params = { name, ...(args ? { arguments: args } : {}) };
    return this.request("tools/call", signal, async (client, options) => (await client.callTool(params, undefined, options)) as CallToolResult);
  }

  /** Gets one of the server's prompts, like callTool. */
  getPrompt(name: string, args: Record<string, string> | undefined, signal: AbortSignal): Promise<GetPromptResult> {
    const params = { name, ...(args ? { arguments: args } : {}) };
    return this.request("prompts/get", signal, (client, options) => client.getPrompt(params, options));
  }

  /** One request once the server is connected, in what is left of the call's time. */
  private async request<T>(method: string, signal: AbortSignal, send: (client: Client, options: RequestOptions) => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.settings.timeoutMs;
    const client = await this.connected(deadline, signal);
    try {
      return await send(client, { timeout: Math.max(1, deadline - Date.now()), signal });
    } catch (err) {
      throw this.callError(method, err, client, signal);
    }
  }

  async close(): Promise<void> {
    this.state = "closed";
    clearTimeout(this.retryTimer);
    this.wake();
    const client = this.client;
    this.client = undefined;
    await client?.close().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    if (this.state === "closed") return;
    this.state = "connecting";
    const { id } = this.settings;
    const timeoutMs = Math.max(this.settings.timeoutMs, MIN_CONNECT_TIMEOUT_MS);
    const client = new Client({ name: "sluice", version: "0.1.0" }, { capabilities: {} });
    client.onclose = () => {
      if (this.client === client) this.lost("the connection closed");
    };
    client.onerror = (err) => this.events.log.debug({ mcp_server: id, err: err.message }, "MCP server transport error");
    try {
      await client.connect(this.transport(), { timeout: timeoutMs });
      client.setNotificationHandler(ToolListChangedNotificationSchema, () => void this.refreshLists(client));
      client.setNotificationHandler(PromptListChangedNotificationSchema, () => void this.refreshLists(client));
      this.toolList = await listTools(client, timeoutMs);
      this.promptList = await listPrompts(client, timeoutMs);
      if (this.isClosed()) throw new Error("closed");
      // From here on, a closed connection is a lost server (onclose above).
      this.client = client;
      this.everListed = true;
    } catch (err) {
      await client.close().catch(() => undefined);
      if (this.isClosed()) return;
      this.events.log.warn({ mcp_server: id, err: (err as Error).message }, "MCP server could not be connected; retrying with backoff");
      this.retry();
      return;
    }
    this.state = "ready";
    this.readySince = Date.now();
    this.events.onUp(id, true);
    this.events.log.info({ mcp_server: id, tools: this.toolList.length }, "MCP server connected");
    this.wake();
  }

  /** close() may run while connect() awaits: read the state afresh. */
  private isClosed(): boolean {
    return this.state === "closed";
  }

  private transport(): Transport {
    const s = this.settings;
    if (s.kind === "http") return new StreamableHTTPClientTransport(s.url, { requestInit: { headers: s.headers } });
    const transport = new StdioClientTransport({
      command: s.command,
      args: s.args,
      env: { ...getDefaultEnvironment(), ...s.env },
      ...(s.cwd ? { cwd: s.cwd } : {}),
      stderr: "pipe",
    });
    // The server's own diagnostics, at debug: they may hold anything, so never above it.
    transport.stderr?.on("data", (chunk: Buffer) => this.events.log.debug({ mcp_server: s.id, stderr: chunk.toString("utf8").slice(0, 500) }, "MCP server stderr"));
    return transport;
  }

  /** The connection was lost (a stdio server exited, an HTTP session ended): connect again with backoff. */
  private lost(why: string): void {
    if (this.state === "closed") return;
    const client = this.client;
    this.client = undefined;
    void client?.close().catch(() => undefined);
    this.events.onUp(this.id, false);
    this.events.log.warn({ mcp_server: this.id, why }, "MCP server lost; restarting with backoff");
    if (Date.now() - this.readySince >= STABLE_AFTER_MS) this.failures = 0;
    this.retry();
  }

  private retry(): void {
    const delay = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** this.failures) * (0.75 + Math.random() * 0.25);
    this.failures++;
    this.state = "backoff";
    this.retryAt = Date.now() + delay;
    this.wake();
    this.retryTimer = setTimeout(() => {
      this.events.onRestart(this.id);
      void this.connect();
    }, delay);
    this.retryTimer.unref();
  }

  private async refreshLists(client: Client): Promise<void> {
    try {
      const tools = await listTools(client, this.settings.timeoutMs);
      const prompts = await listPrompts(client, this.settings.timeoutMs);
      if (this.client !== client) return;
      this.toolList = tools;
      this.promptList = prompts;
      this.events.onUp(this.id, true);
    } catch (err) {
      this.events.log.warn({ mcp_server: this.id, err: (err as Error).message }, "MCP server tool or prompt list could not be refreshed");
    }
  }

  /** The client once the server is connected, within the deadline. */
  private async connected(deadline: number, signal: AbortSignal): Promise<Client> {
    for (;;) {
      if (this.state === "ready" && this.client) return this.client;
      if (this.state === "closed") throw new SluiceError("unavailable", "the gateway is shutting down");
      if (signal.aborted) throw new SluiceError("cancelled", "the caller cancelled the call");
      if (this.state === "backoff" && this.retryAt > deadline) {
        const retryAfterS = Math.max(1, Math.ceil((this.retryAt - Date.now()) / 1000));
        throw new SluiceError("upstream_unavailable", `MCP server ${this.id} is down; restarting in ${retryAfterS} s`, { retryAfterS });
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new SluiceError("upstream_unavailable", `MCP server ${this.id} is not connected (starting or restarting) after ${this.settings.timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          signal.removeEventListener("abort", done);
          this.waiters.delete(done);
          resolve();
        };
        const timer = setTimeout(done, left);
        signal.addEventListener("abort", done);
        this.waiters.add(done);
      });
    }
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  /** What a failed call becomes; a transport failure of an HTTP server also starts a reconnect. */
  private callError(method: string, err: unknown, client: Client, signal: AbortSignal): SluiceError {
    if (signal.aborted) return new SluiceError("cancelled", "the caller cancelled the call");
    if (err instanceof McpError) {
      if (err.code === ErrorCode.RequestTimeout) {
        return new SluiceError("upstream_timeout", `MCP server ${this.id} did not answer ${method} within ${this.settings.timeoutMs} ms`);
      }
      if (err.code === ErrorCode.ConnectionClosed) return new SluiceError("upstream_unavailable", `MCP server ${this.id} closed the connection during the call`);
      return new UpstreamRejection(err.code, err.message.replace(/^MCP error -?\d+: /, ""));
    }
    // Not an answer of the server's: it is unreachable, or its session is gone (404).
    if (this.settings.kind === "http" && this.client === client) this.lost(err instanceof StreamableHTTPError ? `HTTP ${err.code}` : "request failed");
    return new SluiceError("upstream_unavailable", `MCP server ${this.id} could not be reached`, { cause: err });
  }
}

function listTools(client: Client, timeoutMs: number): Promise<Tool[]> {
  if (!client.getServerCapabilities()?.tools) return Promise.resolve([]);
  return listPages(async (cursor) => {
    const page = await client.listTools(cursor ? { cursor } : undefined, { timeout: timeoutMs });
    return { items: page.tools, next: page.nextCursor };
  });
}

function listPrompts(client: Client, timeoutMs: number): Promise<Prompt[]> {
  if (!client.getServerCapabilities()?.prompts) return Promise.resolve([]);
  return listPages(async (cursor) => {
    const page = await client.listPrompts(cursor ? { cursor } : undefined, { timeout: timeoutMs });
    return { items: page.prompts, next: page.nextCursor };
  });
}

async function listPages<T>(read: (cursor: string | undefined) => Promise<{ items: T[]; next: string | undefined }>): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_LIST_PAGES; page++) {
    const result = await read(cursor);
    items.push(...result.items);
    cursor = result.next;
    if (!cursor) break;
  }
  return items;
}
