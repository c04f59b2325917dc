// Shared pieces of the browser journeys: a relay serving the built web app on
// a free loopback port, and Debian's Chromium driven by playwright-core.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { createServer as createHttpServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { extname, join, normalize, resolve } from 'node:path';
import { chromium } from 'playwright-core';

const root = resolve(import.meta.dirname, '../..');
export const shots = resolve(import.meta.dirname, 'screenshots');
mkdirSync(shots, { recursive: true });

export const builtWebDir = process.env.HEARTH_WEB_DIR ?? resolve(root, 'web/dist');

/** A loopback TCP port nobody listens on right now. */
export function freePort() {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.on('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => ok(port));
    });
  });
}

/**
 * Starts hearth-relay on loopback ports (free ones, or the `ports` given, to
 * restart a relay where members expect it: `{ ws, tcp, webrtc }`), hosting every space members
 * bring (unless `hostAll` is false: then none), and resolves to
 * { url, stop, stopped, peerAddr(match), dataDir, pid }:
 * `peerAddr` waits for a peer-to-peer address whose text includes `match`
 * (e.g. '/tcp/' or '/ws/'); `stopped` settles when the process has exited.
 */
export function startRelay(
  webDir = builtWebDir,
  dataDir = mkdtempSync(join(tmpdir(), 'hearth-relay-')),
  ports = { ws: 0, tcp: 0 },
  { hostAll = true } = {},
) {
  const bin = process.env.HEARTH_RELAY_BIN ?? resolve(root, 'target/debug/hearth-relay');
  // `ws: null` leaves WebSocket out; a `webrtc` port (UDP) adds WebRTC-direct.
  const listen = [`/ip4/127.0.0.1/tcp/${ports.tcp}`];
  if (ports.ws !== null) listen.push(`/ip4/127.0.0.1/tcp/${ports.ws ?? 0}/ws`);
  if (ports.webrtc !== undefined) listen.push(`/ip4/127.0.0.1/udp/${ports.webrtc}/webrtc-direct`);
  const child = spawn(bin, [
    '--listen', '127.0.0.1:0', '--web-dir', webDir, '--data-dir', dataDir,
    ...(hostAll ? ['--host-all'] : []),
    ...listen.flatMap((a) => ['--p2p-listen', a]),
  ], { stdio: ['ignore', 'pipe', 'inherit'] });
  const stopped = new Promise((ok) => child.on('exit', ok));
  let out = '';
  const waiters = [];
  const peers = () => [...out.matchAll(/Hearth relay peer: (\S+)/g)].map((m) => m[1]);
  const peerAddr = (match) => new Promise((ok) => {
    const found = peers().find((a) => a.includes(match) && !a.includes('/ws/') === !match.includes('/ws'));
    if (found) ok(found); else waiters.push({ match, ok });
  });
  return new Promise((ok, fail) => {
    child.stdout.on('data', (d) => {
      out += d;
      for (const w of [...waiters]) {
        const found = peers().find((a) => a.includes(w.match) && !a.includes('/ws/') === !w.match.includes('/ws'));
        if (found) { waiters.splice(waiters.indexOf(w), 1); w.ok(found); }
      }
      const m = out.match(/open (http:\/\/\S+)/);
      if (m) ok({ url: m[1], stop: () => child.kill('SIGTERM'), stopped, peerAddr, dataDir, pid: child.pid });
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
      // WebRTC-direct to a relay on 127.0.0.1.
      '--allow-loopback-in-peer-connection',
      // Browser-to-browser WebRTC on one machine: plain host candidates,
      // not mDNS names that need multicast to resolve.
      '--disable-features=WebRtcHideLocalIpsWithMdns',
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

/**
 * A member in a fresh browser profile: onboarded at the relay's page and in
 * step with it, with `settings` in the page's local storage from the start
 * (and `init`, if given, run in the page before the app). Collects page
 * errors in `errors`.
 */
export async function member(relay, settings = {}, init = undefined) {
  const context = await launch(mkdtempSync(join(tmpdir(), 'hearth-profile-')));
  await context.addInitScript((s) => {
    for (const [k, v] of Object.entries(s)) localStorage.setItem(k, v);
  }, settings);
  if (init) await context.addInitScript(init);
  const page = context.pages()[0] ?? (await context.newPage());
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  const did = await onboard(page, relay.url);
  await page.locator('.network', { hasText: 'in step' }).waitFor({ timeout: 20_000 });
  return { context, page, did, errors };
}

/** Posts a note in the open space and waits until the page shows it. */
export async function post(page, text) {
  await page.fill('#note-text', text);
  await page.getByRole('button', { name: 'Post' }).click();
  await page.locator('.ops li', { hasText: text }).waitFor();
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

/** The page's dedicated workers once its signature worker is up (waits up to 10 s). */
export async function signatureWorkers(page) {
  for (let i = 0; i < 100 && page.workers().length === 0; i++) {
    await new Promise((r) => setTimeout(r, 100));
  }
  return page.workers();
}

/** Serves the files in `dir` on a free loopback port; resolves to { url, close }. */
export function serveStatic(dir) {
  const types = { '.html': 'text/html', '.js': 'text/javascript' };
  const server = createHttpServer(async (req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    const file = normalize(join(dir, path === '/' ? 'index.html' : path));
    if (!file.startsWith(dir)) return res.writeHead(403).end();
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok({
    url: `http://127.0.0.1:${server.address().port}/`,
    close: () => server.close(),
  })));
}
