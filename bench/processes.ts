import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

export interface Running {
  port: number;
  pid: number;
  /** Peak resident memory so far (VmHWM), in MB. */
  peakMemoryMb(): number;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function peakMemoryMb(pid: number): number {
  try {
    const kb = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Math.round(Number(kb) / 1024) : NaN;
  } catch {
    return NaN;
  }
}

/** Resolves once the port answers HTTP at all (whatever the status), whatever the process logs. */
async function answers(port: number): Promise<boolean> {
  try {
    await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(500) });
    return true;
  } catch {
    return false;
  }
}

/** Starts a server process and resolves once it answers HTTP on its port; kills it if it never does. */
export async function startProcess(args: string[], env: Record<string, string>): Promise<Running> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, args, {
    env: { PATH: process.env.PATH ?? '', ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let exited: number | null | undefined;
  // Drain everything, so a chatty process never blocks on a full pipe; keep the start for errors.
  const keep = (chunk: Buffer) => {
    if (output.length < 20000) output += chunk;
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  child.once('exit', (code) => (exited = code));
  const started = Date.now();
  while (!(await answers(port))) {
    if (exited !== undefined || Date.now() - started > 30000) {
      child.kill('SIGKILL');
      throw new Error(`${args.join(' ')} did not start${exited !== undefined ? ` (exit ${exited})` : ''}:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    port,
    pid: child.pid!,
    peakMemoryMb: () => peakMemoryMb(child.pid!),
    stop: () =>
      new Promise<void>((resolve) => {
        // Already ended (by a code or a signal): nothing to wait for, and no 'exit' will come again.
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5000).unref();
      }),
  };
}
