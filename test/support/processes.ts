import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'mcp-gateway.js');

export interface ServeProcess {
  child: ChildProcessWithoutNullStreams;
  port: number;
  stdout: () => string;
  stderr: () => string;
  /** Sends a signal and resolves with the exit code. */
  signal(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `mcp-gateway serve` as a real process on a free port and waits until it listens. */
export function startServe(env: Record<string, string>, options: { listeners?: number } = {}): Promise<ServeProcess> {
  const child = spawn(process.execPath, [BIN, 'serve'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', PORT: '0', HOST: '127.0.0.1', ...env },
  });
  let out = '';
  let err = '';
  const wanted = options.listeners ?? 1;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start:\n${out}\n${err}`)), 30000);
    child.stderr.on('data', (chunk) => (err += chunk));
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const ports = [...out.matchAll(/"port":(\d+)[^\n]*mcp-gateway listening/g)].map((m) => Number(m[1]));
      if (ports.length >= wanted) {
        clearTimeout(timer);
        resolve({
          child,
          port: ports[0]!,
          stdout: () => out,
          stderr: () => err,
          signal: (signal = 'SIGTERM') =>
            new Promise((done) => {
              // A process that already ended (by a code or by a signal) has nothing left to stop.
              if (child.exitCode !== null || child.signalCode !== null) return done(child.exitCode);
              child.once('exit', (code) => done(code));
              child.kill(signal);
            }),
        });
      }
    });
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}:\n${out}\n${err}`)));
  });
}
