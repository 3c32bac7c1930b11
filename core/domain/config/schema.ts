import { z } from 'zod';
import { MAX_COPIERS } from '../copy/shards.ts';
import { MIGRATION_ID, MIGRATION_ID_RULE } from '../identity.ts';
import { DURATION_HELP, parseDuration } from './duration.ts';

/**
 * The migration config (SPEC §3). snake_case keys as the troubleshooting page writes them.
 * Every object is strict: an unknown key is an error that names the nearest valid key.
 * The Step Functions execution input is exactly this document as JSON.
 */

const duration = z
  .string()
  .refine((s) => parseDuration(s) !== undefined, { message: `expected ${DURATION_HELP}` });

const hostPort = z.string().regex(/^[^\s:]+:\d{1,5}$/, {
  message: 'expected host:port, e.g. b-1.mycluster.abc123.c2.kafka.eu-west-2.amazonaws.com:9098',
});

const s3Url = z.string().regex(/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/, {
  message: 'expected s3://bucket or s3://bucket/prefix',
});

export const AUTH_MODES = ['none', 'iam', 'scram-sha-512', 'scram-sha-256', 'tls'] as const;

const auth = z
  .strictObject({
    mode: z.enum(AUTH_MODES).default('none'),
    username: z.string().min(1).optional(),
    password: z.string().min(1).optional(),
    /** Secrets Manager secret holding {username, password} (MSK: a secret named AmazonMSK_*). */
    secret_arn: z.string().startsWith('arn:aws').optional(),
    /** TLS on the wire. Defaults to true for iam, scram-* and tls, false for none. */
    tls: z.boolean().optional(),
    /** PEM files for mode tls (mutual TLS) or a private CA. */
    ca_cert_path: z.string().optional(),
    client_cert_path: z.string().optional(),
    client_key_path: z.string().optional(),
    /** AWS region for MSK IAM tokens; defaults to the ARN's region or AWS_REGION. */
    region: z.string().optional(),
  })
  .prefault({})
  .superRefine((a, ctx) => {
    if (a.mode.startsWith('scram') && !a.secret_arn && !(a.username && a.password)) {
      ctx.addIssue({
        code: 'custom',
        message: `auth.mode ${a.mode} needs username and password, or secret_arn`,
        path: ['mode'],
      });
    }
    if (a.mode === 'tls' && (!a.client_cert_path || !a.client_key_path)) {
      ctx.addIssue({
        code: 'custom',
        message: 'auth.mode tls needs client_cert_path and client_key_path',
        path: ['mode'],
      });
    }
  });

const cluster = z
  .strictObject({
    cluster_arn: z
      .string()
      .regex(/^arn:aws[a-z-]*:kafka:[a-z0-9-]+:\d{12}:cluster\/[^/]+\/[^/]+$/, {
        message: 'expected an MSK cluster ARN, arn:aws:kafka:<region>:<account>:cluster/<name>/<uuid>',
      })
      .optional(),
    bootstrap_servers: z.array(hostPort).min(1).optional(),
    auth,
  })
  .refine((c) => c.cluster_arn !== undefined || c.bootstrap_servers !== undefined, {
    message: 'give cluster_arn or bootstrap_servers (or both)',
  });

const regexList = z.array(
  z.string().refine(
    (s) => {
      try {
        new RegExp(s);
        return true;
      } catch {
        return false;
      }
    },
    { message: 'expected a valid regular expression' },
  ),
);

const selection = z
  .strictObject({
    include: regexList.default(['.*']),
    exclude: regexList.default([]),
  })
  .prefault({});

export const CONFIG_DEFAULTS = {
  seed: { max_concurrent_partitions: 4, segment_max_bytes: 33_554_432, isolation_level: 'read_committed' },
  topology: { on_config_drift: 'overwrite_with_source', acls: 'merge' },
  cutover: {
    auto_approve: false,
    drain_timeout: '30m',
    drain_max_partition_lag: 100,
    drain_stable_window: '30s',
    max_producer_freeze: '60s',
  },
  validation: { count_tolerance: 1, spot_check_records_per_partition: 3 },
} as const;

export const configSchema = z.strictObject({
  migration_id: z.string().regex(MIGRATION_ID, { message: MIGRATION_ID_RULE }).optional(),
  source: cluster,
  target: cluster,
  topics: selection,
  groups: selection,
  storage: z.strictObject({
    segments: s3Url,
    evidence: s3Url,
    endpoint: z.url().optional(),
    region: z.string().optional(),
    kms_key_arn: z.string().startsWith('arn:aws').optional(),
  }),
  seed: z
    .strictObject({
      max_concurrent_partitions: z
        .int()
        .min(1)
        .max(1024)
        .default(CONFIG_DEFAULTS.seed.max_concurrent_partitions),
      segment_max_bytes: z
        .int()
        .min(1_048_576)
        .max(5_368_709_120)
        .default(CONFIG_DEFAULTS.seed.segment_max_bytes),
      isolation_level: z.enum(['read_committed', 'read_uncommitted']).default('read_committed'),
      /** copier tasks of the seed; default min(ceil(partitions / 64), 16) (core/domain/copy/shards.ts) */
      copiers: z.int().min(1).max(MAX_COPIERS).optional(),
    })
    .prefault({}),
  topology: z
    .strictObject({
      on_config_drift: z
        .enum(['overwrite_with_source', 'keep_target', 'fail'])
        .default('overwrite_with_source'),
      replication_factor: z.int().min(1).max(32).optional(),
      acls: z.enum(['merge', 'skip']).default('merge'),
    })
    .prefault({}),
  cutover: z
    .strictObject({
      auto_approve: z.boolean().default(false),
      drain_timeout: duration.default(CONFIG_DEFAULTS.cutover.drain_timeout),
      drain_max_partition_lag: z.int().min(0).default(CONFIG_DEFAULTS.cutover.drain_max_partition_lag),
      drain_stable_window: duration.default(CONFIG_DEFAULTS.cutover.drain_stable_window),
      /** http or https only: the freeze request carries a task token. */
      producer_freeze_webhook: z
        .url({ protocol: /^https?$/, message: 'expected an http:// or https:// URL' })
        .optional(),
      producer_freeze_webhook_secret: z.string().min(1).optional(),
      producer_freeze_webhook_secret_arn: z.string().startsWith('arn:aws').optional(),
      max_producer_freeze: duration.default(CONFIG_DEFAULTS.cutover.max_producer_freeze),
    })
    .prefault({}),
  validation: z
    .strictObject({
      count_tolerance: z.int().min(0).default(CONFIG_DEFAULTS.validation.count_tolerance),
      spot_check_records_per_partition: z
        .int()
        .min(0)
        .max(10_000)
        .default(CONFIG_DEFAULTS.validation.spot_check_records_per_partition),
    })
    .prefault({}),
  evidence: z
    .strictObject({
      signing_key_path: z.string().min(1).optional(),
      kms_key_arn: z.string().startsWith('arn:aws').optional(),
      secret_arn: z.string().startsWith('arn:aws').optional(),
      retention: duration.optional(),
    })
    .prefault({}),
});

/** The config as written (before defaults). */
export type ConfigInput = z.input<typeof configSchema>;
/** The config after validation, with every default filled in. */
export type MigrationConfig = z.output<typeof configSchema>;
export type ClusterConfig = MigrationConfig['source'];
export type AuthConfig = ClusterConfig['auth'];
