/**
 * Run as a child process (`node read-dump-peak.ts <dump>`): reads the dump through the readers and prints, as
 * JSON, each entry as "<kind> <locator>[: reason]" and the process's peak RSS in bytes, so a test can measure
 * the memory a reading costs apart from the test runner's own.
 */
import { locatorKey } from '../../shared/dump/entry.ts';
import { readDump } from '../../shared/dump/open-dump.ts';

const lines: string[] = [];
for await (const entry of readDump(process.argv[2]!)) {
  lines.push(entry.kind === 'error' || entry.kind === 'skipped' ? `${entry.kind} ${locatorKey(entry.locator)}: ${entry.reason}` : `${entry.kind} ${locatorKey(entry.locator)}`);
}
process.stdout.write(JSON.stringify({ lines, peakRssBytes: process.resourceUsage().maxRSS * 1024 }));
