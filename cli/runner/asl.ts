/**
 * From a synthesized CloudFormation template (what `cdk synth` writes to
 * `cdk.out/<Stack>.template.json`) to the ASL object the local runner executes.
 *
 * CDK writes the state machine as `DefinitionString: {"Fn::Join": ["", [...json fragments,
 * {"Fn::GetAtt": [...]}, {"Ref": ...}]]}` (sometimes with `DefinitionSubstitutions`). Locally
 * there is no CloudFormation to resolve those, so every intrinsic becomes a STABLE fake
 * identifier derived from the logical id: the same template always gives the same ASL, and the
 * values look like what CloudFormation would return for that resource type (Ref of a Lambda
 * function is its name, GetAtt Arn is an ARN, Ref of a task definition is an ARN, ...).
 * The runner never uses these values to find code — handlers are keyed by state name — they
 * only have to be valid and recognisable.
 */
import { createHash } from 'node:crypto';
import { causeText, InvalidInputError } from '../../core/domain/errors.ts';

export interface AslState {
  readonly Type: string;
  readonly [field: string]: unknown;
}

export interface AslDefinition {
  readonly StartAt: string;
  readonly States: Readonly<Record<string, AslState>>;
  readonly Comment?: string;
  readonly Version?: string;
  readonly TimeoutSeconds?: number;
  readonly QueryLanguage?: string;
  readonly [field: string]: unknown;
}

export interface ExtractOptions {
  /** Logical id of the state machine to take when the template has several. */
  readonly stateMachineLogicalId?: string;
  /** @default 'aws' */
  readonly partition?: string;
  /** @default 'local' */
  readonly region?: string;
  /** @default '000000000000' */
  readonly accountId?: string;
  /** @default 'local' */
  readonly stackName?: string;
  /** Pin values instead of the fakes: `LogicalId` (Ref) or `LogicalId.Attribute` (GetAtt) → value. */
  readonly values?: Readonly<Record<string, string>>;
}

export const LOCAL_REGION = 'local';
export const LOCAL_ACCOUNT_ID = '000000000000';

const STATE_MACHINE_TYPE = 'AWS::StepFunctions::StateMachine';

interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
}

interface Ctx {
  readonly partition: string;
  readonly region: string;
  readonly account: string;
  readonly stackName: string;
  readonly resources: Readonly<Record<string, CfnResource>>;
  readonly parameters: Readonly<Record<string, { Default?: unknown }>>;
  readonly values: Readonly<Record<string, string>>;
  /** Where in the template we are, for error messages. */
  readonly where: string;
}

/** Logical ids of every `AWS::StepFunctions::StateMachine` in the template, sorted. */
export function findStateMachines(template: object): string[] {
  const resources = resourcesOf(template);
  return Object.keys(resources)
    .filter((id) => resources[id]?.Type === STATE_MACHINE_TYPE)
    .sort();
}

/** The state machine's ASL with every CloudFormation intrinsic resolved to a stable local value. */
export function extractDefinition(template: object, opts: ExtractOptions = {}): AslDefinition {
  const resources = resourcesOf(template);
  const machines = findStateMachines(template);
  const logicalId = chooseStateMachine(machines, opts.stateMachineLogicalId);
  const props = resources[logicalId]?.Properties ?? {};
  const ctx: Ctx = {
    partition: opts.partition ?? 'aws',
    region: opts.region ?? LOCAL_REGION,
    account: opts.accountId ?? LOCAL_ACCOUNT_ID,
    stackName: opts.stackName ?? 'local',
    resources,
    parameters: (isObject((template as Record<string, unknown>)['Parameters'])
      ? (template as Record<string, unknown>)['Parameters']
      : {}) as Ctx['parameters'],
    values: opts.values ?? {},
    where: `${logicalId}.Properties`,
  };

  let text: string;
  if (props['DefinitionString'] !== undefined) {
    const resolved = resolve(props['DefinitionString'], { ...ctx, where: `${ctx.where}.DefinitionString` });
    if (typeof resolved !== 'string') {
      throw invalid(
        `state machine ${logicalId}: DefinitionString resolved to ${typeName(resolved)}, expected a string`,
      );
    }
    text = resolved;
  } else if (props['Definition'] !== undefined) {
    text = JSON.stringify(resolve(props['Definition'], { ...ctx, where: `${ctx.where}.Definition` }));
  } else if (props['DefinitionS3Location'] !== undefined) {
    throw invalid(
      `state machine ${logicalId} keeps its definition in S3 (DefinitionS3Location), which a local run cannot read`,
      'Synthesize the definition inline (DefinitionBody.fromChainable) so cdk.out holds it.',
    );
  } else {
    throw invalid(`state machine ${logicalId} has no DefinitionString or Definition property`);
  }

  const substitutions = props['DefinitionSubstitutions'];
  if (substitutions !== undefined) {
    if (!isObject(substitutions)) {
      throw invalid(`state machine ${logicalId}: DefinitionSubstitutions must be an object`);
    }
    text = substitute(text, substitutions, { ...ctx, where: `${ctx.where}.DefinitionSubstitutions` });
  }

  let asl: unknown;
  try {
    asl = JSON.parse(text);
  } catch (e) {
    throw invalid(
      `state machine ${logicalId}: the resolved definition is not JSON (${causeText(e)}); it starts with ${JSON.stringify(text.slice(0, 80))}`,
    );
  }
  if (!isObject(asl) || typeof asl['StartAt'] !== 'string' || !isObject(asl['States'])) {
    throw invalid(`state machine ${logicalId}: the definition has no StartAt or States`);
  }
  return asl as unknown as AslDefinition;
}

