// The baseline for BM_Jwt_*: `jose` (npm) verifying the same JWT-SVIDs. Writes DIR/jwks.json and DIR/tokens.json
// (one token per algorithm, consumed by bulkhead-micro via $BULKHEAD_BENCH_JWT_DIR), then times jose's jwtVerify
// (signature + exp/aud checks, like the gateway's cold path) per algorithm and writes DIR/jose.json:
// { alg: { p50_ns, p99_ns, mean_ns, n } }.  Usage: node jose_bench.mjs DIR [N]
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { jose } from '../../test/peers/index.mjs';

const dir = process.argv[2];
const n = Number(process.argv[3] || 5000);
const algs = ['ES256', 'ES384', 'RS256', 'PS256', 'EdDSA'];
const now = Math.floor(Date.now() / 1000);
const keys = [];
const tokens = {};
const publicKeys = {};
for (const alg of algs) {
  const { publicKey, privateKey } = await jose.generateKeyPair(alg, { extractable: true });
  const jwk = { ...(await jose.exportJWK(publicKey)), kid: alg, alg, use: 'jwt-svid' };
  keys.push(jwk);
  publicKeys[alg] = publicKey;
  tokens[alg] = await new jose.SignJWT({ sub: 'spiffe://bench.test/agent/support', aud: ['bulkhead'] })
    .setProtectedHeader({ alg, kid: alg, typ: 'JWT' }).setIssuedAt(now).setExpirationTime(now + 3600).sign(privateKey);
}
writeFileSync(join(dir, 'jwks.json'), JSON.stringify({ keys }));
writeFileSync(join(dir, 'tokens.json'), JSON.stringify(tokens));

const results = {};
for (const alg of algs) {
  const options = { audience: 'bulkhead', algorithms: [alg], clockTolerance: 30 };
  for (let i = 0; i < 200; i++) await jose.jwtVerify(tokens[alg], publicKeys[alg], options);  // warm-up (JIT)
  const samples = [];
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const s = process.hrtime.bigint();
    await jose.jwtVerify(tokens[alg], publicKeys[alg], options);
    samples.push(Number(process.hrtime.bigint() - s));
  }
  const total = Number(process.hrtime.bigint() - t0);
  samples.sort((a, b) => a - b);
  results[alg] = { p50_ns: samples[n >> 1], p99_ns: samples[Math.floor(n * 0.99)], mean_ns: total / n, n };
}
writeFileSync(join(dir, 'jose.json'), JSON.stringify(results, null, 1));
