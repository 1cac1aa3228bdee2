import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const CRUISER = join(ROOT, 'node_modules', '.bin', 'depcruise');
const CONFIG = join(ROOT, '.dependency-cruiser.cjs');

/** Runs the project's layer rules over `dirs` of `cwd`; returns the rules that were broken. */
function brokenRules(cwd: string, dirs: string[]): string[] {
  let output: string;
  try {
    output = execFileSync(CRUISER, [...dirs, '--config', CONFIG, '--output-type', 'json'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    // It exits with the number of errors it found; the report is on stdout either way.
    output = (error as { stdout: string }).stdout;
  }
  const report = JSON.parse(output) as { summary: { violations: Array<{ rule: { name: string } }> } };
  return report.summary.violations.map((v) => v.rule.name).sort();
}

describe('the layer rules (dependency-cruiser)', () => {
  it('hold for the whole tree', () => {
    expect(brokenRules(ROOT, ['core', 'adapters', 'server'])).toEqual([]);
  }, 60000);

  it('catch each kind of violation in a tree that commits them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'layers-'));
    const file = (path: string, text: string) => {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    };
    try {
      file('tsconfig.json', '{"compilerOptions":{"module":"commonjs","moduleResolution":"node"}}');
      file('core/store/database.ts', 'export const db = 1;\n');
      file('core/uses-adapter.ts', "import { keys } from '../adapters/aitronos/keys';\nexport const a = keys;\n");
      file('adapters/aitronos/keys.ts', 'export const keys = 1;\n');
      file(
        'adapters/zudu/router.ts',
        "import { keys } from '../aitronos/keys';\nimport { db } from '../../core/store/database';\nimport { app } from '../../server/app';\nexport const r = [keys, db, app];\n",
      );
      file('adapters/migration/format.ts', "import { keys } from '../aitronos/keys';\nexport const f = keys;\n");
      file('server/app.ts', "import { r } from '../adapters/zudu/router';\nexport const app = 1;\nexport const again = r;\n");
      // A new dialect's folder, listed nowhere, is held to the same rules.
      file('adapters/convai/router.ts', "import { keys } from '../aitronos/keys';\nexport const c = keys;\n");
      expect(brokenRules(dir, ['core', 'adapters', 'server'])).toEqual([
        'adapters-use-ports-not-stores',
        'core-knows-no-interface',
        'interfaces-never-import-each-other',
        'interfaces-never-import-each-other',
        'migration-reads-only-wire-vocabularies',
        'no-cycles',
        'only-the-composition-root-imports-server',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60000);
});
