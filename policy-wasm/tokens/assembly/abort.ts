// Extism provides no `env.abort`; asc is told to call this instead (`--use abort=...`).
// Reaching it means a bug or an exhausted memory cap: trap, and let the host report the call.
export function tokensAbort(message: string | null, fileName: string | null, line: u32, column: u32): void {
  unreachable();
}
