import { type KafkaVersion, parseKafkaVersion, versionAtLeast } from '../kafka-version.ts';

/**
 * Which source topic configs are set on the target topic (SPEC §6.1).
 *
 * Two questions, kept apart:
 *  1. classifyTopicConfig — may this config be set on a topic of the target at all (is it a
 *     config we copy, does the target's Kafka version know it, does the target have tiered
 *     storage)? Answers {copy: true} or {copy: false, reason}.
 *  2. planTopicConfigs — of the copyable ones, which are worth setting? The snapshot holds
 *     *effective* values (broker defaults included), so a config is copied when
 *       - its value differs from what the target would apply without it: the target broker's
 *         synonym (e.g. `log.retention.ms` / `log.retention.hours` for `retention.ms`) when the
 *         snapshot carries it, else Kafka's default for the *target* version; or
 *       - it was explicitly set on the source topic (PlanInput.explicitTopicConfigs), if known.
 *     Comparing with the target (not the source) default matters where Kafka changed a default:
 *     `message.timestamp.after.max.ms` is unbounded on 3.x and 1 hour on 4.x (KIP-1030), so a 3.x
 *     source's effective value is copied to a 4.x target to keep accepting the same records.
 */

export interface TargetTopicFeatures {
  /** The target has tiered storage (remote.log.storage.system.enable=true). */
  readonly tieredStorage?: boolean | undefined;
}

export type ConfigClassification =
  | { readonly copy: true }
  | { readonly copy: false; readonly reason: string };

const LONG_MAX = '9223372036854775807';

/** A broker config that provides a topic config's default, with a multiplier to milliseconds. */
interface BrokerSynonym {
  readonly name: string;
  readonly factor?: number;
}

interface TopicConfigRule {
  /** Kafka's default for the given target version. */
  readonly kafkaDefault: (v: KafkaVersion | undefined) => string | undefined;
  readonly brokerSynonyms: readonly BrokerSynonym[];
  /** First Kafka version that accepts the config. */
  readonly since?: readonly [number, number];
  /** Kafka version that removed it. */
  readonly removedIn?: readonly [number, number];
  readonly removedWhy?: string;
  readonly requiresTieredStorage?: boolean;
  /** Minimum value Kafka accepts from this version on. */
  readonly minimum?: {
    readonly since: readonly [number, number];
    readonly value: bigint;
    readonly why: string;
  };
}

const fixed =
  (value: string) =>
  (_v: KafkaVersion | undefined): string =>
    value;

const syn = (...names: readonly (string | BrokerSynonym)[]): BrokerSynonym[] =>
  names.map((n) => (typeof n === 'string' ? { name: n } : n));

