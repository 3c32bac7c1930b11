import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { InfraContext } from './context.ts';

/**
 * The migration's two buckets (SPEC §8) and the bucket their server access logs go to.
 *
 * - segments: staged seed segments, `<segments>/<id>/topics/<topic>/partition=<p>/`; expired after
 *   `segmentsExpireDays` (they are only needed until validation).
 * - evidence: journal and signed evidence.json, Object Lock on (per-object COMPLIANCE retention is
 *   set by the tool when `evidence.retention` is configured; `evidenceRetentionDays` adds a bucket
 *   default). Retained when the stack is deleted.
 *
 * All three: public access blocked, TLS only, versioned. Segments and evidence use the KMS key of
 * `kmsKeyArn` when given, else S3-managed keys. The access-log bucket always uses S3-managed keys
 * (S3 server access logging cannot deliver to SSE-KMS buckets).
 */
export class Buckets extends Construct {
  readonly segments: s3.Bucket;
  readonly evidence: s3.Bucket;
  readonly accessLogs: s3.Bucket;
  readonly kmsKey: kms.IKey | undefined;

  constructor(scope: Construct, id: string, ctx: InfraContext) {
    super(scope, id);
    this.kmsKey = ctx.kmsKeyArn ? kms.Key.fromKeyArn(this, 'StorageKey', ctx.kmsKeyArn) : undefined;
    const encryption = this.kmsKey
      ? { encryption: s3.BucketEncryption.KMS, encryptionKey: this.kmsKey, bucketKeyEnabled: true }
      : { encryption: s3.BucketEncryption.S3_MANAGED };
    const common = {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: RemovalPolicy.RETAIN,
    } as const;

    this.accessLogs = new s3.Bucket(this, 'AccessLogs', {
      ...common,
      encryption: s3.BucketEncryption.S3_MANAGED,
      lifecycleRules: [
        {
          id: 'expire-access-logs',
          expiration: Duration.days(365),
          noncurrentVersionExpiration: Duration.days(30),
        },
      ],
    });

    this.segments = new s3.Bucket(this, 'Segments', {
      ...common,
      ...encryption,
      bucketName: ctx.segmentsBucketName,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: 'segments/',
      lifecycleRules: [
        {
          id: 'expire-segments',
          expiration: Duration.days(ctx.segmentsExpireDays),
          noncurrentVersionExpiration: Duration.days(1),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
    });

    this.evidence = new s3.Bucket(this, 'Evidence', {
      ...common,
      ...encryption,
      bucketName: ctx.evidenceBucketName,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: 'evidence/',
      objectLockEnabled: true,
      ...(ctx.evidenceRetentionDays !== undefined
        ? {
            objectLockDefaultRetention:
              ctx.evidenceRetentionMode === 'GOVERNANCE'
                ? s3.ObjectLockRetention.governance(Duration.days(ctx.evidenceRetentionDays))
                : s3.ObjectLockRetention.compliance(Duration.days(ctx.evidenceRetentionDays)),
          }
        : {}),
    });
  }
}
