/**
 * docs/API.md, the HTTP contract for users of the service, rendered from the OpenAPI document the
 * api serves (buildOpenApiDocument: the same endpoint definitions that route and parse requests).
 *
 *   npx tsx service/scripts/api-doc.ts           rewrites docs/API.md
 *   npx tsx service/scripts/api-doc.ts --check   exits 1 when docs/API.md is not what it would write
 *
 * test/service/api-doc.test.ts fails when the file is stale.
 */
import fs from 'node:fs';
import path from 'node:path';
import { buildOpenApiDocument } from '../src/app';
import { MAX_PAGE_SIZE } from '../src/components/users/entry-points/api/schemas';
import { RETRY_AFTER_SECONDS } from '../src/libraries/errors';

export const API_DOC_PATH = path.join(__dirname, '..', '..', 'docs', 'API.md');

type Json = Record<string, unknown>;
type Document = ReturnType<typeof buildOpenApiDocument>;

interface Operation {
  readonly method: string;
  readonly path: string;
  readonly op: Json;
  /** Other paths serving the same operation, with their operationIds. */
  readonly aliases: Array<{ path: string; operationId: string }>;
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];
/** Headers on every response, described once in the introduction. */
const COMMON_HEADERS = new Set(['X-Request-Id']);

const asJson = (value: unknown): Json => (value ?? {}) as Json;
const refName = (ref: string) => ref.replace('#/components/schemas/', '');
const anchor = (text: string) =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9 _-]/g, '')
    .replace(/ /g, '-');
const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const code = (text: string) => (text.includes('`') ? `\`\` ${text} \`\`` : `\`${text}\``);

/** A schema in one line: its type and every constraint the document states. */
function schemaSummary(schema: Json): string {
  if (typeof schema.$ref === 'string') {
    const name = refName(schema.$ref);
    return `[${name}](#${anchor(name)})`;
  }
  for (const key of ['anyOf', 'oneOf'] as const) {
    const options = schema[key];
    if (Array.isArray(options)) return options.map((o) => schemaSummary(asJson(o))).join(' or ');
  }
  const parts: string[] = [];
  if (schema.const !== undefined) return code(JSON.stringify(schema.const));
  if (Array.isArray(schema.enum)) return schema.enum.map((v) => code(JSON.stringify(v))).join(', ');
  if (schema.type === 'array') {
    parts.push(`array of ${schemaSummary(asJson(schema.items))}`);
  } else if (typeof schema.type === 'string') {
    parts.push(schema.type);
  } else {
    parts.push('any');
  }
  if (typeof schema.format === 'string') parts.push(`format ${schema.format}`);
  if (typeof schema.pattern === 'string') parts.push(`pattern ${code(schema.pattern)}`);
  const bounds: Array<[string, string]> = [
    ['minimum', '≥'],
    ['maximum', '≤'],
    ['minLength', 'length ≥'],
    ['maxLength', 'length ≤'],
    ['minItems', 'items ≥'],
    ['maxItems', 'items ≤'],
    ['minProperties', 'members ≥'],
  ];
  for (const [key, text] of bounds) {
    if (typeof schema[key] === 'number') parts.push(`${text} ${String(schema[key])}`);
  }
  if (schema.type === 'object' && schema.properties) {
    const required = new Set(Array.isArray(schema.required) ? schema.required.map(String) : []);
    const members = Object.entries(asJson(schema.properties)).map(
      ([name, member]) => `${name}${required.has(name) ? '' : '?'}: ${schemaSummary(asJson(member))}`,
    );
    return `{ ${members.join(', ')} }`;
  }
  if (schema.type === 'object' && schema.additionalProperties !== undefined) {
    const extra = asJson(schema.additionalProperties);
    if (Object.keys(extra).length > 0) parts.push(`values ${schemaSummary(extra)}`);
  }
  return parts.join(', ');
}

