import { describe, expect, it } from 'vitest';
import { accessMapKey, buildAccessMap, iamGrants } from '../../../../core/domain/topology/access-map.ts';
import type { AclBinding } from '../../../../core/ports.ts';

const ARN = 'arn:aws:kafka:eu-west-1:123456789012:cluster/target/1111-2222';
const BASE = 'arn:aws:kafka:eu-west-1:123456789012';

function acl(overrides: Partial<AclBinding> = {}): AclBinding {
  return {
    resourceType: 'TOPIC',
    resourceName: 'orders',
    patternType: 'LITERAL',
    principal: 'User:app',
    host: '*',
    operation: 'READ',
    permissionType: 'ALLOW',
    ...overrides,
  };
}

describe('iamGrants: one binding', () => {
  const grants = (b: AclBinding) => iamGrants(b, ARN).grants.map((g) => [g.effect, g.actions, g.resource]);

  it('maps topic READ and WRITE to the data actions plus DescribeTopic on the topic ARN', () => {
    expect(grants(acl())).toEqual([
      [
        'Allow',
        ['kafka-cluster:DescribeTopic', 'kafka-cluster:ReadData'],
        `${BASE}:topic/target/1111-2222/orders`,
      ],
    ]);
    expect(grants(acl({ operation: 'WRITE' }))[0]?.[1]).toEqual([
      'kafka-cluster:DescribeTopic',
      'kafka-cluster:WriteData',
    ]);
  });

  it('maps group READ to AlterGroup and DescribeGroup, PREFIXED to a trailing *', () => {
    expect(grants(acl({ resourceType: 'GROUP', resourceName: 'billing-', patternType: 'PREFIXED' }))).toEqual(
      [
        [
          'Allow',
          ['kafka-cluster:AlterGroup', 'kafka-cluster:DescribeGroup'],
          `${BASE}:group/target/1111-2222/billing-*`,
        ],
      ],
    );
  });

  it('maps transactional-id WRITE and cluster IDEMPOTENT_WRITE', () => {
    expect(
      grants(acl({ resourceType: 'TRANSACTIONAL_ID', resourceName: 'tx-1', operation: 'WRITE' })),
    ).toEqual([
      [
        'Allow',
        ['kafka-cluster:AlterTransactionalId', 'kafka-cluster:DescribeTransactionalId'],
        `${BASE}:transactional-id/target/1111-2222/tx-1`,
      ],
    ]);
    expect(
      grants(acl({ resourceType: 'CLUSTER', resourceName: 'kafka-cluster', operation: 'IDEMPOTENT_WRITE' })),
    ).toEqual([['Allow', ['kafka-cluster:WriteDataIdempotently'], ARN]]);
  });

  it('maps cluster CREATE to CreateTopic on every topic', () => {
    expect(
      grants(acl({ resourceType: 'CLUSTER', resourceName: 'kafka-cluster', operation: 'CREATE' })),
    ).toEqual([['Allow', ['kafka-cluster:CreateTopic'], `${BASE}:topic/target/1111-2222/*`]]);
  });

  it('maps ALL on a topic to every topic action', () => {
    expect(grants(acl({ operation: 'ALL', resourceName: '*' }))[0]).toEqual([
      'Allow',
      [
        'kafka-cluster:AlterTopic',
        'kafka-cluster:AlterTopicDynamicConfiguration',
        'kafka-cluster:CreateTopic',
        'kafka-cluster:DeleteTopic',
        'kafka-cluster:DescribeTopic',
        'kafka-cluster:DescribeTopicDynamicConfiguration',
        'kafka-cluster:ReadData',
        'kafka-cluster:WriteData',
      ],
      `${BASE}:topic/target/1111-2222/*`,
    ]);
  });

  it('denies exactly the named action for a DENY binding', () => {
    expect(grants(acl({ permissionType: 'DENY' }))).toEqual([
      ['Deny', ['kafka-cluster:ReadData'], `${BASE}:topic/target/1111-2222/orders`],
    ]);
  });

  it('has no grant, but a note, for CLUSTER_ACTION and operations a resource type does not have', () => {
    const clusterAction = iamGrants(
      acl({ resourceType: 'CLUSTER', resourceName: 'kafka-cluster', operation: 'CLUSTER_ACTION' }),
      ARN,
    );
    expect(clusterAction.grants).toEqual([]);
    expect(clusterAction.note).toContain('no IAM equivalent');
    expect(iamGrants(acl({ resourceType: 'GROUP', operation: 'WRITE' }), ARN).note).toContain(
      'no IAM equivalent',
    );
  });
});

