// Measurement module (bench/policy): the pii module with as-pdk's own I/O, `Host.input()` and
// `Host.output()`, which allocate per call, hence the managed (incremental GC) runtime. Shows
// what the shipped builds' grow-only kernel-call path and the `sluice:host` path save.
import { Host } from "@extism/as-pdk";
import { runScan } from "../../pii/assembly/scan";
import { output } from "../../sdk/wire";
import { reportExtismError } from "../../pii/assembly/errors";
import "../../sdk/abort";

export function abi_version(): i32 { return 1; }

export function scan(): i32 {
  const data = Host.input();
  const code = runScan(data.dataStart, data.length);
  if (code != 0) return reportExtismError(code);
  const result = new Uint8Array(<i32>output.len);
  memory.copy(result.dataStart, output.ptr, output.len);
  Host.output(result);
  return 0;
}
