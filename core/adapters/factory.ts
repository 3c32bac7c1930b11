import type { MigrationConfig } from '../domain/config/schema.ts';
import type { Adapters } from '../ports.ts';
import { LocalFileJournalStore } from './journal/local-file.ts';
import { S3JournalStore } from './journal/s3.ts';
import { FirstBatchTimestamps } from './kafka/first-records.ts';
import { PlatformaticGroupAdmin } from './kafka/group-offsets.ts';
import { PlatformaticRecordReader } from './kafka/reader.ts';
import { PlatformaticRecordWriter } from './kafka/writer.ts';
import { AwsMskApi } from './msk.ts';
import { createS3Client, S3ObjectStore } from './s3/object-store.ts';
import { probeBucket } from './s3/probe.ts';
import { AwsSecretsReader, regionOfArn } from './secrets.ts';
import { probeSigningKey } from './signing-key.ts';

export interface AdapterOptions {
  readonly journalDir?: string | undefined;
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * Builds the concrete adapters (core/ports.ts Adapters) for one migration config. Shared by the
 * composition roots (cli/, lambdas/, fargate-copier/) so that all of them talk to Kafka, S3 and AWS
 * the same way. Clients are created lazily and reused (MSK IAM allows only 100 new connections/s per
 * broker).
 */
export function createAdapters(config: MigrationConfig, options: AdapterOptions = {}): Adapters {
  const env = options.env ?? process.env;
  let msk: AwsMskApi | undefined;
  const mskApi = (): AwsMskApi => {
    msk ??= new AwsMskApi();
    return msk;
  };
  const secrets = new AwsSecretsReader();
  const s3 = createS3Client({
    region: config.storage.region ?? env['AWS_REGION'],
    endpoint: config.storage.endpoint,
    credentials: credentialsFromEnv(env),
  });
  const stores = new Map<string, S3ObjectStore>();
  const objectStore = (role: 'segments' | 'evidence'): S3ObjectStore => {
    let store = stores.get(role);
    if (!store) {
      store = new S3ObjectStore({
        url: config.storage[role],
        client: s3,
        kmsKeyArn: config.storage.kms_key_arn,
      });
      stores.set(role, store);
    }
    return store;
  };
  return {
    get msk() {
      return mskApi();
    },
    async kafkaAdmin(role, bootstrap) {
      const cluster = bootstrap ? { ...config[role], bootstrap_servers: [...bootstrap] } : config[role];
      // imported on first use, like KMS below: the copier never administers (kafkajs stays unloaded)
      const { KafkajsAdmin } = await import('./kafka/admin.ts');
      return KafkajsAdmin.create(cluster, { msk: mskApi(), secrets, env, clientId: `kraft-migrate-${role}` });
    },
    recordReader(role, readerOptions = {}) {
      return PlatformaticRecordReader.create(config[role], {
        isolationLevel: role === 'source' ? config.seed.isolation_level : 'read_uncommitted',
        ...readerOptions,
        deps: { msk: mskApi(), secrets, env, clientId: `kraft-migrate-${role}-reader` },
      });
    },
    firstRecords(role) {
      const deps = { msk: mskApi(), secrets, env, clientId: `kraft-migrate-${role}-first-records` };
      return FirstBatchTimestamps.create(config[role], { deps });
    },
    recordWriter(writerOptions = {}, role = 'target') {
      return PlatformaticRecordWriter.create(config[role], {
        ...writerOptions,
        deps: {
          msk: mskApi(),
          secrets,
          env,
          clientId: `kraft-migrate-${role === 'target' ? 'writer' : 'sentinels'}`,
        },
      });
    },
    groupAdmin(role) {
      return PlatformaticGroupAdmin.create(config[role], {
        deps: { msk: mskApi(), secrets, env, clientId: `kraft-migrate-${role}-groups` },
      });
    },
    objectStore,
    async probeBucket(role) {
      return { role, ...(await probeBucket(objectStore(role))) };
    },
    probeSigningKey() {
      return probeSigningKey(config.evidence, {
        kmsKeySpec: async (arn) => {
          const { GetPublicKeyCommand, KMSClient } = await import('@aws-sdk/client-kms');
          const kms = new KMSClient({ region: regionOfArn(arn) ?? env['AWS_REGION'] });
          const out = await kms.send(new GetPublicKeyCommand({ KeyId: arn }));
          return out.KeySpec ?? 'UNKNOWN';
        },
        secretString: (arn) => secrets.readSecretString(arn),
      });
    },
    journal(migrationId) {
      return options.journalDir
        ? new LocalFileJournalStore(options.journalDir)
        : new S3JournalStore(objectStore('evidence'), migrationId);
    },
  };
}

/**
 * Static credentials when the given environment carries them (the CLI passes its own env, tests a
 * fake one); otherwise undefined, and the SDK's default provider chain (roles, profiles) applies.
 */
function credentialsFromEnv(env: NodeJS.ProcessEnv) {
  const accessKeyId = env['AWS_ACCESS_KEY_ID'];
  const secretAccessKey = env['AWS_SECRET_ACCESS_KEY'];
  if (!accessKeyId || !secretAccessKey) return undefined;
  const sessionToken = env['AWS_SESSION_TOKEN'];
  return sessionToken ? { accessKeyId, secretAccessKey, sessionToken } : { accessKeyId, secretAccessKey };
}
