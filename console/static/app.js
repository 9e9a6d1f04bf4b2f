// The sbomcat console: four views over the console's JSON endpoints, routed by the URL's
// fragment so that every view is a link (back, forward, bookmarks).
//
//   #/?q=FILTER&page=N                               packages
//   #/package/NAME?page=N                            one package and its versions
//   #/package/NAME/version/VERSION?result=R&page=N   one version's per-file results
//   #/validate                                       validate files, nothing stored
//
// Everything that comes from the catalog, an SBOM or a file name is put on the page as text
// (textContent, createTextNode), never as markup, and the server's Content-Security-Policy
// allows no script but this file.
'use strict';

const main = document.getElementById('main');
const POLL_MS = 2000; // how often an open package or version view asks for news

// ---- small DOM helpers -----------------------------------------------------------------

// el builds an element; props are set as properties (never innerHTML), children are nodes or
// strings (text nodes).
function el(tag, props, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v === undefined || v === null) continue;
    if (k === 'class') e.className = v;
    else if (k.startsWith('aria-') || k.startsWith('data-')) e.setAttribute(k, v);
    else e[k] = v;
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    e.append(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
  return e;
}

const SVGNS = 'http://www.w3.org/2000/svg';
function svg(tag, attrs, ...children) {
  const e = document.createElementNS(SVGNS, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
  for (const c of children) e.append(typeof c === 'string' ? document.createTextNode(c) : c);
  return e;
}

const nf = new Intl.NumberFormat('en');
function num(n) { return nf.format(n); }
function plural(n, one, many) { return num(n) + ' ' + (n === 1 ? one : many); }

function when(s) {
  if (!s || s.startsWith('0001-')) return '';
  const d = new Date(s);
  return isNaN(d) ? s : d.toISOString().replace('T', ' ').slice(0, 19) + ' UTC';
}

// status shows a status as the API spells it, with a symbol beside it so that colour is
// never the only sign.
const ICONS = { SUCCEEDED: '✓', FAILED: '✗', IN_PROGRESS: '…' };
function status(s) {
  if (!s) return el('span', { class: 'muted' }, 'none');
  return el('span', { class: 'status status-' + s },
    el('span', { class: 'icon', 'aria-hidden': 'true' }, ICONS[s] || ''), s);
}

function formatOf(r) {
  if (r.format === 'cyclonedx') return 'CycloneDX ' + r.specVersion;
  if (r.format === 'spdx') return 'SPDX ' + r.specVersion;
  return '-';
}

function sbomText(loc) {
  if (!loc) return el('span', { class: 'muted' }, 'no SBOM associated');
  return el('span', { class: 'mono' }, 's3://' + loc.bucket + '/' + loc.key,
    el('br'), 'version ' + (loc.version || '(none)'));
}

// ---- routing -----------------------------------------------------------------------------

function route() {
  const h = location.hash.replace(/^#/, '') || '/';
  const qi = h.indexOf('?');
  const path = qi < 0 ? h : h.slice(0, qi);
  const params = new URLSearchParams(qi < 0 ? '' : h.slice(qi + 1));
  const seg = path.split('/').filter(Boolean).map(decodeURIComponent);
  return { seg, params };
}

function link(path, params) {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) if (v !== undefined && v !== '' && v !== null) p.set(k, v);
  const q = p.toString();
  return '#' + path + (q ? '?' + q : '');
}
const pkgPath = (name) => '/package/' + encodeURIComponent(name);
const verPath = (pkg, ver) => pkgPath(pkg) + '/version/' + encodeURIComponent(ver);

let current = null; // the view on screen: { name, stop() }

function navigate() {
  if (current && current.stop) current.stop();
  const { seg, params } = route();
  let view;
  if (seg.length === 0) view = packagesView(params);
  else if (seg[0] === 'validate' && seg.length === 1) view = validateView();
  else if (seg[0] === 'package' && seg.length === 2) view = packageView(seg[1], params);
  else if (seg[0] === 'package' && seg.length === 4 && seg[2] === 'version') view = versionView(seg[1], seg[3], params);
  else {
    show(el('h1', {}, 'Not found'), el('p', {}, 'There is no console page at this address. ', el('a', { href: '#/' }, 'See the packages.')));
    view = { name: 'none' };
  }
  current = view;
  for (const [id, name] of [['nav-packages', 'packages'], ['nav-validate', 'validate']]) {
    const a = document.getElementById(id);
    if (view.name === name) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  }
}

function show(...nodes) {
  fill(main, ...nodes);
}

// fill replaces a node's children; absent ones (null, undefined) are left out rather than
// shown as text.
function fill(node, ...children) {
  node.replaceChildren(...children.filter((n) => n !== null && n !== undefined));
}

// ---- data --------------------------------------------------------------------------------

class HTTPError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

async function getJSON(path, params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) if (v !== undefined && v !== '' && v !== null) q.set(k, v);
  const res = await fetch('api/' + path + (q.toString() ? '?' + q : ''), { credentials: 'same-origin', cache: 'no-store' });
  const text = await res.text();
  let body = null;
  try { body = JSON.parse(text); } catch (e) { /* not JSON: said below */ }
  if (!res.ok) throw new HTTPError(res.status, (body && body.message) || ('The console answered ' + res.status + '.'));
  return { body, text };
}

