// The ringwork operator console: plain JavaScript, no framework and no build step, served from the
// node's jar. It polls the node's own API (the same endpoints as curl) and draws what it gets;
// every value goes into the page as text (textContent), never as HTML.
'use strict';

// Uncaught errors are collected here as well as on the browser's console, so a test can assert
// that the page threw none (ConsoleBrowserTest).
window.ringworkErrors = [];
window.addEventListener('error', e => window.ringworkErrors.push(String(e.message || e)));
window.addEventListener('unhandledrejection', e => window.ringworkErrors.push('unhandled rejection: ' + String(e.reason)));

(function () {
  const TOKEN_KEY = 'ringwork.token';
  const CLUSTER_EVERY_MS = 1000;   // members, partitions, the charts' samples
  const SLOW_EVERY_MS = 2000;      // health, elections, services
  const SAMPLES = 300;             // the charts' ring buffer: 5 minutes at one sample a second
  const MAX_ROWS = 200;            // rows drawn per list: a big health map stays a bounded page
  const PALETTE = ['#4e79a7', '#f28e2b', '#59a14f', '#b07aa1', '#76b7b2', '#edc948', '#9c755f', '#e15759', '#bab0ac', '#ff9da7'];

  const $ = id => document.getElementById(id);
  const samples = [];              // {t, applied, p50, p99}
  const transitions = [];          // {id, from, to, atMs}: health changes seen while the page is open
  let lastHealth = null;           // id -> status of the not-healthy targets at the last poll
  let needsToken = false;
  let kvNext = null;

  // ---- the API, with the operator's token ------------------------------------------------------

  function token() {
    try { return sessionStorage.getItem(TOKEN_KEY) || ''; } catch (e) { return ''; }
  }

  class ApiFailure extends Error {
    constructor(status, error, detail) {
      super(status + ' ' + error + (detail ? ': ' + detail : ''));
      this.status = status;
    }
  }

  async function api(path) {
    const headers = { 'Accept': 'application/json' };
    const t = token();
    if (t) headers['Authorization'] = 'Bearer ' + t;
    const response = await fetch(path, { headers, cache: 'no-store' });
    const text = await response.text();
    let body = null;
    try { body = text ? JSON.parse(text) : null; } catch (e) { body = null; }
    if (!response.ok) {
      throw new ApiFailure(response.status, body && body.error ? body.error : response.statusText,
        body && body.detail ? body.detail : '');
    }
    return body;
  }

  function seg(s) { return encodeURIComponent(s); }

  // ---- small DOM helpers ------------------------------------------------------------------------

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined) continue;
      if (k === 'class') node.className = v;
      else if (k === 'onclick') node.addEventListener('click', v);
      else if (k.startsWith('data-')) node.setAttribute(k, v);
      else node[k] = v;
    }
    for (const c of children) node.append(c instanceof Node ? c : String(c ?? ''));
    return node;
  }

  const SVG = 'http://www.w3.org/2000/svg';
  function svg(tag, attrs, text) {
    const node = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // A table: header cells, then rows of cells; a cell is a value or {v, cls, num, node}.
  function table(id, header, rows, rowAttrs) {
    const t = $(id);
    const head = el('tr', {}, ...header.map(h => el('th', typeof h === 'object' ? { class: 'num' } : {}, typeof h === 'object' ? h.num : h)));
    const body = rows.slice(0, MAX_ROWS).map((cells, i) => el('tr', rowAttrs ? rowAttrs(i) : {}, ...cells.map(c => {
      if (c !== null && typeof c === 'object' && !(c instanceof Node)) {
        const cls = [c.cls, c.num ? 'num' : ''].filter(Boolean).join(' ');
        return el('td', { class: cls || null, 'data-field': c.field || null }, c.node || fmt(c.v));
      }
      return el('td', {}, c instanceof Node ? c : fmt(c));
    })));
    if (rows.length > MAX_ROWS) body.push(el('tr', {}, el('td', { colSpan: header.length, class: 'muted' }, `... and ${rows.length - MAX_ROWS} more`)));
    if (rows.length === 0) body.push(el('tr', {}, el('td', { colSpan: header.length, class: 'muted' }, 'none')));
    t.replaceChildren(head, ...body);
  }

  function fmt(v) {
    if (v === null || v === undefined) return '';
    if (typeof v === 'number') return Number.isInteger(v) ? v.toLocaleString('en') : v.toFixed(1);
    return String(v);
  }

  function ago(ms) {
    if (!ms) return '';
    const s = Math.max(0, Math.round((Date.now() - ms) / 1000));
    if (s < 120) return s + ' s ago';
    if (s < 7200) return Math.round(s / 60) + ' min ago';
    return Math.round(s / 3600) + ' h ago';
  }

  function colorOf(id) {
    let h = 0;
    for (const ch of String(id)) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
    return PALETTE[h % PALETTE.length];
  }

  function setStatus(text, error) {
    $('status').textContent = text;
    $('status').className = 'status' + (error ? ' error' : '');
  }

  // ---- the cluster: members, ring, partitions, charts --------------------------------------------

  function memberStates(cluster) {
    return cluster.members.slice().sort((a, b) => a.id.localeCompare(b.id));
  }

  function renderCluster(c) {
    $('node').textContent = c.node;
    document.title = 'ringwork ' + c.node;
    $('member-count').textContent = c.members.length;
    $('alive-count').textContent = c.members.filter(m => m.state === 'alive').length;
    $('partition-count').textContent = c.partitionCount;
    $('applied').textContent = fmt(c.totals.applied);
    $('lag').textContent = fmt(c.totals.lag);

    const members = memberStates(c);
    table('members', ['member', 'state', 'incarnation', 'owns', 'address', 'http'], members.map(m => [
      m.id + (m.self ? ' (this node)' : ''),
      { v: m.state, cls: 'state state-' + m.state, field: 'state' },
      { v: m.incarnation === undefined ? '' : String(m.incarnation), num: true },
      { v: c.partitions.filter(p => p.owner === m.id).length, num: true, field: 'owns' },
      m.address, m.http]), i => ({ 'data-member': members[i].id }));

    const state = new Map(members.map(m => [m.id, m.state]));
    const moving = new Map((c.ownership && c.ownership.partitions || []).map(p => [p.partition, p]));
    table('partitions', ['partition', 'owner', 'replicas', 'term (if led here)', { num: 'checkpoint' }, { num: 'log end' }, { num: 'lag' },
      { num: 'in flight' }, 'moving to', 'ready'], c.partitions.map(p => {
      const plan = moving.get(p.partition) || {};
      const ownerState = state.get(p.owner);
      return [{ v: p.partition, num: true }, { v: p.owner || '(none)', field: 'owner', cls: ownerState && ownerState !== 'alive' ? 'state-dead' : '' },
        (p.replicas || []).join(', '), p.term || '', { v: p.checkpoint, num: true }, { v: p.logEnd, num: true },
        { v: p.lag, num: true, cls: p.lag > 0 ? 'lag' : '' }, { v: p.inFlight, num: true },
        plan.target && plan.target !== p.owner ? plan.target : '', (plan.ready || []).join(', ')];
    }), i => ({ 'data-partition': c.partitions[i].partition, 'data-owner': c.partitions[i].owner || '' }));

    renderRing(c, members);
    sample(c);
  }

  // Partitions as segments of a circle coloured by owner; the inner rings are the other replicas.
  function renderRing(c, members) {
    const ring = $('ring');
    const cx = 180, cy = 180, n = Math.max(1, c.partitions.length);
    const state = new Map(members.map(m => [m.id, m.state]));
    const parts = [];
    const arc = (r, a0, a1) => {
      const p = a => [cx + r * Math.sin(a), cy - r * Math.cos(a)];
      const [x0, y0] = p(a0), [x1, y1] = p(a1);
      return `M ${x0.toFixed(2)} ${y0.toFixed(2)} A ${r} ${r} 0 ${a1 - a0 > Math.PI ? 1 : 0} 1 ${x1.toFixed(2)} ${y1.toFixed(2)}`;
    };
    parts.push(svg('circle', { cx, cy, r: 150, fill: 'none', stroke: '#e3e6ea', 'stroke-width': 1 }));
    const gap = n > 1 ? Math.min(0.02, Math.PI / n / 4) : 0;
    c.partitions.forEach((p, i) => {
      const a0 = (2 * Math.PI * i) / n + gap, a1 = (2 * Math.PI * (i + 1)) / n - gap - (n === 1 ? 1e-3 : 0);
      const replicas = (p.replicas || []).filter(r => r !== p.owner);
      const title = `partition ${p.partition}: owner ${p.owner || 'none'} (${state.get(p.owner) || 'unknown'}), replicas ${(p.replicas || []).join(', ')}, term ${p.term || '-'}, lag ${p.lag}`;
      const g = svg('g', { 'data-partition': p.partition, 'data-owner': p.owner || '' });
      g.append(svg('title', {}, title));
      const ownerDown = p.owner && state.get(p.owner) !== 'alive';
      g.append(svg('path', { d: arc(150, a0, a1), fill: 'none', stroke: p.owner ? colorOf(p.owner) : '#ccc', 'stroke-width': 22,
        'stroke-dasharray': ownerDown ? '3 3' : 'none', opacity: ownerDown ? 0.55 : 1 }));
      replicas.slice(0, 3).forEach((r, k) => g.append(svg('path', { d: arc(130 - 10 * k, a0, a1), fill: 'none', stroke: colorOf(r),
        'stroke-width': 7, opacity: state.get(r) === 'alive' ? 0.8 : 0.25 })));
      if (n <= 64) {
        const mid = (a0 + a1) / 2;
        parts.push(g, svg('text', { x: (cx + 174 * Math.sin(mid)).toFixed(1), y: (cy - 174 * Math.cos(mid) + 3).toFixed(1),
          'text-anchor': 'middle', 'font-size': n > 32 ? 7 : 9, fill: '#6b7480' }, p.partition));
      } else parts.push(g);
    });
    const alive = members.filter(m => m.state === 'alive').length;
    parts.push(svg('text', { x: cx, y: cy - 4, 'text-anchor': 'middle', 'font-size': 22, 'font-weight': 600, fill: '#1d232a' },
      `${alive}/${members.length}`));
    parts.push(svg('text', { x: cx, y: cy + 16, 'text-anchor': 'middle', 'font-size': 11, fill: '#6b7480' }, 'members alive'));
    parts.push(svg('text', { x: cx, y: cy + 32, 'text-anchor': 'middle', 'font-size': 11, fill: '#6b7480' }, `${c.partitionCount} partitions`));
    ring.replaceChildren(...parts);
    $('ring-legend').replaceChildren(...members.map(m => el('li', { 'data-member': m.id },
      el('span', { class: 'swatch', style: 'background:' + colorOf(m.id) }), m.id + ' ',
      el('span', { class: 'state state-' + m.state }, m.state))));
  }

  function sample(c) {
    const lat = c.totals.endToEndLatencyMs || {};
    samples.push({ t: Date.now(), applied: c.totals.applied, p50: lat.p50, p99: lat.p99 });
    while (samples.length > SAMPLES) samples.shift();
    const rates = [];
    for (let i = 1; i < samples.length; i++) {
      const dt = (samples[i].t - samples[i - 1].t) / 1000;
      // A restarted node counts from 0 again: no negative rate.
      if (dt > 0) rates.push({ t: samples[i].t, v: Math.max(0, samples[i].applied - samples[i - 1].applied) / dt });
    }
    $('chart-span').textContent = samples.length > 1 ? Math.round((samples[samples.length - 1].t - samples[0].t) / 1000) : 0;
    chart('chart-throughput', [{ points: rates, color: '#4e79a7', label: 'applied/s' }]);
    chart('chart-latency', [
      { points: samples.filter(s => s.p50 !== undefined).map(s => ({ t: s.t, v: s.p50 })), color: '#59a14f', label: 'p50' },
      { points: samples.filter(s => s.p99 !== undefined).map(s => ({ t: s.t, v: s.p99 })), color: '#e15759', label: 'p99' }]);
  }

  // A line chart of the buffer's time span, scaled to its largest value.
  function chart(id, series) {
    const W = 400, H = 140, L = 44, B = 16, T = 8;
    const all = series.flatMap(s => s.points);
    const parts = [];
    if (all.length === 0) {
      parts.push(svg('text', { x: W / 2, y: H / 2, 'text-anchor': 'middle', 'font-size': 11, fill: '#6b7480' }, 'collecting samples...'));
      $(id).replaceChildren(...parts);
      return;
    }
    const t1 = Math.max(...all.map(p => p.t)), t0 = Math.min(t1 - 60000, Math.min(...all.map(p => p.t)));
    const max = Math.max(1, ...all.map(p => p.v)) * 1.1;
    $(id).dataset.max = max.toFixed(2); // the top of the scale, for a test to read
    const x = t => L + ((t - t0) / Math.max(1, t1 - t0)) * (W - L - 4), y = v => T + (1 - v / max) * (H - T - B);
    for (const f of [0, 0.5, 1]) {
      parts.push(svg('line', { x1: L, x2: W - 4, y1: y(max * f), y2: y(max * f), stroke: '#dde1e6', 'stroke-width': 1 }));
      const label = max >= 20 ? Math.round(max * f) : Math.round(max * f * 10) / 10;
      parts.push(svg('text', { x: L - 4, y: y(max * f) + 3, 'text-anchor': 'end', 'font-size': 9, fill: '#6b7480' }, fmt(label)));
    }
    parts.push(svg('text', { x: L, y: H - 3, 'font-size': 9, fill: '#6b7480' }, `-${Math.round((t1 - t0) / 1000)} s`));
    parts.push(svg('text', { x: W - 4, y: H - 3, 'text-anchor': 'end', 'font-size': 9, fill: '#6b7480' }, 'now'));
    series.forEach((s, k) => {
      if (s.points.length > 0) {
        parts.push(svg('polyline', { fill: 'none', stroke: s.color, 'stroke-width': 1.5,
          points: s.points.map(p => x(p.t).toFixed(1) + ',' + y(p.v).toFixed(1)).join(' ') }));
        const last = s.points[s.points.length - 1].v;
        parts.push(svg('text', { x: L + 6 + k * 110, y: T + 10, 'font-size': 10, fill: s.color }, `${s.label} ${fmt(Math.round(last * 10) / 10)}`));
      }
    });
    $(id).replaceChildren(...parts);
  }

  // ---- the health map ---------------------------------------------------------------------------

  async function refreshHealth() {
    // Only the targets that are not healthy travel: a map of 100,000 healthy targets is three counts.
    let bad, unknown;
    try {
      [bad, unknown] = await Promise.all([api('/v1/health?status=unhealthy'), api('/v1/health?status=unknown')]);
    } catch (e) {
      $('health-message').textContent = e.status === 403 ? 'this token may not read the health checker (it needs the health, read or admin scope)' : 'health: ' + e.message;
      return;
    }
    $('health-message').textContent = '';
    const counts = bad.counts;
    for (const s of ['healthy', 'unhealthy', 'unknown']) $('health-' + s).textContent = fmt(counts[s]);
    const total = counts.healthy + counts.unhealthy + counts.unknown;
    const bar = [];
    let at = 0;
    for (const [s, color] of [['healthy', '#2e8b57'], ['unhealthy', '#c0392b'], ['unknown', '#8e99a5']]) {
      const w = total === 0 ? 0 : (300 * counts[s]) / total;
      if (w > 0) bar.push(svg('rect', { x: at, y: 0, width: w, height: 14, fill: color }, undefined));
      at += w;
    }
    if (total === 0) bar.push(svg('rect', { x: 0, y: 0, width: 300, height: 14, fill: '#e3e6ea' }));
    $('health-bar').replaceChildren(...bar);

    const notHealthy = bad.targets.concat(unknown.targets).sort((a, b) => b.sinceMs - a.sinceMs);
    table('health-list', ['target', 'status', 'since', 'checker', 'error'], notHealthy.map(t => [
      el('button', { class: 'link', onclick: () => showTarget(t.id) }, t.id),
      { v: t.status + (t.flapping ? ' (flapping)' : ''), cls: 'state status-' + t.status, field: 'status' },
      since(t), t.checker, t.error || '']), i => ({ 'data-target': notHealthy[i].id }));

    // Transitions: a target that enters or leaves the not-healthy list between two polls, newest first.
    const now = new Map(notHealthy.map(t => [t.id, t]));
    if (lastHealth !== null) {
      for (const [id, t] of now) {
        if (lastHealth.get(id) !== t.status) transitions.unshift({ id, from: lastHealth.get(id) || 'healthy', to: t.status, atMs: sinceMs(t) });
      }
      for (const [id, status] of lastHealth) {
        if (!now.has(id)) transitions.unshift({ id, from: status, to: 'healthy (or removed)', atMs: Date.now() });
      }
      transitions.splice(50);
    } else {
      for (const t of notHealthy.slice(0, 20)) transitions.push({ id: t.id, from: '', to: t.status, atMs: sinceMs(t) });
    }
    lastHealth = new Map(notHealthy.map(t => [t.id, t.status]));
    table('health-transitions', ['when', 'target', 'from', 'to'], transitions.map(t => [
      ago(t.atMs), el('button', { class: 'link', onclick: () => showTarget(t.id) }, t.id), t.from,
      { v: t.to, cls: 'state status-' + t.to.split(' ')[0] }]));
  }

  // A target is unknown when its last result is too old (its checker died, say): then its since is
  // that result's, not the change to unknown, which this page saw at the poll (or not at all).
  function sinceMs(t) {
    return t.status === t.reported && t.sinceMs ? t.sinceMs : Date.now() - Math.max(0, (t.ageMs || 0) - 2 * (t.intervalMs || 0));
  }

  function since(t) {
    return t.status === t.reported ? ago(t.sinceMs) : `no result for ${Math.round((t.ageMs || 0) / 1000)} s`;
  }

  async function showTarget(id) {
    const box = $('health-target');
    try {
      const t = await api('/v1/health/targets/' + seg(id));
      box.replaceChildren(el('h3', {}, `${t.id}: ${t.status}, checked by ${t.checker} ${ago(t.checkedAtMs)}, ` +
        `uptime ${t.uptime.hour ?? '-'} % (hour) ${t.uptime.day ?? '-'} % (day)`), el('table', { id: 'health-history' }));
      table('health-history', ['since', 'status', 'checker', 'error'], (t.transitions || []).slice().reverse().map(x => [
        new Date(x.sinceMs).toLocaleTimeString(), { v: x.status, cls: 'state status-' + x.status }, x.checker, x.error || '']));
    } catch (e) {
      box.replaceChildren(el('p', { class: 'error' }, `${id}: ${e.message}`));
    }
  }

  // ---- elections and services -------------------------------------------------------------------

  // On a failed refresh the last answer stays, with the error above it (a partition moving after a
  // death makes a listing fail for a moment).
  async function refreshElections() {
    try {
      const e = await api('/v1/elections?limit=100');
      $('elections-error').textContent = '';
      table('elections', ['election', 'leader', { num: 'token' }, 'waiting'], e.elections.map(x => [
        x.election, x.held ? x.leader : '(none)', { v: x.token, num: true }, (x.queue || []).join(', ')]));
    } catch (err) {
      $('elections-error').textContent = err.status === 403 ? 'this token may not list elections' : err.message;
    }
  }

  async function refreshServices() {
    const name = $('service-name').value.trim() || 'ringwork';
    try {
      const s = await api('/v1/services/' + seg(name));
      $('services-error').textContent = '';
      table('services', ['instance', 'address', { num: 'port' }, 'meta'], s.instances.map(i => [
        i.instance, i.address, { v: String(i.port), num: true }, Object.entries(i.meta || {}).map(([k, v]) => k + '=' + v).join(' ')]));
    } catch (err) {
      $('services-error').textContent = name + ': ' + err.message;
      if (err.status >= 400 && err.status < 500) table('services', ['instance'], []); // not the last service's list under this name
    }
  }

  // ---- documents and keys -----------------------------------------------------------------------

  async function show(path) {
    const out = $('browser-out');
    out.textContent = 'GET ' + path + ' ...';
    try {
      out.textContent = 'GET ' + path + '\n' + JSON.stringify(await api(path), null, 2);
    } catch (e) {
      out.textContent = 'GET ' + path + '\n' + e.message;
    }
  }

  async function listKeys(after) {
    const prefix = $('kv-prefix').value;
    let path = '/v1/kv?limit=50&prefix=' + seg(prefix);
    if (after) path += '&after=' + seg(after);
    try {
      const page = await api(path);
      kvNext = page.next;
      $('kv-more').hidden = !kvNext;
      table('kv-keys', ['key', { num: 'version' }], page.keys.map(k => [
        el('button', { class: 'link', onclick: () => show('/v1/kv/' + seg(k.key)) }, k.key), { v: k.version, num: true }]));
    } catch (e) {
      table('kv-keys', ['key'], [[{ v: e.message, cls: 'error' }]]);
    }
  }

  // ---- polling ----------------------------------------------------------------------------------

  async function refreshCluster() {
    try {
      renderCluster(await api('/v1/cluster'));
      needsToken = false;
      setStatus('live: refreshed ' + new Date().toLocaleTimeString() + (token() ? ' (with a token)' : ''));
    } catch (e) {
      if (e.status === 401) {
        needsToken = true;
        setStatus(token() ? 'this node refused the token (401): paste another one above' : 'this node needs an API token: paste one above', true);
      } else if (e.status === 403) {
        setStatus('this token may not read the cluster (it needs the read or admin scope): ' + e.message, true);
      } else {
        setStatus('node unreachable or failing: ' + e.message, true);
      }
    }
  }

  // Each loop waits for its last round before the next, so a slow node never piles requests up.
  function every(ms, work) {
    const run = async () => {
      try { await work(); } finally { setTimeout(run, ms); }
    };
    run();
  }

  function start() {
    $('token').value = token();
    $('token-form').addEventListener('submit', e => {
      e.preventDefault();
      try { sessionStorage.setItem(TOKEN_KEY, $('token').value.trim()); } catch (err) { setStatus('cannot keep the token: ' + err.message, true); }
      refreshCluster(); refreshHealth(); refreshElections(); refreshServices();
    });
    $('token-clear').addEventListener('click', () => {
      try { sessionStorage.removeItem(TOKEN_KEY); } catch (err) { /* nothing kept */ }
      $('token').value = '';
      refreshCluster();
    });
    $('service-form').addEventListener('submit', e => { e.preventDefault(); refreshServices(); });
    $('doc-form').addEventListener('submit', e => {
      e.preventDefault();
      const tenant = $('doc-tenant').value.trim(), content = $('doc-content').value.trim();
      if (!tenant) { $('browser-out').textContent = 'name a tenant'; return; }
      show('/v1/gluer/' + seg(tenant) + (content ? '/' + seg(content) : ''));
    });
    $('kv-form').addEventListener('submit', e => { e.preventDefault(); listKeys(null); });
    $('kv-more').addEventListener('click', () => listKeys(kvNext));
    every(CLUSTER_EVERY_MS, refreshCluster);
    every(SLOW_EVERY_MS, async () => { if (!needsToken) await Promise.all([refreshHealth(), refreshElections(), refreshServices()]); });
  }

  start();
})();
