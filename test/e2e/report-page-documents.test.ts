/**
 * The report page's documents view and a message's attachments and variants, in headless Chromium, against
 * `leakproof serve` over a dump that `leakproof ingest` verified: nothing seeded, nothing stubbed. The dump is made
 * here, signed with a key generated now: a verified message carrying a real .xlsx, the same file loose (proven),
 * a copy of it edited by someone else (altered copy), a PDF whose name and metadata are markup (unproven), 55
 * more PDFs (a second page of documents), a byte-identical copy of the message (a duplicate) and a copy whose text was
 * changed and a part added (a variant). Screenshots go to test-artifacts/ for a human to look at.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { signMessage } from '../../shared/dkim/sign.ts';
import { buildOfficeDocument, buildPdf } from '../../tools/generator/documents/index.ts';
import { accessibilityViolations } from '../helpers/axe.ts';
import { CHROMIUM, chromiumAvailable, launchChromium, recordProblems } from '../helpers/chromium.ts';
import { buildZip, makeTempDir, removeDir } from '../helpers/dump-files.ts';
import { rsaKey } from '../helpers/keys.ts';
import { runLeakproof, serveHome, type ServedHome } from '../helpers/leakproof-cli.ts';
import { buildMessage, tamper } from '../helpers/messages.ts';

const TOKEN = 'report-page-documents-token';
const DOMAIN = 'campaign.example';
const SELECTOR = 'may2017';
const HOSTILE_NAME = '<img src=x onerror="window.pwned=1">plan.pdf';
const HOSTILE_TITLE = '<script>window.pwned=2</script>Plan';
// Quoted in a MIME parameter, so without a double quote of its own.
const HOSTILE_PART_NAME = '<b onmouseover=window.pwned=3>bonus</b>.pdf';
const PDFS = 55;
const SIGNED_AT = Date.parse('2017-05-04T08:00:00Z') / 1000;

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const base64Lines = (bytes: Buffer) => bytes.toString('base64').replace(/.{76}/g, '$&\r\n').replace(/\r\n$/, '');

/** A MIME part carrying a file, base64-encoded. */
function filePart(boundary: string, name: string, type: string, bytes: Buffer): string {
  return [`--${boundary}`, `Content-Type: ${type}; name="${name}"`, `Content-Disposition: attachment; filename="${name}"`, 'Content-Transfer-Encoding: base64', '', base64Lines(bytes), ''].join('\r\n');
}

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

interface Dump {
  zip: Buffer;
  /** A second dump: the signed message alone, byte for byte, verified after its key was found compromised. */
  mirror: Buffer;
  keyLine: string;
  compromisedLine: string;
  accounts: Buffer;
  altered: Buffer;
}

