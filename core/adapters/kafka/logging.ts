/**
 * kafkajs logging: WARN and above, one JSON line per entry on stderr (no stack traces), with every
 * known secret (passwords, tokens) replaced by `***` before anything is written.
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

/**
 * kafkajs logs every error response at ERROR ("Response DescribeAcls(key: 29, version: 1)") before
 * throwing it to the caller, who turns it into a catalogue error (or an expected answer such as
 * SECURITY_DISABLED): those lines are noise and are dropped. Connection errors are kept.
 */
function isProtocolErrorResponse(namespace: string, message: string): boolean {
  return namespace === 'Connection' && message.startsWith('Response ');
}

/**
 * A kafkajs logCreator that keeps WARN+ and writes through `sink` (stderr by default).
 * `secrets` may grow after creation (e.g. a token fetched later): pass a live array.
 */
export function quietLogCreator(
  secrets: readonly string[] = [],
  sink: LogSink = (line) => process.stderr.write(`${line}\n`),
): logCreator {
  return () =>
    ({ namespace, level, log }) => {
      if (level > logLevel.WARN || level === logLevel.NOTHING) return;
      if (isProtocolErrorResponse(namespace, log.message)) return;
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
