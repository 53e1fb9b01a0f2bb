import { resolveHome } from '../../shared/adapters/local/home-path.ts';
import { startVerifyThreads, type VerifyThreads } from '../../shared/adapters/local/worker-pool.ts';
import type { IngestFlags } from './ingest.ts';

/**
 * The verifying threads of `leakproof ingest`, started before the command's own code is loaded: each takes
 * ~0.1–0.2 s to load the verifier, the command as long to load the readers and the store, and the two now
 * overlap (issue 15: verifying starts within 150 ms). A module of its own, small, for that reason.
 */
export function startIngestThreads(flags: IngestFlags & { at: Date }): VerifyThreads {
  return startVerifyThreads({ home: resolveHome(flags.home), offline: flags.offline ?? false, at: flags.at.toISOString(), workers: flags.workers });
}
