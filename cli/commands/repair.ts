import { createAdapters } from '../../core/adapters/factory.ts';
import { decodeRecordBatches } from '../../core/adapters/kafka/reader.ts';
import { locateMigration } from '../../core/app/locate.ts';
import { repairPartition } from '../../core/app/repair.ts';
import { InvalidInputError, PreconditionError } from '../../core/domain/errors.ts';
import type { PartitionRef } from '../../core/ports.ts';
import { loadConfigFile } from '../config-file.ts';
import { type CliIO, EXIT } from '../io.ts';
import { toJson } from '../render.ts';

export interface RepairCliOptions {
  readonly config?: string;
  readonly migrationId?: string;
  readonly journalDir?: string;
  readonly json?: boolean;
  readonly partition: string;
  readonly from?: string;
  readonly to?: string;
}

export function parsePartitionArg(text: string): PartitionRef {
  const m = /^(.+):(0|[1-9][0-9]*)$/.exec(text.trim());
  if (!m) {
    throw new InvalidInputError(`--partition ${JSON.stringify(text)} is not TOPIC:P`, {
      code: 'REPAIR_PARTITION_ARG',
      fix: 'Pass the topic and partition number joined by a colon, e.g. --partition orders:2.',
    });
  }
  return { topic: m[1]!, partition: Number(m[2]) };
}

function offsetArg(name: string, text: string | undefined): bigint | undefined {
  if (text === undefined) return undefined;
  if (!/^(0|[1-9][0-9]*)$/.test(text.trim())) {
    throw new InvalidInputError(`--${name} ${JSON.stringify(text)} is not an offset`, {
      code: 'REPAIR_OFFSET_ARG',
      fix: `Pass a source offset as a non-negative integer, e.g. --${name} 0.`,
    });
  }
  return BigInt(text.trim());
}

export async function runRepair(opts: RepairCliOptions, io: CliIO): Promise<number> {
  const ref = parsePartitionArg(opts.partition);
  const from = offsetArg('from', opts.from);
  const to = offsetArg('to', opts.to);
  const config = await loadConfigFile(opts.config, io.env);
  const adapters = createAdapters(config, { journalDir: opts.journalDir, env: io.env });
  const located = await locateMigration(config, adapters, {
    pinned: opts.migrationId,
    journalDir: opts.journalDir,
  });
  if (!located) {
    throw new PreconditionError('no migration to repair was found', {
      code: 'REPAIR_NO_MIGRATION',
      fix: 'Pass --migration-id (and --journal-dir when the journal is kept locally); see `kraft-migrate status`.',
    });
  }
  const result = await repairPartition(
    config,
    adapters,
    { decodeBatches: (b) => decodeRecordBatches(b) },
    located.migrationId,
    ref,
    { from, to },
  );
  if (opts.json) io.out(toJson(result));
  else if (result.artifact === null)
    io.out(
      `repair ${ref.topic}/${ref.partition}: nothing to re-copy in source offsets [${result.source_from}, ${result.source_to})`,
    );
  else
    io.out(
      `repair ${ref.topic}/${ref.partition}: ${result.records} record(s) of source offsets [${result.source_from}, ${result.source_to}) ` +
        `re-copied from the ${result.read_from} to target offsets [${result.target_from}, ${result.target_to}); recorded at ${result.artifact}\n` +
        'next: kraft-migrate finalize',
    );
  return EXIT.ok;
}
