/**
 * ECS tasks (`arn:aws:states:::ecs:runTask[.sync|.waitForTaskToken]`) as local child processes.
 *
 * The container's environment is the runner's, then the descriptor's `env`, then the task's
 * `Overrides.ContainerOverrides[].Environment` (after Parameters were resolved) — the same
 * variables the Fargate container would see. A `ContainerOverrides[].Command` is appended to
 * the descriptor's `command` (the descriptor plays the image's ENTRYPOINT). Results and failure
 * causes have the shape of the ECS DescribeTasks task object Step Functions returns (PascalCase).
 *
 * Each process runs in its own process group so stopping it also stops what it started. For the
 * same reason a Ctrl-C in the terminal does not reach it: the CLI must turn SIGINT/SIGTERM into an
 * abort of runLocal (`signal`), which stops every container. A normal process exit kills what is
 * left; death by an unhandled signal does not.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { constants } from 'node:os';
import { createInterface } from 'node:readline';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from './asl.ts';
import type { RunnerEvent } from './events.ts';

/** Maps a runTask state to a local command instead of a Fargate task. */
export interface ContainerHandler {
  readonly kind: 'container';
  /** argv of the process, like the image's ENTRYPOINT (+ CMD). */
  readonly command: readonly string[];
  /** Variables under the ContainerOverrides environment (which wins). */
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
  /** Take only this container's overrides; default: every override, the first one's name. */
  readonly containerName?: string;
}

export function isContainerHandler(h: unknown): h is ContainerHandler {
  return typeof h === 'object' && h !== null && (h as { kind?: unknown }).kind === 'container';
}

/** The DescribeTasks `task` object, as Step Functions returns it (PascalCase keys, epoch-ms dates). */
export interface EcsTask {
  readonly TaskArn: string;
  readonly ClusterArn: string;
  readonly TaskDefinitionArn: string;
  readonly LaunchType: string;
  readonly LastStatus: 'RUNNING' | 'STOPPED';
  readonly DesiredStatus: 'RUNNING' | 'STOPPED';
  readonly CreatedAt: number;
  readonly StartedAt?: number;
  readonly StoppingAt?: number;
  readonly StoppedAt?: number;
  readonly StopCode?: 'EssentialContainerExited' | 'UserInitiated' | 'TaskFailedToStart';
  readonly StoppedReason?: string;
  readonly Containers: readonly EcsContainer[];
  readonly Overrides: unknown;
}

export interface EcsContainer {
  readonly Name: string;
  readonly ContainerArn: string;
  readonly TaskArn: string;
  readonly LastStatus: 'RUNNING' | 'STOPPED';
  readonly ExitCode?: number;
  /** Locally: the last lines the process wrote to stderr (else stdout) when it failed. */
  readonly Reason?: string;
}

/** A configuration error in the task's parameters: not catchable, like States.Runtime in AWS. */
export function runtimeError(message: string): Error {
  return Object.assign(new Error(message), {
    name: 'States.Runtime',
    isCatchable: false,
    isRetryable: false,
  });
}

const TAIL_LINES = 20;
const MAX_REASON_CHARS = 4000;

export class ContainerRun {
  readonly stateName: string;
  readonly taskArn: string;
  readonly done: Promise<EcsTask>;
  #task: EcsTask;
  #child: ChildProcess | undefined;
  #stopReason: string | undefined;
  readonly #tails: Record<'stdout' | 'stderr', string[]> = { stdout: [], stderr: [] };

