/**
 * axe-core (Deque's accessibility engine, pinned in devDependencies) run inside a page: the WCAG 2.0, 2.1 and
 * 2.2 A and AA rules. @axe-core/playwright needs @playwright/test; this is the same engine, injected directly.
 */
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

/** Browser globals, for the functions run in the page by evaluate() (this Node program's types have no DOM). */
declare const window: any, document: any;

const AXE_SOURCE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
interface AxeViolation { id: string; impact: string; nodes: { target: string[]; failureSummary: string }[] }
type Axe = { run(context: unknown, options: unknown): Promise<{ violations: AxeViolation[] }> };
const WCAG_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

/**
 * Every violation of those rules on the page as it is drawn now, one line each: rule, impact, and the elements
 * (CSS path and why). The page's Content-Security-Policy forbids inline scripts, so the page must come from a
 * context made with `bypassCSP: true` for addScriptTag to load axe.
 */
export async function accessibilityViolations(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: AXE_SOURCE });
  return page.evaluate(async (tags) => {
    const { violations } = await (window as unknown as { axe: Axe }).axe.run(document, {
      runOnly: { type: 'tag', values: tags },
    });
    return violations.flatMap((violation) => violation.nodes.map((node) => `${violation.id} (${violation.impact}): ${node.target.join(' ')}: ${node.failureSummary}`));
  }, WCAG_AA);
}
