// The installable, offline app: the service worker keeps the shell and the
// wasm node, so a reload without network opens the app with its data; a new
// deployment is offered as an update the member accepts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtWebDir, launch, onboard, shots, signatureWorkers, startRelay, waitForOfflineReady } from './harness.js';

test('the manifest makes the app installable', async (t) => {
  const relay = await startRelay();
  t.after(() => relay.stop());
  const manifest = await (await fetch(new URL('/manifest.webmanifest', relay.url))).json();
  assert.equal(manifest.display, 'standalone');
  assert.equal(manifest.start_url, '/');
  assert.ok(manifest.name && manifest.theme_color);
  assert.ok(manifest.icons.some((i) => i.purpose === 'maskable'));
  // Every icon is served with its declared type; PNGs at 192 and 512 for
  // platforms that do not take SVG.
  for (const icon of manifest.icons) {
    const res = await fetch(new URL(icon.src, relay.url));
    assert.equal(res.status, 200, icon.src);
    assert.equal(res.headers.get('content-type'), icon.type, icon.src);
  }
  const pngSizes = manifest.icons.filter((i) => i.type === 'image/png').map((i) => i.sizes);
  assert.ok(pngSizes.includes('192x192') && pngSizes.includes('512x512'));
  const health = await (await fetch(new URL('/health', relay.url))).json();
  assert.equal(health.status, 'ok');
});

test('offline, a reload still opens the app with its data', async (t) => {
  const relay = await startRelay();
  t.after(() => relay.stop());
  const context = await launch(mkdtempSync(join(tmpdir(), 'hearth-profile-')));
  t.after(() => context.close());
  const page = context.pages()[0] ?? (await context.newPage());
  await onboard(page, relay.url);
  await page.getByLabel('Name').fill('Tool library');
  await page.getByRole('button', { name: 'Create space' }).click();
  await page.getByRole('heading', { name: 'Tool library' }).waitFor();
  await waitForOfflineReady(page);

  await context.setOffline(true);
  const warnings = [];
  page.on('console', (m) => { if (m.type() === 'warning') warnings.push(m.text()); });
  await page.reload();
  await page.getByRole('button', { name: 'Tool library' }).waitFor();
  await page.screenshot({ path: join(shots, 'offline-home.png') });
  // The signature worker started offline too, from the cached module.
  assert.equal((await signatureWorkers(page)).length, 1, `workers: ${page.workers().map((w) => w.url())}`);
  assert.ok(!warnings.some((w) => w.includes('Signatures are checked on the page')), warnings.join('\n'));
  await context.setOffline(false);
});

test('a new deployment is offered as an update and applied on request', async (t) => {
  const site = mkdtempSync(join(tmpdir(), 'hearth-site-'));
  cpSync(builtWebDir, site, { recursive: true });
  const relay = await startRelay(site);
  t.after(() => relay.stop());
  const context = await launch(mkdtempSync(join(tmpdir(), 'hearth-profile-')));
  t.after(() => context.close());
  const page = context.pages()[0] ?? (await context.newPage());
  await onboard(page, relay.url);
  await waitForOfflineReady(page);

  // Deploy "a new version": a service worker with a different build stamp.
  const sw = readFileSync(join(site, 'sw.js'), 'utf8');
  writeFileSync(join(site, 'sw.js'), sw.replace(/const VERSION = '[^']*'/, "const VERSION = 'next-version'"));
  // The browser may fold an update check into one already running (the
  // first install caching the shell): ask again until the new worker waits.
  const notice = page.getByRole('status').filter({ hasText: 'A new version of Hearth is ready' });
  const seen = [];
  for (let i = 0; i < 12 && !(await notice.isVisible()); i++) {
    seen.push(await page.evaluate(async () => {
      const registration = await navigator.serviceWorker.getRegistration();
      await registration.update();
      const state = (w) => w && `${w.state}`;
      return `installing=${state(registration.installing)} waiting=${state(registration.waiting)} active=${state(registration.active)}`;
    }));
    await notice.waitFor({ timeout: 5_000 }).catch(() => {});
  }
  assert.ok(await notice.isVisible(), `no update offered; the registration after each check: ${seen.join('; ')}`);
  await page.screenshot({ path: join(shots, 'update-offered.png') });
  await Promise.all([page.waitForEvent('load'), notice.getByRole('button', { name: 'Update now' }).click()]);
  await page.getByRole('heading', { name: 'Your spaces' }).waitFor();
  const cached = await page.evaluate(() => caches.keys());
  assert.deepEqual(cached, ['hearth-shell-next-version']);
});
