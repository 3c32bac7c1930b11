import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
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
  if (ctx.nag) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}
