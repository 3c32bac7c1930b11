import { describe, expect, it } from 'vitest';
import { extractDefinition, findStateMachines } from '../../../cli/runner/asl.ts';

/** A template shaped like `cdk synth` output: DefinitionString as Fn::Join of JSON fragments. */
function cdkTemplate(extraResources: Record<string, unknown> = {}) {
  return {
    Resources: {
      PrecheckFnA1B2C3D4: { Type: 'AWS::Lambda::Function', Properties: {} },
      CopierTaskDef9F8E7D6C: { Type: 'AWS::ECS::TaskDefinition', Properties: {} },
      CopierCluster11AA22BB: { Type: 'AWS::ECS::Cluster', Properties: {} },
      VpcPrivateSubnet1Subnet536B997A: { Type: 'AWS::EC2::Subnet', Properties: {} },
      WorkflowStateMachine5E5E5E5E: {
        Type: 'AWS::StepFunctions::StateMachine',
        Properties: {
          DefinitionString: {
            'Fn::Join': [
              '',
              [
                '{"StartAt":"Precheck","States":{"Precheck":{"Type":"Task","Resource":"arn:',
                { Ref: 'AWS::Partition' },
                ':states:::lambda:invoke","Parameters":{"FunctionName":"',
                { 'Fn::GetAtt': ['PrecheckFnA1B2C3D4', 'Arn'] },
                '","Payload.$":"$"},"Next":"Seed"},"Seed":{"Type":"Task","Resource":"arn:',
                { Ref: 'AWS::Partition' },
                ':states:::ecs:runTask.sync","Parameters":{"Cluster":"',
                { 'Fn::GetAtt': ['CopierCluster11AA22BB', 'Arn'] },
                '","TaskDefinition":"',
                { Ref: 'CopierTaskDef9F8E7D6C' },
                '","NetworkConfiguration":{"AwsvpcConfiguration":{"Subnets":["',
                { Ref: 'VpcPrivateSubnet1Subnet536B997A' },
                '"]}},"Region":"',
                { Ref: 'AWS::Region' },
                '","Account":"',
                { Ref: 'AWS::AccountId' },
                '"},"End":true}}}',
              ],
            ],
          },
        },
      },
      ...extraResources,
    },
  };
}

