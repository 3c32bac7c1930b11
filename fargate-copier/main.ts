/**
 * The copier task (SPEC §6.2 seed, §6.3 tail): `node fargate-copier/main.ts`. The Fargate task in
 * AWS, a child process of the local runner and of the tests — configured by the environment only
 * (env.ts). Wires the real adapters (reader on the source, reader and writer on the target, the
 * segments bucket) and runs core/app/copy.
 *
 * Exit codes: 0 = seed complete, or tail stopped cleanly (SIGTERM/SIGINT); 2 = bad environment or
 * config; 75 = seed stopped by SIGTERM before every partition reached its boundary (run it again: it
 * resumes from the checkpoints); 1 = failure (one line on stderr, `<ErrorName> <CODE>: message Fix: …`).
 * A second SIGTERM/SIGINT exits at once with 130 (the checkpoints make that safe too).
 */

import { fileURLToPath } from 'node:url';
import { createAdapters } from '../core/adapters/factory.ts';
import { requestCounts } from '../core/adapters/kafka/data-client.ts';
import { s3RequestCounts } from '../core/adapters/s3/object-store.ts';
import { checkpointedPartitions } from '../core/app/copy/checkpoint-writer.ts';
import { oneLine, runCopier } from '../core/app/copy/copier.ts';
import { readSeedShard } from '../core/app/copy/seed-plan.ts';
import type { CopierStatus } from '../core/app/copy/status.ts';
import { COPY_DEFAULTS, type CopyDeps } from '../core/app/copy/types.ts';
import type { MigrationConfig } from '../core/domain/config/schema.ts';
import { InvalidInputError, isKraftMigrateError } from '../core/domain/errors.ts';
import { isInternalTopic, matcher } from '../core/domain/selection.ts';
import type {
  Adapters,
  MultiPartitionFetchOptions,
  PartitionRef,
  RecordReader,
  RecordWriter,
} from '../core/ports.ts';
import { type CopierEnv, parseCopierEnv } from './env.ts';
import { type CopierLog, createLog } from './log.ts';

const EXIT = { ok: 0, failed: 1, badInput: 2, interrupted: 75, forced: 130 } as const;

/** How often a status summary goes to the JSON log (the status object itself is written every second). */
const STATUS_LOG_INTERVAL_MS = 10_000;

async function main(env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const log = createLog(process.stdout, process.stdout.isTTY === true, undefined, {
    metricsName: env['KRAFT_MIGRATE_METRICS_NAME']?.trim() || undefined,
  });
  let settings: CopierEnv;
  try {
    settings = parseCopierEnv(env);
  } catch (e) {
    process.stderr.write(`${oneLine(e)}\n`);
    return EXIT.badInput;
  }
  const stop = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (stop.signal.aborted) {
      log.line('warn', 'forced_exit', { signal });
      process.exit(EXIT.forced);
    }
    log.line('info', 'stopping', { signal });
    stop.abort();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    return await copy(settings, env, stop.signal, log);
  } catch (e) {
    log.close();
    process.stderr.write(`${oneLine(e)}\n`);
    if (!isKraftMigrateError(e) && env['KRAFT_MIGRATE_DEBUG']) console.error(e);
    return isKraftMigrateError(e) && e.name === 'InvalidInputError' ? EXIT.badInput : EXIT.failed;
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
}

async function copy(
  settings: CopierEnv,
  env: NodeJS.ProcessEnv,
  signal: AbortSignal,
  log: CopierLog,
): Promise<number> {
  const { config, migrationId, mode, shardId } = settings;
  const adapters = createAdapters(config, { env });
  const segments = adapters.objectStore('segments');
  const partitions =
    settings.partitions ??
    (mode === 'seed'
      ? await readSeedShard(segments, migrationId, shardId)
      : await tailPartitions(settings, adapters));
  log.line('info', 'copier_started', {
    migration_id: migrationId,
    mode,
    shard_id: shardId,
    partitions: partitions.length,
  });
  const opened: { close(): Promise<void> }[] = [];
  try {
    const lanes = parallelism(mode, partitions.length, config);
    const wide = mode === 'tail' ? wideTail(config) : undefined;
    const source = await open(
      opened,
      adapters.recordReader('source', {
        connectionsPerBroker: wide ? config.seed.max_concurrent_partitions : lanes,
        multiPartitionFetch: wide,
      }),
    );
    const target = await open(opened, adapters.recordReader('target', { multiPartitionFetch: wide }));
    const writer = await open(opened, adapters.recordWriter({ producers: lanes }));
    const deps: CopyDeps = { source, target, writer, segments };
    let lastStatusLog = 0;
    const result = await runCopier(
      partitions,
      deps,
      {
        migrationId,
        mode,
        shardId,
        isolationLevel: config.seed.isolation_level,
        segmentMaxBytes: config.seed.segment_max_bytes,
        maxConcurrentPartitions: config.seed.max_concurrent_partitions,
        ...(settings.passThroughMinBatchBytes === undefined
          ? {}
          : { passThroughMinBatchBytes: settings.passThroughMinBatchBytes }),
      },
      {
        signal,
        onEvent: (e) => log.event(e),
        onStatus: (s: CopierStatus) => {
          if (
            process.stdout.isTTY ||
            s.state !== 'running' ||
            Date.now() - lastStatusLog >= STATUS_LOG_INTERVAL_MS
          ) {
            lastStatusLog = Date.now();
            log.status(s);
            if (!process.stdout.isTTY) log.line('info', 'resources', resources());
          }
        },
      },
    );
    log.line('info', 'copier_finished', {
      mode,
      state: result.status.state,
      complete: result.complete,
      records_copied: result.status.totals.records_copied,
      bytes_copied: result.status.totals.bytes_copied,
      lag: result.status.totals.lag,
    });
    log.close();
    if (mode === 'seed' && !result.complete) {
      process.stderr.write(
        'seed stopped before every partition reached its boundary — run the seed again: it resumes from the checkpoints\n',
      );
      return EXIT.interrupted;
    }
    return EXIT.ok;
  } finally {
    await Promise.allSettled(opened.map((c) => c.close()));
  }
}

