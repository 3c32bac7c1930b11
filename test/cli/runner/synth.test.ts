import { mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { aslCacheKey, synthesizeLocalDefinition } from '../../../cli/runner/synth.ts';

describe('aslCacheKey', () => {
  it('changes with every imported file, with the extra inputs, and not with files nobody imports', async () => {
    const root = await mkdtemp(join(tmpdir(), 'asl-key-'));
    await writeFile(join(root, 'a.ts'), "import { b } from './lib/b.ts';\nexport const a = b;\n");
    await writeFile(join(root, 'c.ts'), 'export const c = 1;\n');
    await mkdir(join(root, 'lib'));
    await writeFile(
      join(root, 'lib', 'b.ts'),
      "import type { X } from '../types.ts';\nexport const b = 1;\n",
    );
    await writeFile(join(root, 'types.ts'), 'export type X = 1;\n');
    const key = () => aslCacheKey(root, ['a.ts'], { context: { x: 1 } });
    const first = key();

    await writeFile(join(root, 'c.ts'), 'export const c = 2;\n');
    expect(key()).toBe(first);

    await writeFile(
      join(root, 'lib', 'b.ts'),
      "import type { X } from '../types.ts';\nexport const b = 2;\n",
    );
    const changedImport = key();
    expect(changedImport).not.toBe(first);

    await writeFile(join(root, 'types.ts'), 'export type X = 2;\n');
    expect(key()).not.toBe(changedImport);

    expect(aslCacheKey(root, ['a.ts'], { context: { x: 2 } })).not.toBe(key());
  });
});

describe('synthesizeLocalDefinition', () => {
  it('synthesizes once, then serves the cached definition; a changed input synthesizes afresh', {
    timeout: 180_000,
  }, async () => {
    const cacheDir = await mkdtemp(join(tmpdir(), 'asl-cache-'));
    const sources: string[] = [];
    const onSource = (s: string) => sources.push(s);

    const first = await synthesizeLocalDefinition({}, { cacheDir, onSource });
    const again = await synthesizeLocalDefinition({}, { cacheDir, onSource });
    const changed = await synthesizeLocalDefinition(
      { 'kraft-migrate:test-input': 'changed' },
      { cacheDir, onSource },
    );

    expect(sources).toEqual(['synth', 'cache', 'synth']);
    expect(again).toEqual(first);
    expect(Object.keys(first.States)).toContain('Precheck');
    expect(changed).toEqual(first); // that context key changes nothing in the definition, only the key
    expect(await readdir(cacheDir)).toHaveLength(2);
  });
});
