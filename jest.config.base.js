// Shared jest settings: TypeScript through @swc/jest, ESM, and workspace packages
// resolved to their sources so tests never need a build first.
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));

/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'es6' } },
    ],
  },
  moduleNameMapper: {
    '^@herald/(api|ingest|worker)$': `${root}apps/$1/src/index.ts`,
    '^@herald/([a-z-]+)$': `${root}packages/$1/src/index.ts`,
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testMatch: ['<rootDir>/src/**/*.test.ts', '<rootDir>/test/**/*.test.ts'],
  testTimeout: 30000,
  // The apps are driven end to end by tests/e2e; a workspace with no tests of its own is not a failure.
  passWithNoTests: true,
};
