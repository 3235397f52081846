/**
 * The Checkov skip helper (lib/compliance/checkov): skips land in `Metadata.checkov.skip` of exactly the
 * resources of the given types below the scope (also those created after the call), merge without
 * duplicates, and refuse an id that is not a check or a reason that says nothing.
 */
import { CfnResource, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Construct } from 'constructs';

import { addCheckovSkips, skipCdkHandlerChecks, skipCheckov } from '../../lib/compliance/checkov';
import { testApp } from './support';

const REASON = 'A reason that is long enough to mean something specific.';

function resource(scope: Construct, id: string, type: string): CfnResource {
  return new CfnResource(scope, id, { type, properties: {} });
}

const skipsOf = (template: Template, id: string) =>
  (template.toJSON().Resources[id].Metadata?.checkov?.skip ?? []) as { id: string; comment: string }[];

describe('checkov skips', () => {
  test('when skips are given for a type under a scope, then only resources of that type below it carry them, including later ones', () => {
    const stack = new Stack(testApp(), 'S');
    const scope = new Construct(stack, 'Scope');
    resource(scope, 'Queue', 'AWS::SQS::Queue');
    skipCheckov(scope, 'AWS::SQS::Queue', REASON, 'CKV_AWS_27');
    resource(scope, 'Later', 'AWS::SQS::Queue');
    resource(scope, 'Other', 'AWS::SNS::Topic');
    resource(stack, 'Outside', 'AWS::SQS::Queue');
    const template = Template.fromStack(stack);
    const ids = Object.keys(template.toJSON().Resources);
    const byPrefix = (p: string) =>
      skipsOf(
        template,
        ids.find((i) => i.startsWith(p))!,
      );
    expect(byPrefix('ScopeQueue')).toEqual([{ id: 'CKV_AWS_27', comment: REASON }]);
    expect(byPrefix('ScopeLater')).toEqual([{ id: 'CKV_AWS_27', comment: REASON }]);
    expect(byPrefix('ScopeOther')).toEqual([]);
    expect(byPrefix('Outside')).toEqual([]);
  });

  test('when skips are added twice or by several calls, then they merge in order without duplicate ids', () => {
    const stack = new Stack(testApp(), 'S');
    const queue = resource(stack, 'Queue', 'AWS::SQS::Queue');
    addCheckovSkips(queue, [{ id: 'CKV_AWS_27', comment: REASON }]);
    addCheckovSkips(queue, [
      { id: 'CKV_AWS_27', comment: REASON },
      { id: 'CKV2_AWS_73', comment: REASON },
    ]);
    expect(queue.getMetadata('checkov')).toEqual({
      skip: [
        { id: 'CKV_AWS_27', comment: REASON },
        { id: 'CKV2_AWS_73', comment: REASON },
      ],
    });
  });

  test('when an id is not a Checkov AWS check or the reason is empty talk, then it throws', () => {
    const stack = new Stack(testApp(), 'S');
    const queue = resource(stack, 'Queue', 'AWS::SQS::Queue');
    expect(() => addCheckovSkips(queue, [{ id: 'AwsSolutions-SQS3', comment: REASON }])).toThrow(
      /not a Checkov AWS check id/,
    );
    expect(() => addCheckovSkips(queue, [{ id: 'CKV_AWS_27', comment: 'n/a' }])).toThrow(/specific reason/);
  });

  test('when a CDK handler is acknowledged, then DLQ and concurrency are skipped, VPC only with a reason, the environment only when it has one', () => {
    const stack = new Stack(testApp(), 'S');
    const outside = new Construct(stack, 'Outside');
    resource(outside, 'Fn', 'AWS::Lambda::Function');
    skipCdkHandlerChecks(outside, {
      handler: 'A test handler',
      outsideVpcBecause: 'calls no API at all here.',
    });
    const inside = new Construct(stack, 'Inside');
    resource(inside, 'Fn', 'AWS::Lambda::Function');
    skipCdkHandlerChecks(inside, { handler: 'A test handler', environment: 'a queue URL' });
    const template = Template.fromStack(stack);
    const ids = Object.keys(template.toJSON().Resources);
    const skipIds = (p: string) =>
      skipsOf(
        template,
        ids.find((i) => i.startsWith(p))!,
      )
        .map((s) => s.id)
        .sort();
    expect(skipIds('OutsideFn')).toEqual(['CKV_AWS_115', 'CKV_AWS_116', 'CKV_AWS_117']);
    expect(skipIds('InsideFn')).toEqual(['CKV_AWS_115', 'CKV_AWS_116', 'CKV_AWS_173']);
  });
});
