// Members' browsers reach a relay that offers no WebSocket, over
// WebRTC-direct (no TLS certificate needed on the relay): both sync through
// it, each way, and the relay's first streams are not held up (the time
// from opening the app to being in step is printed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtWebDir, launch, onboard, shots, startRelay } from './harness.js';

async function member(relay, via = 'WebRTC') {
  const context = await launch(mkdtempSync(join(tmpdir(), 'hearth-profile-')));
  const page = context.pages()[0] ?? (await context.newPage());
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  const t = Date.now();
  await onboard(page, relay.url);
  await page.locator('.network', { hasText: `online over ${via} · in step` }).waitFor({ timeout: 30_000 });
  console.log(`${via.toLowerCase()}_open_to_in_step_ms = ${Date.now() - t}`);
  return { context, page, errors };
}

test('browsers sync through a relay over WebRTC-direct', async (t) => {
  const relay = await startRelay(builtWebDir, undefined, { ws: null, tcp: 0, webrtc: 0 });
  t.after(() => relay.stop());
  const addr = await relay.peerAddr('/webrtc-direct/');
  assert.match(addr, /\/udp\/\d+\/webrtc-direct\/certhash\/[\w-]+\/p2p\//);
  const alice = await member(relay);
  t.after(() => alice.context.close());
  const bob = await member(relay);
  t.after(() => bob.context.close());

  await alice.page.fill('#space-name', 'Allotment');
  await alice.page.getByRole('button', { name: 'Create space' }).click();
  await alice.page.fill('#note-text', 'over WebRTC');
  await alice.page.getByRole('button', { name: 'Post' }).click();
  await alice.page.locator('.ops li', { hasText: 'over WebRTC' }).waitFor();
  const space = (await alice.page.locator('.space-id').textContent()).trim();

  await bob.page.fill('#join-space', space);
  await bob.page.getByRole('button', { name: 'Join' }).click();
  await bob.page.getByRole('button', { name: 'Allotment' }).click({ timeout: 20_000 });
  await bob.page.locator('.ops li', { hasText: 'over WebRTC' }).waitFor({ timeout: 20_000 });
  await bob.page.fill('#note-text', 'and back');
  await bob.page.getByRole('button', { name: 'Post' }).click();
  await alice.page.locator('.ops li', { hasText: 'and back' }).waitFor({ timeout: 20_000 });
  await alice.page.screenshot({ path: join(shots, 'webrtc-alice.png') });
  assert.deepEqual([...alice.errors, ...bob.errors], []);

  // The same first steps over WebSocket, for comparison (printed).
  const ws = await startRelay(builtWebDir);
  t.after(() => ws.stop());
  const carol = await member(ws, 'WebSocket');
  t.after(() => carol.context.close());
});