const RULES: Readonly<Record<string, TopicConfigRule>> = {
  'cleanup.policy': { kafkaDefault: fixed('delete'), brokerSynonyms: syn('log.cleanup.policy') },
  'compression.type': { kafkaDefault: fixed('producer'), brokerSynonyms: syn('compression.type') },
  'compression.gzip.level': {
    kafkaDefault: fixed('-1'),
    brokerSynonyms: syn('compression.gzip.level'),
    since: [3, 8],
  },
  'compression.lz4.level': {
    kafkaDefault: fixed('9'),
    brokerSynonyms: syn('compression.lz4.level'),
    since: [3, 8],
  },
  'compression.zstd.level': {
    kafkaDefault: fixed('3'),
    brokerSynonyms: syn('compression.zstd.level'),
    since: [3, 8],
  },
  'delete.retention.ms': {
    kafkaDefault: fixed('86400000'),
    brokerSynonyms: syn('log.cleaner.delete.retention.ms'),
  },
  'file.delete.delay.ms': {
    kafkaDefault: fixed('60000'),
    brokerSynonyms: syn('log.segment.delete.delay.ms'),
  },
  'flush.messages': { kafkaDefault: fixed(LONG_MAX), brokerSynonyms: syn('log.flush.interval.messages') },
  'flush.ms': { kafkaDefault: fixed(LONG_MAX), brokerSynonyms: syn('log.flush.interval.ms') },
  'index.interval.bytes': { kafkaDefault: fixed('4096'), brokerSynonyms: syn('log.index.interval.bytes') },
  'local.retention.bytes': {
    kafkaDefault: fixed('-2'),
    brokerSynonyms: syn('log.local.retention.bytes'),
    requiresTieredStorage: true,
  },
  'local.retention.ms': {
    kafkaDefault: fixed('-2'),
    brokerSynonyms: syn('log.local.retention.ms'),
    requiresTieredStorage: true,
  },
  'max.compaction.lag.ms': {
    kafkaDefault: fixed(LONG_MAX),
    brokerSynonyms: syn('log.cleaner.max.compaction.lag.ms'),
  },
  'max.message.bytes': { kafkaDefault: fixed('1048588'), brokerSynonyms: syn('message.max.bytes') },
  'message.downconversion.enable': {
    kafkaDefault: fixed('true'),
    brokerSynonyms: syn('log.message.downconversion.enable'),
    removedIn: [4, 0],
    removedWhy: 'message down-conversion was removed in Kafka 4.0 (KIP-896)',
  },
  'message.timestamp.after.max.ms': {
    kafkaDefault: (v) => (v === undefined ? undefined : versionAtLeast(v, 4, 0) ? '3600000' : LONG_MAX),
    brokerSynonyms: syn('log.message.timestamp.after.max.ms'),
    since: [3, 6],
  },
  'message.timestamp.before.max.ms': {
    kafkaDefault: fixed(LONG_MAX),
    brokerSynonyms: syn('log.message.timestamp.before.max.ms'),
    since: [3, 6],
  },
  'message.timestamp.difference.max.ms': {
    kafkaDefault: fixed(LONG_MAX),
    brokerSynonyms: syn('log.message.timestamp.difference.max.ms'),
    removedIn: [4, 0],
    removedWhy:
      'removed in Kafka 4.0 (KIP-937); message.timestamp.before.max.ms / message.timestamp.after.max.ms replace it and are copied when set',
  },
  'message.timestamp.type': {
    kafkaDefault: fixed('CreateTime'),
    brokerSynonyms: syn('log.message.timestamp.type'),
  },
  'min.cleanable.dirty.ratio': {
    kafkaDefault: fixed('0.5'),
    brokerSynonyms: syn('log.cleaner.min.cleanable.ratio'),
  },
  'min.compaction.lag.ms': {
    kafkaDefault: fixed('0'),
    brokerSynonyms: syn('log.cleaner.min.compaction.lag.ms'),
  },
  'min.insync.replicas': { kafkaDefault: fixed('1'), brokerSynonyms: syn('min.insync.replicas') },
  preallocate: { kafkaDefault: fixed('false'), brokerSynonyms: syn('log.preallocate') },
  'remote.storage.enable': { kafkaDefault: fixed('false'), brokerSynonyms: [], requiresTieredStorage: true },
  'retention.bytes': { kafkaDefault: fixed('-1'), brokerSynonyms: syn('log.retention.bytes') },
  'retention.ms': {
    kafkaDefault: fixed('604800000'),
    brokerSynonyms: syn(
      'log.retention.ms',
      { name: 'log.retention.minutes', factor: 60_000 },
      { name: 'log.retention.hours', factor: 3_600_000 },
    ),
  },
  'segment.bytes': {
    kafkaDefault: fixed('1073741824'),
    brokerSynonyms: syn('log.segment.bytes'),
    minimum: {
      since: [4, 0],
      value: 1_048_576n,
      why: 'Kafka 4.0 requires segment.bytes ≥ 1048576 (KIP-1030)',
    },
  },
  'segment.index.bytes': { kafkaDefault: fixed('10485760'), brokerSynonyms: syn('log.index.size.max.bytes') },
  'segment.jitter.ms': {
    kafkaDefault: fixed('0'),
    brokerSynonyms: syn('log.roll.jitter.ms', { name: 'log.roll.jitter.hours', factor: 3_600_000 }),
  },
  'segment.ms': {
    kafkaDefault: fixed('604800000'),
    brokerSynonyms: syn('log.roll.ms', { name: 'log.roll.hours', factor: 3_600_000 }),
  },
  'unclean.leader.election.enable': {
    kafkaDefault: fixed('false'),
    brokerSynonyms: syn('unclean.leader.election.enable'),
  },
};

