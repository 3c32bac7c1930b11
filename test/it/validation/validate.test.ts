/**
 * validateMigration on the real stack after a real seed, tail and the cutover steps: all four checks
 * pass on a clean migration; then the target is damaged in four ways and each check reports it with
 * the troubleshooting page's lines — a tampered record (spot_check_records), a sentinel that is gone
 * (sentinel_presence), records produced to the target after the cutover beyond the tolerance
 * (counts_and_offsets), and a group committed behind its translated offset (consumer_offsets). Finally
 * `repair --from 0 --to 1` re-copies the tampered record: the spot check reads the new copy and the
 * record, there twice now, counts once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PlatformaticGroupAdmin } from '../../../core/adapters/kafka/group-offsets.ts';
import { decodeRecordBatches } from '../../../core/adapters/kafka/reader.ts';
import { PlatformaticRecordWriter } from '../../../core/adapters/kafka/writer.ts';
import { loadEvidenceSigner } from '../../../core/adapters/signing-key.ts';
import { verifyEvidenceFiles } from '../../../core/app/evidence.ts';
import { finalizeMigration, finalizeSummary } from '../../../core/app/finalize.ts';
import { openJournal, transition } from '../../../core/app/journal.ts';
import { repairPartition } from '../../../core/app/repair.ts';
import { validateMigration } from '../../../core/app/validate.ts';
import { SENTINEL_HEADER } from '../../../core/domain/cutover/index.ts';
import { validationSchema } from '../../../core/domain/evidence/schema.ts';
import { resumeFingerprint } from '../../../core/domain/identity.ts';
import { RESUME_STATES } from '../../../core/domain/journal/states.ts';
import { renderValidation, validationFailures } from '../../../core/domain/validation/index.ts';
import type { PartitionRef, SourceRecord } from '../../../core/ports.ts';
import {
  type DataPathClients,
  openDataPath,
  plain,
  readPartition,
  type TopicSpec,
} from '../copier/helpers.ts';
import { STACK, uniqueName } from '../stack.ts';
import { cutoverMigration, numbered, recreateTargetTopic } from './helpers.ts';

let clients: DataPathClients | undefined;
let targetWriter: PlatformaticRecordWriter | undefined;

beforeAll(async () => {
  clients = await openDataPath();
  targetWriter = await PlatformaticRecordWriter.create(plain(STACK.target));
});
afterAll(async () => {
  await Promise.allSettled([clients?.close(), targetWriter?.close()]);
});

const text = (b: Uint8Array | null) => (b === null ? null : Buffer.from(b).toString('utf8'));

/** Writes records back as they were (key, value, headers, timestamp), changed by `edit`. */
async function rewrite(ref: PartitionRef, records: readonly SourceRecord[], edit = (r: SourceRecord) => r) {
  const edited = records
    .map(edit)
    .map(({ timestamp, key, value, headers }) => ({ timestamp, key, value, headers }));
  await targetWriter!.write(ref, edited);
}

