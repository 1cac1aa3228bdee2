import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as OpenApiValidator from 'express-openapi-validator';
import type { RequestHandler } from 'express';
import { strictIntegerQuery } from './strict-integer-query';
import { parse } from 'yaml';

/** The name of a contract: `schemas/<name>.openapi.yaml`. Each interface names its own. */
export type SpecName = string;

/** The largest request body either dialect reads (larger: 413 in the caller's dialect). */
export const REQUEST_BODY_LIMIT_BYTES = 1024 * 1024;
export const REQUEST_BODY_LIMIT = '1mb';

/** The schemas/ folder, found from source (ts-jest) and from dist/ alike. */
function schemasDir(): string {
  const candidates = [join(__dirname, '..', '..', 'schemas'), join(__dirname, '..', '..', '..', 'schemas')];
  for (const dir of candidates) {
    try {
      if (readdirSync(dir).some((file) => file.endsWith('.openapi.yaml'))) return dir;
    } catch {
      // try the next candidate
    }
  }
  throw new Error('schemas/ not found beside the application');
}

const cache = new Map<SpecName, Record<string, unknown>>();

/** The parsed contract; a fresh deep copy each call, since the validator annotates what it gets. */
export function loadSpec(name: SpecName): Record<string, unknown> {
  if (!cache.has(name)) cache.set(name, parse(readFileSync(join(schemasDir(), `${name}.openapi.yaml`), 'utf8')));
  return structuredClone(cache.get(name)!);
}

let routeLookupMemoized = false;

/**
 * express-openapi-validator compiles every route's pattern with path-to-regexp on every request
 * while it looks for the matching one (half its cost in the benchmark). The patterns are fixed,
 * so the compiled form is remembered, in the very module instance the validator calls.
 */
function memoizeValidatorRouteLookup(): void {
  if (routeLookupMemoized) return;
  routeLookupMemoized = true;
  const modulePath = require.resolve('path-to-regexp', { paths: [require.resolve('express-openapi-validator')] });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const pathToRegexpModule = require(modulePath) as { pathToRegexp: (path: string, options?: Record<string, unknown>) => unknown };
  const compile = pathToRegexpModule.pathToRegexp;
  const compiled = new Map<string, unknown>();
  pathToRegexpModule.pathToRegexp = (path, options = {}) => {
    const key = `${path} ${options.sensitive ? 1 : 0}${options.strict ? 1 : 0}`;
    let result = compiled.get(key);
    if (result === undefined) {
      result = compile(path, options);
      compiled.set(key, result);
    }
    return result;
  };
}

/**
 * The validator for one dialect. Requests are always checked; responses when asked (tests do),
 * so a response that drifts from the contract fails loudly.
 */
export function contractValidator(name: SpecName, validateResponses: boolean): RequestHandler[] {
  memoizeValidatorRouteLookup();
  const spec = loadSpec(name);
  const validator = OpenApiValidator.middleware({
    apiSpec: spec as never,
    validateRequests: { allowUnknownQueryParameters: false, coerceTypes: false },
    validateResponses: validateResponses ? { removeAdditional: false } : false,
    validateSecurity: false,
    ignoreUndocumented: false,
  }) as unknown as RequestHandler[];
  return [strictIntegerQuery(spec), ...validator];
}
