import { describe, expect, it } from 'vitest';
import { type AclScope, aclHandling, planAcls, selectAcls } from '../../../../core/domain/topology/acls.ts';
import type { AclBinding } from '../../../../core/ports.ts';

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

const SCOPE: AclScope = {
  selectedTopics: ['orders', 'payments.eu'],
  groups: { include: ['billing.*', 'audit'], exclude: ['billing-test'] },
  sourceGroups: ['billing', 'billing-eu'],
};

describe('aclHandling', () => {
  const cfg = (acls: 'merge' | 'skip', mode: 'none' | 'iam') =>
    ({ topology: { acls, on_config_drift: 'fail' }, target: { auth: { mode } } }) as Parameters<
      typeof aclHandling
    >[0];

  it('is skip with topology.acls=skip, access-map for an IAM target, merge otherwise', () => {
    expect(aclHandling(cfg('skip', 'iam'))).toBe('skip');
    expect(aclHandling(cfg('merge', 'iam'))).toBe('access-map');
    expect(aclHandling(cfg('merge', 'none'))).toBe('merge');
  });
});

describe('ACL relevance', () => {
  const yes = (b: AclBinding) => expect(selectAcls([b], SCOPE)).toEqual({ relevant: [b], ignored: [] });
  const no = (b: AclBinding, reason: string) =>
    expect(selectAcls([b], SCOPE)).toEqual({
      relevant: [],
      ignored: [{ binding: b, reason: expect.stringContaining(reason) }],
    });

  it('takes TOPIC bindings on a selected topic, on *, or with a prefix of a selected topic', () => {
    yes(acl({ resourceName: 'orders' }));
    yes(acl({ resourceName: '*' }));
    yes(acl({ resourceName: 'payments.', patternType: 'PREFIXED' }));
    no(acl({ resourceName: 'inventory' }), 'not selected');
    no(acl({ resourceName: 'inv', patternType: 'PREFIXED' }), 'no selected topic');
    // a literal is not a prefix: `payments` is not the topic `payments.eu`
    no(acl({ resourceName: 'payments' }), 'not selected');
  });

  it('takes GROUP bindings the groups selection matches, existing on the source or not', () => {
    yes(acl({ resourceType: 'GROUP', resourceName: 'audit' }));
    yes(acl({ resourceType: 'GROUP', resourceName: 'billing-new' }));
    yes(acl({ resourceType: 'GROUP', resourceName: '*' }));
    no(acl({ resourceType: 'GROUP', resourceName: 'billing-test' }), 'not selected');
    no(acl({ resourceType: 'GROUP', resourceName: 'reports' }), 'not selected');
  });

  it('takes PREFIXED GROUP bindings that the selection matches or that prefix a selected source group', () => {
    yes(acl({ resourceType: 'GROUP', resourceName: 'billing', patternType: 'PREFIXED' }));
    // `bill` itself is not selected, but the source group `billing` starts with it
    yes(acl({ resourceType: 'GROUP', resourceName: 'bill', patternType: 'PREFIXED' }));
    no(acl({ resourceType: 'GROUP', resourceName: 'rep', patternType: 'PREFIXED' }), 'no selected group');
  });

  it('takes CLUSTER and TRANSACTIONAL_ID bindings of the clients of the selection and of User:*, not of others', () => {
    const clientTopic = acl({ principal: 'User:app', operation: 'WRITE' });
    const clientGroup = acl({ principal: 'User:reader', resourceType: 'GROUP', resourceName: 'audit' });
    const idempotent = acl({
      principal: 'User:app',
      resourceType: 'CLUSTER',
      resourceName: 'kafka-cluster',
      operation: 'IDEMPOTENT_WRITE',
    });
    const txn = acl({
      principal: 'User:app',
      resourceType: 'TRANSACTIONAL_ID',
      resourceName: 'tx-',
      operation: 'WRITE',
    });
    const readerCluster = acl({
      principal: 'User:reader',
      resourceType: 'CLUSTER',
      resourceName: 'kafka-cluster',
      operation: 'DESCRIBE',
    });
    const everyone = acl({
      principal: 'User:*',
      resourceType: 'CLUSTER',
      resourceName: 'kafka-cluster',
      operation: 'DESCRIBE',
    });
    // User:other only has ACLs outside the selection; User:admin only cluster-level ones
    const otherTopic = acl({ principal: 'User:other', resourceName: 'inventory' });
    const otherTxn = acl({
      principal: 'User:other',
      resourceType: 'TRANSACTIONAL_ID',
      resourceName: 'inv',
      operation: 'WRITE',
    });
    const admin = acl({
      principal: 'User:admin',
      resourceType: 'CLUSTER',
      resourceName: 'kafka-cluster',
      operation: 'ALL',
    });

    const { relevant, ignored } = selectAcls(
      [admin, otherTxn, otherTopic, everyone, readerCluster, txn, idempotent, clientGroup, clientTopic],
      SCOPE,
    );

    expect(new Set(relevant)).toEqual(
      new Set([clientTopic, clientGroup, idempotent, txn, readerCluster, everyone]),
    );
    expect(ignored.map((i) => [i.binding, i.reason])).toEqual(
      expect.arrayContaining([
        [admin, expect.stringContaining('User:admin has no ACL on a selected topic or group')],
        [otherTxn, expect.stringContaining('not a client of the selection')],
        [otherTopic, 'the topic is not selected'],
      ]),
    );
    expect(ignored).toHaveLength(3);
  });

  it('drops duplicate bindings and sorts what it keeps', () => {
    const a = acl({ resourceName: 'payments.eu' });
    const b = acl();
    expect(selectAcls([a, b, a], SCOPE).relevant).toEqual([b, a]);
  });

  it('leaves out DELEGATION_TOKEN and USER bindings and unknown operations', () => {
    no(acl({ resourceType: 'DELEGATION_TOKEN', resourceName: 'x', operation: 'DESCRIBE' }), 'credentials');
    no(acl({ resourceType: 'USER', resourceName: 'x', operation: 'ALTER' }), 'credentials');
    no(acl({ operation: 'CREATE_TOKENS' }), 'not known');
  });
});

