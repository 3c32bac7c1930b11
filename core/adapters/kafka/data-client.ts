/**
 * What the data path (reader.ts, writer.ts, batch-producer.ts) and the admin's raw calls share on
 * top of @platformatic/kafka (connection options: client.ts; errors: errors.ts):
 *
 * - `listPartitionOffsets`: ListOffsets (earliest / latest, either isolation) for a set of partitions.
 * - `NegotiatedVersion`: the highest version of an API both sides speak.
 * - `StickyLanes`: partitions spread over producers / connection pools.
 *
 * Kafka versions: tested against Kafka 2.8.2 and 3.9.2 (ZooKeeper-mode sources) and 4.1.1 (the
 * KRaft target); precheck B18 blocks sources older than 2.8.
 */
import type { Consumer } from '@platformatic/kafka';
import { InvariantError, PreconditionError } from '../../domain/errors.ts';
import type { ApiVersionRange } from '../../domain/kafka-version.ts';
import { type IsolationLevel, type PartitionRef, partitionKey } from '../../ports.ts';

/** Kafka's produce timeout (sent to the broker) — the client request timeout stays above it. */
export const PRODUCE_TIMEOUT_MS = 30_000;

/** Retries of the platformatic clients themselves (metadata, ListOffsets, produce). */
export const PLATFORMATIC_RETRY = { retries: 3, retryDelay: 300 } as const;

// ---------------------------------------------------------------------------------------------
// Request counts

/**
 * Data-path requests this process sent, by kind (the copier logs them with its status line; the tail
 * measurement, scripts/measure-tail.ts, turns them into rates). `fetchPartitions` sums the partitions
 * asked over all Fetch requests (their mean per request shows multi-partition fetches). `listOffsets`
 * counts rounds: one ListOffsets request per leader broker of the partitions asked.
 */
export const requestCounts = { fetch: 0, fetchPartitions: 0, listOffsets: 0, produce: 0 };

// ---------------------------------------------------------------------------------------------
// ListOffsets

export const EARLIEST = -2n;
export const LATEST = -1n;

/** Groups partition refs by topic for platformatic's listOffsets (topics + partition filter). */
export function byTopic(refs: readonly PartitionRef[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const ref of refs) {
    const list = out.get(ref.topic) ?? [];
    if (!list.includes(ref.partition)) list.push(ref.partition);
    out.set(ref.topic, list);
  }
  return out;
}

/**
 * One ListOffsets round for `refs` (earliest = log start; latest = high watermark under
 * read_uncommitted, last stable offset under read_committed). Keyed by partitionKey.
 */
export async function listPartitionOffsets(
  client: Consumer,
  refs: readonly PartitionRef[],
  timestamp: bigint,
  isolation: IsolationLevel,
): Promise<Map<string, bigint>> {
  const topics = byTopic(refs);
  if (topics.size === 0) return new Map();
  requestCounts.listOffsets++;
  const listed = await client.listOffsets({
    topics: [...topics.keys()],
    partitions: Object.fromEntries(topics),
    timestamp,
    isolationLevel: isolation === 'read_committed' ? 1 : 0,
  });
  const out = new Map<string, bigint>();
  for (const ref of refs) {
    const offset = listed.get(ref.topic)?.[ref.partition];
    if (offset === undefined) {
      throw new InvariantError(`ListOffsets returned no offset for ${partitionKey(ref)}`, {
        code: 'KAFKA_OFFSETS_MISSING',
      });
    }
    out.set(partitionKey(ref), offset);
  }
  return out;
}

/** An API this client speaks in versions `min`…`max`. */
export interface ApiSpec<V extends number> {
  readonly key: number;
  readonly name: string;
  readonly min: V;
  readonly max: V;
}

/** What NegotiatedVersion asks: a platformatic client, or the admin's cached ApiVersions. */
export interface ApiLister {
  listApis(): Promise<readonly ApiVersionRange[]>;
}

/**
 * The highest version of `api` both the brokers (`offered`) and this client speak; PreconditionError
 * KAFKA_UNSUPPORTED_VERSION when there is none.
 */
