import pino, { type DestinationStream, type Logger } from 'pino';

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
