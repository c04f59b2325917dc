// A member's first visit: open the app, create an identity, create a space,
// post a note, reload, and find everything still there (IndexedDB).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launch, seriousA11yViolations, shots, startRelay } from './harness.js';

test('create identity, space and note; reload keeps them', async (t) => {
  const relay = await startRelay();
  t.after(() => relay.stop());
  const context = await launch(mkdtempSync(join(tmpdir(), 'hearth-profile-')));
  t.after(() => context.close());
  const page = context.pages()[0] ?? (await context.newPage());
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));

  await page.goto(relay.url);
  await page.getByRole('button', { name: 'Create my identity' }).waitFor();
  await page.screenshot({ path: join(shots, 'onboarding.png') });
  assert.deepEqual(await seriousA11yViolations(page), [], 'onboarding is accessible');
  await page.getByRole('button', { name: 'Create my identity' }).click();
  await page.getByRole('heading', { name: 'Your spaces' }).waitFor();
  const who = await page.locator('.who').getAttribute('title');
  assert.match(who, /^did:key:z6Mk/);
  await page.screenshot({ path: join(shots, 'home-empty.png') });
  assert.deepEqual(await seriousA11yViolations(page), [], 'home is accessible');

  await page.getByLabel('Name').fill('Riverside Food Co-op');
  await page.getByRole('button', { name: 'Create space' }).click();
  await page.getByRole('heading', { name: 'Riverside Food Co-op' }).waitFor();
  await page.getByLabel('Post a note').fill('Market stall on Saturday');
  await page.getByRole('button', { name: 'Post' }).click();
  await page.getByText('Market stall on Saturday').waitFor();
  await page.screenshot({ path: join(shots, 'space.png') });
  assert.deepEqual(await seriousA11yViolations(page), [], 'the space page is accessible');
  // Keyboard: the note field is reachable and focus is visible.
  await page.getByLabel('Post a note').focus();
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Post');

  await page.reload();
  await page.getByRole('heading', { name: 'Your spaces' }).waitFor();
  assert.equal(await page.locator('.who').getAttribute('title'), who, 'same identity after reload');
  await page.getByRole('button', { name: 'Riverside Food Co-op' }).click();
  await page.getByText('Market stall on Saturday').waitFor();
  const members = await page.locator('.members li').count();
  assert.equal(members, 1);
  await page.screenshot({ path: join(shots, 'space-after-reload.png') });
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.screenshot({ path: join(shots, 'space-desktop.png') });
  assert.deepEqual(await seriousA11yViolations(page), [], 'accessible on a desktop-sized screen');
  assert.deepEqual(errors, []);
});
