/** The context a secret value is encrypted under: its organization and id (core/secrets/contexts.ts). */
export { secretContext } from '../secrets/contexts';
