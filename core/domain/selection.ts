/**
 * Which topics and groups a migration covers. Patterns are regular expressions matched against the
 * whole name (`orders` does not select `orders-dlq`; write `orders.*` for that). Internal topics are
 * never selected, whatever the patterns say.
 */
export interface Selection {
  readonly include: readonly string[];
  readonly exclude: readonly string[];
}

/** Kafka's and MSK's own topics: never copied. */
const INTERNAL_TOPIC_NAMES = [
  '__consumer_offsets',
  '__transaction_state',
  '__amazon_msk_canary',
  '__amazon_msk_connect_configs',
  '__cluster_metadata',
] as const;

/** Kafka's (`__*`) and Confluent's (`_confluent-*`) internal topics. `_schemas` is user data: it is copied. */
export function isInternalTopic(name: string): boolean {
  return (
    name.startsWith('__') ||
    name.startsWith('_confluent-') ||
    (INTERNAL_TOPIC_NAMES as readonly string[]).includes(name)
  );
}

function compile(patterns: readonly string[]): RegExp[] {
  return patterns.map((p) => new RegExp(`^(?:${p})$`));
}

export function matcher(selection: Selection): (name: string) => boolean {
  const include = compile(selection.include);
  const exclude = compile(selection.exclude);
  return (name) => include.some((r) => r.test(name)) && !exclude.some((r) => r.test(name));
}

export interface TopicSelection {
  readonly selected: string[];
  /** Internal topics the patterns would have matched or that exist: reported as I02. */
  readonly excludedInternal: string[];
}

export function selectTopics(names: readonly string[], selection: Selection): TopicSelection {
  const matches = matcher(selection);
  const selected: string[] = [];
  const excludedInternal: string[] = [];
  for (const name of [...names].sort()) {
    if (isInternalTopic(name)) excludedInternal.push(name);
    else if (matches(name)) selected.push(name);
  }
  return { selected, excludedInternal };
}

export function selectGroups(groupIds: readonly string[], selection: Selection): string[] {
  const matches = matcher(selection);
  return [...groupIds].filter(matches).sort();
}
