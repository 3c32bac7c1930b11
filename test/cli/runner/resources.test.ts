import { describe, expect, it } from 'vitest';
import { classifyResource } from '../../../cli/runner/resources.ts';

describe('classifyResource', () => {
  it.each([
    ['arn:aws:states:::lambda:invoke', 'lambda-invoke', 'request-response'],
    ['arn:aws:states:::lambda:invoke.waitForTaskToken', 'lambda-invoke', 'wait-for-task-token'],
    ['arn:aws:lambda:local:000000000000:function:Precheck', 'lambda-function', 'request-response'],
    ['arn:aws:lambda:eu-west-1:123456789012:function:Precheck:live', 'lambda-function', 'request-response'],
    ['arn:aws:states:::ecs:runTask.sync', 'ecs-run-task', 'sync'],
    ['arn:aws:states:::ecs:runTask', 'ecs-run-task', 'request-response'],
    ['arn:aws:states:::ecs:runTask.waitForTaskToken', 'ecs-run-task', 'wait-for-task-token'],
    ['arn:aws:states:::aws-sdk:ecs:stopTask', 'ecs-stop-task', 'request-response'],
    ['arn:aws:states:::aws-sdk:ecs:describeTasks', 'ecs-describe-tasks', 'request-response'],
    ['arn:aws-cn:states:::states:startExecution.sync:2', 'other', 'sync'],
    ['arn:aws:states:::sqs:sendMessage.waitForTaskToken', 'other', 'wait-for-task-token'],
    ['arn:aws:states:eu-west-1:123456789012:activity:approve', 'other', 'request-response'],
  ])('%s is %s with pattern %s', (resource, kind, pattern) => {
    expect(classifyResource(resource)).toEqual({ resource, kind, pattern });
  });
});
