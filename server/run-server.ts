import cluster from 'node:cluster';
import type { Logger } from 'pino';
import type { GatewayConfig } from './config';
import { bootstrapDemo } from './demo';
import { openGateway } from './gateway';
import { serve } from './serve';

/** Stops on SIGTERM or SIGINT: drain, close, exit 0 (1 if closing failed). */
function stopOnSignals(stop: () => Promise<void>, logger: Logger): void {
  const onSignal = (signal: NodeJS.Signals) => {
    logger.info({ signal, pid: process.pid }, 'shutting down');
    const exit = (code: number) => logger.flush(() => process.exit(code));
    stop().then(
      () => exit(0),
      (error: Error) => {
        logger.error({ err: { name: error.name } }, 'shutdown failed');
        exit(1);
      },
    );
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
}

/**
 * `mcp-gateway serve`. With WORKERS=N the primary migrates the database and prints the demo
 * keys once, then runs N worker processes that share the port (node:cluster); a worker that
 * dies is replaced, and a signal to the primary drains every worker before it exits.
 */
export async function runServer(config: GatewayConfig, logger: Logger, print: (text: string) => void, afterStop?: () => Promise<void>): Promise<void> {
  if (config.workers <= 1 || cluster.isWorker) {
    const running = await serve(config, logger, print, { demo: !cluster.isWorker });
    stopOnSignals(async () => {
      await running.stop();
      await afterStop?.();
    }, logger);
    return;
  }
  const gateway = await openGateway({ ...config, logger });
  try {
    const banner = config.demo ? await bootstrapDemo(gateway.apiKeys) : null;
    if (banner) print(banner);
  } finally {
    await gateway.close();
  }
  let stopping = false;
  for (let i = 0; i < config.workers; i += 1) cluster.fork();
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    logger.error({ pid: worker.process.pid, code, signal }, 'worker died; starting another');
    cluster.fork();
  });
  const onSignal = (signal: NodeJS.Signals) => {
    stopping = true;
    logger.info({ signal, workers: config.workers }, 'shutting down the workers');
    const workers = Object.values(cluster.workers ?? {});
    let running = workers.length;
    if (running === 0) process.exit(0);
    for (const worker of workers) {
      worker?.once('exit', () => {
        running -= 1;
        if (running === 0) process.exit(0);
      });
      worker?.process.kill('SIGTERM');
    }
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
}
