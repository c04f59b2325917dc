// Hearth's `hearth op export` writes a CARv1 that standard IPLD tools read:
// the reference JavaScript CAR reader and DAG-CBOR codec (from the npm
// registry, written by the IPLD project) parse it, every block's BLAKE3
// multihash matches its bytes, and every block re-encodes byte for byte.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CarReader } from '@ipld/car';
import * as dagCbor from '@ipld/dag-cbor';
import { blake3 } from '@noble/hashes/blake3.js';
import { CID } from 'multiformats/cid';

const hearthBin = process.env.HEARTH_BIN ?? resolve('../../target/debug/hearth');

const u8 = (b) => new Uint8Array(b);

function hearth(dir, ...args) {
  return execFileSync(hearthBin, args, { env: { ...process.env, HEARTH_DIR: dir } }).toString().trim();
}

test('a Hearth CAR export is a valid CARv1 of DAG-CBOR blocks with BLAKE3 CIDs', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-interop-'));
  const did = hearth(dir, 'id', 'new');
  const space = hearth(dir, 'space', 'new', 'Riverside Food Co-op');
  hearth(dir, 'op', 'note', space, 'Market stall on Saturday');
  hearth(dir, 'op', 'note', space, 'Bread: 12 loaves ✓');
  const file = join(dir, 'space.car');
  hearth(dir, 'op', 'export', space, file);

  const reader = await CarReader.fromBytes(readFileSync(file));
  const roots = await reader.getRoots();
  assert.equal(roots.length, 1);

  const blocks = [];
  for await (const { cid, bytes } of reader.blocks()) {
    assert.equal(cid.version, 1);
    assert.equal(cid.code, dagCbor.code, 'codec dag-cbor');
    assert.equal(cid.multihash.code, 0x1e, 'multihash blake3');
    assert.deepEqual(u8(cid.multihash.digest), u8(blake3(bytes)), 'digest matches the block');
    const value = dagCbor.decode(bytes);
    assert.deepEqual(u8(dagCbor.encode(value)), u8(bytes), 're-encodes byte for byte');
    blocks.push({ cid, value });
  }
  assert.equal(blocks.length, 3);
  assert.ok(roots[0].equals(blocks[0].cid), 'the root is the genesis op');

  const [genesis, first, second] = blocks.map((b) => b.value);
  assert.equal(genesis.data.body.genesis.name, 'Riverside Food Co-op');
  assert.equal(genesis.sig.length, 64);
  // The author is the multicodec Ed25519 key behind the did:key.
  assert.deepEqual([...genesis.data.author.slice(0, 2)], [0xed, 0x01]);
  assert.ok(did.startsWith('did:key:z6Mk'));
  // Log links and deps are real IPLD links.
  const prev = CID.asCID(first.data.prev);
  assert.ok(prev, 'prev is a CID link');
  assert.ok(prev.equals(blocks[0].cid));
  assert.ok(CID.asCID(second.data.prev).equals(blocks[1].cid));
  assert.equal(second.data.body.note.text, 'Bread: 12 loaves ✓');
});
