/**
 * ASL reference paths (`$.a.b`, `$['a'].b[0]`) — the subset Step Functions allows in
 * TimeoutSecondsPath and friends. Returns undefined when the path does not point to a value.
 */
export function resolveReferencePath(path: string, value: unknown): unknown {
  if (!path.startsWith('$')) throw new Error(`not a reference path (must start with $): ${path}`);
  let current: unknown = value;
  let i = 1;
  while (i < path.length) {
    let key: string | number;
    if (path[i] === '.') {
      const match = /^\.([^.[\]]+)/.exec(path.slice(i));
      if (!match) throw new Error(`cannot parse reference path ${path} at character ${i}`);
      key = match[1]!;
      i += match[0].length;
    } else if (path[i] === '[') {
      const match = /^\[(?:'([^']*)'|"([^"]*)"|(\d+))\]/.exec(path.slice(i));
      if (!match) throw new Error(`cannot parse reference path ${path} at character ${i}`);
      key = match[3] === undefined ? (match[1] ?? match[2]!) : Number(match[3]);
      i += match[0].length;
    } else {
      throw new Error(`cannot parse reference path ${path} at character ${i}`);
    }
    if (typeof current !== 'object' || current === null) return undefined;
    if (typeof key === 'number' && !Array.isArray(current)) return undefined;
    if (!Object.hasOwn(current, key)) return undefined;
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}