describe('buildAccessMap', () => {
  it('gives each principal one policy with Connect, statements merged by action set, sorted', () => {
    const map = buildAccessMap({
      migrationId: 'mig-1',
      targetClusterArn: ARN,
      bindings: [
        acl({ resourceName: 'payments' }),
        acl(),
        acl({ resourceType: 'GROUP', resourceName: 'billing' }),
        acl({ principal: 'User:auditor', permissionType: 'DENY', operation: 'WRITE' }),
      ],
    });

    expect(map).toMatchObject({
      kind: 'kraft-migrate.access-map',
      schema_version: 1,
      migration_id: 'mig-1',
      target_cluster_arn: ARN,
      placeholders: [],
    });
    expect(map.principals.map((p) => p.principal)).toEqual(['User:app', 'User:auditor']);
    const app = map.principals[0]!;
    expect(app.acls).toEqual([
      'ALLOW User:app READ GROUP billing (LITERAL) from *',
      'ALLOW User:app READ TOPIC orders (LITERAL) from *',
      'ALLOW User:app READ TOPIC payments (LITERAL) from *',
    ]);
    expect(app.policy).toEqual({
      Version: '2012-10-17',
      Statement: [
        { Sid: 'Allow1', Effect: 'Allow', Action: ['kafka-cluster:Connect'], Resource: [ARN] },
        {
          Sid: 'Allow2',
          Effect: 'Allow',
          Action: ['kafka-cluster:AlterGroup', 'kafka-cluster:DescribeGroup'],
          Resource: [`${BASE}:group/target/1111-2222/billing`],
        },
        {
          Sid: 'Allow3',
          Effect: 'Allow',
          Action: ['kafka-cluster:DescribeTopic', 'kafka-cluster:ReadData'],
          Resource: [`${BASE}:topic/target/1111-2222/orders`, `${BASE}:topic/target/1111-2222/payments`],
        },
      ],
    });
    // a principal with only DENY bindings gets no Connect
    expect(map.principals[1]!.policy.Statement).toEqual([
      {
        Sid: 'Deny1',
        Effect: 'Deny',
        Action: ['kafka-cluster:WriteData'],
        Resource: [`${BASE}:topic/target/1111-2222/orders`],
      },
    ]);
  });

  it('notes host restrictions it cannot carry over', () => {
    const map = buildAccessMap({
      migrationId: 'm',
      targetClusterArn: ARN,
      bindings: [acl({ host: '10.1.2.3' })],
    });

    expect(map.principals[0]!.notes).toEqual([expect.stringContaining('host restriction (10.1.2.3)')]);
  });

  it('uses the templated placeholders of plan --format iam-policy without target.cluster_arn', () => {
    const map = buildAccessMap({ migrationId: 'm', targetClusterArn: undefined, bindings: [acl()] });

    expect(map.target_cluster_arn).toBe(
      'arn:${Partition}:kafka:${TargetRegion}:${TargetAccount}:cluster/${TargetClusterName}/${TargetClusterUuid}',
    );
    expect(map.placeholders).toEqual([
      'Partition',
      'TargetRegion',
      'TargetAccount',
      'TargetClusterName',
      'TargetClusterUuid',
    ]);
    expect(map.principals[0]!.policy.Statement[1]!.Resource).toEqual([
      'arn:${Partition}:kafka:${TargetRegion}:${TargetAccount}:topic/${TargetClusterName}/${TargetClusterUuid}/orders',
    ]);
    expect(map.notes.join('\n')).toContain('replace the placeholders');
  });

  it('is deterministic whatever the binding order', () => {
    const bindings = [acl(), acl({ resourceName: 'b' }), acl({ principal: 'User:z', operation: 'WRITE' })];

    const a = buildAccessMap({ migrationId: 'm', targetClusterArn: ARN, bindings });
    const b = buildAccessMap({ migrationId: 'm', targetClusterArn: ARN, bindings: [...bindings].reverse() });

    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
  });

  it('lives at migrations/<id>/access-map.json in the evidence store', () => {
    expect(accessMapKey('mig-1')).toBe('migrations/mig-1/access-map.json');
  });
});
