/**
 * The Kafka libraries' own logs. kafkajs logs every failure it then throws to us (and we turn it
 * into a catalogue error the user sees), so by default its lines are dropped: a user never sees
 * raw kafkajs JSON. With `KRAFT_MIGRATE_DEBUG` set they are written to stderr, one JSON line per
 * entry (INFO and above, no stack traces), with every known secret replaced by `***`.
 * @platformatic/kafka logs only through the `debug` package (`DEBUG=plt:kafka:*`).
 */
import kafkajs, { type logCreator } from 'kafkajs';

const { logLevel } = kafkajs;

export type LogSink = (line: string) => void;

const LEVEL_NAMES: Readonly<Record<number, string>> = {
  [logLevel.ERROR]: 'ERROR',
  [logLevel.WARN]: 'WARN',
  [logLevel.INFO]: 'INFO',
  [logLevel.DEBUG]: 'DEBUG',
};

/** Replaces every occurrence of each secret (longer than 3 characters) with `***`. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length > 3) out = out.replaceAll(s, '***');
  return out;
}

/** Library logs are written only when KRAFT_MIGRATE_DEBUG is set to a non-empty value (as cli/main.ts reads it). */
export function libraryLogsEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.KRAFT_MIGRATE_DEBUG);
}

const stderrSink: LogSink = (line) => process.stderr.write(`${line}\n`);

/**
 * A kafkajs logCreator: silent by default; with KRAFT_MIGRATE_DEBUG (or an explicit `sink`, as
 * tests pass) INFO and above go through `sink`, redacted. `secrets` may grow after creation (e.g.
 * a token fetched later): pass a live array.
 */
export function quietLogCreator(
  secrets: readonly string[] = [],
  sink: LogSink | undefined = libraryLogsEnabled() ? stderrSink : undefined,
): logCreator {
  return () =>
    ({ namespace, level, log }) => {
      if (sink === undefined || level > logLevel.INFO || level === logLevel.NOTHING) return;
      const {
        message,
        timestamp: _timestamp,
        logger: _logger,
        stack: _stack,
        ...extra
      } = log as typeof log & { logger?: unknown; stack?: unknown };
      const line = JSON.stringify({
        level: LEVEL_NAMES[level] ?? String(level),
        source: `kafkajs${namespace ? `:${namespace}` : ''}`,
        message,
        ...extra,
      });
      sink(redact(line, secrets));
    };
}
