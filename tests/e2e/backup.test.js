// A member backs up their identity in one browser profile and restores it in
// a second: a wrong passphrase restores nothing; the right one makes the
// second browser the same member, which fetches the member's spaces and
// writes in them as that member; the member's membership credential, made
// in one, checks out in the other.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launch, member, shots, startRelay } from './harness.js';

const PASSPHRASE = 'lantern meadow copper tide';

test('a backup made in one browser restores the same member in another', async (t) => {
  const relay = await startRelay();
  t.after(() => relay.stop());
  const phone = await member(relay);
  t.after(() => phone.context.close());
  const { page } = phone;

  await page.fill('#space-name', 'Garden');
  await page.getByRole('button', { name: 'Create space' }).click();
  await page.fill('#note-text', 'written on the phone');
  await page.getByRole('button', { name: 'Post' }).click();
  await page.locator('.ops li', { hasText: 'written on the phone' }).waitFor();
  await page.getByRole('button', { name: '← Your spaces' }).click();

  // Home nudges a member who has no backup yet.
  await page.getByRole('heading', { name: 'Back up your identity' }).waitFor();
  await page.getByRole('button', { name: 'Back up now' }).click();
  await page.locator('#my-did', { hasText: phone.did }).waitFor();

  // Two different passphrases: refused, nothing made.
  await page.fill('#backup-passphrase', PASSPHRASE);
  await page.fill('#backup-confirm', 'something else');
  await page.getByRole('button', { name: 'Make backup' }).click();
  await page.getByRole('alert').filter({ hasText: 'The two passphrases differ' }).waitFor();
  assert.equal(await page.locator('#backup-download').count(), 0);

  await page.fill('#backup-confirm', PASSPHRASE);
  const sealing = Date.now();
  await page.getByRole('button', { name: 'Make backup' }).click();
  await page.locator('#backup-download').waitFor({ timeout: 30_000 });
  t.diagnostic(`backup_seal_ms = ${Date.now() - sealing} (Argon2id 64 MiB, 2 passes, in the page)`);
  const text = await page.locator('#backup-text').inputValue();
  assert.match(text, /^hearth-backup-1:[A-Za-z0-9_-]+$/);
  await page.getByText(/QR code 1 of \d+/).waitFor();
  await page.screenshot({ path: join(shots, 'backup-made.png'), fullPage: true });
  // A photo of each QR code, one after another.
  const photos = [];
  const total = Number((await page.getByText(/QR code 1 of \d+/).textContent()).match(/of (\d+)/)[1]);
  const photoDir = mkdtempSync(join(tmpdir(), 'hearth-qr-'));
  for (let i = 1; i <= total; i++) {
    await page.getByText(`QR code ${i} of ${total}`).waitFor();
    photos.push(join(photoDir, `part-${i}.png`));
    await page.locator('.qr-sequence .qr svg').screenshot({ path: photos.at(-1) });
    if (i < total) await page.getByRole('button', { name: 'Next' }).click();
  }
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#backup-download')]);
  const file = join(mkdtempSync(join(tmpdir(), 'hearth-backup-')), download.suggestedFilename());
  await download.saveAs(file);
  assert.equal(readFileSync(file).subarray(0, 8).toString(), 'HEARTHBK');
  // Once backed up, home no longer nudges.
  await page.getByRole('button', { name: 'Back to your spaces' }).click();
  await page.getByRole('heading', { name: 'Your spaces' }).waitFor();
  assert.equal(await page.getByRole('heading', { name: 'Back up your identity' }).count(), 0);

  // A second browser profile: a wrong passphrase restores nothing.
  const laptop = await launch(mkdtempSync(join(tmpdir(), 'hearth-profile-')));
  t.after(() => laptop.close());
  const second = laptop.pages()[0] ?? (await laptop.newPage());
  await second.goto(relay.url);
  await second.fill('#restore-text', text);
  await second.fill('#restore-passphrase', 'lantern meadow copper tied');
  await second.getByRole('button', { name: 'Restore' }).click();
  await second.getByRole('alert').filter({ hasText: 'Nothing was restored: the passphrase is wrong' }).waitFor({ timeout: 30_000 });
  await second.getByRole('button', { name: 'Create my identity' }).waitFor();

  // The file and the right passphrase: the same member, with the space.
  await second.fill('#restore-text', '');
  await second.setInputFiles('#restore-file', file);
  await second.fill('#restore-passphrase', PASSPHRASE);
  await second.getByRole('button', { name: 'Restore' }).click();
  await second.getByRole('heading', { name: 'Your spaces' }).waitFor({ timeout: 30_000 });
  assert.equal(await second.locator('.who').getAttribute('title'), phone.did);
  await second.locator('.spaces li', { hasText: 'Garden' }).locator('.meta', { hasText: '2 ops' }).waitFor({ timeout: 30_000 });
  await second.getByRole('button', { name: 'Garden' }).click();
  await second.locator('.ops li', { hasText: 'written on the phone' }).waitFor();

  // It writes as that member; the phone shows it under the member's name.
  await second.fill('#note-text', 'written on the laptop');
  await second.getByRole('button', { name: 'Post' }).click();
  await page.getByRole('button', { name: 'Garden' }).click();
  const fromLaptop = page.locator('.ops li', { hasText: 'written on the laptop' });
  await fromLaptop.waitFor({ timeout: 30_000 });
  const author = await page.locator('.ops li', { hasText: 'written on the phone' }).locator('.author').textContent();
  assert.equal(await fromLaptop.locator('.author').textContent(), author);
  await second.screenshot({ path: join(shots, 'backup-restored.png'), fullPage: true });

  // A third browser restores from the photos of the QR codes, in any order.
  const tablet = await launch(mkdtempSync(join(tmpdir(), 'hearth-profile-')));
  t.after(() => tablet.close());
  const third = tablet.pages()[0] ?? (await tablet.newPage());
  await third.goto(relay.url);
  await third.setInputFiles('#restore-photos', [...photos].reverse());
  await third.fill('#restore-passphrase', PASSPHRASE);
  await third.getByRole('button', { name: 'Restore' }).click();
  await third.getByRole('heading', { name: 'Your spaces' }).waitFor({ timeout: 30_000 });
  assert.equal(await third.locator('.who').getAttribute('title'), phone.did);

  // The member's membership as a Verifiable Credential, made on the phone
  // and checked on the laptop; a changed copy is caught.
  await page.getByRole('button', { name: 'Make my membership credential' }).click();
  const [vc] = await Promise.all([page.waitForEvent('download'), page.click('#credential-download')]);
  const vcFile = join(mkdtempSync(join(tmpdir(), 'hearth-vc-')), 'membership.json');
  await vc.saveAs(vcFile);
  const credential = readFileSync(vcFile, 'utf8');
  assert.equal(JSON.parse(credential).proof.cryptosuite, 'eddsa-jcs-2022');
  await second.fill('#credential-text', credential);
  await second.getByRole('button', { name: 'Check' }).click();
  await second.locator('.credential-result', { hasText: 'Valid: signed by' }).filter({ hasText: 'a current member' }).waitFor();
  await second.fill('#credential-text', credential.replace('Garden', 'Gardens'));
  await second.getByRole('button', { name: 'Check' }).click();
  await second.locator('.credential-result', { hasText: 'Invalid: the signature does not match' }).waitFor();
});
