// A chapter is founded in one browser from a charter template; a second
// browser profile is admitted by opening the invite link, a third by a photo
// of the invite's QR code; every member's directory shows all three, and the
// charter page shows the constitution and its history.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { member, seriousA11yViolations, shots, startRelay } from './harness.js';

test('found a chapter, admit members by invite link and by QR code, read the charter', async (t) => {
  const relay = await startRelay();
  t.after(() => relay.stop());
  const alice = await member(relay);
  t.after(() => alice.context.close());

  // Alice founds a chapter from the small cooperative template.
  await alice.page.getByRole('button', { name: 'Found a chapter' }).click();
  await alice.page.getByLabel('Start from').selectOption('small-coop');
  await alice.page.getByLabel('Name', { exact: true }).fill('Riverside Food Co-op');
  await alice.page.getByLabel('Purpose').fill('Feed the neighbourhood');
  await alice.page.screenshot({ path: join(shots, 'chapter-editor.png'), fullPage: true });
  assert.deepEqual(await seriousA11yViolations(alice.page), [], 'the charter editor is accessible');
  await alice.page.getByRole('button', { name: 'Found the chapter' }).click();
  await alice.page.getByRole('heading', { name: 'Riverside Food Co-op' }).waitFor();
  await alice.page.locator('.charter-line', { hasText: 'Charter v1.0.0 · admission: by invite' }).waitFor();

  // An invite for two people: a link and a QR code.
  await alice.page.getByLabel('How many people may use it').fill('2');
  await alice.page.getByRole('button', { name: 'Create invite' }).click();
  const link = await alice.page.locator('#invite-link').inputValue();
  assert.match(link, /#join=b[a-z2-7]+\.b[a-z2-7]+\.[0-9a-f]{64}$/);
  const qr = alice.page.locator('.qr svg');
  await qr.waitFor();
  const qrShot = join(shots, 'chapter-invite-qr.png');
  await qr.screenshot({ path: qrShot });
  await alice.page.screenshot({ path: join(shots, 'chapter-invite.png'), fullPage: true });
  assert.deepEqual(await seriousA11yViolations(alice.page), [], 'the chapter page is accessible');

  // Bob opens the link in his browser and joins.
  const bob = await member(relay);
  t.after(() => bob.context.close());
  await bob.page.goto(link);
  await bob.page.getByRole('button', { name: 'Join the chapter' }).click();
  await bob.page.getByRole('heading', { name: 'Riverside Food Co-op' }).waitFor({ timeout: 30_000 });
  await bob.page.locator('.members li').nth(1).waitFor({ timeout: 20_000 });
  assert.doesNotMatch(await bob.page.url(), /#join=/, 'the secret leaves the address bar');

  // Carol scans a photo of the QR code.
  const carol = await member(relay);
  t.after(() => carol.context.close());
  await carol.page.locator('#scan-file').setInputFiles(qrShot);
  await carol.page.getByRole('heading', { name: 'Riverside Food Co-op' }).waitFor({ timeout: 30_000 });

  // Everyone's directory shows the three members.
  for (const m of [alice, bob, carol]) {
    await m.page.locator('.members li').nth(2).waitFor({ timeout: 30_000 });
  }
  const names = await alice.page.locator('.members li').allTextContents();
  for (const did of [alice.did, bob.did, carol.did]) {
    const short = did.slice('did:key:'.length, 'did:key:'.length + 8);
    assert.ok(names.some((n) => n.includes(short)), `${short} in ${names}`);
  }
  assert.ok(names.some((n) => n.includes('steward')), 'the founder holds the steward role');

  // A used-up invite: a fourth person is refused with the reason.
  const dan = await member(relay);
  t.after(() => dan.context.close());
  await dan.page.goto(link);
  await dan.page.getByRole('button', { name: 'Join the chapter' }).click();
  await dan.page.locator('.error', { hasText: 'uses are taken' }).waitFor({ timeout: 30_000 });

  // The charter page: the layers and the history.
  await alice.page.getByRole('button', { name: 'Read the charter' }).click();
  await alice.page.getByRole('heading', { name: 'Charter of Riverside Food Co-op' }).waitFor();
  await alice.page.getByRole('heading', { name: 'Axioms (never change)' }).waitFor();
  await alice.page.locator('.versions li', { hasText: 'v1.0.0' }).waitFor();
  await alice.page.screenshot({ path: join(shots, 'charter.png'), fullPage: true });
  assert.deepEqual(await seriousA11yViolations(alice.page), [], 'the charter page is accessible');
  for (const m of [alice, bob, carol, dan]) assert.deepEqual(m.errors, []);
});
