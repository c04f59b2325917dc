// Hearth's browser-to-browser WebRTC with js-libp2p's (`@libp2p/webrtc`,
// bundled into a test page from tests/interop-js): a js-libp2p page and two
// Hearth pages meet at a Hearth relay. The js page dials a Hearth page over
// `/webrtc`, a Hearth page dials the js page, and gossipsub carries ops both
// ways over those direct connections: with the relay stopped, an op written
// in one Hearth page reaches the other only through the js node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { builtWebDir, freePort, launch, member, post, serveStatic, startRelay } from './harness.js';

const jsPage = resolve(import.meta.dirname, '../interop-js/dist');

const peerId = (m) => m.page.locator('.peers').getAttribute('data-peer-id');
const directTo = (m, peer) => m.page.locator(`.peers li.link-direct[title="${peer}"]`);

// js-libp2p's identify refuses a peer whose message says it observed the
// node at an address that does not start with an IP address or a DNS name;
// Hearth names an incoming WebRTC connection by the relay it came through
// (`<relay>/p2p-circuit/webrtc/p2p/<peer>`) so that identify, and with it
// gossipsub, runs on the connections the js page accepts.
test('js-libp2p and Hearth browsers connect over /webrtc both ways and gossip through each other', async (t) => {
  const relay = await startRelay(builtWebDir, undefined, { ws: await freePort(), tcp: await freePort() });
  t.after(() => relay.stop());
  const relayWs = await relay.peerAddr('/ws');
  const site = await serveStatic(jsPage);
  t.after(() => site.close());

  // Hearth page H makes a space and writes in it.
  const h = await member(relay);
  t.after(() => h.context.close());
  await h.page.fill('#space-name', 'Commons');
  await h.page.getByRole('button', { name: 'Create space' }).click();
  await post(h.page, 'first, from Hearth');
  const space = (await h.page.locator('.space-id').textContent()).trim();
  const topic = `hearth/space/${space}`;
  const hId = await peerId(h);

  // The js-libp2p page reserves on the relay, listens on /webrtc and
  // follows the space's topic.
  const jsContext = await launch(mkdtempSync(join(tmpdir(), 'hearth-js-')));
  t.after(() => jsContext.close());
  const js = jsContext.pages()[0] ?? (await jsContext.newPage());
  const jsErrors = [];
  js.on('pageerror', (e) => jsErrors.push(String(e)));
  await js.goto(site.url);
  await js.waitForFunction(() => typeof window.startNode === 'function');
  const { peerId: jsId } = await js.evaluate((addr) => window.startNode(addr), relayWs);
  await js.evaluate((t) => window.subscribe(t), topic);

  // js-libp2p dials Hearth: a direct connection, which Hearth lists.
  let t0 = Date.now();
  const remote = await js.evaluate((a) => window.dialWebRTC(a), `${relayWs}/p2p-circuit/webrtc/p2p/${hId}`);
  assert.match(remote, /\/p2p-circuit\/webrtc\/p2p\//);
  await directTo(h, jsId).waitFor({ timeout: 20_000 });
  console.log(`js_dials_hearth_direct_ms = ${Date.now() - t0}`);
  const toH = (await js.evaluate(() => window.connections())).filter((c) => c.peer === hId && c.direct);
  assert.equal(toH.length, 1, 'one direct connection from the js page to H');
  assert.equal(toH[0].limited, false);

  // Hearth's gossip reaches the js node, signed by H.
  await post(h.page, 'second, gossiped to js-libp2p');
  const got = await js.waitForFunction(
    ({ topic, h }) => window.received.find((m) => m.topic === topic && m.from === h),
    { topic, h: hId },
    { timeout: 20_000 },
  );
  const op = (await got.jsonValue()).data;

  // Hearth page M joins (by anti-entropy: it hears no gossip from H). The js
  // node publishes the op again, as its own message; M hears it from the
  // js node, reaches it through the relay and then dials it directly.
  const m = await member(relay);
  t.after(() => m.context.close());
  await m.page.fill('#join-space', space);
  await m.page.getByRole('button', { name: 'Join' }).click();
  await m.page.getByRole('button', { name: 'Commons' }).click({ timeout: 30_000 });
  await m.page.locator('.ops li', { hasText: 'second, gossiped to js-libp2p' }).waitFor({ timeout: 20_000 });
  t0 = Date.now();
  const recipients = await js.evaluate(({ topic, op }) => window.publish(topic, op), { topic, op });
  assert.ok(Number(recipients) >= 1, `the js node published to ${recipients}`);
  await directTo(m, jsId).waitFor({ timeout: 30_000 });
  console.log(`hearth_dials_js_direct_ms = ${Date.now() - t0}`);

  // Both Hearth pages told the js node, over their direct connections,
  // which topics they follow: gossipsub's hello, which is lost if it goes
  // out on the circuit (js-libp2p resets gossip streams on circuits).
  const mId = await peerId(m);
  await js.waitForFunction(
    ({ topic, ids }) => ids.every((id) => window.topicPeers(topic).includes(id)),
    { topic, ids: [hId, mId] },
    { timeout: 10_000 },
  );

  // Without the relay, H's next op reaches M through the js node alone.
  relay.stop();
  await relay.stopped;
  assert.equal(await m.page.locator(`.peers li[title="${hId}"]`).count(), 0, 'M has no connection to H');
  t0 = Date.now();
  await post(h.page, 'third, forwarded by js-libp2p');
  try {
    await m.page.locator('.ops li', { hasText: 'third, forwarded by js-libp2p' }).waitFor({ timeout: 20_000 });
  } catch (e) {
    // What the js node saw, to tell which hop dropped it.
    const seen = await js.evaluate((t) => ({
      topicPeers: window.topicPeers(t),
      received: window.received.map((r) => `${r.from} via ${r.propagationSource}`),
      connections: window.connections(),
    }), topic);
    throw new Error(`${e.message}\nH ${hId}, M ${await peerId(m)}: ${JSON.stringify(seen, null, 1)}`);
  }
  console.log(`op_through_js_ms = ${Date.now() - t0}`);
  assert.deepEqual([...h.errors, ...m.errors, ...jsErrors], []);
});
