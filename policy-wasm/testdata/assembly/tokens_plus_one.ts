// Test module for the tokens slot: a different tokenizer that agrees with the real one on
// short texts (so it passes the slot's conformance vectors, whose texts are all shorter) but
// counts every text of more than 100 bytes one token more. It stands in for "a new tokenizer
// version" in the hot-swap tests: pushing it changes the counts of long texts from the next
// request, and a rollback restores them.
import { runInit, runCount } from "../../tokens/assembly/request";
import { readExtismInput, extismInputLength, writeExtismOutput, reportExtismError } from "../../tokens/assembly/extism_io";
import { output, startReading, readVarint, skip, pos, writeVarint, writeTag, varintSize } from "../../sdk/wire";
import { IntList } from "../../sdk/buffers";
import "../../sdk/abort";

const LONG: u32 = 100;
const lengths = new IntList();
const counts = new IntList();

export function abi_version(): u32 { return 1; }

export function init(): i32 {
  const p = readExtismInput();
  return reportExtismError(runInit(p, <i32>extismInputLength()));
}

export function count(): i32 {
  const p = readExtismInput();
  const len = <i32>extismInputLength();
  const code = runCount(p, len, false);
  if (code != 0) return reportExtismError(code);
  // The byte length of every text (field 3), in order.
  lengths.count = 0;
  startReading(0);
  while (pos < len) {
    const key = readVarint(p, len);
    const wt = key & 7;
    if (wt == 0) readVarint(p, len);
    else if (wt == 2) {
      const n = <i32>readVarint(p, len);
      if ((key >>> 3) == 3) lengths.push(n);
      skip(n);
    } else if (wt == 5) skip(4);
    else skip(8);
  }
  // The real module's counts: 08 01, then (when there are texts) 12 <len> <varints>.
  counts.count = 0;
  const out = <i32>output.len;
  startReading(2);
  if (pos < out) {
    readVarint(output.ptr, out); // tag 0x12
    const n = <i32>readVarint(output.ptr, out);
    const end = pos + n;
    while (pos < end) counts.push(<i32>readVarint(output.ptr, out));
  }
  let size = 0;
  for (let i = 0; i < counts.count; i++) {
    const c = <u32>counts.get(i) + (<u32>lengths.get(i) > LONG ? 1 : 0);
    counts.set(i, <i32>c);
    size += varintSize(c);
  }
  output.len = 0;
  writeTag(1, 0);
  writeVarint(1);
  if (counts.count > 0) {
    writeTag(2, 2);
    writeVarint(<u32>size);
    for (let i = 0; i < counts.count; i++) writeVarint(<u32>counts.get(i));
  }
  writeExtismOutput(output.ptr, output.len);
  return 0;
}

// Ids are the real module's: only the counts of long texts differ.
export function encode(): i32 {
  const code = runCount(readExtismInput(), <i32>extismInputLength(), true);
  if (code != 0) return reportExtismError(code);
  writeExtismOutput(output.ptr, output.len);
  return 0;
}
