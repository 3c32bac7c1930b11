import { createAdapters } from '../../core/adapters/factory.ts';
import { compareEdges } from '../../core/app/compare.ts';
import {
  type PartitionEdgeComparison,
  renderCompareSummary,
  renderComparisonProblems,
  summarizeComparisons,
} from '../../core/domain/evidence/compare.ts';
import { selectTopics } from '../../core/domain/selection.ts';
import { type PartitionRef, partitionKey } from '../../core/ports.ts';
import { loadConfigFile } from '../config-file.ts';
import { type CliIO, EXIT } from '../io.ts';
import { toJson } from '../render.ts';

export interface CompareOptions {
  readonly config?: string;
  readonly json?: boolean;
}

/** Adds `compare` to the program (main.ts passes the command with the common options). */
/**
 * `kraft-migrate compare`: reads the first and last committed record of every selected source
 * partition and the first and last record of the same target partition (a few bounded fetches
 * each, no offset map), and prints the troubleshooting page's six lines. Read-only.
 */
export async function runCompare(opts: CompareOptions, io: CliIO): Promise<number> {
  const config = await loadConfigFile(opts.config, io.env);
  const adapters = createAdapters(config, { env: io.env });
  const admins = await Promise.all([adapters.kafkaAdmin('source'), adapters.kafkaAdmin('target')]);
  let results: PartitionEdgeComparison[];
  try {
    const [sourceTopics, targetTopics] = await Promise.all(admins.map((a) => a.listTopics()));
    const selected = new Set(
      selectTopics(
        sourceTopics!.map((t) => t.name),
        config.topics,
      ).selected,
    );
    const refs: PartitionRef[] = sourceTopics!
      .filter((t) => selected.has(t.name))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .flatMap((t) =>
        t.partitions
          .map((p) => p.partition)
          .sort((a, b) => a - b)
          .map((partition) => ({ topic: t.name, partition })),
      );
    const targetPartitions = new Set(
      targetTopics!.flatMap((t) =>
        t.partitions.map((p) => partitionKey({ topic: t.name, partition: p.partition })),
      ),
    );
    const [source, target] = await Promise.all([
      adapters.recordReader('source'),
      adapters.recordReader('target'),
    ]);
    try {
      results = await compareEdges(source, target, refs, { targetPartitions });
    } finally {
      await Promise.all([source.close(), target.close()]);
    }
  } finally {
    await Promise.all(admins.map((a) => a.close()));
  }
  const summary = summarizeComparisons(results);
  const clean =
    summary.target_behind_or_missing === 0 &&
    summary.earliest_mismatches === 0 &&
    summary.latest_mismatches === 0;
  if (opts.json) io.out(toJson({ ...summary, ok: clean, partitions: results }));
  else io.out([...renderComparisonProblems(results), ...renderCompareSummary(summary)].join('\n'));
  return clean ? EXIT.ok : EXIT.problem;
}
