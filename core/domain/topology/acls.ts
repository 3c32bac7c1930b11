import type { AclBinding } from '../../ports.ts';
import type { MigrationConfig } from '../config/schema.ts';
import type { AclHandling, PlanAclBinding } from '../plan/types.ts';
import { matcher, type Selection } from '../selection.ts';

/**
 * Topology copy, ACLs (SPEC §6.1, I01). Which source ACL bindings the migration carries over, and
 * which of them the target lacks.
 *
 * Handling: `topology.acls: skip` → nothing; an IAM target (`target.auth.mode: iam`) → no Kafka
 * ACLs, the relevant bindings become access-map.json (access-map.ts); otherwise `merge`: create
 * every relevant binding the target does not have yet (Kafka's CreateAcls is idempotent, and
 * existing target bindings are never removed or changed).
 *
 * Relevance — a binding is carried over when its resource is part of what is migrated
 * (selectAcls: the one selection the plan, the runbook, the access map and the topology copy use):
 *  - TOPIC: LITERAL `*`, a LITERAL name that is a selected topic, or a PREFIXED pattern that is a
 *    prefix of at least one selected topic;
 *  - GROUP: LITERAL `*`, a LITERAL name the `groups` selection matches (whether or not the group
 *    exists on the source now: consumers may not have committed yet), or a PREFIXED pattern that
 *    the `groups` selection matches as a name or that prefixes a selected source group;
 *  - CLUSTER and TRANSACTIONAL_ID (resources that name no topic or group): only the bindings of a
 *    principal that has a relevant TOPIC or GROUP binding (a client of the migrated topics: its
 *    IDEMPOTENT_WRITE, its transactional ids), or of the wildcard principal `User:*`. A principal
 *    with cluster-level bindings only (an admin tool, another application) is not a client of the
 *    selection: its bindings stay behind and are counted as outside the selection;
 *  - DELEGATION_TOKEN and USER: never (they govern the source's own credentials);
 *  - a binding whose operation kraft-migrate does not know: never (reported).
 * ALLOW and DENY alike, any principal and host.
 */

export interface AclScope {
  readonly selectedTopics: readonly string[];
  readonly groups: Selection;
  /** Source groups the `groups` selection selects. */
  readonly sourceGroups: readonly string[];
}

/** The operations the Kafka protocol (and the kafkajs client) can create. */
export const KNOWN_ACL_OPERATIONS: readonly string[] = [
  'ALL',
  'READ',
  'WRITE',
  'CREATE',
  'DELETE',
  'ALTER',
  'DESCRIBE',
  'CLUSTER_ACTION',
  'DESCRIBE_CONFIGS',
  'ALTER_CONFIGS',
  'IDEMPOTENT_WRITE',
];

export type AclRelevance =
  | { readonly relevant: true }
  | { readonly relevant: false; readonly reason: string };

export function aclHandling(config: Pick<MigrationConfig, 'topology' | 'target'>): AclHandling {
  if (config.topology.acls === 'skip') return 'skip';
  return config.target.auth.mode === 'iam' ? 'access-map' : 'merge';
}

/** The wildcard principal: its bindings apply to every client, those of the selection included. */
const WILDCARD_PRINCIPAL = 'User:*';

/**
 * The resource part of the relevance rule (see the module comment), one binding at a time. CLUSTER
 * and TRANSACTIONAL_ID bindings depend on the other bindings of their principal: selectAcls decides
 * them.
 */
function resourceRelevance(scope: AclScope): (b: PlanAclBinding) => AclRelevance | 'by-principal' {
  const topics = new Set(scope.selectedTopics);
  const groupSelected = matcher(scope.groups);
  const no = (reason: string): AclRelevance => ({ relevant: false, reason });
  const yes: AclRelevance = { relevant: true };
  return (b) => {
    if (!KNOWN_ACL_OPERATIONS.includes(b.operation)) return no(`operation ${b.operation} is not known`);
    const prefixed = b.patternType === 'PREFIXED';
    switch (b.resourceType) {
      case 'CLUSTER':
      case 'TRANSACTIONAL_ID':
        return 'by-principal';
      case 'TOPIC':
        if (!prefixed) {
          if (b.resourceName === '*' || topics.has(b.resourceName)) return yes;
          return no('the topic is not selected');
        }
        return scope.selectedTopics.some((t) => t.startsWith(b.resourceName))
          ? yes
          : no('the prefix matches no selected topic');
      case 'GROUP':
        if (!prefixed) {
          if (b.resourceName === '*' || groupSelected(b.resourceName)) return yes;
          return no('the group is not selected');
        }
        return groupSelected(b.resourceName) ||
          scope.sourceGroups.some((g) => g.startsWith(b.resourceName) && groupSelected(g))
          ? yes
          : no('the prefix matches no selected group');
      default:
        return no(`${b.resourceType} bindings govern the source cluster's own credentials`);
    }
  };
}

