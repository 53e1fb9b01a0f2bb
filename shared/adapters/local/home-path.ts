import { resolve } from 'node:path';

/**
 * Where the embedded store lives: --home, else $LEAKPROOF_HOME, else ./.leakproof. A module of its own, so a
 * command can know it (and start its threads) before it loads the store's code.
 */
export function resolveHome(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(flag ?? env.LEAKPROOF_HOME ?? '.leakproof');
}
