/**
 * GroupOffsetsAdmin on @platformatic/kafka's Admin (FACTS.md "Cutover and consumer offsets"):
 *
 * - `commitOffsets`: `alterConsumerGroupOffsets`, i.e. FindCoordinator + an admin OffsetCommit with
 *   generation −1, empty member id and leader epoch −1 — never kafkajs `admin.setOffsets`, which
 *   joins the group as a consumer. Kafka answers UNKNOWN_MEMBER_ID when the group has live members.
 * - `committedOffsets`: `listConsumerGroupOffsets` (OffsetFetch at the coordinator, all topics).
 * - `committedOffsetsOf`: the same for many groups, GROUP_BATCH at a time: one FindCoordinator for the
 *   batch (v4 and its coordinator keys, Kafka ≥ 3.0) and one OffsetFetch per coordinator carrying all
 *   its groups (v8, Kafka ≥ 3.0); older brokers (2.8: FindCoordinator ≤ v3, OffsetFetch ≤ v7) get
 *   one request per group of the batch, sent at once.
 * - `describeGroups`: state and member count (DescribeGroups at the coordinators).
 * - `listGroupIds`: one ListGroups per broker, nothing described.
 *
 * Coordinator errors (COORDINATOR_NOT_AVAILABLE, NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS) are
 * retried here with backoff, looking the coordinator up again each time (as Java's AdminClient does);
 * platformatic's own retries are off so that the count is ours. After the last attempt:
 * TransientError `failed to commit translated offsets: CoordinatorNotAvailable` (the error's name as
 * Kafka's Java client spells it), which the workflow retries and `execute` resumes.
 */
import { Admin } from '@platformatic/kafka';
import type { ClusterConfig } from '../../domain/config/schema.ts';
import { activeMembersError } from '../../domain/cutover/translate.ts';
import { type KraftMigrateError, TransientError } from '../../domain/errors.ts';
import type { CommittedOffset, GroupOffsetsAdmin, GroupState, PartitionRef } from '../../ports.ts';
import {
  type ClientDeps,
  type ConnectionSettings,
  platformaticOptions,
  resolveConnectionSettings,
} from './client.ts';
import { byTopic } from './data-client.ts';
import { kafkaErrorName, toCatalogueError } from './errors.ts';

export const COORDINATOR_ERRORS: ReadonlySet<string> = new Set([
  'COORDINATOR_NOT_AVAILABLE',
  'NOT_COORDINATOR',
  'COORDINATOR_LOAD_IN_PROGRESS',
]);

/** The group has live members: the coordinator refuses an admin commit (FACTS.md). */
const MEMBER_ERRORS: ReadonlySet<string> = new Set([
  'UNKNOWN_MEMBER_ID',
  'ILLEGAL_GENERATION',
  'REBALANCE_IN_PROGRESS',
]);

/** COORDINATOR_NOT_AVAILABLE → CoordinatorNotAvailable (the Java client's exception name without "Exception"). */
export function kafkaErrorClassName(name: string): string {
  return name
    .toLowerCase()
    .split('_')
    .map((w) => (w === '' ? '' : w[0]!.toUpperCase() + w.slice(1)))
    .join('');
}

export interface CoordinatorRetryOptions {
  /** Attempts after the first. @default 6 */
  readonly retries?: number;
  /** First backoff, doubled each time (at most 5 s). @default 250 */
  readonly backoffMs?: number;
  /**
   * Test seam: called before every attempt with the operation and the attempt number (0 first); what
   * it throws counts as that attempt's failure.
   */
  readonly beforeAttempt?: (operation: string, attempt: number) => void;
}

/**
 * Runs `fn`, retrying coordinator errors with backoff; after the last retry a TransientError
 * `<failure>: <ErrorName>`. Other errors go to `other` unchanged.
 */
export async function withCoordinatorRetry<T>(
  operation: string,
  failure: string,
  fn: () => Promise<T>,
  options: CoordinatorRetryOptions,
  other: (e: unknown) => KraftMigrateError,
): Promise<T> {
  const retries = options.retries ?? 6;
  const backoffMs = options.backoffMs ?? 250;
  for (let attempt = 0; ; attempt++) {
    try {
      options.beforeAttempt?.(operation, attempt);
      return await fn();
    } catch (e) {
      const name = kafkaErrorName(e);
      if (name === undefined || !COORDINATOR_ERRORS.has(name)) throw other(e);
      if (attempt >= retries) {
        throw new TransientError(`${failure}: ${kafkaErrorClassName(name)}`, {
          code: 'KAFKA_COORDINATOR_UNAVAILABLE',
          fix: 'Check target cluster health. Resume the migration — the cutover phase is idempotent and will retry the offset commit.',
          cause: e,
        });
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(backoffMs * 2 ** attempt, 5_000)));
    }
  }
}

