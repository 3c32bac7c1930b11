/**
 * What a Task state's `Resource` asks for, so the runner knows how to call its local handler and
 * what shape of result Step Functions would hand back.
 */

/** How Step Functions waits for the work: answer of the call, end of the job, or a task token. */
export type IntegrationPattern = 'request-response' | 'sync' | 'wait-for-task-token';

export type ResourceKind =
  /** `arn:aws:states:::lambda:invoke` — result is the Lambda envelope `{StatusCode, Payload, ...}`. */
  | 'lambda-invoke'
  /** A Lambda function ARN used directly as the Resource — result is the function's return value. */
  | 'lambda-function'
  /** `arn:aws:states:::ecs:runTask` — a container; `.sync` waits for it to stop. */
  | 'ecs-run-task'
  /** `arn:aws:states:::aws-sdk:ecs:stopTask` — stops a container the runner started. */
  | 'ecs-stop-task'
  /** `arn:aws:states:::aws-sdk:ecs:describeTasks` — describes containers the runner started. */
  | 'ecs-describe-tasks'
  /** Anything else (other services, activities): handled by a plain function handler. */
  | 'other';

export interface TaskResource {
  readonly resource: string;
  readonly kind: ResourceKind;
  readonly pattern: IntegrationPattern;
}

const SERVICE_INTEGRATION = /^arn:[^:]+:states:::(.+)$/;
const LAMBDA_FUNCTION = /^arn:[^:]+:lambda:[^:]*:[^:]*:function:[^:]+(:[^:]+)?$/;

export function classifyResource(resource: string): TaskResource {
  const lambda = LAMBDA_FUNCTION.exec(resource);
  if (lambda) return { resource, kind: 'lambda-function', pattern: 'request-response' };
  const service = SERVICE_INTEGRATION.exec(resource);
  if (!service) return { resource, kind: 'other', pattern: 'request-response' };
  const api = service[1]!;
  const pattern: IntegrationPattern = api.endsWith('.waitForTaskToken')
    ? 'wait-for-task-token'
    : /\.sync(:\d+)?$/.test(api)
      ? 'sync'
      : 'request-response';
  const action = api.replace(/\.(waitForTaskToken|sync(:\d+)?)$/, '');
  switch (action) {
    case 'lambda:invoke':
      return { resource, kind: 'lambda-invoke', pattern };
    case 'ecs:runTask':
      return { resource, kind: 'ecs-run-task', pattern };
    case 'aws-sdk:ecs:stopTask':
      return { resource, kind: 'ecs-stop-task', pattern };
    case 'aws-sdk:ecs:describeTasks':
      return { resource, kind: 'ecs-describe-tasks', pattern };
    default:
      return { resource, kind: 'other', pattern };
  }
}
