import { App, Validations } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../infra/build.ts';
import { cdkJsonContext, FULL_CONTEXT, synth } from './helpers.ts';

/** Every acknowledged rule in the tree: construct path, rule id and reason. */
function acknowledgements(app: App): { path: string; id: string; reason: string }[] {
  const out: { path: string; id: string; reason: string }[] = [];
  const visit = (c: IConstruct) => {
    for (const entry of c.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
        out.push({ path: c.node.path, id, reason });
      }
    }
    for (const child of c.node.children) visit(child);
  };
  visit(app);
  return out;
}

describe.each([
  ['defaults (new VPC, no ARNs)', {}],
  ['every setting (existing VPC, ARNs, KMS, SCRAM, schedule)', FULL_CONTEXT],
  [
    'SCRAM on both sides without secret ARNs',
    { sourceAuthMode: 'scram-sha-256', targetAuthMode: 'scram-sha-512' },
  ],
])('cdk-nag AwsSolutions: %s', (_name, context) => {
  const { app, stack } = synth(context, { bundle: false });

  it('reports no unacknowledged error or warning', () => {
    const report = new AwsSolutionsChecks(app).validateScope(app);
    const findings = report.violations.flatMap((v) =>
      v.violatingResources.map((r) => `${v.severity} ${v.ruleName} at ${r.constructPath}`),
    );
    expect(findings).toEqual([]);
    expect(report.success).toBe(true);
  });

  it('gives every acknowledgement a written reason', () => {
    const acks = acknowledgements(app);
    expect(acks.length).toBeGreaterThan(0);
    for (const a of acks) expect(a.reason.length, `${a.id} at ${a.path}`).toBeGreaterThan(40);
  });

  it('synthesizes without warnings or errors', () => {
    expect(Annotations.fromStack(stack).findWarning('*', Match.anyValue())).toEqual([]);
    expect(Annotations.fromStack(stack).findError('*', Match.anyValue())).toEqual([]);
  });
});

describe('-c nag=true', () => {
  const context = { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [], nag: 'true' };

  it('runs the checks during synth, which passes', () => {
    const { app } = buildApp(new App({ context }));
    expect(() => app.synth()).not.toThrow();
  });

  it('fails the synth on an unacknowledged finding', () => {
    const { app, stack } = buildApp(new App({ context }));
    new iam.Role(stack, 'Careless', { assumedBy: new iam.AccountRootPrincipal() }).addToPolicy(
      new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['*'] }),
    );
    expect(() => app.synth()).toThrow(/AwsSolutions-IAM5\[Resource::\*\]/);
  });
});
