import { lstatSync, mkdtempSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestGateway, type TestGateway } from '../support/test-gateway';

let gw: TestGateway;
const dir = mkdtempSync(join(tmpdir(), 'mcp-cli-output-'));
const ORG = 'org_cli_output';

beforeAll(async () => {
  gw = await startTestGateway();
  const { key } = await gw.aitronosKey({ orgs: [ORG] });
  await gw.http
    .post('/v1/mcp-configurations')
    .set('X-API-Key', key)
    .send({ organization_id: ORG, name: 'One', server_url: 'https://one.example.com/sse', transport_type: 'sse', auth_type: 'none' });
});
afterAll(() => gw.close());

// What a terminal acts on: C0 (but the line feed that separates lines), DEL, C1, the line and
// paragraph separators, and the bidi controls that reorder what follows them.
const TERMINAL_CONTROLS = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

describe('the command line prints names escaped', () => {
  const names = ['esc\u001b]0;pwned\u0007', 'csi\u009b2J', 'bidi\u202eevil', 'sep\u2028line', 'del\u007f'];
  const file = () => {
    const path = join(dir, `names-${Math.random()}.json`);
    writeFileSync(
      path,
      JSON.stringify({ mcpServers: Object.fromEntries(names.map((n, i) => [n, { url: `https://n${i}.example.com/mcp`, headers: { [`X-${i}`]: 'v' } }])) }),
    );
    return path;
  };

  it('escapes control characters in every line of the import report', async () => {
    const res = await gw.cli('import', file(), '--org', 'org_names_human', '--dry-run');
    expect(res.stdout).not.toMatch(TERMINAL_CONTROLS);
    expect(res.stderr).not.toMatch(TERMINAL_CONTROLS);
    expect(res.stdout).toContain('esc\\u001b]0;pwned\\u0007');
    expect(res.stdout).toContain('csi\\u009b2J');
    expect(res.stdout).toContain('bidi\\u202eevil');
  });

  it('escapes them in error messages too', async () => {
    const res = await gw.cli('import', join(dir, 'missing\u001b[2J.json'), '--org', 'org_names_error');
    expect(res.code).toBe(2);
    expect(res.stderr).not.toMatch(TERMINAL_CONTROLS);
    expect(res.stderr).toContain('missing\\u001b[2J.json');
  });

  it('keeps --json output JSON that parses to the same names, with C1 and bidi characters escaped too', async () => {
    const res = await gw.cli('import', file(), '--org', 'org_names_json', '--dry-run', '--json');
    expect(res.stdout).not.toMatch(TERMINAL_CONTROLS);
    expect(JSON.parse(res.stdout).results.map((r: any) => r.name)).toEqual(names);
  });

  it('escapes them in an export too, on standard output and in the file, without changing the JSON', async () => {
    const o = 'org_names_export';
    await gw.cli('import', file(), '--org', o, '--json');
    const res = await gw.cli('export', '--org', o, '--format', 'zudu');
    expect(res.code).toBe(0);
    expect(res.stdout).not.toMatch(TERMINAL_CONTROLS);
    expect(res.stderr).not.toMatch(TERMINAL_CONTROLS);
    // Names with C0 controls or DEL were refused on import (the name rule); the others landed.
    const landed = names.filter((n) => !/[\u0000-\u001f\u007f]/.test(n));
    expect(landed).toHaveLength(3);
    expect(
      JSON.parse(res.stdout)
        .servers.map((s: any) => s.config.name)
        .sort(),
    ).toEqual(landed.sort());
    const out = join(dir, 'names-export.json');
    expect((await gw.cli('export', '--org', o, '--format', 'zudu', '--out', out)).code).toBe(0);
    expect(readFileSync(out, 'utf8')).not.toMatch(TERMINAL_CONTROLS);
  });
});

describe('export --out', () => {
  const exportTo = (out: string, ...flags: string[]) => gw.cli('export', '--org', ORG, '--format', 'aitronos', '--out', out, ...flags);

  it('creates a new file with mode 0600', async () => {
    const out = join(dir, 'new.json');
    expect((await exportTo(out)).code).toBe(0);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(out, 'utf8'))[0].name).toBe('One');
  });

  it('refuses an existing file without --force, leaving it as it was', async () => {
    const out = join(dir, 'existing.json');
    writeFileSync(out, 'precious', { mode: 0o644 });
    const res = await exportTo(out);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/exists: pass --force to replace it/);
    expect(readFileSync(out, 'utf8')).toBe('precious');
  });

  it('replaces an existing file with --force by a new one of mode 0600, never writing into the old one', async () => {
    const out = join(dir, 'replaced.json');
    writeFileSync(out, 'old', { mode: 0o644 });
    const before = statSync(out);
    expect((await exportTo(out, '--force')).code).toBe(0);
    const after = statSync(out);
    expect(after.mode & 0o777).toBe(0o600);
    expect(after.ino).not.toBe(before.ino);
    expect(JSON.parse(readFileSync(out, 'utf8'))[0].name).toBe('One');
  });

  it('never follows a symlink: refused without --force, replaced by a file of its own with it', async () => {
    const target = join(dir, 'symlink-target.txt');
    writeFileSync(target, 'target', { mode: 0o644 });
    const link = join(dir, 'link.json');
    symlinkSync(target, link);
    const refused = await exportTo(link);
    expect(refused.code).toBe(2);
    expect(readFileSync(target, 'utf8')).toBe('target');
    expect((await exportTo(link, '--force')).code).toBe(0);
    expect(readFileSync(target, 'utf8')).toBe('target');
    expect(statSync(target).mode & 0o777).toBe(0o644);
    expect(lstatSync(link).isSymbolicLink()).toBe(false);
    expect(lstatSync(link).mode & 0o777).toBe(0o600);
  });

  it('refuses a dangling symlink without --force, creating nothing where it points', async () => {
    const link = join(dir, 'dangling.json');
    const nowhere = join(dir, 'nowhere.json');
    symlinkSync(nowhere, link);
    expect((await exportTo(link)).code).toBe(2);
    expect(() => lstatSync(nowhere)).toThrow();
  });
});
