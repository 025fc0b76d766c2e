/** One try at one target, as the request's record keeps it (dispatch writes it; settle and the metadata read it). */
export interface AttemptRecord {
  provider: string;
  model: string;
  /** The error catalog's code of the failure (src/errors/catalog.ts), or "ok". */
  outcome: string;
  ms: number;
}
