// Two tabs of the same app at once: both write to the same space, and
// nothing is lost or duplicated; each tab sees the other's writes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launch, onboard, shots, startRelay } from './harness.js';

async function post(page, text) {
  await page.getByLabel('Post a note').fill(text);
  await page.getByRole('button', { name: 'Post' }).click();
  await page.locator('.ops .what', { hasText: text }).waitFor();
}

test('two tabs write at once; nothing lost or duplicated', async (t) => {
  const relay = await startRelay();
  t.after(() => relay.stop());
  const context = await launch(mkdtempSync(join(tmpdir(), 'hearth-profile-')));
  t.after(() => context.close());
  const a = context.pages()[0] ?? (await context.newPage());
  await onboard(a, relay.url);
  await a.getByLabel('Name').fill('Shared pantry');
  await a.getByRole('button', { name: 'Create space' }).click();
  await a.getByRole('heading', { name: 'Shared pantry' }).waitFor();

  const b = await context.newPage();
  await b.goto(relay.url);
  await b.getByRole('button', { name: 'Shared pantry' }).click();
  await b.getByRole('heading', { name: 'Shared pantry' }).waitFor();

  const n = 6;
  await Promise.all([
    (async () => { for (let i = 0; i < n; i++) await post(a, `from tab A #${i}`); })(),
    (async () => { for (let i = 0; i < n; i++) await post(b, `from tab B #${i}`); })(),
  ]);

  for (const page of [a, b]) {
    await page.reload();
    await page.getByRole('button', { name: 'Shared pantry' }).click();
    await page.locator('.ops .what', { hasText: `from tab B #${n - 1}` }).waitFor();
    const notes = await page.locator('.ops .what').allTextContents();
    const mine = notes.filter((x) => x.startsWith('from tab'));
    assert.equal(mine.length, 2 * n, `every note once: ${mine}`);
    assert.equal(new Set(mine).size, 2 * n);
  }
  await a.screenshot({ path: join(shots, 'two-tabs.png') });
});
