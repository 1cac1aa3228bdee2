import type { NextFunction, Request, Response } from 'express';
import { AuthenticationRequired, InvalidApiKey } from '../../core/errors';
import type { KeyFormat } from '../../core/model/api-key';
import type { ApiKeyService } from '../../core/services/api-keys';

/**
 * Agents authenticate with a gateway key they already have, of any keyed interface: a single key
 * as `Authorization: Bearer <key>` (or `X-API-Key`), a key pair as `X-API-KEY` + `X-API-SECRET`.
 * The format is picked by the key's prefix; each key still authenticates only under the format
 * it was issued with.
 */
export function mcpAuthentication(keys: ApiKeyService, formats: readonly KeyFormat[]) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(req.get('authorization') ?? '')?.[1];
    const key = bearer ?? req.get('x-api-key')?.trim();
    const secret = req.get('x-api-secret')?.trim();
    if (!key) throw new AuthenticationRequired('A gateway key is required: send Authorization: Bearer <key>, or X-API-KEY and X-API-SECRET');
    const format = formats.find((f) => key.startsWith(f.keyPrefix) && (f.secretPrefix === null) === (secret === undefined));
    if (!format) throw new InvalidApiKey();
    res.locals.principal = await keys.authenticate(format, { key, secret });
    next();
  };
}
