/**
 * The Leakproof report page: draws the JSON API it is served with. Plain browser JS, no build step.
 * Everything the API returns comes from leaked mail (subjects, names, addresses, even domains are hostile), so
 * values only enter the page as text nodes or attribute values, through el/svg. Nothing here uses innerHTML.
 */

const VERDICTS = ['verified', 'partially-verified', 'failed', 'unverified', 'error'];
const label = (verdict) => verdict[0].toUpperCase() + verdict.slice(1).replace('-', ' ');

/** The reasons of each verdict (shared/verdict/contract.ts), with what each means to a reader. */
const REASONS_OF = {
  'partially-verified': {
    'body-length-limit': 'The signature covers only the first l= bytes of the body: text may have been appended after sending.',
    'weak-key': 'Signed with an RSA key under 1024 bits, short enough for others to factor: the signature could be forged.',
    sha1: 'Signed with SHA-1, no longer strong enough to rule out forgery.',
    'signer-not-aligned': 'The signer is not the From domain: it vouches for whoever sent the message on, not for its author.',
    'unsigned-header': 'A From, Subject, Date, To or Cc field is not signed: it may have been added or changed.',
    'signature-expired': 'The signature had expired (x=) when the message was received.',
    'key-compromised': 'The private key was known to others by the time the message is vouched to exist: anyone holding it could have signed.',
    'multiple-authors': 'The From field names several authors, and the signer is the organisation of only some of them.',
    'duplicate-header': 'A From, Subject, Date, To or Cc field appears twice: mail clients differ on which one they show.',
    'malformed-header': 'A header line is neither a field nor a continuation: mail clients differ on what it means.',
  },
  failed: {
    'body-hash-mismatch': 'Headers genuine, body altered after sending: the signature over the headers holds, the body no longer matches.',
    'signature-mismatch': 'The signature does not match the signed headers: they were altered, or this key did not make it.',
  },
  unverified: {
    'no-signature': 'No DKIM signature: nothing can be proven either way.',
    'key-unavailable': 'The signer’s key is in neither the key archive nor DNS: the signature cannot be checked.',
    'key-revoked': 'The signer revoked the key (empty p=): the signature cannot be checked.',
    'dns-error': 'Looking up the key failed (DNS error): checking again later may settle it.',
    'key-testing': 'The signer published the key in testing mode (t=y): its signatures are to be treated as unsigned mail.',
    'malformed-signature': 'The signature breaks the DKIM syntax, so it proves nothing either way: no sign of alteration.',
    'over-limit': 'Over a safety cap (too many signatures, or too long an h= list): not checked.',
  },
  error: { 'parse-error': 'The entry could not be read as a message.' },
};
/** reason → [its verdict, what it means] */
const REASONS = Object.fromEntries(Object.entries(REASONS_OF).flatMap(([verdict, all]) => Object.entries(all).map(([reason, text]) => [reason, [verdict, text]])));
const CAUSES = { 'new-key': 'a key was found', 'key-changed': 'the archived key changed', 'key-compromised': 'the key was found compromised', 'rules-change': 'the rules changed' };

const TOKEN = 'leakproof-token';
const state = { dump: null, params: null, cursor: null, shown: 0, opener: null, tickets: { dump: 0, list: 0, entry: 0 } };

// DOM: the only way anything enters the page

const el = (tag, attributes, ...children) => fill(document.createElement(tag), attributes, children);
const svg = (tag, attributes, ...children) => fill(document.createElementNS('http://www.w3.org/2000/svg', tag), attributes, children);

/** Attributes by setAttribute (on… functions as listeners); children as nodes or text, null ones left out. */
function fill(node, attributes = {}, children = []) {
  for (const [name, value] of Object.entries(attributes)) {
    if (typeof value === 'function') node.addEventListener(name.slice(2), value);
    else if (value !== null && value !== undefined && value !== false) node.setAttribute(name, String(value));
  }
  node.append(...children.flat(2).filter((child) => child !== null && child !== undefined && child !== false));
  return node;
}

const $ = (selector) => document.querySelector(selector);
const enc = encodeURIComponent;
const numbers = new Intl.NumberFormat('en');
const n = (value) => numbers.format(value ?? 0);
const when = (iso) => (iso ? iso.replace('T', ' ').slice(0, 16) : null);
const unix = (seconds) => (seconds === null ? null : when(new Date(seconds * 1000).toISOString()));
const badge = (verdict) => el('span', { class: `badge v-${verdict}` }, label(verdict));
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

