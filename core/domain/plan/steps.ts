import type { WorkflowStep } from './types.ts';

/**
 * The ordered steps of the workflow (SPEC §7) as the plan and the runbook show them, with the
 * journal state (SPEC §4) the migration is in while each runs. Names follow the ASL state names
 * of SPEC §7 ("Sentinels + FinalDrain" is one step here: SentinelsAndFinalDrain).
 */
export const WORKFLOW_STEPS: readonly WorkflowStep[] = Object.freeze([
  {
    step: 'ValidateInput',
    state: 'planned',
    kind: 'validate',
    description: 'Validate the execution input (the migration config) with the same schema as the CLI.',
    operatorCommand: 'kraft-migrate execute',
  },
  {
    step: 'Precheck',
    state: 'prechecking',
    kind: 'lambda',
    description: 'Run every precheck rule; any blocker stops the execution before anything is written.',
    operatorCommand: null,
  },
  {
    step: 'CopyTopology',
    state: 'copying_topology',
    kind: 'lambda',
    description:
      'Create the topics on the target (same partition count, planned replication factor, copied configs), apply ACLs, wait for leaders.',
    operatorCommand: null,
  },
  {
    step: 'Seed',
    state: 'seeding',
    kind: 'fargate',
    description:
      'Per partition: capture the seed boundary, stage records as segment objects in S3 and produce them in order to the same partition on the target.',
    operatorCommand: null,
  },
  {
    step: 'Tail',
    state: 'tailing',
    kind: 'fargate',
    description:
      'Copy new records from the seed boundary on, with low latency; keeps running through cutover.',
    operatorCommand: null,
  },
  {
    step: 'WaitForDrain',
    state: 'tailing',
    kind: 'poll',
    description:
      'Poll lag until every partition stays within drain_max_partition_lag for drain_stable_window (→ drain_ready), or fail after drain_timeout.',
    operatorCommand: null,
  },
  {
    step: 'AwaitCutoverApproval',
    state: 'drain_ready',
    kind: 'task-token',
    description: 'Wait for the operator to approve cutover (skipped when cutover.auto_approve).',
    operatorCommand: 'kraft-migrate cutover',
  },
  {
    step: 'FreezeProducers',
    state: 'cutting_over',
    kind: 'task-token',
    description:
      'Ask the producer-freeze system (webhook or operator prompt) to stop producers, then verify source end offsets stop moving.',
    operatorCommand: null,
  },
  {
    step: 'SentinelsAndFinalDrain',
    state: 'cutting_over',
    kind: 'lambda',
    description:
      'Write one sentinel record per source partition, tail until every sentinel is on the target and lag is 0.',
    operatorCommand: null,
  },
  {
    step: 'TranslateOffsets',
    state: 'cutting_over',
    kind: 'lambda',
    description:
      "Translate every selected group's committed offsets through the offset map and commit them on the target.",
    operatorCommand: null,
  },
  {
    step: 'LogStartGuard',
    state: 'cutting_over',
    kind: 'lambda',
    description:
      'Check that retention has not truncated the target below the first copied record and every translated offset lies within [log-start, end].',
    operatorCommand: null,
  },
  {
    step: 'AwaitClientSwitch',
    state: 'awaiting_client_switch',
    kind: 'task-token',
    description: 'READY_FOR_CLIENT_SWITCH: move consumers and producers to the target, then confirm.',
    operatorCommand: 'kraft-migrate cutover-ack',
  },
  {
    step: 'Validate',
    state: 'validating',
    kind: 'lambda',
    description: 'counts_and_offsets, spot_check_records, sentinel_presence, consumer_offsets.',
    operatorCommand: null,
  },
  {
    step: 'SignEvidence',
    state: 'validating',
    kind: 'lambda',
    description:
      'Write evidence.json, signed (Ed25519), with Object Lock retention when evidence.retention is set (→ finalized). `kraft-migrate finalize` re-runs Validate + SignEvidence after a repair.',
    operatorCommand: null,
  },
]);
