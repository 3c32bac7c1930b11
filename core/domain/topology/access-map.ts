import type { AclBinding } from '../../ports.ts';
import { joinKey } from '../plan/storage-layout.ts';
import { describeAcl } from './acls.ts';

/**
 * access-map.json (SPEC §6.1, I01): an IAM target cannot hold Kafka ACLs, so the relevant source
 * bindings are translated into the MSK IAM actions and resource ARNs that grant the same access,
 * one IAM policy document per Kafka principal. The operator attaches each policy to the IAM role
 * the principal's clients use (a Kafka principal is not an IAM identity, so the mapping of
 * principal to role is theirs).
 *
 * Translation (MSK "IAM access control" semantics):
 *  - TOPIC   READ → ReadData, DescribeTopic; WRITE → WriteData, DescribeTopic; CREATE → CreateTopic;
 *            DELETE → DeleteTopic, DescribeTopic; ALTER → AlterTopic, DescribeTopic;
 *            DESCRIBE → DescribeTopic; DESCRIBE_CONFIGS → DescribeTopicDynamicConfiguration;
 *            ALTER_CONFIGS → AlterTopicDynamicConfiguration, DescribeTopicDynamicConfiguration
 *  - GROUP   READ → AlterGroup, DescribeGroup; DESCRIBE → DescribeGroup; DELETE → DeleteGroup, DescribeGroup
 *  - TRANSACTIONAL_ID  WRITE → AlterTransactionalId, DescribeTransactionalId; DESCRIBE → DescribeTransactionalId
 *  - CLUSTER ALTER → AlterCluster, DescribeCluster; DESCRIBE → DescribeCluster;
 *            DESCRIBE_CONFIGS → DescribeClusterDynamicConfiguration;
 *            ALTER_CONFIGS → AlterClusterDynamicConfiguration, DescribeClusterDynamicConfiguration;
 *            IDEMPOTENT_WRITE → WriteDataIdempotently; CREATE → CreateTopic on every topic;
 *            CLUSTER_ACTION → nothing (broker-internal; noted)
 *  - ALL → every action of the resource type.
 * ALLOW adds the actions Kafka implies (READ/WRITE/DELETE/ALTER imply DESCRIBE, ALTER_CONFIGS
 * implies DESCRIBE_CONFIGS) because MSK requires them; DENY denies exactly the named action.
 * Every principal with an Allow also gets kafka-cluster:Connect on the cluster.
 * Resources: LITERAL name → `…/<name>`, LITERAL `*` → `…/*`, PREFIXED p → `…/p*`, with the ARN
 * formats of core/domain/plan/iam-policy.ts (`arn:<partition>:kafka:<region>:<account>:topic/<cluster
 * name>/<cluster uuid>/<topic>`, `group/…`, `transactional-id/…`). Without target.cluster_arn the
 * ARNs carry the same `${…}` placeholders as `plan --format iam-policy` (templated).
 * Kafka host restrictions cannot be expressed and are listed in the principal's notes.
 */

export const ACCESS_MAP_SCHEMA_VERSION = 1;

export interface AccessMapStatement {
  readonly Sid: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action: readonly string[];
  readonly Resource: readonly string[];
}

export interface AccessMapPrincipal {
  readonly principal: string;
  /** The source bindings this policy stands for, one line each. */
  readonly acls: readonly string[];
  readonly policy: { readonly Version: '2012-10-17'; readonly Statement: readonly AccessMapStatement[] };
  readonly notes: readonly string[];
}

export interface AccessMap {
  readonly kind: 'kraft-migrate.access-map';
  readonly schema_version: number;
  readonly migration_id: string;
  readonly target_cluster_arn: string;
  /** `${…}` placeholders left in the ARNs (no target.cluster_arn configured). */
  readonly placeholders: readonly string[];
  readonly principals: readonly AccessMapPrincipal[];
  readonly notes: readonly string[];
}

/** Key of access-map.json in the evidence store: `migrations/<id>/access-map.json`. */
export function accessMapKey(migrationId: string): string {
  return joinKey('migrations', migrationId, 'access-map.json');
}

const ARN_RE = /^arn:(aws[a-z-]*):kafka:([a-z0-9-]+):(\d{12}):cluster\/([^/]+)\/([^/]+)$/;

interface ClusterArns {
  readonly cluster: string;
  readonly base: string;
  readonly name: string;
  readonly uuid: string;
  readonly placeholders: readonly string[];
}

