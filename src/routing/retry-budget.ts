/**
 * Caps retries (every attempt after a request's first) at `ratio` of the requests seen in the
 * last 10 seconds plus `min`, so an outage upstream cannot multiply the load the gateway sends
 * it. Counted in ten one-second buckets.
 */
export class RetryBudget {
  private readonly requests = new Array<number>(10).fill(0);
  private readonly retries = new Array<number>(10).fill(0);
  private bucketSecond = 0;

  constructor(
    private readonly ratio: number,
    private readonly min: number,
    private readonly now: () => number = Date.now,
  ) {}

  recordRequest(): void {
    this.requests[this.bucket()]! += 1;
  }

  /** Takes a retry from the budget; false when it is spent. */
  tryRetry(): boolean {
    const b = this.bucket();
    const requests = this.requests.reduce((a, n) => a + n, 0);
    const retries = this.retries.reduce((a, n) => a + n, 0);
    if (retries >= this.min + this.ratio * requests) return false;
    this.retries[b]! += 1;
    return true;
  }

  private bucket(): number {
    const second = Math.floor(this.now() / 1000);
    if (second !== this.bucketSecond) {
      // Clear the buckets that went by since the last call (all of them after 10 s or more).
      const gap = Math.min(10, second - this.bucketSecond);
      for (let i = 1; i <= gap; i++) {
        const idx = (this.bucketSecond + i) % 10;
        this.requests[idx] = 0;
        this.retries[idx] = 0;
      }
      this.bucketSecond = second;
    }
    return second % 10;
  }
}
