import { buildCli } from '../tools/build.ts';

/** The end-to-end tests run the command as users do, from the bundle: build it from the sources under test. */
export default async function setup(): Promise<void> {
  await buildCli();
}
