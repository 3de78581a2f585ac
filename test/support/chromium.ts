import fs from 'node:fs';

/** Debian's Chromium, which the browser tests drive through playwright-core (it downloads no browser of its own). */
export const CHROMIUM = '/usr/bin/chromium';

/** Whether the browser tests can run here; under CI=true a missing Chromium fails the file instead (.ci/run installs it). */
export function chromiumAvailable(): boolean {
  const available = fs.existsSync(CHROMIUM);
  if (!available && process.env.CI === 'true') throw new Error(`${CHROMIUM} is missing; .ci/run installs it.`);
  return available;
}
