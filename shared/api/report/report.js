/**
 * The Leakproof report page: draws the JSON API it is served with. Plain browser JS, no build step.
 * Everything the API returns comes from leaked mail (subjects, names, addresses, even domains are hostile), so
 * values only enter the page as text nodes or attribute values, through el/svg. Nothing here uses innerHTML.
 */

const VERDICTS = ['verified', 'partially-verified', 'failed', 'unverified', 'error'];
const label = (verdict) => verdict[0].toUpperCase() + verdict.slice(1).replace('-', ' ');

/**
 * The reasons of each verdict (shared/verdict/contract.ts), for the filter's groups and the colours. What each
 * means, in plain words, is the API's (GET /explanations, shared/verdict/plain-language.ts): the same sentence the
 * CLI, the CSV and the evidence sheet use.
 */
const REASONS_OF = {
  'partially-verified': ['body-length-limit', 'weak-key', 'sha1', 'signer-not-aligned', 'unsigned-header', 'signature-expired', 'key-compromised',
    'multiple-authors', 'duplicate-header', 'malformed-header', 'headers-only'],
  failed: ['body-hash-mismatch', 'signature-mismatch'],
  unverified: ['no-signature', 'key-unavailable', 'key-revoked', 'dns-error', 'key-testing', 'malformed-signature', 'over-limit', 'no-transport-headers', 'headers-reencoded'],
  error: ['parse-error'],
  attestation: ['arc-attested'],
};
/** reason → the verdict it belongs to */
const VERDICT_OF = Object.fromEntries(Object.entries(REASONS_OF).flatMap(([verdict, reasons]) => reasons.map((reason) => [reason, verdict])));
/** The plain sentences (GET /explanations), loaded once at the start. */
let plain = { verdicts: {}, reasons: {}, provenances: {} };
const explainReason = (reason) => plain.reasons[reason] ?? '';
const CAUSES = { 'new-key': 'a key was found', 'key-changed': 'the archived key changed', 'key-compromised': 'the key was found compromised', 'rules-change': 'the rules changed' };

/** Provenances of documents (shared/documents/contract.ts), each drawn in the colour of the verdict it rests on. */
const PROVENANCES = { proven: 'verified', 'partially-proven': 'partially-verified', 'altered-copy': 'failed', unproven: 'unverified' };
const UNDECIDED = 'Its provenance has not been decided yet.';
const METADATA_LABELS = {
  title: 'Title', author: 'Author', lastModifiedBy: 'Last modified by', created: 'Created', modified: 'Modified', revision: 'Revision',
  application: 'Application', applicationVersion: 'Application version', company: 'Company', template: 'Template',
  totalEditingMinutes: 'Total editing time (minutes)', producer: 'Producer', documentId: 'Document ID', instanceId: 'Instance ID',
  camera: 'Camera', originalTime: 'Original time', software: 'Software', gps: 'GPS (lat, lon)',
};
/** A difference's field (shared/provenance/decide-provenance.ts fileDifferences): a fact, a metadata field, or "part:<name>". */
const fieldLabel = (field) => (field.startsWith('part:') ? `Package part ${field.slice(5)}` : { size: 'Size (bytes)', detectedType: 'Detected type', ...METADATA_LABELS }[field] ?? field);
const SIGNALS = {
  'created-after-message': 'Created after the message that carries it',
  'modified-after-message': 'Modified after the message that carries it',
  'unseen-author': 'An author never seen on the verified mail of this organisation',
  'unseen-script': 'Metadata in a script never seen on the verified mail of this organisation',
};

const TOKEN = 'leakproof-token';
/** The dumps listed, the one shown, and whether it has documents; everything else shown is in the route. */
const state = { dumps: null, dump: null, hasDocuments: false, view: undefined };

// DOM: the only way anything enters the page

const el = (tag, attributes, ...children) => fill(document.createElement(tag), attributes, children);
const svg = (tag, attributes, ...children) => fill(document.createElementNS('http://www.w3.org/2000/svg', tag), attributes, children);

/** Attributes by setAttribute (on… functions as listeners); children as nodes or text, nested in arrays or not, null ones left out. */
function fill(node, attributes = {}, children = []) {
  for (const [name, value] of Object.entries(attributes)) {
    if (typeof value === 'function') node.addEventListener(name.slice(2), value);
    else if (value !== null && value !== undefined && value !== false) node.setAttribute(name, String(value));
  }
  node.append(...children.flat(Infinity).filter((child) => child !== null && child !== undefined && child !== false));
  return node;
}

const $ = (selector) => document.querySelector(selector);
const enc = encodeURIComponent;
const numbers = new Intl.NumberFormat('en');
const n = (value) => numbers.format(value ?? 0);
const when = (iso) => (iso ? iso.replace('T', ' ').slice(0, 16) : null);
const unix = (seconds) => (seconds === null ? null : when(new Date(seconds * 1000).toISOString()));
const badge = (verdict) => el('span', { class: `badge v-${verdict}` }, label(verdict));
const provenanceBadge = (provenance) => (provenance
  ? el('span', { class: `badge v-${PROVENANCES[provenance]}` }, label(provenance))
  : el('span', { class: 'badge' }, 'Undecided'));
const units = ['bytes', 'kB', 'MB', 'GB'];
/** A size for reading (1 kB = 1000 bytes); the exact count is in its title. */
const size = (bytes) => {
  const power = Math.min(units.length - 1, Math.floor(Math.log10(Math.max(1, bytes)) / 3));
  return el('span', { title: `${n(bytes)} bytes` }, power ? `${new Intl.NumberFormat('en', { maximumFractionDigits: 1 }).format(bytes / 1000 ** power)} ${units[power]}` : `${n(bytes)} bytes`);
};
const linkButton = (className, onclick, ...children) => el('button', { type: 'button', class: `link ${className}`, onclick }, ...children);
const swatch = () => el('span', { class: 'swatch', 'aria-hidden': 'true' });

function status(text, isError = false) {
  $('#status').textContent = text;
  $('#status').className = isError ? 'error' : '';
}

/** Runs what a click asks for; a failure shows on the status line until the next one. */
const run = (task) => (status(''), task().catch((error) => status(`Could not load: ${error.message}`, true)));

// The API, with its bearer token: given (#token=, or asked for), or got by signing in where the API says how

const SIGN_IN = 'leakproof-sign-in';

/**
 * A token handed over in the fragment (#token=…, which browsers never send to a server) goes to sessionStorage
 * and out of the address bar; the rest of the fragment (the view it links to) stays.
 */
function takeFragmentToken() {
  const token = /[#&]token=([^&]*)/.exec(location.hash)?.[1];
  if (token === undefined) return;
  sessionStorage.setItem(TOKEN, decodeURIComponent(token));
  const route = readRoute();
  route.delete('token');
  history.replaceState(history.state, '', routeAddress(route));
}

let tokenPrompt = null;

function askForToken(refused) {
  tokenPrompt ??= new Promise((resolve) => {
    const form = $('#token-form');
    if (refused) $('#token-note').textContent = 'That token was refused. Enter the token this server was started with.';
    $('#token-dialog').addEventListener('close', () => {
      if (form.token.value) sessionStorage.setItem(TOKEN, form.token.value);
      form.reset();
      tokenPrompt = null;
      resolve();
    }, { once: true });
    $('#token-dialog').showModal();
  });
  return tokenPrompt;
}

/** How this API's page signs in (GET auth-config): OAuth's authorisation-code flow with PKCE, or null (a token is asked for). */
let signInSettings;
async function signInConfig() {
  if (signInSettings === undefined) {
    const response = await fetch(new URL('auth-config', document.baseURI), { headers: { accept: 'application/json' } });
    signInSettings = response.ok ? ((await response.json()).signIn ?? null) : null;
  }
  return signInSettings;
}

/** The page's own address, without query or fragment: where the issuer sends the browser back (its redirect URI). */
const pageAddress = () => location.origin + location.pathname;
const base64url = (bytes) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const randomText = (bytes) => base64url(crypto.getRandomValues(new Uint8Array(bytes)));
/** A message's or document's key in the API's paths, from its locator (shared/api/message-key.ts: base64url of UTF-8). */
const keyOf = (locator) => base64url(new TextEncoder().encode(locator));

/**
 * Leaves for the issuer's sign-in page (RFC 6749 section 4.1 with RFC 7636's PKCE): a fresh code verifier (256
 * random bits) whose SHA-256 goes as the S256 challenge, and a state; both stay in this tab's sessionStorage for
 * the way back, with the fragment (the dump shown) to restore.
 */
async function signIn(config) {
  const verifier = randomText(32);
  const state = randomText(16);
  const challenge = base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))));
  sessionStorage.setItem(SIGN_IN, JSON.stringify({ state, verifier, fragment: location.hash }));
  const url = new URL(config.authorizationEndpoint);
  url.search = new URLSearchParams({
    response_type: 'code', client_id: config.clientId, redirect_uri: pageAddress(), scope: config.scopes.join(' '),
    state, code_challenge: challenge, code_challenge_method: 'S256',
  }).toString();
  status('Signing in…');
  location.assign(url.href);
  return new Promise(() => {}); // The page is leaving.
}

