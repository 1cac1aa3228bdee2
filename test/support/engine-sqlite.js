process.env.MCP_TEST_ENGINE = 'sqlite';
