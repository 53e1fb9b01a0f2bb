import { describe, expect, it } from 'vitest';
import { dumpIdOf } from '../../../../shared/adapters/aws/s3-upload.ts';
import { MAX_REASON_CHARS, splitFailuresOf } from '../../../../shared/adapters/aws/split-failures.ts';
import { asyncInvocationFailureRecord, s3ObjectCreatedEvent } from '../../../helpers/lambda-events.ts';

const DUMP_ID = 'a'.repeat(64);

describe('splitFailuresOf', () => {
  const event = s3ObjectCreatedEvent({ bucket: 'dumps', key: 'uploads/big dump+1.zip', size: 123, eTag: '"0123abcd-4"' });

  it('names the dump of an S3 event Lambda gave up on as the splitter does (decoded key, quoted ETag), with the error', () => {
    const record = asyncInvocationFailureRecord({ requestPayload: event, error: new Error('Task timed out after 900.00 seconds') });
    expect(splitFailuresOf(JSON.stringify(record))).toEqual([
      {
        kind: 'upload',
        dumpId: dumpIdOf('dumps', 'uploads/big dump+1.zip', '"0123abcd-4"'),
        upload: { bucket: 'dumps', key: 'uploads/big dump+1.zip', size: 123, etag: '"0123abcd-4"' },
        reason: 'split failed: it failed on all 3 attempts: Task timed out after 900.00 seconds',
      },
    ]);
    // The event's bare ETag and HeadObject's quoted one name the same dump.
    expect(dumpIdOf('dumps', 'k', '0123abcd-4')).toBe(dumpIdOf('dumps', 'k', '"0123abcd-4"'));
  });

  it('keeps a reason to one bounded line, however long and many-lined the error', () => {
    const record = asyncInvocationFailureRecord({ requestPayload: event, error: new Error(`first\n\tsecond ${'x'.repeat(5000)}`) });
    const [failure] = splitFailuresOf(JSON.stringify(record));
    expect(failure!.reason).toHaveLength(MAX_REASON_CHARS);
    expect(failure!.reason).toMatch(/^split failed: it failed on all 3 attempts: first second x+…$/);
  });

  it('says when the event grew too old, with no error to quote', () => {
    const record = asyncInvocationFailureRecord({ requestPayload: event, condition: 'EventAgeExceeded' });
    expect(splitFailuresOf(JSON.stringify(record))[0]!.reason).toBe('split failed: its event grew too old to be tried again');
  });

  it('names the dump and leg of a continuation from the split dead-letter queue', () => {
    expect(splitFailuresOf(JSON.stringify({ dumpId: DUMP_ID, key: 'uploads/a.zip', name: 'a.zip', leg: 4 }))).toEqual([
      { kind: 'leg', dumpId: DUMP_ID, leg: 4, reason: expect.stringMatching(/^split failed: its continuation \(leg 5\) failed on every delivery/) },
    ]);
  });

  it('refuses what is neither', () => {
    expect(() => splitFailuresOf('not json')).toThrow(/not a split failure/);
    expect(() => splitFailuresOf('{"dumpId":"x"}')).toThrow(/not a split continuation/);
    expect(() => splitFailuresOf(JSON.stringify({ ...asyncInvocationFailureRecord({ requestPayload: { hello: 1 } }) }))).toThrow(/no S3 event/);
  });
});
