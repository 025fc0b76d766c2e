// Test module for the router slot: the default router module (cost-aware), except that an
// input containing a marker (the tests put it in a tag) makes it misbehave:
//   "__trap__" traps, "__loop__" loops forever, "__oom__" allocates past its memory cap,
//   "__garbage__" answers bytes that are not a RouterRouteOutput, "__unknown__" answers a
//   well-formed RouterRouteOutput naming a target that is not a candidate.
// It passes the router conformance vectors (none carries a marker), so it loads.
import { inputHas, writeGarbage, spinForever, allocateForever } from "./misbehave";
import { output, writeTag, writeVarint, writeAscii } from "../../sdk/wire";
import { runRoute } from "../../sdk/router";
import { costAwareOrder } from "../../router/assembly/cost_aware";
import { input_length, alloc, store_u8, output_set } from "@extism/as-pdk/lib/env";
import "../../sdk/abort";

export function abi_version(): i32 { return 1; }

export function route(): i32 {
  // runRoute reads the input into the buffer inputHas scans, routes, and sets the output;
  // a marker then replaces that with the misbehaviour.
  const code = runRoute(costAwareOrder);
  const len = <i32>input_length();
  if (inputHas(len, "__trap__")) unreachable();
  if (inputHas(len, "__loop__")) return spinForever();
  if (inputHas(len, "__oom__")) return allocateForever();
  if (inputHas(len, "__garbage__")) return writeGarbage();
  if (inputHas(len, "__unknown__")) {
    output.len = 0;
    writeTag(1, 0); writeVarint(1);
    writeTag(2, 2); writeVarint(13); writeAscii("nobody/nowhen");
    const n = <u64>output.len;
    const block = alloc(n);
    for (let i: u64 = 0; i < n; i++) store_u8(block + i, load<u8>(output.ptr + <usize>i));
    output_set(block, n);
    return 0;
  }
  return code;
}
