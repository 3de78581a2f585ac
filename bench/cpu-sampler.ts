/**
 * Where the CPU goes during one shape (Linux only): the server process, the PostgreSQL backends serving it (found in
 * pg_stat_activity by database and application_name 'flextell'), and the whole machine from /proc/stat. Anything
 * the machine spent beyond those two is the load tool plus whatever else runs on the box.
 */
import fs from 'node:fs';
import pg from 'pg';

const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ on Linux

export interface CpuSnapshot {
  at: number;
  server: number;
  /** Ticks per backend pid; a pool closes idle connections, so some may exit during a run. */
  postgres: Map<number, number | null>;
  machineBusy: number;
  machineTotal: number;
}

export interface CpuUsage {
  /** CPU milliseconds per completed request. */
  serverMsPerRequest: number;
  postgresMsPerRequest: number | null;
  /** Share of all cores busy during the run, and how much of that was neither the server nor its backends. */
  machineBusyPercent: number;
  otherPercent: number;
}

/** CPU ticks of a process so far, or null once it has exited. */
function processTicks(pid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of the full line)
  } catch {
    return null;
  }
}

export function machineTicks(): { busy: number; total: number } {
  try {
    const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    const values = line.trim().split(/\s+/).slice(1).map(Number);
    const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = values;
    const busy = user + nice + system + irq + softirq + steal;
    return { busy, total: busy + idle + iowait };
  } catch {
    return { busy: 0, total: 0 };
  }
}

export class CpuSampler {
  private constructor(
    private readonly serverPid: number | null,
    private readonly databaseUrl: string | undefined,
    private backendPids: number[],
  ) {}

  static available(): boolean {
    return fs.existsSync('/proc/stat');
  }

  static create(serverPid: number | null, databaseUrl: string | undefined): CpuSampler {
    return new CpuSampler(serverPid, databaseUrl, []);
  }

  /** The server's pool connections exist only after some traffic; look them up right before each measured run. */
  async refreshBackends(): Promise<void> {
    if (!this.databaseUrl) return;
    const client = new pg.Client({ connectionString: this.databaseUrl, application_name: 'flextell-bench' });
    try {
      await client.connect();
      const result = await client.query<{ pid: number }>(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'flextell' AND backend_type = 'client backend'",
      );
      this.backendPids = result.rows.map((row) => row.pid);
    } catch {
      this.backendPids = [];
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  snapshot(): CpuSnapshot {
    const machine = machineTicks();
    return {
      at: performance.now(),
      server: this.serverPid ? (processTicks(this.serverPid) ?? 0) : 0,
      postgres: new Map(this.backendPids.map((pid) => [pid, processTicks(pid)])),
      machineBusy: machine.busy,
      machineTotal: machine.total,
    };
  }

  usage(before: CpuSnapshot, after: CpuSnapshot, requests: number): CpuUsage | null {
    if (!this.serverPid || requests <= 0 || after.machineTotal <= before.machineTotal) return null;
    const ms = (ticks: number) => (ticks * 1000) / CLOCK_TICKS_PER_SECOND;
    const server = after.server - before.server;
    // A backend that exited during the run was an idle pool connection closed by its timeout: left out.
    let postgres = 0;
    for (const [pid, start] of before.postgres) {
      const end = after.postgres.get(pid);
      if (start !== null && end !== null && end !== undefined) postgres += end - start;
    }
    const busy = after.machineBusy - before.machineBusy;
    const total = after.machineTotal - before.machineTotal;
    return {
      serverMsPerRequest: ms(server) / requests,
      postgresMsPerRequest: this.backendPids.length > 0 ? ms(postgres) / requests : null,
      machineBusyPercent: (100 * busy) / total,
      otherPercent: (100 * Math.max(0, busy - server - postgres)) / total,
    };
  }
}

/** Share of all cores busy over the next `ms` milliseconds (null without /proc/stat). */
export async function machineBusyPercent(ms: number): Promise<number | null> {
  const before = machineTicks();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const after = machineTicks();
  if (after.total <= before.total) return null;
  return (100 * (after.busy - before.busy)) / (after.total - before.total);
}

/** "some avg60" of /proc/pressure/cpu: the share of time runnable tasks waited for a CPU (null when unavailable). */
export function cpuPressure(): string | null {
  try {
    const line = fs
      .readFileSync('/proc/pressure/cpu', 'utf8')
      .split('\n')
      .find((candidate) => candidate.startsWith('some '));
    const avg60 = line?.match(/avg60=([\d.]+)/)?.[1];
    return avg60 === undefined ? null : `${avg60}%`;
  } catch {
    return null;
  }
}