/**
 * Fetch connections per source broker and idempotent producers on the target. A broker answers one
 * request per connection at a time, a tail fetch of an idle partition waits there up to its max wait,
 * and the writer keeps one produce request in flight per producer: with fewer of them than partitions
 * copied at once, partitions queue behind each other. Seed: one per partition copied at once; tail:
 * one per partition; between 4 and 32 (beyond 32 partitions share them and tail latency grows).
 */
function parallelism(mode: 'seed' | 'tail', partitions: number, config: MigrationConfig): number {
  const wanted = mode === 'seed' ? config.seed.max_concurrent_partitions : partitions;
  return Math.min(32, Math.max(4, wanted));
}

/** What the process has used so far: cumulative data-path requests, CPU time, memory. */
function resources(): Record<string, number> {
  const cpu = process.cpuUsage();
  const memory = process.memoryUsage();
  return {
    fetch_requests: requestCounts.fetch,
    fetch_partitions: requestCounts.fetchPartitions,
    list_offsets_rounds: requestCounts.listOffsets,
    produce_requests: requestCounts.produce,
    s3_puts: s3RequestCounts.put,
    s3_gets: s3RequestCounts.get,
    s3_list_pages: s3RequestCounts.list,
    cpu_ms: Math.round((cpu.user + cpu.system) / 1000),
    rss_bytes: process.memoryUsage.rss(),
    // Where the RSS goes: the JavaScript heap, and Buffers/ArrayBuffers outside it.
    heap_used_bytes: memory.heapUsed,
    external_bytes: memory.external,
    array_buffers_bytes: memory.arrayBuffers,
  };
}

/**
 * An idle partition's fetch is answered after at most this long (its lag and status a second old at
 * most, like the status document itself) rather than after every empty poll of tailMaxWaitMs.
 */
const TAIL_IDLE_HOLD_MS = 1000;

/**
 * The tail follows all its partitions with multi-partition Fetch requests (reader.ts
 * MultiPartitionFetcher): `seed.max_concurrent_partitions` requests in flight per source broker, each
 * answering at most that many partition fetches' worth of bytes (COPY_DEFAULTS.fetchMaxBytes each),
 * and fetched bytes not yet written held to twice that. So its buffers follow the configuration
 * (docs/performance.md, "The tail at width"), not the number of partitions it owns.
 */
function wideTail(config: MigrationConfig): MultiPartitionFetchOptions {
  const perRequest = config.seed.max_concurrent_partitions * COPY_DEFAULTS.fetchMaxBytes;
  return { maxRequestBytes: perRequest, bufferBytes: 2 * perRequest, idleHoldMs: TAIL_IDLE_HOLD_MS };
}

async function open<T extends RecordReader | RecordWriter>(
  opened: { close(): Promise<void> }[],
  client: Promise<T>,
): Promise<T> {
  const c = await client;
  opened.push(c);
  return c;
}

/** Tail without a partition list: every partition with a checkpoint whose topic the config selects. */
async function tailPartitions(settings: CopierEnv, adapters: Adapters): Promise<PartitionRef[]> {
  const selected = matcher(settings.config.topics);
  const refs = (await checkpointedPartitions(adapters.objectStore('segments'), settings.migrationId)).filter(
    (r) => !isInternalTopic(r.topic) && selected(r.topic),
  );
  if (refs.length === 0) {
    throw new InvalidInputError(
      `no partition of migration ${settings.migrationId} has a checkpoint in ${adapters.objectStore('segments').url}: nothing to tail`,
      {
        code: 'COPIER_NOTHING_TO_TAIL',
        fix: 'Run the seed first, or pass KRAFT_MIGRATE_PARTITIONS.',
      },
    );
  }
  return refs;
}

// `import.meta.main` (Node ≥ 22.18), else the script path: main() runs only as the entry point.
if (import.meta.main ?? process.argv[1] === fileURLToPath(import.meta.url)) {
  process.on('unhandledRejection', (e) => {
    process.stderr.write(`unhandled rejection: ${oneLine(e)}\n`);
    process.exit(EXIT.failed);
  });
  main().then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`${oneLine(e)}\n`);
      process.exit(EXIT.failed);
    },
  );
}
