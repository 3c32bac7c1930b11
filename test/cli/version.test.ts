import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../../cli/main.ts';
import { packageVersion } from '../../core/adapters/package-version.ts';

async function cli(args: readonly string[]) {
  let stdout = '';
  let stderr = '';
  const code = await run(args, {
    out: (t) => {
      stdout += t;
    },
    err: (t) => {
      stderr += t;
    },
    env: {},
    stdoutIsTTY: false,
    stdinIsTTY: false,
  });
  return { code, stdout, stderr };
}

describe('kraft-migrate --version', () => {
  it('prints the version of package.json and exits 0', async () => {
    const { version } = (await import('../../package.json', { with: { type: 'json' } })).default;
    for (const flag of ['--version', '-V']) {
      expect(await cli([flag])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
    }
  });

  it('finds the package.json of kraft-migrate from deeper in the package, skipping other package.json files', () => {
    const root = mkdtempSync(join(tmpdir(), 'km-version-'));
    writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'kraft-migrate', version: '9.8.7' }));
    mkdirSync(join(root, 'dist', 'cli'), { recursive: true });
    writeFileSync(join(root, 'dist', 'package.json'), JSON.stringify({ type: 'module' }));
    expect(packageVersion(join(root, 'dist', 'cli', 'version.js'))).toBe('9.8.7');
  });

  it('says where it looked when there is no package.json of kraft-migrate', () => {
    const root = mkdtempSync(join(tmpdir(), 'km-version-'));
    expect(() => packageVersion(join(root, 'version.js'))).toThrow(
      `no package.json of kraft-migrate above ${root}`,
    );
  });
});
