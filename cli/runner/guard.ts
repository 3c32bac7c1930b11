/**
 * What stands between an ASL that is right for AWS and a local run that behaves the same.
 *
 * `checkLocallyRunnable` REFUSES definitions that use features aws-local-stepfunctions 3.0.0 would
 * silently ignore (the run would "succeed" with wrong results). `prepareForLocal` rewrites the
 * few things the interpreter gets wrong but that have a faithful local equivalent.
 *
 * Decisions:
 * - `HeartbeatSeconds` is allowed on `.waitForTaskToken` tasks: the token broker emulates it
 *   (`sendTaskHeartbeat`, `States.HeartbeatTimeout`). On any other task it is refused: locally
 *   nothing can send heartbeats for an in-process handler or a child process, and the interpreter
 *   would ignore the field. `HeartbeatSecondsPath` is always refused.
 * - `TimeoutSecondsPath` is allowed: AWS reads it from the state input, the interpreter from the
 *   effective input (after Parameters). `prepareForLocal` copies the value into Parameters under
 *   `LOCAL_TIMEOUT_PARAMETER` so both read the same number; the runner removes that key again
 *   before the handler sees the payload, and clamps it.
 * - `$$.State.*` is not provided by the interpreter (the path would fail at run time, possibly
 *   late in a migration): refused. Inside Map/Parallel the interpreter gives each iteration or
 *   branch its own `$$.Execution.Input`/`StartTime`: refused there — pass values in ItemSelector.
 * - `$$.Task.Token` outside a `.waitForTaskToken` task would receive the runner's placeholder:
 *   refused (AWS provides no token there either).
 */
import { InvalidInputError } from '../../core/domain/errors.ts';
import type { AslDefinition, AslState } from './asl.ts';
import { classifyResource } from './resources.ts';
import { allStates, nestedMachines } from './walk.ts';

/** setTimeout overflows above 2^31-1 ms and fires at once: the largest safe whole-second timeout. */
export const MAX_LOCAL_TIMEOUT_SECONDS = 2_147_483;

/** Key `prepareForLocal` adds to Parameters to carry a `TimeoutSecondsPath` value (see above). */
export const LOCAL_TIMEOUT_PARAMETER = '__kraftMigrateLocalTimeoutSeconds';

export interface LocalRunBlocker {
  /** `(top level)` or the state's place, e.g. `Seed > CopyShard`. */
  readonly where: string;
  readonly field: string;
  readonly reason: string;
}

const JSONATA = 'JSONata (QueryLanguage) is not evaluated: expressions would be passed through as text';

const STATE_FIELDS: Readonly<Record<string, string>> = {
  Arguments: 'JSONata-only field: ignored, the task would receive its raw input',
  Output: 'JSONata-only field: ignored, the state output would be wrong',
  Assign: 'workflow variables are not supported: the assignment would be skipped',
};

const MAP_FIELDS: Readonly<Record<string, string>> = {
  ItemReader: 'Distributed Map reader (S3 items) is ignored: the Map would iterate over its input instead',
  ItemBatcher: 'Distributed Map batching is ignored: items would not be batched',
  ResultWriter: 'Distributed Map result writer is ignored: results would not be written to S3',
  ToleratedFailurePercentage: 'ignored: any failed iteration would fail the Map',
  ToleratedFailurePercentagePath: 'ignored: any failed iteration would fail the Map',
  ToleratedFailureCount: 'ignored: any failed iteration would fail the Map',
  ToleratedFailureCountPath: 'ignored: any failed iteration would fail the Map',
  Items: 'JSONata-only field: ignored, the Map would iterate over its input instead',
};

