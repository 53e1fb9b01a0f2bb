/**
 * The report page's export buttons as AWS serves the page, in headless Chromium: the API Lambda (functions/api.ts)
 * behind the stand-in for API Gateway (test/helpers/http-api-gateway.ts: the page's files public, every data route
 * wanting the bearer token), its store DynamoDB (dynalite), its exports jobs on the export queue (fauxqs) written to
 * S3 (s3rver) by the export function (functions/export.ts), which the test runs as Lambda's event source mapping
 * would while the page waits.
 *
 * The page starts the export (202), asks its status with `redirect=false` until it is written, then hands the
 * presigned URL to the browser, which downloads it from S3 directly (a navigation: no CORS, no token sent there).
 * The file must hold the listing's filtered messages and nothing else. A failed export says so next to the buttons.
 * Without Debian's chromium it skips, saying so; CI installs it (.ci/run).
 */
import { CHROMIUM, chromiumAvailable, launchChromium, recordProblems } from '../helpers/chromium.ts';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { readFileSync } from 'node:fs';
import { type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { documentClient } from '../../shared/adapters/aws/clients.ts';
import { DynamoVerdictStore } from '../../shared/adapters/aws/dynamo-verdict-store.ts';
import { S3ExportDelivery } from '../../shared/adapters/aws/s3-export-delivery.ts';
import type { EntryRecord } from '../../shared/ports/verdict-store.ts';
import { createLeakproofResources, EMULATOR_CREDENTIALS, QUIET_HANDLERS, startAwsEmulators, type AwsEmulators, type LeakproofResources } from '../helpers/aws-emulators.ts';
import { drainQueue } from '../helpers/event-source-mapping.ts';
import { serveApiGateway, type RunningGateway } from '../helpers/http-api-gateway.ts';
import { lambdaContext } from '../helpers/lambda-events.ts';
import { dumpInput, errorEntry, messageEntry, sha256Of, skippedEntry } from '../helpers/store-records.ts';
import { createExportQueue } from '../unit/api/api-harness.ts';
import { accessibilityViolations } from '../helpers/axe.ts';

const TOKEN = 'a-jwt-the-gateway-accepts';
const DUMP_ID = sha256Of('report-page-aws-export');

/** 8 verified, 5 failed, 3 unsigned, an unreadable entry and a skipped file. */
function entries(): EntryRecord[] {
  return [
    ...Array.from({ length: 8 }, (_, i) => messageEntry(`inbox/verified-${i}.eml`, { signedBy: ['example.test'] })),
    ...Array.from({ length: 5 }, (_, i) => messageEntry(`inbox/failed-${i}.eml`, { verdict: 'failed', reasons: ['body-hash-mismatch'], signedBy: ['example.test'] })),
    ...Array.from({ length: 3 }, (_, i) => messageEntry(`inbox/unsigned-${i}.eml`, { verdict: 'unverified', reasons: ['no-signature'] })),
    errorEntry('inbox/broken.eml', 'not a message: no header section'),
    skippedEntry('inbox/logo.png'),
  ];
}
const FAILED = Array.from({ length: 5 }, (_, i) => `inbox/failed-${i}.eml`);

describe.skipIf(!chromiumAvailable)('the report page exports from AWS (export jobs, a presigned S3 download)', () => {
  let emulators: AwsEmulators;
  let resources: LeakproofResources;
  let gateway: RunningGateway;
  let exportQueue: { queueUrl: string; queueArn: string };
  let writeExports: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;
  let browser: Browser;

  beforeAll(async () => {
    vi.setConfig({ expect: { poll: { timeout: 20_000 } } });
    emulators = await startAwsEmulators();
    resources = await createLeakproofResources(emulators);
    exportQueue = await createExportQueue(emulators.sqs);
    const store = new DynamoVerdictStore(documentClient(emulators.dynamodb), { dumps: resources.dumpsTable, verdicts: resources.verdictsTable, postings: resources.postingsTable });
    const seeded = entries();
    await store.openDump(dumpInput(DUMP_ID, { name: 'cloud-leak.zip' }), new Date('2025-03-01T12:00:00.000Z'));
    await store.putEntries(DUMP_ID, seeded);
    await store.finishSplitting(DUMP_ID, seeded.length, new Date('2025-03-01T12:05:00.000Z'));
    // The handlers wire their adapters from the environment, as in Lambda.
    Object.assign(process.env, resources.env, { EXPORT_QUEUE_URL: exportQueue.queueUrl, ...QUIET_HANDLERS });
    const api = await import('../../functions/api.ts');
    writeExports = (await import('../../functions/export.ts')).handler;
    gateway = await serveApiGateway({ handler: api.handler, token: TOKEN, credentials: EMULATOR_CREDENTIALS, region: emulators.region });
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await gateway?.close();
    await emulators?.stop();
  });

  /** Plays the export queue's event source mapping until `done` settles, as Lambda would while the page waits. */
  async function runExportsUntil(done: Promise<unknown>): Promise<void> {
    let finished = false;
    void done.finally(() => (finished = true)).catch(() => undefined);
    while (!finished) {
      await drainQueue({ sqs: emulators.sqs, queueUrl: exportQueue.queueUrl, queueArn: exportQueue.queueArn, handler: writeExports, context: () => lambdaContext({ functionName: 'leakproof-export', timeoutMs: 900_000 }) });
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** The page on the dump's failed messages, its requests watched: S3 must never be sent the token. */
  async function openFailedListing(problems: string[]): Promise<{ page: Page; toS3: { url: string; authorization: string | undefined }[] }> {
    // bypassCSP: axe-core is injected as a script (test/helpers/axe.ts); the page's own requests are unchanged.
    const page = await browser.newPage({ acceptDownloads: true, bypassCSP: true });
    recordProblems(page, problems, [gateway.url, emulators.endpoints.s3, 'data:']);
    const toS3: { url: string; authorization: string | undefined }[] = [];
    page.on('request', (request) => {
      if (request.url().startsWith(emulators.endpoints.s3)) toS3.push({ url: request.url(), authorization: request.headers().authorization });
    });
    await page.goto(`${gateway.url}#token=${TOKEN}&dump=${DUMP_ID}&verdict=failed`);
    await expect.poll(() => page.locator('#messages tbody tr').count()).toBe(FAILED.length);
    expect(await page.locator('#exports-label').innerText()).toBe('Export these messages:');
    return { page, toS3 };
  }

  it('starts the job, shows its progress, and downloads the written file from S3 with only the filtered messages', async () => {
    const problems: string[] = [];
    const { page, toS3 } = await openFailedListing(problems);
    const routesBefore = gateway.routes.length;

    const downloaded = page.waitForEvent('download', { timeout: 60_000 });
    await page.getByRole('button', { name: 'JSON lines' }).click();
    // Waiting for the job: said in the live region beside the buttons, which wait too.
    await expect.poll(() => page.locator('#export-status').innerText()).toMatch(/queued|Writing/);
    expect(await page.locator('#export-status').getAttribute('aria-live')).toBe('polite');
    expect(await page.getByRole('button', { name: 'CSV' }).isDisabled()).toBe(true);
    await runExportsUntil(downloaded);
    const download = await downloaded;

    expect(download.suggestedFilename()).toBe(`leakproof-${DUMP_ID.slice(0, 12)}.jsonl`);
    const lines = readFileSync((await download.path())!, 'utf8').trimEnd().split('\n').map((line) => JSON.parse(line));
    expect(lines.map((line) => line.locator)).toEqual(FAILED);
    expect(lines.every((line) => line.verdict === 'failed' && line.dump === DUMP_ID)).toBe(true);
    await expect.poll(() => page.locator('#export-status').innerText()).toMatch(/^Export ready: 5 records \(\d[\d,.]* (bytes|kB)\), downloading\.$/);
    expect(await page.getByRole('button', { name: 'CSV' }).isEnabled()).toBe(true);

    // The API was asked for the export, then its status; the file came from S3 itself, without the token.
    const asked = gateway.routes.slice(routesBefore);
    expect(asked[0]).toBe('GET /dumps/{id}/export');
    expect(asked.slice(1).filter((route) => route !== 'GET /dumps/{id}/exports/{exportId}')).toEqual([]);
    expect(asked.length).toBeGreaterThan(1);
    expect(toS3).toHaveLength(1);
    expect(toS3[0]!.authorization).toBeUndefined();
    expect(new URL(toS3[0]!.url).searchParams.get('response-content-disposition')).toBe(`attachment; filename="leakproof-${DUMP_ID.slice(0, 12)}.jsonl"`);
    // Still on the report: the download did not navigate away.
    expect(new URL(page.url()).origin).toBe(new URL(gateway.url).origin);
    expect(problems).toEqual([]);
    await page.close();
  }, 120_000);

  it('says a failed export next to the buttons, and lets them be used again', async () => {
    const problems: string[] = [];
    const { page } = await openFailedListing(problems);
    await page.getByRole('button', { name: 'CSV' }).click();
    await expect.poll(() => page.locator('#export-status').innerText()).toMatch(/queued/);
    // The job's function stops for good before writing: its state says failed, as the runner records it.
    const listed = await emulators.s3.send(new ListObjectsV2Command({ Bucket: resources.bucket, Prefix: `exports/${DUMP_ID}/` }));
    const delivery = new S3ExportDelivery(emulators.s3, resources.bucket);
    const exportIds = (listed.Contents ?? []).flatMap((object) => /\/([0-9a-f]{32})\.state\.json$/.exec(object.Key!)?.[1] ?? []);
    const queued = [];
    for (const exportId of exportIds) if ((await delivery.stored(DUMP_ID, exportId))?.status === 'queued') queued.push(exportId);
    expect(queued).toHaveLength(1);
    const queuedId = queued[0]!;
    await delivery.record(
      { dumpId: DUMP_ID, exportId: queuedId, format: 'csv' },
      { status: 'failed', format: 'csv', requestedAt: new Date().toISOString(), reason: 'the export failed while reading the verdicts or writing the file' },
    );
    await expect.poll(() => page.locator('#export-status').innerText()).toBe(`The export failed: export ${queuedId} failed: the export failed while reading the verdicts or writing the file`);
    expect(await page.locator('#export-status').getAttribute('class')).toBe('error');
    // The failure as shown meets WCAG 2.2 AA too (its colour's contrast among the rest).
    expect(await accessibilityViolations(page)).toEqual([]);
    expect(await page.getByRole('button', { name: 'CSV' }).isEnabled()).toBe(true);
    // The 500 the status route answers is the only console error (Chromium logs a failed fetch).
    expect(problems.filter((problem) => !/status of 500/.test(problem))).toEqual([]);
    await page.close();
  }, 120_000);
});

if (!chromiumAvailable) console.warn(`report page AWS export test skipped: no Chromium at ${CHROMIUM}`);
