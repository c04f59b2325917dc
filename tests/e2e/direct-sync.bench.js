// Browser-to-browser sync (a benchmark, not a test; run by scripts/bench-web.sh):
// page A imports an N-op space (HEARTH_BENCH_DIRECT_OPS, default 10,000);
// page B, a fresh member, reaches A and joins the space, which only A holds
// (the relay hosts nothing). Done twice: once over a direct WebRTC
// connection, once with direct connections off in both pages, so the ops
// go through the relay's circuit. Prints, for each: the time from B's
// start (it dials A) to the connection, from Join to the first op shown
// and to all of them, ops/s, and the bytes the relay process read and wrote
// during the sync (its TCP sockets' byte counts, from `ss`).

import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { member, startRelay } from './harness.js';

const root = resolve(import.meta.dirname, '../..');
const n = Number(process.env.HEARTH_BENCH_DIRECT_OPS ?? 10_000);
const workload = process.env.HEARTH_WORKLOAD_BIN ?? join(root, 'target/debug/examples/workload');
const car = join(mkdtempSync(join(tmpdir(), 'hearth-direct-sync-')), 'space.car');
execFileSync(workload, [String(n), car]);

// Bytes sent and received on the relay process's TCP sockets.
const relayBytes = (pid) => {
  const out = execFileSync('ss', ['-tinpH'], { encoding: 'utf8' });
  let total = 0;
  let ours = false;
  for (const line of out.split('\n')) {
    if (/^\S/.test(line) || line.includes('users:')) ours = line.includes(`pid=${pid},`);
    if (!ours) continue;
    for (const m of line.matchAll(/bytes_(?:sent|received):(\d+)/g)) total += Number(m[1]);
  }
  return total;
};

async function run(mode) {
  const relay = await startRelay(undefined, undefined, { ws: 0, tcp: 0 }, { hostAll: false });
  const relayWs = await relay.peerAddr('/ws');
  const direct = mode === 'direct';
  const off = direct ? {} : { 'hearth-direct-connections': 'off' };
  const pages = [];
  try {
    const a = await member(relay, off);
    pages.push(a);
    await a.page.setInputFiles('#import-file', car);
    await a.page.getByText(/Imported \d+ new ops/).waitFor({ timeout: 300_000 });
    await a.page.getByRole('button', { name: 'workload' }).click();
    const space = (await a.page.locator('.space-id').textContent()).trim();
    const aId = await a.page.locator('.peers').getAttribute('data-peer-id');

    // B dials A at start, as a saved address: directly or through the relay.
    const target = `${relayWs}/p2p-circuit${direct ? '/webrtc' : ''}/p2p/${aId}`;
    let t0 = Date.now();
    const b = await member(relay, { ...off, 'hearth-relays': target });
    pages.push(b);
    try {
      await b.page.locator(`.peers li.link-${direct ? 'direct' : 'relayed'}[title="${aId}"]`).waitFor({ timeout: 60_000 });
    } catch (e) {
      const status = await b.page.locator('.network').textContent();
      const peers = await b.page.locator('.peers').innerHTML();
      throw new Error(`B never reached A ${mode}: ${status} ${peers}`);
    }
    const connectMs = Date.now() - t0;

    const before = relayBytes(relay.pid);
    await b.page.fill('#join-space', space);
    t0 = Date.now();
    await b.page.getByRole('button', { name: 'Join' }).click();
    await b.page.waitForFunction(() => /\d+ ops/.test(document.querySelector('.spaces li .meta')?.textContent ?? ''), null, { timeout: 120_000, polling: 20 });
    const firstMs = Date.now() - t0;
    await b.page.waitForFunction((want) => {
      const m = (document.querySelector('.spaces li .meta')?.textContent ?? '').match(/(\d+) ops/);
      return m && Number(m[1]) >= want;
    }, n, { timeout: 600_000, polling: 100 });
    const seconds = (Date.now() - t0) / 1000;
    const bytes = relayBytes(relay.pid) - before;
    console.log(`${mode}: connected in ${connectMs} ms; first op ${firstMs} ms after Join; ${n} ops in ${seconds.toFixed(1)} s (${Math.round(n / seconds)} ops/s); relay read+wrote ${bytes} bytes during the sync`);
    return { seconds, bytes, connectMs, firstMs };
  } finally {
    for (const p of pages) await p.context.close();
    relay.stop();
    await relay.stopped;
  }
}

const direct = await run('direct');
const relayed = await run('relayed');
console.log(`direct_sync_ops_per_s = ${Math.round(n / direct.seconds)}`);
console.log(`relayed_sync_ops_per_s = ${Math.round(n / relayed.seconds)}`);
console.log(`direct_vs_relayed_throughput_ratio = ${(relayed.seconds / direct.seconds).toFixed(2)}`);
console.log(`relay_bytes_direct_sync = ${direct.bytes}`);
console.log(`relay_bytes_relayed_sync = ${relayed.bytes}`);
console.log(`first_op_ms_direct = ${direct.firstMs}, first_op_ms_relayed = ${relayed.firstMs}`);
