// Two browser members of a chapter propose to admit a third, both consent,
// close and count; the third's browser then finds itself a member and posts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { member, seriousA11yViolations, shots, startRelay } from './harness.js';

test('two members propose, vote on and pass a proposal that admits a third', async (t) => {
  const relay = await startRelay();
  t.after(() => relay.stop());
  const [alice, bob, carol] = [await member(relay), await member(relay), await member(relay)];
  for (const m of [alice, bob, carol]) t.after(() => m.context.close());

  // Alice founds a consent-based chapter where voting opens at once.
  await alice.page.getByRole('button', { name: 'Found a chapter' }).click();
  await alice.page.getByLabel('Name', { exact: true }).fill('Tool Library');
  await alice.page.getByLabel('Days of discussion before voting opens').fill('0');
  await alice.page.getByLabel('Days voting stays open').fill('1');
  await alice.page.getByRole('button', { name: 'Found the chapter' }).click();
  await alice.page.getByRole('heading', { name: 'Tool Library' }).waitFor();
  await alice.page.getByRole('button', { name: 'Create invite' }).click();
  const link = await alice.page.locator('#invite-link').inputValue();

  // Bob joins with the invite.
  await bob.page.goto(link);
  await bob.page.getByRole('button', { name: 'Join the chapter' }).click();
  await bob.page.getByRole('heading', { name: 'Tool Library' }).waitFor({ timeout: 30_000 });
  await alice.page.locator('.members li').nth(1).waitFor({ timeout: 20_000 });

  // Bob proposes to admit Carol.
  await bob.page.getByLabel('Title').fill('Admit Carol');
  await bob.page.getByLabel('What and why').fill('Carol repairs bikes for the whole street.');
  await bob.page.getByLabel('If it passes').selectOption('admit');
  await bob.page.getByLabel('Their did:key').fill(carol.did);
  await bob.page.getByRole('button', { name: 'Propose' }).click();
  await bob.page.getByRole('heading', { name: 'Admit Carol' }).waitFor();
  await bob.page.getByRole('button', { name: 'Consent' }).click();
  await bob.page.locator('.ballots li').first().waitFor();

  // Alice is told her vote is needed, opens the proposal and consents.
  await alice.page.locator('.notice', { hasText: '1 proposal needs your vote' }).waitFor({ timeout: 20_000 });
  await alice.page.getByRole('button', { name: 'Admit Carol' }).click();
  await alice.page.locator('svg.tally').waitFor();
  await alice.page.screenshot({ path: join(shots, 'proposal.png'), fullPage: true });
  assert.deepEqual(await seriousA11yViolations(alice.page), [], 'the proposal page is accessible');
  await alice.page.getByRole('button', { name: 'Consent' }).click();
  await alice.page.locator('.ballots li').nth(1).waitFor();

  // Everyone eligible voted: Alice closes and counts.
  await alice.page.getByRole('button', { name: 'Close and count' }).click();
  await alice.page.locator('.outcome', { hasText: 'accepted' }).waitFor({ timeout: 20_000 });
  await alice.page.screenshot({ path: join(shots, 'proposal-passed.png'), fullPage: true });

  // Carol fetches the chapter by its id and finds herself a member.
  await alice.page.getByRole('button', { name: '← The chapter' }).click();
  const space = (await alice.page.locator('.space-id').textContent()).trim();
  await carol.page.fill('#join-space', space);
  await carol.page.getByRole('button', { name: 'Join' }).click();
  await carol.page.getByRole('button', { name: 'Tool Library' }).click({ timeout: 30_000 });
  const short = carol.did.slice('did:key:'.length, 'did:key:'.length + 8);
  await carol.page.locator('.members li', { hasText: short }).waitFor({ timeout: 30_000 });
  await carol.page.getByLabel('Post a note').fill('Thanks, bring me your bikes!');
  await carol.page.getByRole('button', { name: 'Post' }).click();
  await alice.page.locator('.ops li', { hasText: 'bring me your bikes' }).waitFor({ timeout: 30_000 });
  for (const m of [alice, bob, carol]) assert.deepEqual(m.errors, []);
});
