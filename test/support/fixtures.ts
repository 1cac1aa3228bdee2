import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const FIXTURES = join(__dirname, '..', 'fixtures', 'migration');
export const fixturePath = (name: string) => join(FIXTURES, name);
export const fixture = (name: string): unknown => JSON.parse(readFileSync(fixturePath(name), 'utf8'));
