/**
 * Kafka versions, the one parser and comparator of the tree (pure), and release detection.
 *
 * Parsing: "3.9", "3.9.1", "3.9.x", "3.7.x.kraft", "2.8.2.tiered" → {major, minor}; compared
 * numerically (3.10 > 3.9).
 *
 * KRaft: the finalized `metadata.version` feature level → release. Table from Kafka's own
 * `org.apache.kafka.server.common.MetadataVersion` enum, printed with `featureLevel()` and
 * `version()` from kafka-server-common 3.9.2 (levels 1–23) and 4.1.1 (levels 7–29) — both jars agree
 * on every level they share — and cross-checked against the live 4.1.1 broker of the local stack,
 * which finalizes level 27 (4.1-IV1). 4.2-IV0/IV1 (28, 29) come from the 4.1.1 jar, where they
 * were not yet production-ready; 4.3-IV0 (30) from the public apache/kafka sources.
 *
 * ZooKeeper: the broker config `inter.broker.protocol.version` (e.g. `3.9-IV0`) → `3.9`.
 */

export interface KafkaVersion {
  readonly major: number;
  readonly minor: number;
}

/** "3.9", "3.9.1", "3.9.x", "4.0.x.kraft", "2.8.2.tiered" → {major, minor}; anything else → undefined. */
export function parseKafkaVersion(text: string | null | undefined): KafkaVersion | undefined {
  const m = text ? /^\s*(\d+)\.(\d+)/.exec(text) : null;
  if (!m) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]) };
}

export function versionAtLeast(v: KafkaVersion, major: number, minor: number): boolean {
  return v.major > major || (v.major === major && v.minor >= minor);
}

/** metadata.version feature level → MetadataVersion name (release-IVn). */
export const METADATA_VERSION_LEVELS: Readonly<Record<number, string>> = {
  1: '3.0-IV1',
  2: '3.1-IV0',
  3: '3.2-IV0',
  4: '3.3-IV0',
  5: '3.3-IV1',
  6: '3.3-IV2',
  7: '3.3-IV3',
  8: '3.4-IV0',
  9: '3.5-IV0',
  10: '3.5-IV1',
  11: '3.5-IV2',
  12: '3.6-IV0',
  13: '3.6-IV1',
  14: '3.6-IV2',
  15: '3.7-IV0',
  16: '3.7-IV1',
  17: '3.7-IV2',
  18: '3.7-IV3',
  19: '3.7-IV4',
  20: '3.8-IV0',
  21: '3.9-IV0',
  22: '4.0-IV0',
  23: '4.0-IV1',
  24: '4.0-IV2',
  25: '4.0-IV3',
  26: '4.1-IV0',
  27: '4.1-IV1',
  28: '4.2-IV0',
  29: '4.2-IV1',
  30: '4.3-IV0',
};

const HIGHEST_KNOWN_LEVEL = Math.max(...Object.keys(METADATA_VERSION_LEVELS).map(Number));

/**
 * The Kafka release ("3.7", "4.1") of a finalized metadata.version level. A level above the table
 * (a newer Kafka than this tool knows) maps to the newest release known — a lower bound, which is
 * what version checks such as "target at least 3.7" need. Levels below 1 give undefined.
 */
export function releaseOfMetadataVersion(level: number): string | undefined {
  if (!Number.isInteger(level) || level < 1) return undefined;
  const name = METADATA_VERSION_LEVELS[Math.min(level, HIGHEST_KNOWN_LEVEL)];
  return name === undefined ? undefined : releaseOf(name);
}

/** `3.9-IV0` → `3.9`; `2.8-IV1` → `2.8`; `0.10.2-IV0` → `0.10.2`; `3.9` → `3.9`; junk → undefined. */
export function releaseOfInterBrokerProtocol(ibp: string | null | undefined): string | undefined {
  if (!ibp) return undefined;
  const m = /^(\d+\.\d+(?:\.\d+)?)(?:-IV\d+)?$/.exec(ibp.trim());
  if (!m?.[1]) return undefined;
  return m[1].startsWith('0.') ? m[1] : m[1].split('.').slice(0, 2).join('.');
}

function releaseOf(metadataVersionName: string): string {
  return metadataVersionName.split('-')[0] ?? metadataVersionName;
}

/** What the cluster reveals about itself; any part may be missing (not readable, not authorized). */
export interface ModeEvidence {
  /** ApiVersions v3 was answered (so its finalized features are known, possibly empty). */
  readonly featuresKnown: boolean;
  /** Finalized `metadata.version` level (KRaft only). */
  readonly metadataVersionLevel: number | undefined;
  /** Broker configs (DescribeConfigs), undefined when unreadable. */
  readonly processRoles?: string | null | undefined;
  readonly zookeeperConnect?: string | null | undefined;
  readonly interBrokerProtocolVersion?: string | null | undefined;
}