/** Every operation in document order, each alias folded into the operation it repeats. */
function operationsOf(document: Document): Operation[] {
  const operations: Operation[] = [];
  const byShape = new Map<string, Operation>();
  for (const [p, item] of Object.entries(asJson(document.paths))) {
    for (const method of METHODS) {
      const op = asJson(asJson(item)[method]);
      if (Object.keys(op).length === 0) continue;
      const shape = JSON.stringify({ method, ...op, operationId: undefined });
      const earlier = byShape.get(shape);
      if (earlier) {
        earlier.aliases.push({ path: p, operationId: String(op.operationId) });
        continue;
      }
      const operation = { method, path: p, op, aliases: [] };
      byShape.set(shape, operation);
      operations.push(operation);
    }
  }
  return operations;
}

/** `{messageId}` → `$MESSAGE_ID`: a shell variable the reader sets from an earlier answer. */
const shellVariable = (name: string) => `$${name.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase()}`;

function exampleOf(schema: Json, document: Document): unknown {
  if (schema.example !== undefined) return schema.example;
  if (typeof schema.$ref === 'string') {
    return exampleOf(asJson(asJson(document.components?.schemas)[refName(schema.$ref)]), document);
  }
  return undefined;
}

function resolve(schema: Json, document: Document): Json {
  return typeof schema.$ref === 'string'
    ? asJson(asJson(document.components?.schemas)[refName(schema.$ref)])
    : schema;
}

/** A curl line that makes the operation's request, from the document's own examples. */
function curlOf(operation: Operation, document: Document): string {
  const url = `$BASE${operation.path.replace(/\{([^}]+)\}/g, (_m, name: string) => shellVariable(name))}`;
  const args = ['curl', '-i'];
  if (operation.method !== 'get') args.push('-X', operation.method.toUpperCase());
  const content = asJson(asJson(operation.op.requestBody).content);
  const json = asJson(content['application/json']);
  const form = asJson(content['multipart/form-data']);
  if (Object.keys(json).length > 0) {
    args.push('-H', "'Content-Type: application/json'");
    args.push('-d', `'${JSON.stringify(exampleOf(asJson(json.schema), document) ?? {})}'`);
  } else if (Object.keys(form).length > 0) {
    const properties = asJson(resolve(asJson(form.schema), document).properties);
    for (const [name, property] of Object.entries(properties)) {
      const p = asJson(property);
      const value = p.format === 'binary' ? `@${name}.png` : String(p.example ?? `<${name}>`);
      args.push('-F', `'${name}=${value}'`);
    }
  }
  args.push(`"${url}"`);
  return args.join(' ');
}

function parametersTable(op: Json): string[] {
  const parameters = Array.isArray(op.parameters) ? op.parameters.map(asJson) : [];
  if (parameters.length === 0) return [];
  return [
    '| parameter | in | required | schema | meaning |',
    '|---|---|---|---|---|',
    ...parameters.map(
      (p) =>
        `| ${code(String(p.name))} | ${String(p.in)} | ${p.required ? 'yes' : 'no'} | ${cell(schemaSummary(asJson(p.schema)))} | ${cell(String(p.description ?? ''))} |`,
    ),
    '',
  ];
}

function requestBody(op: Json): string[] {
  const body = asJson(op.requestBody);
  const content = asJson(body.content);
  if (Object.keys(content).length === 0) return [];
  const lines = [`Request body (${body.required ? 'required' : 'optional'}):`, ''];
  for (const [type, media] of Object.entries(content)) {
    const m = asJson(media);
    lines.push(`- ${code(type)}: ${schemaSummary(asJson(m.schema))}`);
    for (const [part, encoding] of Object.entries(asJson(m.encoding))) {
      const e = asJson(encoding);
      const disposition = asJson(asJson(e.headers)['Content-Disposition']);
      lines.push(
        `  - part ${code(part)}: ${code(String(e.contentType))}` +
          (disposition.description ? `; ${String(disposition.description)}` : '') +
          (disposition.example ? ` (${code(String(disposition.example))})` : ''),
      );
    }
  }
  return [...lines, ''];
}

