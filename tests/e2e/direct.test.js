// Two members' browsers meet through a relay and then talk directly,
// browser to browser over WebRTC (libp2p's `/webrtc`): the relayed circuit
// is closed, the relay is stopped and they keep exchanging ops; a third
// member then joins through the relay restarted on the same address and
// gets everything, including what was written while it was down. When ICE
// fails the circuit stays and carries the sync.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { builtWebDir, freePort, member, post, shots, startRelay } from './harness.js';

async function join_(m, space, name) {
  await m.page.fill('#join-space', space);
  await m.page.getByRole('button', { name: 'Join' }).click();
  await m.page.getByRole('button', { name }).click({ timeout: 30_000 });
}

/** A relay that hosts nothing, and Alice on it with a space "Allotment" in
 * which she wrote `text`: whoever gets it gets it from her. */
async function onlyAlice(t, text) {
  const relay = await startRelay(builtWebDir, undefined, { ws: 0, tcp: 0 }, { hostAll: false });
  t.after(() => relay.stop());
  const relayWs = await relay.peerAddr('/ws');
  const alice = await member(relay);
  t.after(() => alice.context.close());
  const aliceId = await alice.page.locator('.peers').getAttribute('data-peer-id');
  await alice.page.fill('#space-name', 'Allotment');
  await alice.page.getByRole('button', { name: 'Create space' }).click();
  await post(alice.page, text);
  const space = (await alice.page.locator('.space-id').textContent()).trim();
  return { relay, relayWs, alice, aliceId, space };
}

test('browsers connect directly and keep syncing while the relay is stopped', async (t) => {
  const ports = { ws: await freePort(), tcp: await freePort() };
  let relay = await startRelay(builtWebDir, undefined, ports);
  t.after(() => relay.stop());
  const alice = await member(relay);
  t.after(() => alice.context.close());
  const bob = await member(relay);
  t.after(() => bob.context.close());

  await alice.page.fill('#space-name', 'Orchard');
  await alice.page.getByRole('button', { name: 'Create space' }).click();
  await post(alice.page, 'first, through the relay');
  const space = (await alice.page.locator('.space-id').textContent()).trim();
  await join_(bob, space, 'Orchard');
  await bob.page.locator('.ops li', { hasText: 'first, through the relay' }).waitFor({ timeout: 20_000 });
  const started = Date.now();
  await post(bob.page, 'second, through the relay');

  // Alice heard Bob's gossip, reached him through the relay's circuit, and
  // from there directly: each lists the other as direct, and neither keeps
  // the circuit.
  for (const m of [alice, bob]) {
    await m.page.locator('.peers li.link-direct').waitFor({ timeout: 30_000 });
    await m.page.locator('.network', { hasText: '1 member reached directly' }).waitFor({ timeout: 10_000 });
  }
  console.log(`circuit_to_direct_ms = ${Date.now() - started}`);
  for (const m of [alice, bob]) {
    assert.equal(await m.page.locator('.peers li.link-relayed').count(), 0);
  }
  await alice.page.screenshot({ path: join(shots, 'direct-alice.png') });

  // The relay goes away; the two carry on between themselves.
  relay.stop();
  await relay.stopped;
  await alice.page.locator('.network', { hasText: 'connecting to the relay' }).waitFor({ timeout: 20_000 });
  assert.equal(await alice.page.locator('.peers li.link-direct').count(), 1);
  let t0 = Date.now();
  await post(alice.page, 'while the relay is down');
  await bob.page.locator('.ops li', { hasText: 'while the relay is down' }).waitFor({ timeout: 20_000 });
  console.log(`direct_op_ms = ${Date.now() - t0}`);
  t0 = Date.now();
  await post(bob.page, 'and back, directly');
  await alice.page.locator('.ops li', { hasText: 'and back, directly' }).waitFor({ timeout: 20_000 });
  console.log(`direct_op_back_ms = ${Date.now() - t0}`);

  // The relay comes back where it was; a third member joins through it.
  relay = await startRelay(builtWebDir, relay.dataDir, ports);
  const carol = await member(relay);
  t.after(() => carol.context.close());
  await join_(carol, space, 'Orchard');
  for (const text of ['first, through the relay', 'while the relay is down', 'and back, directly']) {
    await carol.page.locator('.ops li', { hasText: text }).waitFor({ timeout: 30_000 });
  }
  assert.deepEqual([...alice.errors, ...bob.errors, ...carol.errors], []);
});

