import type { Queryable } from '../../platform/db/db.js';
import { storeInboundDeliveries, type InboundDelivery } from './inbound-event.repository.js';

interface Waiting extends InboundDelivery {
  resolve(stored: number): void;
  reject(error: unknown): void;
}

/** Statements of stored deliveries at once; more deliveries wait and go together in the next one. */
const MAX_STATEMENTS_IN_FLIGHT = 2;
/** Events of one statement at most (a provider delivery holds up to about a hundred). */
const MAX_EVENTS_PER_STATEMENT = 1000;

/**
 * Group commit for the webhooks (docs/channels.md#inbound-webhooks). Each webhook's events must be committed before
 * its 200; under load most of a webhook's cost in PostgreSQL is its own statement and commit. A delivery arriving while
 * MAX_STATEMENTS_IN_FLIGHT statements are running waits for one of them to finish, then goes with every other
 * delivery that waited meanwhile, in one statement and one commit. An idle server stores each delivery at once: the
 * batching adds no delay, it only uses the time a webhook would have spent waiting for a connection anyway.
 */
export class InboundEventWriter {
  private readonly waiting: Waiting[] = [];
  private inFlight = 0;

  constructor(private readonly db: Queryable) {}

  /** Stores one delivery's events; resolves, once committed, to the number stored now (0 for a redelivery). */
  store(delivery: InboundDelivery): Promise<number> {
    if (delivery.events.length === 0) return Promise.resolve(0);
    return new Promise((resolve, reject) => {
      this.waiting.push({ ...delivery, resolve, reject });
      this.startStatements();
    });
  }

  private startStatements(): void {
    while (this.inFlight < MAX_STATEMENTS_IN_FLIGHT && this.waiting.length > 0) {
      const batch = this.takeBatch();
      this.inFlight += 1;
      void this.write(batch).finally(() => {
        this.inFlight -= 1;
        this.startStatements();
      });
    }
  }

  private takeBatch(): Waiting[] {
    let events = 0;
    let count = 0;
    while (count < this.waiting.length && (count === 0 || events + this.waiting[count]!.events.length <= MAX_EVENTS_PER_STATEMENT)) {
      events += this.waiting[count]!.events.length;
      count += 1;
    }
    return this.waiting.splice(0, count);
  }

  private async write(batch: Waiting[]): Promise<void> {
    try {
      const stored = await storeInboundDeliveries(this.db, batch);
      batch.forEach((delivery, index) => delivery.resolve(stored[index]!));
    } catch (error) {
      if (batch.length === 1) return batch[0]!.reject(error);
      // A failing statement must fail only the delivery that caused it: each delivery again on its own.
      await Promise.all(batch.map((delivery) => storeInboundDeliveries(this.db, [delivery]).then(([stored]) => delivery.resolve(stored!), delivery.reject)));
    }
  }
}