function responsesTable(op: Json): string[] {
  const responses = Object.entries(asJson(op.responses));
  return [
    '| status | when | body | headers |',
    '|---|---|---|---|',
    ...responses.map(([status, response]) => {
      const r = asJson(response);
      const bodies = Object.entries(asJson(r.content)).map(
        ([type, media]) => `${code(type)} ${schemaSummary(asJson(asJson(media).schema))}`,
      );
      const headers = Object.entries(asJson(r.headers))
        .filter(([name]) => !COMMON_HEADERS.has(name))
        .map(([name, header]) => {
          const h = asJson(header);
          return `${code(name)}${h.required ? '' : ' (optional)'}: ${String(h.description ?? schemaSummary(asJson(h.schema)))}`;
        });
      return `| ${status} | ${cell(String(r.description ?? ''))} | ${cell(bodies.join('; ') || '—')} | ${cell(headers.join('; ') || '—')} |`;
    }),
    '',
  ];
}

function operationSection(operation: Operation, document: Document): string[] {
  const { op } = operation;
  const title = `${operation.method.toUpperCase()} ${operation.path}`;
  const aliases = operation.aliases.map((a) => `${code(a.path)} (operationId ${code(a.operationId)})`);
  return [
    `### ${title}`,
    '',
    `${String(op.summary ?? '')}. operationId ${code(String(op.operationId))}.` +
      (aliases.length > 0 ? ` Also served at ${aliases.join(', ')}, identically.` : ''),
    '',
    '```bash',
    curlOf(operation, document),
    '```',
    '',
    ...parametersTable(op),
    ...requestBody(op),
    ...responsesTable(op),
  ];
}

function schemaSection(name: string, schema: Json): string[] {
  const lines = [`### ${name}`, ''];
  if (typeof schema.description === 'string') lines.push(schema.description, '');
  const properties = asJson(schema.properties);
  if (Object.keys(properties).length === 0) {
    lines.push(schemaSummary(schema) + '.', '');
    if (schema.example !== undefined) lines.push(`Example: ${code(JSON.stringify(schema.example))}`, '');
    return lines;
  }
  const required = new Set(Array.isArray(schema.required) ? schema.required.map(String) : []);
  lines.push(
    `An object${schema.additionalProperties === false ? ' with no other member' : ''}:`,
    '',
    '| member | required | schema | meaning |',
    '|---|---|---|---|',
    ...Object.entries(properties).map(([member, property]) => {
      const p = asJson(property);
      const meaning = [
        p.description,
        p.example !== undefined ? `e.g. ${code(JSON.stringify(p.example))}` : '',
      ]
        .filter(Boolean)
        .join('; ');
      return `| ${code(member)} | ${required.has(member) ? 'yes' : 'no'} | ${cell(schemaSummary(p))} | ${cell(String(meaning))} |`;
    }),
    '',
  );
  return lines;
}

