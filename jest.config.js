/** Two projects: fast unit specs beside the code, and e2e specs that boot the real app on a real Redis. */
// Transpile only (tsconfig's isolatedModules): `npm test` type-checks everything once with tsc beforehand.
const tsJest = ['ts-jest', { tsconfig: 'tsconfig.json' }];
module.exports = {
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      rootDir: '.',
      testMatch: ['<rootDir>/src/**/*.spec.ts'],
      transform: { '^.+\\.ts$': tsJest },
    },
    {
      displayName: 'e2e',
      testEnvironment: 'node',
      rootDir: '.',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      transform: { '^.+\\.ts$': tsJest },
      setupFilesAfterEnv: ['<rootDir>/test/support/jest-setup.ts'],
      // /console serves console/dist: built before any suite when its sources changed (never a stale bundle).
      globalSetup: '<rootDir>/scripts/build-console.ts',
    },
  ],
};
