import { SingleBar } from 'cli-progress';
import type { IngestProgress } from '../shared/pipeline/ingest.ts';
import { counted, duration, megabytes } from './format.ts';

export interface ProgressReporter {
  update(progress: IngestProgress): void;
  stop(): void;
}

/**
 * A live bar on a terminal (messages/s, MB/s, ETA against the dump's size), plain lines every few seconds
 * otherwise (CI logs, files). Counts only: never a subject, address or any content.
 */
export function progressReporter(dumpBytes: Promise<number>, stream: NodeJS.WriteStream = process.stderr): ProgressReporter {
  // The size is known once the dump is fingerprinted, which happens before the first message is verified.
  let totalBytes = 0;
  void dumpBytes.then((bytes) => (totalBytes = bytes), () => {});
  const started = performance.now();
  const rates = (progress: IngestProgress) => {
    const seconds = Math.max((performance.now() - started) / 1000, 0.001);
    return { seconds, messagesPerSecond: progress.messages / seconds, bytesPerSecond: progress.bytes / seconds };
  };
  if (stream.isTTY) {
    const bar = new SingleBar(
      { stream, format: '{bar} {percentage}% | {entries} | {rate} msg/s | {throughput} MB/s | ETA {remaining}', hideCursor: true, barsize: 24, fps: 5 },
    );
    let barStarted = false;
    return {
      update(progress) {
        if (!barStarted) {
          barStarted = true;
          bar.start(Math.max(totalBytes, 1), 0, { entries: counted(0, 'entry', 'entries'), rate: '0', throughput: '0.0', remaining: '--' });
        }
        const { messagesPerSecond, bytesPerSecond } = rates(progress);
        // A zip's messages can outgrow its compressed size: hold the bar short of full until the end.
        const done = Math.min(progress.bytes, totalBytes * 0.99);
        bar.update(done, {
          entries: counted(progress.located, 'entry', 'entries'),
          rate: messagesPerSecond.toFixed(0),
          throughput: (bytesPerSecond / 1e6).toFixed(1),
          remaining: duration((totalBytes - done) / Math.max(bytesPerSecond, 1)),
        });
      },
      stop() {
        if (!barStarted) return;
        bar.update(Math.max(totalBytes, 1));
        bar.stop();
      },
    };
  }
  let lastLine = 0;
  let last: IngestProgress | null = null;
  const line = (progress: IngestProgress) => {
    const { messagesPerSecond, bytesPerSecond } = rates(progress);
    stream.write(
      `ingest: ${counted(progress.located, 'entry', 'entries')}, ${counted(progress.messages, 'message')}, ${counted(progress.documents, 'document')}, ` +
        `${progress.skipped} skipped, ${counted(progress.errors, 'error')}, ` +
        `${megabytes(progress.bytes)} (${messagesPerSecond.toFixed(0)} msg/s, ${(bytesPerSecond / 1e6).toFixed(1)} MB/s)\n`,
    );
  };
  return {
    update(progress) {
      last = progress;
      if (performance.now() - lastLine > 5000) {
        lastLine = performance.now();
        line(progress);
      }
    },
    stop() {
      if (last) line(last);
    },
  };
}
