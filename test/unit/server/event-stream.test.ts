import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { newCallRecord } from "../../../src/core/call-record.js";
import type { ServerCall } from "../../../src/server/call.js";
import { sendEventStream } from "../../../src/server/http/respond.js";

// A provider's chunks often arrive together (one read of its connection) and are translated
// without a tick in between. Node's HTTP/1.1 response corks its socket on a write until the next
// tick, so without an explicit flush the first event would wait for the whole burst.
describe("sendEventStream (HTTP/1.1)", () => {
  let server: http.Server | undefined;
  afterEach(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
  });

  it("puts the first event on the wire before it pulls the next chunk; later events follow in order", async () => {
    const pendingWhenPulled: number[] = [];
    server = http.createServer((_req, res) => {
      const call: ServerCall = { record: newCallRecord("rest", undefined) };
      async function* chunks(): AsyncGenerator<string> {
        yield "one";
        // Asked for the second chunk: what of the first is still held in the process?
        pendingWhenPulled.push(res.socket!.writableCorked, res.socket!.writableLength);
        yield "two";
        yield "three";
      }
      void sendEventStream(res, call, chunks(), { "content-type": "text/event-stream" }, {
        encode: (c) => `data: ${c}\n\n`,
        end: () => "data: [DONE]\n\n",
        error: () => "",
      });
    });
    await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", () => resolve()));
    const { port } = server.address() as AddressInfo;
    const body = await new Promise<string>((resolve, reject) => {
      http
        .get({ host: "127.0.0.1", port, path: "/" }, (res) => {
          let text = "";
          res.setEncoding("utf8");
          res.on("data", (d: string) => (text += d));
          res.on("end", () => resolve(text));
        })
        .on("error", reject);
    });
    expect(body).toBe("data: one\n\ndata: two\n\ndata: three\n\ndata: [DONE]\n\n");
    // Not corked, nothing buffered: the headers and the first event were handed to the kernel.
    expect(pendingWhenPulled).toEqual([0, 0]);
  });
});
