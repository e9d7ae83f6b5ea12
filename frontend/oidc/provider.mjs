// A real OpenID Connect provider for the tests (tests/test_oidc.py): panva's certified
// oidc-provider, on 127.0.0.1, configured like a municipality's identity provider would be for
// leanprogram: authorization code flow with PKCE (S256 required), a client secret, RS256 ID tokens,
// RP-initiated logout.
//
//   node frontend/oidc/provider.mjs '{"clients": [{"client_id": ..., "client_secret": ...,
//                                      "redirect_uris": [...], "post_logout_redirect_uris": [...]}]}'
//
// It listens on a free port and prints one line, `listening <issuer>`, when it is ready.
//
// What a real provider needs a person and a login page for is done without either, for the tests:
// - GET /interaction/<uid>/login?email=<address>[&verified=0][&name=<name>] logs that person in
//   (anyone at all: the tests play the municipality's directory) and skips consent, as a
//   municipality's provider does for its own applications;
// - POST /test/tamper {"claims": {"aud": "..."}, "exp_offset": -600} makes the next token
//   response's ID token carry those claims or an expiry that long from now (negative: already
//   expired), signed again with the provider's own key, so the client must refuse it by its
//   claims, not its signature.
import { generateKeyPairSync, createSign } from "node:crypto";
import http from "node:http";
import Provider from "oidc-provider";

const config = JSON.parse(process.argv[2] || "{}");

const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: "jwk" }), kid: "test-key", alg: "RS256", use: "sig" };

const base64url = (value) => Buffer.from(value).toString("base64url");

function resign(idToken, change) {
  const payload = JSON.parse(Buffer.from(idToken.split(".")[1], "base64url").toString());
  Object.assign(payload, change.claims || {});
  if (change.exp_offset !== undefined) {
    const now = Math.floor(Date.now() / 1000);
    payload.exp = now + change.exp_offset;
    payload.iat = Math.min(payload.iat, payload.exp - 60);
  }
  const header = { alg: "RS256", typ: "JWT", kid: signingKey.kid };
  const input = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}`;
  const signature = createSign("RSA-SHA256").update(input).sign(privateKey).toString("base64url");
  return `${input}.${signature}`;
}

function account(accountId) {
  // accountId is "<v|u>:<name, url-encoded>:<email>": verified or not, then the claims.
  const [verified, name, email] = accountId.split(/:(.*?):(.*)/s);
  return {
    accountId,
    async claims() {
      return {
        sub: accountId,
        email,
        email_verified: verified === "v",
        name: decodeURIComponent(name),
        preferred_username: email,
      };
    },
  };
}

let tamper = null;

const server = http.createServer();
server.listen(0, "127.0.0.1", () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, {
    clients: (config.clients || []).map((client) => ({
      grant_types: ["authorization_code"],
      response_types: ["code"],
      token_endpoint_auth_method: "client_secret_post",
      ...client,
    })),
    jwks: { keys: [signingKey] },
    cookies: { keys: ["leanprogram-tests-only"] },
    claims: {
      openid: ["sub"],
      email: ["email", "email_verified"],
      profile: ["name", "preferred_username"],
    },
    scopes: ["openid", "email", "profile"],
    findAccount: (ctx, id) => account(id),
    pkce: { methods: ["S256"], required: () => true },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: {
        enabled: true,
        // The confirmation the person answers at the provider, plain enough for a test to post.
        async logoutSource(ctx, form) {
          ctx.body = `<!doctype html><title>Log out</title>${form}<button form="op.logoutForm" name="logout" value="yes">Log out</button>`;
        },
      },
    },
    // A municipality's provider does not ask its own people to consent to its own applications.
    async loadExistingGrant(ctx) {
      const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
      grant.addOIDCScope("openid email profile");
      await grant.save();
      return grant;
    },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    ttl: { Session: 3600, Interaction: 600, Grant: 3600, AuthorizationCode: 60, AccessToken: 600, IdToken: 600 },
  });

  provider.use(async (ctx, next) => {
    const login = ctx.path.match(/^\/interaction\/([^/]+)\/login$/);
    if (ctx.method === "GET" && login) {
      const details = await provider.interactionDetails(ctx.req, ctx.res);
      if (details.uid !== login[1]) ctx.throw(400, "wrong interaction");
      const email = String(ctx.query.email || "");
      const verified = ctx.query.verified === "0" ? "u" : "v";
      const name = encodeURIComponent(String(ctx.query.name || "Test Person"));
      await provider.interactionFinished(ctx.req, ctx.res, { login: { accountId: `${verified}:${name}:${email}` } }, { mergeWithLastSubmission: false });
      ctx.respond = false;
      return;
    }
    if (ctx.method === "GET" && /^\/interaction\/[^/]+$/.test(ctx.path)) {
      const details = await provider.interactionDetails(ctx.req, ctx.res);
      ctx.body = { uid: details.uid, prompt: details.prompt.name };
      return;
    }
    if (ctx.method === "POST" && ctx.path === "/test/tamper") {
      const chunks = [];
      for await (const chunk of ctx.req) chunks.push(chunk);
      tamper = JSON.parse(Buffer.concat(chunks).toString() || "{}");
      ctx.status = 204;
      return;
    }
    await next();
    if (ctx.path === "/token" && tamper && ctx.status === 200 && ctx.body?.id_token) {
      ctx.body = { ...ctx.body, id_token: resign(ctx.body.id_token, tamper) };
      tamper = null;
    }
  });

  server.on("request", provider.callback());
  console.log(`listening ${issuer}`);
});

// Stop at once: the tests' kept-alive connections would hold a graceful close for seconds.
for (const signal of ["SIGTERM", "SIGINT"]) process.on(signal, () => process.exit(0));
