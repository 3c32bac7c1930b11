import { buildApp } from './build.ts';

// The CDK app (cdk.json: `node_modules/.bin/node infra/app.ts`); Node 22 strips the types.
buildApp().app.synth();