test('a page that starts with a member\'s /webrtc address reaches it directly and syncs a space only that member holds; with direct connections off it goes through the relay', async (t) => {
  // The relay hosts nothing: what Bob and Carol get, they get from Alice.
  const { relay, relayWs, alice, aliceId, space } = await onlyAlice(t, 'only Alice holds this');

  // Dialled cold, at start: the circuit to signal over is dialled for it.
  const bob = await member(relay, { 'hearth-relays': `${relayWs}/p2p-circuit/webrtc/p2p/${aliceId}` });
  t.after(() => bob.context.close());
  await bob.page.locator(`.peers li.link-direct[title="${aliceId}"]`).waitFor({ timeout: 30_000 });
  await join_(bob, space, 'Allotment');
  await bob.page.locator('.ops li', { hasText: 'only Alice holds this' }).waitFor({ timeout: 30_000 });

  // A member who turned direct connections off is reached through the relay.
  const carol = await member(relay, {
    'hearth-direct-connections': 'off',
    'hearth-relays': `${relayWs}/p2p-circuit/p2p/${aliceId}`,
  });
  t.after(() => carol.context.close());
  await carol.page.locator(`.peers li.link-relayed[title="${aliceId}"]`).waitFor({ timeout: 30_000 });
  await join_(carol, space, 'Allotment');
  await carol.page.locator('.ops li', { hasText: 'only Alice holds this' }).waitFor({ timeout: 30_000 });
  assert.equal(await carol.page.locator('.peers li.link-direct').count(), 0, 'Carol has no direct connection');
  assert.deepEqual([...alice.errors, ...bob.errors, ...carol.errors], []);
});

test('when ICE fails the members stay connected through the relay, and the page says why', async (t) => {
  const { relay, relayWs, alice, aliceId, space } = await onlyAlice(t, 'reached through the relay');

  // Bob's browser may use TURN servers only, and knows none (as behind a
  // NAT that lets no peer through): ICE to Alice fails, and the page says
  // why. The circuit the offer went over stays, and carries the sync.
  const turnOnly = () => {
    const Native = window.RTCPeerConnection;
    window.peerConnections = [];
    function TurnOnly(config = {}) {
      const pc = new Native({ ...config, iceTransportPolicy: 'relay' });
      window.peerConnections.push(pc);
      return pc;
    }
    TurnOnly.prototype = Native.prototype;
    window.RTCPeerConnection = TurnOnly;
  };
  const t0 = Date.now();
  const bob = await member(relay, { 'hearth-relays': `${relayWs}/p2p-circuit/webrtc/p2p/${aliceId}` }, turnOnly);
  t.after(() => bob.context.close());
  await bob.page.locator('.network', { hasText: 'no direct connection' }).waitFor({ timeout: 40_000 });
  console.log(`ice_failure_reported_ms = ${Date.now() - t0}`);
  assert.match(await bob.page.locator('.network').textContent(), /no direct connection: .*no ICE candidates/);
  await bob.page.locator(`.peers li.link-relayed[title="${aliceId}"]`).waitFor({ timeout: 10_000 });
  await join_(bob, space, 'Allotment');
  await bob.page.locator('.ops li', { hasText: 'reached through the relay' }).waitFor({ timeout: 30_000 });
  await post(bob.page, 'and back through the relay');
  await alice.page.locator('.ops li', { hasText: 'and back through the relay' }).waitFor({ timeout: 30_000 });
  assert.equal(await bob.page.locator('.peers li.link-direct').count(), 0, 'Bob has no direct connection');
  // The failed attempts left nothing open: every peer connection Bob made
  // is closed, and with it its data channels.
  const states = await bob.page.evaluate(() => window.peerConnections.map((pc) => pc.signalingState));
  assert.ok(states.length >= 1, 'Bob tried');
  assert.deepEqual(states.filter((s) => s !== 'closed'), []);
  assert.deepEqual([...alice.errors, ...bob.errors], []);
});
