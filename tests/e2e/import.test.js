// Bulk import shows progress, and a tab closed in the middle of it loses
// nothing acknowledged: every step the progress bar counted is stored, and no
// partial step is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { launch, onboard, shots, signatureWorkers, startRelay } from './harness.js';

const CHUNK = 4096;
const N = 20_000;

function workloadCar() {
  const file = join(mkdtempSync(join(tmpdir(), 'hearth-car-')), 'workload.car');
  const bin = process.env.HEARTH_WORKLOAD_BIN ?? resolve(import.meta.dirname, '../../target/debug/examples/workload');
  execFileSync(bin, [String(N), file]);
  return file;
}

async function opsShown(page) {
  const meta = await page.locator('.spaces li', { hasText: 'workload' }).locator('.meta').textContent();
  return Number(meta.match(/(\d+) ops/)[1]);
}

test('bulk import shows progress; closing the tab mid-import loses nothing acknowledged', async (t) => {
  const car = workloadCar();
  const relay = await startRelay();
  t.after(() => relay.stop());
  const context = await launch(mkdtempSync(join(tmpdir(), 'hearth-profile-')));
  t.after(() => context.close());
  const page = context.pages()[0] ?? (await context.newPage());
  await onboard(page, relay.url);

  // The import checks signatures in the tab's signature worker.
  assert.equal((await signatureWorkers(page)).length, 1, `workers: ${page.workers().map((w) => w.url())}`);
  await page.setInputFiles('#import-file', car);
  // Read the count at the moment a durable step is shown, then close the tab.
  const counted = await page.waitForFunction(() => {
    const m = document.querySelector('.progress-text')?.textContent.match(/Imported (\d+) of/);
    return m && Number(m[1]) > 0 ? Number(m[1]) : null;
  });
  const acknowledged = await counted.jsonValue();
  await page.screenshot({ path: join(shots, 'import-progress.png') });
  await page.close();

  const again = await context.newPage();
  await again.goto(relay.url);
  await again.locator('.spaces li', { hasText: 'workload' }).waitFor();
  const stored = await opsShown(again);
  assert.ok(stored >= acknowledged, `${stored} stored < ${acknowledged} acknowledged`);
  assert.ok(stored % CHUNK === 0 || stored === N, `a partial step is visible: ${stored}`);

  // Importing again completes the rest; nothing is doubled.
  await again.setInputFiles('#import-file', car);
  await again.getByText(/Imported \d+ new ops/).waitFor({ timeout: 120_000 });
  await again.locator('.spaces li .meta', { hasText: `${N} ops` }).waitFor();
  assert.equal(await opsShown(again), N);
});