function errorBox(err) {
  return el('p', { class: 'error', role: 'alert' }, err.message || String(err));
}

function pager(p, hrefFor) {
  if (p.pages <= 1) return null;
  const prev = p.page > 1 ? el('a', { href: hrefFor(p.page - 1), rel: 'prev' }, '← Previous') : el('span', { class: 'off' }, '← Previous');
  const next = p.page < p.pages ? el('a', { href: hrefFor(p.page + 1), rel: 'next' }, 'Next →') : el('span', { class: 'off' }, 'Next →');
  return el('nav', { class: 'pager', 'aria-label': 'Pages' }, prev, el('span', {}, 'Page ' + num(p.page) + ' of ' + num(p.pages)), next);
}

// poller calls load every POLL_MS while its view is on screen; load re-renders only when the
// answer changed, so a page that is read is not disturbed.
function poller(load) {
  let timer = null, stopped = false;
  const tick = async () => {
    if (stopped) return;
    try { await load(); } catch (e) { /* shown by load; try again */ }
    if (!stopped) timer = setTimeout(tick, POLL_MS);
  };
  timer = setTimeout(tick, POLL_MS);
  return () => { stopped = true; clearTimeout(timer); };
}

// polledView is the view name showing what the data endpoint path answers for params, drawn
// by render, and asked again every POLL_MS (poller). A failed request shows heading() and the
// error instead.
function polledView(name, path, params, heading, render) {
  let last = null;
  show(el('p', { class: 'muted' }, 'Loading…'));
  const load = async () => {
    let r;
    try { r = await getJSON(path, params); } catch (err) {
      show(...heading(), errorBox(err));
      throw err;
    }
    if (r.text === last) return;
    last = r.text;
    render(r.body);
  };
  load().catch(() => {});
  return { name, stop: poller(load) };
}

// ---- packages ----------------------------------------------------------------------------

function packagesView(params) {
  const q = params.get('q') || '';
  const page = params.get('page') || '';
  // Typing in the filter replaces the history entry (one entry per filter, not per key), and
  // keeps the box (and its focus) while the list below is redrawn.
  let box = document.getElementById('filter');
  let results = document.getElementById('package-results');
  if (!box || !results) {
    box = el('input', { type: 'search', id: 'filter', value: q, placeholder: 'Filter by name or description', 'aria-label': 'Filter packages' });
    let debounce;
    box.addEventListener('input', () => {
      clearTimeout(debounce);
      debounce = setTimeout(() => location.replace(link('/', { q: box.value.trim() })), 250);
    });
    results = el('div', { id: 'package-results' }, el('p', { class: 'muted' }, 'Loading…'));
    show(el('h1', {}, 'Packages'), el('div', { class: 'toolbar' }, box), results);
  } else if (box.value.trim() !== q) {
    box.value = q;
  }
  let alive = true;
  getJSON('packages', { q, page }).then(({ body }) => {
    if (!alive) return;
    const count = q ? plural(body.total, 'package matches', 'packages match') + ' “' + q + '”' : plural(body.total, 'package', 'packages');
    const rows = body.packages.map((p) => el('tr', {},
      el('td', { class: 'name' }, el('a', { href: link(pkgPath(p.name)) }, p.name)),
      el('td', {}, p.description),
      el('td', {}, p.defaultVersion ? el('a', { href: link(verPath(p.name, p.defaultVersion)) }, p.defaultVersion) : el('span', { class: 'muted' }, 'none')),
      el('td', { class: 'num' }, num(p.versions)),
      el('td', {}, when(p.lastChange))));
    const hrefFor = (n) => link('/', { q, page: n });
    fill(results, 
      el('p', { class: 'muted', id: 'package-count' }, count),
      body.total === 0 && !q ? el('p', {}, 'No packages yet: create one with the AWS CLI or an SDK (aws iot create-package).') : null,
      rows.length ? el('table', { id: 'packages' },
        el('thead', {}, el('tr', {}, el('th', {}, 'Name'), el('th', {}, 'Description'), el('th', {}, 'Default version'), el('th', { class: 'num' }, 'Versions'), el('th', {}, 'Last change'))),
        el('tbody', {}, rows)) : null,
      pager(body, hrefFor));
  }).catch((err) => { if (alive) fill(results, errorBox(err)); });
  return { name: 'packages', stop() { alive = false; } };
}

