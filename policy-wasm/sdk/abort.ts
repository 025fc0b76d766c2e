// Extism provides no `env.abort`; asc is told to call this instead (every module's build passes
// `--use abort=../sdk/abort/policyAbort`). Reaching it means a bug, a failed assertion (debug
// builds) or an exhausted memory cap: trap, and let the host apply the slot's fail mode.
export function policyAbort(message: string | null, fileName: string | null, line: u32, column: u32): void {
  unreachable();
}
