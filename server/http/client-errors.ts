import { randomUUID } from 'node:crypto';
import { maxHeaderSize, STATUS_CODES, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { Problem } from '../../adapters/shared/problem';
import type { GatewayInterface } from '../../adapters/shared/gateway-interface';
import { bySpecificity, INTERFACES, interfaceIn } from '../interfaces';
import type { Metrics } from './metrics';

type ClientError = Error & { code?: string; rawPacket?: Buffer };

/** What Node's HTTP parser refused, as a problem (the statuses of Node's own default answers). */
function problemOf(error: ClientError, headerLimit: number): Problem {
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW':
      return { kind: 'HEADERS_TOO_LARGE', detail: `The request line and headers are larger than ${Math.round(headerLimit / 1024)} KB` };
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return { kind: 'PAYLOAD_TOO_LARGE', detail: 'The chunk extensions of the request body are too large' };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { kind: 'REQUEST_TIMEOUT', detail: 'The request was not received in time' };
    default:
      return { kind: 'MALFORMED_REQUEST', detail: 'The request is not valid HTTP/1.1' };
  }
}

/**
 * The request line, when the bytes the parser was reading still begin with it. `rawPacket` is
 * only the chunk being parsed: for a request that arrived in several reads it holds a later part,
 * and then no dialect is guessed. Nothing of it is ever written back or logged.
 */
function requestLineOf(error: ClientError): { method: string; path: string } | null {
  const start = error.rawPacket?.toString('latin1', 0, Math.min(error.rawPacket.length, 2048)) ?? '';
  const match = /^([A-Z]{3,10}) (\/[^\s?#]*)/.exec(start);
  return match ? { method: match[1]!, path: match[2]!.toLowerCase() } : null;
}

/**
 * Requests that Node's HTTP parser refuses never reach Express: a request line and headers over
 * the header limit (431), bytes that are not HTTP (400), headers that never finish arriving (408).
 * Node's default answer has no body; this one is JSON in the dialect the request line names (plain
 * JSON when the parser no longer holds it), with a request id that is also logged, counted, and the
 * connection is then destroyed: nothing after a broken request can be trusted, and a half-open
 * socket must not hold up shutdown.
 */
export function answerClientErrors(
  server: Server,
  logger: Logger,
  metrics: Pick<Metrics, 'observeRefused'>,
  interfaces: readonly GatewayInterface[] = INTERFACES,
): void {
  const sorted = bySpecificity(interfaces);
  server.on('clientError', (error: ClientError, socket: Duplex) => {
    // A response already under way on this connection must not get another one inside it.
    const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (error.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) {
      socket.destroy();
      return;
    }
    const problem = problemOf(error, maxHeaderSize);
    const requestId = randomUUID();
    const line = requestLineOf(error);
    // Without a request line no interface is guessed: the operations interface answers plain JSON.
    const target = interfaceIn(sorted, line?.path ?? '');
    const dialect = target.name;
    const { status, body } = target.errorBody(problem, requestId);
    metrics.observeRefused(dialect, status);
    logger.info({ requestId, dialect, route: 'unparsed', res: { status }, parserError: error.code }, `request refused by the HTTP parser: ${status}`);
    const json = JSON.stringify(body);
    const head =
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(json)}\r\nX-Content-Type-Options: nosniff\r\nX-Request-Id: ${requestId}\r\nConnection: close\r\n\r\n`;
    // A HEAD answer carries the length of the body it would have had, and no body.
    socket.end(line?.method === 'HEAD' ? head : head + json, () => socket.destroy());
  });
}
