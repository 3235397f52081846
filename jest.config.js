/**
 * One jest run, four projects: `npx jest --selectProjects infra` (or service, helm, e2e) runs one.
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
    // The local cluster of `npm run local:k8s`; local/test.sh runs it after the others.
    project('k8s'),
  ],
  testTimeout: 60000,
};