function resourcesOf(template: object): Record<string, CfnResource> {
  const resources = (template as Record<string, unknown>)['Resources'];
  if (!isObject(resources)) {
    throw invalid(
      'the template has no Resources section — is this a CloudFormation template?',
      'Pass cdk.out/<Stack>.template.json (run `npx cdk synth` first).',
    );
  }
  return resources as Record<string, CfnResource>;
}

function chooseStateMachine(machines: readonly string[], wanted: string | undefined): string {
  if (wanted !== undefined) {
    if (!machines.includes(wanted)) {
      throw invalid(
        `the template has no state machine with logical id ${wanted}; it has: ${machines.join(', ') || 'none'}`,
      );
    }
    return wanted;
  }
  if (machines.length === 1) return machines[0]!;
  if (machines.length === 0) {
    throw invalid(
      `the template has no ${STATE_MACHINE_TYPE} resource`,
      'Pass the template of the stack that deploys the migration workflow.',
    );
  }
  throw invalid(
    `the template has ${machines.length} state machines (${machines.join(', ')}); choose one by logical id`,
    'Pass stateMachineLogicalId.',
  );
}

// ---------------------------------------------------------------------------------------------
// Intrinsic functions

const PSEUDO: Record<string, (ctx: Ctx) => unknown> = {
  'AWS::Partition': (c) => c.partition,
  'AWS::Region': (c) => c.region,
  'AWS::AccountId': (c) => c.account,
  'AWS::URLSuffix': () => 'amazonaws.com',
  'AWS::StackName': (c) => c.stackName,
  'AWS::StackId': (c) =>
    `arn:${c.partition}:cloudformation:${c.region}:${c.account}:stack/${c.stackName}/00000000-0000-0000-0000-000000000000`,
  'AWS::NotificationARNs': () => [],
};

function resolve(node: unknown, ctx: Ctx): unknown {
  if (Array.isArray(node)) return node.map((n, i) => resolve(n, { ...ctx, where: `${ctx.where}[${i}]` }));
  if (!isObject(node)) return node;
  const keys = Object.keys(node);
  if (keys.length === 1) {
    const key = keys[0]!;
    const arg = node[key];
    const at = { ...ctx, where: `${ctx.where}.${key}` };
    switch (key) {
      case 'Ref':
        return ref(expectString(arg, at), at);
      case 'Fn::GetAtt':
        return getAtt(arg, at);
      case 'Fn::Join':
        return join(arg, at);
      case 'Fn::Sub':
        return sub(arg, at);
      case 'Fn::Select':
        return select(arg, at);
      case 'Fn::Split':
        return split(arg, at);
      default:
        if (key.startsWith('Fn::') || key === 'Condition') {
          throw invalid(
            `${ctx.where}: the intrinsic ${key} is not supported by the local runner's template resolver`,
            'Keep the state machine definition to Ref, Fn::GetAtt, Fn::Join, Fn::Sub, Fn::Select and Fn::Split, or pin the value with the `values` option.',
          );
        }
    }
  }
  const out: Record<string, unknown> = {};
  for (const k of keys) out[k] = resolve(node[k], { ...ctx, where: `${ctx.where}.${k}` });
  return out;
}

function ref(name: string, ctx: Ctx): unknown {
  const pinned = ctx.values[name];
  if (pinned !== undefined) return pinned;
  const pseudo = PSEUDO[name];
  if (pseudo) return pseudo(ctx);
  const param = ctx.parameters[name];
  if (param !== undefined) return param.Default ?? `local-parameter-${name}`;
  const resource = ctx.resources[name];
  if (!resource)
    throw invalid(`${ctx.where}: Ref to ${name}, which is not a resource or parameter of the template`);
  return refValue(name, resource.Type, ctx);
}

