import type { ExportJobs } from '../ports/export-delivery.ts';
import type { KeyArchive } from '../ports/key-archive.ts';
import type { MessageSource } from '../ports/message-source.ts';
import type { Reverifier } from '../ports/reverifier.ts';
import type { VerdictStore } from '../ports/verdict-store.ts';
import type { PageSignIn } from './report-page.ts';

/** What the API runs on: the same ports whichever host serves it (SQLite locally, DynamoDB in AWS). */
export interface ApiDependencies {
  store: VerdictStore;
  keys: KeyArchive;
  reverifier: Reverifier;
  /**
   * Where stored messages are read again from their dumps (locally the ingested file or folder, in AWS the S3
   * object): what the text diff between copies of a message is made from. Default: none (variants say so).
   */
  messages?: MessageSource | undefined;
  /**
   * When set, every route but the report page and the OpenAPI document asks for `Authorization: Bearer <token>`
   * (`leakproof serve --token`). In AWS, API Gateway authorises instead and this is unset.
   */
  token?: string | undefined;
  /**
   * Exports as jobs, for a host that cannot stream a response of any length (AWS: written to S3 by a function of
   * their own): GET /dumps/{id}/export then answers 202 and GET /dumps/{id}/exports/{exportId} follows the job.
   * Default: the export is streamed in the response.
   */
  exportJobs?: ExportJobs | undefined;
  /**
   * How the report page signs in where the API takes JWTs (AWS): GET /auth-config tells the page, and the page's
   * policy lets it reach the token endpoint. Default: none (the page asks for a token on a 401, as locally).
   */
  signIn?: PageSignIn | undefined;
  /**
   * The most bytes one response may carry, where the host buffers responses (AWS); larger ones are a 501.
   * Exports are not held by it when they are delivered (above). Default: no cap.
   */
  maxResponseBytes?: number | undefined;
  /** Hears of the errors that became a 500, which the response does not describe. Default: one line on stderr. */
  log?: ((error: unknown) => void) | undefined;
}
