import express, { type Router } from 'express';
import type { EntryPoint } from '../shared/gateway-interface';

/** Links are ours (the interface list, the contracts), never request data; escaped all the same. */
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * `GET /`: where to go from here. A person (a browser asking for HTML) gets a small page of
 * links; a machine gets JSON with the same links. Only what is mounted is listed.
 */
export function homeRouter(entryPoints: readonly EntryPoint[], contracts: ReadonlyArray<{ name: string; title: string }>): Router {
  const links: EntryPoint[] = [
    ...entryPoints,
    { rel: 'docs', href: '/docs', title: 'Interactive API documentation' },
    ...contracts.map((c) => ({ rel: `openapi.${c.name}`, href: `/openapi/${c.name}.json`, title: `OpenAPI contract: ${c.title}` })),
    { rel: 'health', href: '/healthz', title: 'Liveness' },
    { rel: 'ready', href: '/readyz', title: 'Readiness (database reachable, schema current)' },
    { rel: 'metrics', href: '/metrics', title: 'Prometheus metrics' },
  ];
  const json = JSON.stringify({ name: 'mcp-gateway', links: Object.fromEntries(links.map((l) => [l.rel, { href: l.href, title: l.title }])) });
  const page = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>mcp-gateway</title></head>
<body>
<h1>mcp-gateway</h1>
<p>A registry of MCP servers, served in two dialects, with an MCP endpoint for agents.</p>
<ul>
${links.map((l) => `<li><a href="${escapeHtml(l.href)}">${escapeHtml(l.title)}</a> <code>${escapeHtml(l.href)}</code></li>`).join('\n')}
</ul>
</body>
</html>
`;
  const router = express.Router();
  router.get('/', (req, res) => {
    res.vary('Accept');
    if (req.accepts(['json', 'html']) === 'html') return void res.type('html').send(page);
    res.type('application/json').send(json);
  });
  return router;
}
