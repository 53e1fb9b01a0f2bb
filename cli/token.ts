/**
 * The bearer token a command was given: --token, else $LEAKPROOF_TOKEN; undefined when neither is set (a deployed
 * stack's API is then signed with SigV4, and `serve` makes one). Its own module, free of the AWS SDK, because
 * `serve` and the local `summary`/`export` read it too.
 */
export function tokenOf(flags: { token?: string | undefined }, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return flags.token || env.LEAKPROOF_TOKEN || undefined;
}
