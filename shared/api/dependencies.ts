import type { ExportDelivery } from '../ports/export-delivery.ts';
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
  /**
   * Where exports go when the host cannot stream them (AWS: to S3): GET /dumps/{id}/export then answers 303 with
   * the download's URL. Default: the export is streamed in the response.
   */
  exportDelivery?: ExportDelivery | undefined;
  /**
   * The most bytes one response may carry, where the host buffers responses (AWS); larger ones are a 501.
   * Exports are not held by it when they are delivered (above). Default: no cap.
   */
  maxResponseBytes?: number | undefined;
  /** Hears of the errors that became a 500, which the response does not describe. Default: one line on stderr. */
  log?: ((error: unknown) => void) | undefined;
}
