import { describe, expect, it } from 'vitest';
import {
  clusterEvidence,
  finalizedReason,
  validationFailedReason,
} from '../../../../core/domain/evidence/index.ts';
import { appendEntry, renderEntry } from '../../../../core/domain/journal/index.ts';
import { sampleJournal } from './fixtures.ts';

const URL =
  's3://oso-msk-prod-kraft-migration-evidence-510999144577-eu-west-2/migrations/d0efd3c5-5308-48ff-b5a6-5ea8d4b24708-3--efffc490-733e-46c4-9d0b-57418c0a3906-3--20260425T061502Z/evidence.json';

describe('journal reasons of the evidence steps', () => {
  it('render exactly the troubleshooting page FAQ lines', () => {
    // Arrange: a journal that reached validating
    const entries = sampleJournal();
    const validation = {
      overall: 'FAILED' as const,
      checks: [
        {
          name: 'counts_and_offsets',
          status: 'failed' as const,
          summary: 'counts_and_offsets: 1 partition(s) exceed count_tolerance=1',
          lines: [],
        },
        { name: 'sentinel_presence', status: 'passed' as const, summary: 'sentinel_presence: ok', lines: [] },
      ],
    };

    // Act
    entries.push(
      appendEntry(
        entries,
        { to: 'failed', reason: validationFailedReason(validation, URL) },
        new Date('2026-04-25T07:13:25.030Z'),
      ),
    );
    entries.push(
      appendEntry(
        entries,
        { to: 'finalized', reason: finalizedReason(URL, 'PASSED') },
        new Date('2026-04-25T07:19:09.528Z'),
      ),
    );

    // Assert
    expect(entries.slice(-2).map(renderEntry)).toEqual([
      `2026-04-25T07:13:25.030000Z validating -> failed validation failed: counts_and_offsets: 1 partition(s) exceed count_tolerance=1 (evidence at ${URL})`,
      `2026-04-25T07:19:09.528000Z failed -> finalized evidence signed + uploaded to ${URL} (validation=PASSED)`,
    ]);
  });
});

describe('clusterEvidence', () => {
  it('keeps the identity and facts, never the auth block', () => {
    const cluster = {
      bootstrap_servers: ['B-1.example:9096', 'b-1.example:9096'],
      auth: { mode: 'scram-sha-512', username: 'u', password: 'hunter2' },
    };

    const e = clusterEvidence(cluster, { kafkaVersion: '3.9', metadataMode: 'zookeeper' });

    expect(e).toEqual({
      bootstrap_servers: ['b-1.example:9096'],
      kafka_version: '3.9',
      metadata_mode: 'zookeeper',
    });
    expect(JSON.stringify(e)).not.toContain('hunter2');
  });
});
