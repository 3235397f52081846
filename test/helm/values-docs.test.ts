/**
 * values.schema.json is the authority for the chart's keys; the TypeScript types and the README's
 * parameter table are generated from it and from values.yaml (lib/service-chart/codegen.ts).
 */
import { spawnSync } from 'child_process';
import fs from 'fs';
import path from 'path';

import { CHART_DIR, REPO_ROOT } from './support/chart';

interface SchemaNode {
  type?: string | string[];
  properties?: Record<string, SchemaNode>;
  required?: string[];
  additionalProperties?: boolean | SchemaNode;
}

const schema = JSON.parse(fs.readFileSync(path.join(CHART_DIR, 'values.schema.json'), 'utf8')) as SchemaNode;
const closed = (node: SchemaNode): boolean =>
  node.additionalProperties === false && node.properties !== undefined;

/** Keys the schema declares in its closed sections but does not require. */
function optionalKeys(node: SchemaNode, prefix = ''): string[] {
  return Object.entries(node.properties ?? {}).flatMap(([key, child]) => {
    const p = prefix ? `${prefix}.${key}` : key;
    const own = closed(node) && !(node.required ?? []).includes(key) ? [p] : [];
    return [...own, ...optionalKeys(child, p)];
  });
}

describe('the chart values contract', () => {
  test('when the generators run, then values.generated.ts and the README parameter table are what they produce (every key has a @param line)', () => {
    const result = spawnSync(
      path.join(REPO_ROOT, 'node_modules/.bin/tsx'),
      ['lib/service-chart/codegen.ts', '--check'],
      { cwd: REPO_ROOT, encoding: 'utf8', timeout: 120_000 },
    );
    expect({ status: result.status, output: `${result.stdout}${result.stderr}`.trim() }).toEqual({
      status: 0,
      output: '',
    });
  }, 150_000);

  test('when values.schema.json is read, then every section of the chart’s own is closed (additionalProperties: false)', () => {
    const open = Object.entries(schema.properties ?? {})
      .filter(([, s]) => s.properties !== undefined && !closed(s))
      .map(([k]) => k);
    // The security contexts are Kubernetes objects: the schema pins only the restricted fields.
    expect(open.sort()).toEqual(['podSecurityContext', 'securityContext']);
    expect(schema.additionalProperties).toBe(false);
  });

  test('when values.schema.json is read, then it requires every key of its closed sections, so Helm refuses a values.yaml that lacks one or adds one', () => {
    // Helm's global is for subcharts; a resources object may drop its requests or limits.
    expect(optionalKeys(schema).sort()).toEqual([
      'api.resources.limits',
      'api.resources.requests',
      'global',
      'worker.resources.limits',
      'worker.resources.requests',
    ]);
  });
});
