import { z } from 'zod';
import { AUTH_MODES } from '../core/domain/config/schema.ts';

/**
 * Every deploy-time setting of the stack, read from CDK context (`-c key=value` on the command
 * line, or `context` in cdk.json). Values from the command line arrive as strings, so numbers,
 * booleans and lists are coerced here. docs/deploy.md has one table row per key of CONTEXT_KEYS
 * (a test checks it).
 */

const MSK_CLUSTER_ARN = /^arn:aws[a-z-]*:kafka:[a-z0-9-]+:\d{12}:cluster\/[^/]+\/[^/]+$/;
const BUCKET_NAME = /^(?!xn--)(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

const optionalText = z.string().trim().min(1).optional();
const arn = (service: string, example: string) =>
  z
    .string()
    .trim()
    .regex(new RegExp(`^arn:aws[a-z-]*:${service}:`), { message: `expected an ARN like ${example}` })
    .optional();

/** `a,b` (command line) or `["a","b"]` (cdk.json) → ['a', 'b'], each matching `pattern`. */
const idList = (pattern: RegExp, message: string) =>
  z
    .union([z.string(), z.array(z.string())])
    .transform((v) => (Array.isArray(v) ? v : v.split(',')).map((s) => s.trim()).filter((s) => s !== ''))
    .pipe(z.array(z.string().regex(pattern, { message })))
    .optional();

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const bool = z
  .union([z.boolean(), z.enum(['true', 'false', '1', '0'])])
  .transform((v) => v === true || v === 'true' || v === '1');

const contextSchema = z
  .strictObject({
    migrationName: z
      .string()
      .regex(/^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/, {
        message: 'expected 1-32 lower-case letters, digits or "-" (it becomes part of resource names)',
      })
      .default('default'),

    sourceClusterArn: z
      .string()
      .regex(MSK_CLUSTER_ARN, { message: 'expected arn:aws:kafka:<region>:<account>:cluster/<name>/<uuid>' })
      .optional(),
    targetClusterArn: z
      .string()
      .regex(MSK_CLUSTER_ARN, { message: 'expected arn:aws:kafka:<region>:<account>:cluster/<name>/<uuid>' })
      .optional(),
    sourceAuthMode: z.enum(AUTH_MODES).default('iam'),
    targetAuthMode: z.enum(AUTH_MODES).default('iam'),
    sourceSecretArn: arn(
      'secretsmanager',
      'arn:aws:secretsmanager:eu-west-2:111122223333:secret:AmazonMSK_src',
    ),
    targetSecretArn: arn(
      'secretsmanager',
      'arn:aws:secretsmanager:eu-west-2:111122223333:secret:AmazonMSK_tgt',
    ),
    freezeWebhookSecretArn: arn(
      'secretsmanager',
      'arn:aws:secretsmanager:eu-west-2:111122223333:secret:hmac',
    ),
    evidenceSecretArn: arn('secretsmanager', 'arn:aws:secretsmanager:eu-west-2:111122223333:secret:signing'),
    evidenceSigningKeyArn: arn('kms', 'arn:aws:kms:eu-west-2:111122223333:key/<id>'),
    scramSecretKmsKeyArn: arn('kms', 'arn:aws:kms:eu-west-2:111122223333:key/<id>'),

    kmsKeyArn: z
      .string()
      .regex(
        /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/([0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$/,
        {
          message: 'expected a KMS key ARN, arn:aws:kms:<region>:<account>:key/<key id> (not an alias)',
        },
      )
      .optional(),
    segmentsBucketName: z
      .string()
      .regex(BUCKET_NAME, { message: 'expected a valid S3 bucket name' })
      .optional(),
    evidenceBucketName: z
      .string()
      .regex(BUCKET_NAME, { message: 'expected a valid S3 bucket name' })
      .optional(),
    segmentsExpireDays: int(1, 3650).default(30),
    evidenceRetentionDays: int(1, 36_500).optional(),
    evidenceRetentionMode: z.enum(['COMPLIANCE', 'GOVERNANCE']).default('COMPLIANCE'),

    vpcId: z
      .string()
      .regex(/^vpc-([0-9a-f]{8}|[0-9a-f]{17})$/, { message: 'expected vpc- and 8 or 17 hex digits' })
      .optional(),
    subnetIds: idList(/^subnet-([0-9a-f]{8}|[0-9a-f]{17})$/, 'expected subnet-… ids, comma-separated'),
    securityGroupIds: idList(/^sg-([0-9a-f]{8}|[0-9a-f]{17})$/, 'expected sg-… ids, comma-separated'),

    copierCpu: z.coerce
      .number()
      .refine((n) => [1024, 2048, 4096, 8192, 16384].includes(n), {
        message: 'expected 1024, 2048, 4096, 8192 or 16384 (Fargate CPU units)',
      })
      .default(2048),
    copierMemoryMiB: int(2048, 122_880).default(4096),

    freezeSystemPrincipalArn: z
      .string()
      .regex(/^arn:aws[a-z-]*:(iam::\d{12}:(root|role\/.+|user\/.+)|sts::\d{12}:assumed-role\/.+)$/, {
        message: 'expected an IAM principal ARN (account root, role or user)',
      })
      .optional(),
    alarmTopicArn: arn('sns', 'arn:aws:sns:eu-west-2:111122223333:ops-alerts'),

    scheduleAt: z
      .string()
      .refine((s) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(s), {
        message: 'expected an ISO 8601 time with a zone, e.g. 2026-05-02T01:30:00Z',
      })
      .optional(),
    scheduleInput: optionalText,

    nag: bool.default(false),
  })
  .superRefine((c, ctx) => {
    const need = (cond: boolean, path: string, message: string) => {
      if (cond) ctx.addIssue({ code: 'custom', path: [path], message });
    };
    need(
      c.vpcId !== undefined && (c.subnetIds?.length ?? 0) === 0,
      'subnetIds',
      'vpcId needs subnetIds (the private subnets that can reach the MSK brokers)',
    );
    need(c.vpcId === undefined && c.subnetIds !== undefined, 'vpcId', 'subnetIds needs vpcId');
    need(c.vpcId === undefined && c.securityGroupIds !== undefined, 'vpcId', 'securityGroupIds needs vpcId');
    need(
      c.scheduleAt !== undefined && c.scheduleInput === undefined,
      'scheduleInput',
      'scheduleAt needs scheduleInput (a config file path or the config as inline JSON)',
    );
    need(
      c.scheduleAt === undefined && c.scheduleInput !== undefined,
      'scheduleAt',
      'scheduleInput needs scheduleAt',
    );
    for (const role of ['source', 'target'] as const) {
      need(
        c[`${role}SecretArn`] !== undefined && !c[`${role}AuthMode`].startsWith('scram'),
        `${role}SecretArn`,
        `${role}SecretArn is only used with ${role}AuthMode scram-sha-512 or scram-sha-256 (got ${c[`${role}AuthMode`]})`,
      );
    }
    if (c.scheduleAt !== undefined && Number.isNaN(Date.parse(c.scheduleAt))) {
      ctx.addIssue({ code: 'custom', path: ['scheduleAt'], message: 'not a valid date and time' });
    }
    if (c.copierMemoryMiB < c.copierCpu * 2 || c.copierMemoryMiB > c.copierCpu * 8) {
      ctx.addIssue({
        code: 'custom',
        path: ['copierMemoryMiB'],
        message: `Fargate allows ${c.copierCpu * 2}-${c.copierCpu * 8} MiB with copierCpu=${c.copierCpu}`,
      });
    }
  });

export type InfraContext = z.output<typeof contextSchema>;

/** Every context key the stack reads (docs/deploy.md documents each one). */
export const CONTEXT_KEYS = Object.keys(contextSchema.shape) as readonly (keyof InfraContext)[];

/**
 * Reads our keys from a context lookup (`node.tryGetContext`). Other context (feature flags,
 * `aws:cdk:*`) is ignored. Throws one error listing every bad key, its value and what is allowed.
 */
export function readContext(get: (key: string) => unknown): InfraContext {
  const raw: Record<string, unknown> = {};
  for (const key of CONTEXT_KEYS) {
    const value = get(key);
    if (value !== undefined && value !== '') raw[key] = value;
  }
  const parsed = contextSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((issue) => {
    const key = String(issue.path[0] ?? '(context)');
    const seen = key in raw ? ` (got ${JSON.stringify(raw[key])})` : '';
    return `  - ${key}${seen}: ${issue.message}`;
  });
  throw new Error(
    `kraft-migrate stack: invalid CDK context:\n${lines.join('\n')}\n` +
      'Fix: pass -c key=value (see docs/deploy.md for every key and its default).',
  );
}