/**
 * Groups whose offsets one `committedOffsetsOf` round asks for: one OffsetFetch per coordinator with
 * up to this many groups (at 1,000 partitions a group, a response of about 2 MB).
 */
export const GROUP_BATCH = 64;

export interface PlatformaticGroupAdminOptions extends CoordinatorRetryOptions {
  readonly deps?: ClientDeps;
}

export class PlatformaticGroupAdmin implements GroupOffsetsAdmin {
  readonly #settings: ConnectionSettings;
  readonly #admin: Admin;
  readonly #retry: CoordinatorRetryOptions;

  static async create(
    cluster: ClusterConfig,
    options: PlatformaticGroupAdminOptions = {},
  ): Promise<PlatformaticGroupAdmin> {
    const settings = await resolveConnectionSettings(cluster, {
      clientId: 'kraft-migrate-groups',
      ...options.deps,
    });
    return new PlatformaticGroupAdmin(settings, options);
  }

  constructor(settings: ConnectionSettings, options: CoordinatorRetryOptions = {}) {
    this.#settings = settings;
    this.#retry = options;
    this.#admin = new Admin({ ...platformaticOptions(settings), retries: 0 });
  }

  #error(e: unknown, operation: string, resource: string): KraftMigrateError {
    return toCatalogueError(e, this.#settings.brokers, { operation, resource });
  }

  async describeGroups(groupIds: readonly string[]): Promise<Map<string, GroupState>> {
    const out = new Map<string, GroupState>();
    for (let i = 0; i < groupIds.length; i += 100) {
      const batch = groupIds.slice(i, i + 100);
      const resource = batch.length === 1 ? `group ${batch[0]}` : `${batch.length} groups`;
      const described = await withCoordinatorRetry(
        'DescribeGroups',
        `failed to describe ${resource}`,
        () => this.#admin.describeGroups({ groups: [...batch] }),
        this.#retry,
        (e) => this.#error(e, 'DescribeGroups', resource),
      );
      for (const id of batch) {
        const g = described.get(id);
        out.set(id, { state: g?.state ?? 'Dead', members: g?.members.size ?? 0 });
      }
    }
    return out;
  }

  async committedOffsets(groupId: string): Promise<CommittedOffset[]> {
    return (await this.committedOffsetsOf([groupId])).get(groupId) ?? [];
  }

  async committedOffsetsOf(groupIds: readonly string[]): Promise<Map<string, CommittedOffset[]>> {
    const out = new Map<string, CommittedOffset[]>();
    const ids = [...new Set(groupIds)];
    for (let i = 0; i < ids.length; i += GROUP_BATCH) {
      const batch = ids.slice(i, i + GROUP_BATCH);
      const resource = batch.length === 1 ? `group ${batch[0]}` : `${batch.length} groups`;
      const listed = await withCoordinatorRetry(
        'OffsetFetch',
        `failed to read the committed offsets of ${resource}`,
        () => this.#admin.listConsumerGroupOffsets({ groups: batch }),
        this.#retry,
        (e) => this.#error(e, 'OffsetFetch', resource),
      );
      for (const id of batch) out.set(id, []);
      for (const g of listed) {
        const offsets = out.get(g.groupId);
        if (offsets === undefined) continue;
        for (const t of g.topics) {
          for (const p of t.partitions) {
            if (p.committedOffset < 0n) continue;
            offsets.push({
              topic: t.name,
              partition: p.partitionIndex,
              offset: p.committedOffset,
              metadata: p.metadata,
            });
          }
        }
      }
    }
    for (const offsets of out.values()) {
      offsets.sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));
    }
    return out;
  }

  async listGroupIds(): Promise<string[]> {
    const listed = await withCoordinatorRetry(
      'ListGroups',
      'failed to list the consumer groups',
      () => this.#admin.listGroups(),
      this.#retry,
      (e) => this.#error(e, 'ListGroups', 'cluster'),
    );
    return [...listed.keys()].sort();
  }

  async commitOffsets(
    groupId: string,
    offsets: readonly (PartitionRef & { readonly offset: bigint })[],
  ): Promise<void> {
    if (offsets.length === 0) return;
    const at = new Map(offsets.map((o) => [`${o.topic}/${o.partition}`, o.offset]));
    const topics = [...byTopic(offsets)].map(([name, partitions]) => ({
      name,
      partitionOffsets: partitions.map((partition) => ({
        partition,
        offset: at.get(`${name}/${partition}`)!,
      })),
    }));
    await withCoordinatorRetry(
      'OffsetCommit',
      'failed to commit translated offsets',
      () => this.#admin.alterConsumerGroupOffsets({ groupId, topics }),
      this.#retry,
      (e) => {
        const name = kafkaErrorName(e);
        if (name !== undefined && MEMBER_ERRORS.has(name)) return activeMembersError([groupId], e);
        return this.#error(e, 'OffsetCommit', `group ${groupId}`);
      },
    );
  }

  async close(): Promise<void> {
    await this.#admin.close();
  }
}
