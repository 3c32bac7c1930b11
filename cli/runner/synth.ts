import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AslDefinition } from './asl.ts';

/**
 * The state machine definition exactly as `cdk deploy` would deploy it: the CDK app is synthesized
 * in-process (with cdk.json's context, Lambda bundling skipped — the local runner calls the handler
 * code directly), the ASL extracted from the template, refused if it uses anything the local
 * interpreter would silently ignore, and prepared for local timers.
 *
 * Cached by content hash (a CDK synth costs seconds at every `execute`): the key is the SHA-256 of
 * everything that determines the result — the source of infra/ and of every file it imports
 * (core/domain constants included), of this file and the files it imports (extraction, guard,
 * local preparation), the merged CDK context (cdk.json + the given context, CDK_CONTEXT_JSON), and
 * the versions of Node, aws-cdk-lib, constructs and cdk-nag. Any change gives another key, so a
 * stale definition is never served: the cache can only miss. Entries live in
 * `.local/asl-cache/<key>.json` (or $KRAFT_MIGRATE_ASL_CACHE_DIR); aws-cdk-lib and infra/ are
 * imported only on a miss.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const ASL_CACHE_DIR_ENV = 'KRAFT_MIGRATE_ASL_CACHE_DIR';
const DEFAULT_CACHE_DIR = join(ROOT, '.local', 'asl-cache');
/** The roots of the import graphs whose source determines the definition. */
const SOURCE_ROOTS = ['infra/build.ts', 'cli/runner/synth.ts'];
const VERSIONED_PACKAGES = ['aws-cdk-lib', 'constructs', 'cdk-nag'];

export interface SynthOptions {
  /** @default $KRAFT_MIGRATE_ASL_CACHE_DIR, else .local/asl-cache */
  readonly cacheDir?: string | undefined;
  /** Called with 'cache' or 'synth': where the definition came from. */
  readonly onSource?: ((source: 'cache' | 'synth') => void) | undefined;
}

export async function synthesizeLocalDefinition(
  context: Record<string, unknown> = {},
  options: SynthOptions = {},
): Promise<AslDefinition> {
  const cdkJson = JSON.parse(readFileSync(join(ROOT, 'cdk.json'), 'utf8')) as {
    context?: Record<string, unknown>;
  };
  const merged = { ...cdkJson.context, ...context, 'aws:cdk:bundling-stacks': [] };
  const key = aslCacheKey(ROOT, SOURCE_ROOTS, {
    context: merged,
    cdkContextJson: process.env['CDK_CONTEXT_JSON'] ?? null,
    node: process.version,
    packages: VERSIONED_PACKAGES.map((p) => [p, packageVersion(p)]),
  });
  const dir = options.cacheDir ?? process.env[ASL_CACHE_DIR_ENV] ?? DEFAULT_CACHE_DIR;
  const file = join(dir, `${key}.json`);
  if (existsSync(file)) {
    try {
      const cached = JSON.parse(readFileSync(file, 'utf8')) as AslDefinition;
      options.onSource?.('cache');
      return cached;
    } catch {
      // a damaged entry: synthesize again and replace it
    }
  }
  const asl = await synthesize(merged);
  mkdirSync(dir, { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(asl));
  renameSync(tmp, file);
  options.onSource?.('synth');
  return asl;
}

async function synthesize(context: Record<string, unknown>): Promise<AslDefinition> {
  const [{ App }, { buildApp }, { extractDefinition }, { checkLocallyRunnable, prepareForLocal }] =
    await Promise.all([
      import('aws-cdk-lib'),
      import('../../infra/build.ts'),
      import('./asl.ts'),
      import('./guard.ts'),
    ]);
  const app = new App({ context, outdir: join(ROOT, '.local', 'cdk.out') });
  const { stack } = buildApp(app);
  const template = app.synth().getStackByName(stack.stackName).template as object;
  const asl = extractDefinition(template);
  checkLocallyRunnable(asl);
  return prepareForLocal(asl);
}

/**
 * SHA-256 over the files reachable from `roots` through relative imports (path relative to `root`
 * and content, in path order) and `extra` as JSON. Every string literal `./…`/`../…` naming an
 * existing file counts as an import (type-only and dynamic imports included: more files than
 * needed only means more misses, never a stale hit).
 */
export function aslCacheKey(root: string, roots: readonly string[], extra: unknown): string {
  const files = new Map<string, string>();
  const pending = roots.map((r) => resolve(root, r));
  while (pending.length > 0) {
    const file = pending.pop() as string;
    if (files.has(file)) continue;
    const text = readFileSync(file, 'utf8');
    files.set(file, text);
    for (const m of text.matchAll(/['"](\.{1,2}\/[^'"\s]+)['"]/g)) {
      const target = resolve(dirname(file), m[1] as string);
      if (!files.has(target) && /\.(ts|js|mjs|json)$/.test(target) && existsSync(target))
        pending.push(target);
    }
  }
  const hash = createHash('sha256');
  for (const [file, text] of [...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    hash.update(`${relative(root, file)}\u0000${text.length}\u0000${text}\u0000`);
  }
  hash.update(JSON.stringify(extra));
  return hash.digest('hex');
}

function packageVersion(name: string): string | null {
  try {
    return (
      JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as {
        version: string;
      }
    ).version;
  } catch {
    return null;
  }
}
