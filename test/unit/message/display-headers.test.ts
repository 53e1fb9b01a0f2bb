import { describe, expect, it } from 'vitest';
import { splitMessage } from '../../../shared/dkim/header-fields.ts';
import { displayFieldsOf, MAX_DISPLAYED_FIELD_BYTES } from '../../../shared/message/display-fields.ts';
import { displayHeaders } from '../../../shared/message/display-headers.ts';
import { buildMessage, tamper } from '../../helpers/messages.ts';

/** The display headers of a message as the pipeline decodes them: its displayed fields only. */
const shown = (bytes: Buffer) => displayHeaders(displayFieldsOf(splitMessage(bytes).fields));

describe('display headers: To and Cc', () => {
  it('decodes RFC 2047 names and keeps every address, in order', async () => {
    const headers = await shown(
      buildMessage({
        to: '=?UTF-8?Q?=C3=89lodie_Roux?= <e.roux@banque.example>, "Martin, Paul" <paul@press.example>, desk@press.example',
        cc: '=?ISO-8859-1?B?Wm/r?= <zoe@audit.example>',
      }),
    );
    // Names quoted as mailparser writes them, as for From.
    expect(headers.to).toBe('"Élodie Roux" <e.roux@banque.example>, "Martin, Paul" <paul@press.example>, desk@press.example');
    expect(headers.cc).toBe('"Zoë" <zoe@audit.example>');
    expect(headers.from).toBe('"Alice Martin" <alice@campaign.example>');
  });

  it('is null for a field that is absent or names nobody', async () => {
    const noCc = await shown(buildMessage());
    expect([noCc.to, noCc.cc]).toEqual(['"Bob" <bob@press.example>', null]);
    const noTo = await shown(tamper(buildMessage(), 'To: Bob <bob@press.example>\r\n', ''));
    expect(noTo.to).toBeNull();
    expect((await shown(buildMessage({ to: '' }))).to).toBeNull();
  });

  it('shows the bottom-most instance, as for From: the one a signature covers first', async () => {
    const twice = tamper(buildMessage({ cc: 'Signed <signed@x.example>' }), 'MIME-Version: 1.0\r\n', 'MIME-Version: 1.0\r\nCc: Added <added@y.example>\r\n');
    const top = Buffer.concat([Buffer.from('To: Added <added@y.example>\r\n'), buildMessage()]);
    expect((await shown(twice)).cc).toBe('"Added" <added@y.example>');
    expect((await shown(top)).to).toBe('"Bob" <bob@press.example>');
  });

  it('decodes a To of thousands of addresses cut at the display cap, quickly', async () => {
    const crowd = Array.from({ length: 20_000 }, (_, i) => `person${i}@crowd.example`).join(', ');
    const started = performance.now();
    const headers = await shown(buildMessage({ to: crowd }));
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(headers.to!.length).toBeLessThanOrEqual(MAX_DISPLAYED_FIELD_BYTES);
    expect(headers.to!.startsWith('person0@crowd.example, person1@crowd.example')).toBe(true);
  });
});
