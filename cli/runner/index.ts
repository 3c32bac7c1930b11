/** The local runner: the workflow's ASL executed on this machine (see local-runner.ts). */
export {
  type AslDefinition,
  type AslState,
  type ExtractOptions,
  extractDefinition,
  findStateMachines,
} from './asl.ts';
export {
  answerGate,
  failGate,
  listPending,
  readBrokerInfo,
  sendTaskFailure,
  sendTaskHeartbeat,
  sendTaskSuccess,
} from './broker-client.ts';
export type { AnswerReceipt, BrokerInfo, PendingTask } from './broker-protocol.ts';
export type { ContainerHandler, EcsTask } from './containers.ts';
export { formatEvent, type RunnerEvent, type RunnerEventType } from './events.ts';
export {
  checkLocallyRunnable,
  findLocalRunBlockers,
  type LocalRunBlocker,
  MAX_LOCAL_TIMEOUT_SECONDS,
  prepareForLocal,
} from './guard.ts';
export {
  type LambdaHandler,
  type RunLocalOptions,
  type RunLocalResult,
  type RunStatus,
  runLocal,
  type TaskHandler,
  type TaskHandlers,
} from './local-runner.ts';
export { DEFAULT_STATE_DIR, resolveStateDir, STATE_DIR_ENV } from './state-dir.ts';
export { TokenBroker } from './token-broker.ts';
