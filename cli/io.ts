/** Where a command writes, and what it knows of its terminal. Tests pass their own. */
export interface CliIO {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly env: NodeJS.ProcessEnv;
  readonly stdoutIsTTY: boolean;
  readonly stdinIsTTY: boolean;
  /** stderr is a terminal: `statusLine` may rewrite a line in place there. */
  readonly stderrIsTTY?: boolean;
  /** Rewrites the one status line at the bottom of the terminal (stderr); '' clears it. */
  readonly statusLine?: (text: string) => void;
}

export function processIO(): CliIO {
  return {
    out: (t) => process.stdout.write(t.endsWith('\n') ? t : `${t}\n`),
    err: (t) => process.stderr.write(t.endsWith('\n') ? t : `${t}\n`),
    env: process.env,
    stdoutIsTTY: process.stdout.isTTY === true,
    stdinIsTTY: process.stdin.isTTY === true,
    stderrIsTTY: process.stderr.isTTY === true,
    statusLine: (t) => process.stderr.write(`\r\u001b[2K${t}`),
  };
}

/**
 * The IO a command writes its text lines to: with `--json`, stdout carries only the command's one
 * JSON document, so every other line (progress, the timeline, notes) goes to stderr.
 */
export function textIO(io: CliIO, json: boolean | undefined): CliIO {
  return json ? { ...io, out: io.err } : io;
}

/** Exit codes: 0 the command did its whole job; 1 it ran and found a problem (blockers); 2 bad input; 3 internal error. */
export const EXIT = { ok: 0, problem: 1, input: 2, internal: 3 } as const;
