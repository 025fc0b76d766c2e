import { createParser, type EventSourceMessage } from "eventsource-parser";

/**
 * Server-sent events from a byte stream, one `EventSourceMessage` at a time, parsed by
 * eventsource-parser (which handles CR/LF/CRLF delimiters, multi-line data and comments).
 * Bytes are decoded as a UTF-8 stream so a character split across chunks survives.
 */
export async function* readSse(body: AsyncIterable<Uint8Array>): AsyncGenerator<EventSourceMessage> {
  const pending: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (event) => pending.push(event) });
  const decoder = new TextDecoder("utf-8");
  for await (const bytes of body) {
    parser.feed(decoder.decode(bytes, { stream: true }));
    while (pending.length > 0) yield pending.shift()!;
  }
  parser.feed(decoder.decode());
  // A final event without its blank line is still an event (some servers omit it).
  parser.feed("\n\n");
  while (pending.length > 0) yield pending.shift()!;
}
