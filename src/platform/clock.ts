/** Time comes from here, so expiry rules are tested by moving a clock instead of sleeping. */
export interface Clock {
  /** Now, truncated to whole seconds: the precision every stored timestamp has. */
  now(): Date;
}

export const systemClock: Clock = {
  now: () => new Date(Math.floor(Date.now() / 1000) * 1000),
};

export class ManualClock implements Clock {
  private current: number;

  constructor(start: Date | string = '2026-11-24T12:00:00Z') {
    this.current = Math.floor(new Date(start).getTime() / 1000) * 1000;
  }

  now(): Date {
    return new Date(this.current);
  }

  advance(seconds: number): void {
    this.current += seconds * 1000;
  }

  set(at: Date | string): void {
    this.current = Math.floor(new Date(at).getTime() / 1000) * 1000;
  }
}

export function unixSeconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}

/** The API's timestamp format: YYYY-MM-DDTHH:MM:SSZ (docs/responses.md#json-typing). */
export function formatTimestamp(date: Date | null | undefined): string | null {
  if (!date) return null;
  return date.toISOString().slice(0, 19) + 'Z';
}
