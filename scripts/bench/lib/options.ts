/**
 * Benchmark options: flags (`--records 300000`), or the same names as environment variables
 * (`KRAFT_MIGRATE_BENCH_RECORDS=300000`); flags win.
 */
import { parseArgs } from 'node:util';
import { parsePartitionCounts } from './freeze-window.ts';

const PHASES = ['seed', 'mm2', 'ceiling', 'tail', 'cutover', 'scale'] as const;
export type Phase = (typeof PHASES)[number];
/** `npm run bench` without --phases; cutover and scale run whole migrations and are asked for by name. */
const DEFAULT_PHASES: readonly Phase[] = ['seed', 'mm2', 'ceiling', 'tail'];

export interface BenchOptions {
  /** Records of each topic set (the copier's set and MirrorMaker 2's set hold the same number). */
  readonly records: number;
  readonly valueBytes: number;
  /** Partitions of each topic set, spread evenly over `topics` topics. */
  readonly partitions: number;
  readonly topics: number;
  /** `seed.max_concurrent_partitions` of the copier. */
  readonly concurrency: number;
  readonly mm2Tasks: number;
  readonly sourceCompression: string;
  readonly tailRate: number;
  readonly tailSeconds: number;
  readonly tailPartitions: number;
  readonly tailValueBytes: number;
  readonly phases: readonly Phase[];
  /** Cutover: partitions of each measured migration (one migration per entry). */
  readonly cutoverPartitions: readonly number[];
  /** Cutover: consumer groups committed on every partition. */
  readonly cutoverGroups: number;
  /** Cutover: records per second of the steady producer (stopped by the freeze). */
  readonly cutoverRate: number;
  /** Scale: partitions of each measured migration, in order (a size twice = two runs of it). */
  readonly scalePartitions: readonly number[];
  /** Scale: `seed.copiers` of the migrations (undefined = the product's default). */
  readonly scaleCopiers: number | undefined;
  /** Scale: MirrorMaker 2's tasks.max (`--mm2-tasks`, default 8 in this phase). */
  readonly scaleMm2Tasks: number;
  /** Seconds of quiet between phases (the brokers flush and settle). */
  readonly settleSeconds: number;
  /** Upper bound of one phase. */
  readonly phaseTimeoutSeconds: number;
  /** Keep topics and buckets after the run (for inspection). */
  readonly keep: boolean;
  /** NODE_OPTIONS of the copier processes, e.g. `--cpu-prof --cpu-prof-dir=.local/bench/prof`. */
  readonly copierNodeOptions: string;
  /** KRAFT_MIGRATE_PASS_THROUGH_MIN_BATCH_BYTES of the copier ('' = its default, 'off' = re-encode all). */
  readonly passThrough: string;
}

const SPEC = {
  records: { type: 'string', default: '2000000', help: 'records per topic set' },
  'value-bytes': { type: 'string', default: '1024', help: 'bytes per record value (no key)' },
  partitions: { type: 'string', default: '8', help: 'partitions per topic set' },
  topics: { type: 'string', default: '2', help: 'topics per set (partitions are spread evenly)' },
  concurrency: { type: 'string', default: '', help: 'copier seed.max_concurrent_partitions [= partitions]' },
  'mm2-tasks': { type: 'string', default: '', help: 'MirrorMaker 2 tasks.max [= partitions]' },
  'source-compression': { type: 'string', default: 'lz4', help: 'compression of the source records' },
  'tail-rate': { type: 'string', default: '500', help: 'tail test: records per second' },
  'tail-seconds': { type: 'string', default: '20', help: 'tail test: seconds of producing' },
  'tail-partitions': { type: 'string', default: '4', help: 'tail test: partitions' },
  'tail-value-bytes': { type: 'string', default: '512', help: 'tail test: bytes per record value' },
  phases: {
    type: 'string',
    default: DEFAULT_PHASES.join(','),
    help: `subset of ${PHASES.join(',')}`,
  },
  'cutover-partitions': {
    type: 'string',
    default: '100,1000',
    help: 'cutover test: partitions of each measured migration',
  },
  'cutover-groups': {
    type: 'string',
    default: '3',
    help: 'cutover test: groups committed on every partition',
  },
  'cutover-rate': { type: 'string', default: '200', help: 'cutover test: records/s of the steady producer' },
  'scale-partitions': {
    type: 'string',
    default: '200,1000',
    help: 'scale test: partitions of each migration, in order (repeat a size for more runs: 200,200,1000)',
  },
  'scale-copiers': {
    type: 'string',
    default: '',
    help: "scale test: seed.copiers of the migrations [the product's default]",
  },
  settle: { type: 'string', default: '3', help: 'seconds of quiet between phases' },
  'phase-timeout': { type: 'string', default: '900', help: 'upper bound of one phase, seconds' },
  keep: { type: 'boolean', default: false, help: 'keep topics and buckets after the run' },
  'copier-node-options': {
    type: 'string',
    default: '',
    help: 'NODE_OPTIONS of the copier, e.g. ="--cpu-prof"',
  },
  'pass-through': {
    type: 'string',
    default: '',
    help: 'copier batch pass-through: min batch bytes, or "off" to re-encode every record [copier default]',
  },
  help: { type: 'boolean', default: false, help: 'this text' },
} as const;

