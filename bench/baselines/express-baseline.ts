/**
 * BASELINE (b), not the gateway: plain Express with the same queries, a header check, and no
 * validation or translation: what a team would hand-write. Answers both dialects' get one and
 * create with the gateway's JSON.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import { aitronosJson, newRow, openBaselineDb, sha256, zuduJson } from './baseline-db';

const db = openBaselineDb();
const app = express();
app.use(express.json());

const aitronosKey = async (req: Request, res: Response, next: NextFunction) => {
  const key = req.get('x-api-key');
  if (key && (await db.keyByHash(sha256(key)))) return next();
  res.status(401).json({ error: 'unauthorized' });
};

const zuduKey = async (req: Request, res: Response, next: NextFunction) => {
  const key = await db.keyByHash(sha256(req.get('x-api-key') ?? ''));
  if (key && key.secret_hash === sha256(req.get('x-api-secret') ?? '')) {
    res.locals.organizationId = (JSON.parse(key.organization_ids as string) as string[])[0];
    return next();
  }
  res.status(401).json({ message: 'Unauthorized', status: 'error', error: 'Missing or invalid API key/secret' });
};

app.get('/v1/mcp-configurations/:id', aitronosKey, async (req, res) => {
  const row = await db.serverById(req.params.id as string);
  if (!row) return void res.status(404).json({ error: 'not found' });
  res.json(aitronosJson(row));
});

app.post('/v1/mcp-configurations', aitronosKey, async (req, res) => {
  const row = newRow(req.body.organization_id, req.body.name, req.body.server_url, req.body.transport_type);
  await db.insertServer(row);
  res.status(201).json(aitronosJson(row));
});

app.get('/api/mcp-servers/:id', zuduKey, async (req, res) => {
  const row = await db.serverById(req.params.id as string);
  if (!row) return void res.status(404).json({ message: 'MCP server not found', status: 'error' });
  res.json({ message: 'MCP server retrieved successfully', status: 'success', error: null, data: zuduJson(row) });
});

app.post('/api/mcp-servers', zuduKey, async (req, res) => {
  const config = req.body.config;
  const row = newRow(res.locals.organizationId as string, config.name, config.url, config.transport === 'STREAMABLE_HTTP' ? 'streamable_http' : 'sse');
  await db.insertServer(row);
  res.json({ message: 'MCP server created successfully', status: 'success', error: null, data: zuduJson(row) });
});

app.listen(Number(process.env.PORT), '127.0.0.1', () => process.stdout.write('listening\n'));
