#!/usr/bin/env node

let main;
try {
  ({ main } = require('../dist/server/main.js'));
} catch (error) {
  if (error && error.code === 'MODULE_NOT_FOUND' && String(error.message).includes('dist/server/main')) {
    process.stderr.write('mcp-gateway is not built yet: run `npm install` (or `npm run build`) in the project folder first.\n');
    process.exit(1);
  }
  throw error;
}
main(process.argv.slice(2));
