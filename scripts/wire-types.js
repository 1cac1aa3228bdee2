#!/usr/bin/env node
/**
 * The wire types of each dialect, generated from its contract in schemas/ with openapi-typescript:
 * the mappers are typed against them, so a contract change the code does not follow is a
 * compiler error.
 *
 *   node scripts/wire-types.js           rewrite adapters/<dialect>/<dialect>.wire.ts
 *   node scripts/wire-types.js --check   exit 1, naming the file, when one is stale (npm run typecheck)
 *
 * Both run in memory in one process (well under a second), so the check costs the typecheck little.
 */
const fs = require('node:fs');
const path = require('node:path');
const { default: openapiTS, astToString } = require('openapi-typescript');

const ROOT = path.resolve(__dirname, '..');
// Every contract in schemas/ is a dialect's: schemas/<name>.openapi.yaml → adapters/<name>/<name>.wire.ts.
const DIALECTS = fs
  .readdirSync(path.join(ROOT, 'schemas'))
  .filter((file) => file.endsWith('.openapi.yaml'))
  .map((file) => file.slice(0, -'.openapi.yaml'.length))
  .sort();
// `type: object` without properties is "any object" (input_schema, details), not "an empty one".
const OPTIONS = { emptyObjectsUnknown: true };

const header = (dialect) =>
  `/**\n * Generated from schemas/${dialect}.openapi.yaml by scripts/wire-types.js (npm run generate:wire).\n` +
  ' * Do not edit: change the contract and regenerate; `npm run typecheck` fails while this is stale.\n */\n\n';

async function generate(dialect) {
  const spec = fs.readFileSync(path.join(ROOT, 'schemas', `${dialect}.openapi.yaml`), 'utf8');
  const ast = await openapiTS(spec, OPTIONS);
  const dir = path.join(ROOT, 'adapters', dialect);
  if (!fs.existsSync(dir)) fs.mkdirSync(dir, { recursive: true });
  return { file: path.join(dir, `${dialect}.wire.ts`), text: header(dialect) + astToString(ast) };
}

async function main() {
  const check = process.argv.includes('--check');
  const stale = [];
  for (const { file, text } of await Promise.all(DIALECTS.map(generate))) {
    const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : null;
    if (current === text) continue;
    if (check) stale.push(path.relative(ROOT, file));
    else fs.writeFileSync(file, text);
  }
  if (stale.length) {
    console.error(`Stale wire types (the contract changed): ${stale.join(', ')}. Run \`npm run generate:wire\`, then fix what the compiler names.`);
    process.exit(1);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
