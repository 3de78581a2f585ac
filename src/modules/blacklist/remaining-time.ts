const MINUTES_PER_DAY = 1440;

function unit(count: number, name: string): string {
  return `${count} ${name}${count === 1 ? '' : 's'}`;
}

/**
 * docs/domain-rules.md#channel-blacklist: minutes rounded up, then the largest non-zero unit and the next smaller one when it
 * is non-zero ("1 day 5 hours", "2 hours 5 minutes"); null when permanent or expired.
 */
export function remainingTime(expiresAt: Date | null, now: Date): string | null {
  if (!expiresAt) return null;
  const seconds = Math.floor((expiresAt.getTime() - now.getTime()) / 1000);
  if (seconds <= 0) return null;
  const minutes = Math.ceil(seconds / 60);
  const days = Math.floor(minutes / MINUTES_PER_DAY);
  const hours = Math.floor((minutes % MINUTES_PER_DAY) / 60);
  const rest = minutes % 60;
  const parts: Array<[number, string]> = [
    [days, 'day'],
    [hours, 'hour'],
    [rest, 'minute'],
  ];
  const first = parts.findIndex(([count]) => count > 0);
  const next = parts[first + 1];
  const words = [unit(parts[first]![0], parts[first]![1])];
  if (next && next[0] > 0) words.push(unit(next[0], next[1]));
  return words.join(' ');
}