function getAtt(arg: unknown, ctx: Ctx): unknown {
  let id: string;
  let attr: string;
  if (typeof arg === 'string') {
    const dot = arg.indexOf('.');
    if (dot < 0) throw invalid(`${ctx.where}: Fn::GetAtt "${arg}" needs the form LogicalId.Attribute`);
    id = arg.slice(0, dot);
    attr = arg.slice(dot + 1);
  } else if (Array.isArray(arg) && arg.length === 2) {
    id = expectString(arg[0], ctx);
    attr = expectString(resolve(arg[1], ctx), ctx);
  } else {
    throw invalid(`${ctx.where}: Fn::GetAtt needs [LogicalId, Attribute], got ${JSON.stringify(arg)}`);
  }
  const pinned = ctx.values[`${id}.${attr}`];
  if (pinned !== undefined) return pinned;
  const resource = ctx.resources[id];
  if (!resource) throw invalid(`${ctx.where}: Fn::GetAtt of ${id}, which is not a resource of the template`);
  return attValue(id, resource.Type, attr, ctx);
}

function join(arg: unknown, ctx: Ctx): string {
  if (!Array.isArray(arg) || arg.length !== 2 || typeof arg[0] !== 'string') {
    throw invalid(`${ctx.where}: Fn::Join needs [delimiter, [values]]`);
  }
  const list = resolve(arg[1], ctx);
  if (!Array.isArray(list)) throw invalid(`${ctx.where}: Fn::Join's second element must be a list`);
  return list.map((v) => scalarString(v, ctx)).join(arg[0]);
}

function sub(arg: unknown, ctx: Ctx): string {
  let text: string;
  let vars: Record<string, unknown> = {};
  if (typeof arg === 'string') text = arg;
  else if (Array.isArray(arg) && arg.length === 2 && typeof arg[0] === 'string' && isObject(arg[1])) {
    text = arg[0];
    vars = arg[1];
  } else throw invalid(`${ctx.where}: Fn::Sub needs a string or [string, {variables}]`);
  return text.replace(/\$\{(!?)([^}]*)\}/g, (_m, bang: string, name: string) => {
    if (bang) return `\${${name}}`;
    if (name in vars) return scalarString(resolve(vars[name], ctx), ctx);
    const dot = name.indexOf('.');
    if (dot > 0 && !name.startsWith('AWS::')) return scalarString(getAtt(name, ctx), ctx);
    return scalarString(ref(name, ctx), ctx);
  });
}

function select(arg: unknown, ctx: Ctx): unknown {
  if (!Array.isArray(arg) || arg.length !== 2) throw invalid(`${ctx.where}: Fn::Select needs [index, list]`);
  const index = Number(resolve(arg[0], ctx));
  const list = resolve(arg[1], ctx);
  if (!Array.isArray(list) || !Number.isInteger(index) || index < 0 || index >= list.length) {
    throw invalid(`${ctx.where}: Fn::Select index ${String(arg[0])} is outside the list`);
  }
  return list[index];
}

function split(arg: unknown, ctx: Ctx): string[] {
  if (!Array.isArray(arg) || arg.length !== 2 || typeof arg[0] !== 'string') {
    throw invalid(`${ctx.where}: Fn::Split needs [delimiter, string]`);
  }
  return scalarString(resolve(arg[1], ctx), ctx).split(arg[0]);
}

/** Step Functions replaces `${key}` in the definition text with the substitution's value. */
function substitute(text: string, substitutions: Record<string, unknown>, ctx: Ctx): string {
  const values = new Map<string, string>();
  for (const [key, raw] of Object.entries(substitutions)) {
    values.set(key, scalarString(resolve(raw, { ...ctx, where: `${ctx.where}.${key}` }), ctx));
  }
  return text.replace(/\$\{([^}]+)\}/g, (whole, key: string) => values.get(key) ?? whole);
}

// ---------------------------------------------------------------------------------------------
// Fake values per resource type: what CloudFormation returns, with the logical id as the name.

function arn(ctx: Ctx, service: string, resource: string, regional = true): string {
  return regional
    ? `arn:${ctx.partition}:${service}:${ctx.region}:${ctx.account}:${resource}`
    : `arn:${ctx.partition}:${service}::${ctx.account}:${resource}`;
}

