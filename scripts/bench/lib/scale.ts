/**
 * The scale benchmark (`npm run bench -- --phases scale`, docs/performance.md "Scale"): for each of
 * `--scale-partitions`, the cutover benchmark's source (cutover.ts: a few wide topics, 10 small
 * records per partition, groups committed on every partition), then
 *
 *   1. MirrorMaker 2 copying those same source partitions (the bench's MM2 runner, into topics
 *      prefixed with its source alias, so they do not collide with the migration's), end to end;
 *      its topics are deleted before the migration starts;
 *   2. one whole migration of them through the real workflow (cutover.ts `runMigration`), each
 *      stage timed from the execution history (timeline.ts).
 *
 * The brokers are shared and never restarted: the bench uses them as they run.
 */

import type { CutoverCtx, CutoverResult } from './cutover.ts';
import { prepareSource, runMigration } from './cutover.ts';
import { FREEZE_WINDOW_AIMS } from './freeze-window.ts';
import type { TopicSet } from './kafka.ts';
import { round } from './stats.ts';

/** Aims of issue 12 item 7 (a). */
export const SCALE_AIMS = {
  /** Seed state ≤ this × MirrorMaker 2's end-to-end time on the same partitions. */
  seedVsMm2: 2,
  /** Seed state under this many seconds at 200 partitions. */
  seedSecondsAt200: 20,
  /** Precheck ≤ this at 1,000 partitions (issue 12 item 4). */
  precheckSecondsAt1000: 20,
  freezeWindowSeconds: FREEZE_WINDOW_AIMS,
} as const;

/** What the scale phase needs of a MirrorMaker 2 run (main.ts's phaseMm2 gives more). */
export interface Mm2Figures {
  readonly records: number;
  readonly tasks: number;
  /** Process start → every record visible on the target. */
  readonly wall_seconds: number;
  readonly startup_seconds: number;
  readonly steady_seconds: number;
  readonly peak_rss_mib: number;
  readonly log: string;
}

export interface ScaleResult {
  readonly partitions: number;
  /** The n-th run of this size in the bench run (1-based). */
  readonly run: number;
  readonly copiers: number | 'default';
  readonly mm2?: Mm2Figures;
  readonly mm2_error?: string;
  readonly migration: CutoverResult;
  /** Seed state / MirrorMaker 2 end to end (aim ≤ 2). */
  readonly seed_vs_mm2?: number;
  /** Seconds per partition of the stages that grow with partitions (for extrapolating). */
  readonly per_partition_ms: Readonly<Record<string, number>>;
}

export interface ScaleOptions {
  /** `seed.copiers` of the migration; undefined = the product's default. */
  readonly copiers: number | undefined;
  readonly runMm2: (set: TopicSet, dir: string, tag: string) => Promise<Mm2Figures>;
}

export async function phaseScale(
  ctx: CutoverCtx,
  partitions: number,
  run: number,
  options: ScaleOptions,
): Promise<ScaleResult> {
  const label = `scale${partitions}-${run}`;
  ctx.say(
    `(g) scale: ${partitions} partitions (run ${run}), ${ctx.groups} group(s), seed.copiers ${options.copiers ?? 'default'}; preparing the source…`,
  );
  const src = await prepareSource(ctx, partitions, label, '--scale-partitions');
  try {
    let mm2: Mm2Figures | undefined;
    let mm2Error: string | undefined;
    try {
      mm2 = await options.runMm2(src.set, src.dir, `s${partitions}r${run}`);
    } catch (e) {
      mm2Error = e instanceof Error ? e.message : String(e);
      ctx.say(`    MirrorMaker 2 at ${partitions} partitions FAILED: ${mm2Error}`);
    }
    const migration = await runMigration(ctx, src, {
      max_concurrent_partitions: 8,
      ...(options.copiers === undefined ? {} : { copiers: options.copiers }),
    });
    const t = migration.timeline.stages;
    const perPartition = (s: number) => round((s * 1000) / partitions, 2);
    const result: ScaleResult = {
      partitions,
      run,
      copiers: options.copiers ?? 'default',
      ...(mm2 ? { mm2 } : {}),
      ...(mm2Error ? { mm2_error: mm2Error } : {}),
      migration,
      ...(mm2 ? { seed_vs_mm2: round(t.seed / mm2.wall_seconds, 2) } : {}),
      per_partition_ms: {
        precheck: perPartition(t.precheck),
        copy_topology: perPartition(t.copy_topology),
        seed: perPartition(t.seed),
        freeze_window: perPartition(t.freeze_window),
        validate: perPartition(t.validate),
        execution: perPartition(migration.timeline.execution_seconds),
      },
    };
    ctx.say(
      `    scale ${partitions}: ${Object.entries(t)
        .map(([k, v]) => `${k} ${v}`)
        .join(
          ', ',
        )}; ${migration.timeline.seed_shards} seed shard(s); MM2 ${mm2 ? `${mm2.wall_seconds} s` : 'n/a'}`,
    );
    return result;
  } finally {
    await src.release();
  }
}