/** The dump, and the archived key that verifies its signed message (offline: no DNS). */
async function buildDump(): Promise<Dump> {
  const key = rsaKey(2048);
  const created = new Date('2017-04-28T09:00:00Z');
  const accounts = await buildOfficeDocument(
    { kind: 'xlsx', rows: [['Donor', 'Amount'], ['A. Dupont', 100]] },
    { creator: 'Alice Martin', lastModifiedBy: 'Alice Martin', created, modified: new Date('2017-05-02T17:00:00Z'), application: 'Microsoft Excel', company: 'Campaign' },
  );
  const altered = await buildOfficeDocument(
    { kind: 'xlsx', rows: [['Donor', 'Amount'], ['A. Dupont', 900]] },
    { creator: 'Alice Martin', lastModifiedBy: 'Mallory', created, modified: new Date('2017-05-03T08:00:00Z'), application: 'Microsoft Excel', company: 'Campaign' },
  );
  // A PDF: its Info strings hold markup as it is (XML metadata would carry it escaped).
  const hostile = buildPdf(['Plan'], { title: HOSTILE_TITLE, author: '<b>Eve</b>' });

  const boundary = 'accounts-boundary';
  const text = ['Hello Bob,', '', 'The accounts are attached. The total is 100.', '-- ', 'Alice', ''].join('\r\n');
  const body = [`--${boundary}`, 'Content-Type: text/plain; charset=utf-8', '', text, filePart(boundary, 'accounts.xlsx', XLSX, accounts), `--${boundary}--`, ''].join('\r\n');
  const message = buildMessage({
    from: `Alice Martin <alice@${DOMAIN}>`,
    subject: 'Accounts for May',
    date: 'Thu, 04 May 2017 10:00:00 +0200',
    messageId: `<accounts-may@${DOMAIN}>`,
    contentType: `multipart/mixed; boundary="${boundary}"`,
    body,
  });
  const signed = signMessage(message, { domain: DOMAIN, selector: SELECTOR, privateKey: key.privateKey, timestamp: SIGNED_AT });
  // The same message, its total changed and a part added: the signature no longer verifies.
  const variant = tamper(
    tamper(signed, 'The total is 100.', 'The total is 900.'),
    `--${boundary}--`,
    filePart(boundary, HOSTILE_PART_NAME, 'application/pdf', buildPdf(['Bonus'])) + `--${boundary}--`,
  );

  const zip = await buildZip([
    { name: 'mail/accounts.eml', data: signed },
    { name: 'mail/accounts-copy.eml', data: variant },
    { name: 'backup/accounts.eml', data: signed },
    { name: 'docs/accounts.xlsx', data: accounts },
    { name: 'copies/accounts.xlsx', data: altered },
    { name: `notes/${HOSTILE_NAME}`, data: hostile },
    ...Array.from({ length: PDFS }, (_, i) => ({ name: `scans/scan-${String(i).padStart(2, '0')}.pdf`, data: buildPdf([`Scan ${i}`]) })),
  ]);
  const mirror = await buildZip([{ name: 'inbox/accounts.eml', data: signed }]);
  const keyLine = JSON.stringify({ domain: DOMAIN, selector: SELECTOR, value: key.record });
  // Learnt after the first dump was verified: the key was known to others before the message was signed.
  const compromisedLine = JSON.stringify({ domain: DOMAIN, selector: SELECTOR, value: key.record, compromisedAt: '2017-01-01T00:00:00Z' });
  return { zip, mirror, keyLine, compromisedLine, accounts, altered };
}

const texts = (page: Page, selector: string) => page.locator(selector).allInnerTexts();

