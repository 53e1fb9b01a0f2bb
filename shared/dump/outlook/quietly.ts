/**
 * pst-extractor reports some problems on the console (with folder names and item classes in the text) and goes
 * on with less: a folder whose child table is damaged lists no children. Its calls run with the console taken
 * away (they are synchronous, so nothing else is silenced meanwhile), and what it said comes back, so that
 * a reader can turn it into an error entry instead of losing part of a mailbox without a word.
 */
export function quietly<T>(call: () => T): { value: T; said: string[] } {
  const said: string[] = [];
  const { log, error, warn } = console;
  const keep = (...args: unknown[]) => void said.push(args.map((arg) => (arg instanceof Error ? arg.message : String(arg))).join(' '));
  console.log = keep;
  console.error = keep;
  console.warn = keep;
  try {
    return { value: call(), said };
  } finally {
    console.log = log;
    console.error = error;
    console.warn = warn;
  }
}
