import pino, { type DestinationStream, type Logger } from 'pino';
import { summarizeDatabaseError } from '../core/store/sql-quirks';

/**
 * JSON logs. Request bodies and auth headers are never passed to the logger; the redaction
 * list is a second line of defence for any object that still carries them. Without a given
 * destination, lines go to stdout through a buffer written asynchronously: a slow log reader
 * must never stall requests (flush it before exiting).
 */
export function createLogger(level: string, destination: DestinationStream = pino.destination({ dest: 1, sync: false })): Logger {
  return pino(
    {
      level,
      base: { service: 'mcp-gateway' },
      serializers: { err: errorForLog },
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers["x-api-key"]',
          'req.headers["x-api-secret"]',
          'req.headers.cookie',
          'req.headers["proxy-authorization"]',
          'res.headers["set-cookie"]',
          'req.body',
          'body',
          'credentials',
          '*.credentials',
          'headers.authorization',
        ],
        censor: '[redacted]',
      },
    },
    destination,
  );
}

/**
 * How an error is logged under `err`. A database error keeps only its code, the operation that
 * failed and its stack frames: its message (and the stack's first line, which repeats it) holds
 * the SQL and its bound values. Other errors keep name, code and stack.
 */
export function errorForLog(error: unknown): unknown {
  if (error === null || typeof error !== 'object') return error;
  const e = error as { name?: string; code?: unknown; stack?: string };
  const database = summarizeDatabaseError(error);
  if (database) return { name: e.name, ...database, frames: framesOf(e.stack) };
  if (error instanceof Error) return { name: e.name, code: e.code, stack: e.stack };
  return error;
}

function framesOf(stack: string | undefined): string[] {
  return (stack ?? '')
    .split('\n')
    .filter((line) => /^\s+at /.test(line))
    .map((line) => line.trim());
}
