/**
 * The Java side of the benchmark: Apache Kafka's ProducerPerformance (kafka-tools 4.1.1, from the
 * stack's jars) to fill the source and to measure the target's ingest ceiling, and MirrorMaker 2
 * (connect-mirror 4.1.1, from scripts/bench/deps.sh) in dedicated mode.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Proc, runToEnd } from './proc.ts';

export interface JavaEnv {
  readonly root: string;
  /** Where logs and rendered configs of this run go. */
  readonly runDir: string;
}

const TOOLS_LIBS = '.cache/kafka/4.1.1/libs';
const MM2_LIBS = '.cache/kafka/mm2-4.1.1/libs';

function jvm(env: JavaEnv, name: string, libs: string, heap: string): string[] {
  return [
    `-Xmx${heap}`,
    '-Xms128m',
    '-XX:+UseG1GC',
    '-XX:+ExitOnOutOfMemoryError',
    '-Djava.awt.headless=true',
    `-Dkraft.migrate.bench=${name}`,
    `-Dkraft.migrate.bench.log=${join(env.runDir, `${name}.log`)}`,
    `-Dlog4j2.configurationFile=${join(env.root, 'scripts/bench/log4j2.properties')}`,
    '-cp',
    `${join(env.root, libs)}/*`,
  ];
}

export interface PerfResult {
  readonly records: number;
  readonly recordsPerSecond: number;
  /** As ProducerPerformance prints it: MiB/s of record payload. */
  readonly mibPerSecond: number;
  readonly avgLatencyMs: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Sending time as ProducerPerformance measures it (records / its rate), JVM start excluded. */
  readonly seconds: number;
  /** Process start to exit, JVM start included. */
  readonly wallSeconds: number;
  readonly peakRssKiB: number;
  readonly cpuSeconds: number;
}

/**
 * `N records sent, R records/sec (M MB/sec), A ms avg latency, X ms max latency, P50 ms 50th, P95 ms 95th, P99 ms 99th, P999 ms 99.9th.`
 */
const TOTAL_LINE =
  /(\d+) records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\), ([\d.]+) ms avg latency, [\d.]+ ms max latency, (\d+) ms 50th, \d+ ms 95th, (\d+) ms 99th/;

export async function producerPerformance(
  env: JavaEnv,
  name: string,
  options: {
    readonly broker: string;
    readonly topic: string;
    readonly records: number;
    readonly payloadFile: string;
    readonly props: Record<string, string>;
    readonly timeoutMs: number;
  },
): Promise<PerfResult> {
  const logFile = join(env.runDir, `${name}.out`);
  const props = { 'bootstrap.servers': options.broker, ...options.props };
  const { exit, seconds, proc } = await runToEnd(
    name,
    'java',
    [
      ...jvm(env, name, TOOLS_LIBS, '512m'),
      'org.apache.kafka.tools.ProducerPerformance',
      '--topic',
      options.topic,
      '--num-records',
      String(options.records),
      '--throughput',
      '-1',
      '--payload-file',
      options.payloadFile,
      '--producer-props',
      ...Object.entries(props).map(([k, v]) => `${k}=${v}`),
    ],
    { logFile, timeoutMs: options.timeoutMs, cwd: env.root },
  );
  const output = readFileSync(logFile, 'utf8');
  const lines = output.trimEnd().split('\n');
  const total = lines.map((l) => TOTAL_LINE.exec(l)).findLast((m) => m !== null);
  if (exit.code !== 0 || !total) {
    throw new Error(
      `${name}: ProducerPerformance failed (exit ${exit.code ?? exit.signal}), see ${logFile}:\n${lines.slice(-15).join('\n')}`,
    );
  }
  const records = Number(total[1]);
  const rate = Number(total[2]);
  return {
    records,
    recordsPerSecond: rate,
    mibPerSecond: Number(total[3]),
    avgLatencyMs: Number(total[4]),
    p50Ms: Number(total[5]),
    p99Ms: Number(total[6]),
    seconds: rate > 0 ? records / rate : Number.NaN,
    wallSeconds: seconds,
    peakRssKiB: proc.peakRssKiB,
    cpuSeconds: proc.cpuSeconds,
  };
}

export interface Mm2Settings {
  readonly sourceAlias: string;
  readonly targetAlias: string;
  readonly sourceBroker: string;
  readonly targetBroker: string;
  readonly topics: readonly string[];
  readonly tasks: number;
  /** Extra lines appended to the rendered mm2.properties (e.g. producer overrides). */
  readonly extra: Record<string, string>;
}

/** Renders scripts/bench/mm2.properties for this run; returns the path. */
export function renderMm2Properties(env: JavaEnv, s: Mm2Settings): string {
  const template = readFileSync(join(env.root, 'scripts/bench/mm2.properties'), 'utf8');
  const topics = s.topics.map((t) => t.replace(/[.]/g, '\\\\.')).join(',');
  let text = template
    .replaceAll('@SRC@', s.sourceAlias)
    .replaceAll('@TGT@', s.targetAlias)
    .replaceAll('@SOURCE_BOOTSTRAP@', s.sourceBroker)
    .replaceAll('@TARGET_BOOTSTRAP@', s.targetBroker)
    .replaceAll('@TOPICS@', topics)
    .replaceAll('@TASKS@', String(s.tasks));
  const extra = Object.entries(s.extra);
  if (extra.length > 0) {
    text += `\n# Added by scripts/bench/main.ts for this run\n${extra.map(([k, v]) => `${k} = ${v}`).join('\n')}\n`;
  }
  const path = join(env.runDir, 'mm2.properties');
  writeFileSync(path, text);
  return path;
}

/** Starts MirrorMaker 2 in dedicated mode, driving only the herder of the target cluster. */
export function startMirrorMaker(env: JavaEnv, propertiesFile: string, targetAlias: string): Proc {
  return new Proc(
    'mm2',
    'java',
    [
      ...jvm(env, 'mm2', MM2_LIBS, '1g'),
      'org.apache.kafka.connect.mirror.MirrorMaker',
      propertiesFile,
      '--clusters',
      targetAlias,
    ],
    { logFile: join(env.runDir, 'mm2.out'), cwd: env.root },
  );
}
