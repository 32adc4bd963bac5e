// A real OpenID provider for the tests (the npm package oidc-provider), on 127.0.0.1.
//
//   node tests/oidc/provider.mjs CONFIG.json
//
// CONFIG names the port, the one client (id, secret, redirect and post-logout URIs) and
// a file of accounts, read again at every request for claims, so that a test changes a
// person's groups by rewriting that file. PKCE (S256) is required. The provider's own
// development login form (any password) signs in the account whose id is typed; consent
// is granted without asking. Prints "ready" when it listens.
import fs from "node:fs";
import Provider from "oidc-provider";

const config = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const issuer = `http://127.0.0.1:${config.port}`;

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: config.client_id,
      client_secret: config.client_secret,
      redirect_uris: config.redirect_uris,
      post_logout_redirect_uris: config.post_logout_redirect_uris,
      response_types: ["code"],
      grant_types: ["authorization_code"],
      token_endpoint_auth_method: "client_secret_post",
    },
  ],
  pkce: { required: () => true },
  // Claims of the granted scopes go into the ID token, as Entra ID sends groups there.
  conformIdTokenClaims: false,
  claims: {
    openid: ["sub", "groups", "department"],
    profile: ["name", "given_name", "family_name", "preferred_username"],
    email: ["email"],
  },
  cookies: { keys: ["kanalkoll-test-provider-only"] },
  features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
  async findAccount(ctx, id) {
    const accounts = JSON.parse(fs.readFileSync(config.accounts_file, "utf8"));
    if (!Object.hasOwn(accounts, id)) return undefined;
    return { accountId: id, async claims() { return { sub: id, ...accounts[id] }; } };
  },
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId
      || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope([...ctx.oidc.requestParamScopes].join(" "));
    grant.addOIDCClaims(["groups", "department"]);
    await grant.save();
    return grant;
  },
});

const server = provider.listen(config.port, "127.0.0.1", () => {
  console.log("ready");
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
