import { composeStage } from '../../lib/app';
import { STAGES } from '../../lib/config/schema';
import { nagFindings, testApp, testConfig } from './support';

describe.each(STAGES)('the composed stage %s', (stage) => {
  test('when every stack is checked together, then cdk-nag AwsSolutions reports nothing unacknowledged anywhere', () => {
    // Stacks add statements to each other (e.g. the Helm release grants the cluster's kubectl role
    // read access to its chart asset), so the composed app is checked, not only each stack alone.
    const app = testApp();
    const stacks = Object.values(composeStage(app, testConfig(stage))).filter((s) => s !== undefined);
    expect(stacks.length).toBe(stage === 'local' ? 1 : 7);
    const findings = stacks.flatMap((stack) =>
      nagFindings(app, stack).map((f) => ({ stack: stack.stackName, ...f })),
    );
    expect(findings).toEqual([]);
  });
});
