import type { AnyApiDef } from './apis.js';

/** A request written to a connection whose response has not come yet. */
export interface InFlightRequest {
  readonly correlationId: number;
  readonly api: AnyApiDef;
  readonly version: number;
  readonly sentAtMs: number;
  /** When the request fails with a timeout if no response came (request.timeout.ms). */
  readonly deadlineMs: number;
  resolve(body: unknown): void;
  reject(error: Error): void;
}

/**
 * The requests in flight on one connection, oldest first (Kafka's
 * InFlightRequests for one node). A broker answers in request order, so a
 * response always belongs to the oldest; the cap is
 * max.in.flight.requests.per.connection.
 */
export class InFlightRequests {
  private readonly queue: InFlightRequest[] = [];

  constructor(readonly max: number) {}

  get count(): number {
    return this.queue.length;
  }

  canSendMore(): boolean {
    return this.queue.length < this.max;
  }

  add(request: InFlightRequest): void {
    this.queue.push(request);
  }

  oldest(): InFlightRequest | undefined {
    return this.queue[0];
  }

  /** Removes and returns the oldest request: the one a response just answered. */
  completeNext(): InFlightRequest | undefined {
    return this.queue.shift();
  }

  /** The earliest deadline of all requests (they may carry different timeouts), or Infinity. */
  earliestDeadline(): number {
    let earliest = Infinity;
    for (const r of this.queue) if (r.deadlineMs < earliest) earliest = r.deadlineMs;
    return earliest;
  }

  /** Removes every request, returning them oldest first (the connection is closing). */
  clear(): InFlightRequest[] {
    return this.queue.splice(0);
  }
}
