// A real OpenID provider (the certified npm package oidc-provider) for the staff sign-in tests.
// It stands in for one Microsoft Entra ID tenant: its ID tokens carry Entra's claims (oid, tid, roles,
// name, preferred_username). Started by tests/staff/oidc_provider.py with the path of a JSON file:
//   {"port": 0, "issuer": "...", "tenant": "...", "clients": [...], "accounts": {"login": {...}},
//    "keys_file": "where to keep or find the signing key"}
// With a keys_file that exists, its key signs; otherwise a new key is made (and written there), so a
// restart with a fresh file is a rotation of keys. It prints "listening" once it answers.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';

const settings = JSON.parse(readFileSync(process.argv[2], 'utf8'));

async function signingKey() {
  if (settings.keys_file && existsSync(settings.keys_file)) {
    return JSON.parse(readFileSync(settings.keys_file, 'utf8'));
  }
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid: randomUUID(), alg: 'RS256', use: 'sig' };
  if (settings.keys_file) writeFileSync(settings.keys_file, JSON.stringify(jwk));
  return jwk;
}

const accounts = settings.accounts;

const provider = new Provider(settings.issuer, {
  clients: settings.clients,
  jwks: { keys: [await signingKey()] },
  cookies: { keys: ['a key for tests only'] },
  // Entra puts these in the ID token itself, not only at the userinfo endpoint.
  conformIdTokenClaims: false,
  claims: { openid: ['sub', 'oid', 'tid', 'roles', 'name', 'preferred_username'] },
  features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
  pkce: { required: () => true },
  async findAccount(ctx, id) {
    const account = accounts[id];
    if (!account) return undefined;
    return {
      accountId: id,
      async claims() {
        return {
          sub: account.oid,
          oid: account.oid,
          tid: account.tid ?? settings.tenant,
          ...(account.roles ? { roles: account.roles } : {}),
          name: account.name,
          preferred_username: account.preferred_username,
        };
      },
    };
  },
  // Consent is given by the tenant's admin in Entra: no consent page for staff.
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope('openid profile email');
    await grant.save();
    return grant;
  },
});

const server = provider.listen(settings.port, '127.0.0.1', () => {
  console.log('listening');
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
