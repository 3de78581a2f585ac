import type { ChangeEvent } from './db/db.js';

/**
 * An in-memory cache that is exact with respect to change signals (Db.watchChanges): every `changed` drops all
 * entries, and a value read while a change happened is returned but not kept, since it may predate the change.
 * While the process cannot hear other processes' changes (`lost`), nothing is served from memory.
 */
export class ChangeAwareCache<Value> {
  private readonly entries = new Map<string, Value>();
  private generation = 0;
  private listening = false;

  constructor(private readonly maxEntries = 50_000) {}

  readonly onChange = (event: ChangeEvent): void => {
    this.generation++;
    this.entries.clear();
    if (event !== 'changed') this.listening = event === 'restored';
  };

  async get(key: string, load: () => Promise<Value>): Promise<Value> {
    if (this.listening) {
      const hit = this.entries.get(key);
      if (hit !== undefined) return hit;
    }
    const generation = this.generation;
    const value = await load();
    if (this.listening && generation === this.generation) {
      if (this.entries.size >= this.maxEntries) this.entries.clear();
      this.entries.set(key, value);
    }
    return value;
  }
}
