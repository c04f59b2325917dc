// A member names a second relay by its peer address: a wrong address is
// refused with a clear message, a right one is kept in this browser, dialled
// at once and again after a reload, and the member's spaces reach it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launch, onboard, shots, startRelay } from './harness.js';

async function metric(relay, name) {
  const text = await (await fetch(new URL('/metrics', relay.url))).text();
  const line = text.split('\n').find((l) => l.startsWith(`hearth_relay_${name} `));
  return Number(line?.split(' ')[1] ?? NaN);
}

async function until(check, what, ms = 20_000) {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

test('a member adds a second relay; spaces reach it, and it is kept', async (t) => {
  const home = await startRelay();
  t.after(() => home.stop());
  const other = await startRelay();
  t.after(() => other.stop());
  const context = await launch(mkdtempSync(join(tmpdir(), 'hearth-profile-')));
  t.after(() => context.close());
  const page = context.pages()[0] ?? (await context.newPage());
  await onboard(page, home.url);

  await page.fill('#relay-addr', '/ip4/127.0.0.1/tcp/1');
  await page.getByRole('button', { name: 'Add relay' }).click();
  await page.getByRole('alert').filter({ hasText: 'WebSocket' }).waitFor();

  const addr = await other.peerAddr('/ws');
  await page.fill('#relay-addr', addr);
  await page.getByRole('button', { name: 'Add relay' }).click();
  await page.locator('.relays li', { hasText: addr }).waitFor();
  await until(async () => (await metric(other, 'peers')) >= 1, 'the page to reach the second relay');

  await page.fill('#space-name', 'Orchard');
  await page.getByRole('button', { name: 'Create space' }).click();
  await until(async () => (await metric(other, 'ops_stored')) >= 1, 'the space to reach the second relay');
  await page.screenshot({ path: join(shots, 'relays.png') });

  // After a reload the page dials it again on its own: a new space reaches it
  // (the two relays do not know each other).
  await page.reload();
  await page.locator('.relays li', { hasText: addr }).waitFor();
  await page.fill('#space-name', 'Pear tree');
  await page.getByRole('button', { name: 'Create space' }).click();
  await until(async () => (await metric(other, 'spaces')) >= 2, 'the new space to reach the second relay after a reload');
});
