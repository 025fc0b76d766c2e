#!/usr/bin/env -S node --max-semi-space-size=8 --single-threaded-gc --no-allocation-site-pretenuring
// The `sluice` command. The TypeScript sources are compiled to dist/ by `npm run build`.
// Memory (bench/RESULTS.md, "Performance"):
// - --max-semi-space-size=8 (MiB; Node 20's default is 16): under load the young generation
//   grows to 2 x 8 MiB. Against 4 MiB that is ~25 % less CPU per request at 64 requests in flight
//   (fewer scavenges, less promoted to the old generation) and less RSS after a load; 16 MiB
//   costs the same CPU and ~20 MiB more RSS. `npm start` passes it too.
// - --single-threaded-gc: V8 collects on the main thread, without helper threads. The gateway's
//   heap is small (tens of MiB) and its event loop already keeps a core busy under load; helper
//   threads woke for every young-generation collection. Paired runs on 2 cores: the same
//   throughput, 2-5 % less CPU per request on a quiet machine and 6-10 % on a busy one, and less
//   RSS after a load (bench/RESULTS.md, "Performance", session 7). `npm start` passes it too.
// - --no-allocation-site-pretenuring: V8 otherwise notices that a request's objects often outlive
//   a young-generation collection under load (64 requests in flight) and starts allocating them
//   straight in the old generation. They die there a few milliseconds later: the old generation
//   then filled with ~20 MiB/s of garbage, grew to 4x its live size before each full collection,
//   and RSS after bench:proxy's load read 120-190 MiB depending on where in that cycle it was
//   read; the old-to-new pointers also made each young collection ~2x dearer. Without it: RSS
//   after the load 117-127 MiB and, by `--trace-gc`, about a third of the time in the collector
//   (whole-process CPU per request showed no difference this machine could resolve; bench/RESULTS.md,
//   "Performance", session 7, "RSS after load"). `npm start` passes it too.
import { setFlagsFromString } from "node:v8";

if (process.argv[2] === "serve") setFlagsFromString("--semi-space-growth-factor=1");

const { main } = await import("../dist/src/cli/main.js");
const code = await main(process.argv.slice(2));
process.exitCode = code;
