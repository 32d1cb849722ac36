#!/usr/bin/env node
// Independent verifier of Bulkhead audit logs, written from docs/formats/audit.md alone (no Bulkhead code).
// Node >= 18, standard library only (node:crypto has Ed25519 and SHA-256).
//
//   node verify_independent.mjs proof  PROOF.json   [--public-key KEY.pem]
//   node verify_independent.mjs export EXPORT.jsonl [--public-key KEY.pem]
//   node verify_independent.mjs log    DIR          [--public-key KEY.pem]
//
// proof:  checks the checkpoint signature and the RFC 9162 inclusion proof of one record.
// export: the same for every record line of a jsonl export, and that all records belong to the header's tenant.
// log:    the whole directory: segment headers, CRC32C, seq, hash chain, checkpoints (size, key, signature, root).
// Without --public-key the key embedded in the input (or DIR/public-key.pem) is trusted.
// Exit 0 = verified, 1 = verification failed (the reason on stderr), 2 = usage error.
import { createHash, createPublicKey, verify as edVerify } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

class Failure extends Error {}
const fail = (msg) => { throw new Failure(msg); };

const sha256 = (...parts) => { const h = createHash('sha256'); for (const p of parts) h.update(p); return h.digest(); };
const leafHash = (body) => sha256(Buffer.from([0x00]), body);
const nodeHash = (l, r) => sha256(Buffer.from([0x01]), l, r);
const fromHex = (s) => { if (!/^[0-9a-f]*$/.test(s) || s.length % 2) fail(`not hex: ${s}`); return Buffer.from(s, 'hex'); };

