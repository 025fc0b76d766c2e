// The `pii` policy module (ABI v1, proto/sluice/policy/v1/policy.proto).
//   Extism:  abi_version(), scan (input PiiScanInput, output PiiScanOutput)
//   raw WebAssembly (benchmark baseline, no Extism kernel calls): raw_reserve(len) -> pointer to
//   write the input at, raw_scan(len) -> 0 or an error code, raw_output_ptr(), raw_output_len().
import { runScan } from "./scan";
import { runInit } from "./custom";
import { output } from "../../sdk/wire";
import { input, readExtismInput, writeExtismOutput } from "../../sdk/extism";
import { OK, reportExtismError } from "./errors";
import "../../sdk/abort"; // compiled in for `--use abort=../sdk/abort/policyAbort`

export function abi_version(): i32 { return 1; }

export function scan(): i32 {
  const len = readExtismInput();
  const code = runScan(input.ptr, len);
  if (code != OK) return reportExtismError(code);
  writeExtismOutput(output.ptr, output.len);
  return OK;
}

/** Custom recognizers (PiiInitInput), once, before any scan: custom.ts. */
export function init(): i32 {
  const len = readExtismInput(); // first: it may move the buffer
  return reportExtismError(runInit(input.ptr, len));
}

export function raw_reserve(len: u32): usize { return input.reserve(<usize>len); }
export function raw_scan(len: u32): i32 { return runScan(input.ptr, <i32>len); }
export function raw_init(len: u32): i32 { return runInit(input.ptr, <i32>len); }
export function raw_output_ptr(): usize { return output.ptr; }
export function raw_output_len(): u32 { return <u32>output.len; }
