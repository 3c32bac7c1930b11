import { describe, expect, it } from 'vitest';
import { run } from '../../cli/main.ts';

const COMMANDS = ['plan', 'precheck', 'execute', 'status', 'cutover', 'callback', 'schedule'];

async function runCli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await run(args, {
    out: (t) => {
      out += t;
    },
    err: (t) => {
      err += t;
    },
    env: {},
    stdoutIsTTY: false,
    stdinIsTTY: false,
  });
  return { code, out, err };
}

describe('--help', () => {
  it('lists the exit codes, the environment and an example of every command', async () => {
    const { code, out } = await runCli(['--help']);
    expect(code).toBe(0);
    for (const line of [
      '  0  the command did its whole job',
      '  1  it ran and found a problem',
      '  2  bad input (config, arguments)',
      '  3  internal error',
    ])
      expect(out).toContain(line);
    for (const variable of [
      'KRAFT_MIGRATE_STATE_DIR',
      'KRAFT_MIGRATE_STATE_MACHINE_ARN',
      'KRAFT_MIGRATE_SCHEDULER_ROLE_ARN',
      'KRAFT_MIGRATE_VERBOSE',
      'KRAFT_MIGRATE_DEBUG',
      'KRAFT_MIGRATE_JOURNAL_DIR',
      'KRAFT_MIGRATE_ALLOW_KRAFT_SOURCE',
      'KRAFT_MIGRATE_CONFIG',
      'AWS_REGION',
      'AWS_PROFILE',
    ])
      expect(out).toContain(variable);
    const examples = out.slice(out.indexOf('Examples:'));
    for (const command of COMMANDS) expect(examples, command).toContain(`  $ kraft-migrate ${command} `);
  });

  it.each(COMMANDS)('%s --help shows its own example', async (command) => {
    const { code, out } = await runCli([command, '--help']);
    expect(code).toBe(0);
    expect(out).toContain(`Example:\n  $ kraft-migrate ${command} `);
    expect(out).not.toContain('Exit codes:');
  });

  it('every command but callback takes --config, --migration-id and --json; those with a journal --journal-dir', async () => {
    for (const command of COMMANDS) {
      const { out } = await runCli([command, '--help']);
      const has = (flag: string) => out.includes(flag);
      expect(has('--json'), command).toBe(true);
      expect(has('--config'), command).toBe(command !== 'callback');
      expect(has('--migration-id'), command).toBe(command !== 'callback');
      expect(has('--journal-dir'), command).toBe(!['callback', 'schedule'].includes(command));
    }
  });
});

describe('--json on an error', () => {
  it('still prints one JSON document on stdout: the error, with the text on stderr', async () => {
    const { code, out, err } = await runCli(['execute', '--json']);
    expect(code).toBe(2);
    expect(JSON.parse(out)).toEqual({
      error: {
        name: 'InvalidInputError',
        code: 'CONFIG_MISSING',
        message: 'no config file given',
        fix: 'Pass --config FILE (YAML or JSON); examples/local.yaml works against the local stack.',
      },
      exit_code: 2,
    });
    expect(err).toContain('Error: no config file given');
  });
});
