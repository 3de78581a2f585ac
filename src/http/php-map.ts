/**
 * An ordered map with PHP array semantics, used to hold a parsed query string.
 *
 * A JavaScript object would reorder integer-like keys and a plain Map would let `5` and `"5"` coexist; PHP does
 * neither, and the Laravel links we must reproduce depend on both the order and the integer/string distinction.
 */

export type PhpValue = string | null | PhpMap;

/** How a key is given to and returned by the public API (integer keys beyond ±2^53 come back as decimal text). */
export type PhpKey = string | number;

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const CANONICAL_INTEGER = /^(?:0|-?[1-9][0-9]*)$/;

interface Entry {
  /** A bigint is an integer key; a string is a string key that is not a canonical integer. */
  key: bigint | string;
  value: PhpValue;
}

/**
 * PHP's ZEND_HANDLE_NUMERIC_STR: a canonical decimal integer inside the signed 64-bit range becomes an integer key.
 * `05`, `+5`, `-0` and out-of-range digits stay string keys.
 */
export function canonicalKey(key: PhpKey | bigint): bigint | string {
  if (typeof key === 'bigint') {
    if (key < INT64_MIN || key > INT64_MAX) {
      throw new RangeError(`Integer key ${key} is outside the 64-bit range`);
    }
    return key;
  }
  if (typeof key === 'number') {
    if (!Number.isSafeInteger(key)) {
      throw new RangeError(`Integer key ${key} is not a safe integer`);
    }
    return BigInt(key);
  }
  if (CANONICAL_INTEGER.test(key)) {
    const integer = BigInt(key);
    if (integer >= INT64_MIN && integer <= INT64_MAX) {
      return integer;
    }
  }
  return key;
}

function lookupKey(key: bigint | string): string {
  // The prefix keeps integer 5 and a (non-canonical) string key apart inside one JavaScript Map.
  return typeof key === 'bigint' ? `i${key}` : `s${key}`;
}

function publicKey(key: bigint | string): PhpKey {
  if (typeof key === 'string') {
    return key;
  }
  const asNumber = Number(key);
  // Handing back the decimal text keeps huge keys exact; get/set canonicalise it back into the same integer key.
  return Number.isSafeInteger(asNumber) ? asNumber : key.toString();
}

export class PhpMap {
  readonly #entries = new Map<string, Entry>();
  /** PHP's nNextFreeElement: one past the largest integer key ever inserted (PHP ≥ 8.3, negatives included). */
  #nextFreeIndex: bigint | null = null;

  static fromEntries(entries: Iterable<readonly [PhpKey | bigint, PhpValue]>): PhpMap {
    const map = new PhpMap();
    for (const [key, value] of entries) {
      map.set(key, value);
    }
    return map;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(key: PhpKey | bigint): PhpValue | undefined {
    return this.#entries.get(lookupKey(canonicalKey(key)))?.value;
  }

  has(key: PhpKey | bigint): boolean {
    return this.#entries.has(lookupKey(canonicalKey(key)));
  }

  /** Replacing an existing key keeps its position, as PHP's hash update does. */
  set(key: PhpKey | bigint, value: PhpValue): this {
    const canonical = canonicalKey(key);
    const lookup = lookupKey(canonical);
    const existing = this.#entries.get(lookup);
    if (existing !== undefined) {
      existing.value = value;
      return this;
    }
    this.#entries.set(lookup, { key: canonical, value });
    if (typeof canonical === 'bigint' && (this.#nextFreeIndex === null || canonical >= this.#nextFreeIndex)) {
      // PHP saturates instead of wrapping, so a later append at the maximum collides and is refused.
      this.#nextFreeIndex = canonical < INT64_MAX ? canonical + 1n : INT64_MAX;
    }
    return this;
  }

  /**
   * PHP `$array[] = $value`. Returns false when PHP refuses the insert (the next index is already taken, which only
   * happens once the largest key is 2^63 − 1).
   */
  append(value: PhpValue): boolean {
    const index = this.#nextFreeIndex ?? 0n;
    if (this.#entries.has(lookupKey(index))) {
      return false;
    }
    this.set(index, value);
    return true;
  }

  /** Like PHP's unset: the next free index does not move back. */
  delete(key: PhpKey | bigint): boolean {
    return this.#entries.delete(lookupKey(canonicalKey(key)));
  }

  entries(): Array<[PhpKey, PhpValue]> {
    return [...this.#entries.values()].map((entry): [PhpKey, PhpValue] => [publicKey(entry.key), entry.value]);
  }

  keys(): PhpKey[] {
    return [...this.#entries.values()].map((entry) => publicKey(entry.key));
  }

  /** Keys with their exact type: bigint for integer keys, string for string keys. */
  exactEntries(): Array<[bigint | string, PhpValue]> {
    return [...this.#entries.values()].map((entry): [bigint | string, PhpValue] => [entry.key, entry.value]);
  }
}
