import { pngImage } from './attachment-bytes.ts';
import { buildPdf } from './documents/index.ts';
import type { Prng } from './prng.ts';

/**
 * What mailbox exports leave beside the messages: saved documents and images (documents no message carries:
 * `unproven`), and a message file that is not a message at all (it must come out as `error` [parse-error], not
 * vanish).
 */
export interface StrayFile {
  /** Written right after the message with this index, in that message's month folder. */
  afterMessage: number;
  name: string;
  bytes: Buffer;
  expected: { kind: 'document'; contentType: string; description: string } | { kind: 'error'; description: string };
}

export function strayFiles(prng: Prng): StrayFile[] {
  return [
    {
      afterMessage: 2,
      name: 'Note interne - sondages.pdf',
      bytes: buildPdf(['Note interne : synthese des sondages, semaine 14'], { title: 'Note interne - sondages', producer: 'Microsoft Word 2016' }),
      expected: { kind: 'document', contentType: 'application/pdf', description: 'a saved note no message carries' },
    },
    {
      afterMessage: 5,
      name: 'image001.png',
      bytes: pngImage(prng, 48, 16),
      expected: { kind: 'document', contentType: 'image/png', description: 'a saved image no message carries' },
    },
    {
      afterMessage: 8,
      name: 'message-recupere.eml',
      // The tail of a message whose header section was lost in a failed export: it opens on an empty line.
      bytes: Buffer.from(
        '\r\n' +
          'ement, merci de confirmer avant vendredi.\r\n\r\nCordialement,\r\n' +
          '\r\n------------4C1B2F0E9A7D5E3B8F6A0C2D--\r\n',
        'latin1',
      ),
      expected: { kind: 'error', description: 'no header section: the export cut the message' },
    },
  ];
}
