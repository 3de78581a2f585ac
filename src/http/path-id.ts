const MAX_SAFE_ID = BigInt(Number.MAX_SAFE_INTEGER);

/** docs/request-checks.md#paths-and-path-ids: path ids are positive decimal integers; anything else is simply not found. */
export function parsePathId(text: string | undefined): number | null {
  if (text === undefined || !/^[0-9]{1,19}$/.test(text)) return null;
  const value = BigInt(text);
  if (value < 1n || value > MAX_SAFE_ID) return null;
  return Number(value);
}
