/**
 * Gemini can end an `alt=sse` stream with a bare JSON error object: no `data:` prefix, no
 * blank line (js-genai tests this: `{"error": {"code": 500, ...}}` after a valid event). To an
 * SSE parser that is an unknown field, silently ignored (rightly, by the SSE spec), so the
 * error would be lost and the answer taken as complete. This pass-through watches the raw
 * bytes for a line that starts with `{` and keeps everything from there on; SSE lines from
 * Gemini always start with a field name, so nothing else matches.
 */
export class BareJsonWatch {
  private atLineStart = true;
  private captured: Buffer[] | undefined;

  async *watch(body: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
    for await (const bytes of body) {
      this.scan(bytes);
      yield bytes;
    }
  }

  /** The text from the first bare-JSON line to the end of the stream, if there was one. */
  text(): string | undefined {
    return this.captured ? Buffer.concat(this.captured).toString("utf8").trim() : undefined;
  }

  private scan(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (this.captured) {
      this.captured.push(Buffer.from(buf));
      return;
    }
    let at = this.atLineStart && buf[0] === 0x7b ? 0 : -1;
    if (at < 0) {
      const lf = buf.indexOf("\n{");
      const cr = buf.indexOf("\r{");
      const first = lf < 0 ? cr : cr < 0 ? lf : Math.min(lf, cr);
      if (first >= 0) at = first + 1;
    }
    if (at >= 0) this.captured = [Buffer.from(buf.subarray(at))];
    const last = buf[buf.length - 1];
    this.atLineStart = last === 0x0a || last === 0x0d;
  }
}
