// Shared pieces of the browser journeys: a relay serving the built web app on
// a free loopback port, and Debian's Chromium driven by playwright-core.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { chromium } from 'playwright-core';

const root = resolve(import.meta.dirname, '../..');
export const shots = resolve(import.meta.dirname, 'screenshots');
mkdirSync(shots, { recursive: true });

export const builtWebDir = process.env.HEARTH_WEB_DIR ?? resolve(root, 'web/dist');

/** Starts hearth-relay on 127.0.0.1:0 and resolves to { url, stop }. */
export function startRelay(webDir = builtWebDir) {
  const bin = process.env.HEARTH_RELAY_BIN ?? resolve(root, 'target/debug/hearth-relay');
  const child = spawn(bin, ['--listen', '127.0.0.1:0', '--web-dir', webDir], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((ok, fail) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/open (http:\/\/\S+)/);
      if (m) ok({ url: m[1], stop: () => child.kill('SIGTERM') });
    });
    child.on('exit', (code) => fail(new Error(`relay exited with ${code}: ${out}`)));
  });
}

/** Launches headless Chromium with a persistent profile in `profileDir`. */
export async function launch(profileDir) {
  return chromium.launchPersistentContext(profileDir, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
    viewport: { width: 390, height: 844 },
  });
}

/** Creates an identity in a freshly opened app and returns its DID. */
export async function onboard(page, url) {
  await page.goto(url);
  await page.getByRole('button', { name: 'Create my identity' }).click();
  await page.getByRole('heading', { name: 'Your spaces' }).waitFor();
  return page.locator('.who').getAttribute('title');
}

/** Waits until a service worker controls the page and has cached the shell. */
export async function waitForOfflineReady(page) {
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
    while (!navigator.serviceWorker.controller) await new Promise((r) => setTimeout(r, 50));
  });
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** Runs axe-core on the page; returns the serious and critical violations. */
export async function seriousA11yViolations(page) {
  await page.addScriptTag({ content: axeSource });
  const result = await page.evaluate(async () => window.axe.run(document, { resultTypes: ['violations'] }));
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}
