// A real OpenID Connect provider for the portal's single sign-on tests (npm's oidc-provider).
//
//   node tests/oidc/provider.js <port> <redirect_uri> [<redirect_uri> ...]
//
// Listens on 127.0.0.1:<port>, so the issuer is http://127.0.0.1:<port>. One confidential client
// (CLIENT_ID / CLIENT_SECRET below) may redirect to the given addresses. The development
// sign-in pages accept any login name and any password; the login name becomes the subject, and
// the account's claims are made from it: `ada` signs in as "Person ada", ada@example.org
// (verified). PKCE with S256 is required. Everything is kept in memory and gone at exit.
import Provider from 'oidc-provider';

const CLIENT_ID = 'portal';
const CLIENT_SECRET = 'portal-test-client-secret';

const [port, ...redirectUris] = process.argv.slice(2);
if (!port || redirectUris.length === 0) {
  console.error('usage: node provider.js <port> <redirect_uri> [<redirect_uri> ...]');
  process.exit(2);
}

const issuer = `http://127.0.0.1:${port}`;

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      redirect_uris: redirectUris,
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  features: { devInteractions: { enabled: true } },
  pkce: { methods: ['S256'], required: () => true },
  scopes: ['openid', 'email', 'profile'],
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name'],
  },
  // Plain HTTP on 127.0.0.1: a SameSite=None cookie would need Secure, so browsers would drop it.
  cookies: {
    keys: ['portal-test-cookie-key'],
    long: { httpOnly: true, sameSite: 'lax', signed: true },
    short: { httpOnly: true, sameSite: 'lax', signed: true },
  },
  async findAccount(ctx, id) {
    return {
      accountId: id,
      async claims() {
        return {
          sub: id,
          email: `${id}@example.org`,
          email_verified: true,
          name: `Person ${id}`,
        };
      },
    };
  },
});

// Quiet the expected development-only notices; real errors still reach stderr.
provider.on('server_error', (ctx, error) => console.error('server_error', error));

const server = provider.listen(Number(port), '127.0.0.1', () => {
  console.log(`oidc-provider listening on ${issuer}`);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
