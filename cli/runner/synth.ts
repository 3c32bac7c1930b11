import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { buildApp } from '../../infra/build.ts';
import { type AslDefinition, extractDefinition } from './asl.ts';
import { checkLocallyRunnable, prepareForLocal } from './guard.ts';

/**
 * The state machine definition exactly as `cdk deploy` would deploy it: the CDK app is synthesized
 * in-process (with cdk.json's context, Lambda bundling skipped — the local runner calls the handler
 * code directly), the ASL extracted from the template, refused if it uses anything the local
 * interpreter would silently ignore, and prepared for local timers.
 */
export function synthesizeLocalDefinition(context: Record<string, unknown> = {}): AslDefinition {
  const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as {
    context?: Record<string, unknown>;
  };
  const app = new App({
    context: { ...cdkJson.context, ...context, 'aws:cdk:bundling-stacks': [] },
    outdir: new URL('../../.local/cdk.out', import.meta.url).pathname,
  });
  const { stack } = buildApp(app);
  const template = app.synth().getStackByName(stack.stackName).template as object;
  const asl = extractDefinition(template);
  checkLocallyRunnable(asl);
  return prepareForLocal(asl);
}
