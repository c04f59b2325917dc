// Two members' browsers and a CLI node meet through a community relay: an op
// made in one browser appears in the other and on the CLI node, and back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { launch, onboard, shots, startRelay } from './harness.js';

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

test('an op made in one browser reaches the other browser and a CLI node, and back', async (t) => {
  const relay = await startRelay();
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

  // A CLI node fetches the space from the relay over TCP.
  const cli = mkdtempSync(join(tmpdir(), 'hearth-cli-'));
  hearth(cli, 'id', 'new');
  const tcp = await relay.peerAddr('/tcp/');
  hearth(cli, 'sync', '--relay', tcp, '--space', space, '--timeout', '30');
  const log = hearth(cli, 'op', 'log', space);
  assert.match(log, /hello from Alice/);
  assert.match(log, /hi from Bob/);
});