function clusterArns(targetClusterArn: string | undefined): ClusterArns {
  const m = targetClusterArn ? ARN_RE.exec(targetClusterArn) : null;
  if (m) {
    const base = `arn:${m[1]}:kafka:${m[2]}:${m[3]}`;
    return { cluster: targetClusterArn!, base, name: m[4]!, uuid: m[5]!, placeholders: [] };
  }
  const placeholders = [
    'Partition',
    'TargetRegion',
    'TargetAccount',
    'TargetClusterName',
    'TargetClusterUuid',
  ];
  const [p, r, a, n, u] = placeholders.map((x) => `\${${x}}`) as [string, string, string, string, string];
  const base = `arn:${p}:kafka:${r}:${a}`;
  return { cluster: `${base}:cluster/${n}/${u}`, base, name: n, uuid: u, placeholders };
}

type Kind = 'topic' | 'group' | 'transactional-id' | 'cluster';

const TOPIC_ACTIONS: Readonly<Record<string, readonly string[]>> = {
  READ: ['ReadData', 'DescribeTopic'],
  WRITE: ['WriteData', 'DescribeTopic'],
  CREATE: ['CreateTopic'],
  DELETE: ['DeleteTopic', 'DescribeTopic'],
  ALTER: ['AlterTopic', 'DescribeTopic'],
  DESCRIBE: ['DescribeTopic'],
  DESCRIBE_CONFIGS: ['DescribeTopicDynamicConfiguration'],
  ALTER_CONFIGS: ['AlterTopicDynamicConfiguration', 'DescribeTopicDynamicConfiguration'],
};
const GROUP_ACTIONS: Readonly<Record<string, readonly string[]>> = {
  READ: ['AlterGroup', 'DescribeGroup'],
  DESCRIBE: ['DescribeGroup'],
  DELETE: ['DeleteGroup', 'DescribeGroup'],
};
const TXN_ACTIONS: Readonly<Record<string, readonly string[]>> = {
  WRITE: ['AlterTransactionalId', 'DescribeTransactionalId'],
  DESCRIBE: ['DescribeTransactionalId'],
};
const CLUSTER_ACTIONS: Readonly<Record<string, readonly string[]>> = {
  ALTER: ['AlterCluster', 'DescribeCluster'],
  DESCRIBE: ['DescribeCluster'],
  DESCRIBE_CONFIGS: ['DescribeClusterDynamicConfiguration'],
  ALTER_CONFIGS: ['AlterClusterDynamicConfiguration', 'DescribeClusterDynamicConfiguration'],
  IDEMPOTENT_WRITE: ['WriteDataIdempotently'],
};

const TABLES: Readonly<Record<string, { kind: Kind; table: Readonly<Record<string, readonly string[]>> }>> = {
  TOPIC: { kind: 'topic', table: TOPIC_ACTIONS },
  GROUP: { kind: 'group', table: GROUP_ACTIONS },
  TRANSACTIONAL_ID: { kind: 'transactional-id', table: TXN_ACTIONS },
  CLUSTER: { kind: 'cluster', table: CLUSTER_ACTIONS },
};

interface Grant {
  readonly effect: 'Allow' | 'Deny';
  readonly actions: readonly string[];
  readonly resource: string;
}

/** The IAM grants equivalent to one binding, or a note why there are none. */
export function iamGrants(b: AclBinding, targetClusterArn?: string): { grants: Grant[]; note?: string } {
  const arns = clusterArns(targetClusterArn);
  const effect = b.permissionType === 'DENY' ? 'Deny' : 'Allow';
  const spec = TABLES[b.resourceType];
  if (!spec)
    return { grants: [], note: `${describeAcl(b)}: no IAM equivalent for ${b.resourceType} resources` };
  const direct = (names: readonly string[]) => (effect === 'Deny' ? names.slice(0, 1) : names); // the first action is the one the operation names
  const qualify = (names: readonly string[]) => [...new Set(names)].map((n) => `kafka-cluster:${n}`).sort();
  const resourceArn = (kind: Exclude<Kind, 'cluster'>, pattern: string) =>
    `${arns.base}:${kind}/${arns.name}/${arns.uuid}/${pattern}`;
  const pattern = b.patternType === 'PREFIXED' ? `${b.resourceName}*` : b.resourceName;

  const grants: Grant[] = [];
  if (spec.kind === 'cluster') {
    const ops = b.operation === 'ALL' ? Object.keys(CLUSTER_ACTIONS) : [b.operation];
    const actions = ops.flatMap((op) => direct(CLUSTER_ACTIONS[op] ?? []));
    if (actions.length > 0) grants.push({ effect, actions: qualify(actions), resource: arns.cluster });
    if (b.operation === 'CREATE' || b.operation === 'ALL') {
      grants.push({ effect, actions: qualify(['CreateTopic']), resource: resourceArn('topic', '*') });
    }
    if (grants.length === 0) {
      return {
        grants,
        note: `${describeAcl(b)}: ${b.operation} on the cluster has no IAM equivalent (broker-internal or not applicable)`,
      };
    }
    return { grants };
  }
  const ops = b.operation === 'ALL' ? Object.keys(spec.table) : [b.operation];
  const actions = ops.flatMap((op) => direct(spec.table[op] ?? []));
  if (actions.length === 0) {
    return {
      grants,
      note: `${describeAcl(b)}: ${b.operation} on a ${b.resourceType} resource has no IAM equivalent`,
    };
  }
  grants.push({ effect, actions: qualify(actions), resource: resourceArn(spec.kind, pattern) });
  return { grants };
}

