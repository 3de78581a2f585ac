/**
 * The latest birth date (YYYY-MM-DD) of someone who is at least `years` full years old on `today` (UTC). A 29 February
 * birthday falls back to the 28th in other years, as PostgreSQL's `date - interval 'N years'` does.
 */
export function latestBirthDateForAge(today: Date, years: number): string {
  const year = today.getUTCFullYear() - years;
  const month = today.getUTCMonth();
  const lastDayOfMonth = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  return new Date(Date.UTC(year, month, Math.min(today.getUTCDate(), lastDayOfMonth))).toISOString().slice(0, 10);
}