const INTRODUCTION = [
  '# The HTTP API',
  '',
  '<!-- Generated by service/scripts/api-doc.ts from the OpenAPI document; edit the endpoint',
  '     definitions (service/src/components/*/entry-points/api/) and run',
  '     `npx tsx service/scripts/api-doc.ts`, never this file. -->',
  '',
  'What the api process of the service answers, operation by operation. The same contract is served',
  'by the api itself as OpenAPI 3.1 at `/openapi.json` (also `/static/swagger.json`), with Swagger UI',
  'at `/swagger/`; this page is generated from that document, so the two say the same.',
  '',
  '## Basics',
  '',
  '- **Base URL.** Every path is relative to the root of the api host. Locally (`npm run local`) that',
  "  is `http://127.0.0.1:8080`; on a cluster it is the host of the stage's Ingress (docs/DEPLOY.md).",
  '  The examples use `BASE=http://127.0.0.1:8080`, and take ids from earlier answers, e.g.',
  '  `ID=$(curl -s -F name=Ada -F email=ada@example.com -F avatar=@avatar.png "$BASE/user" | jq -r .id)`',
  '  or `MESSAGE_ID=$(curl -s -H \'Content-Type: application/json\' -d \'{"a":1}\' "$BASE/process_message" | jq -r .messageId)`.',
  '- **Authentication.** None: the api has no user accounts or tokens. Expose it only where that is',
  '  intended (the deployment puts it behind an ALB with a WAF). No response ever contains a secret:',
  '  `/config` says only whether `SECRET_KEY` and `DB_PASSWORD` are set.',
  '- **Request ids.** Every response carries `X-Request-Id`: the one the request sent when it is a',
  '  sane token (letters, digits and `._:@/+=-`, at most 128 characters), else a new UUID. Quote it',
  '  when reporting a problem: every log line of the request carries it.',
  '- **JSON.** Request and response bodies are UTF-8 JSON unless an operation says otherwise',
  '  (`multipart/form-data` to create a user, an image for an avatar, text for `/metrics`).',
  '',
  '## Errors',
  '',
  '- Errors are JSON `{"error": "<message>"}` ([Error](#error)), except `POST /process_message`,',
  '  whose own errors are `{"status": "error", "message": "<message>"}` ([MessageError](#messageerror)).',
  '  Never an HTML page or a stack trace.',
  "- `400` a request the operation's schema rejects (the message says which field); `404` an unknown",
  '  path, or an id that does not exist (a malformed id included); `405` a method the path does not',
  '  serve, with `Allow` listing those it does (`OPTIONS` answers `204` with the same `Allow`); `409`',
  '  a conflict (an email already registered); `413` a body over its limit (64 KiB on operations that',
  '  take no body); `415` a JSON operation sent something else.',
  `- \`503\` a dependency (DynamoDB, S3, SQS, Redis) is unreachable or timing out: \`{"error": "<dependency> unavailable"}\``,
  `  with \`Retry-After: ${RETRY_AFTER_SECONDS}\` (seconds): retry after that long.`,
  '- `500` an unexpected failure: `{"error": "Internal Server Error"}`, logged with its cause.',
  '',
  '## Pagination',
  '',
  `\`GET /users\` returns at most \`limit\` users (1–${MAX_PAGE_SIZE}, default ${MAX_PAGE_SIZE}). When more remain, the response`,
  'has an `X-Next-Cursor` header; pass its value as `cursor` to get the next page. The last page has no',
  '`X-Next-Cursor`. A cursor is the id of the last user of the page before; it stays valid when that',
  'user is deleted meanwhile. Users come in the order of their storage key, not of creation.',
  '',
  '```bash',
  'curl -si "$BASE/users?limit=10" | grep -i x-next-cursor',
  'curl -s "$BASE/users?limit=10&cursor=$CURSOR"',
  '```',
  '',
];

/** The whole of docs/API.md for this document. */
export function renderApiDoc(document: Document = buildOpenApiDocument('')): string {
  const operations = operationsOf(document);
  const tags = [...new Set(operations.map((o) => String(asJson(o.op).tags ?? 'other')))];
  const lines = [...INTRODUCTION, '## Operations', ''];
  for (const tag of tags) {
    const ofTag = operations.filter((o) => String(o.op.tags ?? 'other') === tag);
    lines.push(
      `- **${tag}**: ${ofTag.map((o) => `[${o.method.toUpperCase()} ${o.path}](#${anchor(`${o.method} ${o.path}`)})`).join(', ')}`,
    );
  }
  lines.push('');
  for (const tag of tags) {
    lines.push(`## ${tag[0].toUpperCase()}${tag.slice(1)}`, '');
    for (const operation of operations.filter((o) => String(o.op.tags ?? 'other') === tag)) {
      lines.push(...operationSection(operation, document));
    }
  }
  lines.push('## Schemas', '');
  for (const [name, schema] of Object.entries(asJson(document.components?.schemas))) {
    lines.push(...schemaSection(name, asJson(schema)));
  }
  return `${lines.join('\n').replace(/\n+$/, '')}\n`;
}

if (require.main === module) {
  const text = renderApiDoc();
  if (process.argv.includes('--check')) {
    const current = fs.existsSync(API_DOC_PATH) ? fs.readFileSync(API_DOC_PATH, 'utf8') : '';
    if (current !== text) {
      process.stderr.write('docs/API.md is stale: run npx tsx service/scripts/api-doc.ts\n');
      process.exit(1);
    }
  } else {
    fs.writeFileSync(API_DOC_PATH, text);
  }
}
