export * from './checks.ts';
export * from './repairs.ts';