/** Topic configs kraft-migrate sets on target topics (subject to classifyTopicConfig's conditions). */
export const COPYABLE_TOPIC_CONFIGS: readonly string[] = Object.freeze(Object.keys(RULES).sort());

/** Known topic configs that are never copied, with the reason. */
const NEVER_COPIED: Readonly<Record<string, string>> = {
  'message.format.version':
    'deprecated since Kafka 3.0 (ignored once inter.broker.protocol.version ≥ 3.0) and removed in 4.0; the target always writes message format v2',
  'leader.replication.throttled.replicas':
    'names source broker ids (partition:broker pairs); replication throttles are operational settings, not topology',
  'follower.replication.throttled.replicas':
    'names source broker ids (partition:broker pairs); replication throttles are operational settings, not topology',
  'remote.log.copy.disable': 'tiered-storage lifecycle switch; decide it deliberately on the target',
  'remote.log.delete.on.disable': 'tiered-storage lifecycle switch; decide it deliberately on the target',
};

/** Known defaults of never-copied configs, so a default value is not reported as skipped. */
const NEVER_COPIED_DEFAULTS: Readonly<Record<string, string>> = {
  'leader.replication.throttled.replicas': '',
  'follower.replication.throttled.replicas': '',
  'remote.log.copy.disable': 'false',
  'remote.log.delete.on.disable': 'false',
};

const fmt = (v: readonly [number, number]) => `${v[0]}.${v[1]}`;

/**
 * May `name=value` be set on a topic of a target running `targetVersion`?
 * Version-dependent configs are skipped when the target version is unknown (a topic creation
 * with a config the broker does not know fails as a whole).
 */
export function classifyTopicConfig(
  name: string,
  value: string | null,
  targetVersion: string | null | undefined,
  target: TargetTopicFeatures = {},
): ConfigClassification {
  const never = NEVER_COPIED[name];
  if (never !== undefined) return { copy: false, reason: never };
  const rule = RULES[name];
  if (rule === undefined) {
    return {
      copy: false,
      reason:
        'not a topic config kraft-migrate copies (read-only, vendor-specific or unknown); set it on the target by hand if needed',
    };
  }
  if (value === null) {
    return { copy: false, reason: 'value not readable (sensitive, or DescribeConfigs returned no value)' };
  }
  const v = parseKafkaVersion(targetVersion);
  if (rule.removedIn) {
    if (v === undefined) {
      return {
        copy: false,
        reason: `target Kafka version unknown and ${name} was removed in Kafka ${fmt(rule.removedIn)}`,
      };
    }
    if (versionAtLeast(v, ...rule.removedIn)) {
      return {
        copy: false,
        reason: `${rule.removedWhy ?? `removed in Kafka ${fmt(rule.removedIn)}`} (target is ${targetVersion})`,
      };
    }
  }
  if (rule.since) {
    if (v === undefined) {
      return {
        copy: false,
        reason: `target Kafka version unknown and ${name} needs Kafka ${fmt(rule.since)} or later`,
      };
    }
    if (!versionAtLeast(v, ...rule.since)) {
      return { copy: false, reason: `needs Kafka ${fmt(rule.since)} or later (target is ${targetVersion})` };
    }
  }
  if (rule.requiresTieredStorage && !target.tieredStorage) {
    return {
      copy: false,
      reason: 'the target has no tiered storage (remote.log.storage.system.enable is not true)',
    };
  }
  if (rule.minimum && v !== undefined && versionAtLeast(v, ...rule.minimum.since)) {
    const n = asBigInt(value);
    if (n !== undefined && n < rule.minimum.value) {
      return { copy: false, reason: `${rule.minimum.why}; the target's default applies instead` };
    }
  }
  return { copy: true };
}

