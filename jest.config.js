// Two projects: `unit` (pure code, no I/O, runs in parallel) and `integration`
// (real PostgreSQL / Redis / sockets, each file on its own fresh database).
const moduleNameMapper = {
  '^@streamcat/(protocol|layouts|ivs-events|ivs-emulator)$': '<rootDir>/libs/$1/src',
  '^@streamcat/(protocol|layouts|ivs-events|ivs-emulator)/(.*)$': '<rootDir>/libs/$1/src/$2',
};
const transform = { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.jest.json' }] };
const base = { rootDir: __dirname, testEnvironment: 'node', moduleNameMapper, transform, moduleFileExtensions: ['ts', 'js', 'json'] };

module.exports = {
  projects: [
    {
      ...base,
      displayName: 'unit',
      // Pinia 4 ships only ES modules; compile it (and its helper) for jest's CommonJS runtime.
      transform: {
        ...transform,
        '^.+/node_modules/(pinia|nostics)/.+\\.m?js$': ['ts-jest', { tsconfig: { allowJs: true }, isolatedModules: true }],
      },
      transformIgnorePatterns: ['/node_modules/(?!(pinia|nostics)/)'],
      testMatch: ['<rootDir>/libs/*/src/**/*.spec.ts', '<rootDir>/server/src/**/*.spec.ts', '<rootDir>/client/src/**/*.spec.ts'],
    },
    {
      ...base,
      displayName: 'integration',
      // client/test: client code against a real server in-process (sockets), not pure enough for `unit`.
      testMatch: [
        '<rootDir>/server/test/**/*.e2e-spec.ts',
        '<rootDir>/libs/*/test/**/*.e2e-spec.ts',
        '<rootDir>/client/test/**/*.e2e-spec.ts',
      ],
      setupFiles: ['<rootDir>/test/support/quiet-aws-sdk.ts'],
      setupFilesAfterEnv: ['<rootDir>/test/support/integration-timeout.ts'],
    },
  ],
};