// ---- one package -------------------------------------------------------------------------

function packageView(name, params) {
  const page = params.get('page') || '';
  return polledView('package', 'package', { name, page }, () => [crumbs([name]), el('h1', {}, name)],
    (body) => renderPackage(body, page));
}

function crumbs(parts) {
  const items = [el('a', { href: '#/' }, 'Packages')];
  if (parts.length > 1) items.push(' › ', el('a', { href: link(pkgPath(parts[0])) }, parts[0]));
  else if (parts.length === 1) items.push(' › ', parts[0]);
  if (parts.length > 1) items.push(' › ', parts[1]);
  return el('nav', { class: 'crumbs', 'aria-label': 'Breadcrumbs' }, items);
}

function renderPackage(b, page) {
  const p = b.package;
  const busy = b.versions.some((v) => v.validationStatus === 'IN_PROGRESS');
  const rows = b.versions.map((v) => el('tr', {},
    el('td', { class: 'name' }, el('a', { href: link(verPath(p.name, v.name)) }, v.name)),
    el('td', {}, v.status),
    el('td', {}, sbomText(v.sbom)),
    el('td', {}, status(v.validationStatus)),
    el('td', { class: 'num' }, v.validationStatus && v.validationStatus !== 'IN_PROGRESS' ? num(v.succeeded) : ''),
    el('td', { class: 'num' }, v.validationStatus && v.validationStatus !== 'IN_PROGRESS' ? num(v.failed) : ''),
    el('td', {}, when(v.updatedAt))));
  show(
    crumbs([p.name]),
    el('h1', {}, p.name),
    el('dl', { class: 'facts' },
      el('dt', {}, 'Description'), el('dd', {}, p.description || el('span', { class: 'muted' }, 'none')),
      el('dt', {}, 'Default version'), el('dd', {}, p.defaultVersion || el('span', { class: 'muted' }, 'none')),
      el('dt', {}, 'Versions'), el('dd', {}, num(b.total))),
    busy ? el('p', { class: 'live', role: 'status' }, 'Validation in progress: this page updates by itself.') : null,
    b.versions.length ? chart(b.versions) : el('p', {}, 'This package has no versions yet.'),
    b.versions.length ? el('table', { id: 'versions' },
      el('thead', {}, el('tr', {}, el('th', {}, 'Version'), el('th', {}, 'Lifecycle'), el('th', {}, 'SBOM location'),
        el('th', {}, 'Validation'), el('th', { class: 'num' }, 'Succeeded files'), el('th', { class: 'num' }, 'Failed files'), el('th', {}, 'Updated'))),
      el('tbody', {}, rows)) : null,
    pager(b, (n) => link(pkgPath(p.name), { page: n })));
}

// chart draws one bar per version, split into the share of files that succeeded (lower,
// green) and failed (upper, red), with the number of files above it: a version whose red part
// grows is a regression. Each bar's title gives the numbers.
function chart(versions) {
  const bw = 26, gap = 12, h = 80, top = 16, left = 4;
  const width = left + versions.length * (bw + gap) + 4;
  const s = svg('svg', { class: 'chart', width, height: h + top + 22, viewBox: `0 0 ${width} ${h + top + 22}`, role: 'img',
    'aria-label': 'Share of succeeded and failed files per version' });
  s.append(svg('line', { class: 'axis', x1: 0, x2: width, y1: top + h + 0.5, y2: top + h + 0.5 }));
  versions.forEach((v, i) => {
    const x = left + i * (bw + gap);
    const files = v.succeeded + v.failed;
    const g = svg('g', { 'data-version': v.name });
    const summary = v.validationStatus === 'IN_PROGRESS' ? 'validation in progress'
      : v.validationStatus ? `${v.succeeded} succeeded, ${v.failed} failed` : 'no SBOM';
    g.append(svg('title', {}, `${v.name}: ${summary}`));
    if (v.validationStatus === 'IN_PROGRESS') {
      g.append(svg('rect', { class: 'busy', x: x + 0.5, y: top + 0.5, width: bw - 1, height: h - 1 }));
    } else if (files > 0) {
      const badH = Math.max(v.failed ? 2 : 0, Math.round(h * v.failed / files));
      g.append(svg('rect', { class: 'ok', x, y: top + badH, width: bw, height: h - badH }));
      g.append(svg('rect', { class: 'bad', x, y: top, width: bw, height: badH }));
      g.append(svg('text', { x: x + bw / 2, y: top - 4, 'text-anchor': 'middle' }, String(files)));
    }
    const label = v.name.length > 6 ? v.name.slice(0, 5) + '…' : v.name;
    g.append(svg('text', { x: x + bw / 2, y: top + h + 14, 'text-anchor': 'middle' }, label));
    s.append(g);
  });
  return el('figure', { id: 'chart' }, s,
    el('figcaption', {}, 'Files per version, as shares: succeeded (green, lower part) and failed (red, upper part); the number above a bar counts its files. A dashed box is a validation in progress.'));
}