describe('validateMigration on the real stack', () => {
  it('passes a clean migration, then reports a tampered record, a lost sentinel, extra records and a group behind', async () => {
    // Arrange: four topics migrated up to the client switch
    const prefix = uniqueName('val');
    const t = {
      extra: `${prefix}-extra`,
      gone: `${prefix}-gone`,
      plain: `${prefix}-plain`,
      tampered: `${prefix}-tampered`,
    };
    const specs: TopicSpec[] = [
      { name: t.extra, partitions: 1, configs: { 'retention.ms': '-1' } },
      { name: t.gone, partitions: 2, configs: { 'retention.ms': '-1' } },
      { name: t.plain, partitions: 2, configs: { 'retention.ms': '-1' } },
      { name: t.tampered, partitions: 1, configs: { 'retention.ms': '-1' } },
    ];
    const refs: PartitionRef[] = [
      { topic: t.extra, partition: 0 },
      { topic: t.gone, partition: 0 },
      { topic: t.gone, partition: 1 },
      { topic: t.plain, partition: 0 },
      { topic: t.plain, partition: 1 },
      { topic: t.tampered, partition: 0 },
    ];
    const { m, config, adapters, group } = await cutoverMigration(
      clients!,
      specs,
      refs,
      [30, 20, 25, 60, 40, 30],
    );

    // Act 1: clean
    const clean = await validateMigration(config, adapters, m.id);

    // Assert 1
    expect(validationSchema.parse(clean)).toEqual(clean);
    expect(renderValidation(clean)).toEqual([
      'overall=PASSED',
      'counts_and_offsets: 0 partition(s) exceed count_tolerance=1',
      'spot_check_records: 18 samples compared, 18 matched, 0 mismatched, 0 skipped',
      'sentinel_presence: 6 sentinel(s) found at their recorded target offsets',
      'consumer_offsets: 6 translated offset(s) checked, 6 equal, 0 ahead, 0 behind, 0 missing',
    ]);
    expect(clean.checks.map((c) => c.status)).toEqual(['passed', 'passed', 'passed', 'passed']);
    // a re-run samples the same records
    expect(await validateMigration(config, adapters, m.id)).toEqual(clean);

    // finalize from validating: validating -> finalized, evidence whose signature and artifacts verify
    const journal = adapters.journal(m.id);
    await openJournal(journal, m.id, resumeFingerprint(config), { forceRestart: false });
    for (const s of [...RESUME_STATES.slice(0, 6), 'awaiting_client_switch', 'validating'] as const) {
      await transition(journal, s, `test drives ${s}`);
    }
    const signer = await loadEvidenceSigner({});
    const finalized = await finalizeMigration(config, adapters, m.id, signer, {
      tool: { name: 'kraft-migrate', version: 'test' },
    });
    const url = `s3://${m.bucket}/evidence/migrations/${m.id}/evidence.json`;
    expect(finalized.journaled).toBe(
      `validating -> finalized evidence signed + uploaded to ${url} (validation=PASSED)`,
    );
    expect((await journal.load()).entries.at(-1)).toMatchObject({ from: 'validating', to: 'finalized' });
    const files = new Map(finalized.published.files.map((f) => [f.file, f.body]));
    const segmentsRoot = `s3://${m.bucket}/segments/`;
    const verified = await verifyEvidenceFiles({
      evidence: files.get('evidence')!,
      signature: files.get('signature'),
      publicKeyPem: new TextDecoder().decode(files.get('publicKey')),
      fetchers: [
        async (key) => {
          const bytes = key.startsWith(segmentsRoot)
            ? await m.segments.get(key.slice(segmentsRoot.length))
            : undefined;
          return bytes && { bytes, where: key };
        },
      ],
    });
    expect(verified.checks.filter((c) => c.outcome !== 'ok' && c.outcome !== 'warning')).toEqual([]);
    expect(verified.ok).toBe(true);
    const artifacts = finalized.published.document.artifacts.map((a) => a.key.slice(segmentsRoot.length));
    expect(artifacts.filter((k) => k.includes('/cutover/')).sort()).toEqual(
      ['sentinels', 'snapshot', 'translations-cutover'].map((a) => `${m.id}/cutover/${a}.json`),
    );
    expect(artifacts.filter((k) => k.endsWith('/checkpoint.json'))).toHaveLength(6);
    expect(finalized.published.document.cutover.sentinels).toHaveLength(6);
    expect(finalized.published.document.cutover.translations).toHaveLength(6);
    expect(finalized.published.document.seed.records).toBe('205'); // 30+20+25+60+40+30
    const summary = finalizeSummary(finalized);
    expect(summary).toMatchObject({
      state: 'finalized',
      validation: 'PASSED',
      evidence_attempt: 1,
      repairs: 0,
    });
    expect(JSON.stringify(summary).length).toBeLessThan(4096); // fits a workflow state's output

    // Arrange 2: damage the target
    const tampered = await readPartition(clients!.targetReader, { topic: t.tampered, partition: 0 });
    const gone0 = await readPartition(clients!.targetReader, { topic: t.gone, partition: 0 });
    const gone1 = await readPartition(clients!.targetReader, { topic: t.gone, partition: 1 });
    expect(tampered).toHaveLength(31); // 30 and the sentinel
    await recreateTargetTopic(specs[3]!);
    await rewrite({ topic: t.tampered, partition: 0 }, tampered, (r) =>
      r.offset === 0n ? { ...r, value: Buffer.from('tampered') } : r,
    );
    await recreateTargetTopic(specs[1]!);
    await rewrite({ topic: t.gone, partition: 0 }, gone0);
    // partition 1's sentinel replaced by a record without the sentinel header (same offset)
    await rewrite({ topic: t.gone, partition: 1 }, gone1, (r) =>
      r.headers.some((h) => text(h[0]) === SENTINEL_HEADER) ? { ...r, headers: [] } : r,
    );
    await targetWriter!.write({ topic: t.extra, partition: 0 }, numbered(5, 1000, Date.now()));
    const groups = await PlatformaticGroupAdmin.create(plain(STACK.target));
    try {
      // the recreated topics lost the group's commits: commit the translated ones again, and plain/0 behind
      await groups.commitOffsets(group, [
        { topic: t.gone, partition: 0, offset: 10n },
        { topic: t.gone, partition: 1, offset: 12n },
        { topic: t.tampered, partition: 0, offset: 15n },
        { topic: t.plain, partition: 0, offset: 10n },
      ]);
    } finally {
      await groups.close();
    }

    // Act 2
    const damaged = await validateMigration(config, adapters, m.id);

    // Assert 2
    expect(damaged.overall).toBe('FAILED');
    const [counts, spot, sentinels, offsets] = damaged.checks;
    expect(counts).toMatchObject({
      status: 'failed',
      summary: 'counts_and_offsets: 1 partition(s) exceed count_tolerance=1',
      lines: [`${t.extra}/0 source_span=31 target_span=36 diff=-5`],
    });
    expect(spot!.status).toBe('failed');
    expect(spot!.summary).toBe(
      'spot_check_records: 18 samples compared, 16 matched, 2 mismatched, 0 skipped',
    );
    expect(spot!.lines).toEqual([
      `${t.gone}/1 source@25 target@25: mismatch: headers differ`,
      `${t.tampered}/0 source@0 target@0: mismatch: value differ`,
    ]);
    expect(sentinels).toMatchObject({
      status: 'failed',
      summary: 'sentinel_presence: partition 1 sentinel not found',
      lines: [
        `sentinel_presence: partition 1 sentinel not found (topic ${t.gone}, target offset 25: the record there is not this migration’s sentinel)`,
      ],
    });
    expect(offsets).toMatchObject({
      status: 'failed',
      summary: 'consumer_offsets: 6 translated offset(s) checked, 5 equal, 0 ahead, 1 behind, 0 missing',
      lines: [`consumer_offsets: group ${group} ${t.plain}/0 committed=10 translated=30 (behind)`],
    });
    expect(validationFailures(damaged)).toEqual([
      'Validation FAILED: counts_and_offsets: 1 partition(s) exceed count_tolerance=1',
      `Validation FAILED: spot_check_records: 2 mismatched on ${t.gone}:1, ${t.tampered}:0`,
      'Validation FAILED: sentinel_presence: partition 1 sentinel not found',
      `Validation FAILED: consumer_offsets: 1 committed offset(s) behind the translated ones or missing in group(s) ${group}`,
    ]);

    // Act 3: repair the tampered record by naming its source range (its wrong copy stays where it is)
    const repaired = await repairPartition(
      config,
      adapters,
      { decodeBatches: decodeRecordBatches },
      m.id,
      {
        topic: t.tampered,
        partition: 0,
      },
      { from: 0n, to: 1n },
    );
    const after = await validateMigration(config, adapters, m.id);

    // Assert 3: the sample reads the new copy; the record there twice counts once
    expect(repaired).toMatchObject({
      source_from: '0',
      source_to: '1',
      records: '1',
      target_from: '31',
      target_to: '32',
    });
    expect(after.checks[1]!.lines).toEqual([`${t.gone}/1 source@25 target@25: mismatch: headers differ`]);
    expect(after.checks[0]!.lines).toEqual([`${t.extra}/0 source_span=31 target_span=36 diff=-5`]);
  });
});
