// A member pairs a second browser as one of their devices: the new browser
// shows a pairing text and a code, the main browser adds it (a wrong code
// adds nothing), the new browser fetches the member's space and writes in
// it as the member; revoked, it can write no more. The main browser then
// replaces its own key and stays the same member.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launch, member, seriousA11yViolations, shots, startRelay } from './harness.js';

test('a second browser paired as a device acts as the member until revoked', async (t) => {
  const relay = await startRelay();
  t.after(() => relay.stop());
  const phone = await member(relay);
  t.after(() => phone.context.close());
  const { page } = phone;
  await page.fill('#space-name', 'Garden');
  await page.getByRole('button', { name: 'Create space' }).click();
  await page.fill('#note-text', 'written on the phone');
  await page.getByRole('button', { name: 'Post' }).click();
  await page.locator('.ops li', { hasText: 'written on the phone' }).waitFor();
  const spaceId = (await page.locator('.space-id').textContent()).trim();

  // The new browser makes its own key and shows how to add it.
  const context = await launch(mkdtempSync(join(tmpdir(), 'hearth-profile-')));
  t.after(() => context.close());
  const laptop = context.pages()[0] ?? (await context.newPage());
  const errors = [];
  laptop.on('pageerror', (e) => errors.push(String(e)));
  await laptop.goto(relay.url);
  await laptop.fill('#pair-member', phone.did);
  await laptop.getByRole('button', { name: 'Pair this browser' }).click();
  await laptop.locator('#pairing-code').waitFor();
  const code = (await laptop.locator('#pairing-code').textContent()).trim();
  assert.match(code, /^\d{3} \d{3}$/);
  const pairing = await laptop.locator('#pairing-text').inputValue();
  assert.match(pairing, /^hearth-pair-1:/);
  await laptop.screenshot({ path: join(shots, 'devices-pairing.png'), fullPage: true });

  // The phone adds it: a wrong code first.
  await page.click('#open-settings');
  await page.fill('#add-device-text', pairing);
  await page.fill('#add-device-name', 'laptop');
  await page.fill('#add-device-code', code === '000 000' ? '111 111' : '000 000');
  await page.getByRole('button', { name: 'Add device' }).click();
  await page.getByRole('alert').filter({ hasText: 'the code does not match' }).waitFor();
  await page.fill('#add-device-code', code);
  await page.getByRole('button', { name: 'Add device' }).click();
  await page.locator('.devices li', { hasText: 'laptop · active' }).waitFor();
  assert.deepEqual(await seriousA11yViolations(page), [], 'the settings page is accessible');

  // The laptop fetches the space and becomes the member.
  await laptop.locator('.network', { hasText: 'in step' }).waitFor({ timeout: 20_000 });
  await laptop.fill('#join-space', spaceId);
  await laptop.getByRole('button', { name: 'Join' }).click();
  await laptop.getByRole('button', { name: 'Garden' }).waitFor({ timeout: 30_000 });
  await laptop.locator('.who').and(laptop.locator(`[title="${phone.did}"]`)).waitFor({ timeout: 30_000 });
  await laptop.locator('#pairing-code').waitFor({ state: 'detached', timeout: 30_000 });
  await laptop.getByRole('button', { name: 'Garden' }).click();
  await laptop.fill('#note-text', 'written on the laptop');
  await laptop.getByRole('button', { name: 'Post' }).click();
  await laptop.locator('.ops li', { hasText: 'written on the laptop' }).waitFor();

  // The phone shows it under the member's own name.
  await page.getByRole('button', { name: 'Back to your spaces' }).click();
  await page.getByRole('button', { name: 'Garden' }).click();
  const fromLaptop = page.locator('.ops li', { hasText: 'written on the laptop' });
  await fromLaptop.waitFor({ timeout: 30_000 });
  const author = await page.locator('.ops li', { hasText: 'written on the phone' }).locator('.author').textContent();
  assert.equal(await fromLaptop.locator('.author').textContent(), author);

  // Revoked, the laptop can no longer write.
  await page.click('#open-settings');
  await page.getByRole('button', { name: 'Revoke laptop' }).click();
  await page.locator('.devices li', { hasText: 'laptop · revoked' }).waitFor();
  await laptop.getByText('revoked a device', { exact: false }).first().waitFor({ timeout: 30_000 });
  await laptop.fill('#note-text', 'after revocation');
  await laptop.getByRole('button', { name: 'Post' }).click();
  await laptop.getByRole('alert').filter({ hasText: 'has been revoked' }).waitFor();
  await laptop.screenshot({ path: join(shots, 'devices-revoked.png'), fullPage: true });

  // The phone backs up, then replaces its key: the same member, who writes
  // on; the backup holds the old key, so home asks for a new one.
  await page.click('#open-settings');
  await page.fill('#backup-passphrase', 'lantern meadow copper tide');
  await page.fill('#backup-confirm', 'lantern meadow copper tide');
  await page.getByRole('button', { name: 'Make backup' }).click();
  await page.locator('#backup-download').waitFor({ timeout: 30_000 });
  await Promise.all([page.waitForEvent('download'), page.click('#backup-download')]);
  await page.getByRole('button', { name: 'Back to your spaces' }).click();
  await page.getByRole('heading', { name: 'Your spaces' }).waitFor();
  assert.equal(await page.getByRole('heading', { name: 'Back up your identity' }).count(), 0);
  await page.click('#open-settings');
  await page.getByRole('button', { name: 'Replace my key' }).click();
  await page.getByRole('heading', { name: 'Your spaces' }).waitFor({ timeout: 30_000 });
  await page.getByRole('heading', { name: 'Back up your identity' }).waitFor();
  assert.equal(await page.locator('.who').getAttribute('title'), phone.did);
  await page.getByRole('button', { name: 'Garden' }).click();
  await page.fill('#note-text', 'with a new key');
  await page.getByRole('button', { name: 'Post' }).click();
  const rotated = page.locator('.ops li', { hasText: 'with a new key' });
  await rotated.waitFor();
  assert.equal(await rotated.locator('.author').textContent(), author);
  for (const errs of [phone.errors, errors]) assert.deepEqual(errs, []);
});
