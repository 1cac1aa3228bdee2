/**
 * BASELINE (a), not the gateway: raw node:http with prepared statements, answering get one and
 * create with the gateway's JSON. The ceiling for a Node process on this machine.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { aitronosJson, newRow, openBaselineDb, sha256 } from './baseline-db';

const db = openBaselineDb();

const send = (res: ServerResponse, status: number, body: unknown) => {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) }).end(text);
};

async function handle(req: IncomingMessage, res: ServerResponse, body: string): Promise<void> {
  const key = req.headers['x-api-key'];
  if (typeof key !== 'string' || !(await db.keyByHash(sha256(key)))) return send(res, 401, { error: 'unauthorized' });
  const path = (req.url ?? '').split('?')[0]!;
  if (req.method === 'GET' && path.startsWith('/v1/mcp-configurations/')) {
    const row = await db.serverById(path.slice('/v1/mcp-configurations/'.length));
    return row ? send(res, 200, aitronosJson(row)) : send(res, 404, { error: 'not found' });
  }
  if (req.method === 'POST' && path === '/v1/mcp-configurations') {
    const input = JSON.parse(body) as { name: string; organization_id: string; server_url: string; transport_type: string };
    const row = newRow(input.organization_id, input.name, input.server_url, input.transport_type);
    await db.insertServer(row);
    return send(res, 201, aitronosJson(row));
  }
  send(res, 404, { error: 'not found' });
}

createServer((req, res) => {
  let body = '';
  req.on('data', (chunk) => (body += chunk));
  req.on('end', () => handle(req, res, body).catch(() => send(res, 500, { error: 'internal' })));
}).listen(Number(process.env.PORT), '127.0.0.1', () => process.stdout.write('listening\n'));
