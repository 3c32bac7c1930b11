import { formatBytes, formatCount } from '../format.ts';
import type { MigrationPlan, PlanTopic } from './types.ts';

export interface RunbookOptions {
  /** The config file the operator passes to every command. Default `migration.yaml`. */
  readonly configPath?: string;
}

/**
 * A Markdown runbook an operator can follow from precheck to signed evidence, rendered from a
 * plan. Pure: the same plan gives the same text.
 */
export function renderRunbook(plan: MigrationPlan, options: RunbookOptions = {}): string {
  const cfg = options.configPath ?? 'migration.yaml';
  const id = plan.migrationId;
  const cmd = (name: string, extra = '') =>
    `kraft-migrate ${name} --config ${cfg} --migration-id ${id}${extra}`;
  const out: string[] = [];
  const p = (...lines: string[]) => out.push(...lines);
  const code = (...lines: string[]) => out.push('```sh', ...lines, '```', '');

  p(`# Migration runbook: ${id}`, '');
  p(
    `Moves ${plan.totals.topics} topic(s) (${plan.totals.partitions} partitions), ${plan.totals.groups} consumer group(s) and ` +
      `their committed offsets from the ${plan.source.mode === 'zookeeper' ? 'ZooKeeper-mode' : plan.source.mode} source to the ` +
      `${plan.target.mode === 'kraft' ? 'KRaft-mode' : plan.target.mode} target by copying every record, then moves the clients ` +
      'after a short producer freeze. The source is only read, except for one sentinel record per partition at cutover.',
    '',
  );

  p('## Summary', '');
  p('| | source | target |', '|---|---|---|');
  p(`| cluster | ${cell(plan.source.identity)} | ${cell(plan.target.identity)} |`);
  p(`| metadata mode | ${plan.source.mode} | ${plan.target.mode} |`);
  p(
    `| Kafka version | ${plan.source.kafkaVersion ?? 'unknown'} | ${plan.target.kafkaVersion ?? 'unknown'} |`,
  );
  p(`| brokers | ${plan.source.brokerCount ?? 'unknown'} | ${plan.target.brokerCount ?? 'unknown'} |`);
  p(`| auth | ${plan.source.authMode} | ${plan.target.authMode} |`, '');
  p('| what | how much |', '|---|---|');
  p(`| topics | ${plan.totals.topics} |`);
  p(`| partitions | ${plan.totals.partitions} |`);
  p(`| records (offset span) | ${formatCount(plan.totals.records)} |`);
  p(`| bytes | ${plan.totals.bytesComplete ? '' : 'at least '}${formatBytes(plan.totals.bytes)} |`);
  p(
    `| consumer groups | ${plan.totals.groups} (${plan.totals.groupPartitions} committed partition offsets to translate) |`,
  );
  p(`| ACLs of the selection | ${aclCountText(plan)} (${aclHandlingText(plan)}) |`);
  p(`| estimated seed time | ${plan.seed.estimate.text} |`);
  p(`| max producer freeze | ${plan.cutover.maxProducerFreeze} |`);
  p(`| config fingerprint | \`${plan.fingerprint}\` |`, '');
  p(`Seed estimate: ${plan.seed.estimate.basis}.`, '');
  if (plan.migrationIdSource === 'generated') {
    p(
      `> **Pin the migration id.** \`migration_id\` is not set in the config; this runbook uses \`${id}\`. ` +
        `Add \`migration_id: ${id}\` to ${cfg} so that every command below addresses the same migration.`,
      '',
    );
  }

  if (plan.warnings.length > 0) {
    p('## Warnings', '');
    for (const w of plan.warnings) p(`- ${w}`);
    p('');
  }

  p('## Before you start', '');
  p(
    '- The runner role needs the permissions of the generated IAM policy (`iam-policy-concrete.json` for exactly this migration, `iam-policy-templated.json` to adapt):',
  );
  code(`kraft-migrate plan --config ${cfg} --format all --out-dir plan-${id}`);
  p(
    '- The runner must reach the brokers of both clusters (security groups, VPC peering or PrivateLink) and both S3 buckets.',
    `- Producer freeze: ${freezeSetupText(plan)}`,
    '- Tell the owners of every producer and consumer of the topics below when the cutover window is.',
    '',
  );

  p('## Phase 1: precheck (read-only)', '');
  code(`kraft-migrate precheck --config ${cfg}`);
  p(
    'Every blocker (B..) must be fixed before `execute`; warnings (W..) need a decision. `execute` runs the same checks again and stops on any blocker.',
    '',
  );

  p('## Phase 2: execute: topology, seed, tail', '');
  code(cmd('execute'));
  p(
    `- **CopyTopology** creates ${plan.totals.topics} topic(s) on the target with the source partition counts, the replication factors and configs below, ` +
      `and waits for partition leaders. ACLs: ${aclHandlingText(plan)}.`,
    `- **Seed** copies every partition from its log start to the seed boundary, staging segments under \`${plan.storage.segments.partitionPrefixTemplate}\`, ` +
      `at most ${plan.seed.maxConcurrentPartitions} partitions at once (\`seed.max_concurrent_partitions\`), reading ${plan.seed.isolationLevel}. ` +
      `Estimated: **${plan.seed.estimate.text}**.`,
    '- **Tail** then copies new records continuously; it keeps running through cutover.',
    `- **WaitForDrain** reaches \`drain_ready\` once every partition's lag stays ≤ ${plan.cutover.drainMaxPartitionLag} for ${plan.cutover.drainStableWindow}; ` +
      `after ${plan.cutover.drainTimeout} without it the execution fails with \`drain_timeout exceeded\` (resumable: run \`execute\` again).`,
    '',
    'Watch it:',
  );
  code(cmd('status', ' --watch'));
  p(
    'A crashed or stopped execution resumes where it left off with the same `execute` command. Changing the clusters or buckets in the config stops a resume with `resume fingerprint mismatch`.',
    '',
  );

  p('## Phase 3: cutover', '');
  if (plan.cutover.autoApprove) {
    p(
      '`cutover.auto_approve` is true: the workflow goes on from `drain_ready` without waiting for approval.',
      '',
    );
  } else {
    p('When `status` shows `drain_ready`, approve the cutover:', '');
    code(cmd('cutover'));
  }
  p('### Producer freeze', '');
  p(
    `Producers to the copied topics must stop for the cutover. The freeze is bounded by \`max_producer_freeze\` = **${plan.cutover.maxProducerFreeze}**: ` +
      'from the freeze request, the producer-freeze system has that long to confirm, and producers should expect to be paused for about that long plus the final drain.',
    '',
    `- ${freezeSetupText(plan)}`,
    '- After the freeze is confirmed the tool checks that source end offsets stop moving; a producer still writing fails the cutover.',
    '- On any failure after the freeze, producers are unfrozen (best effort) and the migration becomes `failed`; fix the cause and run `execute` again.',
    '',
  );
  p('### What the cutover does', '');
  p(
    '1. Writes one sentinel record per source partition and tails until every sentinel is on the target (consumers still on the source will see these markers).',
    '2. Final drain: lag 0 on every partition.',
    `3. Translates the committed offsets of ${plan.totals.groups} group(s) through the offset map and commits them on the target.`,
    "4. Log-start guard: the target's retention must not have removed copied records, and every translated offset must lie within the partition; otherwise the client switch is blocked.",
    '5. Reaches `awaiting_client_switch` (READY_FOR_CLIENT_SWITCH).',
    '',
  );

  p('## Phase 4: client switch', '');
  p(
    "Point consumers and producers at the target's bootstrap servers (config, DNS alias or secret), restart them, and check they connect to the target. " +
      'Consumers resume at exactly the next record. Then confirm:',
    '',
  );
  code(cmd('cutover-ack'));

  p('## Phase 5: validation and evidence', '');
  p(
    `After \`cutover-ack\` the workflow validates: counts_and_offsets (count_tolerance=${plan.validation.countTolerance}), ` +
      `spot_check_records (${plan.validation.spotCheckRecordsPerPartition} per partition, about ${plan.validation.spotCheckSamples} samples), ` +
      'sentinel_presence and consumer_offsets; when validation passes it writes the signed evidence and the migration is `finalized`. ' +
      'Records your applications write to the target before validation count against count_tolerance, so finalize promptly after the switch. ' +
      '`finalize` runs validation again and writes the evidence (from `validating`, or from `failed` after a repair):',
    '',
  );
  code(cmd('finalize'));
  p(
    'If validation names a partition, replay it from the segments and finalize again; `compare` gives an independent source/target comparison:',
    '',
  );
  code(cmd('repair', ' --partition TOPIC:PARTITION'), cmd('compare'));
  p(
    `Evidence: \`${plan.storage.evidence.evidenceKey}\`` +
      (plan.storage.evidence.retention
        ? ` (Object Lock COMPLIANCE retention ${plan.storage.evidence.retention}).`
        : '.') +
      ` Journal: \`${plan.storage.evidence.journalPrefix}\`. Signing: ${signingText(plan)}. An auditor checks it with:`,
    '',
  );
  // the files beside evidence.json: its signature, the public key, the report, and with a KMS key the
  // body the signed envelope names (docs/evidence.md); attempts/ and journal/ stay behind
  code(
    `aws s3 cp ${plan.storage.evidence.evidenceKey.slice(0, -'evidence.json'.length)} . --recursive --exclude '*' --include 'evidence*'`,
    'kraft-migrate verify-evidence evidence.json',
  );

  p('## Rollback', '');
  p(`\`rollback\` is allowed until the cutover completes (any state before \`awaiting_client_switch\`):`, '');
  code(cmd('rollback'));
  p(
    'Roll back when:',
    '- precheck blockers cannot be fixed in the window, or the seed reports gaps (data lost to source retention) that are not acceptable;',
    '- the drain does not converge (`drain_timeout exceeded` again after tuning) or the producer freeze cannot be obtained;',
    '- the cutover fails and the window is over.',
    '',
    'Rollback stops tailing, unfreezes producers, journals `rolled_back` and optionally deletes what the migration created on the target. ' +
      'The source keeps all its data; only the sentinel records (if the cutover got that far) were added to it.',
    '',
    'After `awaiting_client_switch` there is no tool rollback: clients moved to the target write there, and those records are not copied back. ' +
      'To go back, point the clients at the source again; records written to the target in between must be reconciled by their owners.',
    '',
  );

  p('## Topics', '');
  p(
    '| topic | partitions | RF source → target | records | bytes | configs copied | configs skipped | target topic |',
    '|---|---:|---|---:|---:|---|---|---|',
  );
  for (const t of plan.topics) {
    p(
      `| ${cell(t.name)}${t.compacted ? ' (compacted)' : ''}${t.transactional ? ' (transactional)' : ''} | ${t.partitions} | ` +
        `${t.sourceReplicationFactor} → ${t.targetReplicationFactor} | ${formatCount(t.records)} | ` +
        `${t.bytesComplete ? '' : '≥ '}${formatBytes(t.bytes)} | ${cell(copiedText(t))} | ${cell(t.configs.skipped.map((s) => s.name).join(', ') || '—')} | ${t.target.state} |`,
    );
  }
  p('');
  const skipped = plan.topics.flatMap((t) => t.configs.skipped.map((s) => ({ topic: t.name, ...s })));
  if (skipped.length > 0) {
    p('### Configs not copied', '', '| topic | config | value | why |', '|---|---|---|---|');
    for (const s of skipped)
      p(`| ${cell(s.topic)} | ${cell(s.name)} | ${cell(s.value ?? '(null)')} | ${cell(s.reason)} |`);
    p('');
  }
  if (plan.excludedInternalTopics.length > 0) {
    p(`Internal topics never copied: ${plan.excludedInternalTopics.map((t) => `\`${t}\``).join(', ')}.`, '');
  }

  p('## Consumer groups', '');
  if (plan.groups.length === 0) {
    p('No consumer groups selected.', '');
  } else {
    p('| group | state | members | partitions with committed offsets | topics |', '|---|---|---:|---:|---|');
    for (const g of plan.groups) {
      p(
        `| ${cell(g.groupId)} | ${cell(g.state)} | ${g.members} | ${g.partitions} | ${cell(g.topics.join(', ') || '—')} |`,
      );
    }
    p('');
    if (plan.groups.some((g) => g.members > 0)) {
      p(
        'Groups with active members keep committing on the source until their consumers stop; stop or move them during the freeze.',
        '',
      );
    }
  }

  p('## Workflow steps', '', '| # | step | state | what happens | operator |', '|---:|---|---|---|---|');
  plan.steps.forEach((s, i) => {
    p(
      `| ${i + 1} | ${s.step} | \`${s.state}\` | ${cell(s.description)} | ${s.operatorCommand ? `\`${s.operatorCommand}\`` : '—'} |`,
    );
  });
  p('');
  return out.join('\n');
}

function copiedText(t: PlanTopic): string {
  const entries = Object.entries(t.configs.copy);
  return entries.length === 0 ? '—' : entries.map(([k, v]) => `${k}=${v}`).join(', ');
}

function aclCountText(plan: MigrationPlan): string {
  if (plan.acls.count === null) return 'not gathered';
  const others = plan.acls.outsideSelection ?? 0;
  return others > 0
    ? `${plan.acls.count}; ${others} other source ACL(s) outside the selection are not copied`
    : `${plan.acls.count}`;
}

function aclHandlingText(plan: MigrationPlan): string {
  switch (plan.acls.handling) {
    case 'skip':
      return 'not copied (topology.acls=skip)';
    case 'access-map':
      return 'written to access-map.json (the target uses IAM auth, so no ACLs are created)';
    default:
      return "merged into the target's";
  }
}

function freezeSetupText(plan: MigrationPlan): string {
  if (plan.cutover.freezeMechanism === 'webhook') {
    return (
      `the webhook ${plan.cutover.webhook} receives \`{action:"freeze", migration_id, task_token, deadline}\`` +
      `${plan.cutover.webhookSigned ? ' (signed, header X-Kraft-Migrate-Signature)' : ''} and must answer 2xx, ` +
      'then report the freeze with the task token (`kraft-migrate callback --token T --success JSON`) or at once in its answer.'
    );
  }
  return (
    'no `cutover.producer_freeze_webhook` is configured, so `cutover` prompts the operator to confirm the freeze: run it from an interactive shell ' +
    '(without a TTY it fails with `producer-freeze freeze: stdin is not a TTY`).'
  );
}

function signingText(plan: MigrationPlan): string {
  switch (plan.evidence.signing) {
    case 'kms':
      return 'KMS key (Ed25519)';
    case 'secret':
      return 'Ed25519 key from Secrets Manager';
    case 'path':
      return 'Ed25519 key file';
    default:
      return 'built-in demo key (not for production)';
  }
}

/** A Markdown table cell: no line breaks, pipes escaped. */
function cell(text: string): string {
  return text.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|');
}
