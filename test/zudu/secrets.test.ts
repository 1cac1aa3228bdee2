import { zuduConfig } from '../support/builders';
import { startTestGateway, type TestGateway } from '../support/test-gateway';

let gw: TestGateway;
let auth: Record<string, string>;

beforeAll(async () => {
  gw = await startTestGateway();
  ({ headers: auth } = await gw.zuduKey('org_secrets'));
});
afterAll(() => gw.close());

const createSecret = async (body: Record<string, unknown>) => {
  const res = await gw.http.post('/api/secrets').set(auth).send(body);
  expect(res.status).toBe(200);
  return res.body.data as Record<string, any>;
};

describe('/api/secrets', () => {
  it('creates a secret with a generated id and never returns its value', async () => {
    const res = await gw.http.post('/api/secrets').set(auth).send({ name: 'GitHub token', value: 'ghp_value_1' });
    expect(res.body).toEqual({
      message: 'Secret created successfully',
      status: 'success',
      error: null,
      data: {
        secret_id: expect.stringMatching(/^secret_[0-9a-f]{32}$/),
        name: 'GitHub token',
        created_at: expect.any(Number),
        updated_at: expect.any(Number),
        used_by: [],
      },
    });
    expect(res.text).not.toContain('ghp_value_1');
  });

  it('creates a secret under a chosen id, which a server created earlier already references', async () => {
    const server = await gw.http
      .post('/api/mcp-servers')
      .set(auth)
      .send({ config: zuduConfig({ secret_token: { secret_id: 'secret_migrated' } }) });
    const secret = await createSecret({ secret_id: 'secret_migrated', name: 'migrated', value: 'v' });
    expect(secret.used_by).toEqual([{ id: server.body.data.id, server_name: server.body.data.server_name }]);
  });

  it('answers 409 when the chosen id is taken, and 400 for an id with odd characters', async () => {
    await createSecret({ secret_id: 'secret_taken', name: 'a', value: 'v' });
    const taken = await gw.http.post('/api/secrets').set(auth).send({ secret_id: 'secret_taken', name: 'b', value: 'v' });
    expect(taken.status).toBe(409);
    expect(taken.body).toMatchObject({ message: 'Secret already exists', error: "Secret with ID 'secret_taken' already exists" });
    const odd = await gw.http.post('/api/secrets').set(auth).send({ secret_id: '../../etc/passwd', name: 'b', value: 'v' });
    expect(odd.status).toBe(400);
    expect(odd.body.error).toMatch(/^secret_id/);
  });

  it('lists secrets with the servers that use them', async () => {
    const secret = await createSecret({ name: 'shared', value: 'v' });
    const server = (
      await gw.http
        .post('/api/mcp-servers')
        .set(auth)
        .send({ config: zuduConfig({ secret_token: { secret_id: secret.secret_id } }) })
    ).body.data;
    const res = await gw.http.get('/api/secrets').set(auth);
    const listed = res.body.data.secrets.find((s: any) => s.secret_id === secret.secret_id);
    expect(listed.used_by).toEqual([{ id: server.id, server_name: server.server_name }]);
  });

  it('gets one secret, renames it and replaces its value', async () => {
    const secret = await createSecret({ name: 'before', value: 'old-value' });
    const got = await gw.http.get(`/api/secrets/${secret.secret_id}`).set(auth);
    expect(got.body.data).toEqual(secret);
    await new Promise((r) => setTimeout(r, 3));
    const updated = await gw.http.patch(`/api/secrets/${secret.secret_id}`).set(auth).send({ name: 'after', value: 'new-value' });
    expect(updated.body.message).toBe('Secret updated successfully');
    expect(updated.body.data).toMatchObject({ secret_id: secret.secret_id, name: 'after', created_at: secret.created_at });
    expect(updated.body.data.updated_at).toBeGreaterThan(secret.updated_at);
    expect(updated.text).not.toContain('new-value');
  });

  it('refuses to delete a secret a server uses (409), and deletes it once the server is gone', async () => {
    const secret = await createSecret({ name: 'in use', value: 'v' });
    const server = (
      await gw.http
        .post('/api/mcp-servers')
        .set(auth)
        .send({ config: zuduConfig({ secret_token: { secret_id: secret.secret_id } }) })
    ).body.data;
    const refused = await gw.http.delete(`/api/secrets/${secret.secret_id}`).set(auth);
    expect(refused.status).toBe(409);
    expect(refused.body.message).toBe('Secret is in use');
    expect(refused.body.error).toContain(server.id);
    await gw.http.delete(`/api/mcp-servers/${server.id}`).set(auth);
    const deleted = await gw.http.delete(`/api/secrets/${secret.secret_id}`).set(auth);
    expect(deleted.body).toEqual({
      message: 'Secret deleted successfully',
      status: 'success',
      error: null,
      data: { secret_id: secret.secret_id, deleted: true },
    });
    expect((await gw.http.get(`/api/secrets/${secret.secret_id}`).set(auth)).status).toBe(404);
  });

  it('answers 404 in the Zudu envelope for an unknown secret on every route', async () => {
    for (const res of [
      await gw.http.get('/api/secrets/secret_nope').set(auth),
      await gw.http.patch('/api/secrets/secret_nope').set(auth).send({ name: 'x' }),
      await gw.http.delete('/api/secrets/secret_nope').set(auth),
    ]) {
      expect(res.status).toBe(404);
      expect(res.body).toMatchObject({ message: 'Secret not found', status: 'error', error: "Secret with ID 'secret_nope' not found" });
    }
  });

  it.each([
    [{ name: 'x' }, /^Missing required field: value$/],
    [{ value: 'x' }, /^Missing required field: name$/],
    [{ name: 'x', value: '' }, /^value/],
    [{ name: 'x', value: 'v'.repeat(8193) }, /^value/],
    [{ name: 'x', value: 'v', colour: 'red' }, /^Unknown field: colour$/],
  ])('answers 400 for the create body %j', async (body, error) => {
    const res = await gw.http.post('/api/secrets').set(auth).send(body);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(error);
  });

  it('keeps secrets of two organizations apart, even under the same id', async () => {
    const other = await gw.zuduKey('org_other_secrets');
    await createSecret({ secret_id: 'secret_same', name: 'mine', value: 'v' });
    const theirs = await gw.http.post('/api/secrets').set(other.headers).send({ secret_id: 'secret_same', name: 'theirs', value: 'w' });
    expect(theirs.status).toBe(200);
    expect((await gw.http.get('/api/secrets/secret_same').set(auth)).body.data.name).toBe('mine');
    expect((await gw.http.get('/api/secrets/secret_same').set(other.headers)).body.data.name).toBe('theirs');
  });
});
