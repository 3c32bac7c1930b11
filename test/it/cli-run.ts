/** The real kraft-migrate CLI run in this process with captured output (no TTY). */
import { run } from '../../cli/main.ts';
import { STACK_ENV } from './fixtures.ts';

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the real CLI in this process with captured output (no TTY). */
export async function cli(args: readonly string[], env: NodeJS.ProcessEnv = STACK_ENV): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await run(args, {
    out: (t) => {
      stdout += t.endsWith('\n') ? t : `${t}\n`;
    },
    err: (t) => {
      stderr += t.endsWith('\n') ? t : `${t}\n`;
    },
    env,
    stdoutIsTTY: false,
    stdinIsTTY: false,
  });
  return { code, stdout, stderr };
}
