process.env.MCP_TEST_ENGINE = 'postgres';
