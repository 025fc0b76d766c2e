/**
 * The requests and RPCs in progress, for the drain: a doubly linked list of their controllers.
 * A Set was the obvious choice, but with a request added and one removed all the time V8 rehashes
 * it every few dozen adds (its deleted entries fill the table), a runtime call that showed at
 * ~0.5 µs a request in a `perf` profile under load; a list node costs one small object.
 */
export class Inflight {
  private head: InflightEntry | undefined;
  size = 0;

  add(controller: AbortController): InflightEntry {
    const entry: InflightEntry = { controller, prev: undefined, next: this.head, linked: true };
    if (this.head !== undefined) this.head.prev = entry;
    this.head = entry;
    this.size++;
    return entry;
  }

  /** Takes an entry out (nothing when it is out already). */
  remove(entry: InflightEntry): void {
    if (!entry.linked) return;
    entry.linked = false;
    if (entry.prev !== undefined) entry.prev.next = entry.next;
    else this.head = entry.next;
    if (entry.next !== undefined) entry.next.prev = entry.prev;
    entry.prev = entry.next = undefined;
    this.size--;
  }

  /** The controllers in progress now (a copy: aborting one may take it out). */
  controllers(): AbortController[] {
    const out: AbortController[] = [];
    for (let e = this.head; e !== undefined; e = e.next) out.push(e.controller);
    return out;
  }
}

export interface InflightEntry {
  readonly controller: AbortController;
  prev: InflightEntry | undefined;
  next: InflightEntry | undefined;
  linked: boolean;
}