/** Every reason the definition cannot run locally like it runs in AWS (empty when it can). */
export function findLocalRunBlockers(asl: AslDefinition): LocalRunBlocker[] {
  const blockers: LocalRunBlocker[] = [];
  checkMachine(asl, '(top level)', blockers);

  const seen = new Map<string, string>();
  for (const visit of allStates(asl)) {
    const { name, state, where } = visit;
    const nested = visit.parents.length > 0;
    const add = (field: string, reason: string) => blockers.push({ where, field, reason });

    const previous = seen.get(name);
    if (previous !== undefined) {
      add('(name)', `the state name is also used at ${previous}; handlers are keyed by state name`);
    } else seen.set(name, where);

    if (state['QueryLanguage'] === 'JSONata') add('QueryLanguage', JSONATA);
    for (const [field, reason] of Object.entries(STATE_FIELDS)) if (field in state) add(field, reason);
    if (state.Type === 'Map') {
      for (const [field, reason] of Object.entries(MAP_FIELDS)) if (field in state) add(field, reason);
    }
    for (const [i, catcher] of arrayOf(state['Catch']).entries()) {
      for (const field of ['Assign', 'Output']) {
        if (isObject(catcher) && field in catcher) add(`Catch[${i}].${field}`, STATE_FIELDS[field]!);
      }
    }
    if (state.Type === 'Choice') checkChoiceRules(arrayOf(state['Choices']), 'Choices', add);
    for (const nestedMachine of nestedMachines(state)) checkMachine(nestedMachine, where, blockers);

    const isTokenTask =
      state.Type === 'Task' &&
      typeof state['Resource'] === 'string' &&
      classifyResource(state['Resource']).pattern === 'wait-for-task-token';
    if ('HeartbeatSecondsPath' in state) {
      add('HeartbeatSecondsPath', 'ignored by the interpreter; use a fixed HeartbeatSeconds on a token task');
    }
    if ('HeartbeatSeconds' in state && !isTokenTask) {
      add(
        'HeartbeatSeconds',
        'only emulated for .waitForTaskToken tasks (the broker receives the heartbeats); here it would be ignored',
      );
    }

    for (const { field, expr } of pathExpressions(state)) {
      if (/\$\$\.State\b/.test(expr)) {
        add(field, `${expr}: the context object has no State locally (the path would fail at run time)`);
      }
      if (nested && /\$\$\.Execution\.(Input|StartTime)\b/.test(expr)) {
        add(
          field,
          `${expr}: inside a Map/Parallel the interpreter returns the iteration's own value, not the execution's; pass it through ItemSelector/Parameters`,
        );
      }
      if (!isTokenTask && /\$\$\.Task\.Token\b/.test(expr)) {
        add(field, `${expr}: a task token exists only in a .waitForTaskToken task`);
      }
    }
  }
  return blockers;
}

/** Throws one InvalidInputError listing every blocker; returns quietly when there is none. */
export function checkLocallyRunnable(asl: AslDefinition): void {
  const blockers = findLocalRunBlockers(asl);
  if (blockers.length === 0) return;
  const lines = blockers.map((b) => `  - ${describeWhere(b.where)}: ${b.field} — ${b.reason}`);
  throw new InvalidInputError(
    `The state machine uses ${blockers.length} feature(s) the local runner (aws-local-stepfunctions 3.0.0) would silently ignore, so a local run would not behave like AWS:\n${lines.join('\n')}`,
    {
      code: 'ASL_NOT_LOCALLY_RUNNABLE',
      fix: 'Keep the workflow JSONPath-only, without variables or Distributed Map features (SPEC §7), then synthesize again.',
    },
  );
}

/**
 * A copy of the definition the interpreter runs like AWS would:
 * - every `TimeoutSeconds` (top level, Task) clamped to MAX_LOCAL_TIMEOUT_SECONDS, and Wait
 *   `Seconds` too (a larger timer fires at once);
 * - Task states without a timeout get MAX_LOCAL_TIMEOUT_SECONDS (AWS: none; the interpreter
 *   would otherwise fail them after 60 s with States.Timeout);
 * - `TimeoutSecondsPath` of a Task with Parameters: the value is copied into Parameters under
 *   LOCAL_TIMEOUT_PARAMETER (see the module comment);
 * - `ResultPath: "$"` removed (the same as the default; the interpreter would write the result
 *   under a key named "$") and `$[...]` result paths rewritten to the `$.[...]` form it parses.
 */
export function prepareForLocal(asl: AslDefinition): AslDefinition {
  const copy = structuredClone(asl) as Record<string, unknown> & AslDefinition;
  prepareMachine(copy, true);
  return copy;
}

