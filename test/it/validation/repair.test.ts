/**
 * The troubleshooting page's Count Mismatch "Cause 3" on the real stack, end to end: the seed copies
 * records with their CreateTime of 2001 to the target, the tail then copies recent ones; after the
 * client switch the target topic gets a retention.ms of one day and the broker's own retention check
 * deletes the seeded records there (the segment holding them; the stack's target checks every
 * second) → finalize fails validation with the page's lines and journal entry → repair is refused
 * while the target's retention is short → the retention is extended → repair re-copies the records
 * (from the source, and for a partition the source lost too — its log start moved with DeleteRecords,
 * standing for the source's own retention — from the seed's staged segments) → finalize passes with
 * `failed -> finalized evidence signed + uploaded to … (validation=PASSED)`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeRecordBatches } from '../../../core/adapters/kafka/reader.ts';
import { loadEvidenceSigner } from '../../../core/adapters/signing-key.ts';
import { finalizeMigration } from '../../../core/app/finalize.ts';
import { openJournal, transition } from '../../../core/app/journal.ts';
import { repairPartition } from '../../../core/app/repair.ts';
import { validateMigration } from '../../../core/app/validate.ts';
import type { PreconditionError } from '../../../core/domain/errors.ts';
import { evidenceSchema } from '../../../core/domain/evidence/schema.ts';
import { resumeFingerprint } from '../../../core/domain/identity.ts';
import { renderValidation } from '../../../core/domain/validation/index.ts';
import { cli } from '../cli-run.ts';
import { type DataPathClients, openDataPath, type TopicSpec } from '../copier/helpers.ts';
import { tempDir, writeConfig } from '../fixtures.ts';
import { uniqueName } from '../stack.ts';
import { ageOutOnTarget, cutoverMigration, moveLogStart, setRetention } from './helpers.ts';

let clients: DataPathClients | undefined;
beforeAll(async () => {
  clients = await openDataPath();
});
afterAll(async () => {
  await clients?.close();
});

const OLD = Date.UTC(2001, 8, 9, 1, 46, 40);
const deps = { decodeBatches: (b: readonly Uint8Array[]) => decodeRecordBatches(b) };

describe('Cause 3: records aged out on the target after the seed (real target retention)', () => {
  it('fails validation with the page lines, repair re-copies them, finalize then passes', async () => {
    // Arrange: 3 partitions; partition 2 holds 329 records + the sentinel = the page's 330, its first
    // 35 seeded with a CreateTime of 2001, the rest copied by the tail; partition 1 the same with 10
    const topic = uniqueName('cdc.mongo.catalog.reviews');
    const specs: TopicSpec[] = [{ name: topic, partitions: 3, configs: { 'retention.ms': '-1' } }];
    const refs = [0, 1, 2].map((partition) => ({ topic, partition }));
    const { m, doc, config, adapters } = await cutoverMigration(clients!, specs, refs, [0, 10, 35], {
      baseTime: OLD,
      afterSeed: [40, 40, 294],
      extraConfig: { validation: { count_tolerance: 1, spot_check_records_per_partition: 2 } },
    });
    const journal = adapters.journal(m.id);
    await openJournal(journal, m.id, resumeFingerprint(config), { forceRestart: false });
    for (const s of [
      'prechecking',
      'copying_topology',
      'seeding',
      'tailing',
      'drain_ready',
      'cutting_over',
      'awaiting_client_switch',
    ] as const) {
      await transition(journal, s, `test drives ${s}`);
    }
    const early = (await finalizeMigration(config, adapters, m.id, await loadEvidenceSigner({}), {
      tool: { name: 'kraft-migrate', version: 'test' },
    }).catch((e: unknown) => e)) as PreconditionError;
    expect(early.code).toBe('FINALIZE_STATE'); // not before the client switch
    await transition(journal, 'validating', 'operator confirmed client cutover');
    const signer = await loadEvidenceSigner({});
    const tool = { name: 'kraft-migrate', version: 'test' };
    // the target's retention deletes the 35 seeded records of partition 2 and the 10 of partition 1;
    // the source loses partition 1's 10 too
    await ageOutOnTarget(
      clients!,
      topic,
      new Map([
        [0, 0n],
        [1, 10n],
        [2, 35n],
      ]),
    );
    await moveLogStart('source', { topic, partition: 1 }, 10n);
    const evidenceUrl = `s3://${m.bucket}/evidence/migrations/${m.id}/evidence.json`;

    // Act 1: finalize with the damage
    const failed = await finalizeMigration(config, adapters, m.id, signer, { tool });

    // Assert 1: the page's block and journal line; the evidence is written all the same
    expect(failed.validation.overall).toBe('FAILED');
    const block = renderValidation(failed.validation);
    expect(block.slice(0, 3)).toEqual([
      'overall=FAILED',
      'counts_and_offsets: 2 partition(s) exceed count_tolerance=1',
      'spot_check_records: 6 samples compared, 4 matched, 1 mismatched, 1 skipped',
    ]);
    expect(block).toContain(`${topic}/1 source_span=51 target_span=41 diff=10`);
    expect(block).toContain(`${topic}/2 source_span=330 target_span=295 diff=35`);
    expect(block).toContain(
      `fetch ${topic}/2@0: OFFSET_OUT_OF_RANGE: offset 0 of ${topic} partition 2 is below the log start 35 on the target`,
    );
    // skipped: gone on the source too (the source is read first)
    expect(block).toContain(
      `fetch ${topic}/1@0: OFFSET_OUT_OF_RANGE: offset 0 of ${topic} partition 1 is below the log start 10 on the source`,
    );
    expect(failed.journaled).toBe(
      `validating -> failed validation failed: counts_and_offsets: 2 partition(s) exceed count_tolerance=1 (evidence at ${evidenceUrl})`,
    );
    expect(failed.published.url).toBe(evidenceUrl);
    expect(failed.state).toBe('failed');

    // Act 2: the target's retention is still one day: repair refuses (the copies would age out again)
    const refused = (await repairPartition(config, adapters, deps, m.id, { topic, partition: 2 }).catch(
      (e: unknown) => e,
    )) as PreconditionError;
    expect(refused.code).toBe('REPAIR_RETENTION_TOO_SHORT');
    expect(refused.fix).toMatch(/extend the retention/);

    // Act 3: retention extended for the migration window, repair both partitions
    await setRetention('target', topic, '-1');
    const fromSource = await repairPartition(config, adapters, deps, m.id, { topic, partition: 2 });
    const fromSegments = await repairPartition(config, adapters, deps, m.id, { topic, partition: 1 });
    const again = await repairPartition(config, adapters, deps, m.id, { topic, partition: 2 });

    // Assert 3
    expect(fromSource).toMatchObject({
      source_from: '0',
      source_to: '35',
      records: '35',
      read_from: 'source',
      target_from: '330',
      target_to: '365',
      artifact: `s3://${m.bucket}/segments/${m.id}/repairs/${topic}/partition=2/1.json`,
    });
    expect(fromSegments).toMatchObject({
      source_from: '0',
      source_to: '10',
      records: '10',
      read_from: 'segments',
    });
    expect(again).toMatchObject({ records: '0', artifact: null }); // nothing left to repair
    const repaired = await validateMigration(config, adapters, m.id);
    expect(renderValidation(repaired).slice(0, 3)).toEqual([
      'overall=PASSED',
      'counts_and_offsets: 0 partition(s) exceed count_tolerance=1',
      'spot_check_records: 6 samples compared, 5 matched, 0 mismatched, 1 skipped',
    ]);

    // Act 4: finalize again, through the CLI
    const dir = await tempDir();
    const configPath = await writeConfig(dir, doc);
    const run = await cli(['finalize', '--config', configPath, '--migration-id', m.id]);

    // Assert 4: failed -> finalized, the evidence lists the repairs
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toBe('overall=PASSED');
    expect(lines).toContain(
      `failed -> finalized evidence signed + uploaded to ${evidenceUrl} (validation=PASSED)`,
    );
    const entries = (await journal.load()).entries;
    const last = entries.at(-1)!;
    expect(`${last.from} -> ${last.to} ${last.reason}`).toBe(
      `failed -> finalized evidence signed + uploaded to ${evidenceUrl} (validation=PASSED)`,
    );
    expect(last.detail['repairs']).toEqual([
      expect.objectContaining({ partition: 1, source_from: '0', source_to: '10', records: '10' }),
      expect.objectContaining({ partition: 2, source_from: '0', source_to: '35', records: '35' }),
    ]);
    const evidence = evidenceSchema.parse(
      JSON.parse(
        Buffer.from(
          (await adapters.objectStore('evidence').get(`migrations/${m.id}/evidence.json`))!,
        ).toString('utf8'),
      ),
    );
    expect(evidence.attempt).toBe(2);
    expect(evidence.validation.overall).toBe('PASSED');
    expect(evidence.artifacts.map((a) => a.key)).toContain(fromSource.artifact);
    expect(evidence.journal.at(-1)!.reason).toBe(failed.journaled!.replace(/^validating -> failed /, ''));
  });
});