/** Set once this page load has exchanged a code: a token refused right after is an error, not another sign-in. */
let signedInNow = false;

/**
 * Back from the issuer (?code=…&state=…, or ?error=…): the address bar is cleaned first, so the code never stays
 * in it or in the history; the state must be the one this tab sent; the code and the verifier are exchanged for
 * an access token at the token endpoint, kept in sessionStorage (this tab only, gone when it closes).
 */
async function finishSignIn() {
  const params = new URLSearchParams(location.search);
  if (!params.has('code') && !params.has('error')) return;
  const pending = JSON.parse(sessionStorage.getItem(SIGN_IN) ?? 'null');
  sessionStorage.removeItem(SIGN_IN);
  history.replaceState(null, '', pageAddress() + (pending?.fragment ?? ''));
  if (params.has('error')) throw new Error(`sign-in refused: ${params.get('error_description') || params.get('error')}`);
  if (!pending || params.get('state') !== pending.state) throw new Error('this sign-in answer is not for the sign-in this page started; refresh to sign in again');
  const config = await signInConfig();
  if (!config) throw new Error('this server does not say how to sign in');
  const response = await fetch(config.tokenEndpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code: params.get('code'), redirect_uri: pageAddress(), client_id: config.clientId, code_verifier: pending.verifier }),
  });
  const body = await response.json().catch(() => null);
  if (!response.ok || typeof body?.access_token !== 'string') throw new Error(`signing in failed at the token exchange: ${body?.error_description || body?.error || response.status}`);
  sessionStorage.setItem(TOKEN, body.access_token);
  signedInNow = true;
}

/** A GET of the API with the bearer token; a 401 asks for a token (or signs in) and tries again. */
async function request(path, accept = 'application/json') {
  const token = sessionStorage.getItem(TOKEN);
  const headers = token ? { accept, authorization: `Bearer ${token}` } : { accept };
  const response = await fetch(new URL(path, document.baseURI), { headers });
  if (response.status === 401) {
    const config = await signInConfig();
    if (!config) {
      await askForToken(Boolean(token));
      return request(path, accept);
    }
    sessionStorage.removeItem(TOKEN);
    if (signedInNow) throw new Error('the API refused the token signing in gave (401): its issuer or audience is not the one the API accepts');
    return signIn(config);
  }
  if (!response.ok) throw await refusal(response);
  return response;
}

/** What the API said went wrong. API Gateway's own refusals ({"message": "Forbidden"}: a token without the scope) are not problem documents. */
async function refusal(response) {
  const body = await response.json().catch(() => null);
  return new Error(body?.detail || body?.message || `${response.status} ${response.statusText}`);
}

const api = async (path) => (await request(path)).json();

/**
 * Saves what an API route answers as a file. The routes want the bearer token, which a plain link cannot send:
 * the bytes are fetched, then handed to the browser's download as a blob. The name is the one the API gives
 * (Content-Disposition), else `fallback`.
 */
