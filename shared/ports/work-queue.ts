/**
 * The work queue port: where split-out messages wait for a verifier. Locally a pool of worker threads, in AWS
 * an SQS queue; the splitter only knows it can submit and wait for the queue to be drained.
 */
export interface WorkQueue<Job> {
  /** Resolves once the job is accepted; awaiting it is the splitter's backpressure. */
  submit(job: Job): Promise<void>;
  /** Resolves when every job submitted so far is done. */
  drain(): Promise<void>;
  close(): Promise<void>;
}
