import autocannon from 'autocannon';
import type { Scenario, Target } from './scenarios';
import type { Seeded } from './seed';

export interface Measured {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  errors: number;
}

/** One sequence for the whole run: every measurement's created names differ from every other's. */
let sequence = 0;

/**
 * Runs one scenario for a fixed time at a fixed number of connections. Every request is built
 * anew (another id, another name); an answer with any status but the expected one is an error.
 */
export async function measure(port: number, scenario: Scenario, seeded: Seeded, seconds: number, connections: number, target: Target): Promise<Measured> {
  const counter = () => sequence++;
  const result = await autocannon({
    url: `http://127.0.0.1:${port}`,
    connections,
    duration: seconds,
    requests: [
      {
        setupRequest: (req) => {
          const r = scenario.request(seeded, counter, target);
          return { ...req, method: r.method, path: r.path, headers: r.headers, body: r.body };
        },
      },
    ],
  });
  const stats = (result as unknown as { statusCodeStats?: Record<string, { count: number }> }).statusCodeStats ?? {};
  const expected = stats[String(scenario.expect)]?.count ?? 0;
  const total = Object.values(stats).reduce((sum, s) => sum + s.count, 0);
  return {
    requestsPerSecond: Math.round(total / seconds),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    requests: total,
    errors: total - expected + result.errors + result.timeouts,
  };
}