function prepareMachine(machine: AslDefinition, topLevel: boolean): void {
  const m = machine as Record<string, unknown>;
  if (topLevel && typeof m['TimeoutSeconds'] === 'number') m['TimeoutSeconds'] = clamp(m['TimeoutSeconds']);
  for (const state of Object.values(machine.States)) {
    const s = state as Record<string, unknown>;
    if (state.Type === 'Task') {
      if (typeof s['TimeoutSeconds'] === 'number') s['TimeoutSeconds'] = clamp(s['TimeoutSeconds']);
      else if (typeof s['TimeoutSecondsPath'] === 'string') {
        // Idempotent: a definition prepared before (synthesizeLocalDefinition) keeps its copy.
        if (isObject(s['Parameters']) && s['TimeoutSecondsPath'] !== `$.${LOCAL_TIMEOUT_PARAMETER}`) {
          s['Parameters'] = { ...s['Parameters'], [`${LOCAL_TIMEOUT_PARAMETER}.$`]: s['TimeoutSecondsPath'] };
          s['TimeoutSecondsPath'] = `$.${LOCAL_TIMEOUT_PARAMETER}`;
        }
      } else s['TimeoutSeconds'] = MAX_LOCAL_TIMEOUT_SECONDS;
    }
    if (state.Type === 'Wait' && typeof s['Seconds'] === 'number') s['Seconds'] = clamp(s['Seconds']);
    fixResultPath(s);
    for (const catcher of arrayOf(s['Catch'])) if (isObject(catcher)) fixResultPath(catcher);
    for (const nested of nestedMachines(state)) prepareMachine(nested, false);
  }
}

function fixResultPath(holder: Record<string, unknown>): void {
  const path = holder['ResultPath'];
  if (path === '$') delete holder['ResultPath'];
  else if (typeof path === 'string' && path.startsWith('$[')) holder['ResultPath'] = `$.${path.slice(1)}`;
}

function clamp(seconds: number): number {
  return Math.min(seconds, MAX_LOCAL_TIMEOUT_SECONDS);
}

function checkMachine(machine: AslDefinition, where: string, blockers: LocalRunBlocker[]): void {
  if (machine.QueryLanguage === 'JSONata') blockers.push({ where, field: 'QueryLanguage', reason: JSONATA });
}

function checkChoiceRules(rules: unknown[], at: string, add: (field: string, reason: string) => void): void {
  for (const [i, rule] of rules.entries()) {
    if (!isObject(rule)) continue;
    if ('Condition' in rule) add(`${at}[${i}].Condition`, 'JSONata-only field: the rule would never match');
    for (const field of ['Assign', 'Output']) {
      if (field in rule) add(`${at}[${i}].${field}`, STATE_FIELDS[field]!);
    }
  }
}

/** JSONPath expressions and intrinsic calls of a state (not literal data, not nested machines). */
function pathExpressions(state: AslState): { field: string; expr: string }[] {
  const out: { field: string; expr: string }[] = [];
  for (const field of ['Parameters', 'ItemSelector', 'ResultSelector']) {
    collectTemplate(state[field], field, out);
  }
  for (const [field, value] of Object.entries(state)) {
    if ((field.endsWith('Path') || field === 'Variable') && typeof value === 'string') {
      out.push({ field, expr: value });
    }
  }
  if (state.Type === 'Choice') collectChoice(state['Choices'], 'Choices', out);
  return out;
}

function collectTemplate(node: unknown, at: string, out: { field: string; expr: string }[]): void {
  if (Array.isArray(node)) {
    for (const [i, n] of node.entries()) collectTemplate(n, `${at}[${i}]`, out);
    return;
  }
  if (!isObject(node)) return;
  for (const [key, value] of Object.entries(node)) {
    if (key.endsWith('.$') && typeof value === 'string') out.push({ field: `${at}.${key}`, expr: value });
    else collectTemplate(value, `${at}.${key}`, out);
  }
}

function collectChoice(node: unknown, at: string, out: { field: string; expr: string }[]): void {
  if (Array.isArray(node)) {
    for (const [i, n] of node.entries()) collectChoice(n, `${at}[${i}]`, out);
    return;
  }
  if (!isObject(node)) return;
  for (const [key, value] of Object.entries(node)) {
    if ((key === 'Variable' || key.endsWith('Path')) && typeof value === 'string') {
      out.push({ field: `${at}.${key}`, expr: value });
    } else if (key === 'And' || key === 'Or' || key === 'Not') collectChoice(value, `${at}.${key}`, out);
  }
}

function describeWhere(where: string): string {
  return where === '(top level)' ? where : `state "${where}"`;
}

function arrayOf(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
