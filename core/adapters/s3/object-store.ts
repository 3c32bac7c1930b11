import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  DeleteObjectCommand,
  GetBucketEncryptionCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  GetObjectLockConfigurationCommand,
  HeadBucketCommand,
  PutObjectCommand,
  type PutObjectCommandInput,
  paginateListObjectsV2,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import type { BucketFacts, ObjectBody, ObjectHead, ObjectStore, PutOptions } from '../../ports.ts';
import { errorName, isNoSuchBucket, toS3Error } from './errors.ts';
import { formatS3Url, objectKey, parseS3Url, type S3Location } from './url.ts';

export interface S3ObjectStoreOptions {
  /** `s3://bucket` or `s3://bucket/prefix`; keys are relative to the prefix. */
  readonly url: string;
  /** @default AWS_REGION, AWS_DEFAULT_REGION, then us-east-1 (redirects to the bucket's region are followed) */
  readonly region?: string | undefined;
  /** S3-compatible endpoint (local runs); switches to path-style addressing. */
  readonly endpoint?: string | undefined;
  /** SSE-KMS key for every put. @default the bucket's default encryption */
  readonly kmsKeyArn?: string | undefined;
  readonly credentials?: S3ClientConfig['credentials'];
  /** Bring your own client (shared across stores, or instrumented in tests). */
  readonly client?: S3Client | undefined;
}

