import type { AslDefinition, AslState } from './asl.ts';

/** One state wherever it sits: the top level, a Map's ItemProcessor/Iterator or a Parallel branch. */
export interface StateVisit {
  readonly name: string;
  readonly state: AslState;
  /** Human-readable place, e.g. `Seed > CopyShard` for a state inside the Map `Seed`. */
  readonly where: string;
  /** Names of the enclosing Map/Parallel states, outermost first (empty at the top level). */
  readonly parents: readonly string[];
  /** The machine (top level or nested) that holds the state. */
  readonly machine: AslDefinition;
}

/** Every state of the definition, depth first, nested machines right after their Map/Parallel. */
export function allStates(asl: AslDefinition): StateVisit[] {
  const out: StateVisit[] = [];
  visitMachine(asl, [], out);
  return out;
}

/** The nested machines of a Map or Parallel state. */
export function nestedMachines(state: AslState): AslDefinition[] {
  const out: AslDefinition[] = [];
  if (state.Type === 'Map') {
    const processor = state['ItemProcessor'] ?? state['Iterator'];
    if (isMachine(processor)) out.push(processor);
  }
  if (state.Type === 'Parallel' && Array.isArray(state['Branches'])) {
    for (const branch of state['Branches']) if (isMachine(branch)) out.push(branch);
  }
  return out;
}

function visitMachine(machine: AslDefinition, parents: readonly string[], out: StateVisit[]): void {
  for (const [name, state] of Object.entries(machine.States)) {
    out.push({ name, state, where: [...parents, name].join(' > '), parents, machine });
    for (const nested of nestedMachines(state)) visitMachine(nested, [...parents, name], out);
  }
}

function isMachine(v: unknown): v is AslDefinition {
  return typeof v === 'object' && v !== null && typeof (v as { States?: unknown }).States === 'object';
}
