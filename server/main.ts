import { runCli } from './cli';

/** Process entry point for bin/mcp-gateway.js. */
export function main(argv: string[]): void {
  runCli(argv).then((code) => {
    if (code !== 0) process.exitCode = code;
  });
}