describe.skipIf(!chromiumAvailable)('the report page’s documents, attachments and variants in headless Chromium', () => {
  let dir: string;
  let server: ServedHome;
  let browser: Browser;
  let page: Page;
  let dump: Dump;
  const problems: string[] = [];

  beforeAll(async () => {
    // A page drawn on a busy 2-core machine can take more than expect.poll's default second.
    vi.setConfig({ expect: { poll: { timeout: 10_000 } } });
    dir = await makeTempDir();
    dump = await buildDump();
    writeFileSync(join(dir, 'leak.zip'), dump.zip);
    writeFileSync(join(dir, 'mirror.zip'), dump.mirror);
    writeFileSync(join(dir, 'keys.jsonl'), dump.keyLine + '\n');
    writeFileSync(join(dir, 'compromised.jsonl'), dump.compromisedLine + '\n');
    const home = join(dir, 'home');
    const ingest = runLeakproof(['ingest', join(dir, 'leak.zip'), '--keys', join(dir, 'keys.jsonl'), '--offline', '--json', '--home', home, '--at', '2017-05-10T00:00:00Z']);
    expect(ingest.status, ingest.stderr).toBe(0);
    const { summary } = JSON.parse(ingest.stdout) as { summary: { messages: number; documents: number; errors: number; byVerdict: Record<string, number> } };
    expect({ messages: summary.messages, documents: summary.documents, errors: summary.errors, byVerdict: summary.byVerdict }).toEqual({
      messages: 3, documents: PDFS + 3, errors: 0, byVerdict: { verified: 2, failed: 1 },
    });
    const mirror = runLeakproof(['ingest', join(dir, 'mirror.zip'), '--keys', join(dir, 'compromised.jsonl'), '--offline', '--json', '--home', home, '--at', '2025-03-01T00:00:00Z']);
    expect(mirror.status, mirror.stderr).toBe(0);
    expect(JSON.parse(mirror.stdout).summary.byReason).toEqual({ 'key-compromised': 1 });
    server = await serveHome(home, TOKEN);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1440, height: 1100 } });
    page.setDefaultTimeout(10_000);
    recordProblems(page, problems, [server.url, 'data:']);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (dir) await removeDir(dir);
  });

  const documents = () => page.locator('#documents tbody tr');
  const documentForm = () => page.locator('#document-filters');
  const documentPanel = () => page.locator('#document');
  const evidencePanel = () => page.locator('#evidence');

  it('counts the documents by provenance, and pages through them with the cursor', async () => {
    await page.goto(`${server.url}#token=${TOKEN}`);
    await expect.poll(() => page.locator('#dumps li').count()).toBe(2);
    await page.locator('#dumps button', { hasText: 'leak.zip' }).click();
    await expect.poll(() => page.locator('#dump-name').innerText()).toBe('leak.zip');
    const legend = await page.locator('#provenance-counts .legend li').evaluateAll((items) => items.map((item) => [item.querySelector('button')!.textContent, item.querySelector('.n')!.textContent]));
    expect(Object.fromEntries(legend)).toEqual({ Proven: '1', 'Partially proven': '0', 'Altered copy': '1', Unproven: String(PDFS + 1) });
    expect(await page.locator('#dump-facts').innerText()).toMatch(/Documents\s+58/);

    await expect.poll(() => documents().count()).toBe(50);
    await page.getByRole('button', { name: 'More documents' }).click();
    await expect.poll(() => documents().count()).toBe(PDFS + 3);
    expect(await page.locator('#documents-shown').innerText()).toBe('58 shown — all');
  });

  it('filters the documents by provenance, by name and by type', async () => {
    await page.locator('#provenance-counts button', { hasText: 'Altered copy' }).click();
    await expect.poll(() => documents().count()).toBe(1);
    expect(await documents().locator('td.name').innerText()).toBe('accounts.xlsx');
    expect(await documents().locator('td.locator').innerText()).toBe('copies/accounts.xlsx');

    await documentForm().getByRole('button', { name: 'Clear' }).click();
    await documentForm().getByLabel('Name').fill('ACCOUNTS.xlsx');
    await documentForm().getByRole('button', { name: 'Apply' }).click();
    await expect.poll(() => documents().count()).toBe(2);
    expect(new Set(await texts(page, '#documents tbody td.locator'))).toEqual(new Set(['docs/accounts.xlsx', 'copies/accounts.xlsx']));
    expect(new Set(await texts(page, '#documents tbody .badge'))).toEqual(new Set(['Proven', 'Altered copy']));

    await documentForm().getByRole('button', { name: 'Clear' }).click();
    await expect.poll(() => documents().count()).toBe(50);
    await documentForm().getByLabel('Type').fill('application/pdf');
    await documentForm().getByRole('button', { name: 'Apply' }).click();
    await expect.poll(() => page.locator('#documents caption').innerText()).toBe('Documents with type application/pdf');
    await page.getByRole('button', { name: 'More documents' }).click();
    await expect.poll(() => documents().count()).toBe(PDFS + 1);
    expect(new Set(await texts(page, '#documents tbody td:nth-child(2)'))).toEqual(new Set(['application/pdf']));
  });

  it('shows a proven document’s facts, metadata, the verified message that carried it and every place its bytes are', async () => {
    await page.locator('#provenance-counts button', { hasText: /^Proven$/ }).click();
    await expect.poll(() => documents().count()).toBe(1);
    await documents().getByRole('button', { name: 'accounts.xlsx' }).click();
    const panel = documentPanel();
    await expect.poll(() => panel.locator('#document-heading').innerText()).toBe('accounts.xlsx');
    expect(await panel.locator('p.provenance .badge').innerText()).toBe('Proven');
    const detail = await panel.innerText();
    expect(detail).toContain(sha256(dump.accounts));
    expect(detail).toMatch(new RegExp(`Size\\s+[\\d.]+ kB`));
    expect(detail).toContain(XLSX);
    expect(detail).toMatch(/Author\s+Alice Martin/);
    expect(detail).toMatch(/Application\s+Microsoft Excel/);

    const carriers = panel.locator('h5:text-is("Carried by") + ul.places > li');
    expect(await carriers.count()).toBeGreaterThanOrEqual(1);
    const carrier = await carriers.first().innerText();
    expect(carrier).toMatch(/Attachment \S+ of (mail|backup)\/accounts\.eml/);
    expect(carrier).toContain('Verified');
    expect(carrier).toMatch(/From\s+"Alice Martin" <alice@campaign\.example>/);
    expect(carrier).toMatch(/Date\s+2017-05-04 08:00/);
    expect(carrier).toMatch(/Signed by\s+campaign\.example/);

    // Both signed copies of the message hold these bytes, the variant too (that part is unchanged there), and the
    // copy in the other dump, partially verified there.
    const places = await page.locator('#document h5:text-matches("^Elsewhere in the store") + ul.places > li').evaluateAll((items) =>
      items.map((item) => [item.querySelector('div')!.textContent, item.querySelector('small')?.textContent ?? 'this dump']));
    expect(places.map(([place, where]) => `${/of (\S+)/.exec(place!)?.[1]} ${/Verified|Failed|Partially verified/.exec(place!)?.[0]} ${where!.startsWith('dump ') ? 'other dump' : where}`).sort()).toEqual([
      'backup/accounts.eml Verified this dump',
      'inbox/accounts.eml Partially verified other dump',
      'mail/accounts-copy.eml Failed this dump',
      'mail/accounts.eml Verified this dump',
    ]);

    mkdirSync('test-artifacts', { recursive: true });
    await page.screenshot({ path: 'test-artifacts/report-page-documents.png', fullPage: true });

    // A carrier opens its message's evidence.
    await carriers.first().getByRole('button').click();
    await expect.poll(() => evidencePanel().locator('#evidence-heading').innerText()).toBe('Accounts for May');
  });

  it('shows what an altered copy changed against the verified copy', async () => {
    await page.locator('#provenance-counts button', { hasText: 'Altered copy' }).click();
    await expect.poll(() => documents().count()).toBe(1);
    await documents().getByRole('button', { name: 'accounts.xlsx' }).click();
    const panel = documentPanel();
    await expect.poll(() => panel.locator('p.provenance .badge').innerText()).toBe('Altered copy');
    expect(await panel.innerText()).toContain(sha256(dump.altered));
    const differences = await panel.locator('table.differences tbody tr').evaluateAll((rows) => rows.map((row) => [...row.children].map((cell) => cell.textContent)));
    expect(differences).toContainEqual(['Last modified by', 'Mallory', 'Alice Martin']);
    expect(await panel.locator('h5:text-is("Verified copies compared") + ul.places').innerText()).toMatch(/accounts\.eml/);
  });

  it('shows a document name and metadata written as markup as text', async () => {
    await documentForm().getByRole('button', { name: 'Clear' }).click();
    await documentForm().getByLabel('Name').fill(HOSTILE_NAME);
    await documentForm().getByRole('button', { name: 'Apply' }).click();
    await expect.poll(() => documents().count()).toBe(1);
    expect(await documents().locator('td.name').innerText()).toBe(HOSTILE_NAME);
    await documents().locator('td.name button').click();
    const panel = documentPanel();
    await expect.poll(() => panel.locator('#document-heading').innerText()).toBe(HOSTILE_NAME);
    expect(await panel.locator('p.provenance .badge').innerText()).toBe('Unproven');
    expect(await panel.innerText()).toContain(`Title\n${HOSTILE_TITLE}`);
    expect(await panel.innerText()).toContain('Author\n<b>Eve</b>');
    expect(await page.locator('#documents img, #document img, #document script, #document b').count()).toBe(0);
    expect(await page.evaluate('window.pwned')).toBeUndefined();
  });

  it('shows a verified message’s attachment as signed, and a variant’s differences to it', async () => {
    const messages = page.locator('#messages tbody tr');
    await expect.poll(() => messages.count()).toBe(3);
    await messages.filter({ hasText: 'Verified' }).first().getByRole('button').click();
    const panel = evidencePanel();
    await expect.poll(() => panel.locator('article.attachment').count()).toBe(1);
    const attachment = panel.locator('article.attachment');
    expect(await attachment.locator('h6').innerText()).toBe('accounts.xlsx signed');
    expect(await attachment.locator('p.covered').innerText()).toBe(`Covered by signature 1 (${DOMAIN}): these bytes are as sent.`);
    expect(await attachment.innerText()).toContain(sha256(dump.accounts));

    await messages.filter({ hasText: 'Failed' }).getByRole('button').click();
    await expect.poll(() => panel.locator('.badge').first().innerText()).toBe('Failed');
    const parts = panel.locator('article.attachment');
    await expect.poll(() => parts.count()).toBe(2);
    expect(await parts.locator('h6').allInnerTexts()).toEqual(['accounts.xlsx not signed', `${HOSTILE_PART_NAME} not signed`]);
    expect(await parts.locator('p.uncovered').first().innerText()).toBe('Not covered by any signature that verifies: nothing proves these bytes are the ones sent.');

    // Compared with each verified copy (two, the same bytes): the first is enough.
    expect(await panel.locator('article.variant').count()).toBe(2);
    const variant = panel.locator('article.variant').first();
    expect(await variant.locator('p').first().innerText()).toMatch(/^Differs from the verified message (mail|backup)\/accounts\.eml/);
    expect(await variant.locator('pre.diff del').allInnerTexts()).toContainEqual(expect.stringContaining('The total is 100.'));
    expect(await variant.locator('pre.diff ins').allInnerTexts()).toContainEqual(expect.stringContaining('The total is 900.'));
    // Only changed lines are marked: the patch's own header lines are not.
    expect([...(await variant.locator('pre.diff del').allInnerTexts()), ...(await variant.locator('pre.diff ins').allInnerTexts())]).toHaveLength(2);
    expect(await variant.locator('.changes li.added').innerText()).toContain(HOSTILE_PART_NAME);
    expect(await page.locator('#evidence b, #evidence img').count()).toBe(0);
    expect(await page.evaluate('window.pwned')).toBeUndefined();
    // The panel scrolls on its own: bring the diff into it, and keep what the window shows.
    await variant.locator('pre.diff').scrollIntoViewIfNeeded();
    await page.screenshot({ path: 'test-artifacts/report-page-variant.png' });

    // The link opens the verified copy.
    await variant.locator('p').first().getByRole('button').click();
    await expect.poll(() => panel.locator('.badge').first().innerText()).toBe('Verified');
  });

  it('meets WCAG 2.2 AA on the documents view and a document’s detail (axe-core finds no violation)', async () => {
    // axe is injected as a script: a context that lets it past the page's Content-Security-Policy.
    const context = await browser.newContext({ bypassCSP: true, viewport: { width: 1440, height: 1100 } });
    const scanned = await context.newPage();
    await scanned.goto(`${server.url}#token=${TOKEN}`);
    await scanned.locator('#dumps button', { hasText: 'leak.zip' }).click();
    await expect.poll(() => scanned.locator('#documents tbody tr').count()).toBe(50);
    await scanned.locator('#provenance-counts button', { hasText: 'Altered copy' }).click();
    await expect.poll(() => scanned.locator('#documents tbody tr').count()).toBe(1);
    await scanned.locator('#documents tbody tr').getByRole('button').first().click();
    await expect.poll(() => scanned.locator('#document table.differences').count()).toBe(1);
    expect(await accessibilityViolations(scanned)).toEqual([]);
    await context.close();
  });

  it('links a copy in another dump, byte for byte the same but no longer verified, to its verified copy', async () => {
    await page.locator('#dumps button', { hasText: 'mirror.zip' }).click();
    await expect.poll(() => page.locator('#dump-name').innerText()).toBe('mirror.zip');
    expect(await page.locator('#provenance-counts').innerText()).toContain('No documents');
    expect(await page.locator('#documents-view').isHidden()).toBe(true);
    await page.locator('#messages tbody tr').getByRole('button').click();
    const panel = evidencePanel();
    // Both verified copies in the first dump are the same bytes.
    await expect.poll(() => panel.locator('article.variant').count()).toBe(2);
    expect((await panel.locator('article.variant > p:first-child').allInnerTexts()).sort()).toEqual([
      'A duplicate, byte for byte, of the verified message backup/accounts.eml.',
      'A duplicate, byte for byte, of the verified message mail/accounts.eml.',
    ]);
    const duplicate = panel.locator('article.variant', { hasText: 'mail/accounts.eml' });
    expect(await duplicate.innerText()).toContain('In another dump: ');
    expect(await panel.locator('article.attachment h6').innerText()).toMatch(/^accounts\.xlsx /);
    expect(await panel.locator('article.attachment').innerText()).not.toContain('these bytes are as sent');
    await duplicate.getByRole('button').click();
    await expect.poll(() => panel.locator('.badge').first().innerText()).toBe('Verified');
    expect(await panel.innerText()).toContain('In another dump: ');
    expect(problems).toEqual([]);
  });
});

if (!chromiumAvailable) console.warn(`report page documents test skipped: ${CHROMIUM} is missing (install the Debian packages chromium and chromium-driver)`);
