/** The context a secret value is encrypted under: its organization and id. */
export const secretContext = (organizationId: string, secretId: string) => `secret/${organizationId}/${secretId}`;
