// Mutual credit in two browsers: Alice founds a chapter and defines hours,
// Bob joins by her invite; Alice pays Bob from the directory, Bob pays some
// back by a photo of Alice's payment code and asks her for more, which she
// pays; both see the same balances, a chart of their balance over time, and
// the trust picture.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { member, seriousA11yViolations, shots, startRelay } from './harness.js';

const balance = (m, text) => m.page.locator('.balance', { hasText: text }).waitFor({ timeout: 30_000 });

test('one member pays another and both see the new balances and the chart', async (t) => {
  const relay = await startRelay();
  t.after(() => relay.stop());
  const [alice, bob] = [await member(relay), await member(relay)];
  for (const m of [alice, bob]) t.after(() => m.context.close());

  await alice.page.getByRole('button', { name: 'Found a chapter' }).click();
  await alice.page.getByLabel('Name', { exact: true }).fill('Time Bank');
  await alice.page.getByRole('button', { name: 'Found the chapter' }).click();
  await alice.page.getByRole('heading', { name: 'Time Bank' }).waitFor();
  await alice.page.getByLabel('How far below zero members may go').fill('20');
  await alice.page.getByRole('button', { name: 'Define the currency' }).click();
  await balance(alice, 'Hours: 0.00 h');
  await alice.page.getByRole('button', { name: 'Create invite' }).click();
  const link = await alice.page.locator('#invite-link').inputValue();

  await bob.page.goto(link);
  await bob.page.getByRole('button', { name: 'Join the chapter' }).click();
  await bob.page.getByRole('heading', { name: 'Time Bank' }).waitFor({ timeout: 30_000 });
  await alice.page.locator('.members li').nth(1).waitFor({ timeout: 20_000 });

  // Alice pays Bob 5 h, picking him from the directory.
  const bobShort = bob.did.slice('did:key:'.length, 'did:key:'.length + 8);
  const bobOption = alice.page.locator('#pay-to option', { hasText: bobShort });
  await alice.page.getByLabel('Whom', { exact: true }).selectOption(await bobOption.getAttribute('value'));
  await alice.page.getByLabel('Amount', { exact: true }).fill('5');
  await alice.page.getByLabel('What for').fill('fixing the fence');
  await alice.page.getByRole('button', { name: 'Pay', exact: true }).click();
  await balance(alice, 'Hours: -5.00 h');
  await balance(bob, 'Hours: 5.00 h');
  await bob.page.locator('.history li', { hasText: 'fixing the fence' }).waitFor();

  // Bob pays 2 h back by a photo of Alice's payment code.
  await alice.page.locator('.pay-code summary').click();
  const code = join(shots, 'money-payment-code.png');
  await alice.page.locator('.pay-code .qr svg').screenshot({ path: code });
  await bob.page.setInputFiles('#pay-scan', code);
  await bob.page.waitForFunction(
    (did) => document.querySelector('#pay-to').value === did, alice.did, { timeout: 10_000 });
  await bob.page.getByLabel('Amount', { exact: true }).fill('2');
  await bob.page.getByLabel('What for').fill('soup');
  await bob.page.getByRole('button', { name: 'Pay', exact: true }).click();
  await balance(bob, 'Hours: 3.00 h');
  await balance(alice, 'Hours: -3.00 h');
  await alice.page.locator('.balance', { hasText: 'Hours: -3.00 h' }).waitFor();

  // Both charts show the path of their balance: 0, -5, -3 and 5, 3.
  for (const [m, points] of [[alice, 3], [bob, 3]]) {
    const shown = await m.page.locator('.balance-chart polyline').getAttribute('points');
    assert.equal(shown.trim().split(' ').length, points, shown);
  }
  await alice.page.locator('.history li', { hasText: 'soup' }).waitFor();
  assert.match(await alice.page.locator('.balances .meta').first().textContent(), /you can pay up to 17\.00 h/);

  // Bob asks Alice for 1 h; she pays the request from her list.
  const aliceShort = alice.did.slice('did:key:'.length, 'did:key:'.length + 8);
  const aliceOption = bob.page.locator('#ask-from option', { hasText: aliceShort });
  await bob.page.getByLabel('Whom to ask').selectOption(await aliceOption.getAttribute('value'));
  await bob.page.getByLabel('Amount asked').fill('1');
  await bob.page.getByLabel('For what').fill('bread');
  await bob.page.getByRole('button', { name: 'Send the request' }).click();
  await bob.page.locator('.requests li', { hasText: 'bread' }).waitFor();
  const asked = alice.page.locator('.requests li', { hasText: 'asks you for 1.00 h: bread' });
  await asked.waitFor({ timeout: 30_000 });
  await asked.getByRole('button', { name: 'Pay it' }).click();
  await balance(alice, 'Hours: -4.00 h');
  await balance(bob, 'Hours: 4.00 h');
  await bob.page.locator('.requests li', { hasText: 'paid' }).waitFor({ timeout: 30_000 });

  // Alice trusts Bob; the picture shows the edge in both browsers.
  const bobTrust = alice.page.locator('#trust-whom option', { hasText: bobShort });
  await alice.page.getByLabel('Whom you trust').selectOption(await bobTrust.getAttribute('value'));
  await alice.page.getByLabel('How well you know them').selectOption('close');
  await alice.page.getByRole('button', { name: 'Trust', exact: true }).click();
  // Drawn by its class, in both browsers.
  await bob.page.locator('.trust-graph .trust-edge.trust-close').waitFor({ state: 'attached', timeout: 30_000 });
  await alice.page.screenshot({ path: join(shots, 'money.png'), fullPage: true });
  assert.deepEqual(await seriousA11yViolations(alice.page), [], 'the money card is accessible');
  for (const m of [alice, bob]) assert.deepEqual(m.errors, []);
});
