import { describe, expect, it } from 'vitest';
import { InvariantError } from '../../../../core/domain/errors.ts';
import { appendEntry, assertNoSecrets, findSecrets } from '../../../../core/domain/journal/index.ts';
import { secretValues } from '../../../../core/domain/journal/secrets.ts';
import { journalThrough, T0 } from './helpers.ts';

describe('secret guard', () => {
  it('refuses a journal entry whose detail carries a password, without echoing the value', () => {
    const entries = journalThrough(['prechecking']);

    let error: unknown;
    try {
      appendEntry(
        entries,
        { to: 'failed', reason: 'r', detail: { source: { auth: { password: 'hunter2' } } } },
        T0,
      );
    } catch (e) {
      error = e;
    }

    expect(error).toBeInstanceOf(InvariantError);
    expect((error as Error).message).toBe('refusing to journal a secret: detail.source.auth.password');
    expect((error as Error).message).not.toContain('hunter2');
  });

  it('finds secret-like keys at any depth and in arrays', () => {
    expect(
      findSecrets({
        a: [{ task_token: 'x' }],
        webhookSecret: 'y',
        clientSecret: 'z',
        sasl: { passwd: 'p' },
        apiKey: 'k',
      }),
    ).toEqual([
      'detail.a[0].task_token',
      'detail.webhookSecret',
      'detail.clientSecret',
      'detail.sasl.passwd',
      'detail.apiKey',
    ]);
  });

  it('finds private key material in values', () => {
    expect(findSecrets({ note: '-----BEGIN PRIVATE KEY-----\nMC4CAQ...' })).toEqual(['detail.note']);
  });

  it('refuses key material in the reason', () => {
    const entries = journalThrough(['prechecking']);

    expect(() =>
      appendEntry(entries, { to: 'failed', reason: 'bad key -----BEGIN PRIVATE KEY----- MC4C' }, T0),
    ).toThrow('refusing to journal a secret: reason');
  });

  it('allows ARNs of secrets and ordinary keys', () => {
    expect(() =>
      assertNoSecrets({
        secret_arn: 'arn:aws:secretsmanager:eu-west-2:123456789012:secret:AmazonMSK_x',
        producerFreezeWebhookSecretArn: 'arn:aws:secretsmanager:eu-west-2:123456789012:secret:y',
        validation_passed: true,
        records: 10,
      }),
    ).not.toThrow();
  });
});

describe('secretValues', () => {
  it('collects the values under secret keys (not ARNs), with their JSON-escaped forms, longest first', () => {
    const values = secretValues({
      source: { auth: { mode: 'scram-sha-512', username: 'u', password: 'p"w\\1' } },
      target: { auth: { secret_arn: 'arn:aws:secretsmanager:eu-west-2:1:secret:AmazonMSK_x' } },
      cutover: { producer_freeze_webhook_secret: 'whsec', producer_freeze_webhook_secret_arn: 'arn:aws:x' },
      list: [{ token: ['t-1', 't-2'] }],
    });
    expect(values).toEqual(['p\\\\\\"w\\\\\\\\1', 'p\\"w\\\\1', 'p"w\\1', 'whsec', 't-1', 't-2']);
  });

  it('finds nothing in a config without secrets', () => {
    expect(
      secretValues({ source: { auth: { mode: 'none' } }, seed: { max_concurrent_partitions: 4 } }),
    ).toEqual([]);
  });
});
