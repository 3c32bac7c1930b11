export * from './compare.ts';
export * from './document.ts';
export * from './journal.ts';
export * from './layout.ts';
export * from './report.ts';
export * from './schema.ts';
export * from './signing.ts';
export * from './verify.ts';
