import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AslDefinition } from '../../../cli/runner/asl.ts';
import type { RunnerEvent } from '../../../cli/runner/events.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
export const CALLBACK_ENTRY = join(HERE, 'fixtures', 'callback-entry.ts');

export const LAMBDA_INVOKE = 'arn:aws:states:::lambda:invoke';
export const LAMBDA_TOKEN = 'arn:aws:states:::lambda:invoke.waitForTaskToken';
export const RUN_TASK_SYNC = 'arn:aws:states:::ecs:runTask.sync';
export const RUN_TASK = 'arn:aws:states:::ecs:runTask';
export const CLUSTER = 'arn:aws:ecs:local:000000000000:cluster/KraftMigrateCluster';
export const TASK_DEF = 'arn:aws:ecs:local:000000000000:task-definition/CopierTaskDef:1';

export function fn(name: string): string {
  return `arn:aws:lambda:local:000000000000:function:${name}`;
}

/** A Lambda task as CDK's LambdaInvoke writes it, keeping only the function's result. */
export function lambdaTask(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    Type: 'Task',
    Resource: LAMBDA_INVOKE,
    Parameters: { FunctionName: fn(name), 'Payload.$': '$' },
    OutputPath: '$.Payload',
    End: true,
    ...extra,
  };
}

/** A `.waitForTaskToken` Lambda task that hands `$$.Task.Token` to the function. */
export function tokenTask(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    Type: 'Task',
    Resource: LAMBDA_TOKEN,
    Parameters: { FunctionName: fn(name), Payload: { 'taskToken.$': '$$.Task.Token', 'input.$': '$' } },
    TimeoutSeconds: 60,
    End: true,
    ...extra,
  };
}

/** The first state is StartAt; fields set to `undefined` are dropped (as JSON would). */
export function machine(states: Record<string, Record<string, unknown>>): AslDefinition {
  return JSON.parse(JSON.stringify({ StartAt: Object.keys(states)[0]!, States: states })) as AslDefinition;
}

export async function tempStateDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'kraft-migrate-runner-'));
}

/** Collects events and resolves waiters on the first event matching a predicate. */
export class EventTap {
  readonly events: RunnerEvent[] = [];
  readonly #waiters: { match: (e: RunnerEvent) => boolean; resolve: (e: RunnerEvent) => void }[] = [];

  readonly onEvent = (event: RunnerEvent): void => {
    this.events.push(event);
    for (const w of [...this.#waiters]) {
      if (w.match(event)) {
        this.#waiters.splice(this.#waiters.indexOf(w), 1);
        w.resolve(event);
      }
    }
  };

  next(type: RunnerEvent['type'], stateName?: string): Promise<RunnerEvent> {
    const match = (e: RunnerEvent) =>
      e.type === type && (stateName === undefined || e.stateName === stateName);
    const seen = this.events.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => this.#waiters.push({ match, resolve }));
  }

  of(type: RunnerEvent['type']): RunnerEvent[] {
    return this.events.filter((e) => e.type === type);
  }
}

export interface ProcessResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `kraft-migrate callback` in a second Node process. */
export function callbackProcess(args: readonly string[]): Promise<ProcessResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CALLBACK_ENTRY, ...args], { timeout: 30_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 99) : 0;
      resolve({ code, stdout: stdout.trim(), stderr: stderr.trim() });
    });
  });
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
