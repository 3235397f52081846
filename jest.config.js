/**
 * The jest projects, one folder each under test/: `npx jest --selectProjects infra` runs one.
 *   infra             the stacks' synthesized templates (in-process synth, cdk-nag)
 *   helm              the chart, rendered by Helm (local/tools/helm.sh) and its values mapper
 *   service           the api and worker as processes, on the emulator and Redis of `npm run local`
 *   harness           the local/ scripts, with stand-ins for tools this machine lacks
 *   e2e               the running api of `npm run local` (or of the pods, E2E_BASE_URL)
 *   k8s               the pods of `npm run local:k8s`
 * `npm run test:unit` runs infra, helm and service; `npm test` (test/run.sh) runs them all.
 * TypeScript goes through ts-jest with isolatedModules (type checking is `npm run typecheck`).
 * @type {import('jest').Config}
 */
const fs = require('fs');
const path = require('path');
const tsJest = ['ts-jest', { isolatedModules: true }];
const project = (name, extra = {}) => ({
  displayName: name,
  testEnvironment: 'node',
  roots: [`<rootDir>/test/${name}`],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': tsJest },
  ...extra,
});

module.exports = {
  projects: [
    project('infra', {
      snapshotSerializers: fs.existsSync(path.join(__dirname, 'test/infra/asset-hash-serializer.js'))
        ? ['<rootDir>/test/infra/asset-hash-serializer.js']
        : [],
    }),
    project('service'),
    project('helm'),
    project('e2e'),
    // The local harness's scripts (local/), with stand-ins for tools this machine lacks.
    project('harness'),
    // The local cluster of `npm run local:k8s`; test/run.sh runs it after the pods are up.
    project('k8s'),
  ],
  testTimeout: 60000,
};
