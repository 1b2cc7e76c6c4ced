/* The door scanner (/door). Online, every admission goes through the registry's check-in tools
   (POST /door/api/<tool>), so two doors never admit one ticket twice. Offline, the page judges
   scans against the event's guest list saved in IndexedDB when it opened (kept fresh over the
   SSE stream), queues what it admitted there, and syncs the queue when the network returns; the
   server reports a ticket another door admitted meanwhile as a conflict. */
(() => {
  'use strict';
  const root = document.getElementById('door');
  if (!root) return;
  const $ = (id) => document.getElementById(id);
  let csrf = document.querySelector('meta[name="csrf-token"]').content;
  const el = {
    event: $('door-event'), countIn: $('count-in'), countExpected: $('count-expected'),
    net: $('door-net'), result: $('door-result'), verdict: $('result-verdict'),
    who: $('result-who'), why: $('result-why'), camera: $('door-camera'), undo: $('door-undo'),
    video: $('door-video'), finder: $('door-viewfinder'), cameraNote: $('door-camera-note'),
    search: $('door-search'), searchNote: $('door-search-note'), results: $('door-results'),
    attention: $('door-attention'), conflicts: $('door-conflicts'),
  };
  const state = {
    eventId: null, list: null, byToken: new Map(), byId: new Map(), tiers: new Map(),
    tz: 'UTC', cursor: 0, stream: null, live: false, undo: [], queueSize: 0,
    syncing: false, netFailed: false, signedOut: false, refreshTimer: null, noted: new Set(),
  };
  const SYNC_EVERY_MS = 2500;
  const SAME_CODE_MS = 3000; // a code held in view is one scan until it has been away this long

  // ---------- IndexedDB: the saved guest lists and the queue of offline admissions
  let dbPromise = null;
  function idb() {
    if (!('indexedDB' in window)) return Promise.resolve(null);
    if (!dbPromise) {
      dbPromise = new Promise((resolve) => {
        const req = indexedDB.open('aitickets-door', 1);
        req.onupgradeneeded = () => {
          const db = req.result;
          if (!db.objectStoreNames.contains('lists')) db.createObjectStore('lists');
          if (!db.objectStoreNames.contains('queue')) db.createObjectStore('queue', { keyPath: 'local_id' });
        };
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => resolve(null);
      });
    }
    return dbPromise;
  }
  async function tx(store, mode, work) {
    const db = await idb();
    if (!db) return undefined;
    return new Promise((resolve, reject) => {
      const t = db.transaction(store, mode);
      const req = work(t.objectStore(store));
      let out;
      if (req) req.onsuccess = () => { out = req.result; };
      t.oncomplete = () => resolve(out);
      t.onerror = () => reject(t.error);
      t.onabort = () => reject(t.error);
    });
  }
  const saveList = (list) => tx('lists', 'readwrite', (s) => s.put(list, list.event.id));
  const loadList = (id) => tx('lists', 'readonly', (s) => s.get(id));
  const queueAdd = (item) => tx('queue', 'readwrite', (s) => s.put(item));
  const queueAll = async () => (await tx('queue', 'readonly', (s) => s.getAll())) || [];
  const queueDelete = (ids) => tx('queue', 'readwrite', (s) => { ids.forEach((id) => s.delete(id)); });

  // ---------- calling the registry's tools
  class NetworkError extends Error {}
  class ApiError extends Error {
    constructor(status, body) {
      super((body && body.error && body.error.message) || `HTTP ${status}`);
      this.status = status;
      this.detail = (body && body.error) || {};
    }
  }
  // A page kept by the service worker may carry a token for a CSRF cookie the browser has since
  // dropped: the page fetched again sets a new cookie and carries the matching token.
  async function freshCsrf() {
    const resp = await fetch('/door', { credentials: 'same-origin', cache: 'no-store' });
    const match = resp.ok && (await resp.text()).match(/<meta name="csrf-token" content="([^"]+)">/);
    if (!match) return false;
    csrf = match[1];
    return true;
  }

  async function api(tool, args, timeoutMs = 6000, retried = false) {
    if (navigator.onLine === false) throw new NetworkError('offline');
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), timeoutMs);
    let resp;
    try {
      resp = await fetch(`/door/api/${tool}`, {
        method: 'POST', credentials: 'same-origin', cache: 'no-store', signal: abort.signal,
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
        body: JSON.stringify(args || {}),
      });
    } catch (e) {
      state.netFailed = true;
      throw new NetworkError(String(e));
    } finally {
      clearTimeout(timer);
    }
    let body = null;
    try { body = await resp.json(); } catch (e) { body = null; }
    if (resp.status >= 500) { state.netFailed = true; throw new NetworkError(`HTTP ${resp.status}`); }
    state.netFailed = false;
    if (resp.status === 401) { state.signedOut = true; setNet(); }
    const code = body && body.error && body.error.code;
    if (resp.status === 403 && code === 'csrf' && !retried && (await freshCsrf().catch(() => false))) {
      return api(tool, args, timeoutMs, true);
    }
    if (!resp.ok) throw new ApiError(resp.status, body);
    state.signedOut = false;
    return body;
  }

  // ---------- what the page shows
  function timeAt(iso) {
    if (!iso) return '';
    const when = new Date(iso);
    try {
      return new Intl.DateTimeFormat('en-US', { hour: 'numeric', minute: '2-digit', timeZone: state.tz })
        .format(when).replace(/\s*AM$/, ' am').replace(/\s*PM$/, ' pm');
    } catch (e) {
      return when.toLocaleTimeString();
    }
  }
  const tierName = (id) => state.tiers.get(id) || '';
  const who = (t) => (t ? t.holder_name : '');

  function setNet() {
    const n = state.queueSize;
    const offline = navigator.onLine === false || state.netFailed;
    let text = state.live ? 'Online · live' : 'Online';
    let cls = '';
    if (state.signedOut) { text = 'Signed out: reload and sign in to sync'; cls = 'offline'; }
    else if (offline) { text = n ? `Offline · ${n} to sync` : 'Offline · using the saved list'; cls = 'offline'; }
    else if (state.syncing) { text = `Syncing ${n}…`; cls = 'syncing'; }
    else if (n) { text = `Online · ${n} to sync`; cls = 'syncing'; }
    if (!state.list && !offline && !state.signedOut) text = state.eventId ? 'Loading the guest list…' : 'No event chosen';
    el.net.textContent = text;
    el.net.className = `door-net ${cls}`;
  }

  function updateCounts() {
    let inside = 0;
    let expected = 0;
    if (state.list) {
      for (const t of state.list.tickets) {
        if (t.status === 'checked_in') { inside += 1; expected += 1; } else if (t.status === 'valid') expected += 1;
      }
    }
    el.countIn.textContent = String(inside);
    el.countExpected.textContent = String(expected);
  }

  let audio = null;
  function beep(ok) {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      if (audio.state === 'suspended') audio.resume();
      const notes = ok ? [[880, 0, 0.12], [1320, 0.14, 0.14]] : [[220, 0, 0.3], [170, 0.36, 0.4]];
      for (const [freq, at, len] of notes) {
        const osc = audio.createOscillator();
        const gain = audio.createGain();
        osc.type = ok ? 'sine' : 'square';
        osc.frequency.value = freq;
        gain.gain.value = 0.2;
        osc.connect(gain).connect(audio.destination);
        const start = audio.currentTime + at;
        osc.start(start);
        osc.stop(start + len);
      }
    } catch (e) { /* no sound on this device: the colour still says it */ }
  }

  function show(kind, verdict, whoText, why) {
    el.result.className = `door-result ${kind}`;
    void el.result.offsetWidth; // restart the flash animation
    el.result.classList.add('flash');
    el.verdict.textContent = verdict;
    el.who.textContent = whoText;
    el.why.textContent = why;
    if (kind === 'ok' || kind === 'no') {
      beep(kind === 'ok');
      if (navigator.vibrate) navigator.vibrate(kind === 'ok' ? 120 : [250, 120, 250]);
    }
  }
  const admitted = (t, why) => show('ok', 'Admit', t ? `${t.holder_name}` : '', [t && tierName(t.tier_id), why].filter(Boolean).join(' · '));

  function refusal(code, t, detail) {
    switch (code) {
      case 'already_checked_in': return `Already in at ${timeAt((detail && detail.checked_in_at) || (t && t.checked_in_at))}`;
      case 'refunded': return 'Refunded ticket';
      case 'cancelled': return 'Cancelled ticket';
      case 'transferred': return 'Ticket was transferred to someone else';
      case 'wrong_event': return 'Ticket for another event';
      case 'unknown_ticket': return 'Unknown ticket';
      default: return (detail && detail.message) || 'Not a valid ticket';
    }
  }
  function refused(t, code, detail) {
    show('no', 'Stop', t ? `${t.holder_name}${tierName(t.tier_id) ? ` · ${tierName(t.tier_id)}` : ''}` : '', refusal(code, t, detail));
  }

  // ---------- the guest list
  function useList(list) {
    state.list = list;
    state.tz = (list.event && list.event.timezone) || 'UTC';
    state.cursor = Math.max(state.cursor, list.cursor || 0);
    state.byToken = new Map(list.tickets.map((t) => [t.qr_token, t]));
    state.byId = new Map(list.tickets.map((t) => [t.id, t]));
    state.tiers = new Map(list.tiers.map((t) => [t.id, t.name]));
  }

  async function applyQueue() {
    const queued = await queueAll();
    state.queueSize = queued.length;
    for (const item of queued) {
      const t = item.event_id === state.eventId && state.byToken.get(item.qr_token);
      if (t && t.status === 'valid') { t.status = 'checked_in'; t.checked_in_at = item.scanned_at; }
    }
  }

  async function openEvent(id) {
    if (id !== state.eventId) { state.list = null; state.cursor = 0; }
    state.eventId = id;
    closeStream();
    setNet();
    if (!id) return;
    let list = null;
    try {
      list = await api('get_door_list', { event_id: id }, 20000);
      saveList(list).catch(() => {});
    } catch (e) {
      if (!(e instanceof NetworkError)) { el.net.textContent = e.message; return; }
      list = await loadList(id).catch(() => null);
    }
    if (state.eventId !== id) return; // another event was chosen meanwhile
    if (!list) {
      el.net.textContent = 'Offline, and this event\'s guest list was never downloaded here.';
      return;
    }
    useList(list);
    await applyQueue();
    updateCounts();
    renderSearch();
    setNet();
    openStream();
    sync();
  }

  function scheduleRefresh() {
    clearTimeout(state.refreshTimer);
    state.refreshTimer = setTimeout(async () => {
      const id = state.eventId;
      try {
        const list = await api('get_door_list', { event_id: id }, 20000);
        if (state.eventId !== id) return;
        saveList(list).catch(() => {});
        useList(list);
        await applyQueue();
        updateCounts();
        renderSearch();
      } catch (e) { /* the next change or reconnect tries again */ }
    }, 1200);
  }

  // ---------- the live stream of changes
  const STREAM_KINDS = ['ticket.checked_in', 'ticket.check_in_undone', 'ticket.purchased', 'ticket.refunded',
    'ticket.cancelled', 'ticket.transferred', 'order.refunded', 'event.updated'];
  function closeStream() {
    if (state.stream) state.stream.close();
    state.stream = null;
    state.live = false;
  }
  function openStream() {
    closeStream();
    if (!('EventSource' in window) || !state.eventId) return;
    const source = new EventSource(`/door/stream?event_id=${state.eventId}&last_event_id=${state.cursor}`);
    state.stream = source;
    const onChange = (message) => {
      let change;
      try { change = JSON.parse(message.data); } catch (e) { return; }
      state.cursor = Math.max(state.cursor, Number(message.lastEventId) || 0);
      const p = change.payload || {};
      const t = state.byId.get(p.ticket_id);
      if (change.kind === 'ticket.checked_in' && t) { t.status = 'checked_in'; t.checked_in_at = p.checked_in_at || change.at; }
      else if (change.kind === 'ticket.check_in_undone' && t) { t.status = 'valid'; t.checked_in_at = null; }
      else { scheduleRefresh(); return; }
      updateCounts();
      renderSearch();
    };
    STREAM_KINDS.forEach((kind) => source.addEventListener(kind, onChange));
    source.onopen = () => { state.live = true; setNet(); };
    source.onerror = () => { state.live = false; setNet(); };
  }

  // ---------- admitting
  const newId = () => (window.crypto && crypto.randomUUID ? crypto.randomUUID() : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`);

  function rememberUndo(label, items) {
    state.undo.push({ label, items });
    if (state.undo.length > 20) state.undo.shift();
    el.undo.disabled = false;
  }

  async function queueLocally(tickets, method) {
    const now = new Date().toISOString();
    const items = [];
    for (const t of tickets) {
      t.status = 'checked_in';
      t.checked_in_at = now;
      const item = { local_id: newId(), event_id: state.eventId, qr_token: t.qr_token, scanned_at: now, method, ticket_id: t.id };
      items.push(item);
      await queueAdd(item);
    }
    state.queueSize += items.length;
    return items.map((i) => ({ ticket_id: i.ticket_id, local_id: i.local_id }));
  }

  function judgeOffline(token, method) {
    const t = state.byToken.get(token);
    if (!t) { refused(null, 'unknown_ticket'); return; }
    if (t.status !== 'valid') { refused(t, t.status === 'checked_in' ? 'already_checked_in' : t.status, {}); return; }
    queueLocally([t], method).then((items) => {
      rememberUndo(t.holder_name, items);
      setNet();
    });
    admitted(t, 'offline, will sync');
  }

  async function admitToken(token, method) {
    const local = state.byToken.get(token);
    try {
      const out = await api('check_in_ticket', { qr_token: token, event_id: state.eventId, method });
      const t = state.byId.get(out.id) || local;
      if (t) { t.status = 'checked_in'; t.checked_in_at = out.checked_in_at; }
      rememberUndo(out.holder_name, [{ ticket_id: out.id, local_id: null }]);
      admitted(t || { holder_name: out.holder_name, tier_id: out.tier_id });
    } catch (e) {
      if (e instanceof ApiError) {
        const d = e.detail || {};
        if (local && d.code === 'already_checked_in') { local.status = 'checked_in'; local.checked_in_at = d.checked_in_at || local.checked_in_at; }
        if (local && (d.code === 'refunded' || d.code === 'cancelled')) local.status = d.code;
        refused(local, d.code, d);
      } else {
        judgeOffline(token, method);
      }
    }
    setNet();
    updateCounts();
    renderSearch();
  }

  async function admitParty(orderId) {
    const party = state.list.tickets.filter((t) => t.order_id === orderId && t.status === 'valid');
    if (!party.length) return;
    try {
      const out = await api('check_in_party', { event_id: state.eventId, order_id: orderId });
      for (const c of out.checked_in) {
        const t = state.byId.get(c.id);
        if (t) { t.status = 'checked_in'; t.checked_in_at = c.checked_in_at; }
      }
      rememberUndo(party[0].holder_name, out.checked_in.map((c) => ({ ticket_id: c.id, local_id: null })));
      show('ok', 'Admit', `${party[0].holder_name} + party`, `${out.checked_in.length} in`);
    } catch (e) {
      if (e instanceof ApiError) {
        refused(party[0], e.detail.code, e.detail);
      } else {
        const items = await queueLocally(party, 'party');
        rememberUndo(party[0].holder_name, items);
        show('ok', 'Admit', `${party[0].holder_name} + party`, `${party.length} in · offline, will sync`);
      }
    }
    setNet();
    updateCounts();
    renderSearch();
  }

  async function undoLast() {
    const last = state.undo.pop();
    el.undo.disabled = state.undo.length === 0;
    if (!last) return;
    const queued = new Set((await queueAll()).map((i) => i.local_id));
    const stillQueued = last.items.filter((i) => i.local_id && queued.has(i.local_id));
    const synced = last.items.filter((i) => !(i.local_id && queued.has(i.local_id)));
    if (stillQueued.length) {
      await queueDelete(stillQueued.map((i) => i.local_id));
      state.queueSize = Math.max(0, state.queueSize - stillQueued.length);
      for (const i of stillQueued) {
        const t = state.byId.get(i.ticket_id);
        if (t) { t.status = 'valid'; t.checked_in_at = null; }
      }
    }
    const failed = [];
    for (const i of synced) {
      try {
        await api('undo_check_in', { ticket_id: i.ticket_id });
        const t = state.byId.get(i.ticket_id);
        if (t) { t.status = 'valid'; t.checked_in_at = null; }
      } catch (e) {
        if (e instanceof NetworkError) failed.push(i);
      }
    }
    if (failed.length) {
      state.undo.push({ label: last.label, items: failed });
      el.undo.disabled = false;
      show('idle', 'Not undone', last.label, 'Undoing a synced entry needs the network; try again online.');
    } else {
      show('idle', 'Undone', last.label, 'Back on the list: not in.');
    }
    setNet();
    updateCounts();
    renderSearch();
  }

  // ---------- syncing the queue
  function noteAttention(r) {
    el.attention.hidden = false;
    const li = document.createElement('li');
    const when = r.checked_in_at ? ` (in at ${timeAt(r.checked_in_at)})` : '';
    const what = r.holder_name && r.message.includes(r.holder_name) ? r.message : `${r.holder_name || 'Unknown ticket'}: ${r.message}`;
    li.textContent = `${what}${when}`;
    el.conflicts.prepend(li);
  }

  async function sync() {
    if (state.syncing) return;
    const queued = await queueAll();
    state.queueSize = queued.length;
    if (!queued.length || navigator.onLine === false) { setNet(); return; }
    state.syncing = true;
    setNet();
    try {
      const byEvent = new Map();
      for (const item of queued) {
        if (!byEvent.has(item.event_id)) byEvent.set(item.event_id, []);
        byEvent.get(item.event_id).push(item);
      }
      for (const [eventId, items] of byEvent) {
        for (let i = 0; i < items.length; i += 200) {
          const chunk = items.slice(i, i + 200);
          const scans = chunk.map(({ local_id, qr_token, scanned_at, method }) => ({ local_id, qr_token, scanned_at, method }));
          let out;
          try {
            out = await api('sync_door_scans', { event_id: eventId, scans }, 20000);
          } catch (e) {
            if (e instanceof ApiError && e.status !== 401 && e.status !== 429) {
              // The server refused the batch itself (an event deleted, a malformed scan): say so
              // once and keep the scans, so nothing admitted offline is silently lost.
              const fresh = chunk.filter((item) => !state.noted.has(item.local_id));
              fresh.forEach((item) => state.noted.add(item.local_id));
              if (fresh.length) noteAttention({ holder_name: `${fresh.length} offline entries`, message: `could not sync: ${e.message}` });
              continue;
            }
            throw e;
          }
          const done = [];
          for (const r of out.results) {
            done.push(r.local_id);
            if (r.outcome === 'conflict' || r.outcome === 'refused') noteAttention(r);
            if (eventId === state.eventId) {
              const t = r.ticket_id && state.byId.get(r.ticket_id);
              if (t && r.checked_in_at && r.outcome !== 'refused') t.checked_in_at = r.checked_in_at;
            }
          }
          await queueDelete(done);
        }
      }
    } catch (e) {
      /* offline again: the next round tries */
    } finally {
      state.syncing = false;
      state.queueSize = (await queueAll()).length;
      setNet();
      updateCounts();
    }
  }

  // ---------- the camera
  let camStream = null;
  let scanning = false;
  let detector = null;
  let canvas = null;
  let ctx2d = null;
  let lastCode = '';
  let lastSeen = 0;
  let busy = false;

  async function startCamera() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      el.cameraNote.textContent = 'This browser gives no camera to the page; find guests by name.';
      return;
    }
    try {
      camStream = await navigator.mediaDevices.getUserMedia({
        video: { facingMode: { ideal: 'environment' }, width: { ideal: 1280 }, height: { ideal: 720 } }, audio: false,
      });
    } catch (e) {
      el.cameraNote.textContent = `The camera did not start (${e.name || e}). Allow the camera, or find guests by name.`;
      return;
    }
    el.video.srcObject = camStream;
    el.finder.hidden = false;
    await el.video.play().catch(() => {});
    detector = null;
    if ('BarcodeDetector' in window) {
      try {
        const formats = await window.BarcodeDetector.getSupportedFormats();
        if (formats.includes('qr_code')) detector = new window.BarcodeDetector({ formats: ['qr_code'] });
      } catch (e) { detector = null; }
    }
    el.cameraNote.textContent = detector ? 'Scanning with the built-in detector.' : 'Scanning.';
    el.camera.textContent = 'Stop camera';
    scanning = true;
    try { // phones allow sound only after a tap: this tap unlocks it, silently
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      if (audio.state === 'suspended') audio.resume();
    } catch (e) { audio = null; }
    loop();
  }

  function stopCamera() {
    scanning = false;
    if (camStream) camStream.getTracks().forEach((t) => t.stop());
    camStream = null;
    el.video.srcObject = null;
    el.finder.hidden = true;
    el.camera.textContent = 'Start camera';
    el.cameraNote.textContent = '';
  }

  async function decodeFrame() {
    const v = el.video;
    if (v.readyState < 2 || !v.videoWidth) return null;
    if (detector) {
      const codes = await detector.detect(v);
      return codes.length ? codes[0].rawValue : null;
    }
    if (typeof window.jsQR !== 'function') return null;
    const scale = Math.min(1, 800 / Math.max(v.videoWidth, v.videoHeight));
    const w = Math.round(v.videoWidth * scale);
    const h = Math.round(v.videoHeight * scale);
    if (!canvas) canvas = document.createElement('canvas');
    if (canvas.width !== w || canvas.height !== h) { canvas.width = w; canvas.height = h; ctx2d = null; }
    if (!ctx2d) ctx2d = canvas.getContext('2d', { willReadFrequently: true });
    ctx2d.drawImage(v, 0, 0, w, h);
    const code = window.jsQR(ctx2d.getImageData(0, 0, w, h).data, w, h, { inversionAttempts: 'attemptBoth' });
    return code ? code.data : null;
  }

  async function loop() {
    if (!scanning) return;
    try {
      const raw = await decodeFrame();
      if (raw) await onCode(raw);
    } catch (e) { /* a frame that could not be read: the next one */ }
    setTimeout(loop, 150);
  }

  async function onCode(raw) {
    const match = String(raw).trim().match(/([A-Za-z0-9_-]{8,64})$/);
    if (!match || !state.eventId || busy) return;
    const code = match[1];
    const now = Date.now();
    if (code === lastCode && now - lastSeen < SAME_CODE_MS) { lastSeen = now; return; }
    if (!state.list && navigator.onLine === false) return; // nothing to judge against yet
    lastCode = code;
    lastSeen = now;
    busy = true;
    try { await admitToken(code, 'qr'); } finally { busy = false; lastSeen = Date.now(); }
  }

  // ---------- check-in by name (fuzzy, on the saved list: it works offline)
  const fold = (s) => s.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase()
    .replace(/[^a-z0-9\s'-]/g, ' ').replace(/\s+/g, ' ').trim();
  function distance(a, b, limit) {
    if (Math.abs(a.length - b.length) > limit) return limit + 1;
    let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i += 1) {
      const cur = [i];
      let best = i;
      for (let j = 1; j <= b.length; j += 1) {
        cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
        best = Math.min(best, cur[j]);
      }
      if (best > limit) return limit + 1;
      prev = cur;
    }
    return prev[b.length];
  }
  function wordScore(q, words) {
    let best = 0;
    for (const w of words) {
      if (w === q) return 4;
      if (w.startsWith(q)) best = Math.max(best, 3);
      else if (w.includes(q)) best = Math.max(best, 2);
      else if (q.length >= 3) {
        const limit = q.length >= 7 ? 2 : 1;
        if (distance(q, w.slice(0, q.length), limit) <= limit || distance(q, w, limit) <= limit) best = Math.max(best, 1);
      }
    }
    return best;
  }
  function findGuests(query) {
    const parts = fold(query).split(' ').filter(Boolean);
    if (!parts.length || !state.list) return [];
    const hits = [];
    for (const t of state.list.tickets) {
      if (!t.words) Object.defineProperty(t, 'words', { value: fold(t.holder_name).split(' '), enumerable: false });
      let total = 0;
      for (const q of parts) {
        const s = wordScore(q, t.words);
        if (!s) { total = 0; break; }
        total += s;
      }
      if (total) hits.push([total, t]);
    }
    hits.sort((a, b) => b[0] - a[0] || a[1].holder_name.localeCompare(b[1].holder_name) || a[1].id - b[1].id);
    return hits.slice(0, 25).map((h) => h[1]);
  }

  function statusText(t) {
    if (t.status === 'checked_in') return [`In at ${timeAt(t.checked_in_at)}`, 'in'];
    if (t.status === 'valid') return [tierName(t.tier_id) || 'Ticket', ''];
    return [`${t.status[0].toUpperCase()}${t.status.slice(1)}`, 'void'];
  }

  function renderSearch() {
    const query = el.search.value;
    el.results.replaceChildren();
    if (!query.trim()) { el.searchNote.textContent = ''; return; }
    if (!state.list) { el.searchNote.textContent = 'The guest list is not loaded yet.'; return; }
    const found = findGuests(query);
    el.searchNote.textContent = found.length ? `${found.length} found` : 'Nobody on the list matches.';
    for (const t of found) {
      const li = document.createElement('li');
      const info = document.createElement('div');
      info.className = 'guest';
      const name = document.createElement('span');
      name.className = 'guest-name';
      name.textContent = t.holder_name;
      const [text, cls] = statusText(t);
      const meta = document.createElement('span');
      meta.className = `guest-meta ${cls}`;
      meta.textContent = t.status === 'valid' ? `${text} · ticket ${t.id}` : text;
      info.append(name, meta);
      li.append(info);
      const buttons = document.createElement('div');
      buttons.className = 'buttons';
      if (t.status === 'valid') {
        const one = document.createElement('button');
        one.type = 'button';
        one.textContent = 'Check in';
        one.setAttribute('aria-label', `Check in ${t.holder_name}, ticket ${t.id}`);
        one.addEventListener('click', () => admitToken(t.qr_token, 'name'));
        buttons.append(one);
        const party = state.list.tickets.filter((o) => o.order_id === t.order_id && o.status === 'valid');
        if (party.length > 1) {
          const all = document.createElement('button');
          all.type = 'button';
          all.className = 'secondary';
          all.textContent = `Check in party of ${party.length}`;
          all.addEventListener('click', () => admitParty(t.order_id));
          buttons.append(all);
        }
      }
      if (buttons.childElementCount) li.append(buttons);
      el.results.append(li);
    }
  }

  // ---------- wiring
  el.camera.addEventListener('click', () => (scanning ? stopCamera() : startCamera()));
  el.undo.addEventListener('click', undoLast);
  el.search.addEventListener('input', renderSearch);
  el.search.addEventListener('keydown', (e) => { if (e.key === 'Enter') { e.preventDefault(); renderSearch(); } });
  if (el.event) {
    el.event.addEventListener('change', () => {
      const id = Number(el.event.value) || null;
      if (id) history.replaceState(null, '', `/door?event_id=${id}`);
      openEvent(id);
    });
  }
  window.addEventListener('online', () => {
    state.netFailed = false;
    setNet();
    sync();
    if (!state.stream || state.stream.readyState === 2) openStream();
    scheduleRefresh();
  });
  window.addEventListener('offline', setNet);
  setInterval(sync, SYNC_EVERY_MS);
  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.register('/door/sw.js', { scope: '/door' }).catch(() => {});
  }
  const first = Number(root.dataset.event) || (el.event && Number(el.event.value)) || null;
  openEvent(first);
})();
