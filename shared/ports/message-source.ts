/**
 * Where a stored message's original bytes are read again (the dump as ingested: a local file or folder, an S3
 * object): what shows a message's text and diffs two copies. The store keeps verdicts, never message contents.
 */
export interface MessageSource {
  /** The message at `locator` (a locator key) of dump `dumpId`, or null when the dump or the message is gone. */
  read(dumpId: string, locator: string): Promise<Buffer | null>;
}
