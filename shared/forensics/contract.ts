/**
 * Time and header forensics of one message: evidence beside the verdict, never a change to it.
 * (Placeholder: the forensics work fleshes this out, additively.)
 */
export interface MessageForensics {
  /** Things a reader should look at twice, each one line. */
  flags: string[];
}
