import express, { type Router } from 'express';
import type { SecretVault } from '../../core/services/secret-vault';
import { principalOf } from '../shared/principal';
import { zuduOrganization } from './zudu.auth';
import { sendZudu } from './zudu.envelope';
import { toZuduSecret } from './zudu.mapper';

/** `/api/secrets`: organization secrets that servers reference; values never leave. */
export function zuduSecretsRouter(vault: SecretVault): Router {
  const router = express.Router();

  router.post('/secrets', async (req, res) => {
    const principal = principalOf(res);
    const secret = await vault.create(principal, zuduOrganization(principal), { id: req.body.secret_id, name: req.body.name, value: req.body.value });
    sendZudu(res, 'Secret created successfully', toZuduSecret(secret));
  });

  router.get('/secrets', async (_req, res) => {
    const principal = principalOf(res);
    const secrets = await vault.list(principal, zuduOrganization(principal));
    sendZudu(res, 'Secrets retrieved successfully', { secrets: secrets.map(toZuduSecret) });
  });

  router.get('/secrets/:secret_id', async (req, res) => {
    const principal = principalOf(res);
    sendZudu(res, 'Secret retrieved successfully', toZuduSecret(await vault.get(principal, zuduOrganization(principal), req.params.secret_id)));
  });

  router.patch('/secrets/:secret_id', async (req, res) => {
    const principal = principalOf(res);
    const secret = await vault.update(principal, zuduOrganization(principal), req.params.secret_id, { name: req.body.name, value: req.body.value });
    sendZudu(res, 'Secret updated successfully', toZuduSecret(secret));
  });

  router.delete('/secrets/:secret_id', async (req, res) => {
    const principal = principalOf(res);
    await vault.delete(principal, zuduOrganization(principal), req.params.secret_id);
    sendZudu(res, 'Secret deleted successfully', { secret_id: req.params.secret_id, deleted: true });
  });

  return router;
}