/** A token handed over in the fragment (#token=…) goes to sessionStorage and out of the address bar. */
function takeFragmentToken() {
  const token = /[#&]token=([^&]*)/.exec(location.hash)?.[1];
  if (token === undefined) return;
  sessionStorage.setItem(TOKEN, decodeURIComponent(token));
  history.replaceState(null, '', location.pathname + location.search);
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

async function api(path) {
  const token = sessionStorage.getItem(TOKEN);
  const headers = token ? { accept: 'application/json', authorization: `Bearer ${token}` } : { accept: 'application/json' };
  const response = await fetch(new URL(path, document.baseURI), { headers });
  if (response.status === 401) {
    const config = await signInConfig();
    if (!config) {
      await askForToken(Boolean(token));
      return api(path);
    }
    sessionStorage.removeItem(TOKEN);
    if (signedInNow) throw new Error('the API refused the token signing in gave (401): its issuer or audience is not the one the API accepts');
    return signIn(config);
  }
  const body = await response.json().catch(() => null);
  // API Gateway's own refusals ({"message": "Forbidden"}: a token without the scope) are not problem documents.
  if (!response.ok) throw new Error(body?.detail || body?.message || `${response.status} ${response.statusText}`);
  return body;
}

// Dumps: the picker, then one dump's summary

async function loadDumps() {
  status('Loading…');
  const { dumps } = await api('dumps');
  $('#dumps').replaceChildren(...dumps.map(dumpItem));
  status(dumps.length ? '' : 'No dumps yet: ingest one with `leakproof ingest`.');
  const wanted = state.dump ?? /^#dump=(\w+)/.exec(location.hash)?.[1];
  const chosen = dumps.find((dump) => dump.id === wanted) ?? dumps[0];
  if (chosen) await showDump(chosen.id);
}

function dumpItem(dump) {
  const located = dump.located === null ? '?' : n(dump.located);
  return el('li', {}, el('button', { type: 'button', class: 'dump', 'data-id': dump.id, 'aria-pressed': 'false', onclick: () => run(() => showDump(dump.id)) },
    el('strong', {}, dump.name), el('span', { class: `state s-${dump.status}` }, dump.status),
    // No max while the dump is still being split: an indeterminate bar.
    el('progress', { max: dump.located, value: dump.located === null ? null : dump.processed, 'aria-label': `${dump.name}: entries processed` }),
    el('small', {}, `${n(dump.processed)} of ${located} entries · ${n(dump.messages)} messages · ${when(dump.startedAt)}`)));
}

async function showDump(id) {
  state.dump = id;
  history.replaceState(null, '', `#dump=${enc(id)}`);
  for (const button of document.querySelectorAll('#dumps button')) button.setAttribute('aria-pressed', String(button.dataset.id === id));
  const ticket = ++state.tickets.dump;
  const summary = await api(`dumps/${enc(id)}`);
  if (ticket !== state.tickets.dump) return;
  renderSummary(summary);
  $('#dump').hidden = false;
  closeEvidence(false);
  clearFilters();
  await loadMessages(false);
}

function renderSummary(summary) {
  const { dump } = summary;
  $('#dump-name').textContent = dump.name;
  $('#dump-facts').replaceChildren(...facts([
    ['Status', dump.failure ? `${dump.status}: ${dump.failure}` : dump.status], ['Messages', n(summary.messages)], ['Skipped', n(summary.skipped)], ['Errors', n(summary.errors)],
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
    linkButton(`v-${REASONS[reason]?.[0]}`, () => filterBy({ reason }), swatch(), reason), el('span', { class: 'n' }, n(count)), el('p', {}, REASONS[reason]?.[1]))));
  if (!reasons.length) $('#reasons').append(el('li', { class: 'none' }, 'None: every message verified, or none was read.'));
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

function legend(counts) {
  return el('ul', { class: 'legend' }, counts.map(([verdict, count]) => el('li', {},
    linkButton(`v-${verdict}`, () => filterBy({ verdict }), swatch(), label(verdict)),
    el('span', { class: 'n' }, n(count)), el('span', { class: 'pct' }, `${Math.round((100 * count) / (total(counts) || 1))}%`))));
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

// Message table

function clearFilters() {
  for (const field of $('#filters').elements) if (field.name) field.value = '';
}

/** Shows the messages matching these filters alone: a click on the chart, a month, a domain, a reason. */
function filterBy(values) {
  clearFilters();
  for (const [name, value] of Object.entries(values)) $('#filters').elements[name].value = value;
  run(() => loadMessages(false));
  $('#messages-heading').scrollIntoView({ behavior: 'smooth' });
}

function filterMonth(month) {
  const [year, number] = month.split('-').map(Number);
  filterBy({ after: `${month}-01`, before: new Date(Date.UTC(year, number, 0)).toISOString().slice(0, 10) });
}

/** The form as API parameters. Dates are whole UTC days, the "to" day included. */
function queryOfForm() {
  const params = new URLSearchParams({ limit: '50' });
  for (const [name, value] of new FormData($('#filters'))) {
    const text = String(value).trim().toLowerCase();
    if (text) params.set(name, name === 'before' ? new Date(Date.parse(text) + 86_400_000).toISOString().slice(0, 10) : text);
  }
  return params;
}

async function loadMessages(more) {
  const ticket = ++state.tickets.list;
  if (!more) state.params = queryOfForm();
  const params = new URLSearchParams(state.params);
  if (more) params.set('cursor', state.cursor);
  $('#more').disabled = true;
  const page = await api(`dumps/${enc(state.dump)}/messages?${params}`);
  if (ticket !== state.tickets.list) return;
  const rows = page.messages.map(messageRow);
  $('#messages tbody')[more ? 'append' : 'replaceChildren'](...rows);
  state.shown = (more ? state.shown : 0) + rows.length;
  state.cursor = page.next;
  if (!state.shown) $('#messages tbody').append(el('tr', {}, el('td', { colspan: 6, class: 'none' }, 'No messages match these filters.')));
  $('#more').hidden = !state.cursor;
  $('#more').disabled = false;
  $('#shown').textContent = `${n(state.shown)} shown${state.cursor ? '' : ' — all'}`;
  const filters = [...state.params].filter(([name]) => name !== 'limit').map(([name, value]) => `${name} ${value}`);
  $('#messages caption').textContent = filters.length ? `Messages with ${filters.join(', ')}` : 'All messages';
}

function messageRow(message) {
  const open = () => run(() => openEvidence(message, row, button));
  const button = linkButton('', open, message.subject ?? (message.verdict === 'error' ? message.locator : '(no subject)'));
  const row = el('tr', { onclick: (event) => event.target.closest('button') || open() },
    el('td', { title: when(message.date) }, message.date?.slice(0, 10) ?? '—'), el('td', { class: 'from' }, message.from ?? '—'), el('td', { class: 'subject' }, button),
    el('td', {}, badge(message.verdict)), el('td', { class: 'reasons' }, message.reasons.map((reason) => el('span', {}, reason))),
    el('td', {}, message.signingDomains.join(' ')));
  return row;
}

// Evidence panel

async function openEvidence(message, row, opener) {
  const ticket = ++state.tickets.entry;
  unselect();
  row.setAttribute('aria-current', 'true');
  state.opener = opener;
  $('#evidence').hidden = false;
  $('#evidence').replaceChildren(el('p', {}, 'Loading…'));
  const entry = await api(`dumps/${enc(state.dump)}/messages/${enc(message.key)}`);
  if (ticket !== state.tickets.entry) return;
  $('#evidence').replaceChildren(...evidence(entry).flat());
  $('#evidence').focus();
}

function closeEvidence(refocus = true) {
  $('#evidence').hidden = true;
  unselect();
  if (refocus && state.opener?.isConnected) state.opener.focus();
}

function unselect() {
  for (const row of document.querySelectorAll('#messages tr[aria-current]')) row.removeAttribute('aria-current');
}

/** [term, value, class?] pairs as a description list; empty values left out. */
function facts(pairs) {
  return el('dl', { class: 'facts' }, pairs.filter(([, value]) => value !== null && value !== undefined && value !== '')
    .map(([term, value, className]) => el('div', { class: className }, el('dt', {}, term), el('dd', {}, value))));
}

/** A message's detail (MessageDetail in shared/api/schemas.ts); an unreadable entry has the same shape. */
function evidence(entry) {
  return [
    el('button', { type: 'button', class: 'close', 'aria-label': 'Close evidence', onclick: () => closeEvidence() }, '×'),
    el('h4', { id: 'evidence-heading' }, entry.subject ?? (entry.kind === 'error' ? entry.locator : '(no subject)')),
    el('p', {}, badge(entry.verdict), entry.rulesVersion ? ` by rules version ${entry.rulesVersion}` : ''),
    entry.verdict === 'verified'
      ? el('p', {}, 'A signature by the From domain covers the whole message: it is as sent.')
      : el('ul', { class: 'explained' }, entry.reasons.map((reason) => el('li', {}, el('strong', {}, reason), ' ', REASONS[reason]?.[1]))),
    facts([['Detail', entry.detail], ['From', entry.from], ['Sender', entry.sender], ['Date', when(entry.date)], ['Message-ID', entry.messageId],
      ['Received', when(entry.receivedAt)], ['Verified at', when(entry.verifiedAt)], ['Locator', entry.locator], ['SHA-256', entry.sha256, 'hash']]),
    el('h5', {}, `Signatures (${entry.signatures.length})`),
    entry.signatures.length ? entry.signatures.map(signature) : el('p', { class: 'none' }, 'No DKIM-Signature field.'),
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

// Start

takeFragmentToken();
$('#filters').elements.verdict.append(...VERDICTS.map((verdict) => el('option', { value: verdict }, label(verdict))));
$('#filters').elements.reason.append(...Object.entries(REASONS_OF).map(([verdict, all]) => el('optgroup', { label: label(verdict) },
  Object.keys(all).map((reason) => el('option', { value: reason }, reason)))));
$('#filters').addEventListener('submit', (event) => {
  event.preventDefault();
  run(() => loadMessages(false));
});
$('#clear').addEventListener('click', () => filterBy({}));
$('#more').addEventListener('click', () => run(() => loadMessages(true)));
$('#refresh').addEventListener('click', () => run(loadDumps));
$('#evidence').addEventListener('keydown', (event) => event.key === 'Escape' && closeEvidence());
run(async () => {
  await finishSignIn();
  await loadDumps();
});
