import { describe, expect, it } from 'vitest';
import { MAX_MIME_DEPTH, MAX_MIME_PARTS } from '../../../shared/mime/limits.ts';
import { walkMime } from '../../../shared/mime/mime-tree.ts';
import { buildMessage } from '../../helpers/messages.ts';
import { filePart, multipartMessage, renderPart, textPart } from '../../helpers/mime-messages.ts';

const pdf = Buffer.from('%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n');

describe('walkMime', () => {
  it('numbers a single-part message "1" and gives its body range', () => {
    const message = buildMessage({ body: 'Hello\r\n' });
    const walk = walkMime(message);
    expect(walk.leaves).toHaveLength(1);
    const [leaf] = walk.leaves;
    expect(leaf).toMatchObject({ path: '1', type: 'text/plain', declaredType: 'text/plain', charset: 'utf-8', container: null, transferEncoding: '7bit' });
    expect(message.subarray(leaf!.bodyStart, leaf!.bodyEnd).toString()).toBe('Hello\r\n');
    expect(leaf!.coverEnd).toBe(message.length);
    expect(walk.note).toBeNull();
  });

  it('numbers nested parts as IMAP does, each with its exact encoded body', () => {
    const message = multipartMessage({
      subtype: 'mixed',
      boundary: 'outer',
      parts: [
        {
          subtype: 'alternative',
          boundary: 'alt',
          parts: [textPart('plain text'), { subtype: 'related', boundary: 'rel', parts: [textPart('<p>html</p>', 'text/html'), filePart(pdf, { type: 'image/png', disposition: 'inline' })] }],
        },
        filePart(pdf, { type: 'application/pdf', name: 'notes.pdf' }),
      ],
    });
    const walk = walkMime(message);
    expect(walk.leaves.map((leaf) => [leaf.path, leaf.type, leaf.container])).toEqual([
      ['1.1', 'text/plain', 'multipart/alternative'],
      ['1.2.1', 'text/html', 'multipart/related'],
      ['1.2.2', 'image/png', 'multipart/related'],
      ['2', 'application/pdf', 'multipart/mixed'],
    ]);
    const body = (i: number) => message.subarray(walk.leaves[i]!.bodyStart, walk.leaves[i]!.bodyEnd).toString('latin1');
    expect(body(0)).toBe('plain text');
    expect(body(1)).toBe('<p>html</p>');
    expect(Buffer.from(body(3), 'base64')).toEqual(pdf);
    expect(walk.leaves[3]).toMatchObject({ name: 'notes.pdf', disposition: 'attachment', transferEncoding: 'base64' });
    // What closes a part is its next delimiter line, taken whole.
    expect(message.subarray(walk.leaves[3]!.bodyEnd, walk.leaves[3]!.coverEnd).toString()).toBe('\r\n--outer--\r\n');
    expect(message.subarray(walk.leaves[0]!.bodyEnd, walk.leaves[0]!.coverEnd).toString()).toBe('\r\n--alt\r\n');
    expect(walk.note).toBeNull();
  });

  it('keeps an attached message whole: its own parts are not walked', () => {
    const inner = multipartMessage({ subtype: 'mixed', boundary: 'inner', parts: [textPart('inner'), filePart(pdf, { name: 'x.pdf' })] });
    const message = multipartMessage({ subtype: 'mixed', boundary: 'outer', parts: [textPart('see attached'), { headers: ['Content-Type: message/rfc822'], body: inner }] });
    const walk = walkMime(message);
    expect(walk.leaves.map((leaf) => [leaf.path, leaf.type])).toEqual([['1', 'text/plain'], ['2', 'message/rfc822']]);
    expect(message.subarray(walk.leaves[1]!.bodyStart, walk.leaves[1]!.bodyEnd)).toEqual(inner);
  });

  it('reads LF-only messages and ignores the preamble, the epilogue and boundary look-alikes', () => {
    const body = ['preamble', '--b', 'Content-Type: text/plain', '', 'one', '--bxyz is text, not a delimiter', '--b  ', '', 'two', '--b--', 'epilogue', ''].join('\n');
    const message = buildMessage({ eol: '\n', contentType: 'multipart/mixed; boundary=b', body });
    const walk = walkMime(message);
    const bodies = walk.leaves.map((leaf) => message.subarray(leaf.bodyStart, leaf.bodyEnd).toString());
    expect(bodies).toEqual(['one\n--bxyz is text, not a delimiter', 'two']);
    expect(walk.leaves.map((leaf) => leaf.path)).toEqual(['1', '2']);
    // "--b  " is a delimiter to RFC 2046 (transport padding) and content to mailparser: read as the RFC says, noted.
    expect(walk.note).toMatch(/transport padding/);
    expect(walk.ambiguous).toBe(true);
    expect(walkMime(Buffer.from(message.toString().replace('--b  ', '--b'))).ambiguous).toBe(false);
  });

  it('reads a boundary that never closes as running to the end, with a note', () => {
    const message = buildMessage({ contentType: 'multipart/mixed; boundary=b', body: '--b\r\n\r\none\r\n--b\r\nContent-Type: application/pdf\r\n\r\ntwo\r\n' });
    const walk = walkMime(message);
    expect(walk.leaves.map((leaf) => message.subarray(leaf.bodyStart, leaf.bodyEnd).toString())).toEqual(['one', 'two\r\n']);
    expect(walk.leaves[1]!.coverEnd).toBe(message.length);
    expect(walk.note).toMatch(/not closed/);
    expect(walk.stopped).toBe(false);
  });

  it('reads a multipart without a usable boundary as one part, with a note', () => {
    const walk = walkMime(buildMessage({ contentType: 'multipart/mixed', body: 'whatever\r\n' }));
    expect(walk.leaves.map((leaf) => [leaf.path, leaf.type])).toEqual([['1', 'multipart/mixed']]);
    expect(walk.note).toMatch(/no usable boundary/);
  });

  it('defaults parts of a multipart/digest to message/rfc822', () => {
    const message = multipartMessage({ subtype: 'digest', boundary: 'd', parts: [{ headers: [], body: buildMessage() }] });
    expect(walkMime(message).leaves.map((leaf) => [leaf.type, leaf.declaredType])).toEqual([['message/rfc822', null]]);
  });
});

