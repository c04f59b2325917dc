// Browser cold sync (a benchmark, not a test; run by scripts/bench-web.sh):
// a relay holds an N-op space (HEARTH_BENCH_SYNC_OPS, default 100,000) in its
// redb replica; a fresh member's page in headless Chromium joins the space by
// id and syncs it into IndexedDB. Prints ops/s and total seconds from the
// click on Join until the page shows every op, and how busy the page's main
// thread and the relay were. HEARTH_BENCH_VIA=webrtc syncs over WebRTC-direct
// (the relay then has no WebSocket listener). HEARTH_PROFILE=1 also prints the page's hottest
// functions (build with HEARTH_KEEP_NAMES=1 scripts/build-web.sh for names).
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { launch, onboard, startRelay } from './harness.js';

const root = resolve(import.meta.dirname, '../..');
const n = Number(process.env.HEARTH_BENCH_SYNC_OPS ?? 100_000);
const workload = process.env.HEARTH_WORKLOAD_BIN ?? join(root, 'target/debug/examples/workload');
const hearth = process.env.HEARTH_BIN ?? join(root, 'target/debug/hearth');

// The space, imported by a CLI node whose database becomes the relay's replica.
const work = mkdtempSync(join(tmpdir(), 'hearth-cold-sync-'));
const car = join(work, 'space.car');
execFileSync(workload, [String(n), car]);
execFileSync(hearth, ['--dir', join(work, 'cli'), 'op', 'import', car], { stdio: 'ignore' });
const space = execFileSync(hearth, ['--dir', join(work, 'cli'), 'space', 'list'], { encoding: 'utf8' }).split('\t')[0].trim();
const relayDir = join(work, 'relay');
mkdirSync(relayDir);
copyFileSync(join(work, 'cli', 'hearth.redb'), join(relayDir, 'replica.redb'));

const via = process.env.HEARTH_BENCH_VIA ?? 'websocket';
const ports = via === 'webrtc' ? { ws: null, tcp: 0, webrtc: 0 } : { ws: 0, tcp: 0 };
const relay = await startRelay(undefined, relayDir, ports);
const context = await launch(mkdtempSync(join(tmpdir(), 'hearth-profile-')));
try {
  const page = context.pages()[0] ?? (await context.newPage());
  await onboard(page, relay.url);
  await page.fill('#join-space', space);
  const cdp = await context.newCDPSession(page);
  await cdp.send('Performance.enable');
  const busy = async () => {
    const { metrics } = await cdp.send('Performance.getMetrics');
    return metrics.find((m) => m.name === 'TaskDuration').value;
  };
  const relayCpu = () => {
    const pid = execFileSync('pgrep', ['-f', relayDir], { encoding: 'utf8' }).trim().split('\n')[0];
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(stat[11]) + Number(stat[12])) / 100;
  };
  const [busyBefore, relayBefore] = [await busy(), relayCpu()];
  if (process.env.HEARTH_PROFILE) { await cdp.send('Profiler.enable'); await cdp.send('Profiler.start'); }
  const started = Date.now();
  await page.getByRole('button', { name: 'Join' }).click();
  await page.waitForFunction((want) => {
    const meta = document.querySelector('.spaces li .meta')?.textContent ?? '';
    const m = meta.match(/(\d+) ops/);
    return m && Number(m[1]) >= want;
  }, n, { timeout: 600_000, polling: 100 });
  const seconds = (Date.now() - started) / 1000;
  if (process.env.HEARTH_PROFILE) {
    const { profile } = await cdp.send('Profiler.stop');
    const self = new Map();
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const dt = profile.timeDeltas;
    profile.samples.forEach((id, i) => {
      const f = byId.get(id).callFrame;
      const key = `${f.functionName || '(anon)'} ${f.url.split('/').pop()}`;
      self.set(key, (self.get(key) ?? 0) + (dt[i] ?? 0) / 1000);
    });
    for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log(`${v.toFixed(0).padStart(7)} ms ${k}`);
  }
  console.log(`browser cold sync over ${via}: ${n} ops in ${seconds.toFixed(1)} s, ${Math.round(n / seconds)} ops/s`);
  console.log(`page main thread busy ${(await busy() - busyBefore).toFixed(1)} s, relay CPU ${(relayCpu() - relayBefore).toFixed(1)} s`);
  console.log(`browser_cold_sync_${via}_s = ${seconds.toFixed(1)}`);
} finally {
  await context.close();
  relay.stop();
}
