import path from 'node:path';

/** The repository root: Lambda entries, the lock file and the copier's Docker build context live here. */
export const REPO_ROOT = path.resolve(import.meta.dirname, '..');
