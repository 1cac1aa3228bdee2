import type { RequestHandler } from 'express';

interface Parameter {
  name?: string;
  in?: string;
  schema?: { type?: string };
}

/** The names of every query parameter the contract declares as an integer (limit, offset, page). */
function integerQueryParameters(spec: Record<string, unknown>): Set<string> {
  const names = new Set<string>();
  for (const pathItem of Object.values((spec.paths ?? {}) as Record<string, Record<string, unknown>>)) {
    for (const operation of Object.values(pathItem)) {
      const parameters = (operation as { parameters?: Parameter[] })?.parameters;
      if (!Array.isArray(parameters)) continue;
      for (const parameter of parameters) {
        if (parameter.in === 'query' && parameter.schema?.type === 'integer' && parameter.name) names.add(parameter.name);
      }
    }
  }
  return names;
}

const DECIMAL_INTEGER = /^-?(0|[1-9][0-9]{0,15})$/;

/**
 * Ajv's type coercion turns query strings such as `1e309` into Infinity (which then passes
 * `maximum`), ` 5` and `0x10` into numbers. An integer in a query string is written in decimal
 * digits, so anything else is refused here, in the validator's own error shape, before it
 * coerces. Each dialect's error handler renders it like any other validation failure.
 */
export function strictIntegerQuery(spec: Record<string, unknown>): RequestHandler {
  const names = integerQueryParameters(spec);
  return (req, _res, next) => {
    const query = req.query as Record<string, unknown>;
    for (const name of names) {
      const value = query[name];
      if (typeof value === 'string' && !DECIMAL_INTEGER.test(value)) {
        next(
          Object.assign(new Error('Bad query parameter'), {
            status: 400,
            errors: [{ path: `/query/${name}`, message: 'must be integer', errorCode: 'type.openapi.validation' }],
          }),
        );
        return;
      }
    }
    next();
  };
}
