/** Where a command writes, and what it knows of its terminal. Tests pass their own. */
export interface CliIO {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly env: NodeJS.ProcessEnv;
  readonly stdoutIsTTY: boolean;
  readonly stdinIsTTY: boolean;
}

export function processIO(): CliIO {
  return {
    out: (t) => process.stdout.write(t.endsWith('\n') ? t : `${t}\n`),
    err: (t) => process.stderr.write(t.endsWith('\n') ? t : `${t}\n`),
    env: process.env,
    stdoutIsTTY: process.stdout.isTTY === true,
    stdinIsTTY: process.stdin.isTTY === true,
  };
}

/** Exit codes: 0 the command did its whole job; 1 it ran and found a problem (blockers); 2 bad input; 3 internal error. */
export const EXIT = { ok: 0, problem: 1, input: 2, internal: 3 } as const;
