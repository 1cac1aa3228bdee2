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
    // Engine-independent tests already ran once: unit tests, use cases and the memory store.
    testPathIgnorePatterns: ['/test/unit/', '/test/core/', '/test/architecture/', 'memory-store\\.contract\\.test\\.ts$'],
  });
}

module.exports = { projects, testTimeout: 30000 };