// ---- one version -------------------------------------------------------------------------

// RESULT_COLUMNS are the per-file result table's columns. A column marked optional is shown
// only when some result has a value for it: the engine's error location (pointer, line,
// column) appears as soon as the results carry it.
const RESULT_COLUMNS = [
  { title: 'File', cls: 'name', cell: (r) => r.fileName },
  { title: 'Result', cell: (r) => status(r.validationResult) },
  { title: 'Format', cls: 'nowrap', cell: (r) => formatOf(r) },
  { title: 'Error code', cell: (r) => r.errorCode || '' },
  { title: 'Pointer', optional: 'pointer', cls: 'mono', cell: (r) => r.pointer || '' },
  { title: 'Line', optional: 'line', cls: 'num', cell: (r) => r.line ? num(r.line) : '' },
  { title: 'Column', optional: 'column', cls: 'num', cell: (r) => r.column ? num(r.column) : '' },
  { title: 'Message', cls: 'msg', cell: (r) => r.errorMessage || '' },
];

function resultsTable(id, results, extraFirst) {
  const cols = RESULT_COLUMNS.filter((c) => !c.optional || results.some((r) => r[c.optional]));
  const head = el('tr', {}, extraFirst ? el('th', {}, extraFirst.title) : null, cols.map((c) => el('th', { class: c.cls === 'num' ? 'num' : '' }, c.title)));
  const rows = results.map((r) => el('tr', {},
    extraFirst ? el('td', { class: 'name' }, extraFirst.cell(r)) : null,
    cols.map((c) => el('td', { class: c.cls || '' }, c.cell(r)))));
  return el('table', { id }, el('thead', {}, head), el('tbody', {}, rows));
}

function versionView(pkg, ver, params) {
  const result = params.get('result') || '';
  const page = params.get('page') || '';
  // The view asks again every POLL_MS whatever the status: a new association can replace
  // final results at any time, and the page shows them without a reload.
  return polledView('version', 'version', { package: pkg, version: ver, result, page },
    () => [crumbs([pkg, ver]), el('h1', {}, pkg + ' ' + ver)], (body) => renderVersion(body, result));
}

function renderVersion(b, result) {
  const v = b.version, pkg = b.package;
  const total = v.succeeded + v.failed;
  const filter = (r, label) => el('a', { href: link(verPath(pkg, v.name), { result: r }), 'aria-current': String(result === r) }, label);
  const busy = v.validationStatus === 'IN_PROGRESS';
  let body;
  if (!v.validationStatus) body = el('p', {}, 'No SBOM is associated with this version.');
  else if (busy) body = el('p', {}, 'The SBOM is being validated; its files appear here when it is done.');
  else if (b.results.length === 0) body = el('p', {}, result ? 'No file has the result ' + result + '.' : 'No files.');
  else body = resultsTable('results', b.results);
  show(
    crumbs([pkg, v.name]),
    el('h1', {}, pkg + ' ' + v.name),
    el('dl', { class: 'facts' },
      el('dt', {}, 'Lifecycle'), el('dd', { id: 'lifecycle' }, v.status),
      el('dt', {}, 'SBOM location'), el('dd', {}, sbomText(v.sbom)),
      el('dt', {}, 'Validation'), el('dd', { id: 'validation-status' }, status(v.validationStatus)),
      el('dt', {}, 'Files'), el('dd', { id: 'file-counts' }, busy || !v.validationStatus ? '' : plural(total, 'file', 'files') + ': ' + num(v.succeeded) + ' succeeded, ' + num(v.failed) + ' failed')),
    busy ? el('p', { class: 'live', role: 'status' }, 'Validation in progress: this page updates by itself.') : null,
    total ? el('p', { class: 'filters toolbar' }, 'Show: ', filter('', 'All (' + num(total) + ')'),
      filter('SUCCEEDED', 'SUCCEEDED (' + num(v.succeeded) + ')'), filter('FAILED', 'FAILED (' + num(v.failed) + ')')) : null,
    body,
    pager(b, (n) => link(verPath(pkg, v.name), { result, page: n })));
}

