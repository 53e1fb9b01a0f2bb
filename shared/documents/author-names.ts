import type { AttachmentRecord, MetadataField } from './contract.ts';

/** The metadata fields that name a person who wrote or last changed a file: what "an unseen author" compares. */
export const AUTHOR_FIELDS: readonly MetadataField[] = ['author', 'lastModifiedBy'];

/** Longest author name kept (a longer one is cut): names are compared whole, and a store's keys are bounded. */
export const MAX_AUTHOR_NAME_CHARS = 256;

/** Most distinct names VerdictStore.verifiedAuthors answers with for one organisation. */
export const MAX_KNOWN_AUTHORS = 1000;

/** The distinct author and last-modifier names on a message's attachments, trimmed and cut to the bound. */
export function authorNamesOf(attachments: readonly AttachmentRecord[]): string[] {
  const names = new Set<string>();
  for (const attachment of attachments) {
    for (const field of AUTHOR_FIELDS) {
      const name = attachment.metadata?.fields[field]?.trim();
      if (name) names.add(name.slice(0, MAX_AUTHOR_NAME_CHARS));
    }
  }
  return [...names];
}