export interface AccessMapInput {
  readonly migrationId: string;
  readonly targetClusterArn?: string | undefined;
  /** The relevant source bindings (acls.ts planAcls().relevant). */
  readonly bindings: readonly AclBinding[];
}

export function buildAccessMap(input: AccessMapInput): AccessMap {
  const arns = clusterArns(input.targetClusterArn);
  const byPrincipal = new Map<string, AclBinding[]>();
  for (const b of input.bindings) byPrincipal.set(b.principal, [...(byPrincipal.get(b.principal) ?? []), b]);

  const principals: AccessMapPrincipal[] = [];
  for (const principal of [...byPrincipal.keys()].sort(cmp)) {
    const bindings = byPrincipal.get(principal)!;
    const notes: string[] = [];
    // (effect, resource) → actions
    const byResource = new Map<
      string,
      { effect: 'Allow' | 'Deny'; resource: string; actions: Set<string> }
    >();
    const add = (g: Grant) => {
      const key = `${g.effect}\u0000${g.resource}`;
      const entry = byResource.get(key) ?? {
        effect: g.effect,
        resource: g.resource,
        actions: new Set<string>(),
      };
      for (const a of g.actions) entry.actions.add(a);
      byResource.set(key, entry);
    };
    for (const b of bindings) {
      const { grants, note } = iamGrants(b, input.targetClusterArn);
      for (const g of grants) add(g);
      if (note) notes.push(note);
      if (b.host !== '*') {
        notes.push(
          `${describeAcl(b)}: the Kafka host restriction (${b.host}) has no IAM equivalent here and is not carried over; restrict the role's network path instead`,
        );
      }
    }
    if ([...byResource.values()].some((e) => e.effect === 'Allow')) {
      add({ effect: 'Allow', actions: ['kafka-cluster:Connect'], resource: arns.cluster });
    }
    // statements: one per (effect, action set), resources merged
    const byActions = new Map<string, { effect: 'Allow' | 'Deny'; actions: string[]; resources: string[] }>();
    for (const e of byResource.values()) {
      const actions = [...e.actions].sort(cmp);
      const key = `${e.effect}\u0000${actions.join(',')}`;
      const s = byActions.get(key) ?? { effect: e.effect, actions, resources: [] };
      s.resources.push(e.resource);
      byActions.set(key, s);
    }
    const statements = [...byActions.values()]
      .map((s) => ({ ...s, resources: [...new Set(s.resources)].sort(cmp) }))
      .sort(
        (a, b) =>
          cmp(a.effect, b.effect) ||
          cmp(a.resources[0] ?? '', b.resources[0] ?? '') ||
          cmp(a.actions.join(), b.actions.join()),
      )
      .map((s, i) => ({
        Sid: `${s.effect}${i + 1}`,
        Effect: s.effect,
        Action: s.actions,
        Resource: s.resources,
      }));
    principals.push({
      principal,
      acls: bindings.map(describeAcl).sort(cmp),
      policy: { Version: '2012-10-17', Statement: statements },
      notes: [...new Set(notes)].sort(cmp),
    });
  }

  const notes = [
    "Kafka principals are not IAM identities: attach each policy to the IAM role (or user) that the principal's clients use with the target.",
    'Generated from the source ACL bindings relevant to the migrated topics and groups (ALLOW and DENY); review before use.',
  ];
  if (arns.placeholders.length > 0) {
    notes.push(
      `target.cluster_arn is not configured: replace the placeholders ${arns.placeholders.map((p) => `\${${p}}`).join(', ')} in the ARNs`,
    );
  }
  return {
    kind: 'kraft-migrate.access-map',
    schema_version: ACCESS_MAP_SCHEMA_VERSION,
    migration_id: input.migrationId,
    target_cluster_arn: arns.cluster,
    placeholders: arns.placeholders,
    principals,
    notes,
  };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
