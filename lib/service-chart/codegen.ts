/**
 * The files derived from the chart's values contract, and their staleness check.
 *
 * `helm/eks-service/values.schema.json` is the authority for the shape of the values (every key, its
 * type, its constraints); `values.yaml` holds each key's default and its `## @param` description.
 * From them this script generates:
 * - `lib/service-chart/values.generated.ts`: the TypeScript types of the values, from the schema
 *   (json-schema-to-typescript);
 * - the `## Parameters` table of `helm/eks-service/README.md`, from values.yaml
 *   (@bitnami/readme-generator-for-helm, which also fails on a key without a `@param` line or a
 *   `@param` line without a key).
 *
 * Usage: npx tsx lib/service-chart/codegen.ts          rewrites both files
 *        npx tsx lib/service-chart/codegen.ts --check  prints each stale file and exits 1 (npm test)
 */
import fs from 'fs';
import os from 'os';
import path from 'path';
import { runReadmeGenerator } from '@bitnami/readme-generator-for-helm';
import { compile, JSONSchema } from 'json-schema-to-typescript';
import * as prettier from 'prettier';

const REPO_ROOT = path.resolve(__dirname, '../..');
const CHART_DIR = path.join(REPO_ROOT, 'helm/eks-service');
const SCHEMA_FILE = path.join(CHART_DIR, 'values.schema.json');
const VALUES_FILE = path.join(CHART_DIR, 'values.yaml');
const README_FILE = path.join(CHART_DIR, 'README.md');
const TYPES_FILE = path.join(REPO_ROOT, 'lib/service-chart/values.generated.ts');

export const REGENERATE_COMMAND = 'npx tsx lib/service-chart/codegen.ts';

const BANNER = `/**
 * The values of helm/eks-service, generated from its values.schema.json by json-schema-to-typescript.
 * Do not edit: change the schema, then run \`${REGENERATE_COMMAND}\`.
 */`;

/** The TypeScript types of the chart values, formatted with the project's prettier settings. */
export async function valuesTypes(): Promise<string> {
  const schema = JSON.parse(fs.readFileSync(SCHEMA_FILE, 'utf8')) as JSONSchema;
  // The root type is named here rather than after the schema's human-readable title.
  delete schema.title;
  const source = await compile(schema, 'ServiceChartValues', {
    bannerComment: BANNER,
    format: false,
    cwd: CHART_DIR,
  });
  const options = await prettier.resolveConfig(TYPES_FILE);
  return prettier.format(source, { ...options, filepath: TYPES_FILE });
}

/** The chart README with its `## Parameters` table regenerated from values.yaml. */
export function chartReadme(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chart-readme-'));
  const copy = path.join(dir, 'README.md');
  const log = console.log;
  try {
    fs.copyFileSync(README_FILE, copy);
    // The generator reports every key it reads on stdout; only a failure (thrown) matters here.
    console.log = () => undefined;
    runReadmeGenerator({ values: VALUES_FILE, readme: copy });
    return fs.readFileSync(copy, 'utf8');
  } finally {
    console.log = log;
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main(check: boolean): Promise<number> {
  const outputs: Array<[string, string]> = [
    [TYPES_FILE, await valuesTypes()],
    [README_FILE, chartReadme()],
  ];
  let stale = 0;
  for (const [file, content] of outputs) {
    const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
    if (current === content) continue;
    if (check) {
      stale += 1;
      console.log(
        `${path.relative(REPO_ROOT, file)} is stale (not generated from the chart's values); fix: ${REGENERATE_COMMAND}`,
      );
    } else {
      fs.writeFileSync(file, content);
      console.log(`wrote ${path.relative(REPO_ROOT, file)}`);
    }
  }
  return stale === 0 ? 0 : 1;
}

if (require.main === module) {
  main(process.argv.includes('--check')).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(2);
    },
  );
}
