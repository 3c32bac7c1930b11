/**
 * A migration driven up to the client switch on the real stack, without the workflow (as
 * test/it/cutover/offsets.test.ts does): topics on both clusters, records on the source, a real seed and
 * tail (child processes), a consumer group committed on the source, then placeSentinels, finalDrain,
 * translateOffsets('cutover') and logStartGuard called directly. The tail is stopped afterwards (the
 * producers are frozen; nothing more to copy). What validation and repair then run against.
 */

import { createAdapters } from '../../../core/adapters/factory.ts';
import { PlatformaticGroupAdmin } from '../../../core/adapters/kafka/group-offsets.ts';
import {
  finalDrain,
  logStartGuard,
  placeSentinels,
  translateOffsets,
} from '../../../core/app/cutover/index.ts';
import { validateConfig } from '../../../core/domain/config/parse.ts';
import type { MigrationConfig } from '../../../core/domain/config/schema.ts';
import { type Adapters, type PartitionRef, partitionKey, type RecordToWrite } from '../../../core/ports.ts';
import {
  copierEnv,
  createTopics,
  type DataPathClients,
  type Migration,
  newMigration,
  plain,
  runCopierProcess,
  STACK_ENV,
  startCopier,
  type TopicSpec,
  withAdmin,
} from '../copier/helpers.ts';
import { STACK, uniqueName } from '../stack.ts';

const b = (s: string) => Buffer.from(s, 'utf8');

/** `count` records numbered from `from`, with a header, CreateTime `baseTime + i`. */
export function numbered(count: number, from: number, baseTime: number): RecordToWrite[] {
  return Array.from({ length: count }, (_, i) => ({
    timestamp: BigInt(baseTime + from + i),
    key: b(`k-${from + i}`),
    value: b(`v-${from + i}`),
    headers: [[b('h'), b(`${from + i}`)]],
  }));
}

export interface CutoverMigration {
  readonly m: Migration;
  /** The config document (for writeConfig and the CLI). */
  readonly doc: Record<string, unknown>;
  readonly config: MigrationConfig;
  readonly adapters: Adapters;
  readonly refs: readonly PartitionRef[];
  readonly group: string;
}

/**
 * Creates `specs` on both clusters (target overrides per topic in `targetConfigs`), writes
 * `counts[i]` records to `refs[i]`, commits `group` at the middle of each partition, and drives the
 * copy and the cutover steps. `extraConfig` goes into the migration config (e.g. validation keys).
 * `afterSeed[i]` more records (CreateTime a minute ago, numbered on) are written once the seed is
 * done, so the tail copies them: on the target they land in a later append than the seeded ones —
 * with old seeded CreateTimes, in a later segment (the broker rolls a segment when a record is more
 * than segment.ms younger than the segment's first), which retention can then delete on its own.
 */
