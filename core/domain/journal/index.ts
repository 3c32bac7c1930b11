export * from './entry.ts';
export * from './fingerprint.ts';
export * from './journal.ts';
export * from './rules.ts';
export * from './secrets.ts';
export * from './states.ts';
