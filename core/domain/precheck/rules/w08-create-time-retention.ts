import { parseDuration } from '../../config/duration.ts';
import { formatHumanDuration } from '../../format.ts';
import { classifyTopicConfig, targetDefault } from '../../plan/topic-configs.ts';
import { estimateSeed } from '../estimate.ts';
import { configValue, deletesByCreateTime, kafkaVersionOf, recordsIn } from '../facts.ts';
import { finding } from '../finding.ts';
import type { Finding, PrecheckRule, PrecheckSnapshot, TopicSnapshot } from '../types.ts';

/**
 * W08: records restored on the target keep their original CreateTime, and the target's time
 * retention measures them against it: a partition whose oldest records are older than the target
 * topic's retention.ms allows until the client switch loses them on the target before the switch
 * (the troubleshooting page's count-mismatch cause 3; the cutover log-start guard then blocks).
 *
 * Reported only for the partitions where that would happen — delete-only (not compact) CreateTime
 * topics, per partition holding records:
 *   oldest = the largest timestamp of the first batch at log start (first-records.ts says why the
 *            largest: Kafka deletes a segment when its largest timestamp is older than retention.ms),
 *   retention = what the topology copy leaves on the target topic: the source's retention.ms when
 *            the copy carries it, else the target's default (an existing target topic kept with
 *            on_config_drift=keep_target: its own),
 *   switch = gathered at + the seed estimate (I03) + cutover.drain_timeout (the longest the drain
 *            may wait before the switch);
 *   at risk when oldest + retention < switch. The fix names the retention.ms that keeps them.
 * Partitions whose oldest timestamp could not be read are reported as such (nothing rules them out).
 */
export const createTimeRetentionRule: PrecheckRule = {
  id: 'W08-create-time-retention',
  codes: ['W08'],
  check(s) {
    if (!s.source.reachable) return [];
    const window = migrationWindow(s);
    const findings: Finding[] = [];
    for (const topic of s.source.topics) {
      if (!deletesByCreateTime(topic)) continue;
      const retentionMs = targetRetentionMs(s, topic);
      if (retentionMs === undefined) continue;
      const atRisk: { partition: number; oldest: number }[] = [];
      const unknown: number[] = [];
      for (const p of topic.partitions) {
        if (recordsIn(p) === 0n) continue;
        if (p.firstBatchMaxTimestamp === undefined || window.switchAtMs === undefined)
          unknown.push(p.partition);
        else if (Number(p.firstBatchMaxTimestamp) + retentionMs < window.switchAtMs)
          atRisk.push({ partition: p.partition, oldest: Number(p.firstBatchMaxTimestamp) });
      }
      const retention = `retention.ms=${retentionMs} (${formatHumanDuration(retentionMs)})`;
      if (atRisk.length > 0 && window.switchAtMs !== undefined) {
        const oldest = Math.min(...atRisk.map((p) => p.oldest));
        const keep = Math.ceil((window.switchAtMs - oldest) / HOUR_MS) * HOUR_MS;
        const listed = listPartitions(atRisk.map((p) => `${p.partition} (oldest record ${iso(p.oldest)})`));
        findings.push(
          finding(
            'W08',
            topic.name,
            `source topic ${topic.name}: partition(s) ${listed} hold records older than the target's ${retention} ` +
              `allows until the client switch (${window.text}): they are restored with their original CreateTime ` +
              'timestamps, so the target deletes them before the switch',
            `Set retention.ms on the target topic ${topic.name} to at least ${keep} (${formatHumanDuration(keep)}), or -1, ` +
              'once the topology copy has created it, and restore the source value after the client switch. ' +
              'Otherwise the cutover log-start guard blocks the switch and the affected partitions need ' +
              '`kraft-migrate repair`.',
          ),
        );
      } else if (unknown.length > 0) {
        findings.push(
          finding(
            'W08',
            topic.name,
            `source topic ${topic.name}: the oldest record timestamps of partition(s) ${listPartitions(unknown.map(String))} ` +
              `could not be read, so it is not known whether the target's ${retention} deletes restored records ` +
              'before the client switch (they keep their original CreateTime timestamps)',
            'Run precheck again when the source answers Fetch requests at the log start, or extend retention.ms on the ' +
              'target topic for the migration window (e.g. -1) once the topology copy has created it, and restore the ' +
              'source value after the client switch.',
          ),
        );
      }
    }
    return findings;
  },
};

const HOUR_MS = 3_600_000;
const LISTED_PARTITIONS = 10;

interface MigrationWindow {
  /** When the client switch is expected (ms since the epoch); undefined when unknown. */
  readonly switchAtMs: number | undefined;
  readonly text: string;
}

/** gathered at + seed estimate + cutover.drain_timeout. */
function migrationWindow(s: PrecheckSnapshot): MigrationWindow {
  const seedMs = estimateSeed(s.source, s.options.assumedSeedBytesPerSecond).durationMs ?? 0;
  const drainMs = parseDuration(s.config.cutover.drain_timeout)?.ms ?? 0;
  const text =
    `switch expected in ${formatHumanDuration(seedMs + drainMs)}: seed ≈ ${formatHumanDuration(seedMs)} + ` +
    `cutover.drain_timeout ${s.config.cutover.drain_timeout}`;
  return { switchAtMs: s.gatheredAtMs === undefined ? undefined : s.gatheredAtMs + seedMs + drainMs, text };
}

/**
 * retention.ms of the target topic after the topology copy, in ms; undefined when unlimited or
 * unknown. Copied from the source when the target version carries it, else the target's default;
 * an existing target topic kept as it is (keep_target) keeps its own.
 */
function targetRetentionMs(s: PrecheckSnapshot, topic: TopicSnapshot): number | undefined {
  if (topic.configs === undefined) return undefined;
  const version = kafkaVersionOf(s.target);
  const existing = s.target.topics.find((t) => t.name === topic.name);
  const source = configValue(topic.configs, 'retention.ms');
  let value: string | undefined;
  if (existing?.configs !== undefined && s.config.topology.on_config_drift === 'keep_target')
    value = configValue(existing.configs, 'retention.ms');
  else if (source !== undefined && classifyTopicConfig('retention.ms', source, version).copy) value = source;
  value ??= targetDefault('retention.ms', version, s.target.brokerConfigs ?? {});
  if (value === undefined || !/^\d+$/.test(value)) return undefined;
  const ms = Number(value);
  return ms > 0 && Number.isSafeInteger(ms) ? ms : undefined;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function listPartitions(items: readonly string[]): string {
  const shown = items.slice(0, LISTED_PARTITIONS).join(', ');
  return items.length > LISTED_PARTITIONS ? `${shown} and ${items.length - LISTED_PARTITIONS} more` : shown;
}
