import { StringDecoder } from "node:string_decoder";
import { createParser, type EventSourceMessage } from "eventsource-parser";
import { SluiceError } from "../errors/sluice-error.js";

/** Largest server-sent event accepted (characters between two events). */
const DEFAULT_MAX_SSE_EVENT_CHARS = 8 * 1024 * 1024;

/**
 * Server-sent events from a byte stream, parsed by eventsource-parser (which handles CR/LF/CRLF
 * delimiters, multi-line data and comments), yielded as the batch each read of the stream
 * completed: one step of the consumer's loop per network read instead of per event (a
 * provider's burst of small events arrives in one read, and each async-generator step costs
 * about a microsecond). Bytes are decoded as a UTF-8 stream so a character split across chunks
 * survives (Node's StringDecoder: on Node 20 a TextDecoder in stream mode leaves its fast UTF-8
 * path for ICU's converter, ~30 % more per read). An event (or a line that never ends) longer than `maxEventChars` ends the stream
 * with a clear error instead of buffering without bound: `upstream_unavailable` before the
 * first event, `stream_interrupted` after.
 */
export async function* readSse(
  body: AsyncIterable<Uint8Array>,
  options: { source?: string; maxEventChars?: number } = {},
): AsyncGenerator<EventSourceMessage[]> {
  const limit = options.maxEventChars ?? DEFAULT_MAX_SSE_EVENT_CHARS;
  let pending: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (event) => pending.push(event) });
  const decoder = new StringDecoder("utf8");
  let sinceEvent = 0;
  let yielded = false;
  let atStart = true;
  for await (const bytes of body) {
    let text = decoder.write(bytes as Buffer);
    if (atStart && text !== "") {
      // A byte-order mark may open the stream (TextDecoder dropped it; StringDecoder keeps it).
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      atStart = false;
    }
    parser.feed(text);
    sinceEvent = pending.length > 0 ? 0 : sinceEvent + text.length;
    if (sinceEvent > limit) {
      throw new SluiceError(yielded ? "stream_interrupted" : "upstream_unavailable", `${options.source ?? "upstream"}: a server-sent event exceeded ${limit} characters`);
    }
    if (pending.length > 0) {
      yielded = true;
      const batch = pending;
      pending = [];
      yield batch;
    }
  }
  parser.feed(decoder.end());
  // A final event without its blank line is still an event (some servers omit it).
  parser.feed("\n\n");
  if (pending.length > 0) yield pending;
}
