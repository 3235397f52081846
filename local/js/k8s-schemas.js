#!/usr/bin/env node
/**
 * Converts the Kubernetes OpenAPI v2 document (api/openapi-spec/swagger.json of the k8s.io/kubernetes
 * module) into JSON schemas in kubeconform's "standalone-strict" layout, offline:
 *   <out>/<kind>-<group's first label>-<version>.json   (core group: <kind>-<version>.json)
 * Each file is self-contained: the resource's schema plus, under `definitions`, every definition it
 * reaches (refs stay local `#/definitions/...`, so recursive types need no inlining). Strict: every
 * object schema that lists `properties` gets `additionalProperties: false` (unknown fields fail).
 * IntOrString accepts a string or an integer, Quantity a string or a number, as the API server does.
 * Usage: node local/js/k8s-schemas.js <swagger.json> <out dir>
 */
const fs = require('fs');
const path = require('path');

const [swaggerPath, outDir] = process.argv.slice(2);
if (!swaggerPath || !outDir) {
  console.error('usage: node local/js/k8s-schemas.js <swagger.json> <out dir>');
  process.exit(2);
}

const REF_PREFIX = '#/definitions/';
const INT_OR_STRING = { oneOf: [{ type: 'string' }, { type: 'integer' }] };
const QUANTITY = { oneOf: [{ type: 'string' }, { type: 'number' }] };

/** Returns a copy of a swagger schema node, strict, without descriptions, with the special formats mapped. */
function convert(node) {
  if (Array.isArray(node)) return node.map(convert);
  if (node === null || typeof node !== 'object') return node;
  if (node.format === 'int-or-string') return INT_OR_STRING;
  const out = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'description') continue;
    // `properties` and `definitions` map names to schemas: convert each schema, keep the names.
    out[key] =
      key === 'properties' || key === 'definitions'
        ? Object.fromEntries(Object.entries(value).map(([name, schema]) => [name, convert(schema)]))
        : convert(value);
  }
  if (out.properties && out.additionalProperties === undefined) out.additionalProperties = false;
  return out;
}

/** Names of every definition reachable from `schema` through `$ref`s. */
function reachable(schema, definitions, seen = new Set()) {
  const visit = (node) => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (node === null || typeof node !== 'object') return;
    if (typeof node.$ref === 'string' && node.$ref.startsWith(REF_PREFIX)) {
      const name = node.$ref.slice(REF_PREFIX.length);
      if (!seen.has(name)) {
        seen.add(name);
        visit(definitions[name]);
      }
    }
    Object.values(node).forEach(visit);
  };
  visit(schema);
  return seen;
}

const swagger = JSON.parse(fs.readFileSync(swaggerPath, 'utf8'));
const definitions = {};
for (const [name, schema] of Object.entries(swagger.definitions)) {
  definitions[name] = name === 'io.k8s.apimachinery.pkg.api.resource.Quantity' ? QUANTITY : convert(schema);
}

fs.mkdirSync(outDir, { recursive: true });
const written = new Map();
for (const [name, schema] of Object.entries(swagger.definitions)) {
  for (const gvk of schema['x-kubernetes-group-version-kind'] ?? []) {
    const group = gvk.group ? `-${gvk.group.split('.')[0].toLowerCase()}` : '';
    const file = `${gvk.kind.toLowerCase()}${group}-${gvk.version.toLowerCase()}.json`;
    // Meta types (DeleteOptions, WatchEvent, ...) are listed under many groups; a real resource wins.
    if (written.has(file) && name.startsWith('io.k8s.apimachinery.')) continue;
    const own = definitions[name];
    const deps = [...reachable(own, definitions)].sort();
    const standalone = {
      $schema: 'http://json-schema.org/draft-07/schema#',
      ...own,
      ...(deps.length ? { definitions: Object.fromEntries(deps.map((dep) => [dep, definitions[dep]])) } : {}),
    };
    fs.writeFileSync(path.join(outDir, file), JSON.stringify(standalone));
    written.set(file, name);
  }
}
console.error(`[tools] wrote ${written.size} schemas to ${outDir}`);
