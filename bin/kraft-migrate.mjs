#!/usr/bin/env node
// Entry point of the kraft-migrate CLI. It runs one of two builds of the same code:
// - in the repository, the TypeScript sources (cli/main.ts), run by Node's own type stripping
//   (Node >= 22.18): no build step between a change and a run;
// - in an installed package (npm pack / npm install), the JavaScript that `npm pack` compiled
//   into dist/ (prepack: tsconfig.build.json). Node refuses to strip types under node_modules,
//   and the package ships no .ts sources ("files" in package.json).
// The choice is made by whether the sources are here and outside node_modules, never by whether
// dist/ exists: a local `npm pack` leaves dist/ in the repository, which must not shadow the sources.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const sources = new URL('../cli/main.ts', import.meta.url);
const compiled = new URL('../dist/cli/main.js', import.meta.url);
const fromSources = existsSync(sources) && !fileURLToPath(sources).split(/[\\/]/).includes('node_modules');

const [major, minor] = process.versions.node.split('.').map(Number);
if (fromSources && (major < 22 || (major === 22 && minor < 18))) {
  process.stderr.write(
    `kraft-migrate needs Node.js >= 22.18 to run from its sources (found ${process.versions.node}).\n` +
      'Fix: run it through npm (`npm run kraft-migrate -- ...`), which uses the Node 22 installed in node_modules, or install Node 22.\n',
  );
  process.exit(2);
}
if (!fromSources && major < 22) {
  process.stderr.write(
    `kraft-migrate needs Node.js >= 22 (found ${process.versions.node}). Fix: install Node 22.\n`,
  );
  process.exit(2);
}
if (!fromSources && !existsSync(compiled)) {
  process.stderr.write(
    `kraft-migrate: neither the sources (${fileURLToPath(sources)}) nor the compiled CLI (${fileURLToPath(compiled)}) are here.\n` +
      'Fix: in the repository, restore cli/; for a package, build it with `npm pack` (its prepack step compiles dist/).\n',
  );
  process.exit(3);
}
const { run } = await import(fromSources ? sources.href : compiled.href);
process.exitCode = await run(process.argv.slice(2));
