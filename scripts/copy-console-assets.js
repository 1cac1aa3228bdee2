#!/usr/bin/env node
// The console's page files are not TypeScript, so tsc leaves them behind: copy them beside the
// compiled interface (dist/adapters/console/public), where it reads them.
const { cpSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
cpSync(join(root, 'adapters', 'console', 'public'), join(root, 'dist', 'adapters', 'console', 'public'), { recursive: true });
