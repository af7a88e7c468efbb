/*
 * mesoprep chat widget: a launcher button and a chat panel that talk to the
 * Rasa REST channel. Embed it on any page with one tag:
 *
 *   <script src="https://bot.example/webhooks/widget/widget.js"
 *           data-server="https://bot.example"></script>
 *
 * data-server  Rasa server base URL (default: where this script came from)
 * data-timeout milliseconds to wait for an answer (default: 15000)
 * data-emergency-number  the emergency number shown when the assistant
 *              can't be reached (default: the server's EMERGENCY_NUMBER)
 *
 * Security rule for this file: message data (bot or user, live or restored
 * from localStorage) only ever reaches the page through textContent /
 * append(string), which create text nodes. innerHTML is never used, so HTML
 * or script inside a message is shown as text and never run.
 */
(function () {
  'use strict';

  const script = document.currentScript ||
    document.querySelector('script[src*="/webhooks/widget/widget.js"]');
  // A page that includes the tag twice gets one widget, not two.
  if (!script || document.documentElement.hasAttribute('data-mesoprep-widget')) {
    return;
  }
  document.documentElement.setAttribute('data-mesoprep-widget', '');

  const SCRIPT_URL = new URL(script.src, document.baseURI);
  const SERVER = (script.dataset.server || SCRIPT_URL.origin).replace(/\/+$/, '');
  const WEBHOOK_URL = SERVER + '/webhooks/rest/webhook';
  // The stylesheet is served beside the script, wherever that is.
  const CSS_URL = new URL('widget.css', SCRIPT_URL).href;
  const TIMEOUT_MS = Number(script.dataset.timeout) > 0 ? Number(script.dataset.timeout) : 15000;
  // The server writes its settings here when it serves this file
  // (bot/channels/widget.py); the embedding page may override them.
  const SERVER_SETTINGS = /*mesoprep-settings*/{}/*end-settings*/;
  const EMERGENCY_NUMBER = script.dataset.emergencyNumber ||
    SERVER_SETTINGS.emergency_number || 'your local emergency number';
  // Shown with every failure: someone in danger must not wait for a retry.
  const EMERGENCY_LINE = 'If you need urgent medical help, call ' + EMERGENCY_NUMBER + ' now.';
  // Sent without showing a user message, so a new conversation opens with the
  // assistant's own introduction and its topic buttons.
  const GREETING_PAYLOAD = '/greet';
  const MAX_HISTORY = 200;
  const SHEET_FILENAME = 'consultation-prep-sheet.txt';
  // What this widget renders itself, sent as metadata with every message so
  // the server sends those as structured payloads (and only so); clients
  // that don't declare it get plain text (actions/prep_sheet.py).
  const RENDERS = ['prep_sheet'];
  const ID = 'mesoprep-widget';

  // ---- Storage: per server, and never fatal ---------------------------------

  /** A JSON store over localStorage or sessionStorage that tolerates both
   * being blocked or full (private browsing, strict settings): the chat then
   * still works, it just isn't remembered. */
  function makeStore(area) {
    const prefix = ID + ':' + SERVER + ':';
    let storage = null;
    try {
      storage = window[area];
    } catch (error) {
      storage = null; // Reading the property itself throws when blocked.
    }
    return {
      get(name, fallback) {
        try {
          const raw = storage && storage.getItem(prefix + name);
          return raw ? JSON.parse(raw) : fallback;
        } catch (error) {
          return fallback;
        }
      },
      set(name, value) {
        try {
          if (storage) storage.setItem(prefix + name, JSON.stringify(value));
        } catch (error) {
          /* Full or blocked: keep going without persistence. */
        }
      },
    };
  }

  const saved = makeStore('localStorage');
  const tab = makeStore('sessionStorage');

  /** A random conversation id; getRandomValues works on plain http too,
   * unlike crypto.randomUUID. */
  function newSenderId() {
    const bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return 'web-' + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  }

  // ---- Message data: validate everything that comes in -----------------------

  function isString(value) {
    return typeof value === 'string';
  }

  /** Buttons as [{title, payload}] with string fields only. */
  function cleanButtons(buttons) {
    if (!Array.isArray(buttons)) return [];
    return buttons
      .filter((b) => b && isString(b.payload) && b.payload)
      .map((b) => ({ title: isString(b.title) && b.title ? b.title : b.payload, payload: b.payload }));
  }

  /** The prep sheet payload, or null when it isn't one. */
  function cleanSheet(custom) {
    if (!custom || custom.type !== 'prep_sheet' || !isString(custom.title)) return null;
    const sections = Array.isArray(custom.sections) ? custom.sections : [];
    return {
      type: 'prep_sheet',
      title: custom.title,
      sections: sections
        .filter((s) => s && isString(s.heading))
        .map((s) => ({
          heading: s.heading,
          items: Array.isArray(s.items) ? s.items.filter(isString) : [],
        })),
      reminder: isString(custom.reminder) ? custom.reminder : '',
    };
  }

  /** REST channel replies turned into history entries: a message's text
   * (with its buttons) as a bubble, a prep_sheet payload as the sheet. The
   * widget declares RENDERS in every request, so the action sends the sheet
   * only as the payload, never as text too: nothing needs dropping here. */
  function toEntries(messages) {
    const entries = [];
    messages.forEach((message) => {
      if (!message || typeof message !== 'object') return;
      const text = isString(message.text) ? message.text : '';
      const buttons = cleanButtons(message.buttons);
      if (text || buttons.length) entries.push({ from: 'bot', text, buttons });
      const sheet = cleanSheet(message.custom);
      if (sheet) entries.push({ from: 'bot', sheet });
    });
    return entries;
  }

  /** History read back from storage, dropping anything malformed. */
  function loadHistory() {
    const stored = saved.get('history', []);
    if (!Array.isArray(stored)) return [];
    return stored.filter((entry) => entry && (
      (entry.from === 'user' && isString(entry.text) && isString(entry.payload)) ||
      (entry.from === 'bot' && (isString(entry.text) || cleanSheet(entry.sheet)))
    ));
  }

  /** The sheet as a plain text file. */
  function sheetAsText(sheet) {
    const blocks = [sheet.title];
    sheet.sections.forEach((section) => {
      blocks.push([section.heading].concat(section.items.map((item) => '- ' + item)).join('\n'));
    });
    if (sheet.reminder) blocks.push(sheet.reminder);
    return blocks.join('\n\n') + '\n';
  }

  // A clinic's own note and its source line (actions/answers.yml).
  const CLINIC_NOTE = /^(From .{1,80}'s notes:)\s*/;
  const NOTE_SOURCE = /^Clinic note: /;

  /** An answer's lines in order, each marked as a citation ("Source: ...",
   * which cites the lines above it), as the assistant's own advice (what
   * follows a citation), or as the guide's words (what comes before one). */
  function answerLines(text) {
    let afterCitation = false;
    return text.split('\n').map((line) => line.trim()).filter(Boolean)
      .map((line) => {
        const citation = /^Sources?:/.test(line);
        const advice = afterCitation && !citation;
        afterCitation = afterCitation || citation;
        return { line, citation, advice };
      });
  }

    // ---- DOM helpers ------------------------------------------------------------

  /** createElement with attributes; strings among children become text nodes
   * (Element.append), and the "text" attribute sets textContent. */
  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([name, value]) => {
      if (value === false || value === null || value === undefined) return;
      if (name === 'text') node.textContent = value;
      else if (name === 'class') node.className = value;
      else node.setAttribute(name, value === true ? '' : String(value));
    });
    (children || []).forEach((child) => node.append(child));
    return node;
  }

  /** Text only screen readers get ("You said", "Assistant said"). */
  function srOnly(text) {
    return el('span', { class: 'mp-sr', text });
  }

  /** A small static chat icon, built as SVG nodes rather than markup. */
  function chatIcon() {
    const ns = 'http://www.w3.org/2000/svg';
    const svg = document.createElementNS(ns, 'svg');
    svg.setAttribute('viewBox', '0 0 24 24');
    svg.setAttribute('aria-hidden', 'true');
    svg.setAttribute('focusable', 'false');
    svg.setAttribute('class', 'mp-icon');
    const path = document.createElementNS(ns, 'path');
    path.setAttribute('d', 'M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z');
    svg.append(path);
    return svg;
  }

  // ---- The interface -----------------------------------------------------------

  const ui = buildUi();
  const state = {
    sender: saved.get('sender', '') || newSenderId(),
    history: loadHistory(),
    busy: false,
    failed: null, // The entry that could not be sent, until it is or is dropped.
    controller: null, // Aborts the request in flight on timeout or start over.
    conversation: 0, // Bumped by start over, so late replies are ignored.
  };
  saved.set('sender', state.sender);

  function buildUi() {
    const launcher = el('button', {
      type: 'button',
      class: 'mp-launcher',
      'aria-label': 'Ask a question: open the hair mesotherapy chat',
      'aria-expanded': 'false',
      'aria-controls': ID + '-panel',
    }, [chatIcon(), el('span', { class: 'mp-launcher-text', text: 'Ask a question' })]);

    const restart = el('button', {
      type: 'button', class: 'mp-header-button', 'aria-label': 'Start over: clear this conversation',
    }, ['Start over']);
    const close = el('button', {
      type: 'button', class: 'mp-header-button mp-close', 'aria-label': 'Close the chat',
    }, [el('span', { 'aria-hidden': 'true', text: '\u00d7' })]);
    const header = el('div', { class: 'mp-header' }, [
      el('h2', { id: ID + '-title', class: 'mp-title', text: 'Hair mesotherapy questions' }),
      restart,
      close,
    ]);

    const disclosure = el('p', { class: 'mp-disclosure', id: ID + '-disclosure' }, [
      el('strong', { text: 'Automated assistant, not a clinician.' }),
      ' It shares what one guide says and can\u2019t advise you personally: ' +
        'a qualified healthcare professional can.',
    ]);

    // Focusable so keyboard users can scroll the conversation.
    const log = el('div', {
      class: 'mp-log', role: 'log', 'aria-live': 'polite', 'aria-label': 'Conversation', tabindex: '0',
    });
    const typing = el('div', { class: 'mp-typing', role: 'status' });
    const errorText = el('p', { class: 'mp-error-text' });
    const retry = el('button', {
      type: 'button', class: 'mp-retry', 'aria-label': 'Retry sending your message',
    }, ['Retry']);
    const error = el('div', { class: 'mp-error', role: 'alert', hidden: true }, [errorText, retry]);

    const input = el('input', {
      type: 'text', id: ID + '-input', class: 'mp-input', autocomplete: 'off',
      maxlength: '1000', placeholder: 'Type your question', 'aria-label': 'Your message',
    });
    const send = el('button', { type: 'submit', class: 'mp-send', 'aria-label': 'Send message' }, ['Send']);
    const form = el('form', { class: 'mp-form', novalidate: true }, [input, send]);

    const panel = el('div', {
      id: ID + '-panel', class: 'mp-panel', role: 'dialog', hidden: true,
      'aria-labelledby': ID + '-title', 'aria-describedby': ID + '-disclosure',
    }, [header, disclosure, log, typing, error, form]);

    // Hidden until the stylesheet arrives, so the page never shows an
    // unstyled widget; shown anyway if the stylesheet fails to load.
    const root = el('div', { id: ID, class: 'mp-root', style: 'display:none' }, [panel, launcher]);
    return { root, launcher, panel, restart, close, log, typing, error, errorText, retry, input, send, form };
  }

  function injectStylesheet(onDone) {
    const link = el('link', { rel: 'stylesheet', href: CSS_URL });
    link.addEventListener('load', onDone);
    link.addEventListener('error', onDone);
    (document.head || document.documentElement).append(link);
  }

  // ---- Rendering ------------------------------------------------------------------

  function renderUser(entry) {
    const status = el('span', { class: 'mp-status' });
    const node = el('div', { class: 'mp-msg mp-user' }, [
      srOnly('You said: '),
      el('span', { class: 'mp-text', text: entry.text }),
      status,
    ]);
    entry.node = node;
    showStatus(entry);
    return node;
  }

  function renderBot(entry) {
    if (entry.sheet) return renderSheet(cleanSheet(entry.sheet), true);
    const bubble = el('div', { class: 'mp-msg mp-bot' }, [srOnly('Assistant said: ')]);
    // Each line is a paragraph; a Source line is styled as the citation of
    // the paragraphs above it, and the advice below it as the assistant's.
    // A clinic note ("From <clinic>'s notes: ...") has a style of its own.
    answerLines(entry.text || '').forEach(({ line, citation, advice }) => {
      const note = CLINIC_NOTE.exec(line);
      if (note) bubble.append(renderLabelled('mp-clinic-note', note[1], line.slice(note[0].length)));
      else if (NOTE_SOURCE.test(line)) bubble.append(el('p', { class: 'mp-note-source', text: line }));
      else if (citation) bubble.append(renderCitation(line));
      else if (advice) bubble.append(renderAdvice(line));
      else bubble.append(el('p', { class: 'mp-text', text: line }));
    });
    const buttons = cleanButtons(entry.buttons);
    if (!buttons.length) return bubble;
    const replies = el('div', { class: 'mp-replies', role: 'group', 'aria-label': 'Suggested questions' });
    buttons.forEach((button) => {
      const node = el('button', { type: 'button', class: 'mp-reply', text: button.title });
      node.addEventListener('click', () => sendUserMessage(button.title, button.payload));
      replies.append(node);
    });
    return el('div', { class: 'mp-turn' }, [bubble, replies]);
  }

  function renderCitation(citation) {
    const colon = citation.indexOf(':');
    return el('p', { class: 'mp-citation' }, [
      el('span', { class: 'mp-citation-label', text: citation.slice(0, colon + 1) }),
      ' ' + citation.slice(colon + 1).trim(),
    ]);
  }

  /** The assistant's own advice, set apart from the guide's words; its label
   * ("Assistant's advice (not from the guide):") is shown as a label. */
  function renderAdvice(line) {
    const label = /^([^:]{1,60}\(not from the guide\):)\s*/.exec(line);
    return label
      ? renderLabelled('mp-advice', label[1], line.slice(label[0].length))
      : el('p', { class: 'mp-advice' }, [line]);
  }

  /** A paragraph of class `className` whose label is shown as a label. */
  function renderLabelled(className, label, text) {
    return el('p', { class: className }, [
      el('span', { class: className + '-label', text: label }), ' ' + text.trim(),
    ]);
  }

  /** The sheet as a card; withActions adds Print and Download. */
  function renderSheet(sheet, withActions) {
    const titleId = ID + '-sheet-' + Math.random().toString(36).slice(2);
    const card = el('section', { class: 'mp-sheet', 'aria-labelledby': titleId }, [
      srOnly('Assistant sent: '),
      el('h3', { class: 'mp-sheet-title', id: titleId, text: sheet.title }),
    ]);
    sheet.sections.forEach((section) => {
      card.append(el('h4', { class: 'mp-sheet-heading', text: section.heading }));
      card.append(el('ul', { class: 'mp-sheet-items' },
        section.items.map((item) => el('li', { text: item }))));
    });
    if (sheet.reminder) card.append(el('p', { class: 'mp-sheet-reminder', text: sheet.reminder }));
    if (!withActions) return card;
    const print = el('button', { type: 'button', class: 'mp-sheet-button', 'aria-label': 'Print the prep sheet' }, ['Print']);
    const download = el('button', {
      type: 'button', class: 'mp-sheet-button', 'aria-label': 'Download the prep sheet as a text file',
    }, ['Download']);
    print.addEventListener('click', () => printSheet(sheet));
    download.addEventListener('click', () => downloadSheet(sheet));
    card.append(el('div', { class: 'mp-sheet-actions' }, [print, download]));
    return card;
  }

  function showStatus(entry) {
    if (!entry.node) return;
    const failed = entry.status === 'failed';
    entry.node.classList.toggle('mp-failed', failed);
    entry.node.querySelector('.mp-status').textContent = failed ? ' Not sent' : '';
  }

  function append(node) {
    ui.log.append(node);
    return node;
  }

  /** Scroll so the start of new replies is in view: a long answer or the
   * sheet is read from its top, a short one just sits at the bottom. */
  function scrollTo(first) {
    const log = ui.log;
    if (first && first.offsetTop + first.offsetHeight - log.scrollTop > log.clientHeight) {
      log.scrollTop = Math.max(0, first.offsetTop - 8);
    } else {
      log.scrollTop = log.scrollHeight;
    }
  }

  function renderHistory() {
    ui.log.replaceChildren();
    state.history.forEach((entry) => append(entry.from === 'user' ? renderUser(entry) : renderBot(entry)));
    const last = state.history[state.history.length - 1];
    // A message that was being sent when the page closed may not have
    // arrived: offer to send it again rather than drop it silently.
    if (last && last.from === 'user' && last.status !== 'sent') {
      last.status = 'failed';
      showStatus(last);
      state.failed = last;
      showError('Your last message may not have been sent.');
    }
  }

  // ---- History ----------------------------------------------------------------------

  function saveHistory() {
    state.history = state.history.slice(-MAX_HISTORY);
    // DOM nodes stay out of storage.
    saved.set('history', state.history.map((entry) => {
      const copy = Object.assign({}, entry);
      delete copy.node;
      return copy;
    }));
  }

  function addEntry(entry) {
    state.history.push(entry);
    saveHistory();
    return append(entry.from === 'user' ? renderUser(entry) : renderBot(entry));
  }

  // ---- Talking to the server ------------------------------------------------------------

  /** Why a message could not be sent, for the person and for retrying. */
  class SendError extends Error {
    constructor(reason, status) {
      super(reason);
      this.reason = reason;
      this.status = status;
    }
  }

  async function postMessage(payload) {
    const controller = new AbortController();
    state.controller = controller;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, TIMEOUT_MS);
    try {
      const response = await fetch(WEBHOOK_URL, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          sender: state.sender,
          message: payload,
          metadata: { renders: RENDERS },
        }),
        signal: controller.signal,
      });
      if (!response.ok) throw new SendError('http', response.status);
      const messages = await response.json();
      if (!Array.isArray(messages)) throw new SendError('format');
      return messages;
    } catch (error) {
      if (error instanceof SendError) throw error;
      throw new SendError(timedOut ? 'timeout' : controller.signal.aborted ? 'aborted' : 'network');
    } finally {
      clearTimeout(timer);
      if (state.controller === controller) state.controller = null;
    }
  }

  function describeFailure(error) {
    if (error.reason === 'timeout') {
      return 'The assistant is taking too long to answer. Your message is kept: press Retry to send it again. ' + EMERGENCY_LINE;
    }
    if (error.reason === 'http' || error.reason === 'format') {
      return 'The assistant had a problem answering. Your message is kept: press Retry to send it again. ' + EMERGENCY_LINE;
    }
    return 'Can\u2019t reach the assistant right now. Your message is kept: check your connection and press Retry. ' + EMERGENCY_LINE;
  }

  function setBusy(busy) {
    state.busy = busy;
    ui.panel.classList.toggle('mp-busy', busy);
    // aria-disabled rather than disabled keeps keyboard focus on the button.
    ui.send.setAttribute('aria-disabled', String(busy));
    ui.typing.replaceChildren();
    if (busy) {
      ui.typing.append(
        el('span', { class: 'mp-dots', 'aria-hidden': 'true' }, [el('span'), el('span'), el('span')]),
        el('span', { class: 'mp-sr', text: 'The assistant is typing' }),
      );
    }
  }

  function showError(message) {
    ui.errorText.textContent = message;
    ui.error.hidden = false;
  }

  function hideError() {
    ui.error.hidden = true;
    ui.errorText.textContent = '';
  }

  function saveDraft() {
    saved.set('draft', ui.input.value);
  }

  /** Send one entry (a user message, or the silent greeting) and show the
   * replies; on failure keep it, mark it and offer a retry. */
  async function deliver(entry) {
    const conversation = state.conversation;
    setBusy(true);
    hideError();
    let replies;
    try {
      replies = await postMessage(entry.payload);
    } catch (error) {
      if (conversation !== state.conversation) return; // Started over meanwhile.
      setBusy(false);
      entry.status = 'failed';
      showStatus(entry);
      state.failed = entry;
      saveHistory();
      // The text stays in the input too, ready to edit or send again.
      if (entry.text && !ui.input.value.trim()) {
        ui.input.value = entry.text;
        saveDraft();
      }
      showError(describeFailure(error));
      return;
    }
    if (conversation !== state.conversation) return;
    setBusy(false);
    entry.status = 'sent';
    showStatus(entry);
    if (state.failed === entry) state.failed = null;
    if (entry.text && ui.input.value.trim() === entry.text) {
      ui.input.value = ''; // The copy kept after a failure is no longer needed.
      saveDraft();
    }
    const nodes = toEntries(replies).map(addEntry);
    saveHistory();
    scrollTo(nodes[0]);
  }

  /** A message the person typed or picked: shown as theirs, then sent. */
  function sendUserMessage(text, payload) {
    if (state.busy) return;
    dropFailed();
    const entry = { from: 'user', text, payload, status: 'pending' };
    scrollTo(addEntry(entry));
    deliver(entry);
  }

  /** The person moved on: the failed message stays in the log, marked "Not
   * sent", but the retry offer goes. */
  function dropFailed() {
    state.failed = null;
    hideError();
  }

  function retry() {
    if (state.busy || !state.failed) return;
    deliver(state.failed);
  }

  function greet() {
    if (state.busy) return;
    deliver({ from: 'user', text: '', payload: GREETING_PAYLOAD, silent: true });
  }

  // ---- Prep sheet: print and download ----------------------------------------------------

  /** Print only the sheet: a copy goes in a top-level element and a print
   * rule hides everything else on the page while it prints. */
  function printSheet(sheet) {
    document.querySelectorAll('.mp-print-area').forEach((node) => node.remove());
    const area = el('div', { class: 'mp-print-area' }, [renderSheet(sheet, false)]);
    document.body.append(area);
    document.documentElement.classList.add('mp-printing');
    window.addEventListener('afterprint', () => {
      area.remove();
      document.documentElement.classList.remove('mp-printing');
    }, { once: true });
    window.print();
  }

  function downloadSheet(sheet) {
    const blob = new Blob([sheetAsText(sheet)], { type: 'text/plain;charset=utf-8' });
    const url = URL.createObjectURL(blob);
    const link = el('a', { href: url, download: SHEET_FILENAME, class: 'mp-sr' });
    document.body.append(link);
    link.click();
    link.remove();
    // Revoked later: some browsers read the URL after click() returns.
    setTimeout(() => URL.revokeObjectURL(url), 30000);
  }

  // ---- Opening, closing, starting over ----------------------------------------------------

  function isOpen() {
    return !ui.panel.hidden;
  }

  function openPanel(focusInput) {
    ui.panel.hidden = false;
    ui.root.classList.add('mp-open');
    ui.launcher.setAttribute('aria-expanded', 'true');
    tab.set('open', true);
    scrollTo(null);
    if (focusInput) ui.input.focus();
    if (!state.history.length && !state.failed) greet();
  }

  function closePanel(returnFocus) {
    ui.panel.hidden = true;
    ui.root.classList.remove('mp-open');
    ui.launcher.setAttribute('aria-expanded', 'false');
    tab.set('open', false);
    if (returnFocus) ui.launcher.focus();
  }

  /** A new conversation: new sender id, no history, a fresh greeting. */
  function startOver() {
    state.conversation += 1;
    if (state.controller) state.controller.abort();
    setBusy(false);
    dropFailed();
    state.sender = newSenderId();
    saved.set('sender', state.sender);
    state.history = [];
    saveHistory();
    ui.log.replaceChildren();
    ui.input.value = '';
    saveDraft();
    ui.input.focus();
    greet();
  }

  function onSubmit(event) {
    event.preventDefault();
    const text = ui.input.value.trim();
    if (!text || state.busy) return;
    // Sending the failed text again is a retry, not a second copy of it.
    if (state.failed && state.failed.text === text) {
      retry();
      return;
    }
    ui.input.value = '';
    saveDraft();
    sendUserMessage(text, text);
  }

  function wireEvents() {
    ui.launcher.addEventListener('click', () => (isOpen() ? closePanel(false) : openPanel(true)));
    ui.close.addEventListener('click', () => closePanel(true));
    ui.restart.addEventListener('click', startOver);
    ui.retry.addEventListener('click', retry);
    ui.form.addEventListener('submit', onSubmit);
    ui.input.addEventListener('input', saveDraft);
    // Escape anywhere in the widget closes the panel; keys elsewhere on the
    // host page are left alone.
    ui.root.addEventListener('keydown', (event) => {
      if (event.key === 'Escape' && isOpen()) {
        event.preventDefault();
        closePanel(true);
      }
    });
  }

  function start() {
    document.body.append(ui.root);
    injectStylesheet(() => ui.root.style.removeProperty('display'));
    wireEvents();
    ui.input.value = saved.get('draft', '') || '';
    renderHistory();
    // Reloading or moving to another page of the site keeps the panel as
    // it was in this tab, without taking focus from the page.
    if (tab.get('open', false)) openPanel(false);
  }

  if (document.body) start();
  else document.addEventListener('DOMContentLoaded', start, { once: true });
})();
