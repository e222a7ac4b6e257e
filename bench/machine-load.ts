/**
 * The machine's load, for benchmarks that say how busy the machine was (and refuse to report above a limit).
 */
import * as os from 'node:os';

/** The 1-minute load average, the cores, and the load per core. */
export interface MachineLoad {
  readonly loadavg1: number;
  readonly cores: number;
  readonly perCore: number;
}

/** The current {@link MachineLoad} (`os.loadavg()[0]` over `os.availableParallelism()`). */
export function machineLoad(): MachineLoad {
  const loadavg1 = os.loadavg()[0];
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return { loadavg1: Math.round(loadavg1 * 100) / 100, cores, perCore: Math.round((loadavg1 / cores) * 100) / 100 };
}

/** Min and median of wall times (ms). */
export function minMedian(xs: readonly number[]): { min: number; median: number } {
  const s = [...xs].sort((a, b) => a - b);
  const r = (x: number): number => Math.round(x * 1000) / 1000;
  return { min: r(s[0]), median: r(s[Math.floor(s.length / 2)]) };
}
