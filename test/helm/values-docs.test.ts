/**
 * values.yaml, its `## @param` documentation and values.schema.json describe the same keys.
 */
import fs from 'fs';
import path from 'path';

import { CHART_DIR, chartDefaults } from './support/chart';

interface SchemaNode {
  type?: string | string[];
  properties?: Record<string, SchemaNode>;
  additionalProperties?: boolean | SchemaNode;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Key paths of values.yaml, descending only into sections the schema closes (its own sections). */
function valuePaths(value: Record<string, unknown>, schema: SchemaNode, prefix = ''): string[] {
  return Object.entries(value).flatMap(([key, v]) => {
    const p = prefix ? `${prefix}.${key}` : key;
    const child = schema.properties?.[key];
    const closed = child?.additionalProperties === false && child.properties !== undefined;
    return isObject(v) && closed ? [p, ...valuePaths(v, child, p)] : [p];
  });
}

/** Key paths the schema declares, in its closed sections. */
function schemaPaths(schema: SchemaNode, prefix = ''): string[] {
  return Object.entries(schema.properties ?? {}).flatMap(([key, child]) => {
    const p = prefix ? `${prefix}.${key}` : key;
    const closed = child.additionalProperties === false && child.properties !== undefined;
    return closed ? [p, ...schemaPaths(child, p)] : [p];
  });
}

const valuesText = fs.readFileSync(path.join(CHART_DIR, 'values.yaml'), 'utf8');
const schema = JSON.parse(fs.readFileSync(path.join(CHART_DIR, 'values.schema.json'), 'utf8')) as SchemaNode;
const documented = [...valuesText.matchAll(/^\s*## @param (\S+) \S/gm)].map((m) => m[1]);

describe('values.yaml documentation and schema', () => {
  const paths = valuePaths(chartDefaults(), schema);

  test('when values.yaml is read, then every key is documented with ## @param (itself or its enclosing key)', () => {
    const documentedSet = new Set(documented);
    const sections = new Set(paths.filter((p) => paths.some((q) => q.startsWith(`${p}.`))));
    const undocumented = paths.filter(
      (p) =>
        !sections.has(p) &&
        !p.split('.').some((_, i, parts) => documentedSet.has(parts.slice(0, i + 1).join('.'))),
    );
    expect(undocumented).toEqual([]);
  });

  test('when the @param lines are read, then each names a key that exists, once', () => {
    expect(documented.filter((d) => !paths.includes(d))).toEqual([]);
    expect(documented.length).toBe(new Set(documented).size);
  });

  test('when values.schema.json is read, then it declares exactly the keys of values.yaml (plus Helm’s global)', () => {
    expect(
      schemaPaths(schema)
        .filter((p) => p !== 'global')
        .sort(),
    ).toEqual([...paths].sort());
  });

  test('when values.schema.json is read, then every section of the chart’s own is closed (additionalProperties: false)', () => {
    const open = Object.entries(schema.properties ?? {})
      .filter(([, s]) => s.properties !== undefined && s.additionalProperties !== false)
      .map(([k]) => k);
    // The security contexts are Kubernetes objects: the schema pins only the restricted fields.
    expect(open.sort()).toEqual(['podSecurityContext', 'securityContext']);
    expect(schema.additionalProperties).toBe(false);
  });
});
