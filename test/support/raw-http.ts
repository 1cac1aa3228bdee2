import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: any;
  text: string;
}

/**
 * Sends raw bytes (each string of an array in a write of its own, 50 ms apart) and reads the
 * answer until the server ends the connection. The client never ends its side first
 * (allowHalfOpen); `whileHalfOpen` runs after the server ended its side, before this one closes.
 */
export function rawHttp(port: number, bytes: string | string[], options: { whileHalfOpen?: () => Promise<void> } = {}): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    let received = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk) => (received += chunk));
    socket.on('error', reject);
    socket.on('end', async () => {
      // The server has ended its side; this one is still open until the check has run.
      await options.whileHalfOpen?.();
      socket.destroy();
      const [head = '', text = ''] = received.split('\r\n\r\n');
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        body = undefined;
      }
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body, text });
    });
    void (async () => {
      for (const [i, part] of (Array.isArray(bytes) ? bytes : [bytes]).entries()) {
        if (i > 0) await sleep(50);
        if (!socket.destroyed) socket.write(part);
      }
    })();
  });
}
