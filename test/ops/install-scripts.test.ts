import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../support/processes';

describe('a clean install', () => {
  it('leaves no dependency install script unreviewed: better-sqlite3 may build its driver, the others may not run', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { allowScripts: Record<string, boolean> };
    expect(pkg.allowScripts).toEqual({ 'better-sqlite3': true, '@scarf/scarf': false, '@parcel/watcher': false, protobufjs: false });
    // npm's own view of the installed tree (what `npm install` warns about).
    const listed = execFileSync('npm', ['install-scripts', 'ls'], { cwd: ROOT, encoding: 'utf8' });
    expect(listed).toContain('No packages with unreviewed install scripts');
  });

  it('has CI fail when npm warns about an install script again', () => {
    const ci = readFileSync(join(ROOT, '.ci', 'run'), 'utf8');
    expect(ci).toMatch(/npm install --no-audit --no-fund 2>&1 \| tee "\$install_log"/);
    expect(ci).toMatch(/if grep -q 'install-scripts' "\$install_log"; then[\s\S]*?exit 1/);
  });
});
