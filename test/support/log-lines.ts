import { Writable } from 'node:stream';

/** A stream a logger writes to, keeping every line it receives, for tests that read the log. */
export function lineSink(): { lines: string[]; stream: Writable } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, stream };
}
