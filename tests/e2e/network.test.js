// Two members' browsers and a CLI node meet through a community relay: an op
// made in one browser appears in the other and on the CLI node, and back; the
// browsers also reach each other through the relay's circuit; the relay
// restarts and sync resumes, carrying what a browser wrote while cut off.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { builtWebDir, freePort, launch, onboard, shots, startRelay } from './harness.js';

const hearthBin = process.env.HEARTH_BIN ?? resolve(import.meta.dirname, '../../target/debug/hearth');

function hearth(dir, ...args) {
  return execFileSync(hearthBin, args, { env: { ...process.env, HEARTH_DIR: dir }, encoding: 'utf8' }).trim();
}

async function member(relay) {
  const context = await launch(mkdtempSync(join(tmpdir(), 'hearth-profile-')));
  const page = context.pages()[0] ?? (await context.newPage());
  await onboard(page, relay.url);
  await page.locator('.network', { hasText: 'in step' }).waitFor({ timeout: 20_000 });
  return { context, page };
}

test('browsers and a CLI node sync through a relay, reach each other through it, and carry on across its restart', async (t) => {
  const ports = { ws: await freePort(), tcp: await freePort() };
  let relay = await startRelay(builtWebDir, undefined, ports);
  t.after(() => relay.stop());
  const alice = await member(relay);
  t.after(() => alice.context.close());
  const bob = await member(relay);
  t.after(() => bob.context.close());

  // Alice creates a space and posts.
  await alice.page.fill('#space-name', 'Garden');
  await alice.page.getByRole('button', { name: 'Create space' }).click();
  await alice.page.fill('#note-text', 'hello from Alice');
  await alice.page.getByRole('button', { name: 'Post' }).click();
  await alice.page.locator('.ops li', { hasText: 'hello from Alice' }).waitFor();
  const space = (await alice.page.locator('.space-id').textContent()).trim();

  // Bob joins by id and sees it.
  await bob.page.fill('#join-space', space);
  await bob.page.getByRole('button', { name: 'Join' }).click();
  await bob.page.locator('.spaces li', { hasText: 'Garden' }).locator('.meta', { hasText: '2 ops' }).waitFor({ timeout: 20_000 });
  await bob.page.getByRole('button', { name: 'Garden' }).click();
  await bob.page.locator('.ops li', { hasText: 'hello from Alice' }).waitFor();

  // Bob answers; Alice's open page shows it.
  await bob.page.fill('#note-text', 'hi from Bob');
  await bob.page.getByRole('button', { name: 'Post' }).click();
  await alice.page.locator('.ops li', { hasText: 'hi from Bob' }).waitFor({ timeout: 20_000 });
  await alice.page.screenshot({ path: join(shots, 'network-alice.png') });

  // Each heard the other's gossip and dialled them through the relay.
  for (const m of [alice, bob]) {
    await m.page.locator('.network', { hasText: 'member reached' }).waitFor({ timeout: 20_000 });
  }

  // The relay goes away; Alice keeps writing, cut off.
  relay.stop();
  await relay.stopped;
  await alice.page.locator('.network', { hasText: 'connecting' }).waitFor({ timeout: 20_000 });
  await alice.page.fill('#note-text', 'written while cut off');
  await alice.page.getByRole('button', { name: 'Post' }).click();
  await alice.page.locator('.ops li', { hasText: 'written while cut off' }).waitFor();

  // Back on the same address and data: both redial, and Bob has it (from
  // Alice directly, or through the relay).
  relay = await startRelay(builtWebDir, relay.dataDir, ports);
  await bob.page.locator('.ops li', { hasText: 'written while cut off' }).waitFor({ timeout: 30_000 });

  // A CLI node fetches the space from the relay over TCP.
  const cli = mkdtempSync(join(tmpdir(), 'hearth-cli-'));
  hearth(cli, 'id', 'new');
  const tcp = await relay.peerAddr('/tcp/');
  // Bob may have had the op from Alice directly (browser to browser) before
  // the relay came back: it reaches the relay once they redial it.
  let log = '';
  for (let i = 0; i < 20 && !log.includes('written while cut off'); i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, 500));
    hearth(cli, 'sync', '--relay', tcp, '--space', space, '--timeout', '30');
    log = hearth(cli, 'op', 'log', space);
  }
  assert.match(log, /hello from Alice/);
  assert.match(log, /hi from Bob/);
  assert.match(log, /written while cut off/);
});