describe('extractDefinition', () => {
  it('resolves Fn::Join with Ref and Fn::GetAtt to stable local identifiers', () => {
    const asl = extractDefinition(cdkTemplate());

    expect(asl).toEqual({
      StartAt: 'Precheck',
      States: {
        Precheck: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          Parameters: {
            FunctionName: 'arn:aws:lambda:local:000000000000:function:PrecheckFnA1B2C3D4',
            'Payload.$': '$',
          },
          Next: 'Seed',
        },
        Seed: {
          Type: 'Task',
          Resource: 'arn:aws:states:::ecs:runTask.sync',
          Parameters: {
            Cluster: 'arn:aws:ecs:local:000000000000:cluster/CopierCluster11AA22BB',
            TaskDefinition: 'arn:aws:ecs:local:000000000000:task-definition/CopierTaskDef9F8E7D6C:1',
            NetworkConfiguration: { AwsvpcConfiguration: { Subnets: ['subnet-6db9ded633542945c'] } },
            Region: 'local',
            Account: '000000000000',
          },
          End: true,
        },
      },
    });
  });

  it('gives byte-identical ASL for the same template (fake ids derive from logical ids only)', () => {
    const a = extractDefinition(cdkTemplate());
    const b = extractDefinition(structuredClone(cdkTemplate()));

    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    const subnet = a.States['Seed']?.['Parameters'];
    expect(JSON.stringify(subnet)).toContain('subnet-6db9ded633542945c'); // sha256(logical id), first 17 hex
  });

  it('applies DefinitionSubstitutions, Fn::Sub (${Id.Attr}, pseudo parameters, ${!Literal}) and pinned values', () => {
    const template = {
      Resources: {
        Fn1: { Type: 'AWS::Lambda::Function' },
        Bucket: { Type: 'AWS::S3::Bucket' },
        SM: {
          Type: 'AWS::StepFunctions::StateMachine',
          Properties: {
            DefinitionString:
              '{"StartAt":"A","States":{"A":{"Type":"Pass","Result":{"fn":"${FnArn}","bucket":"${BucketName}","sub":"${SubValue}","pinned":"${Pinned}"},"End":true}}}',
            DefinitionSubstitutions: {
              FnArn: { 'Fn::GetAtt': ['Fn1', 'Arn'] },
              BucketName: { Ref: 'Bucket' },
              SubValue: { 'Fn::Sub': '${Fn1.Arn}|${AWS::Region}|${!NotAVariable}' },
              Pinned: { Ref: 'Bucket' },
            },
          },
        },
      },
    };

    const plain = extractDefinition(template);
    const pinned = extractDefinition(template, { values: { Bucket: 'my-real-bucket' } });

    expect(plain.States['A']?.['Result']).toEqual({
      fn: 'arn:aws:lambda:local:000000000000:function:Fn1',
      bucket: 'bucket',
      sub: 'arn:aws:lambda:local:000000000000:function:Fn1|local|${NotAVariable}',
      pinned: 'bucket',
    });
    expect(pinned.States['A']?.['Result']).toMatchObject({ pinned: 'my-real-bucket' });
  });

  it('reads an inline Definition object and resolves intrinsics inside it', () => {
    const template = {
      Resources: {
        Fn1: { Type: 'AWS::Lambda::Function' },
        SM: {
          Type: 'AWS::StepFunctions::StateMachine',
          Properties: {
            Definition: {
              StartAt: 'A',
              States: { A: { Type: 'Task', Resource: { 'Fn::GetAtt': ['Fn1', 'Arn'] }, End: true } },
            },
          },
        },
      },
    };

    expect(extractDefinition(template).States['A']).toEqual({
      Type: 'Task',
      Resource: 'arn:aws:lambda:local:000000000000:function:Fn1',
      End: true,
    });
  });

  it('refuses a template without a state machine', () => {
    expect(() => extractDefinition({ Resources: { B: { Type: 'AWS::S3::Bucket' } } })).toThrow(
      /the template has no AWS::StepFunctions::StateMachine resource/,
    );
  });

  it('refuses a template with several state machines unless one is chosen by logical id', () => {
    const template = cdkTemplate({
      OtherMachine: {
        Type: 'AWS::StepFunctions::StateMachine',
        Properties: { DefinitionString: '{"StartAt":"X","States":{"X":{"Type":"Succeed"}}}' },
      },
    });

    expect(findStateMachines(template)).toEqual(['OtherMachine', 'WorkflowStateMachine5E5E5E5E']);
    expect(() => extractDefinition(template)).toThrow(
      'the template has 2 state machines (OtherMachine, WorkflowStateMachine5E5E5E5E); choose one by logical id',
    );
    expect(extractDefinition(template, { stateMachineLogicalId: 'OtherMachine' }).StartAt).toBe('X');
    expect(() => extractDefinition(template, { stateMachineLogicalId: 'Nope' })).toThrow(
      'the template has no state machine with logical id Nope; it has: OtherMachine, WorkflowStateMachine5E5E5E5E',
    );
  });

  it('names an unsupported intrinsic and where it is', () => {
    const template = {
      Resources: {
        SM: {
          Type: 'AWS::StepFunctions::StateMachine',
          Properties: { DefinitionString: { 'Fn::If': ['IsProd', 'a', 'b'] } },
        },
      },
    };

    expect(() => extractDefinition(template)).toThrow(
      /SM\.Properties\.DefinitionString: the intrinsic Fn::If is not supported/,
    );
  });

  it('names a Ref to something the template does not have', () => {
    const template = {
      Resources: {
        SM: {
          Type: 'AWS::StepFunctions::StateMachine',
          Properties: { DefinitionString: { 'Fn::Join': ['', ['{"x":"', { Ref: 'Ghost' }, '"}']] } },
        },
      },
    };

    expect(() => extractDefinition(template)).toThrow(/Ref to Ghost, which is not a resource or parameter/);
  });

  it('says so when the resolved definition is not JSON', () => {
    const template = {
      Resources: {
        SM: { Type: 'AWS::StepFunctions::StateMachine', Properties: { DefinitionString: '{"StartAt":' } },
      },
    };

    expect(() => extractDefinition(template)).toThrow(/the resolved definition is not JSON/);
  });
});