/** Builds the S3 client the way every store wants it. */
export function createS3Client(
  options: Omit<S3ObjectStoreOptions, 'url' | 'kmsKeyArn' | 'client'>,
): S3Client {
  return new S3Client({
    region: options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
    followRegionRedirects: true,
    ...(options.endpoint ? { endpoint: options.endpoint, forcePathStyle: true } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
  });
}

/** S3 requests this process made (puts, gets, list pages): the copier's `resources` log line. */
export const s3RequestCounts = { put: 0, get: 0, list: 0 };

/** ObjectStore over @aws-sdk/client-s3. Errors come out as the catalogue's classes (see errors.ts). */
export class S3ObjectStore implements ObjectStore {
  readonly url: string;
  readonly location: S3Location;
  readonly client: S3Client;
  readonly #kmsKeyArn: string | undefined;

  constructor(options: S3ObjectStoreOptions) {
    this.location = parseS3Url(options.url);
    this.url = formatS3Url(this.location);
    this.client = options.client ?? createS3Client(options);
    this.#kmsKeyArn = options.kmsKeyArn;
  }

  /** `s3://bucket/prefix/key` of a key of this store. */
  urlOf(key: string): string {
    return `s3://${this.location.bucket}/${objectKey(this.location, key)}`;
  }

  async put(key: string, body: ObjectBody, options: PutOptions = {}): Promise<void> {
    s3RequestCounts.put++;
    // The SDK retries a put itself, except when its body is a stream (chunks): it cannot rewind one.
    // A chunked put is retried here, each attempt with a fresh stream from the first chunk.
    const attempts = Array.isArray(body) ? CHUNKED_PUT_ATTEMPTS : 1;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.client.send(this.#putCommand(key, body, options));
        return;
      } catch (e) {
        if (attempt >= attempts || !retryablePutError(e)) {
          throw toS3Error(e, {
            operation: 'PutObject',
            location: this.urlOf(key),
            conditional: options.ifNoneMatch === true,
            retention: options.retainUntil !== undefined,
          });
        }
        await sleep(100 * 2 ** attempt);
      }
    }
  }

  #putCommand(key: string, body: ObjectBody, options: PutOptions): PutObjectCommand {
    const input: PutObjectCommandInput = {
      Bucket: this.location.bucket,
      Key: objectKey(this.location, key),
      ...bodyOf(body),
      // Object Lock puts need Content-MD5 or an SDK checksum; SHA-256 also guards every upload.
      ChecksumAlgorithm: 'SHA256',
      // Known already (segments): S3 checks it, the SDK does not hash the body a second time.
      ...(options.sha256 ? { ChecksumSHA256: Buffer.from(options.sha256, 'hex').toString('base64') } : {}),
      ...(options.contentType ? { ContentType: options.contentType } : {}),
      ...(options.ifNoneMatch ? { IfNoneMatch: '*' } : {}),
      ...(this.#kmsKeyArn ? { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: this.#kmsKeyArn } : {}),
      ...(options.retainUntil
        ? { ObjectLockMode: 'COMPLIANCE', ObjectLockRetainUntilDate: options.retainUntil }
        : {}),
    };
    const command = new PutObjectCommand(input);
    if (options.sha256) {
      // SigV4 signs the payload's SHA-256: given, the signer does not hash the body once more.
      const sha256 = options.sha256;
      command.middlewareStack.add(
        (next) => (args) => {
          const request = args.request as { headers?: Record<string, string> };
          if (request.headers) request.headers['x-amz-content-sha256'] = sha256;
          return next(args);
        },
        { step: 'build', name: 'kraftMigrateKnownPayloadHash' },
      );
    }
    return command;
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    s3RequestCounts.get++;
    try {
      const out = await this.client.send(
        new GetObjectCommand({ Bucket: this.location.bucket, Key: objectKey(this.location, key) }),
      );
      return out.Body ? await out.Body.transformToByteArray() : new Uint8Array();
    } catch (e) {
      if (errorName(e) === 'NoSuchKey') return undefined;
      throw toS3Error(e, { operation: 'GetObject', location: this.urlOf(key) });
    }
  }

  /** Every object under `prefix` (relative to the store), keys relative to the store: all pages, or until `limit`. */
  async list(prefix: string, options: { readonly limit?: number } = {}): Promise<ObjectHead[]> {
    const limit = options.limit ?? Number.POSITIVE_INFINITY;
    const heads: ObjectHead[] = [];
    const strip = this.location.prefix === '' ? 0 : this.location.prefix.length + 1;
    try {
      const pages = paginateListObjectsV2(
        { client: this.client },
        { Bucket: this.location.bucket, Prefix: objectKey(this.location, prefix) },
      );
      for await (const page of pages) {
        s3RequestCounts.list++;
        for (const o of page.Contents ?? []) {
          if (o.Key === undefined) continue;
          heads.push({ key: o.Key.slice(strip), bytes: o.Size ?? 0, etag: o.ETag });
        }
        if (heads.length >= limit) break;
      }
    } catch (e) {
      throw toS3Error(e, { operation: 'ListObjectsV2', location: this.urlOf(prefix) });
    }
    return heads;
  }

  async delete(key: string): Promise<void> {
    try {
      await this.client.send(
        new DeleteObjectCommand({ Bucket: this.location.bucket, Key: objectKey(this.location, key) }),
      );
    } catch (e) {
      throw toS3Error(e, { operation: 'DeleteObject', location: this.urlOf(key) });
    }
  }

  /**
   * HeadBucket, then Object Lock, versioning and default encryption. "Not configured" answers
   * become false/undefined; a missing bucket is `exists: false`. `kmsKeyArn` is the default
   * SSE-KMS key id/ARN, or `alias/aws/s3` for SSE-KMS with the AWS-managed key.
   */
  async bucketFacts(): Promise<BucketFacts> {
    const bucket = this.location.bucket;
    const location = `s3://${bucket}`;
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: bucket }));
    } catch (e) {
      if (isNoSuchBucket(e)) {
        return { exists: false, objectLockEnabled: false, versioningEnabled: false, kmsKeyArn: undefined };
      }
      throw toS3Error(e, { operation: 'HeadBucket', location });
    }
    const [objectLockEnabled, versioningEnabled, kmsKeyArn] = await Promise.all([
      this.#objectLockEnabled(location),
      this.#versioningEnabled(location),
      this.#defaultKmsKey(location),
    ]);
    return { exists: true, objectLockEnabled, versioningEnabled, kmsKeyArn };
  }

  async #objectLockEnabled(location: string): Promise<boolean> {
    try {
      const out = await this.client.send(
        new GetObjectLockConfigurationCommand({ Bucket: this.location.bucket }),
      );
      return out.ObjectLockConfiguration?.ObjectLockEnabled === 'Enabled';
    } catch (e) {
      if (errorName(e) === 'ObjectLockConfigurationNotFoundError') return false;
      throw toS3Error(e, { operation: 'GetObjectLockConfiguration', location });
    }
  }

  async #versioningEnabled(location: string): Promise<boolean> {
    try {
      const out = await this.client.send(new GetBucketVersioningCommand({ Bucket: this.location.bucket }));
      return out.Status === 'Enabled';
    } catch (e) {
      throw toS3Error(e, { operation: 'GetBucketVersioning', location });
    }
  }

  async #defaultKmsKey(location: string): Promise<string | undefined> {
    try {
      const out = await this.client.send(new GetBucketEncryptionCommand({ Bucket: this.location.bucket }));
      const rules = out.ServerSideEncryptionConfiguration?.Rules ?? [];
      const kms = rules
        .map((r) => r.ApplyServerSideEncryptionByDefault)
        .find((d) => d?.SSEAlgorithm === 'aws:kms' || d?.SSEAlgorithm === 'aws:kms:dsse');
      return kms ? (kms.KMSMasterKeyID ?? 'alias/aws/s3') : undefined;
    } catch (e) {
      if (errorName(e) === 'ServerSideEncryptionConfigurationNotFoundError') return undefined;
      throw toS3Error(e, { operation: 'GetBucketEncryption', location });
    }
  }
}

/** Attempts of a put whose body is chunks (a stream the SDK does not retry), as the SDK's default. */
const CHUNKED_PUT_ATTEMPTS = 3;

/** A server fault (5xx: SlowDown, InternalError), throttling, or a connection lost on the way. */
function retryablePutError(e: unknown): boolean {
  const err = e as { $fault?: string; $metadata?: { httpStatusCode?: number }; code?: string };
  return (
    err.$fault === 'server' ||
    err.$metadata?.httpStatusCode === 429 ||
    ['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNREFUSED'].includes(err.code ?? '')
  );
}

/**
 * The request body: chunks go as a stream of their own bytes with the total length (no joined copy).
 * The SDK neither buffers nor hashes it when the SHA-256 is given (PutOptions.sha256): chunks need it.
 */
function bodyOf(body: ObjectBody): Pick<PutObjectCommandInput, 'Body' | 'ContentLength'> {
  if (typeof body === 'string' || body instanceof Uint8Array) return { Body: body };
  let length = 0;
  for (const c of body) length += c.byteLength;
  const chunks = body.map((c) => Buffer.from(c.buffer, c.byteOffset, c.byteLength));
  return { Body: Readable.from(chunks, { objectMode: false }), ContentLength: length };
}
