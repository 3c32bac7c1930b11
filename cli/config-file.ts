import { readFile } from 'node:fs/promises';
import { parseConfigText } from '../core/domain/config/parse.ts';
import type { MigrationConfig } from '../core/domain/config/schema.ts';
import { InvalidInputError } from '../core/domain/errors.ts';

/** Reads and validates a config file (YAML or JSON), with ${ENV} interpolation from `env`. */
export async function loadConfigFile(
  path: string | undefined,
  env: NodeJS.ProcessEnv,
): Promise<MigrationConfig> {
  if (!path) {
    throw new InvalidInputError('no config file given', {
      code: 'CONFIG_MISSING',
      fix: 'Pass --config FILE (YAML or JSON); examples/local.yaml works against the local stack.',
    });
  }
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InvalidInputError(
      code === 'ENOENT' ? `config file not found: ${path}` : `config file ${path} is not readable (${code})`,
      { code: 'CONFIG_FILE', fix: 'Check the path given to --config.' },
    );
  }
  return parseConfigText(text, env, path);
}