async function download(path, fallback, accept = '*/*') {
  const response = await request(path, accept);
  if (response.status === 202) return downloadWhenWritten(await response.json(), response);
  const name = /filename="([^"]+)"/.exec(response.headers.get('content-disposition') ?? '')?.[1] ?? fallback;
  const url = URL.createObjectURL(await response.blob());
  const link = el('a', { href: url, download: name, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/**
 * How long the page waits for an export written in the cloud: the first look after the API's Retry-After, then
 * each wait half again as long, up to maxMs, giving up after giveUpMs (the job itself is reported failed by the
 * API within minutes when its function stops: this only bounds a tab left waiting on a job that never answers).
 */
const EXPORT_WAIT = { maxMs: 15_000, factor: 1.5, giveUpMs: 20 * 60_000 };
/** Whether an export is being waited for: the buttons wait for it too. */
let exporting = false;

/** Says how an export stands (text, or nodes and text), next to its buttons (a live region: a screen reader hears it). */
function exportStatus(content, isError = false) {
  $('#export-status').replaceChildren(...[content].flat());
  $('#export-status').className = isError ? 'error' : '';
}

/**
 * In AWS an export is a job (202): its status resource is asked, with `redirect=false`, until it is written; the
 * file is then a presigned S3 URL, which the page hands to the browser as a download (a navigation: S3 is another
 * origin that allows no fetch, and the API's token must not go there; S3 answers it as an attachment). Progress
 * and failure show next to the export buttons, not on the page's status line.
 */
async function downloadWhenWritten(queued, response) {
  const started = Date.now();
  let answer = queued;
  let waitMs = retryAfterMs(response);
  exporting = true;
  describeExport(listings.messages.params ?? new URLSearchParams());
  try {
    for (;;) {
      exportStatus(answer.status === 'running' ? `Writing the export in the cloud: ${n(answer.records)} records so far…` : 'The export is queued in the cloud…');
      if (Date.now() - started + waitMs > EXPORT_WAIT.giveUpMs) throw new Error(`it was not written within ${EXPORT_WAIT.giveUpMs / 60_000} minutes; try again later`);
      await new Promise((resolve) => setTimeout(resolve, waitMs));
      const next = await request(`${answer.statusUrl.replace(/^\/+/, '')}?redirect=false`);
      if (next.status === 200) {
        const delivered = await next.json();
        saveFrom(delivered.url);
        exportStatus([`Export ready: ${n(delivered.records)} records (`, size(delivered.bytes), '), downloading.']);
        return;
      }
      answer = await next.json();
      waitMs = Math.max(retryAfterMs(next), Math.min(waitMs * EXPORT_WAIT.factor, EXPORT_WAIT.maxMs));
    }
  } catch (error) {
    exportStatus(`The export failed: ${error.message}`, true);
  } finally {
    exporting = false;
    describeExport(listings.messages.params ?? new URLSearchParams());
  }
}

/** The wait an answer asks for (Retry-After, seconds), at least a second and at most EXPORT_WAIT.maxMs. */
function retryAfterMs(response) {
  const seconds = Number(response.headers.get('retry-after'));
  return Math.min(Math.max(Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 2000, 1000), EXPORT_WAIT.maxMs);
}

/** Hands a URL the API gave to the browser as a navigation that downloads (never a script: http(s) only). */
function saveFrom(url) {
  const target = new URL(url);
  if (target.protocol !== 'https:' && target.protocol !== 'http:') throw new Error('the API gave a download address that is not a web address');
  const link = el('a', { href: target.href, download: '', rel: 'noopener noreferrer', hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
}

// Dumps: the picker, then one dump's summary

async function loadDumps() {
  status('Loading…');
  const { dumps } = await api('dumps');
  state.dumps = dumps;
  state.dump = null;
  $('#dumps').replaceChildren(...dumps.map(dumpItem));
  status(dumps.length ? '' : 'No dumps yet: ingest one with `leakproof ingest`.');
  await applyRoute();
}

function dumpItem(dump) {
  const located = dump.located === null ? '?' : n(dump.located);
  return el('li', {}, el('button', { type: 'button', class: 'dump', 'data-id': dump.id, 'aria-pressed': 'false', onclick: () => navigate({ dump: dump.id }, { reset: true }) },
    el('strong', {}, dump.name), el('span', { class: `state s-${dump.status}` }, dump.status),
    // No max while the dump is still being split: an indeterminate bar.
    el('progress', { max: dump.located, value: dump.located === null ? null : dump.processed, 'aria-label': `${dump.name}: entries processed` }),
    el('small', {}, `${n(dump.processed)} of ${located} entries · ${n(dump.messages)} messages · ${when(dump.startedAt)}`)));
}

/** Draws a dump's summary; its tables and panels are then drawn as the route asks (applyRoute). */
async function showDump(id) {
  const summary = await api(`dumps/${enc(id)}`);
  state.dump = id;
  for (const button of document.querySelectorAll('#dumps button')) button.setAttribute('aria-pressed', String(button.dataset.id === id));
  for (const panel of Object.values(panels)) closePanel(panel, false);
  // No row of the dump shown before stays under this one's name while its tables load.
  for (const listing of Object.values(listings)) {
    listing.loaded = null;
    $(`${listing.table} tbody`).replaceChildren();
    $(listing.counter).textContent = '';
  }
  renderSummary(summary);
  $('#dump').hidden = false;
  state.hasDocuments = summary.documents > 0;
  $('#documents-view').hidden = !state.hasDocuments;
}

function renderSummary(summary) {
  const { dump } = summary;
  $('#dump-name').textContent = dump.name;
  $('#dump-facts').replaceChildren(...facts([
    ['Status', dump.failure ? `${dump.status}: ${dump.failure}` : dump.status], ['Messages', n(summary.messages)], ['Documents', n(summary.documents)], ['Skipped', n(summary.skipped)], ['Errors', n(summary.errors)],
    ['Processed', `${n(dump.processed)} of ${dump.located === null ? '?' : n(dump.located)}`], ['Size', `${n(dump.bytes)} bytes`],
    ['Started', when(dump.startedAt)], ['Finished', when(dump.finishedAt) ?? '—'], ['Source', dump.source], ['Id', dump.id],
  ]).childNodes);
  // Unreadable entries are listed with the error verdict, so the chart counts every one of them as an error.
  const counts = VERDICTS.map((verdict) => [verdict, verdict === 'error' ? summary.errors : summary.byVerdict[verdict] ?? 0]);
  $('#verdict-chart').replaceChildren(donut(counts), legend(counts));
  $('#timeline').replaceChildren(timeline(summary.months), el('p', { class: 'note' }, `${n(summary.undated)} messages without a usable Date field.`));
  bars($('#signers'), summary.signingDomains, 'domain');
  bars($('#senders'), summary.senderDomains, 'from');
  const reasons = Object.entries(summary.byReason).filter(([, count]) => count > 0).sort((a, b) => b[1] - a[1]);
  $('#reasons').replaceChildren(...reasons.map(([reason, count]) => el('li', {},
    linkButton(`v-${VERDICT_OF[reason]}`, () => filterBy({ reason }), swatch(), reason), el('span', { class: 'n' }, n(count)), el('p', {}, explainReason(reason)))));
  if (!reasons.length) $('#reasons').append(el('li', { class: 'none' }, 'None: every message verified, or none was read.'));
  renderProvenances(summary);
}

/** Documents by provenance, each a filter of the documents table; those not decided yet are said apart. */
function renderProvenances(summary) {
  const documents = summary.documents ?? 0;
  const counts = Object.keys(PROVENANCES).map((provenance) => [provenance, summary.byProvenance?.[provenance] ?? 0]);
  const undecided = documents - total(counts);
  $('#provenance-counts').replaceChildren(...(documents
    ? [legend(counts, (provenance) => PROVENANCES[provenance], (provenance) => filterBy({ provenance }, listings.documents), documents),
      undecided > 0 && el('p', { class: 'note' }, `${n(undecided)} not decided yet.`)]
    : [el('p', { class: 'none' }, 'No documents: every entry of this dump is a message, skipped or unreadable.')]).filter(Boolean));
}

const total = (counts) => counts.reduce((sum, [, count]) => sum + count, 0);
const spelled = (counts) => counts.map(([verdict, count]) => `${n(count)} ${label(verdict).toLowerCase()}`).join(', ');

/** A ring of circumference 100 (r = 100 / 2π): a dash of p is p percent of it. */
function donut(counts) {
  let start = 0;
  const arcs = counts.filter(([, count]) => count > 0).map(([verdict, count]) => {
    const share = (100 * count) / total(counts);
    start += share;
    return svg('circle', { class: `v-${verdict}`, r: 15.9155, cx: 21, cy: 21, 'stroke-dasharray': `${share} ${100 - share}`, 'stroke-dashoffset': 25 - start + share },
      svg('title', {}, `${label(verdict)}: ${n(count)}`));
  });
  return svg('svg', { class: 'donut', viewBox: '0 0 42 42', role: 'img', 'aria-label': `Verdicts: ${spelled(counts)}` },
    svg('circle', { r: 15.9155, cx: 21, cy: 21 }), arcs, svg('text', { x: 21, y: 21, class: 'total' }, n(total(counts))), svg('text', { x: 21, y: 26.5 }, 'entries'));
}

/** Counts with their share, each a button that filters by its name; coloured as the verdict `colour` gives. */
function legend(counts, colour = (verdict) => verdict, pick = (verdict) => filterBy({ verdict }), whole = total(counts)) {
  return el('ul', { class: 'legend' }, counts.map(([name, count]) => el('li', {},
    linkButton(`v-${colour(name)}`, () => pick(name), swatch(), label(name)),
    el('span', { class: 'n' }, n(count)), el('span', { class: 'pct' }, `${Math.round((100 * count) / (whole || 1))}%`))));
}

/** Months from the first to the last, the empty ones too, unless that spans more than ten years. */
function everyMonth(months) {
  const index = ({ month }) => month.slice(0, 4) * 12 + (month.slice(5, 7) - 1);
  const first = months.length && index(months[0]);
  const span = months.length && index(months.at(-1)) - first + 1;
  if (!(span <= 120)) return months;
  const byMonth = new Map(months.map((month) => [month.month, month]));
  return Array.from({ length: span }, (_, i) => {
    const month = `${String(Math.floor((first + i) / 12)).padStart(4, '0')}-${String(((first + i) % 12) + 1).padStart(2, '0')}`;
    return byMonth.get(month) ?? { month, byVerdict: {} };
  });
}

/** Stacked bars, one per month; each is a button that filters the table to its month. */
function timeline(stored) {
  const months = everyMonth(stored);
  if (!months.length) return el('p', { class: 'none' }, 'No dated messages.');
  const [width, height, left, base] = [640, 170, 36, 150];
  const totals = months.map(({ byVerdict }) => VERDICTS.reduce((sum, verdict) => sum + (byVerdict[verdict] ?? 0), 0));
  const scale = (base - 8) / Math.max(1, ...totals);
  const step = (width - left) / months.length;
  const every = Math.ceil(months.length / 8);
  const columns = months.map(({ month, byVerdict }, i) => {
    const x = left + i * step;
    let y = base;
    const counts = VERDICTS.filter((verdict) => byVerdict[verdict]).map((verdict) => [verdict, byVerdict[verdict]]);
    const text = `${month}: ${n(totals[i])} messages${counts.length ? ` (${spelled(counts)})` : ''}`;
    const pick = () => filterMonth(month);
    return svg('g', { class: 'month', tabindex: totals[i] ? 0 : -1, role: 'button', 'aria-label': text, onclick: pick,
      onkeydown: (event) => (event.key === 'Enter' || event.key === ' ') && (event.preventDefault(), pick()) },
    svg('title', {}, text), svg('rect', { class: 'hit', x, y: 0, width: step, height: base }),
    counts.map(([verdict, count]) => svg('rect', { class: `v-${verdict}`, x: x + step * 0.1, y: (y -= count * scale), width: step * 0.8, height: count * scale })),
    i % every ? null : svg('text', { x: x + step / 2, y: height - 4 }, month));
  });
  return svg('svg', { class: 'timeline', viewBox: `0 0 ${width} ${height}`, role: 'group', 'aria-label': 'Messages by month of their Date field' },
    svg('line', { x1: left, x2: width, y1: base, y2: base }), svg('line', { x1: left, x2: width, y1: 8, y2: 8 }),
    svg('text', { class: 'scale', x: left - 4, y: 12 }, n(Math.max(1, ...totals))), svg('text', { class: 'scale', x: left - 4, y: base }, '0'), columns);
}

function bars(list, items, filter) {
  const max = Math.max(1, ...items.map((item) => item.messages));
  list.replaceChildren(...items.map(({ domain, messages }) => {
    const bar = el('span', { class: 'bar' });
    bar.style.width = `${(100 * messages) / max}%`;
    return el('li', {}, linkButton('', () => filterBy({ [filter]: domain }), domain), el('span', { class: 'track', 'aria-hidden': 'true' }, bar), el('span', { class: 'n' }, n(messages)));
  }));
  if (!items.length) list.append(el('li', { class: 'none' }, 'None'));
}

// Listings: a dump's messages and its documents, each a filter form over a table paged by cursor

/** What differs between the two tables; loading, paging and filtering are one for both. */
const listings = {
  messages: {
    form: '#filters', error: '#filters-error', table: '#messages', more: '#more', counter: '#shown', heading: '#messages-heading', path: 'messages', columns: 6, panel: 'message',
    row: (message) => messageRow(message), none: 'No messages match these filters.', all: 'All messages', some: 'Messages with',
  },
  documents: {
    form: '#document-filters', error: '#document-filters-error', table: '#documents', more: '#documents-more', counter: '#documents-shown', heading: '#documents-heading', path: 'documents', columns: 5, panel: 'document',
    row: (file) => documentRow(file), none: 'No documents match these filters.', all: 'All documents', some: 'Documents with',
  },
};
for (const listing of Object.values(listings)) Object.assign(listing, { params: null, loaded: null, cursor: null, shown: 0, ticket: 0 });

const fieldsOf = (listing) => [...$(listing.form).elements].filter((field) => field.name);

/** Shows the entries matching these filters alone: a click on the chart, a month, a domain, a reason, a provenance. */
function filterBy(values, listing = listings.messages) {
  navigate(Object.fromEntries(fieldsOf(listing).map((field) => [field.name, values[field.name] ?? null])));
  $(listing.heading).scrollIntoView({ behavior: 'smooth' });
}

function filterMonth(month) {
  const [year, number] = month.split('-').map(Number);
  filterBy({ after: `${month}-01`, before: new Date(Date.UTC(year, number, 0)).toISOString().slice(0, 10) });
}

/** The form as it stands into the route (Apply): the filters are then part of the page's address. */
const applyForm = (listing) => navigate(Object.fromEntries(fieldsOf(listing).map((field) => [field.name, field.value.trim() || null])));

/** A form as API parameters. Dates are whole UTC days, the "to" day included. */
function queryOfForm(form) {
  const params = new URLSearchParams({ limit: '50' });
  for (const [name, value] of new FormData(form)) {
    const text = String(value).trim().toLowerCase();
    if (text) params.set(name, name === 'before' ? new Date(Date.parse(text) + 86_400_000).toISOString().slice(0, 10) : text);
  }
  return params;
}

/** The route's filters into the form; the table loads again when they (or the dump) changed. */
async function syncListing(listing, route) {
  for (const field of fieldsOf(listing)) field.value = route.get(field.name) ?? '';
  const params = queryOfForm($(listing.form));
  const key = `${state.dump} ${params}`;
  if (key === listing.loaded) return;
  listing.loaded = key;
  listing.params = params;
  await loadListing(listing, false);
}

async function loadListing(listing, more) {
  const ticket = ++listing.ticket;
  const params = new URLSearchParams(listing.params);
  if (more) params.set('cursor', listing.cursor);
  $(listing.more).disabled = true;
  formError(listing, null);
  const body = $(`${listing.table} tbody`);
  let page;
  try {
    page = await api(`dumps/${enc(state.dump)}/${listing.path}?${params}`);
  } catch (error) {
    if (ticket !== listing.ticket) return;
    // Next to the form that asked, not at the top of the page: rows from other filters must not pass for these.
    listing.loaded = null;
    formError(listing, error.message);
    if (!more) body.replaceChildren(), $(listing.counter).textContent = '';
    $(listing.more).disabled = false;
    return;
  }
  if (ticket !== listing.ticket) return;
  const rows = page[listing.path].map(listing.row);
  body[more ? 'append' : 'replaceChildren'](...rows);
  listing.shown = (more ? listing.shown : 0) + rows.length;
  listing.cursor = page.next;
  if (!listing.shown) body.append(el('tr', {}, el('td', { colspan: listing.columns, class: 'none' }, listing.none)));
  $(listing.more).hidden = !listing.cursor;
  $(listing.more).disabled = false;
  $(listing.counter).textContent = `${n(listing.shown)} shown${listing.cursor ? '' : ' — all'}`;
  const filters = [...listing.params].filter(([name]) => name !== 'limit').map(([name, value]) => `${name} ${value}`);
  $(`${listing.table} caption`).textContent = filters.length ? `${listing.some} ${filters.join(', ')}` : listing.all;
  markCurrent(panels[listing.panel]);
  if (listing === listings.messages) describeExport(listing.params), describeSort(listing.params);
}

function formError(listing, text) {
  const note = $(listing.error);
  note.textContent = text ? `These filters could not be applied: ${text}` : '';
  note.hidden = !text;
}

/** A table row that opens its entry in the panel beside the table (a click anywhere on it but its own buttons). */
function openingRow(open, key, ...cells) {
  return el('tr', { 'data-key': key, onclick: (event) => event.target.closest('button') || open() }, ...cells);
}

/** Names of the shown fields a listing marks (MessageListing.unsignedShown), as people know them. */
const SHOWN_FIELD_NAMES = { from: 'From', subject: 'Subject', date: 'Date', to: 'To', cc: 'Cc' };

/**
 * Beside a value the table shows, when no verifying signature covers it (the top-most instance, the one mail
 * clients show, was added or left out of the signature): "not signed" in words, not by colour alone.
 */
function notSignedMark(message, field) {
  if (!message.unsignedShown?.includes(field)) return null;
  return el('span', { class: 'not-signed', title: `This ${SHOWN_FIELD_NAMES[field]} is not signed; mail clients show it.` }, 'not signed');
}

/** The same, said once for an opened entry: "This Subject and From are not signed; mail clients show them." */
function notSignedNote(entry) {
  const names = (entry.unsignedShown ?? []).map((field) => SHOWN_FIELD_NAMES[field]);
  if (names.length === 0) return null;
  const list = names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
  return el('p', { class: 'unsigned-note' }, names.length === 1 ? `This ${list} is not signed; mail clients show it.` : `This ${list} are not signed; mail clients show them.`);
}

function messageRow(message) {
  const open = () => openEntry(panels.message, message.key, state.dump, button);
  const button = linkButton('', open, message.subject ?? (message.verdict === 'error' ? message.locator : '(no subject)'));
  return openingRow(open, message.key,
    el('td', { class: 'date', title: when(message.date) }, message.date?.slice(0, 10) ?? '—', notSignedMark(message, 'date')),
    el('td', { class: 'from' }, message.from ?? '—', notSignedMark(message, 'from')), el('td', { class: 'subject' }, button, notSignedMark(message, 'subject')),
    el('td', { class: 'verdict' }, badge(message.verdict)), el('td', { class: 'reasons' }, message.reasons.map((reason) => el('span', {}, reason))),
    el('td', { class: 'signers' }, message.signingDomains.join(' ')));
}

function documentRow(file) {
  const open = () => openEntry(panels.document, file.key, state.dump, button);
  const button = linkButton('', open, file.name ?? file.locator);
  const type = file.detectedType ?? 'unknown';
  return openingRow(open, file.key,
    el('td', { class: 'name' }, button), el('td', {}, linkButton('type', () => filterBy({ type }, listings.documents), type)), el('td', { class: 'n' }, size(file.size)),
    el('td', {}, provenanceBadge(file.provenance)), el('td', { class: 'locator' }, file.locator));
}

/** The listing's filters an export honours (ExportFilterSchema): all but the search and the order. */
const EXPORT_FILTERS = ['verdict', 'reason', 'domain', 'from', 'after', 'before'];

/** Exports the messages the table lists (its filters, every page) in `format`, as `leakproof export` writes them. */
function exportListed(format) {
  const params = new URLSearchParams([...(listings.messages.params ?? [])].filter(([name]) => EXPORT_FILTERS.includes(name)));
  params.set('format', format);
  return download(`dumps/${enc(state.dump)}/export?${params}`, `leakproof-${state.dump.slice(0, 12)}.${format}`);
}

/** Says what the export buttons export; a search cannot be exported (the export takes filters only), so they wait for it to be cleared. */
function describeExport(params) {
  const searching = params.has('q');
  const filtered = EXPORT_FILTERS.some((name) => params.has(name));
  $('#exports-label').textContent = searching ? 'Export (clear the search first: an export takes filters, not words):' : filtered ? 'Export these messages:' : 'Export every message:';
  for (const format of ['csv', 'jsonl']) $(`#export-${format}`).disabled = searching || exporting;
}

/** The order the table is listed in, on its column headers (aria-sort); a header's button asks for its order, then the reverse. */
function describeSort(params) {
  const sort = params.get('sort') ?? '';
  for (const button of document.querySelectorAll('#messages th .sort')) {
    const field = button.dataset.sort;
    const th = button.closest('th');
    if (sort.replace(/^-/, '') === field) th.setAttribute('aria-sort', sort.startsWith('-') ? 'descending' : 'ascending');
    else th.removeAttribute('aria-sort');
  }
}

// Panels: one beside each table, showing one message's evidence or one document's

const panels = {
  message: { panel: '#evidence', table: '#messages', param: 'message', dumpParam: 'messageDump', path: 'messages', ticket: 0, shown: null, opener: null,
    render: (entry, dumpId) => evidence(entry, dumpId), name: 'evidence' },
  document: { panel: '#document', table: '#documents', param: 'document', dumpParam: 'documentDump', path: 'documents', ticket: 0, shown: null, opener: null,
    render: (file, dumpId) => documentDetail(file, dumpId), name: 'document' },
};

/** Opens an entry by putting it in the route: its key, and its dump when not the one shown. `opener` gets the focus back on close. */
function openEntry(panel, key, dumpId = state.dump, opener = document.activeElement) {
  panel.opener = opener;
  return navigate({ [panel.param]: key, [panel.dumpParam]: dumpId === state.dump ? null : dumpId });
}

/** A message's evidence or a document, by dump and locator: from a link in another panel (a carrier, a verified copy, a place). */
const openMessage = (dumpId, locator) => openEntry(panels.message, keyOf(locator), dumpId);
const openDocument = (dumpId, locator) => openEntry(panels.document, keyOf(locator), dumpId);

/** Closes a panel (Escape, ×) by taking its entry out of the route. */
const dismiss = (panel) => navigate({ [panel.param]: null, [panel.dumpParam]: null });

/** The route's entry into the panel: opened, replaced, or closed. */
async function syncPanel(panel, route) {
  const key = route.get(panel.param);
  const dumpId = route.get(panel.dumpParam) ?? state.dump;
  const wanted = key ? `${dumpId} ${key}` : null;
  if (wanted === panel.shown) return;
  if (!wanted) return closePanel(panel);
  panel.shown = wanted;
  panel.dump = dumpId;
  panel.key = key;
  await openPanel(panel, `dumps/${enc(dumpId)}/${panel.path}/${enc(key)}`, (body) => panel.render(body, dumpId));
}

const narrow = () => matchMedia('(max-width: 999px)').matches;

/** Loads `path` into the panel, drawn by `render`; its row, if listed, is marked current. */
async function openPanel(panel, path, render) {
  const ticket = ++panel.ticket;
  markCurrent(panel);
  const aside = $(panel.panel);
  aside.hidden = false;
  aside.replaceChildren(el('p', {}, 'Loading…'));
  let body;
  try {
    body = await api(path);
  } catch (error) {
    if (ticket === panel.ticket) aside.replaceChildren(closeButton(panel), el('p', { class: 'error', role: 'alert' }, `Could not load: ${error.message}`));
    return;
  }
  if (ticket !== panel.ticket) return;
  aside.replaceChildren();
  fill(aside, {}, [closeButton(panel), render(body)]);
  // On a phone the panel covers the page: it opens at its top.
  aside.scrollTop = 0;
  aside.focus({ preventScroll: narrow() });
}

function closePanel(panel, refocus = true) {
  ++panel.ticket;
  panel.shown = null;
  panel.key = null;
  $(panel.panel).hidden = true;
  markCurrent(panel);
  if (refocus && panel.opener?.isConnected) panel.opener.focus();
}

/** Marks the row of the entry the panel shows, when the table lists it. */
function markCurrent(panel) {
  const key = panel.shown && panel.dump === state.dump ? panel.key : null;
  for (const row of document.querySelectorAll(`${panel.table} tbody tr`)) {
    if (key && row.dataset.key === key) row.setAttribute('aria-current', 'true');
    else row.removeAttribute('aria-current');
  }
}

const closeButton = (panel) => el('button', { type: 'button', class: 'close', 'aria-label': `Close ${panel.name}`, onclick: () => dismiss(panel) }, '×');

// Routes: what the page shows lives in the fragment of its address (#dump=…&verdict=failed&message=…), so every
// view, filter set and opened entry can be linked, reloaded, and gone back and forth through; the fragment never
// reaches a server.

/** Shows one view, the others hidden; on a change of view the focus goes to its start, as a new page's would. */
function showView(view) {
  const changed = view !== state.view;
  state.view = view;
  $('#report').hidden = view !== null;
  for (const [name, { part }] of Object.entries(VIEWS)) $(part).hidden = name !== view;
  document.title = view ? `${VIEWS[view].title} · Leakproof` : 'Leakproof report';
  if (changed && view) {
    scrollTo(0, 0);
    $(VIEWS[view].part).querySelector('h2')?.focus();
  }
}

const readRoute = () => new URLSearchParams(location.hash.slice(1));
const routeAddress = (route) => location.pathname + location.search + (route.size ? `#${route}` : '');

/** A new history entry with these changes to the route (null removes a key; `reset` starts from none), then drawn. */
function navigate(changes, { reset = false } = {}) {
  const route = reset ? new URLSearchParams() : readRoute();
  for (const [name, value] of Object.entries(changes)) {
    if (value === null || value === undefined || value === '') route.delete(name);
    else route.set(name, value);
  }
  const address = routeAddress(route);
  if (address !== location.pathname + location.search + location.hash) history.pushState(null, '', address);
  return applyRoute();
}

let routing = Promise.resolve();

/** Draws the route, one route at a time (a back and a click in a row are drawn in turn). */
function applyRoute() {
  routing = routing.then(showRoute).catch((error) => status(`Could not load: ${error.message}`, true));
  return routing;
}

/** The views other than the dump's report, each a part of the page the route names (view=…). */
const VIEWS = {
  guide: { part: '#guide', title: 'How to read this' },
  message: { part: '#message-view', title: 'Message' },
  sheet: { part: '#sheet', title: 'Evidence sheet' },
};

async function showRoute() {
  const route = readRoute();
  const view = VIEWS[route.get('view')] ? route.get('view') : null;
  showView(view);
  if (view === 'guide') return;
  if (view) return showMessageView(view, route);
  if (!state.dumps) return;
  const wanted = route.get('dump');
  const chosen = state.dumps.find((dump) => dump.id === wanted) ?? state.dumps[0];
  if (!chosen) return;
  if (wanted && chosen.id !== wanted) status(`No dump ${wanted} in this store: showing the latest.`, true);
  if (chosen.id !== wanted) {
    // The address names what is shown, so that it can be copied as it is.
    route.set('dump', chosen.id);
    history.replaceState(history.state, '', routeAddress(route));
  }
  if (chosen.id !== state.dump) await showDump(chosen.id);
  await Promise.all([
    syncListing(listings.messages, route),
    state.hasDocuments && syncListing(listings.documents, route),
    ...Object.values(panels).map((panel) => syncPanel(panel, route)),
  ]);
}

/** [term, value, class?] pairs as a description list; empty values left out. */
function facts(pairs) {
  return el('dl', { class: 'facts' }, pairs.filter(([, value]) => value !== null && value !== undefined && value !== '')
    .map(([term, value, className]) => el('div', { class: className }, el('dt', {}, term), el('dd', {}, value))));
}

/** Says which dump an entry is in when it is not the one on screen. */
const otherDump = (dumpId) => (dumpId === state.dump ? null : el('p', { class: 'note' }, `In another dump: ${dumpId}`));

// Message detail (MessageDetail in shared/api/schemas.ts); an unreadable entry has the same shape. One small
// function per section, so a section can be added without touching the others.

function evidence(entry, dumpId = state.dump) {
  return [
    el('h4', { id: 'evidence-heading' }, entry.subject ?? (entry.kind === 'error' ? entry.locator : '(no subject)')),
    notSignedNote(entry),
    otherDump(dumpId),
    entry.kind === 'message' && el('p', { class: 'view-links' },
      linkButton('', () => navigate({ view: 'message' }), 'Read the message: what is signed'), ' · ',
      linkButton('', () => navigate({ view: 'sheet' }), 'Evidence sheet')),
    verdictSection(entry),
    messageFacts(entry),
    signaturesSection(entry),
    arcAndForensicsSection(entry),
    attachmentsSection(entry),
    variantsSection(entry),
    historySection(entry),
  ];
}

function verdictSection(entry) {
  return [
    el('p', {}, badge(entry.verdict), entry.rulesVersion ? ` by rules version ${entry.rulesVersion}` : ''),
    // In plain words, for this message (the API's sentence: a signature-mismatch over an intact body says so).
    el('p', { class: 'plain' }, entry.explanation),
    entry.reasons.length > 0 && el('p', { class: 'note' }, `Reasons: ${entry.reasons.join(', ')}`),
  ];
}

const explainedReasons = (reasons) => el('ul', { class: 'explained' }, reasons.map((reason) => el('li', {}, el('strong', {}, reason), ' ', explainReason(reason))));

function messageFacts(entry) {
  return facts([['Detail', entry.detail], ['From', entry.from], ['Sender', entry.sender], ['To', entry.to], ['Cc', entry.cc], ['Date', when(entry.date)], ['Message-ID', entry.messageId],
    ['Received', when(entry.receivedAt)], ['Verified at', when(entry.verifiedAt)], ['Locator', entry.locator], ['SHA-256', entry.sha256, 'hash']]);
}

function signaturesSection(entry) {
  return [
    el('h5', {}, `Signatures (${entry.signatures.length})`),
    entry.signatures.length ? entry.signatures.map(signature) : el('p', { class: 'none' }, 'No DKIM-Signature field.'),
  ];
}

/** The ARC chain and the time and header forensics (shared/arc, shared/forensics): evidence beside the verdict, never part of it. */
function arcAndForensicsSection({ arc, forensics }) {
  const claims = (set) => set.claims.map((claim) => `${claim.method}=${claim.result}${claim.domain ? ` (${claim.domain})` : ''}`).join(', ');
  const hops = (received) => received.hops.map((hop) => `${hop.from ?? '?'} → ${hop.by ?? '?'}${hop.at ? ` at ${when(hop.at)}` : ''}`).join('; ');
  return [
    ...(arc && arc.chain !== 'none' ? [
      el('h5', {}, 'ARC chain ', result(arc.chain)),
      arc.attestation && el('p', {}, `${arc.attestation.sealerDomain} (set ${arc.attestation.instance}) attests that DKIM passed for ${arc.attestation.domain}: a third party's word, not proof.`),
      arc.detail && el('p', { class: 'note' }, arc.detail),
      ...arc.sets.map((set) => facts([[`Set ${set.instance}`, `sealed by ${set.sealerDomain} (s=${set.sealerSelector}): seal ${set.seal}, message signature ${set.messageSignature}`],
        ['Claimed', claims(set)], ['Detail', set.detail]])),
    ] : []),
    ...(forensics ? [
      el('h5', {}, 'Time and header forensics'),
      forensics.flags.length ? el('ul', { class: 'explained' }, forensics.flags.map((flag) => el('li', {}, flag))) : el('p', { class: 'none' }, 'Nothing to look at twice.'),
      facts([['Signed time (t=)', forensics.signedTimes.map((signed) => `${unix(signed.t)} (${signed.d})`).join(', ')], ['Date zone', forensics.date?.zone],
        ['Message-ID host', forensics.messageIdHost], ['Mailer', forensics.mailer], ['Received', hops(forensics.received)]]),
    ] : []),
  ];
}

function historySection(entry) {
  return [
    el('h5', {}, 'History'),
    entry.history.length
      ? el('ul', { class: 'history' }, entry.history.toReversed().map((change) => el('li', {}, `${when(change.replacedAt)}: was `, badge(change.verdict),
        ` ${change.reasons.join(', ')} (rules ${change.rulesVersion}, verified ${when(change.verifiedAt)}), replaced because ${CAUSES[change.cause] ?? change.cause}.`)))
      : el('p', { class: 'none' }, 'Unchanged since first verified.'),
  ];
}

const RESULT = { pass: 'ok', fail: 'bad', 'body-hash-mismatch': 'bad', 'signature-mismatch': 'bad', permerror: 'bad' };
const result = (value) => el('span', { class: `result ${RESULT[value] ?? ''}` }, value);

function signature(sig) {
  const key = sig.key;
  return el('article', { class: 'sig' },
    el('h6', {}, `Signature ${sig.index + 1}: `, sig.d ?? '(no d=)', ' ', result(sig.status)),
    facts([
      ['Domain (d=)', sig.d], ['Selector (s=)', sig.s], ['Algorithm (a=)', sig.a], ['Canonicalization (c=)', sig.c],
      ['Body hash', result(sig.bodyHash)], ['Header signature', result(sig.headerSignature)], ['Signed headers (h=)', sig.h.join(', ')],
      ['Body length (l=)', sig.l === null ? null : `${n(sig.l)} of ${n(sig.bodyLength)} bytes signed`], ['Signed (t=)', unix(sig.t)], ['Expires (x=)', unix(sig.x)],
      ['Key', key ? `${key.keyType ?? 'unknown type'}${key.bits ? `, ${key.bits} bits` : ''}, from ${key.source}${key.origin ? ` (${key.origin})` : ''}` : 'none found'],
      ['Key first seen', when(key?.firstSeenAt)], ['Key last seen', when(key?.lastSeenAt)], ['Key compromised', when(key?.compromisedAt), 'alarm'],
      ['mbox reading', sig.mboxReading], ['Reasons', sig.reasons.join(', ')], ['Detail', sig.detail],
    ]),
    key && el('details', {}, el('summary', {}, 'Key record'), el('code', {}, key.record)));
}

/** The message's file parts, each saying plainly whether a verifying signature covers its bytes. */
function attachmentsSection(entry) {
  if (entry.kind !== 'message') return [];
  const attachments = entry.attachments ?? [];
  return [
    el('h5', {}, `Attachments (${attachments.length})`),
    entry.attachmentsNote && el('p', { class: 'note' }, `The list may be incomplete: ${entry.attachmentsNote}`),
    attachments.length ? attachments.map((attachment) => attachmentCard(attachment, entry)) : el('p', { class: 'none' }, 'No file parts.'),
  ];
}

/** One file part. Covered means as sent only when the message is verified; else the signature's caveats hold for the part too. */
function attachmentCard(attachment, message) {
  const covering = attachment.coveredBy.map((index) => `signature ${index + 1}${message.signatures[index]?.d ? ` (${message.signatures[index].d})` : ''}`);
  const proves = message.verdict === 'verified' ? 'these bytes are as sent.' : `it proves no more of them than of the message (${label(message.verdict).toLowerCase()}: see its reasons).`;
  return el('article', { class: 'sig attachment' },
    el('h6', {}, attachment.name ?? '(no file name)', ' ', covering.length ? el('span', { class: 'result ok' }, 'signed') : el('span', { class: 'result bad' }, 'not signed')),
    covering.length
      ? el('p', { class: 'covered' }, `Covered by ${covering.join(' and ')}: ${proves}`)
      : el('p', { class: 'uncovered' }, 'Not covered by any signature that verifies: nothing proves these bytes are the ones sent.'),
    facts([['Part', `${attachment.mimePath} (${attachment.disposition})`], ['Declared type', attachment.declaredType], ['Detected type', attachment.detectedType ?? 'unknown'],
      ['Size', size(attachment.size)], ['SHA-256', attachment.sha256, 'hash']]),
    attachment.metadata && el('details', {}, el('summary', {}, 'Metadata'), metadataView(attachment.metadata)));
}

/** How this copy differs from a verified copy of the same message, or that it is the same bytes. */
function variantsSection(entry) {
  const variants = entry.variants ?? [];
  if (!variants.length) return [];
  return [el('h5', {}, 'Verified copies'), variants.map(variantView)];
}

function variantView(variant) {
  const link = linkButton('', () => run(() => openMessage(variant.of.dumpId, variant.of.locator)), variant.of.locator);
  if (variant.relation === 'duplicate') {
    return el('article', { class: 'sig variant' }, el('p', {}, 'A duplicate, byte for byte, of the verified message ', link, '.'), otherDump(variant.of.dumpId));
  }
  const { added, removed, changed } = variant.attachments;
  return el('article', { class: 'sig variant' },
    el('p', {}, 'Differs from the verified message ', link, ' with the same identity: what this copy shows is not what was signed there.'),
    otherDump(variant.of.dumpId),
    variant.headerDifferences.length > 0 && [el('h6', {}, 'Header fields'), differencesTable(variant.headerDifferences, 'This copy', 'Verified copy')],
    el('h6', {}, 'Text'),
    variant.textDiff !== null ? diffView(variant.textDiff, variant.textDiffTruncated)
      : el('p', { class: 'none' }, variant.textDiffNote ? `No text compared: ${variant.textDiffNote}` : 'The text is the same.'),
    added.length + removed.length + changed.length > 0 && [el('h6', {}, 'Attachments'), el('ul', { class: 'changes' },
      added.map((file) => el('li', { class: 'added' }, 'Added here: ', fileName(file), ' ', el('code', {}, file.sha256))),
      removed.map((file) => el('li', { class: 'removed' }, 'Missing here: ', fileName(file), ' ', el('code', {}, file.sha256))),
      changed.map((file) => el('li', { class: 'changed' }, 'Other bytes here: ', fileName(file), ' ', el('code', {}, file.sha256), ' (verified: ', el('code', {}, file.verifiedSha256), ')')))]);
}

const fileName = (file) => el('strong', {}, file.name ?? '(no file name)');

/** A unified diff, line by line as text: added lines in <ins>, removed ones in <del>, hunk headers marked. */
function diffView(text, truncated) {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return [
    el('pre', { class: 'diff', 'aria-label': 'Differences in the text: this copy against the verified one' }, lines.map((line) => {
      if (line.startsWith('+++') || line.startsWith('---') || line.startsWith('===')) return el('span', { class: 'file' }, line);
      if (line.startsWith('+')) return el('ins', {}, line);
      if (line.startsWith('-')) return el('del', {}, line);
      if (line.startsWith('@@')) return el('span', { class: 'hunk' }, line);
      return el('span', {}, line);
    })),
    truncated && el('p', { class: 'note' }, 'The diff was cut short: the texts differ further.'),
  ];
}

/** Field, this side, the other side: header fields of two copies, or metadata of a document and its verified copy. */
function differencesTable(differences, mine, theirs) {
  return el('table', { class: 'differences' },
    el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Field'), el('th', { scope: 'col' }, mine), el('th', { scope: 'col' }, theirs))),
    el('tbody', {}, differences.map(({ field, document: value, carrier }) => el('tr', {},
      el('th', { scope: 'row' }, fieldLabel(field)), el('td', {}, value ?? el('span', { class: 'none' }, '(none)')), el('td', {}, carrier ?? el('span', { class: 'none' }, '(none)'))))));
}

// Views of one message, each at its own address: the message itself with what its signatures cover
// (view=message, GET …/view), and the evidence sheet to print and cite (view=sheet, GET …/messages/{key}).

/** The message a view shows: from the route (its dump: messageDump, else the dump shown, else the latest). */
function routedMessage(route) {
  const key = route.get('message');
  const dumpId = route.get('messageDump') ?? route.get('dump') ?? state.dumps?.[0]?.id;
  return key && dumpId ? { key, dumpId, path: `dumps/${enc(dumpId)}/messages/${enc(key)}` } : null;
}

/** Draws a message's view or sheet into its part of the page; a stale answer (the route moved on) is dropped. */
async function showMessageView(view, route) {
  const part = $(VIEWS[view].part);
  const target = routedMessage(route);
  const wanted = target && `${view} ${target.dumpId} ${target.key}`;
  if (part.dataset.shown === wanted) return;
  part.dataset.shown = wanted ?? '';
  const body = part.querySelector('.view-body');
  if (!target) return body.replaceChildren(el('p', { class: 'error' }, 'No message named in the address.'));
  body.replaceChildren(el('p', {}, 'Loading…'));
  try {
    const [answer, dumps] = await Promise.all([api(view === 'message' ? `${target.path}/view` : target.path), state.dumps ?? api('dumps').then((list) => list.dumps)]);
    if (part.dataset.shown !== wanted) return;
    const dump = dumps.find((item) => item.id === target.dumpId);
    body.replaceChildren(...[view === 'message' ? messageView(answer, target) : evidenceSheet(answer, target, dump)].flat(Infinity).filter(Boolean));
    body.querySelector('h2').focus();
  } catch (error) {
    if (part.dataset.shown === wanted) body.replaceChildren(el('p', { class: 'error', role: 'alert' }, `Could not load: ${error.message}`));
  }
}

/** A field's value as mail clients show it: its top-most instance (the marks beside each field say what is signed). */
const fieldValue = (view, name) => view.fields.find((field) => field.name.toLowerCase() === name)?.value ?? null;

/** The Subject mail clients show: an unsigned one added beside the signed one is the one readers see. */
function shownSubject(view) {
  const unsigned = view.unsignedThatMatter.find((field) => field.name.toLowerCase() === 'subject');
  return unsigned ? unsigned.value : fieldValue(view, 'subject');
}

/** The message as read, marked: each header field signed or not, the unsigned tail of the body, what a failure means. */
function messageView(view, target) {
  const subject = shownSubject(view);
  return [
    el('h2', { id: 'message-view-heading', tabindex: -1 }, subject ?? '(no subject)'),
    view.unsignedThatMatter.some((field) => field.name.toLowerCase() === 'subject') && el('p', { class: 'unsigned-note' }, 'This Subject is not signed; mail clients show it.'),
    // The explanation already says each reason in words; the reasons' names are in the facts.
    el('p', {}, badge(view.verdict), ' ', view.explanation),
    failureMeaning(view),
    view.note && el('p', { class: 'note' }, view.note),
    view.caveat && el('p', { class: 'note' }, view.caveat),
    facts([['Reasons', view.reasons.join(', ')], ['From', fieldValue(view, 'from')], ['To', view.to], ['Cc', view.cc], ...dateFacts(view.date), ['Message-ID', fieldValue(view, 'message-id')],
      ['Locator', view.locator], ['Size', size(view.bytes)], ['SHA-256', view.sha256, 'hash']]),
    el('p', {}, el('button', { type: 'button', onclick: () => run(() => download(`${target.path}/original`, `message-${view.sha256.slice(0, 12)}.eml`, 'message/rfc822')) }, 'Download the original bytes'),
      ' ', el('span', { class: 'note' }, `SHA-256 ${view.sha256}: the file saved must hash to this.`)),
    view.unsignedThatMatter.length > 0 && [el('h3', {}, 'Not signed'), el('ul', { class: 'unsigned-fields' }, view.unsignedThatMatter.map((field) =>
      el('li', {}, el('strong', {}, `${field.name}: `), field.value, ' — ', el('em', {}, field.note))))],
    el('h3', {}, 'Header fields'),
    el('p', { class: 'note' }, 'Top first, as in the message. ', el('span', { class: 'mark signed' }, 'signed'), ' a verifying signature covers the field; ',
      el('span', { class: 'mark unsigned' }, 'not signed'), ' a field readers look at that no verifying signature covers.'),
    headerFields(view),
    view.fieldsTruncated && el('p', { class: 'note' }, 'More fields than are listed here.'),
    el('details', {}, el('summary', {}, 'The raw header section'), el('pre', { class: 'raw' }, view.headerSection),
      view.headerSectionTruncated && el('p', { class: 'note' }, 'Cut short here.')),
    el('h3', {}, 'Text'),
    bodyView(view),
    attachmentsSection({ ...view, kind: 'message', signatures: view.signatures, attachmentsNote: null }),
  ];
}

/** The Date as written, in its own zone, beside the UTC time it names. */
function dateFacts(date) {
  if (!date) return [['Date', 'none']];
  return [['Date (as written)', date.asWritten], ['Zone', date.zone], ['Date (UTC)', date.utc ? `${when(date.utc)} UTC` : 'not a valid date']];
}

/** What a failure shows, in words: which of headers and body still hold. */
function failureMeaning(view) {
  if (view.verdict !== 'failed') return null;
  return view.signatures.map((signature) => {
    const named = `Signature ${signature.index + 1}${signature.d ? ` (${signature.d})` : ''}`;
    if (signature.headerSignature === 'pass' && signature.bodyHash === 'fail') return el('p', { class: 'meaning' }, `${named}: headers genuine, body changed.`);
    if (signature.bodyHash === 'pass' && signature.headerSignature === 'fail') {
      const names = signature.positions.map((position) => view.fields.find((field) => field.position === position)?.name).filter(Boolean);
      return el('p', { class: 'meaning' }, `${named}: body intact; a signed header changed, or the key is not the one used. Signed headers: ${names.join(', ') || 'none'}.`);
    }
    return null;
  });
}

function headerFields(view) {
  return el('ol', { class: 'fields' }, view.fields.map((field) => {
    const signed = field.signedBy.length > 0;
    const unsigned = !signed && field.matters;
    return el('li', { class: signed ? 'signed' : unsigned ? 'unsigned' : '' },
      signed ? el('span', { class: 'mark signed' }, `signed by ${field.signedBy.map((index) => index + 1).join(', ')}`)
        : unsigned ? el('span', { class: 'mark unsigned' }, 'not signed') : el('span', { class: 'mark' }, '—'),
      ' ', el('strong', {}, `${field.name}:`), ' ', field.value, field.valueTruncated ? ' …' : '');
  }));
}

/** The decoded text; an l= tail (text after the signed length) highlighted where it ends the text, else shown apart. */
function bodyView(view) {
  const tails = view.lTails.filter((tail) => tail.tailLength > 0);
  const tail = tails[0];
  const text = view.text;
  const notes = tails.map((one) => el('p', { class: 'unsigned-note' },
    `Not signed: the last ${n(one.tailLength)} bytes of the body (signature ${one.signature + 1} signs ${n(one.signedBytes)} of ${n(one.totalBytes)}, l=). Anyone could have added them.`,
    one.note ? ` ${one.note}` : ''));
  if (tail?.tail && text.trimEnd().endsWith(tail.tail.trimEnd())) {
    const at = text.trimEnd().length - tail.tail.trimEnd().length;
    return [notes, el('pre', { class: 'body' }, text.slice(0, at), el('mark', { class: 'tail', 'aria-label': `Not signed, ${tail.tailLength} bytes` }, text.slice(at))),
      view.textTruncated && el('p', { class: 'note' }, 'The text was cut short.')];
  }
  return [notes, el('pre', { class: 'body' }, text || '(no text)'), view.textTruncated && el('p', { class: 'note' }, 'The text was cut short.'),
    tails.map((one) => one.tail !== null && [el('h4', {}, `The unsigned tail (${n(one.tailLength)} bytes)`), el('pre', { class: 'body' }, el('mark', { class: 'tail' }, one.tail)),
      one.tailTruncated && el('p', { class: 'note' }, 'Cut short.')])];
}

/** Single-quoted for a POSIX shell: a file name from the dump is hostile, and must not run as a command when pasted. */
const shellQuoted = (text) => `'${text.replaceAll("'", "'\\''")}'`;

/** The evidence sheet: one page to print (the browser's print gives the PDF) and cite, its JSON beside it. */
function evidenceSheet(entry, target, dump) {
  const keys = entry.signatures.map((signature) => signature.key).filter(Boolean);
  const archived = keys.some((key) => key.source === 'archive');
  const ingest = ['npx leakproof ingest', shellQuoted(dump?.source ?? dump?.name ?? '<the dump>'), '--at', entry.verifiedAt, archived ? '--keys <the key archive, JSON lines> --offline' : null].filter(Boolean).join(' ');
  const show = `npx leakproof show ${shellQuoted(entry.locator)} --dump ${target.dumpId.slice(0, 12)}`;
  return [
    el('p', { class: 'sheet-kicker' }, 'Leakproof evidence sheet'),
    el('h2', { id: 'sheet-heading', tabindex: -1 }, entry.subject ?? '(no subject)'),
    el('p', { class: 'sheet-verdict' }, badge(entry.verdict), ' ', entry.explanation ?? ''),
    el('h3', {}, 'The message'),
    facts([['From', entry.from], ['To', entry.to], ['Cc', entry.cc], ['Date', entry.date && `${when(entry.date)} UTC`], ['Message-ID', entry.messageId], ['Dump', dump ? `${dump.name} (${target.dumpId})` : target.dumpId],
      ['Locator', entry.locator], ['SHA-256 of its bytes', entry.sha256, 'hash']]),
    el('h3', {}, 'The verification'),
    facts([['Reasons', entry.reasons.join(', ') || 'none'], ['Verified at', entry.verifiedAt ? `${when(entry.verifiedAt)} UTC` : null], ['Rules version', entry.rulesVersion]]),
    el('h3', {}, `Signatures (${entry.signatures.length})`),
    entry.signatures.length ? entry.signatures.map((signature) => el('section', { class: 'sheet-signature' },
      el('h4', {}, `Signature ${signature.index + 1}: ${signature.d ?? '(no d=)'} `, result(signature.status)),
      facts([['Selector (s=)', signature.s], ['Algorithm (a=)', signature.a], ['Body hash', signature.bodyHash], ['Header signature', signature.headerSignature],
        ['Signed headers (h=)', signature.h.join(', ')], ['Body length (l=)', signature.l === null ? null : `${n(signature.l)} of ${n(signature.bodyLength)} bytes signed`],
        ['Signed (t=)', unix(signature.t)], ['Expires (x=)', unix(signature.x)], ['Reasons', signature.reasons.join(', ')]]),
      el('h5', {}, 'The key and where it came from'),
      signature.key ? facts([['Key', `${signature.key.keyType ?? 'unknown type'}${signature.key.bits ? `, ${signature.key.bits} bits` : ''}`],
        ['Source', `${signature.key.source}${signature.key.origin ? ` (${signature.key.origin})` : ''}`], ['First seen', when(signature.key.firstSeenAt)],
        ['Last seen', when(signature.key.lastSeenAt)], ['Compromised', when(signature.key.compromisedAt), 'alarm'], ['Record', signature.key.record, 'hash']])
        : el('p', { class: 'none' }, 'No key found.'))) : el('p', { class: 'none' }, 'No DKIM-Signature field.'),
    el('h3', {}, 'To check it again'),
    el('p', {}, 'Verify the dump again, at the same time, with the same keys; then show this message:'),
    el('pre', { class: 'command' }, ingest, '\n', show),
    el('p', { class: 'no-print' },
      el('button', { type: 'button', onclick: () => print() }, 'Print, or save as PDF'), ' ',
      el('button', { type: 'button', onclick: () => run(() => download(target.path, `evidence-${entry.sha256?.slice(0, 12) ?? 'message'}.json`, 'application/json')) }, 'The JSON of this evidence')),
  ];
}

// Document detail (GET /dumps/{id}/documents/{key}): facts, metadata, provenance with its evidence, every place

function documentDetail(file, dumpId = state.dump) {
  return [
    el('h4', { id: 'document-heading' }, file.name ?? file.locator),
    otherDump(dumpId),
    provenanceSection(file.provenance),
    documentFacts(file),
    el('h5', {}, 'Metadata'),
    file.metadata ? metadataView(file.metadata) : el('p', { class: 'none' }, 'No metadata read from this type of file.'),
    placesSection(file.places ?? [], file.placesTruncated),
  ];
}

function documentFacts(file) {
  return facts([['Name', file.name], ['Size', size(file.size)], ['Detected type', file.detectedType ?? 'unknown'], ['Declared type', file.declaredType],
    ['Locator', file.locator], ['Detail', file.detail], ['SHA-256', file.sha256, 'hash']]);
}

function metadataView(metadata) {
  const fields = Object.entries(metadata.fields).filter(([, value]) => value !== null && value !== undefined);
  return [
    facts([['Read as', metadata.format], ...fields.map(([field, value]) => [METADATA_LABELS[field] ?? field, value])]),
    metadata.note && el('p', { class: 'note' }, `Incomplete: ${metadata.note}`),
    metadata.parts?.length > 0 && el('details', {}, el('summary', {}, `Package parts (${metadata.parts.length})`), partsTable(metadata.parts)),
  ];
}

function partsTable(parts) {
  return el('table', { class: 'parts' },
    el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Part'), el('th', { scope: 'col' }, 'Size'), el('th', { scope: 'col' }, 'SHA-256'))),
    el('tbody', {}, parts.map((part) => el('tr', {}, el('td', {}, part.name), el('td', { class: 'n' }, size(part.size)), el('td', { class: 'hash' }, el('code', {}, part.sha256))))));
}

/** What decided the provenance: the verified carriers, the reasons they prove less, the fields an altered copy changed, and signals. */
function provenanceSection(evidence) {
  if (!evidence) return [el('p', {}, provenanceBadge(null)), el('p', { class: 'note' }, UNDECIDED)];
  return [
    el('p', { class: 'provenance' }, provenanceBadge(evidence.provenance), ` decided ${when(evidence.decidedAt)}`),
    el('p', {}, plain.provenances[evidence.provenance] ?? ''),
    evidence.reasons.length > 0 && explainedReasons(evidence.reasons),
    evidence.carriers.length > 0 && [el('h5', {}, evidence.provenance === 'altered-copy' ? 'Verified copies compared' : 'Carried by'), el('ul', { class: 'places' }, evidence.carriers.map(placeItem))],
    evidence.differences.length > 0 && [el('h5', {}, 'How it differs from the verified copy'), differencesTable(evidence.differences, 'This document', 'Verified copy')],
    evidence.signals.length > 0 && [el('h5', {}, 'Signals'), el('ul', { class: 'signals' }, evidence.signals.map((signal) => el('li', {}, el('strong', {}, SIGNALS[signal.kind] ?? signal.kind), ': ', signal.detail)))],
  ];
}

/** Every other place in the store holding the same bytes (the API caps the list, and says so). */
function placesSection(places, truncated) {
  return [
    el('h5', {}, `Elsewhere in the store (${places.length}${truncated ? '+' : ''})`),
    places.length ? el('ul', { class: 'places' }, places.map(placeItem)) : el('p', { class: 'none' }, 'These bytes are nowhere else in the store.'),
    truncated && el('p', { class: 'note' }, 'More places hold these bytes than are listed here.'),
  ];
}

/** A file or attachment somewhere in the store; an attachment with its message's verdict, From, Date and signer. */
function placeItem(place) {
  const open = place.kind === 'attachment'
    ? () => run(() => openMessage(place.dumpId, place.locator))
    : () => run(() => openDocument(place.dumpId, place.locator));
  return el('li', { class: `place ${place.kind}` },
    el('div', {}, place.kind === 'attachment' ? `Attachment ${place.mimePath ?? ''} of ` : 'Document ', linkButton('', open, place.locator), place.verdict && [' ', badge(place.verdict)]),
    place.kind === 'attachment' && facts([['Name', place.name], ['From', place.from], ['Date', when(place.date)], ['Reasons', place.reasons.join(', ')],
      ['Signed by', place.coveredBy.length ? place.coveredBy.join(', ') : el('span', { class: 'uncovered' }, 'no signature covers this part')]]),
    place.dumpId === state.dump ? null : el('small', {}, `dump ${place.dumpId.slice(0, 12)}…`));
}

// Start

takeFragmentToken();
$('#filters').elements.verdict.append(...VERDICTS.map((verdict) => el('option', { value: verdict }, label(verdict))));
$('#filters').elements.reason.append(...Object.entries(REASONS_OF).map(([verdict, all]) => el('optgroup', { label: label(verdict) },
  all.map((reason) => el('option', { value: reason }, reason)))));
$('#document-filters').elements.provenance.append(...Object.keys(PROVENANCES).map((provenance) => el('option', { value: provenance }, label(provenance))));
for (const [listing, clear] of [[listings.messages, '#clear'], [listings.documents, '#documents-clear']]) {
  $(listing.form).addEventListener('submit', (event) => {
    event.preventDefault();
    applyForm(listing);
  });
  $(clear).addEventListener('click', () => filterBy({}, listing));
  $(listing.more).addEventListener('click', () => loadListing(listing, true));
}
for (const panel of Object.values(panels)) $(panel.panel).addEventListener('keydown', (event) => event.key === 'Escape' && dismiss(panel));
for (const format of ['csv', 'jsonl']) $(`#export-${format}`).addEventListener('click', () => run(() => exportListed(format)));
$('#refresh').addEventListener('click', () => run(loadDumps));
for (const button of document.querySelectorAll('#messages th .sort')) {
  button.addEventListener('click', () => {
    const field = button.dataset.sort;
    navigate({ sort: readRoute().get('sort') === field ? `-${field}` : field });
  });
}
/** Links inside the page act on the route (a bare href="#…" would replace the whole fragment: dump, filters, message). */
const onClick = (selector, act) => $(selector).addEventListener('click', (event) => (event.preventDefault(), act()));
onClick('#skip', () => $(state.view ? VIEWS[state.view].part : '#main').querySelector('h2').focus());
onClick('#guide-link', () => navigate({ view: 'guide' }));
// The links between views (back to the report, to the guide, to a message's sheet) keep the rest of the route.
for (const link of document.querySelectorAll('a.back, a[data-view]')) link.addEventListener('click', (event) => (event.preventDefault(), navigate({ view: link.dataset.view ?? null })));
// Back, forward, or a link to another view pasted into the address bar (with a token, perhaps).
addEventListener('popstate', () => applyRoute());
addEventListener('hashchange', () => {
  takeFragmentToken();
  applyRoute();
});
run(async () => {
  await finishSignIn();
  plain = await api('explanations');
  await loadDumps();
});