describe('walkMime against hostile structures (each finishes fast, with a note)', () => {
  const fast = (run: () => void) => {
    const started = performance.now();
    run();
    expect(performance.now() - started).toBeLessThan(1000);
  };

  it(`stops at ${MAX_MIME_PARTS} parts of 10,000`, () => {
    const message = multipartMessage({ subtype: 'mixed', boundary: 'b', parts: Array.from({ length: 10_000 }, () => filePart(Buffer.from('x'))) });
    fast(() => {
      const walk = walkMime(message);
      expect(walk.stopped).toBe(true);
      expect(walk.leaves.length).toBe(MAX_MIME_PARTS - 1); // the root multipart is a part too
      expect(walk.note).toMatch(/more than 256 MIME parts/);
    });
  });

  it(`stops at ${MAX_MIME_DEPTH} levels of 1,000`, () => {
    let part = renderPart(filePart(Buffer.from('deep')));
    for (let i = 0; i < 1000; i++) part = Buffer.concat([Buffer.from(`Content-Type: multipart/mixed; boundary="b${i}"\r\n\r\n--b${i}\r\n`), part, Buffer.from(`\r\n--b${i}--\r\n`)]);
    const message = Buffer.concat([Buffer.from('From: a@example.com\r\nMIME-Version: 1.0\r\n'), part]);
    fast(() => {
      const walk = walkMime(message);
      expect(walk.stopped).toBe(true);
      expect(walk.leaves).toEqual([]);
      expect(walk.note).toMatch(/nested more than 16 deep/);
    });
  });

  it('walks a 20 MB base64 line and a boundary that never closes in linear time', () => {
    const line = 'QUFB'.repeat(5 * 1024 * 1024);
    const message = buildMessage({ contentType: 'multipart/mixed; boundary=never', body: `--never\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n${line}` });
    fast(() => {
      const walk = walkMime(message);
      expect(walk.leaves).toHaveLength(1);
      expect(walk.leaves[0]!.bodyEnd - walk.leaves[0]!.bodyStart).toBe(line.length);
      expect(walk.note).toMatch(/not closed/);
    });
  });

  it('does not read a part whose header section is endless, and says so', () => {
    const message = buildMessage({ contentType: 'multipart/mixed; boundary=b', body: `--b\r\n${'X-Long: y\r\n'.repeat(20_000)}` });
    fast(() => {
      const walk = walkMime(message);
      expect(walk.leaves).toEqual([]);
      expect(walk.note).toMatch(/header section of part 1 is over/);
    });
  });

  it('does not parse a Content-Type of megabytes', () => {
    const message = buildMessage({ contentType: `application/pdf; name="${'a'.repeat(4 * 1024 * 1024)}"`, body: 'x' });
    fast(() => {
      const walk = walkMime(message);
      expect(walk.leaves.map((leaf) => [leaf.type, leaf.name])).toEqual([['text/plain', null]]);
      expect(walk.note).toMatch(/Content-Type field of part 1 is too long/);
    });
  });
});
