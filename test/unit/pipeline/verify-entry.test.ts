import { describe, expect, it } from 'vitest';
import { signMessage } from '../../../shared/dkim/sign.ts';
import { verifyEntry } from '../../../shared/pipeline/verify-entry.ts';
import { createVerifier } from '../../../shared/verify/verify-message.ts';
import { rsaKey, staticResolver } from '../../helpers/keys.ts';
import { buildMessage } from '../../helpers/messages.ts';
import { filePart, multipartMessage, textPart } from '../../helpers/mime-messages.ts';

const AT = new Date('2026-11-21T00:00:00Z');
const key = rsaKey(1024);
const verifier = createVerifier(staticResolver({ 'sel._domainkey.campaign.example': key.record }));
const sign = (message: Buffer) => signMessage(message, { domain: 'campaign.example', selector: 'sel', privateKey: key.privateKey });

describe('verifyEntry', () => {
  it("gives every message record its attachments, covered by the signatures that verified", async () => {
    const bytes = sign(multipartMessage({ subtype: 'mixed', boundary: 'b', parts: [textPart('see attached'), filePart(Buffer.from('%PDF-1.4 x'), { type: 'application/pdf', name: 'a.pdf' })] }));
    const record = await verifyEntry({ kind: 'message', locator: { path: 'a.eml' }, bytes }, verifier, AT);
    expect(record).toMatchObject({ kind: 'message', verdict: 'verified', attachmentsNote: null });
    expect(record.kind === 'message' && record.attachments.map(({ mimePath, name, size, coveredBy }) => ({ mimePath, name, size, coveredBy }))).toEqual([
      { mimePath: '2', name: 'a.pdf', size: 10, coveredBy: [0] },
    ]);
  });

  it('gives a text message an empty list, and a capped one its note', async () => {
    const plain = await verifyEntry({ kind: 'message', locator: { path: 'p.eml' }, bytes: sign(buildMessage()) }, verifier, AT);
    expect(plain).toMatchObject({ kind: 'message', attachments: [], attachmentsNote: null });
    const many = multipartMessage({ subtype: 'mixed', boundary: 'b', parts: Array.from({ length: 300 }, () => textPart('x')) });
    const capped = await verifyEntry({ kind: 'message', locator: { path: 'c.eml' }, bytes: many }, verifier, AT);
    expect(capped).toMatchObject({ kind: 'message', attachments: [], attachmentsNote: expect.stringMatching(/more than 256 MIME parts/) });
  });

  it('gives an unreadable entry no inventory', async () => {
    const record = await verifyEntry({ kind: 'message', locator: { path: 'x.eml' }, bytes: Buffer.from('not a message at all') }, verifier, AT);
    expect(record).toMatchObject({ kind: 'error' });
    expect('attachments' in record).toBe(false);
  });
});