export function pickVersion<V extends number>(
  offered: readonly ApiVersionRange[],
  api: ApiSpec<V>,
  brokers: string,
): V {
  const theirs = offered.find((a) => a.apiKey === api.key);
  const best = Math.min(theirs?.maxVersion ?? -1, api.max);
  if (!theirs || best < api.min || theirs.minVersion > best) {
    throw new PreconditionError(
      `${brokers} support no ${api.name} version between ${api.min} and ${api.max} ` +
        `(they offer ${theirs ? `${theirs.minVersion}–${theirs.maxVersion}` : 'none'})`,
      {
        code: 'KAFKA_UNSUPPORTED_VERSION',
        fix: 'Use a cluster running Kafka 2.8 or later (the versions kraft-migrate is tested with: see the README).',
      },
    );
  }
  return best as V;
}

/**
 * The highest version of an API that both the brokers and this client speak, read from
 * ApiVersions once and kept; asked again after a failure (see pickVersion).
 */
export class NegotiatedVersion<V extends number> {
  readonly #client: ApiLister;
  readonly #api: ApiSpec<V>;
  readonly #brokers: string;
  #version: Promise<V> | undefined;

  constructor(client: ApiLister, api: ApiSpec<V>, brokers: string) {
    this.#client = client;
    this.#api = api;
    this.#brokers = brokers;
  }

  get(): Promise<V> {
    this.#version ??= this.#client.listApis().then((apis) => pickVersion(apis, this.#api, this.#brokers));
    this.#version.catch(() => {
      this.#version = undefined;
    });
    return this.#version;
  }
}

/**
 * Spreads partitions over at most `max` lanes (producers, connection pools), opened on demand: a
 * partition keeps the lane it got first (its writes stay in order on one connection); a new one
 * opens a lane while there are fewer than `max`, else joins the lane with the fewest partitions.
 *
 * With `perGroup`, the partitions of one group (a topic: `of(key, group)`) use at most that many
 * lanes: a new partition of a group that has them joins the least loaded of its group's lanes. The
 * writer's producers each cache the partition table of every topic they write (platformatic's
 * metadata, ~0.5 KiB a partition), so a wide topic spread over all 32 tail producers was held 32
 * times (docs/performance.md, "The tail at width").
 */
export class StickyLanes<T> {
  readonly lanes: T[] = [];
  readonly #max: number;
  readonly #perGroup: number;
  readonly #open: () => T;
  readonly #load: number[] = [];
  readonly #laneOf = new Map<string, number>();
  readonly #groupLanes = new Map<string, number[]>();

  constructor(max: number, open: () => T, options: { perGroup?: number } = {}) {
    this.#max = Math.max(1, max);
    this.#perGroup = Math.min(this.#max, Math.max(1, options.perGroup ?? this.#max));
    this.#open = open;
  }

  of(key: string, group = ''): T {
    let lane = this.#laneOf.get(key);
    if (lane === undefined) {
      const mine = this.#groupLanes.get(group) ?? [];
      if (mine.length >= this.#perGroup) {
        lane = this.#leastLoaded(mine);
      } else if (this.lanes.length < this.#max) {
        this.lanes.push(this.#open());
        this.#load.push(0);
        lane = this.lanes.length - 1;
      } else {
        lane = this.#leastLoaded(this.#load.map((_, i) => i).filter((i) => !mine.includes(i)));
      }
      if (!mine.includes(lane)) this.#groupLanes.set(group, [...mine, lane]);
      this.#laneOf.set(key, lane);
      this.#load[lane] = (this.#load[lane] ?? 0) + 1;
    }
    return this.lanes[lane]!;
  }

  #leastLoaded(candidates: readonly number[]): number {
    let best = candidates[0]!;
    for (const i of candidates) if (this.#load[i]! < this.#load[best]!) best = i;
    return best;
  }
}

/** The broker placed a write somewhere else than right after the previous one. */
export function notConsecutiveError(ref: PartitionRef, expected: bigint, got: bigint): InvariantError {
  return new InvariantError(
    `records written to ${partitionKey(ref)} are not consecutive on the target: expected base offset ${expected}, ` +
      `the broker reported ${got}`,
    {
      code: 'KAFKA_TARGET_NOT_CONSECUTIVE',
      fix:
        'Something else writes to this target partition (only kraft-migrate may write to the target until ' +
        'cutover). Stop it, then reconcile the partition with endOffsets before resuming.',
    },
  );
}
