import { createRequire } from 'node:module';
import { App, Validations } from 'aws-cdk-lib';
import { readContext } from './context.ts';
import { KraftMigrateStack } from './stack.ts';

const STACK_ID = 'KraftMigrateStack';

/**
 * One stack, `KraftMigrateStack` (CloudFormation name `KraftMigrate-<migrationName>`), configured
 * from context (`-c key=value`, see infra/context.ts and docs/deploy.md). `-c nag=true` runs the
 * cdk-nag AwsSolutions checks during synth (test/infra runs them on every test run).
 */
export function buildApp(app: App = new App()): { app: App; stack: KraftMigrateStack } {
  const ctx = readContext((key) => app.node.tryGetContext(key));
  const stack = new KraftMigrateStack(app, STACK_ID, { stackName: `KraftMigrate-${ctx.migrationName}`, ctx });
  if (ctx.nag) {
    // cdk-nag is a devDependency, loaded only when asked for: the installed CLI imports this module
    // (the local runner synthesizes the app) without the deploy-time tools.
    const { AwsSolutionsChecks } = createRequire(import.meta.url)('cdk-nag') as typeof import('cdk-nag');
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  }
  return { app, stack };
}
