import { join } from 'node:path';
import express, { type Router } from 'express';
import { loadSpec } from '../shared/openapi';
import { plainErrorBody } from './operations.errors';

const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>mcp-gateway API</title>
  <link rel="icon" type="image/png" href="/docs/assets/favicon-32x32.png">
  <link rel="stylesheet" href="/docs/assets/swagger-ui.css">
</head>
<body>
  <div id="docs"></div>
  <script src="/docs/assets/swagger-ui-bundle.js"></script>
  <script src="/docs/assets/swagger-ui-standalone-preset.js"></script>
  <script src="/docs/init.js"></script>
</body>
</html>
`;

/** A contract an interface serves: `schemas/<name>.openapi.yaml`, listed in /docs under `title`. */
export interface PublishedContract {
  name: string;
  title: string;
}

// A file of its own, not an inline script, so the page works under a strict Content-Security-Policy.
const initScript = (contracts: readonly PublishedContract[]) => `window.ui = SwaggerUIBundle({
  urls: [
${contracts.map((c) => `    { url: '/openapi/${c.name}.json', name: ${JSON.stringify(c.title).replace(/"/g, "'")} }`).join(',\n')}
  ],
  dom_id: '#docs',
  deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
  layout: 'StandaloneLayout'
});
`;

/** Every interface's contract as JSON, and interactive documentation for all from swagger-ui-dist (no CDN). */
export function docsRouter(contracts: readonly PublishedContract[]): Router {
  const router = express.Router();
  // A Map, not an object literal: `constructor` or `__proto__` must not find an inherited member.
  const specs = new Map<string, string>(contracts.map((c) => [c.name, JSON.stringify(loadSpec(c.name))]));
  const names = contracts.map((c) => c.name).join(' or ');
  const INIT = initScript(contracts);
  router.get('/openapi/:name.json', (req, res) => {
    const spec = specs.get(req.params.name);
    if (!spec) return void res.status(404).json(plainErrorBody('NOT_FOUND', `No such contract: use ${names}`));
    res.type('application/json').send(spec);
  });
  router.get('/docs', (_req, res) => {
    res.type('html').send(PAGE);
  });
  router.get('/docs/init.js', (_req, res) => {
    res.type('application/javascript').send(INIT);
  });
  const assets = join(require.resolve('swagger-ui-dist/package.json'), '..');
  router.use('/docs/assets', express.static(assets, { index: false, maxAge: '1h' }));
  return router;
}