export async function cutoverMigration(
  clients: DataPathClients,
  specs: readonly TopicSpec[],
  refs: readonly PartitionRef[],
  counts: readonly number[],
  options: {
    readonly baseTime?: number;
    readonly targetConfigs?: Readonly<Record<string, Record<string, string>>>;
    readonly extraConfig?: Record<string, unknown>;
    readonly afterSeed?: readonly number[];
  } = {},
): Promise<CutoverMigration> {
  await createTopics('source', specs);
  await createTopics(
    'target',
    specs.map((s) => ({ ...s, configs: { ...s.configs, ...options.targetConfigs?.[s.name] } })),
  );
  const baseTime = options.baseTime ?? Date.now() - 60_000;
  for (const [i, ref] of refs.entries()) {
    await clients.sourceWriter.write(ref, numbered(counts[i]!, 0, baseTime));
  }
  const m = await newMigration(uniqueName('mig-val'));
  const group = uniqueName('val-g');
  const doc = { ...m.config, groups: { include: [group] }, ...options.extraConfig };
  const config = validateConfig(doc, {});
  const adapters = createAdapters(config, { env: STACK_ENV });

  const seed = await runCopierProcess(copierEnv(m, 'seed', refs));
  if (seed.code !== 0) throw new Error(`seed failed: ${seed.stderr}`);
  const tail = startCopier(copierEnv(m, 'tail', undefined));
  try {
    const after = options.afterSeed ?? [];
    for (const [i, ref] of refs.entries()) {
      if (after[i])
        await clients.sourceWriter.write(ref, numbered(after[i], counts[i]!, Date.now() - 60_000));
    }
    const admin = await PlatformaticGroupAdmin.create(plain(STACK.source));
    try {
      await admin.commitOffsets(
        group,
        refs.map((r, i) => ({ ...r, offset: BigInt(Math.floor((counts[i]! + (after[i] ?? 0)) / 2)) })),
      );
    } finally {
      await admin.close();
    }
    await placeSentinels(config, adapters, m.id);
    await finalDrain(config, adapters, m.id, { timeoutMs: 60_000 });
    await translateOffsets(config, adapters, m.id, 'cutover');
    await logStartGuard(config, adapters, m.id);
  } finally {
    tail.child.kill('SIGTERM');
    await tail.exited;
  }
  return { m, doc, config, adapters, refs, group };
}

/** Deletes a target topic and creates it again, empty (for rewriting its records). */
export async function recreateTargetTopic(spec: TopicSpec): Promise<void> {
  await withAdmin('target', async (admin) => {
    await admin.deleteTopics({ topics: [spec.name], timeout: 30_000 });
    const deadline = Date.now() + 30_000;
    while ((await admin.listTopics()).includes(spec.name)) {
      if (Date.now() > deadline) throw new Error(`${spec.name} is not deleted on the target`);
      await new Promise((r) => setTimeout(r, 200));
    }
  });
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await createTopics('target', [spec]);
      return;
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 300));
    }
  }
}

/** Sets the topic's retention.ms on one cluster. */
export async function setRetention(role: 'source' | 'target', topic: string, ms: string): Promise<void> {
  await withAdmin(role, (admin) =>
    admin.alterConfigs({
      validateOnly: false,
      resources: [{ type: 2, name: topic, configEntries: [{ name: 'retention.ms', value: ms }] }],
    }),
  );
}

/**
 * Real retention on the target: sets the topic's retention.ms there to one day and waits until the
 * broker's retention check (every second on the stack's target: scripts/stack/conf/target.properties)
 * has deleted the segments whose records are all older than that — until each partition of
 * `expected` has its log start at the offset given.
 */
export async function ageOutOnTarget(
  clients: DataPathClients,
  topic: string,
  expected: ReadonlyMap<number, bigint>,
): Promise<void> {
  await setRetention('target', topic, '86400000');
  const refs = [...expected.keys()].map((partition) => ({ topic, partition }));
  const deadline = Date.now() + 30_000;
  for (;;) {
    const offsets = await clients.targetReader.offsets(refs);
    const starts = refs.map((r) => offsets.get(partitionKey(r))?.logStart);
    if (refs.every((r, i) => starts[i] === expected.get(r.partition))) return;
    if (Date.now() > deadline) {
      throw new Error(
        `retention did not move the target's log start of ${topic} to ${[...expected].map(([p, o]) => `${p}:${o}`).join(', ')} ` +
          `within 30 s (now ${refs.map((r, i) => `${r.partition}:${starts[i]}`).join(', ')})`,
      );
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** DeleteRecords: moves the partition's log start to `offset` (the state retention leaves behind). */
export async function moveLogStart(
  role: 'source' | 'target',
  ref: PartitionRef,
  offset: bigint,
): Promise<void> {
  await withAdmin(role, async (admin) => {
    await admin.fetchTopicMetadata({ topics: [ref.topic] });
    await admin.deleteTopicRecords({
      topic: ref.topic,
      partitions: [{ partition: ref.partition, offset: offset.toString() }],
    });
  });
}
