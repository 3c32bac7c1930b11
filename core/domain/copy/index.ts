/** The data path's pure core: offset map, checkpoints and reconciliation, digests, segments, shards. */
export * from './checkpoint.ts';
export * from './digest.ts';
export * from './int64.ts';
export * from './offset-map.ts';
export * from './segment.ts';
export * from './shards.ts';