/**
 * What the target applies to a new topic when `name` is not set: the target broker's synonym
 * when known (first non-null of the synonyms, scaled to ms), else Kafka's default for the version.
 */
export function targetDefault(
  name: string,
  targetVersion: string | null | undefined,
  targetBrokerConfigs: Readonly<Record<string, string | null>> = {},
): string | undefined {
  const rule = RULES[name];
  if (rule === undefined) return NEVER_COPIED_DEFAULTS[name];
  for (const s of rule.brokerSynonyms) {
    const raw = targetBrokerConfigs[s.name];
    if (raw === null || raw === undefined || raw.trim() === '') continue;
    if (s.factor === undefined) return raw.trim();
    const n = asBigInt(raw);
    if (n !== undefined) return (n * BigInt(s.factor)).toString();
  }
  return rule.kafkaDefault(parseKafkaVersion(targetVersion));
}

/** Equal as Kafka would read them: integers exactly, decimals numerically, lists as sets. */
export function sameConfigValue(a: string, b: string): boolean {
  const x = a.trim();
  const y = b.trim();
  if (x === y) return true;
  const bx = asBigInt(x);
  const by = asBigInt(y);
  if (bx !== undefined && by !== undefined) return bx === by;
  if (/^-?\d+(\.\d+)?$/.test(x) && /^-?\d+(\.\d+)?$/.test(y)) return Number(x) === Number(y);
  if (x.includes(',') || y.includes(',')) {
    const set = (s: string) => [...new Set(s.split(',').map((p) => p.trim().toLowerCase()))].sort().join(',');
    return set(x) === set(y);
  }
  return x.toLowerCase() === y.toLowerCase() && /^(true|false)$/i.test(x);
}

function asBigInt(s: string): bigint | undefined {
  const t = s.trim();
  return /^-?\d+$/.test(t) ? BigInt(t) : undefined;
}

export interface TopicConfigPlanInput {
  /** Effective source topic configs (the snapshot's TopicSnapshot.configs). */
  readonly configs: Readonly<Record<string, string | null>>;
  /** Names explicitly set on the source topic, when known. */
  readonly explicit?: readonly string[] | undefined;
  readonly targetVersion: string | null | undefined;
  readonly targetBrokerConfigs?: Readonly<Record<string, string | null>> | undefined;
  readonly target?: TargetTopicFeatures | undefined;
}

export interface TopicConfigPlan {
  readonly copy: Readonly<Record<string, string>>;
  readonly skipped: readonly {
    readonly name: string;
    readonly value: string | null;
    readonly reason: string;
  }[];
  readonly defaultsOmitted: number;
}

/**
 * Splits a topic's effective configs into copy / skipped-with-reason / omitted-as-default.
 * `skipped` lists only configs that carry a non-default value (or were explicitly set):
 * leaving out a config that sits at its default changes nothing, so it is counted, not listed.
 */
export function planTopicConfigs(input: TopicConfigPlanInput): TopicConfigPlan {
  const explicit = new Set(input.explicit ?? []);
  const copy: Record<string, string> = {};
  const skipped: { name: string; value: string | null; reason: string }[] = [];
  let defaultsOmitted = 0;
  for (const name of Object.keys(input.configs).sort()) {
    const value = input.configs[name] ?? null;
    const isExplicit = explicit.has(name);
    const dflt = targetDefault(name, input.targetVersion, input.targetBrokerConfigs);
    const atDefault = !isExplicit && (value === null || (dflt !== undefined && sameConfigValue(value, dflt)));
    const c = classifyTopicConfig(name, value, input.targetVersion, input.target);
    if (atDefault) {
      defaultsOmitted++;
    } else if (c.copy) {
      copy[name] = value as string;
    } else {
      skipped.push({ name, value, reason: c.reason });
    }
  }
  return { copy, skipped, defaultsOmitted };
}
