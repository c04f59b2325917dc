// A full device: the member is told, what was saved stays saved, and the
// import finishes once there is room again. The quota is lowered through the
// DevTools protocol (Storage.overrideQuotaForOrigin), as a browser would
// enforce it on a nearly full phone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { launch, onboard, shots, startRelay } from './harness.js';

const CHUNK = 4096;
const N = 20_000;

async function opsShown(page) {
  const meta = await page.locator('.spaces li', { hasText: 'workload' }).locator('.meta').textContent();
  return Number(meta.match(/(\d+) ops/)[1]);
}

test('a full device is reported and loses nothing saved', async (t) => {
  const car = join(mkdtempSync(join(tmpdir(), 'hearth-car-')), 'workload.car');
  const bin = process.env.HEARTH_WORKLOAD_BIN ?? resolve(import.meta.dirname, '../../target/debug/examples/workload');
  execFileSync(bin, [String(N), car]);
  const relay = await startRelay();
  t.after(() => relay.stop());
  const context = await launch(mkdtempSync(join(tmpdir(), 'hearth-profile-')));
  t.after(() => context.close());
  const page = context.pages()[0] ?? (await context.newPage());
  const cdp = await context.newCDPSession(page);
  const origin = new URL(relay.url).origin;
  await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: 1_500_000 });
  await onboard(page, relay.url);

  await page.setInputFiles('#import-file', car);
  const alert = page.getByRole('alert');
  await alert.filter({ hasText: /storage is full|storage full/ }).waitFor({ timeout: 60_000 });
  await page.screenshot({ path: join(shots, 'storage-full.png') });
  const saved = await opsShown(page);
  assert.ok(saved > 0 && saved < N, `saved ${saved}`);
  assert.equal(saved % CHUNK, 0, 'a partial step is visible');

  // Saved means saved: a reload shows the same.
  await page.reload();
  await page.locator('.spaces li', { hasText: 'workload' }).waitFor();
  assert.equal(await opsShown(page), saved);

  // With room again, the same import completes.
  await cdp.send('Storage.overrideQuotaForOrigin', { origin });
  await page.setInputFiles('#import-file', car);
  await page.getByText(/Imported \d+ new ops/).waitFor({ timeout: 120_000 });
  await page.locator('.spaces li .meta', { hasText: `${N} ops` }).waitFor();
});