  constructor(stateName: string, task: EcsTask, child: ChildProcess | undefined, done: Promise<EcsTask>) {
    this.stateName = stateName;
    this.taskArn = task.TaskArn;
    this.#task = task;
    this.#child = child;
    this.done = done;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  get running(): boolean {
    return this.#task.LastStatus === 'RUNNING';
  }

  describe(): EcsTask {
    return this.#task;
  }

  /** The last lines of stderr, or of stdout when stderr was silent. */
  tail(): string {
    const lines = this.#tails.stderr.length > 0 ? this.#tails.stderr : this.#tails.stdout;
    return lines.join('\n').slice(-MAX_REASON_CHARS);
  }

  /** @internal */
  update(task: EcsTask): void {
    this.#task = task;
  }

  /** @internal */
  remember(stream: 'stdout' | 'stderr', line: string): void {
    const tail = this.#tails[stream];
    tail.push(line);
    if (tail.length > TAIL_LINES) tail.shift();
  }

  /** @internal */
  get stopReason(): string | undefined {
    return this.#stopReason;
  }

  /** SIGTERM to the process group, SIGKILL after `graceMs`; resolves when the process is gone. */
  async stop(reason: string, graceMs: number): Promise<EcsTask> {
    if (!this.running || !this.#child) return this.#task;
    this.#stopReason ??= reason;
    const now = Date.now();
    this.#task = { ...this.#task, DesiredStatus: 'STOPPED', StoppingAt: now };
    signalGroup(this.#child, 'SIGTERM');
    const kill = setTimeout(() => signalGroup(this.#child, 'SIGKILL'), graceMs);
    try {
      return await this.done;
    } finally {
      clearTimeout(kill);
    }
  }

  /** @internal — for process exit: no waiting possible. */
  killNow(): void {
    if (this.running && this.#child) signalGroup(this.#child, 'SIGKILL');
  }
}

export interface ContainerSupervisorOptions {
  readonly emit: (event: RunnerEvent) => void;
  /** How long a stopped container gets between SIGTERM and SIGKILL. @default 5000 */
  readonly stopGraceMs?: number;
}

export class ContainerSupervisor {
  readonly #runs = new Map<string, ContainerRun>();
  readonly #emit: (event: RunnerEvent) => void;
  readonly #graceMs: number;
  readonly #onExit = () => {
    for (const run of this.#runs.values()) run.killNow();
  };

  constructor(opts: ContainerSupervisorOptions) {
    this.#emit = opts.emit;
    this.#graceMs = opts.stopGraceMs ?? 5000;
    process.on('exit', this.#onExit);
  }

  get(taskArn: string): ContainerRun | undefined {
    return this.#runs.get(taskArn);
  }

  /**
   * Starts the process for a runTask state whose Parameters resolved to `params`. Resolves once
   * the process runs (or failed to start: then `done` is already settled with TaskFailedToStart).
   */
  async start(stateName: string, handler: ContainerHandler, params: unknown): Promise<ContainerRun> {
    const p = (isObject(params) ? params : {}) as Record<string, unknown>;
    const overrides = containerOverrides(p, handler.containerName);
    const argv = [...handler.command, ...overrides.command];
    if (argv.length === 0) throw runtimeError(`${stateName}: the container handler has an empty command`);
    const env = { ...process.env, ...handler.env, ...overrides.environment };

    const cluster = clusterArn(p['Cluster']);
    const taskArn = `arn:aws:ecs:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:task/${cluster.split('/').pop()}/${randomBytes(16).toString('hex')}`;
    const containerName = handler.containerName ?? overrides.name ?? 'main';
    const createdAt = Date.now();
    let task: EcsTask = {
      TaskArn: taskArn,
      ClusterArn: cluster,
      TaskDefinitionArn: typeof p['TaskDefinition'] === 'string' ? p['TaskDefinition'] : 'local',
      LaunchType: typeof p['LaunchType'] === 'string' ? p['LaunchType'] : 'FARGATE',
      LastStatus: 'RUNNING',
      DesiredStatus: 'RUNNING',
      CreatedAt: createdAt,
      StartedAt: createdAt,
      Containers: [
        {
          Name: containerName,
          ContainerArn: `arn:aws:ecs:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:container/${taskArn.split('/').pop()}/${containerName}`,
          TaskArn: taskArn,
          LastStatus: 'RUNNING',
        },
      ],
      Overrides: p['Overrides'] ?? { ContainerOverrides: [] },
    };

    const child = spawn(argv[0]!, argv.slice(1), {
      env,
      cwd: handler.cwd,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let run!: ContainerRun;
    const done = new Promise<EcsTask>((resolve) => {
      let startError: Error | undefined;
      child.once('error', (e) => {
        startError = e;
      });
      child.once('close', (code, signal) => {
        const exitCode = startError
          ? undefined
          : (code ?? (signal ? 128 + (constants.signals[signal] ?? 0) : undefined));
        const failed = startError !== undefined || exitCode !== 0;
        const reason = startError ? `could not start ${argv[0]}: ${startError.message}` : run.tail();
        const stopReason = run.stopReason;
        task = {
          ...run.describe(),
          LastStatus: 'STOPPED',
          DesiredStatus: 'STOPPED',
          StoppedAt: Date.now(),
          StopCode: startError
            ? 'TaskFailedToStart'
            : stopReason
              ? 'UserInitiated'
              : 'EssentialContainerExited',
          StoppedReason: startError
            ? `CannotStartContainerError: ${startError.message}`
            : (stopReason ?? 'Essential container in task exited'),
          Containers: run.describe().Containers.map((c) => ({
            ...c,
            LastStatus: 'STOPPED' as const,
            ...(exitCode === undefined ? {} : { ExitCode: exitCode }),
            ...(failed && reason ? { Reason: reason } : {}),
          })),
        };
        run.update(task);
        this.#emit({
          type: 'ContainerExited',
          timestamp: Date.now(),
          stateName,
          taskArn,
          exitCode: exitCode ?? null,
          ...(startError ? { reason: startError.message } : stopReason ? { reason: stopReason } : {}),
        });
        resolve(task);
      });
    });
    run = new ContainerRun(stateName, task, child, done);
    this.#runs.set(taskArn, run);
    for (const stream of ['stdout', 'stderr'] as const) {
      createInterface({ input: child[stream]!, crlfDelay: Number.POSITIVE_INFINITY }).on('line', (line) => {
        run.remember(stream, line);
        this.#emit({ type: 'ContainerOutput', timestamp: Date.now(), stateName, taskArn, stream, line });
      });
    }
    await new Promise<void>((resolve) => {
      child.once('spawn', () => resolve());
      child.once('error', () => resolve());
    });
    if (child.pid !== undefined) {
      this.#emit({ type: 'ContainerStarted', timestamp: Date.now(), stateName, taskArn, pid: child.pid });
    }
    return run;
  }

  async stop(taskArn: string, reason: string): Promise<EcsTask | undefined> {
    const run = this.#runs.get(taskArn);
    if (!run) return undefined;
    if (run.running) {
      this.#emit({
        type: 'ContainerStopping',
        timestamp: Date.now(),
        stateName: run.stateName,
        taskArn,
        reason,
      });
    }
    return run.stop(reason, this.#graceMs);
  }

  /** Stops every container still running (end of the execution). */
  async stopAll(reason: string): Promise<void> {
    await Promise.all(
      [...this.#runs.values()].filter((r) => r.running).map((r) => this.stop(r.taskArn, reason)),
    );
    process.off('exit', this.#onExit);
  }
}

interface ResolvedOverrides {
  readonly name: string | undefined;
  readonly environment: Record<string, string>;
  readonly command: string[];
}

function containerOverrides(params: Record<string, unknown>, only: string | undefined): ResolvedOverrides {
  const overrides = isObject(params['Overrides']) ? params['Overrides'] : {};
  const list = Array.isArray(overrides['ContainerOverrides']) ? overrides['ContainerOverrides'] : [];
  const environment: Record<string, string> = {};
  const command: string[] = [];
  let name: string | undefined;
  for (const [i, o] of list.entries()) {
    if (!isObject(o)) continue;
    if (only !== undefined && o['Name'] !== only) continue;
    if (name === undefined && typeof o['Name'] === 'string') name = o['Name'];
    for (const [j, variable] of (Array.isArray(o['Environment']) ? o['Environment'] : []).entries()) {
      const at = `Overrides.ContainerOverrides[${i}].Environment[${j}]`;
      if (!isObject(variable) || typeof variable['Name'] !== 'string') {
        throw runtimeError(`${at} has no Name: ${JSON.stringify(variable)}`);
      }
      const value = variable['Value'];
      if (typeof value !== 'string') {
        throw runtimeError(
          `${at} (${variable['Name']}) is ${value === null ? 'null' : typeof value} ${JSON.stringify(value)}; ECS accepts only strings — wrap it with States.Format('{}', ...) or States.JsonToString(...)`,
        );
      }
      environment[variable['Name']] = value;
    }
    if (Array.isArray(o['Command'])) command.push(...o['Command'].map(String));
  }
  return { name, environment, command };
}

function clusterArn(cluster: unknown): string {
  if (typeof cluster === 'string' && cluster.startsWith('arn:')) return cluster;
  const name = typeof cluster === 'string' && cluster ? cluster : 'default';
  return `arn:aws:ecs:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:cluster/${name}`;
}

function signalGroup(child: ChildProcess | undefined, signal: NodeJS.Signals): void {
  if (!child?.pid) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
