/** Kafka versions as the plan reads them (byte, duration and count renderings: core/domain/format.ts). */

export interface KafkaVersion {
  readonly major: number;
  readonly minor: number;
}

/** "3.9", "3.9.1", "3.9.x", "4.0.x.kraft", "3.7.x.kraft" → {major, minor}; anything else → undefined. */
export function parseKafkaVersion(text: string | null | undefined): KafkaVersion | undefined {
  if (!text) return undefined;
  const m = /^(\d+)\.(\d+)/.exec(text.trim());
  if (!m) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]) };
}

export function versionAtLeast(v: KafkaVersion, major: number, minor: number): boolean {
  return v.major > major || (v.major === major && v.minor >= minor);
}