/**
 * KRaft clusters finalize the `metadata.version` feature; ZooKeeper clusters never do (their
 * ApiVersions carry no finalized features at all). The broker configs are the cross-check and the
 * fallback: `process.roles` is set only in KRaft mode, `zookeeper.connect` only in ZooKeeper mode.
 * undefined: nothing was readable.
 */
export function detectMetadataMode(e: ModeEvidence): 'zookeeper' | 'kraft' | undefined {
  const roles = nonEmpty(e.processRoles);
  const zk = nonEmpty(e.zookeeperConnect);
  if (e.metadataVersionLevel !== undefined) return 'kraft';
  if (roles) return 'kraft';
  if (e.featuresKnown || zk) return 'zookeeper';
  return undefined;
}

/** KRaft: the release of the finalized metadata.version; ZooKeeper: inter.broker.protocol.version. */
export function detectKafkaVersion(mode: 'zookeeper' | 'kraft', e: ModeEvidence): string | undefined {
  if (mode === 'kraft' && e.metadataVersionLevel !== undefined)
    return releaseOfMetadataVersion(e.metadataVersionLevel);
  if (mode === 'kraft') return undefined;
  return releaseOfInterBrokerProtocol(e.interBrokerProtocolVersion);
}

function nonEmpty(v: string | null | undefined): boolean {
  return typeof v === 'string' && v.trim().length > 0;
}

// ---------------------------------------------------------------------------------------------
// The release from the ApiVersions answer (what the broker software speaks, whatever its configs say)

/** One api key range of an ApiVersions answer. */
export interface ApiVersionRange {
  readonly apiKey: number;
  readonly minVersion: number;
  readonly maxVersion: number;
}

/**
 * Protocol changes that first shipped in a release, newest first: the newest one a broker offers
 * gives a lower bound of its release. Checked against Kafka 2.8.2, 3.9.2 and 4.1.1 brokers (see
 * test/it/kafka-2.8.test.ts and test/core/domain/kafka-version.test.ts).
 */
const RELEASE_MARKERS: readonly {
  readonly release: string;
  readonly what: string;
  readonly offered: (apis: ReadonlyMap<number, ApiVersionRange>) => boolean;
}[] = [
  // KIP-896 removed Fetch v0–v3 in 4.0.
  { release: '4.0', what: 'Fetch v0-v3 removed', offered: (a) => (a.get(1)?.minVersion ?? 0) >= 4 },
  { release: '3.7', what: 'Fetch v16', offered: (a) => (a.get(1)?.maxVersion ?? -1) >= 16 },
  { release: '3.5', what: 'Fetch v15', offered: (a) => (a.get(1)?.maxVersion ?? -1) >= 15 },
  { release: '3.1', what: 'Fetch v13', offered: (a) => (a.get(1)?.maxVersion ?? -1) >= 13 },
  { release: '2.8', what: 'DescribeCluster', offered: (a) => a.has(60) },
  { release: '2.4', what: 'ApiVersions v3', offered: (a) => (a.get(18)?.maxVersion ?? -1) >= 3 },
];

/** The oldest release this tool reads ApiVersions of (the API itself is from 0.10). */
const OLDEST_KNOWN_RELEASE = '0.10';

/**
 * A lower bound of the Kafka release of a broker from its ApiVersions ranges ("2.8": at least 2.8,
 * older than the next marker); undefined without any range.
 */
export function releaseOfApiVersions(apis: readonly ApiVersionRange[]): string | undefined {
  if (apis.length === 0) return undefined;
  const byKey = new Map(apis.map((a) => [a.apiKey, a]));
  return RELEASE_MARKERS.find((m) => m.offered(byKey))?.release ?? OLDEST_KNOWN_RELEASE;
}

/** The oldest source release kraft-migrate is tested with (B18 blocks older ones). */
export const OLDEST_TESTED_SOURCE = { major: 2, minor: 8 } as const;

/** The finalized `metadata.version` level of an ApiVersions answer, or undefined (ZooKeeper clusters finalize none). */
export function finalizedMetadataVersion(
  finalized: readonly { readonly name: string; readonly maxVersionLevel: number }[],
): number | undefined {
  const f = finalized.find((x) => x.name === 'metadata.version');
  return f && f.maxVersionLevel > 0 ? f.maxVersionLevel : undefined;
}
