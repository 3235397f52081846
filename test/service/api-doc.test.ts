/**
 * docs/API.md is generated from the OpenAPI document the api serves (service/scripts/api-doc.ts):
 * these tests fail when it is stale, or when it leaves out an operation of the document.
 */
import fs from 'node:fs';
import { API_DOC_PATH, renderApiDoc } from '../../service/scripts/api-doc';
import { buildOpenApiDocument } from '../../service/src/app';

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

describe('docs/API.md, the HTTP contract for users', () => {
  test('when the OpenAPI document is rendered, then docs/API.md is exactly that (else run npx tsx service/scripts/api-doc.ts)', () => {
    expect(fs.readFileSync(API_DOC_PATH, 'utf8')).toBe(renderApiDoc());
  });

  test('when read, then every operationId of the document is named, each path with a curl example and its statuses', () => {
    const doc = fs.readFileSync(API_DOC_PATH, 'utf8');
    const document = buildOpenApiDocument('');
    const operations = Object.entries(document.paths ?? {}).flatMap(([path, item]) =>
      METHODS.filter((m) => (item as Record<string, unknown>)[m]).map((method) => ({
        path,
        method,
        op: (item as Record<string, { operationId: string; responses: Record<string, unknown> }>)[method],
      })),
    );
    expect(operations.length).toBeGreaterThan(15);
    for (const { path, method, op } of operations) {
      expect(doc).toContain(`\`${op.operationId}\``);
      // An alias is named in the section of the operation it repeats; every path has its curl line.
      const url = path.replace(
        /\{([^}]+)\}/g,
        (_m, name: string) => `$${name.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase()}`,
      );
      const section = doc.includes(`### ${method.toUpperCase()} ${path}\n`) ? path : undefined;
      if (section) {
        expect(doc).toMatch(new RegExp(`curl -i [^\\n]*"\\$BASE${url.replace(/[$/{}]/g, '\\$&')}"`));
        for (const status of Object.keys(op.responses)) {
          const body = doc.slice(doc.indexOf(`### ${method.toUpperCase()} ${path}\n`)).split('\n### ')[0];
          expect(body).toContain(`| ${status} |`);
        }
      } else {
        expect(doc).toContain(`Also served at \`${path}\``);
      }
    }
  });
});