function shortHash(id: string, length = 17): string {
  return createHash('sha256').update(id).digest('hex').slice(0, length);
}

function refValue(id: string, type: string, ctx: Ctx): string {
  switch (type) {
    case 'AWS::ECS::TaskDefinition':
      return arn(ctx, 'ecs', `task-definition/${id}:1`);
    case 'AWS::SNS::Topic':
      return arn(ctx, 'sns', id);
    case 'AWS::SQS::Queue':
      return `https://sqs.${ctx.region}.amazonaws.com/${ctx.account}/${id}`;
    case 'AWS::StepFunctions::StateMachine':
      return arn(ctx, 'states', `stateMachine:${id}`);
    case 'AWS::StepFunctions::Activity':
      return arn(ctx, 'states', `activity:${id}`);
    case 'AWS::Lambda::Version':
      return arn(ctx, 'lambda', `function:${id}:1`);
    case 'AWS::Lambda::Alias':
      return arn(ctx, 'lambda', `function:${id}:live`);
    case 'AWS::SecretsManager::Secret':
      return arn(ctx, 'secretsmanager', `secret:${id}`);
    case 'AWS::S3::Bucket':
      return id.toLowerCase();
    case 'AWS::EC2::Subnet':
      return `subnet-${shortHash(id)}`;
    case 'AWS::EC2::SecurityGroup':
      return `sg-${shortHash(id)}`;
    case 'AWS::EC2::VPC':
      return `vpc-${shortHash(id)}`;
    case 'AWS::KMS::Key':
      return uuidFrom(id);
    default:
      // Lambda functions, ECS clusters, IAM roles, log groups, tables, ...: Ref is the name.
      return id;
  }
}

function attValue(id: string, type: string, attr: string, ctx: Ctx): string {
  if (attr === 'Arn' || attr.endsWith('Arn')) {
    switch (type) {
      case 'AWS::Lambda::Function':
        return arn(ctx, 'lambda', `function:${id}`);
      case 'AWS::ECS::Cluster':
        return arn(ctx, 'ecs', `cluster/${id}`);
      case 'AWS::ECS::TaskDefinition':
        return arn(ctx, 'ecs', `task-definition/${id}:1`);
      case 'AWS::IAM::Role':
        return arn(ctx, 'iam', `role/${id}`, false);
      case 'AWS::S3::Bucket':
        return `arn:${ctx.partition}:s3:::${id.toLowerCase()}`;
      case 'AWS::SNS::Topic':
        return arn(ctx, 'sns', id);
      case 'AWS::SQS::Queue':
        return arn(ctx, 'sqs', id);
      case 'AWS::DynamoDB::Table':
        return arn(ctx, 'dynamodb', `table/${id}`);
      case 'AWS::StepFunctions::StateMachine':
        return arn(ctx, 'states', `stateMachine:${id}`);
      case 'AWS::Logs::LogGroup':
        return arn(ctx, 'logs', `log-group:${id}:*`);
      case 'AWS::KMS::Key':
        return arn(ctx, 'kms', `key/${uuidFrom(id)}`);
      case 'AWS::SecretsManager::Secret':
        return arn(ctx, 'secretsmanager', `secret:${id}`);
      default: {
        const service = (type.split('::')[1] ?? 'local').toLowerCase();
        const kind = (type.split('::')[2] ?? 'resource').toLowerCase();
        return arn(ctx, service, `${kind}/${id}`);
      }
    }
  }
  if (type === 'AWS::EC2::SecurityGroup' && attr === 'GroupId') return `sg-${shortHash(id)}`;
  if (attr === 'Name' || attr.endsWith('Name')) return type === 'AWS::S3::Bucket' ? id.toLowerCase() : id;
  return `${id}.${attr}`;
}

function uuidFrom(id: string): string {
  const h = shortHash(id, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

// ---------------------------------------------------------------------------------------------

function expectString(v: unknown, ctx: Ctx): string {
  if (typeof v !== 'string') throw invalid(`${ctx.where}: expected a string, got ${JSON.stringify(v)}`);
  return v;
}

function scalarString(v: unknown, ctx: Ctx): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw invalid(`${ctx.where}: expected a string value, got ${typeName(v)} ${JSON.stringify(v)}`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function typeName(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'a list' : `a ${typeof v}`;
}

function invalid(message: string, fix?: string): InvalidInputError {
  return new InvalidInputError(`Cannot extract the state machine from the template: ${message}`, {
    code: 'ASL_TEMPLATE',
    fix: fix ?? 'Run `npx cdk synth` and pass cdk.out/<Stack>.template.json unchanged.',
  });
}