describe('planAcls', () => {
  const source = [
    acl(),
    acl({ operation: 'WRITE', principal: 'User:producer' }),
    acl({ resourceName: 'inventory' }),
    acl({ resourceType: 'GROUP', resourceName: 'billing' }),
  ];

  it('merge: creates the relevant bindings the target lacks and counts the present ones', () => {
    const plan = planAcls({ handling: 'merge', source, target: [acl()], scope: SCOPE });

    expect(plan.sourceCount).toBe(4);
    expect(plan.relevant).toHaveLength(3);
    expect(plan.toCreate).toEqual([
      acl({ resourceType: 'GROUP', resourceName: 'billing' }),
      acl({ operation: 'WRITE', principal: 'User:producer' }),
    ]);
    expect(plan.present).toBe(1);
    expect(plan.ignored).toEqual([
      { binding: acl({ resourceName: 'inventory' }), reason: 'the topic is not selected' },
    ]);
  });

  it('merge: a second run (every binding present) creates nothing', () => {
    const first = planAcls({ handling: 'merge', source, target: [], scope: SCOPE });

    const second = planAcls({ handling: 'merge', source, target: [...first.toCreate], scope: SCOPE });

    expect(first.toCreate).toHaveLength(3);
    expect(second.toCreate).toEqual([]);
    expect(second.present).toBe(3);
  });

  it('merge: a binding differing only in host or permission is a different binding', () => {
    const plan = planAcls({
      handling: 'merge',
      source: [acl()],
      target: [acl({ host: '10.0.0.1' }), acl({ permissionType: 'DENY' })],
      scope: SCOPE,
    });

    expect(plan.toCreate).toEqual([acl()]);
  });

  it('merge: a target without an authorizer gets nothing, with a warning naming the count', () => {
    const plan = planAcls({ handling: 'merge', source, target: undefined, scope: SCOPE });

    expect(plan.toCreate).toEqual([]);
    expect(plan.warnings.join('\n')).toContain(
      'no authorizer (SECURITY_DISABLED): 3 source ACL binding(s) were not created',
    );
  });

  it('a source without an authorizer has nothing to copy', () => {
    const plan = planAcls({ handling: 'merge', source: undefined, target: [], scope: SCOPE });

    expect(plan).toMatchObject({ sourceCount: undefined, relevant: [], toCreate: [] });
    expect(plan.warnings).toEqual([expect.stringContaining('source cluster has no authorizer')]);
  });

  it('skip: nothing, without warnings', () => {
    const plan = planAcls({ handling: 'skip', source, target: [], scope: SCOPE });

    expect(plan).toMatchObject({ handling: 'skip', relevant: [], toCreate: [], warnings: [] });
  });

  it('access-map: the relevant bindings, nothing to create', () => {
    const plan = planAcls({ handling: 'access-map', source, target: undefined, scope: SCOPE });

    expect(plan.relevant).toHaveLength(3);
    expect(plan.toCreate).toEqual([]);
  });

  it('drops duplicate source bindings and reports unknown operations', () => {
    const plan = planAcls({
      handling: 'merge',
      source: [acl(), acl(), acl({ operation: 'UNKNOWN(99)' })],
      target: [],
      scope: SCOPE,
    });

    expect(plan.toCreate).toEqual([acl()]);
    expect(plan.warnings).toEqual([
      expect.stringContaining('operation is not known: ALLOW User:app UNKNOWN(99)'),
    ]);
  });
});