export interface AclSelection<T extends PlanAclBinding = AclBinding> {
  /** Bindings of the selection, sorted and without duplicates. */
  readonly relevant: readonly T[];
  /** The other bindings, with the reason. */
  readonly ignored: readonly { readonly binding: T; readonly reason: string }[];
}

/** The source bindings of the selection (the module comment's rule); sorted, duplicates dropped. */
export function selectAcls<T extends PlanAclBinding>(
  bindings: readonly T[],
  scope: AclScope,
): AclSelection<T> {
  const test = resourceRelevance(scope);
  const seen = new Set<string>();
  const unique: T[] = [];
  for (const b of [...bindings].sort((x, y) => cmp(aclKey(x), aclKey(y)))) {
    const key = aclKey(b);
    if (seen.has(key)) continue;
    seen.add(key);
    unique.push(b);
  }
  const verdicts = unique.map((b) => [b, test(b)] as const);
  const clients = new Set(
    verdicts.filter(([, r]) => r !== 'by-principal' && r.relevant).map(([b]) => b.principal),
  );
  const relevant: T[] = [];
  const ignored: { binding: T; reason: string }[] = [];
  for (const [b, r] of verdicts) {
    if (r === 'by-principal') {
      if (b.principal === WILDCARD_PRINCIPAL || clients.has(b.principal)) relevant.push(b);
      else
        ignored.push({
          binding: b,
          reason: `${b.principal} has no ACL on a selected topic or group (not a client of the selection)`,
        });
    } else if (r.relevant) relevant.push(b);
    else ignored.push({ binding: b, reason: r.reason });
  }
  return { relevant, ignored };
}

/** Identity of a binding (every field). */
export function aclKey(b: PlanAclBinding): string {
  return [
    b.resourceType,
    b.patternType,
    b.resourceName,
    b.principal,
    b.host,
    b.operation,
    b.permissionType,
  ].join('\u0000');
}

/** `ALLOW User:app READ TOPIC orders (LITERAL) from *` */
export function describeAcl(b: AclBinding): string {
  return `${b.permissionType} ${b.principal} ${b.operation} ${b.resourceType} ${b.resourceName} (${b.patternType}) from ${b.host}`;
}

export interface AclPlanInput {
  readonly handling: AclHandling;
  /** undefined: the source has no authorizer (or ACLs were not read, with `skip`). */
  readonly source: readonly AclBinding[] | undefined;
  /** Target bindings (merge only); undefined: the target has no authorizer. */
  readonly target: readonly AclBinding[] | undefined;
  readonly scope: AclScope;
}

export interface AclPlan {
  readonly handling: AclHandling;
  /** Bindings on the source (undefined: no authorizer or not read). */
  readonly sourceCount: number | undefined;
  /** Relevant source bindings, sorted (merge: to exist on the target; access-map: to translate). */
  readonly relevant: readonly AclBinding[];
  readonly ignored: readonly { readonly binding: AclBinding; readonly reason: string }[];
  /** merge: relevant bindings the target lacks. */
  readonly toCreate: readonly AclBinding[];
  /** merge: relevant bindings the target already has. */
  readonly present: number;
  readonly warnings: readonly string[];
}

export function planAcls(input: AclPlanInput): AclPlan {
  const empty = { relevant: [], ignored: [], toCreate: [], present: 0 };
  if (input.handling === 'skip') {
    return { handling: 'skip', sourceCount: input.source?.length, ...empty, warnings: [] };
  }
  if (input.source === undefined) {
    return {
      handling: input.handling,
      sourceCount: undefined,
      ...empty,
      warnings: ['the source cluster has no authorizer (SECURITY_DISABLED): there are no ACLs to copy'],
    };
  }
  const { relevant, ignored } = selectAcls(input.source, input.scope);
  const warnings: string[] = [];
  const unknown = ignored.filter((i) => !KNOWN_ACL_OPERATIONS.includes(i.binding.operation));
  for (const u of unknown) {
    warnings.push(`source ACL not copied, its operation is not known: ${describeAcl(u.binding)}`);
  }
  if (input.handling === 'access-map') {
    return {
      handling: 'access-map',
      sourceCount: input.source.length,
      relevant,
      ignored,
      toCreate: [],
      present: 0,
      warnings,
    };
  }
  if (input.target === undefined) {
    if (relevant.length > 0) {
      warnings.push(
        `the target cluster has no authorizer (SECURITY_DISABLED): ${relevant.length} source ACL binding(s) were not created; ` +
          'configure an authorizer on the target (authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer) ' +
          'and run the topology copy again before clients switch, or set topology.acls: skip',
      );
    }
    return {
      handling: 'merge',
      sourceCount: input.source.length,
      relevant,
      ignored,
      toCreate: [],
      present: 0,
      warnings,
    };
  }
  const existing = new Set(input.target.map(aclKey));
  const toCreate = relevant.filter((b) => !existing.has(aclKey(b)));
  return {
    handling: 'merge',
    sourceCount: input.source.length,
    relevant,
    ignored,
    toCreate,
    present: relevant.length - toCreate.length,
    warnings,
  };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