// ---- validate ----------------------------------------------------------------------------

// The last validation's rows stay while the tab is open, so back and forward return to them.
const validation = { files: [], rows: [], running: false };

function validateView() {
  const input = el('input', { type: 'file', multiple: true, id: 'files', 'aria-label': 'SBOM files or zip archives' });
  const again = el('button', { type: 'button', id: 'validate-button', disabled: validation.files.length === 0 }, 'Validate');
  const zone = el('div', { class: 'dropzone', id: 'dropzone' },
    el('p', {}, 'Choose SBOM files (JSON) or zip archives of them, or drop them anywhere on this page. ',
      'Validation starts as soon as they are chosen.'),
    el('div', { class: 'toolbar' }, input, again));
  const out = el('div', { id: 'validate-results' });
  input.addEventListener('change', () => { if (input.files.length) runValidation([...input.files]); });
  again.addEventListener('click', () => runValidation(validation.files));
  show(el('h1', {}, 'Validate'),
    el('p', {}, 'Files are judged as ', el('code', {}, 'sbomctl validate'), ' and the service judge them: the same engine, rules and size limits. Nothing is stored.'),
    zone, out);
  renderValidation();
  return { name: 'validate' };
}

function renderValidation() {
  const out = document.getElementById('validate-results');
  if (!out) return;
  const button = document.getElementById('validate-button');
  if (button) button.disabled = validation.running || validation.files.length === 0;
  if (!validation.rows.length) { fill(out, ); return; }
  const done = validation.rows.filter((r) => r.validationResult);
  const ok = done.filter((r) => r.validationResult === 'SUCCEEDED').length;
  const pending = validation.rows.length - done.length;
  const summary = plural(done.length, 'file', 'files') + ': ' + num(ok) + ' succeeded, ' + num(done.length - ok) + ' failed' +
    (pending ? ' (' + num(pending) + ' still being checked)' : '');
  fill(out, el('p', { id: 'validate-summary', role: 'status' }, summary),
    resultsTable('validation', validation.rows, { title: 'Uploaded', cell: (r) => r.source }));
}

async function runValidation(files) {
  if (validation.running || !files.length) return;
  validation.files = files;
  validation.running = true;
  validation.rows = files.map((f) => ({ source: f.name, fileName: f.name, pending: true, errorMessage: 'checking…' }));
  renderValidation();
  for (let i = 0; i < files.length; i++) {
    const f = files[i];
    let rows;
    try {
      const res = await fetch('api/validate?name=' + encodeURIComponent(f.name), {
        method: 'POST', body: f, credentials: 'same-origin', headers: { 'Content-Type': 'application/octet-stream' },
      });
      const body = await res.json().catch(() => null);
      if (!res.ok) throw new Error((body && body.message) || ('The console answered ' + res.status + '.'));
      rows = body.results.map((r) => Object.assign({ source: f.name }, r));
    } catch (err) {
      rows = [{ source: f.name, fileName: f.name, errorMessage: 'Not checked: ' + (err.message || err) }];
    }
    const at = validation.rows.findIndex((r) => r.pending && r.source === f.name);
    validation.rows.splice(at, 1, ...rows);
    renderValidation();
  }
  validation.running = false;
  renderValidation();
}

// Files dropped anywhere are validated, on whatever view they land.
let dragDepth = 0;
const hint = document.getElementById('drop-hint');
const hasFiles = (e) => e.dataTransfer && [...e.dataTransfer.types].includes('Files');
window.addEventListener('dragenter', (e) => { if (hasFiles(e)) { dragDepth++; hint.hidden = false; } });
window.addEventListener('dragleave', () => { if (--dragDepth <= 0) { dragDepth = 0; hint.hidden = true; } });
window.addEventListener('dragover', (e) => { if (hasFiles(e)) e.preventDefault(); });
window.addEventListener('drop', (e) => {
  if (!hasFiles(e)) return;
  e.preventDefault();
  dragDepth = 0; hint.hidden = true;
  const files = [...e.dataTransfer.files];
  if (!files.length) return;
  if (!current || current.name !== 'validate') location.hash = '#/validate';
  runValidation(files);
});

window.addEventListener('hashchange', navigate);
navigate();