export function usage(): string {
  const lines = Object.entries(SPEC).map(([name, s]) => {
    const env = `KRAFT_MIGRATE_BENCH_${name.toUpperCase().replaceAll('-', '_')}`;
    const def = s.type === 'boolean' || s.default === '' ? '' : ` (default ${s.default})`;
    return `  --${name.padEnd(20)} ${s.help}${def}${name === 'help' ? '' : `   [${env}]`}`;
  });
  return `usage: npm run bench -- [options]\n${lines.join('\n')}`;
}

export function parseOptions(argv: readonly string[], env: NodeJS.ProcessEnv): BenchOptions | 'help' {
  const { values } = parseArgs({
    args: [...argv],
    options: Object.fromEntries(Object.entries(SPEC).map(([k, s]) => [k, { type: s.type }])) as Record<
      string,
      { type: 'string' | 'boolean' }
    >,
    strict: true,
    allowPositionals: false,
  });
  if (values['help'] === true) return 'help';
  const get = (name: keyof typeof SPEC): string => {
    const flag = values[name];
    if (typeof flag === 'string') return flag;
    const fromEnv = env[`KRAFT_MIGRATE_BENCH_${name.toUpperCase().replaceAll('-', '_')}`];
    if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
    return String(SPEC[name].default);
  };
  const int = (name: keyof typeof SPEC, min: number, fallback?: number): number => {
    const text = get(name);
    if (text === '' && fallback !== undefined) return fallback;
    const n = Number(text);
    if (!Number.isInteger(n) || n < min)
      throw new Error(`--${name}: expected an integer ≥ ${min}, got "${text}"`);
    return n;
  };
  const partitions = int('partitions', 1);
  const topics = int('topics', 1);
  if (partitions % topics !== 0) {
    throw new Error(`--partitions ${partitions} must be a multiple of --topics ${topics}`);
  }
  const phases = get('phases')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  for (const p of phases) {
    if (!(PHASES as readonly string[]).includes(p)) {
      throw new Error(`--phases: unknown phase "${p}", expected some of ${PHASES.join(',')}`);
    }
  }
  const compression = get('source-compression');
  if (!['none', 'gzip', 'snappy', 'lz4', 'zstd'].includes(compression)) {
    throw new Error(`--source-compression: expected none, gzip, snappy, lz4 or zstd, got "${compression}"`);
  }
  const keepEnv = env['KRAFT_MIGRATE_BENCH_KEEP'];
  return {
    records: int('records', 1),
    valueBytes: int('value-bytes', 64),
    partitions,
    topics,
    concurrency: int('concurrency', 1, partitions),
    mm2Tasks: int('mm2-tasks', 1, partitions),
    sourceCompression: compression,
    tailRate: int('tail-rate', 1),
    tailSeconds: int('tail-seconds', 1),
    tailPartitions: int('tail-partitions', 1),
    tailValueBytes: int('tail-value-bytes', 32),
    phases: phases as Phase[],
    cutoverPartitions: parsePartitionCounts(get('cutover-partitions')),
    cutoverGroups: int('cutover-groups', 1),
    cutoverRate: int('cutover-rate', 1),
    scalePartitions: parsePartitionCounts(get('scale-partitions'), '--scale-partitions'),
    scaleCopiers: get('scale-copiers') === '' ? undefined : int('scale-copiers', 1),
    scaleMm2Tasks: int('mm2-tasks', 1, 8),
    settleSeconds: int('settle', 0),
    phaseTimeoutSeconds: int('phase-timeout', 10),
    keep: values['keep'] === true || keepEnv === '1' || keepEnv === 'true',
    copierNodeOptions: get('copier-node-options'),
    passThrough: passThrough(get('pass-through')),
  };
}

function passThrough(value: string): string {
  if (value !== '' && value !== 'off' && !/^\d{1,9}$/.test(value)) {
    throw new Error(`--pass-through: expected a byte count or "off", got "${value}"`);
  }
  return value;
}
