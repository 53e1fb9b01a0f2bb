/**
 * The report page (GET /) in real headless Chromium against a served store: a seeded dump through the HTTP API
 * over HTTP, the page read as a user sees it — chart, timeline, top domains, the filtered table, one message's
 * evidence — and a screenshot kept in test-artifacts/ for a human to look at.
 *
 * End to end rather than unit: it drives a separate browser process over a real HTTP server and a real SQLite
 * store, nothing stubbed but the re-verifier. Without Debian's chromium it skips, saying so; CI installs it
 * (.ci/run) so there it always runs.
 */
import { CHROMIUM, chromiumAvailable, launchChromium, recordProblems } from '../helpers/chromium.ts';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openLocalHome } from '../../shared/adapters/local/local-home.ts';
import { createApi } from '../../shared/api/create-api.ts';
import { listenLocally } from '../../cli/commands/serve.ts';
import type { Reverifier } from '../../shared/ports/reverifier.ts';
import type { EntryRecord, MessageRecord } from '../../shared/ports/verdict-store.ts';
import { accessibilityViolations } from '../helpers/axe.ts';
import { dumpInput, errorEntry, messageEntry, sha256Of, signature, skippedEntry } from '../helpers/store-records.ts';

/** Browser globals, for the functions run in the page by evaluate() (this Node program's types have no DOM). */
declare const document: any, getComputedStyle: any, scrollTo: any, scrollY: any;

const TOKEN = 'report-page-token';
const DUMP_ID = sha256Of('report-page-dump');
const HOSTILE_SUBJECT = '<b>Quarterly</b> results & <img src=x onerror="window.pwned=1">';
const MONTHS = ['2023-01', '2023-02', '2023-03', '2023-05', '2023-06'];

function dated(record: MessageRecord, month: string | null, sender: string, from: string): MessageRecord {
  return { ...record, date: month === null ? null : `${month}-14T10:00:00.000Z`, sender, from };
}

/**
 * 60 verified, 25 partially verified (l=), 20 failed (body altered), 15 unsigned (5 of them undated), 3 unreadable
 * entries and 2 skipped files, over 2023-01…2023-06 with April empty: 123 entries to list, three pages of 50.
 */
function seedEntries(): EntryRecord[] {
  const entries: EntryRecord[] = [];
  for (let i = 0; i < 60; i++) {
    const record = messageEntry(`a-verified/${String(i).padStart(3, '0')}.eml`, { signedBy: ['example.test'] });
    entries.push(dated(record, MONTHS[i % 5]!, 'alice@example.test', 'Alice <alice@example.test>'));
  }
  for (let i = 0; i < 25; i++) {
    const record = messageEntry(`b-partial/${String(i).padStart(3, '0')}.eml`, { verdict: 'partially-verified', reasons: ['body-length-limit'], signedBy: ['lists.example.org'] });
    record.signatures = [signature('lists.example.org', { l: 20, reasons: ['body-length-limit'] })];
    entries.push(dated(record, MONTHS[i % 5]!, 'bob@example.org', 'Bob <bob@example.org>'));
  }
  for (let i = 0; i < 20; i++) {
    const record = messageEntry(`c-failed/${String(i).padStart(3, '0')}.eml`, {
      verdict: 'failed',
      reasons: ['body-hash-mismatch'],
      subject: i === 0 ? HOSTILE_SUBJECT : undefined,
    });
    record.signatures = [signature('example.test', { s: 'march2023', status: 'body-hash-mismatch', bodyHash: 'fail', reasons: ['body-hash-mismatch'] })];
    if (i === 0) {
      record.history = [{ verdict: 'unverified', reasons: ['key-unavailable'], rulesVersion: 1, verifiedAt: '2025-01-01T00:00:00.000Z', replacedAt: '2025-02-01T00:00:00.000Z', cause: 'new-key' }];
    }
    entries.push(dated(record, '2023-03', 'alice@example.test', 'Alice <alice@example.test>'));
  }
  for (let i = 0; i < 15; i++) {
    const record = messageEntry(`d-unsigned/${String(i).padStart(3, '0')}.eml`, { verdict: 'unverified', reasons: ['no-signature'] });
    entries.push(dated(record, i < 5 ? null : '2023-06', 'carol@mail.example.net', 'Carol <carol@mail.example.net>'));
  }
  for (let i = 0; i < 3; i++) entries.push(errorEntry(`e-broken/${i}.eml`, 'not a message: no header section'));
  for (let i = 0; i < 2; i++) entries.push(skippedEntry(`f-images/${i}.png`));
  return entries;
}

