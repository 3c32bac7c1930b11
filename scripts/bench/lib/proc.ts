/**
 * Child processes of the benchmark (the copier, MirrorMaker 2, the Java producers): started
 * directly (no shell, so the PID is the measured process), output to a log file, memory and CPU
 * sampled from /proc while they run, and stopped by their own PID — TERM, then KILL after a grace
 * period. `stopAll()` runs on every way out (end, failure, Ctrl-C).
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** performance.now() when the exit was seen. */
  readonly at: number;
}

export interface ProcOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** stdout and stderr go here (appended). */
  readonly logFile: string;
  /** Called with each complete stdout line (the copier's JSON log). */
  readonly onLine?: (line: string) => void;
  /** /proc sampling interval. @default 200 */
  readonly sampleMs?: number;
}

const live = new Set<Proc>();
const CLK_TCK = 100; // USER_HZ on Linux

export class Proc {
  readonly name: string;
  readonly pid: number;
  readonly startedAt: number;
  readonly exited: Promise<Exit>;
  readonly logFile: string;
  /** Peak resident set (VmHWM) in KiB, as last read from /proc while the process lived. */
  peakRssKiB = 0;
  /** user + system CPU seconds, as last read from /proc while the process lived. */
  cpuSeconds = 0;
  exit: Exit | undefined;
  readonly #child: ChildProcess;
  readonly #timer: NodeJS.Timeout;

  constructor(name: string, command: string, args: readonly string[], options: ProcOptions) {
    this.name = name;
    this.logFile = options.logFile;
    const log = createWriteStream(options.logFile, { flags: 'a' });
    this.startedAt = performance.now();
    this.#child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (this.#child.pid === undefined) throw new Error(`${name}: could not start ${command}`);
    this.pid = this.#child.pid;
    live.add(this);
    let pending = '';
    this.#child.stdout?.on('data', (chunk: Buffer) => {
      log.write(chunk);
      if (!options.onLine) return;
      pending += chunk.toString('utf8');
      let nl = pending.indexOf('\n');
      while (nl >= 0) {
        options.onLine(pending.slice(0, nl));
        pending = pending.slice(nl + 1);
        nl = pending.indexOf('\n');
      }
    });
    this.#child.stderr?.on('data', (chunk: Buffer) => log.write(chunk));
    this.#timer = setInterval(() => this.sample(), options.sampleMs ?? 200);
    this.exited = new Promise<Exit>((resolve) => {
      this.#child.on('exit', (code, signal) => {
        const exit = { code, signal, at: performance.now() };
        this.exit = exit;
        clearInterval(this.#timer);
        live.delete(this);
        log.end();
        resolve(exit);
      });
    });
    this.sample();
  }

  /** Reads VmHWM and CPU time from /proc (no-op once the process is gone). */
  sample(): void {
    if (this.exit) return;
    const hwm = readPeakRssKiB(this.pid);
    if (hwm !== undefined && hwm > this.peakRssKiB) this.peakRssKiB = hwm;
    const cpu = readCpuSeconds(this.pid);
    if (cpu !== undefined) this.cpuSeconds = cpu;
  }

  get running(): boolean {
    return this.exit === undefined;
  }

  /** Seconds since start, until exit or now. */
  get seconds(): number {
    return ((this.exit?.at ?? performance.now()) - this.startedAt) / 1000;
  }

  signal(sig: NodeJS.Signals): void {
    if (this.running) {
      try {
        process.kill(this.pid, sig);
      } catch {
        // already gone
      }
    }
  }

  /** TERM, wait up to `graceMs`, then KILL. Resolves with the exit. */
  async stop(graceMs = 20_000): Promise<Exit> {
    if (this.exit) return this.exit;
    this.sample();
    this.signal('SIGTERM');
    const exit = await Promise.race([this.exited, sleep(graceMs, undefined, { ref: false })]);
    if (exit) return exit;
    this.signal('SIGKILL');
    return this.exited;
  }

  /** Resolves with the exit, or with undefined after `ms`. */
  async waitExit(ms: number): Promise<Exit | undefined> {
    return Promise.race([this.exited, sleep(ms, undefined, { ref: false })]);
  }

  tailOfLog(lines = 20): string {
    try {
      return readFileSync(this.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  }
}

/** Stops every child still running (each by its PID). */
export async function stopAll(graceMs = 15_000): Promise<void> {
  await Promise.allSettled([...live].map((p) => p.stop(graceMs)));
}

/** Runs a command to its end (bounded): exit code and the time it took. Throws on timeout. */
export async function runToEnd(
  name: string,
  command: string,
  args: readonly string[],
  options: ProcOptions & { timeoutMs: number },
): Promise<{ exit: Exit; seconds: number; proc: Proc }> {
  const proc = new Proc(name, command, args, options);
  const exit = await proc.waitExit(options.timeoutMs);
  if (!exit) {
    await proc.stop(5000);
    throw new Error(`${name} did not finish within ${options.timeoutMs / 1000}s, see ${options.logFile}`);
  }
  return { exit, seconds: proc.seconds, proc };
}

function readPeakRssKiB(pid: number): number | undefined {
  try {
    const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** utime + stime of a process, in seconds. */
export function readCpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
  } catch {
    return undefined;
  }
}

/** Machine-wide CPU time in seconds: busy (everything but idle and iowait) and total. */
export function readMachineCpu(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  return { busy: (total - idle) / CLK_TCK, total: total / CLK_TCK };
}
