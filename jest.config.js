/**
 * The whole suite runs on SQLite, and again on PostgreSQL when TEST_DATABASE_URL is set.
 * Each project tells the tests its engine through MCP_TEST_ENGINE (see test/support).
 */
const common = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', {}] },
};

const projects = [{ ...common, displayName: 'sqlite', setupFiles: ['<rootDir>/test/support/engine-sqlite.js'] }];
if (process.env.TEST_DATABASE_URL) {
  projects.push({
    ...common,
    displayName: 'postgres',
    setupFiles: ['<rootDir>/test/support/engine-postgres.js'],
    // Engine-independent unit tests already ran once.
    testPathIgnorePatterns: ['/test/unit/'],
  });
}

module.exports = { projects, testTimeout: 30000 };
