#!/usr/bin/env node
// Entry point of the kraft-migrate CLI. The sources are TypeScript run by Node's own type
// stripping (Node >= 22.18), so there is no build step between a change and a run.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  process.stderr.write(
    `kraft-migrate needs Node.js >= 22.18 (found ${process.versions.node}).\n` +
      'Fix: run it through npm (`npm run kraft-migrate -- ...`), which uses the Node 22 installed in node_modules, or install Node 22.\n',
  );
  process.exit(2);
}
const { run } = await import('../cli/main.ts');
process.exitCode = await run(process.argv.slice(2));
