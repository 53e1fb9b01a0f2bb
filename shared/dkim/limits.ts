/**
 * Caps on what one message can make the verifier do. Each protects a cost the message's author controls; a
 * signature over a cap is not checked (reason `over-limit`, with the cap in its detail), never guessed at.
 * Real mail sits far below each: the numbers leave two orders of magnitude of room.
 */

/**
 * Names in one h= tag. Real signers list 10–40 (over-signing doubles that); 50,000 names against 50,000 fields
 * was a minute of hashing.
 */
export const MAX_SIGNED_HEADER_NAMES = 512;

/**
 * DKIM-Signature fields checked per message, top down. Real mail carries one to four (author, ESP, list,
 * forwarder); each beyond the cap is recorded as not checked. A forger who stacks signatures above a genuine
 * one can at most make it `unverified`, never `verified`.
 */
export const MAX_SIGNATURES_CHECKED = 16;

/**
 * How long one message may wait for all its key lookups together (they run at once). A dead name server must
 * not hold a dump: a lookup still running at the deadline is `dns-error` for this message, and its answer, when
 * it comes, is archived for the messages after it (and a re-verification).
 */
export const KEY_LOOKUP_DEADLINE_MS = 800;