// CRC32C: reflected polynomial 0x82F63B78, init and final xor 0xFFFFFFFF.
const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) { let c = n; for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1; t[n] = c >>> 0; }
  return t;
})();
function crc32c(...parts) {
  let c = 0xffffffff;
  for (const p of parts) for (let i = 0; i < p.length; i++) c = CRC_TABLE[(c ^ p[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

// The RFC 8410 SubjectPublicKeyInfo prefix of an Ed25519 key.
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
function keyFromPem(pem) {
  const key = createPublicKey(pem);
  const der = key.export({ type: 'spki', format: 'der' });
  if (der.length !== 44 || !der.subarray(0, 12).equals(SPKI_PREFIX)) fail('public key is not Ed25519');
  return { key, raw: der.subarray(12) };
}

// Checkpoint body: 0x02 | tree_size u64 | timestamp_ms u64 | root 32 | key_id 32 | signature 64 (145 bytes).
function decodeCheckpoint(body) {
  if (body.length !== 145 || body[0] !== 0x02) fail(`checkpoint body: ${body.length} bytes, type ${body[0]}`);
  return {
    treeSize: body.readBigUInt64LE(1),
    timestampMs: body.readBigUInt64LE(9),
    root: body.subarray(17, 49),
    keyId: body.subarray(49, 81),
    signature: body.subarray(81, 145),
    signed: Buffer.concat([Buffer.from('bulkhead-audit-checkpoint-v1\n', 'ascii'), body.subarray(0, 81)]),
  };
}

function checkCheckpoint(body, trusted) {
  const c = decodeCheckpoint(body);
  if (!c.keyId.equals(sha256(trusted.raw))) fail(`checkpoint at tree size ${c.treeSize}: key id is not the trusted key`);
  if (!edVerify(null, c.signed, trusted.key, c.signature)) fail(`checkpoint at tree size ${c.treeSize}: bad signature`);
  return c;
}

// RFC 9162 §2.1.3.2.
function verifyInclusion(index, size, leaf, path, root) {
  if (index >= size) return false;
  let fn = index, sn = size - 1n, r = leaf;
  for (const p of path) {
    if (sn === 0n) return false;
    if ((fn & 1n) === 1n || fn === sn) {
      r = nodeHash(p, r);
      while ((fn & 1n) === 0n && fn !== 0n) { fn >>= 1n; sn >>= 1n; }
    } else {
      r = nodeHash(r, p);
    }
    fn >>= 1n; sn >>= 1n;
  }
  return sn === 0n && r.equals(root);
}

// Record body: 0x01 | seq u64 | prev_hash 32 | payload (canonical JSON).
function decodeRecord(body) {
  if (body.length < 41 || body[0] !== 0x01) fail('record body malformed');
  return { seq: body.readBigUInt64LE(1), prev: body.subarray(9, 41), payload: JSON.parse(body.subarray(41).toString('utf8')) };
}

function checkRecordProof(leafB64, leafIndex, treeSize, pathHex, checkpoint) {
  const leaf = Buffer.from(leafB64, 'base64');
  const record = decodeRecord(leaf);
  if (record.seq !== leafIndex) fail(`leaf holds seq ${record.seq}, proof claims ${leafIndex}`);
  if (checkpoint.treeSize !== treeSize) fail(`proof tree size ${treeSize} != checkpoint tree size ${checkpoint.treeSize}`);
  if (!verifyInclusion(leafIndex, treeSize, leafHash(leaf), pathHex.map(fromHex), checkpoint.root)) {
    fail(`inclusion proof of seq ${leafIndex} does not lead to the signed root`);
  }
  return record;
}

function trustedKey(args, embeddedPem) {
  const i = args.indexOf('--public-key');
  if (i >= 0) return keyFromPem(readFileSync(args[i + 1], 'utf8'));
  return keyFromPem(embeddedPem);
}

function verifyProof(file, args) {
  const proof = JSON.parse(readFileSync(file, 'utf8'));
  const trusted = trustedKey(args, proof.public_key_pem);
  const c = checkCheckpoint(Buffer.from(proof.checkpoint.body, 'base64'), trusted);
  const record = checkRecordProof(proof.leaf, BigInt(proof.leaf_index), BigInt(proof.tree_size), proof.audit_path, c);
  if (JSON.stringify(record.payload) !== JSON.stringify(proof.record)) fail('record member differs from the leaf payload');
  return `seq ${proof.leaf_index} included in signed tree of size ${c.treeSize}`;
}

function verifyExport(file, args) {
  const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l));
  const header = lines[0];
  if (header?.type !== 'header' || header.format !== 'bulkhead-audit-export') fail('no export header');
  const footer = lines[lines.length - 1];
  if (footer?.type !== 'footer') fail('export truncated: no footer');
  const trusted = trustedKey(args, header.public_key_pem);
  const c = header.checkpoint ? checkCheckpoint(Buffer.from(header.checkpoint.body, 'base64'), trusted) : null;
  let count = 0;
  for (const line of lines.slice(1, -1)) {
    if (line.type !== 'record') fail(`unexpected line type ${line.type}`);
    const leaf = Buffer.from(line.leaf, 'base64');
    const record = decodeRecord(leaf);
    if (record.payload.tenant !== header.tenant) fail(`seq ${record.seq} belongs to tenant ${record.payload.tenant}`);
    if (line.audit_path === null) fail(`seq ${record.seq} has no proof`);
    if (!c) fail('records but no checkpoint');
    checkRecordProof(line.leaf, BigInt(line.seq), BigInt(line.tree_size), line.audit_path, c);
    count++;
  }
  if (count !== footer.records) fail(`footer says ${footer.records} records, found ${count}`);
  return `${count} records of tenant ${header.tenant} proven against tree size ${c ? c.treeSize : 0}`;
}

function verifyLog(dir, args) {
  const i = args.indexOf('--public-key');
  const trusted = keyFromPem(readFileSync(i >= 0 ? args[i + 1] : join(dir, 'public-key.pem'), 'utf8'));
  const names = readdirSync(dir).filter((n) => /^segment-\d{20}\.log$/.test(n)).sort();
  let nextSeq = 0n, lastHash = Buffer.alloc(32), signed = 0n, checkpoints = 0;
  const leaves = [];
  // MTH per RFC 9162 §2.1.1 over leaves[lo, hi).
  const mth = (lo, hi) => {
    const n = hi - lo;
    if (n === 0) return sha256(Buffer.alloc(0));
    if (n === 1) return leaves[lo];
    let k = 1; while (k * 2 < n) k *= 2;
    return nodeHash(mth(lo, lo + k), mth(lo + k, hi));
  };
  for (const name of names) {
    const b = readFileSync(join(dir, name));
    if (b.length < 28) fail(`${name}: truncated header`);
    if (b.subarray(0, 8).toString('latin1') !== 'BHAUDSEG' || crc32c(b.subarray(0, 24)) !== b.readUInt32LE(24)) fail(`${name}: bad header`);
    if (b[8] !== 1 && b[8] !== 2) fail(`${name}: version ${b[8]}`);
    // Version 2: a length of 0 (or fewer than 8 bytes left) ends the frames; everything after must be zero bytes.
    const zeroTail = (from) => b.subarray(from).every((x) => x === 0);
    if (b.readBigUInt64LE(16) !== nextSeq) fail(`${name}: starts at ${b.readBigUInt64LE(16)}, expected ${nextSeq}`);
    let pos = 28;
    while (pos < b.length) {
      if (b[8] === 2 && (b.length - pos < 8 || b.readUInt32LE(pos) === 0)) {
        if (!zeroTail(pos)) fail(`${name}@${pos}: non-zero bytes after the end-of-data marker`);
        break;
      }
      if (b.length - pos < 8) fail(`${name}@${pos}: truncated frame header`);
      const len = b.readUInt32LE(pos);
      if (len === 0 || len > 41 + (1 << 20)) fail(`${name}@${pos}: bad length ${len}`);
      if (pos + 8 + len > b.length) fail(`${name}@${pos}: truncated frame`);
      const body = b.subarray(pos + 8, pos + 8 + len);
      if (crc32c(b.subarray(pos, pos + 4), body) !== b.readUInt32LE(pos + 4)) fail(`${name}@${pos}: CRC32C mismatch`);
      if (body[0] === 0x01) {
        const r = decodeRecord(body);
        if (r.seq !== nextSeq) fail(`${name}@${pos}: seq ${r.seq}, expected ${nextSeq}`);
        if (!r.prev.equals(lastHash)) fail(`${name}@${pos}: hash chain broken at seq ${r.seq}`);
        lastHash = leafHash(body);
        leaves.push(lastHash);
        nextSeq++;
      } else if (body[0] === 0x02) {
        const c = checkCheckpoint(body, trusted);
        if (c.treeSize !== nextSeq) fail(`${name}@${pos}: checkpoint size ${c.treeSize}, ${nextSeq} records precede it`);
        if (!mth(0, leaves.length).equals(c.root)) fail(`${name}@${pos}: root mismatch at tree size ${c.treeSize}`);
        signed = c.treeSize;
        checkpoints++;
      } else {
        fail(`${name}@${pos}: unknown frame type ${body[0]}`);
      }
      pos += 8 + len;
    }
  }
  if (signed !== nextSeq) fail(`${nextSeq - signed} records after the last checkpoint are unsigned`);
  return `${nextSeq} records, ${checkpoints} checkpoints, all verified`;
}

const [mode, target, ...rest] = process.argv.slice(2);
const modes = { proof: verifyProof, export: verifyExport, log: verifyLog };
if (!modes[mode] || !target) {
  console.error('usage: verify_independent.mjs proof FILE | export FILE | log DIR [--public-key PEM]');
  process.exit(2);
}
try {
  console.log(`OK: ${modes[mode](target, rest)}`);
} catch (e) {
  console.error(`FAILED: ${e instanceof Failure ? e.message : e.stack}`);
  process.exit(1);
}
