/**
 * `leakproof export --documents`: one record per document (its settled provenance and evidence) and per
 * attachment (its carrying message and what that message proves of it), as JSON lines and as CSV whose
 * formula-like cells (hostile file names) are escaped.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openLocalHome, type LocalHome } from '../../../shared/adapters/local/local-home.ts';
import { FILE_CSV_COLUMNS, fileExportLines } from '../../../shared/pipeline/export-lines.ts';
import { fileExportRecords } from '../../../shared/provenance/file-export.ts';
import { settleProvenance } from '../../../shared/provenance/settle-provenance.ts';
import { documentEntry, dumpInput, sha256Of } from '../../helpers/store-records.ts';
import { useTempHome } from '../../helpers/temp-home.ts';
import { AT, attachmentOf, carrierRecord, documentFacts, SPREADSHEET } from './fixtures.ts';

const DUMP = sha256Of('export --documents');
const HOSTILE = '=HYPERLINK("http://evil.example","open").xlsx';

const temp = useTempHome('leakproof-file-export-');
let local: LocalHome;
beforeEach(async () => {
  local = openLocalHome(temp.dir);
  await local.store.openDump(dumpInput(DUMP), AT);
  const verified = await carrierRecord('verified', SPREADSHEET, HOSTILE, { path: 'inbox/1.eml' });
  const limited = await carrierRecord('length-limited', SPREADSHEET, 'accounts.xlsx', { path: 'inbox/2.eml', messageId: '<2@campaign.example>' });
  await local.store.putEntries(DUMP, [
    { ...verified, attachments: [attachmentOf(verified, SPREADSHEET, HOSTILE)] },
    { ...limited, attachments: [attachmentOf(limited, SPREADSHEET, 'accounts.xlsx')] },
    { ...documentEntry('docs/copy.xlsx', ''), ...documentFacts(SPREADSHEET, 'copy.xlsx') },
  ]);
  await local.store.setStatus(DUMP, 'complete', AT);
  await settleProvenance(local.store, DUMP, AT);
});
afterEach(() => local.close());

async function collect(lines: AsyncIterable<string>): Promise<string> {
  let text = '';
  for await (const line of lines) text += line;
  return text;
}

describe('export --documents', () => {
  it('writes each document with its provenance and evidence, then each attachment with its carrier and proof', async () => {
    const records = (await collect(fileExportLines(fileExportRecords(local.store, DUMP), 'jsonl'))).trim().split('\n').map((line) => JSON.parse(line));
    expect(records.map((record) => [record.kind, record.locator, record.provenance])).toEqual([
      ['document', 'docs/copy.xlsx', 'proven'],
      ['attachment', 'inbox/1.eml', 'proven'],
      ['attachment', 'inbox/2.eml', 'partially-proven'],
    ]);
    expect(records[0]).toMatchObject({ verdict: null, mimePath: null, evidence: { provenance: 'proven', carriers: [{ locator: 'inbox/1.eml' }] } });
    expect(records[1]).toMatchObject({ mimePath: '2', name: HOSTILE, verdict: 'verified', coveredBy: ['campaign.example'], evidence: { proof: { level: 'proven' } } });
    expect(records[2]).toMatchObject({ verdict: 'partially-verified', reasons: ['body-length-limit'], coveredBy: [], evidence: { proof: { level: 'partial', reasons: ['body-length-limit'] } } });
    expect(Object.keys(records[0])).toEqual([...FILE_CSV_COLUMNS]);
  });

  it('writes CSV with a header, reasons joined, evidence as JSON, and a formula-like name escaped', async () => {
    const [header, , verifiedRow] = (await collect(fileExportLines(fileExportRecords(local.store, DUMP), 'csv'))).split('\n');
    expect(header).toBe(FILE_CSV_COLUMNS.join(','));
    expect(verifiedRow).toContain(`"'=HYPERLINK(""http://evil.example"",""open"").xlsx"`);
    expect(verifiedRow).not.toMatch(/,=HYPERLINK|,"=HYPERLINK/);
  });
});
