// A member names two guardians; from a new browser, after fetching the
// chapter, they ask to be recovered; both guardians see what they approve
// and approve; the new browser submits the recovery, which waits; the
// member, who still has their key after all, cancels it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { member, seriousA11yViolations, shots, startRelay } from './harness.js';

test('guardians approve a recovery that the current key can cancel', async (t) => {
  const relay = await startRelay();
  t.after(() => relay.stop());
  const ann = await member(relay);
  t.after(() => ann.context.close());
  await ann.page.getByRole('button', { name: 'Found a chapter' }).click();
  await ann.page.getByLabel('Start from').selectOption('small-coop');
  await ann.page.getByLabel('Name', { exact: true }).fill('Hillside');
  await ann.page.getByRole('button', { name: 'Found the chapter' }).click();
  await ann.page.getByRole('heading', { name: 'Hillside' }).waitFor();
  const spaceId = (await ann.page.locator('.space-id').textContent()).trim();
  await ann.page.getByLabel('How many people may use it').fill('2');
  await ann.page.getByRole('button', { name: 'Create invite' }).click();
  const link = await ann.page.locator('#invite-link').inputValue();

  const guardians = [];
  for (let i = 0; i < 2; i++) {
    const g = await member(relay);
    t.after(() => g.context.close());
    await g.page.goto(link);
    await g.page.getByRole('button', { name: 'Join the chapter' }).click();
    await g.page.getByRole('heading', { name: 'Hillside' }).waitFor({ timeout: 30_000 });
    guardians.push(g);
  }
  await ann.page.locator('.members li').nth(2).waitFor({ timeout: 30_000 });

  // Ann names both, two needed, an hour's wait.
  await ann.page.click('#open-settings');
  const boxes = ann.page.locator('fieldset input[type=checkbox]');
  await boxes.nth(1).waitFor();
  assert.equal(await boxes.count(), 2);
  for (let i = 0; i < 2; i++) await boxes.nth(i).check();
  await ann.page.fill('#guardian-threshold', '2');
  await ann.page.fill('#guardian-wait', '1');
  await ann.page.getByRole('button', { name: 'Save guardians' }).click();
  await ann.page.locator('.guardian-standing li', { hasText: '2 of 2 needed' }).waitFor();
  assert.deepEqual(await seriousA11yViolations(ann.page), [], 'the guardians card is accessible');

  // A new browser, with a key of its own, fetches the chapter and asks.
  const fresh = await member(relay);
  t.after(() => fresh.context.close());
  await fresh.page.fill('#join-space', spaceId);
  await fresh.page.getByRole('button', { name: 'Join' }).click();
  await fresh.page.getByRole('button', { name: 'Hillside' }).waitFor({ timeout: 30_000 });
  await fresh.page.getByRole('button', { name: 'Hillside' }).click();
  await fresh.page.locator('.ops li', { hasText: 'named guardians' }).waitFor({ timeout: 30_000 });
  await fresh.page.click('#open-settings');
  await fresh.page.fill('#recover-member', ann.did);
  await fresh.page.getByRole('button', { name: 'Ask my guardians' }).click();
  const request = await fresh.page.locator('#recover-request-text').inputValue();
  assert.match(request, /^hearth-key-event-1:/);

  // Each guardian sees what they approve, and approves.
  const approvals = [];
  for (const g of guardians) {
    await g.page.locator('.ops li', { hasText: 'named guardians' }).waitFor({ timeout: 30_000 });
    await g.page.click('#open-settings');
    await g.page.fill('#recovery-request', request);
    await g.page.locator('.recovery-summary', { hasText: 'asks to be recovered' }).waitFor();
    await g.page.getByRole('button', { name: 'Approve' }).click();
    approvals.push(await g.page.locator('#recovery-approval').inputValue());
  }
  await guardians[0].page.screenshot({ path: join(shots, 'guardians-approve.png'), fullPage: true });
  // Ann herself is no guardian of her own.
  await ann.page.fill('#recovery-request', request);
  await ann.page.getByRole('button', { name: 'Approve' }).click();
  await ann.page.getByRole('alert').filter({ hasText: 'not one of' }).waitFor();

  // Submitted, it waits an hour.
  await fresh.page.fill('#recover-approvals', approvals.join('\n'));
  await fresh.page.getByRole('button', { name: 'Submit recovery' }).click();
  await fresh.page.locator('.recover-status', { hasText: 'this browser acts as you 1 h after' }).waitFor({ timeout: 30_000 });

  // Ann still has her key: she sees the recovery waiting and cancels it.
  await ann.page.getByRole('button', { name: 'Back to your spaces' }).click();
  await ann.page.click('#open-settings');
  await ann.page.locator('.guardian-standing li', { hasText: 'A recovery is waiting' }).waitFor({ timeout: 30_000 });
  await ann.page.getByRole('button', { name: 'Cancel the recovery' }).click();
  await ann.page.locator('.guardian-standing li', { hasText: 'A recovery is waiting' }).waitFor({ state: 'detached' });
  await ann.page.screenshot({ path: join(shots, 'guardians-cancelled.png'), fullPage: true });
  for (const m of [ann, fresh, ...guardians]) assert.deepEqual(m.errors, []);
});
