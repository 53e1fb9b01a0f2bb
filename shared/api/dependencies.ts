import type { KeyArchive } from '../ports/key-archive.ts';
import type { Reverifier } from '../ports/reverifier.ts';
import type { VerdictStore } from '../ports/verdict-store.ts';

/** What the API runs on: the same ports whichever host serves it (SQLite locally, DynamoDB in AWS). */
export interface ApiDependencies {
  store: VerdictStore;
  keys: KeyArchive;
  reverifier: Reverifier;
  /**
   * When set, every route but the report page and the OpenAPI document asks for `Authorization: Bearer <token>`
   * (`leakproof serve --token`). In AWS, API Gateway authorises instead and this is unset.
   */
  token?: string | undefined;
  /** The most bytes one response may carry, where the host cannot stream (AWS); larger ones are a 501. Default: no cap. */
  maxResponseBytes?: number | undefined;
  /** Hears of the errors that became a 500, which the response does not describe. Default: one line on stderr. */
  log?: ((error: unknown) => void) | undefined;
}
