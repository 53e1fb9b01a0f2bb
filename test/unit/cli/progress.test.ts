import { describe, expect, it } from 'vitest';
import { progressReporter } from '../../../cli/progress.ts';
import type { IngestProgress } from '../../../shared/pipeline/ingest.ts';

describe('progressReporter (plain lines)', () => {
  it('counts documents in the line, each noun singular for one', () => {
    const written: string[] = [];
    const stream = { isTTY: false, write: (text: string) => written.push(text) } as unknown as NodeJS.WriteStream;
    const reporter = progressReporter(Promise.resolve(0), stream);
    const progress: IngestProgress = { located: 5, messages: 1, documents: 2, skipped: 1, errors: 1, alreadyStored: 0, bytes: 0 };
    reporter.update(progress);
    reporter.stop();
    expect(written.at(-1)).toMatch(/^ingest: 5 entries, 1 message, 2 documents, 1 skipped, 1 error, 0\.0 MB /);
  });
});
