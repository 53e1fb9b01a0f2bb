/** What asking for a re-verification of a dump gives back: done on the spot (locally) or queued (AWS). */
export interface ReverifyReceipt {
  dumpId: string;
  /** 'done': the run finished and `changed` is known; 'queued': the messages went to the workers. */
  status: 'done' | 'queued';
  /** Messages the selection found affected. */
  selected: number;
  /** Verdicts that changed (known when done). */
  changed: number | null;
}

/** The port the API calls for `POST /dumps/{id}/reverify`: a local run, or a selection queued to the AWS workers. */
export interface Reverifier {
  reverifyDump(dumpId: string): Promise<ReverifyReceipt>;
  /** After a key import: how many stored messages the new keys affect (in AWS their runs are queued). */
  keysImported(selectors: { domain: string; selector: string }[]): Promise<KeyImpact>;
}

export interface KeyImpact {
  affected: number;
  dumps: string[];
  /** True when re-verification runs were queued for those dumps; false when only counted (locally). */
  queued: boolean;
}
