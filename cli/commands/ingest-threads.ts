import { resolveHome } from '../../shared/adapters/local/home-path.ts';
import { startVerifyThreads, type VerifyThreads } from '../../shared/adapters/local/worker-pool.ts';
import type { IngestFlags } from './ingest.ts';

/**
 * The verifying threads of `leakproof ingest`, started before the command's own code is loaded: each takes
 * ~0.1 s to load the verifier, the command as long to load the readers and the store, and the two now overlap
 * (issue 15's start-up). A module of its own, small, for that reason. The threads hold the run's verification
 * time (`--at`, else now): the command itself does not read it.
 */
export function startIngestThreads(flags: IngestFlags): VerifyThreads {
  const at = flags.at ?? new Date();
  return startVerifyThreads({ home: resolveHome(flags.home), offline: flags.offline ?? false, at: at.toISOString(), workers: flags.workers });
}
