/*
 * The website chat widget (docs/widget-client.md): plain browser JavaScript with no dependencies, served as is by
 * GET /widget.js. Everything it draws lives in a shadow root; everything a person wrote is set with textContent.
 */
/* global window, document, localStorage, location, fetch, EventSource, CSSStyleSheet, Document, setTimeout, clearTimeout, console, URL */
(function () {
  'use strict';
  const script = document.currentScript || document.querySelector('script[data-key][src*="/widget.js"]');
  if (!script) return;
  const widgetKey = script.getAttribute('data-key') || '';
  const loaded = (window.__flextellWidgets = window.__flextellWidgets || {});
  if (!widgetKey || loaded[widgetKey]) return;
  loaded[widgetKey] = true;

  const api = new URL(script.src, location.href).origin + '/widget/v1';
  const storageKey = 'flextell-widget:' + widgetKey;
  const DEFAULT_COLOR = '#2563eb';
  const MAX_LENGTH = 5000;
  const MAX_RETRY_MS = 30000;

  const state = {
    token: null,
    channel: null,
    historyLoaded: false,
    lastSeenId: 0, // highest id listed by the server (history or stream): where a resumed stream starts
    lastReadId: 0,
    unread: 0,
    open: false,
    stream: null,
    connecting: null,
    retryMs: 1000,
    retryTimer: null,
  };
  const shown = new Map(); // message id -> its list item: one item per id, whichever way it arrived
  // Ids from the answers to the visitor's own sends. A quarantined send's id is a quarantine row's, from another
  // sequence, so it only ever stands for the visitor's own message: it must not hide a reply that happens to share it.
  const sent = new Map();

  // ---- storage (private modes may refuse it: then the token lives as long as the page) ----
  const remembered = () => {
    try {
      return localStorage.getItem(storageKey);
    } catch {
      return null;
    }
  };
  const remember = (token) => {
    try {
      if (token) localStorage.setItem(storageKey, token);
      else localStorage.removeItem(storageKey);
    } catch {
      /* not persisted */
    }
  };

  // ---- HTTP ----
  class HttpError extends Error {
    constructor(status, body) {
      super((body && body.message) || 'HTTP ' + status);
      this.status = status;
    }
  }

  async function startSession() {
    const body = { widget_key: widgetKey };
    const saved = remembered();
    if (saved) body.visitor_token = saved;
    const response = await fetch(api + '/sessions', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    const answer = await response.json().catch(() => null);
    if (!response.ok) throw new HttpError(response.status, answer);
    state.token = answer.visitor_token;
    state.channel = answer.channel || {};
    remember(state.token);
    return response.status === 200;
  }

  /** A call with the visitor token; an expired token starts a new session once (a new visitor, an empty conversation). */
  async function call(method, path, body, renewed) {
    const headers = { Authorization: 'Bearer ' + state.token };
    if (body) headers['Content-Type'] = 'application/json';
    const response = await fetch(api + path, { method, headers, body: body ? JSON.stringify(body) : undefined });
    const answer = await response.json().catch(() => null);
    if (response.status === 401 && !renewed) {
      remember(null);
      await startSession();
      forgetConversation();
      return call(method, path, body, true);
    }
    if (!response.ok) throw new HttpError(response.status, answer);
    return answer;
  }

  // ---- DOM helpers ----
  function el(tag, attributes, children) {
    const node = document.createElement(tag);
    for (const name in attributes || {}) {
      if (name === 'text') node.textContent = attributes.text;
      else if (attributes[name] !== false && attributes[name] != null) node.setAttribute(name, attributes[name] === true ? '' : attributes[name]);
    }
    for (const child of children || []) node.append(child);
    return node;
  }

  function chatIcon() {
    const ns = 'http://www.w3.org/2000/svg';
    const svg = document.createElementNS(ns, 'svg');
    svg.setAttribute('viewBox', '0 0 24 24');
    svg.setAttribute('aria-hidden', 'true');
    svg.setAttribute('focusable', 'false');
    const path = document.createElementNS(ns, 'path');
    path.setAttribute('d', 'M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z');
    svg.append(path);
    return svg;
  }

  const CSS = `
:host{all:initial}
*{box-sizing:border-box}
.root{position:fixed;right:20px;bottom:20px;z-index:2147483000;font:15px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2328;text-align:left}
button{font:inherit;cursor:pointer}
:focus-visible{outline:3px solid var(--ft-accent);outline-offset:2px}
.launcher{position:relative;width:56px;height:56px;border-radius:50%;border:0;background:var(--ft-accent);color:var(--ft-on-accent);box-shadow:0 4px 14px rgba(0,0,0,.25);display:flex;align-items:center;justify-content:center;margin-left:auto}
.launcher svg{width:26px;height:26px;fill:currentColor}
.badge{position:absolute;top:-2px;right:-2px;min-width:20px;height:20px;padding:0 5px;border-radius:10px;background:#d1242f;color:#fff;font-size:12px;line-height:20px;text-align:center}
.panel{display:flex;flex-direction:column;width:360px;height:min(560px,calc(100vh - 110px));margin-bottom:14px;background:#fff;border-radius:14px;box-shadow:0 8px 30px rgba(0,0,0,.25);overflow:hidden}
.panel[hidden],.badge[hidden],.status[hidden]{display:none}
header{display:flex;align-items:center;gap:8px;padding:14px 16px;background:var(--ft-accent);color:var(--ft-on-accent)}
h2{flex:1;margin:0;font-size:16px;font-weight:600;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.close{width:32px;height:32px;border:0;border-radius:6px;background:transparent;color:inherit;font-size:22px;line-height:1}
.status{padding:6px 16px;background:#fff8c5;font-size:13px}
ol{flex:1;margin:0;padding:12px;list-style:none;overflow-y:auto;display:flex;flex-direction:column;gap:8px;background:#f6f8fa}
li{display:flex;flex-direction:column;max-width:85%;align-self:flex-start}
li.mine{align-self:flex-end;align-items:flex-end}
.bubble{padding:8px 12px;border-radius:12px;background:#fff;border:1px solid #d0d7de;white-space:pre-wrap;overflow-wrap:anywhere}
li.mine .bubble{background:var(--ft-accent);color:var(--ft-on-accent);border-color:transparent}
.bubble a{color:inherit}
.meta{font-size:12px;color:#57606a;margin-top:2px}
li.failed .meta{color:#d1242f}
.retry{border:0;background:none;padding:0;color:inherit;text-decoration:underline}
form{display:flex;gap:8px;padding:10px;border-top:1px solid #d0d7de;background:#fff}
textarea{flex:1;resize:none;min-height:40px;max-height:120px;padding:9px 10px;border:1px solid #d0d7de;border-radius:8px;font:inherit;color:inherit;background:#fff}
.send{border:0;border-radius:8px;padding:0 14px;background:var(--ft-accent);color:var(--ft-on-accent)}
.sr{position:absolute;width:1px;height:1px;margin:-1px;padding:0;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;border:0}
@media (max-width:480px){.root{right:12px;bottom:12px;left:12px}.panel{width:100%;height:calc(100vh - 100px)}}
`;

  // ---- the interface ----
  let ui = null;

  function accentColors(color) {
    const accent = /^#[0-9a-f]{6}$/i.test(color || '') ? color : DEFAULT_COLOR;
    const [r, g, b] = [1, 3, 5].map((at) => parseInt(accent.slice(at, at + 2), 16) / 255);
    const luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b;
    return { accent, onAccent: luminance > 0.6 ? '#1f2328' : '#ffffff' };
  }

  function build() {
    const host = document.createElement('flextell-chat');
    // Inline !important declarations outrank any rule of the host page, so its CSS cannot hide or restyle the host.
    host.style.cssText = 'all:initial !important';
    const colors = accentColors(state.channel.color);
    host.style.setProperty('--ft-accent', colors.accent);
    host.style.setProperty('--ft-on-accent', colors.onAccent);
    const shadow = host.attachShadow({ mode: 'open' });
    if ('adoptedStyleSheets' in Document.prototype && 'replaceSync' in CSSStyleSheet.prototype) {
      // A constructed sheet is not an inline <style>, so a host page's strict style-src CSP still admits it.
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS);
      shadow.adoptedStyleSheets = [sheet];
    } else {
      shadow.append(el('style', { text: CSS }));
    }

    const name = state.channel.name || 'Chat';
    const title = el('h2', { id: 'ft-title', text: name });
    const close = el('button', { type: 'button', class: 'close', 'aria-label': 'Close chat', text: '\u00d7' });
    const status = el('div', { class: 'status', hidden: true });
    const list = el('ol', { class: 'messages', 'aria-label': 'Messages' });
    if (state.channel.greeting) list.append(el('li', { class: 'greeting' }, [el('div', { class: 'bubble', text: state.channel.greeting })]));
    const input = el('textarea', { id: 'ft-input', rows: '1', maxlength: String(MAX_LENGTH), placeholder: 'Write a message\u2026', autocomplete: 'off' });
    const form = el('form', { class: 'composer' }, [
      el('label', { class: 'sr', for: 'ft-input', text: 'Message' }),
      input,
      el('button', { type: 'submit', class: 'send', text: 'Send' }),
    ]);
    const panel = el('div', { class: 'panel', id: 'ft-panel', role: 'dialog', 'aria-labelledby': 'ft-title', hidden: true }, [
      el('header', {}, [title, close]),
      status,
      list,
      form,
    ]);
    const live = el('div', { class: 'sr', 'aria-live': 'polite' });
    const badge = el('span', { class: 'badge', 'aria-hidden': 'true', hidden: true });
    const launcher = el('button', { type: 'button', class: 'launcher', 'aria-label': 'Open chat', 'aria-expanded': 'false', 'aria-controls': 'ft-panel' }, [
      chatIcon(),
      badge,
    ]);
    shadow.append(el('div', { class: 'root' }, [panel, live, launcher]));
    document.body.append(host);
    ui = { host, panel, list, input, form, live, badge, launcher, status };

    launcher.addEventListener('click', () => (state.open ? closePanel() : openPanel()));
    close.addEventListener('click', closePanel);
    panel.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') {
        event.stopPropagation();
        closePanel();
      }
    });
    input.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        submit();
      }
    });
    input.addEventListener('input', grow);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      submit();
    });
  }

  function grow() {
    ui.input.style.height = 'auto';
    ui.input.style.height = Math.min(ui.input.scrollHeight + 2, 120) + 'px';
  }

  function openPanel() {
    state.open = true;
    ui.panel.hidden = false;
    ui.launcher.setAttribute('aria-expanded', 'true');
    ui.launcher.setAttribute('aria-label', 'Close chat');
    setUnread(0);
    ui.input.focus();
    scrollToEnd();
    connect();
    markRead();
  }

  function closePanel() {
    state.open = false;
    ui.panel.hidden = true;
    ui.launcher.setAttribute('aria-expanded', 'false');
    setUnread(0);
    ui.launcher.focus();
  }

  function setUnread(count) {
    state.unread = count;
    ui.badge.hidden = count === 0;
    ui.badge.textContent = String(count);
    if (!state.open) ui.launcher.setAttribute('aria-label', count ? 'Open chat, ' + count + ' unread' : 'Open chat');
  }

  function announce(text) {
    ui.live.textContent = '';
    setTimeout(() => (ui.live.textContent = text), 50);
  }

  function scrollToEnd() {
    ui.list.scrollTop = ui.list.scrollHeight;
  }

  function showStatus(text) {
    ui.status.hidden = !text;
    ui.status.textContent = text || '';
  }

  // ---- messages ----
  function timeOf(iso) {
    const date = new Date(iso);
    return isNaN(date) ? '' : date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  }

  function fileLink(file) {
    let url;
    try {
      url = new URL(file.url, api);
    } catch {
      return null;
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
    return el('a', { href: url.href, target: '_blank', rel: 'noopener noreferrer', text: file.name || 'file' });
  }

  function messageItem(mine, text, file) {
    const who = el('span', { class: 'sr', text: mine ? 'You: ' : (state.channel.name || 'Support') + ': ' });
    const bubble = el('div', { class: 'bubble' }, [who]);
    if (text) bubble.append(document.createTextNode(text));
    const link = file && fileLink(file);
    if (link) bubble.append(text ? document.createTextNode('\n') : '', link);
    return el('li', { class: mine ? 'mine' : 'theirs' }, [bubble, el('div', { class: 'meta' })]);
  }

  /** Confirmed messages stay in id order; messages still sending (or failed) stay below them. */
  function place(item, id) {
    let before = null;
    for (const node of ui.list.children) {
      if (node.dataset.pending || (node.dataset.id && Number(node.dataset.id) > id)) {
        before = node;
        break;
      }
    }
    ui.list.insertBefore(item, before);
  }

  function setMeta(item, text, retry) {
    const meta = item.querySelector('.meta');
    meta.textContent = text;
    if (retry) {
      const button = el('button', { type: 'button', class: 'retry', text: 'Retry' });
      button.addEventListener('click', retry);
      meta.append(' ', button);
    }
  }

  /** A message listed by the server (history, replay or stream). */
  function receive(message, live) {
    if (!message || typeof message.id !== 'number') return;
    if (message.id > state.lastSeenId) state.lastSeenId = message.id;
    if (shown.has(message.id) || (message.is_customer && sent.has(message.id))) return;
    const item = messageItem(message.is_customer, message.message, message.file);
    item.dataset.id = String(message.id);
    setMeta(item, timeOf(message.created_at));
    shown.set(message.id, item);
    const atEnd = ui.list.scrollHeight - ui.list.scrollTop - ui.list.clientHeight < 40;
    place(item, message.id);
    if (atEnd || !live) scrollToEnd();
    if (!message.is_customer && live) {
      announce((state.channel.name || 'Support') + ': ' + (message.message || (message.file && message.file.name) || ''));
      if (!state.open) setUnread(state.unread + 1);
    }
    if (!message.is_customer) markRead();
  }

  function forgetConversation() {
    for (const item of [...shown.values(), ...sent.values()]) item.remove();
    shown.clear();
    sent.clear();
    state.lastSeenId = 0;
    state.lastReadId = 0;
    state.historyLoaded = false;
    closeStream();
  }

  function submit() {
    const text = ui.input.value;
    if (!text.trim()) return;
    ui.input.value = '';
    grow();
    const item = messageItem(true, text, null);
    item.dataset.pending = 'true';
    ui.list.append(item);
    scrollToEnd();
    deliver(item, text);
  }

  async function deliver(item, text) {
    item.classList.remove('failed');
    setMeta(item, 'Sending\u2026');
    try {
      const answer = await call('POST', '/messages', { message: text });
      const message = answer.data;
      delete item.dataset.pending;
      const listed = shown.get(message.id);
      if (listed && listed.classList.contains('mine')) {
        item.remove(); // the stream was quicker than the answer
      } else {
        item.dataset.id = String(message.id);
        sent.set(message.id, item);
        setMeta(item, timeOf(message.created_at));
        item.remove();
        place(item, message.id);
        scrollToEnd();
      }
      if (!state.stream) connect();
    } catch (error) {
      item.classList.add('failed');
      setMeta(item, error instanceof HttpError && error.status === 422 ? error.message + ' ' : 'Failed to send.', () => deliver(item, text));
      announce('Your message was not sent. Use Retry to send it again.');
    }
  }

  function markRead() {
    if (!state.open || document.visibilityState === 'hidden') return;
    let upTo = 0;
    for (const [id, item] of shown) if (item.classList.contains('theirs') && id > upTo) upTo = id;
    if (upTo <= state.lastReadId) return;
    state.lastReadId = upTo;
    call('POST', '/read', { up_to_id: upTo }).catch(() => {
      state.lastReadId = 0; // tried again with the next message or the next open
    });
  }

  // ---- history and the live stream ----
  /** Fills the list from the server (newest 100 first time, then everything after the last seen id) and opens the stream. */
  function connect() {
    if (state.connecting || (state.stream && state.stream.readyState !== EventSource.CLOSED)) return state.connecting;
    clearTimeout(state.retryTimer);
    state.connecting = (async () => {
      try {
        if (!state.historyLoaded) {
          const answer = await call('GET', '/messages');
          for (const message of answer.data) receive(message, false);
          state.historyLoaded = true;
        } else {
          for (;;) {
            const answer = await call('GET', '/messages?after_id=' + state.lastSeenId);
            for (const message of answer.data) receive(message, true);
            if (answer.data.length < 100) break;
          }
        }
        openStream();
      } catch {
        scheduleReconnect();
      } finally {
        state.connecting = null;
      }
    })();
    return state.connecting;
  }

  function openStream() {
    closeStream();
    let url = api + '/stream?token=' + encodeURIComponent(state.token);
    if (state.lastSeenId) url += '&last_event_id=' + state.lastSeenId;
    const source = new EventSource(url);
    state.stream = source;
    source.addEventListener('message', (event) => {
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        return;
      }
      receive(message, true);
    });
    source.addEventListener('open', () => {
      state.retryMs = 1000;
      showStatus('');
    });
    source.addEventListener('error', () => {
      if (state.stream !== source) return;
      showStatus('Reconnecting\u2026');
      // While CONNECTING the browser retries by itself and resumes with Last-Event-ID; a closed stream is ours to reopen.
      if (source.readyState === EventSource.CLOSED) {
        state.stream = null;
        scheduleReconnect();
      }
    });
  }

  function closeStream() {
    if (state.stream) state.stream.close();
    state.stream = null;
  }

  function scheduleReconnect() {
    clearTimeout(state.retryTimer);
    const delay = state.retryMs / 2 + Math.random() * (state.retryMs / 2);
    state.retryMs = Math.min(state.retryMs * 2, MAX_RETRY_MS);
    state.retryTimer = setTimeout(connect, delay);
  }

  window.addEventListener('online', () => {
    // Back online: do not wait for a backoff timer or the browser's own retry delay.
    if (!state.token || (!state.historyLoaded && !state.stream)) return;
    closeStream();
    state.retryMs = 1000;
    connect();
  });
  document.addEventListener('visibilitychange', markRead);

  // ---- start ----
  const BOOT_ATTEMPTS = 6; // about a minute of backoff; the 'online' event starts another round
  let booting = false;

  async function boot() {
    if (booting || ui) return;
    booting = true;
    for (let attempt = 1, delayMs = 1000; ; attempt++, delayMs = Math.min(delayMs * 2, MAX_RETRY_MS)) {
      try {
        const resumed = await startSession();
        booting = false;
        build();
        // A returning visitor may have replies waiting: fetch them and listen, so the launcher can count them.
        if (resumed) connect();
        return;
      } catch (error) {
        // A refusal that waiting cannot change (unknown key, bad input) ends here; so does a run of failures (an
        // origin missing from allowed_origins is refused without CORS headers, which looks like a network error).
        const final = error instanceof HttpError && error.status >= 400 && error.status < 500 && error.status !== 408 && error.status !== 429;
        if (final || attempt === BOOT_ATTEMPTS) {
          booting = false;
          console.warn('Flextell widget: not shown (' + (final ? error.message : 'the server could not be reached') + ').');
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, delayMs));
      }
    }
  }

  window.addEventListener('online', boot);
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', boot);
  else boot();
})();
