/**
 * What `leakproof serve` refuses before anything else, the bearer token included: requests that a web page in
 * the user's browser made, or was tricked into making (THREATS.md, the web attacker). Only the local server
 * applies it; in AWS, API Gateway is reached by its own name and authorises every data route itself.
 *
 * - The Host must be this server by a loopback name and its port (127.0.0.1, localhost or [::1]). A page that
 *   rebinds its own name to 127.0.0.1 (DNS rebinding) talks to this port with its own name in Host: 421.
 * - An Origin, when sent, must be this server's own origin (the page it serves). A browser sends one with every
 *   POST and every cross-origin fetch: another page's is refused (403). Clients that send none (curl, scripts)
 *   go on to the token check.
 * - Sec-Fetch-Site, when sent, must say the request came from this origin or from the user (an address typed, a
 *   bookmark, a link opened from the terminal): a browser marks what another site's page asked for (403), even
 *   where it sends no Origin (images, scripts, link clicks).
 */
import { ApiProblem } from './problem.ts';

/** The names this machine's loopback goes by, as a Host field writes them. */
export const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'] as const;

/** Sec-Fetch-Site values of requests this origin's page or the user made. */
const OWN_FETCH_SITES = new Set(['same-origin', 'none']);

/** A check of each request against the server listening on `port` of the loopback: the refusal, or null to go on. */
export function loopbackGuard(port: number): (request: Request) => ApiProblem | null {
  // Browsers leave out the default port (":80"); other clients may write it.
  const authorities = new Set(LOOPBACK_NAMES.flatMap((name) => [`${name}:${port}`, new URL(`http://${name}:${port}`).host]));
  const names = [...LOOPBACK_NAMES].map((name) => `${name}:${port}`).join(', ');
  return (request) => {
    const host = request.headers.get('host')?.toLowerCase();
    // The request line may name a host too (absolute form), which the URL was then made from.
    if (host === undefined || !authorities.has(host) || !authorities.has(new URL(request.url).host)) {
      return new ApiProblem(421, `this server answers only by its loopback names: Host must be one of ${names}`);
    }
    const origin = request.headers.get('origin');
    if (origin !== null && origin !== `http://${host}`) {
      return new ApiProblem(403, `a request from another origin than http://${host} is refused: open the report page from this server`);
    }
    const site = request.headers.get('sec-fetch-site');
    if (site !== null && !OWN_FETCH_SITES.has(site.toLowerCase())) {
      return new ApiProblem(403, `a request another site's page made (Sec-Fetch-Site) is refused: open http://${host}/ from the address bar or the terminal`);
    }
    return null;
  };
}
