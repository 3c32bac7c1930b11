/** The cutover's pure core: sentinel format, offset translation with the sentinel rule, log-start guard, artifacts. */
export * from './artifacts.ts';
export * from './guard.ts';
export * from './sentinel.ts';
export * from './translate.ts';