/** The counts the page must show, as the seed makes them. */
const EXPECTED = {
  byVerdict: { Verified: 60, 'Partially verified': 25, Failed: 20, Unverified: 15, Error: 3 },
  months: { '2023-01': 17, '2023-02': 17, '2023-03': 37, '2023-04': 0, '2023-05': 17, '2023-06': 27 },
  signers: [['example.test', 80], ['lists.example.org', 25]],
  senders: [['example.test', 80], ['example.org', 25], ['mail.example.net', 15]],
  listed: 123,
};

/**
 * The seeded dump in a fresh SQLite home, served by the API (createApi) on an ephemeral port of 127.0.0.1 as
 * `leakproof serve` serves it: the browser's requests pass its Host, Origin and fetch-metadata checks.
 */
async function startServer(): Promise<{ url: string; close(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'leakproof-report-page-'));
  const local = openLocalHome(dir);
  const at = new Date('2025-03-01T12:00:00.000Z');
  await local.store.openDump(dumpInput(DUMP_ID, { name: 'campaign-leak.zip', source: '/dumps/campaign-leak.zip', bytes: 123_456 }), at);
  await local.store.putEntries(DUMP_ID, seedEntries());
  await local.store.setStatus(DUMP_ID, 'complete', new Date(at.getTime() + 300_000));
  const reverifier: Reverifier = {
    reverifyDump: async (dumpId) => ({ dumpId, status: 'done', selected: 0, changed: 0 }),
    keysImported: async () => ({ affected: 0, dumps: [], queued: false }),
  };
  const app = createApi({ store: local.store, keys: local.archive, reverifier, token: TOKEN });
  const server = await listenLocally(app, 0);
  return {
    url: server.url,
    async close() {
      await server.close();
      local.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const texts = (page: Page, selector: string) => page.locator(selector).allInnerTexts();

describe.skipIf(!chromiumAvailable)('the report page in headless Chromium', () => {
  let server: { url: string; close(): Promise<void> };
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    // A page drawn on a busy 2-core machine can take more than expect.poll's default second.
    vi.setConfig({ expect: { poll: { timeout: 10_000 } } });
    server = await startServer();
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
    page.setDefaultTimeout(10_000);
    recordProblems(page, problems, [server.url, 'data:']);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('takes the token from the fragment, keeps it out of the address bar, and lists the dump', async () => {
    await page.goto(`${server.url}#token=${TOKEN}`);
    await expect.poll(() => texts(page, '#dumps li')).toHaveLength(1);
    expect(await page.locator('#dumps li').innerText()).toContain('campaign-leak.zip');
    expect(new URL(page.url()).hash).not.toContain('token');
    expect(await page.evaluate(() => sessionStorage.getItem('leakproof-token'))).toBe(TOKEN);
  });

  it('shows the stored counts: verdict chart, timeline by month, top signing and sender domains', async () => {
    await expect.poll(() => page.locator('#dump-name').innerText()).toBe('campaign-leak.zip');
    const legend = await page.locator('.legend li').evaluateAll((items) => items.map((item) => [item.querySelector('button')!.textContent, item.querySelector('.n')!.textContent]));
    expect(Object.fromEntries(legend)).toEqual(Object.fromEntries(Object.entries(EXPECTED.byVerdict).map(([verdict, n]) => [verdict, String(n)])));
    const donut = await page.locator('svg.donut').getAttribute('aria-label');
    expect(donut).toBe('Verdicts: 60 verified, 25 partially verified, 20 failed, 15 unverified, 3 error');

    const months = await page.locator('svg.timeline g.month').evaluateAll((groups) => groups.map((g) => g.getAttribute('aria-label')!));
    expect(Object.fromEntries(months.map((label) => [label.slice(0, 7), Number(/: (\d+) messages/.exec(label)![1])]))).toEqual(EXPECTED.months);
    expect(months[2]).toBe('2023-03: 37 messages (12 verified, 5 partially verified, 20 failed)');
    expect(await page.locator('#timeline .note').innerText()).toContain('5 messages without a usable Date');

    const domainRows = (list: string) => page.locator(`${list} li`).evaluateAll((items) => items.map((item) => [item.querySelector('button')!.textContent, Number(item.querySelector('.n')!.textContent)]));
    expect(await domainRows('#signers')).toEqual(EXPECTED.signers);
    expect(await domainRows('#senders')).toEqual(EXPECTED.senders);
    expect((await texts(page, '#reasons li')).slice(0, 3).map((text) => text.split('\n').slice(0, 2).join(' '))).toEqual(['body-length-limit 25', 'body-hash-mismatch 20', 'no-signature 15']);
  });

  it('pages through every message with the cursor, then filters the table', async () => {
    const rows = page.locator('#messages tbody tr');
    const filters = page.locator('#filters');
    await expect.poll(() => rows.count()).toBe(50);
    await page.getByRole('button', { name: 'More' }).click();
    await expect.poll(() => rows.count()).toBe(100);
    await page.getByRole('button', { name: 'More' }).click();
    await expect.poll(() => rows.count()).toBe(EXPECTED.listed);
    expect(await page.locator('#shown').innerText()).toBe('123 shown — all');
    expect(await page.getByRole('button', { name: 'More' }).isHidden()).toBe(true);

    await filters.getByLabel('Verdict').selectOption('failed');
    await filters.getByLabel('Signing domain').fill('Example.TEST');
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect.poll(() => rows.count()).toBe(20);
    expect(new Set(await texts(page, '#messages tbody .badge'))).toEqual(new Set(['Failed']));

    await page.getByRole('button', { name: 'Clear' }).click();
    await filters.getByLabel('Sender').fill('example.org');
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect.poll(() => rows.count()).toBe(25);
    expect(new Set(await texts(page, '#messages tbody td.from'))).toEqual(new Set(['Bob <bob@example.org>']));

    await page.locator('svg.timeline g.month[aria-label^="2023-03"]').click();
    await expect.poll(() => filters.getByLabel('From date').inputValue()).toBe('2023-03-01');
    expect(await filters.getByLabel('To date').inputValue()).toBe('2023-03-31');
    await expect.poll(() => rows.count()).toBe(37);

    await page.locator('.legend button', { hasText: 'Failed' }).click();
    await expect.poll(() => rows.count()).toBe(20);
  });

  it('opening a message hides no row of the table, only the reasons column', async () => {
    const rows = page.locator('#messages tbody tr');
    await page.getByRole('button', { name: 'Clear' }).click();
    await expect.poll(() => rows.count()).toBe(50);
    const visibleRows = () => rows.evaluateAll((all) => all.filter((row) => row.getBoundingClientRect().height > 0).length);
    const visibleHeads = () => page.locator('#messages thead th').evaluateAll((all) => all.filter((th) => th.getBoundingClientRect().width > 0).map((th) => th.textContent));
    expect(await visibleRows()).toBe(50);
    await rows.nth(6).getByRole('button').click();
    await expect.poll(() => page.locator('#evidence article.sig').count()).toBeGreaterThan(0);
    expect(await visibleRows()).toBe(50);
    expect(await rows.nth(4).isVisible()).toBe(true);
    expect(await visibleHeads()).toEqual(['Date (UTC)', 'From', 'Subject', 'Verdict', 'Signed by']);
    await page.keyboard.press('Escape');
    expect(await visibleHeads()).toHaveLength(6);
    await page.locator('.legend button', { hasText: 'Failed' }).click();
    await expect.poll(() => rows.count()).toBe(20);
  });

  it('opens a message’s evidence, its hostile subject shown as text', async () => {
    await page.getByRole('button', { name: HOSTILE_SUBJECT }).click();
    const panel = page.locator('#evidence');
    await expect.poll(() => panel.locator('#evidence-heading').innerText()).toBe(HOSTILE_SUBJECT);
    expect(await panel.locator('#evidence-heading b, #evidence-heading img').count()).toBe(0);
    expect(await page.evaluate('window.pwned')).toBeUndefined();
    expect(await panel.locator('.badge').first().innerText()).toBe('Failed');
    expect(await panel.locator('p.plain').innerText()).toContain('The headers are genuine, but the body was changed after it was sent.');
    expect(await panel.locator('p.plain + .note').innerText()).toBe('Reasons: body-hash-mismatch');
    const sig = panel.locator('article.sig');
    expect(await sig.locator('h6').innerText()).toContain('example.test');
    expect(await sig.innerText()).toMatch(/Selector \(s=\)\s+march2023/);
    expect(await sig.innerText()).toMatch(/Body hash\s+fail/);
    expect(await panel.locator('.history li').innerText()).toBe(
      '2025-02-01 00:00: was Unverified key-unavailable (rules 1, verified 2025-01-01 00:00), replaced because a key was found.',
    );
    expect(await page.evaluate('document.activeElement.id')).toBe('evidence');

    mkdirSync('test-artifacts', { recursive: true });
    await page.screenshot({ path: 'test-artifacts/report-page.png', fullPage: true });

    await page.keyboard.press('Escape');
    expect(await panel.isHidden()).toBe(true);
    expect(await page.evaluate('document.activeElement.textContent')).toBe(HOSTILE_SUBJECT);
    expect(problems).toEqual([]);
  });

  it('gives every dump view, filter set and opened message its own address: reload, back and forward keep them', async () => {
    const rows = page.locator('#messages tbody tr');
    const filters = page.locator('#filters');
    const route = () => Object.fromEntries(new URLSearchParams(new URL(page.url()).hash.slice(1)));
    await page.getByRole('button', { name: 'Clear' }).click();
    await expect.poll(() => rows.count()).toBe(50);
    expect(route()).toEqual({ dump: DUMP_ID });
    await filters.getByLabel('Verdict').selectOption('failed');
    await filters.getByLabel('Sender').fill('Alice@Example.test');
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect.poll(() => rows.count()).toBe(20);
    expect(route()).toEqual({ dump: DUMP_ID, verdict: 'failed', from: 'Alice@Example.test' });

    await page.getByRole('button', { name: HOSTILE_SUBJECT }).click();
    await expect.poll(() => page.locator('#evidence-heading').innerText()).toBe(HOSTILE_SUBJECT);
    const key = await page.locator('#messages tr[aria-current]').getAttribute('data-key');
    expect(key).toBe(Buffer.from('c-failed/000.eml').toString('base64url'));
    expect(route()).toEqual({ dump: DUMP_ID, verdict: 'failed', from: 'Alice@Example.test', message: key });
    const opened = page.url();

    await page.reload();
    await expect.poll(() => page.locator('#evidence-heading').innerText()).toBe(HOSTILE_SUBJECT);
    await expect.poll(() => rows.count()).toBe(20);
    expect(await filters.getByLabel('Verdict').inputValue()).toBe('failed');
    expect(await filters.getByLabel('Sender').inputValue()).toBe('Alice@Example.test');
    expect(await page.locator('#messages tr[aria-current]').getAttribute('data-key')).toBe(key);

    await page.goBack();
    await expect.poll(() => page.locator('#evidence').isHidden()).toBe(true);
    expect(route()).toEqual({ dump: DUMP_ID, verdict: 'failed', from: 'Alice@Example.test' });
    await page.goBack();
    await expect.poll(() => rows.count()).toBe(50);
    expect(await filters.getByLabel('Verdict').inputValue()).toBe('');
    await page.goForward();
    await expect.poll(() => rows.count()).toBe(20);
    await page.goForward();
    await expect.poll(() => page.locator('#evidence-heading').innerText()).toBe(HOSTILE_SUBJECT);
    expect(page.url()).toBe(opened);

    // A link handed to someone else, the token in its fragment: the token is taken, the view kept.
    const other = await browser.newPage();
    await other.goto(`${server.url}#token=${TOKEN}&${new URL(opened).hash.slice(1)}`);
    await expect.poll(() => other.locator('#evidence-heading').innerText()).toBe(HOSTILE_SUBJECT);
    expect(new URL(other.url()).hash).toBe(new URL(opened).hash);
    await expect.poll(() => other.locator('#messages tbody tr').count()).toBe(20);
    await other.close();
    await page.keyboard.press('Escape');
    expect(problems).toEqual([]);
  });

  it('exports the dump’s messages, and says a bad filter next to the form', async () => {
    const rows = page.locator('#messages tbody tr');
    await page.getByRole('button', { name: 'Clear' }).click();
    await expect.poll(() => rows.count()).toBe(50);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'CSV' }).click()]);
    const csv = readFileSync((await download.path())!, 'utf8');
    expect(download.suggestedFilename()).toMatch(/^leakproof-[0-9a-f]{12}\.csv$/);
    expect(csv.split('\n').filter((line) => line.startsWith(DUMP_ID))).toHaveLength(EXPECTED.listed);

    // The export honours the table's filters.
    await page.locator('#filters').getByLabel('Verdict').selectOption('failed');
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect.poll(() => rows.count()).toBe(20);
    expect(await page.locator('#exports-label').innerText()).toBe('Export these messages:');
    const [filtered] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'JSON lines' }).click()]);
    const records = readFileSync((await filtered.path())!, 'utf8').trim().split('\n').map((line) => JSON.parse(line));
    expect(records).toHaveLength(20);
    expect(new Set(records.map((record) => record.verdict))).toEqual(new Set(['failed']));
    await page.getByRole('button', { name: 'Clear' }).click();
    await expect.poll(() => rows.count()).toBe(50);

    await page.locator('#filters').getByLabel('Signing domain').fill('not a domain!');
    await page.getByRole('button', { name: 'Apply' }).click();
    const error = page.locator('#filters-error');
    await expect.poll(() => error.isVisible()).toBe(true);
    expect(await error.innerText()).toMatch(/^These filters could not be applied: .*domain/);
    // Beside the form: just under it, in view with it.
    const [form, note] = [await page.locator('#filters').boundingBox(), await error.boundingBox()];
    expect(note!.y - (form!.y + form!.height)).toBeLessThan(40);
    expect(await rows.count()).toBe(0);
    await page.getByRole('button', { name: 'Clear' }).click();
    await expect.poll(() => rows.count()).toBe(50);
    expect(await error.isHidden()).toBe(true);
  });

  it('searches the messages and sorts them by a column, both kept in the address', async () => {
    const rows = page.locator('#messages tbody tr');
    const route = () => Object.fromEntries(new URLSearchParams(new URL(page.url()).hash.slice(1)));
    await page.getByRole('button', { name: 'Clear' }).click();
    await expect.poll(() => rows.count()).toBe(50);
    await page.locator('#filters').getByLabel('Search').fill('QUARTER');
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.locator('td.subject').innerText()).toBe(HOSTILE_SUBJECT);
    expect(route()).toMatchObject({ q: 'QUARTER' });
    // A search cannot be exported (the export takes filters only): the buttons say so and wait.
    expect(await page.getByRole('button', { name: 'CSV' }).isDisabled()).toBe(true);

    await page.getByRole('button', { name: 'Clear' }).click();
    await expect.poll(() => rows.count()).toBe(50);
    const dates = () => page.locator('#messages tbody td.date').allInnerTexts();
    await page.getByRole('button', { name: 'Date (UTC)' }).click();
    await expect.poll(() => page.locator('#messages th[aria-sort]').getAttribute('aria-sort')).toBe('ascending');
    expect(route()).toMatchObject({ sort: 'date' });
    await expect.poll(async () => (await dates()).filter((date) => date !== '—')[0]).toBe('2023-01-14');
    await page.getByRole('button', { name: 'Date (UTC)' }).click();
    await expect.poll(() => page.locator('#messages th[aria-sort]').getAttribute('aria-sort')).toBe('descending');
    await expect.poll(async () => (await dates()).filter((date) => date !== '—')[0]).toBe('2023-06-14');
    const dated = (await dates()).filter((date) => date !== '—');
    expect(dated).toEqual(dated.toSorted().toReversed());
    await page.reload();
    await expect.poll(() => page.locator('#messages th[aria-sort]').getAttribute('aria-sort')).toBe('descending');
    await page.getByRole('button', { name: 'Clear' }).click();
    await expect.poll(() => page.locator('#messages th[aria-sort]').count()).toBe(0);
  });

  it('meets WCAG 2.2 AA (axe-core finds no violation): the dashboard, a message’s evidence, the guide', async () => {
    // axe is injected as a script: a context that lets it past the page's Content-Security-Policy.
    const context = await browser.newContext({ bypassCSP: true, viewport: { width: 1440, height: 1000 } });
    const scanned = await context.newPage();
    await scanned.goto(`${server.url}#token=${TOKEN}&dump=${DUMP_ID}&verdict=failed`);
    await expect.poll(() => scanned.locator('#messages tbody tr').count()).toBe(20);
    expect(await accessibilityViolations(scanned)).toEqual([]);
    await scanned.getByRole('button', { name: HOSTILE_SUBJECT }).click();
    await expect.poll(() => scanned.locator('#evidence article.sig').count()).toBe(1);
    expect(await accessibilityViolations(scanned)).toEqual([]);
    await scanned.getByRole('link', { name: 'How to read this' }).click();
    await expect.poll(() => scanned.locator('#guide').isVisible()).toBe(true);
    expect(await accessibilityViolations(scanned)).toEqual([]);
    await context.close();
  });

  it('has a guide, "How to read this", at its own address', async () => {
    await page.goto(`${server.url}#view=guide`);
    const guide = page.locator('#guide');
    await expect.poll(() => guide.isVisible()).toBe(true);
    expect(await page.locator('#report').isHidden()).toBe(true);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('guide-heading');
    const text = (await guide.textContent())!.replace(/\s+/g, ' ');
    for (const topic of ['What each verdict proves, and what it does not', 'Mailing lists', 'Forwarding', 'Format conversion', 'Outlook exports',
      'An expired signature is harmless', 'A compromised key proves nothing', 'A testing key proves nothing', 'What document provenances mean', 'Altered copy']) {
      expect(text).toContain(topic);
    }
    await page.getByRole('link', { name: '← Back to the report' }).click();
    await expect.poll(() => page.locator('#report').isVisible()).toBe(true);
    expect(await guide.isHidden()).toBe(true);
    await expect.poll(() => page.locator('#messages tbody tr').count()).toBe(50);
    await page.goBack();
    await expect.poll(() => guide.isVisible()).toBe(true);
  });

  it('works from the keyboard: a skip link, a visible focus, every control reached, a row opened with Enter and closed with Escape', async () => {
    const keyboard = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
    await keyboard.goto(`${server.url}#token=${TOKEN}&dump=${DUMP_ID}&verdict=failed`);
    await expect.poll(() => keyboard.locator('#messages tbody tr').count()).toBe(20);
    const focused = () => keyboard.evaluate(() => {
      const element = document.activeElement!;
      // A month of the chart (SVG) shows its focus as a ring drawn around its bar.
      const ring = element.querySelector('.hit');
      // A date field's calendar button is a tab stop inside the field (the field then matches no :focus): Chromium rings it itself.
      const outline = ring ? getComputedStyle(ring).stroke : element.matches(':focus') ? getComputedStyle(element).outlineStyle : 'native';
      return { id: element.id, text: element.textContent?.trim(), label: element.getAttribute('aria-label'), outline, row: Boolean(element.closest('#messages tbody')) };
    });
    await keyboard.keyboard.press('Tab');
    expect(await focused()).toMatchObject({ id: 'skip', text: 'Skip to the report' });
    expect(await keyboard.locator('#skip').isVisible()).toBe(true);
    await keyboard.keyboard.press('Enter');
    expect((await focused()).id).toBe('dumps-heading');

    const reached: Awaited<ReturnType<typeof focused>>[] = [];
    for (let i = 0; i < 120 && !reached.at(-1)?.row; i++) {
      await keyboard.keyboard.press('Tab');
      reached.push(await focused());
    }
    const row = reached.at(-1)!;
    expect(row.row).toBe(true);
    // Every control above the table is on the way: the dump, the chart's filters, the months, the domains, the form.
    const names = reached.map((item) => item.label || item.text);
    for (const control of ['Failed', '2023-03: 37 messages (12 verified, 5 partially verified, 20 failed)', 'example.test', 'body-hash-mismatch', 'Apply', 'Clear']) {
      expect(names).toContain(control);
    }
    expect(reached.map((item) => item.id)).toEqual(expect.arrayContaining(['f-verdict', 'f-reason', 'f-domain', 'f-from', 'f-after', 'f-before']));
    expect(reached.filter((item) => item.outline === 'none')).toEqual([]);

    await keyboard.keyboard.press('Enter');
    await expect.poll(() => keyboard.locator('#evidence-heading').innerText()).toBe(row.text);
    expect((await focused()).id).toBe('evidence');
    expect(new URL(keyboard.url()).hash).toContain('message=');
    await keyboard.keyboard.press('Escape');
    await expect.poll(() => keyboard.locator('#evidence').isHidden()).toBe(true);
    expect(await focused()).toMatchObject({ row: true, text: row.text });
    expect(new URL(keyboard.url()).hash).not.toContain('message=');
    await keyboard.close();
  });

  it('fits a phone (390 px): rows become cards that show their verdict, the evidence opens at its top', async () => {
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    await phone.goto(`${server.url}#token=${TOKEN}&dump=${DUMP_ID}`);
    const rows = phone.locator('#messages tbody tr');
    await expect.poll(() => rows.count()).toBe(50);
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    const cards = await rows.evaluateAll((all) => all.slice(0, 10).map((row) => {
      const box = row.getBoundingClientRect();
      const badge = row.querySelector('.badge')!.getBoundingClientRect();
      return { width: box.width, badgeInside: badge.width > 0 && badge.left >= box.left && badge.right <= box.right, display: getComputedStyle(row).display };
    }));
    expect(cards.every((card) => card.display === 'grid' && card.badgeInside && card.width <= 390)).toBe(true);
    expect(await phone.locator('#messages thead').evaluate((head) => head.getBoundingClientRect().height)).toBeLessThanOrEqual(1);

    await rows.nth(20).scrollIntoViewIfNeeded();
    await rows.nth(20).getByRole('button').click();
    const panel = phone.locator('#evidence');
    await expect.poll(() => panel.locator('article.sig').count()).toBeGreaterThan(0);
    const placed = await panel.evaluate((aside) => ({ top: aside.getBoundingClientRect().top, width: aside.getBoundingClientRect().width, scrollTop: aside.scrollTop }));
    expect(placed).toEqual({ top: 0, width: 390, scrollTop: 0 });
    expect(await phone.getByRole('button', { name: 'Close evidence' }).isVisible()).toBe(true);
    expect((await phone.locator('#evidence-heading').boundingBox())!.y).toBeLessThan(100);
    mkdirSync('test-artifacts', { recursive: true });
    await phone.screenshot({ path: 'test-artifacts/report-page-phone-evidence.png' });
    await phone.getByRole('button', { name: 'Close evidence' }).click();
    await expect.poll(() => panel.isHidden()).toBe(true);
    await phone.evaluate(() => scrollTo(0, document.querySelector('#messages')!.getBoundingClientRect().top + scrollY - 40));
    await phone.screenshot({ path: 'test-artifacts/report-page-phone.png' });
    await phone.close();
  });

  it('asks for the token with a form when the API answers 401', async () => {
    const fresh = await browser.newPage();
    await fresh.goto(server.url);
    const dialog = fresh.getByRole('dialog', { name: 'Access token' });
    await expect.poll(() => dialog.isVisible()).toBe(true);
    await dialog.getByLabel('Token').fill(TOKEN);
    await dialog.getByRole('button', { name: 'Continue' }).click();
    await expect.poll(() => fresh.locator('#dump-name').innerText()).toBe('campaign-leak.zip');
    await fresh.close();
  });
});

if (!chromiumAvailable) console.warn(`report page test skipped: ${CHROMIUM} is missing (install the Debian packages chromium and chromium-driver)`);
