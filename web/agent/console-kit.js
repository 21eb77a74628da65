/*
 * What every part of the agent console shares: DOM helpers that put text only (never markup), the
 * API client (the session's CSRF token on state changes, the server's clock), date and time-left
 * wording, and the registry of views. Loaded first; console.js (sign-in, the customers, access
 * requests), concerns.js and incidents.js use it as window.PSBConsole.
 */
(function () {
  'use strict';

  var API = '/agent/api';

  var kit = {
    API: API,
    /** The session's CSRF token ('' when signed out). */
    csrf: '',
    /** Server clock minus ours, milliseconds. */
    skew: 0,
    /** Called when the API says the session ended (401) while signed in; console.js sets it. */
    onSessionEnded: function () {},
    /** The console's views by name: {section, button, heading, load(), reset()}; console.js shows them. */
    views: {},
  };

  kit.$ = function (id) {
    return document.getElementById(id);
  };

  kit.el = function (tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  };

  kit.say = function (text) {
    kit.$('status').textContent = text;
  };

  kit.failed = function (error) {
    kit.say(error && error.message ? error.message : 'Something went wrong.');
  };

  kit.registerView = function (name, view) {
    kit.views[name] = view;
  };

  var languageNames = null;
  try {
    languageNames = new Intl.DisplayNames(['en'], { type: 'language' });
  } catch (e) {
    languageNames = null;
  }
  /** "Italian (it)". */
  kit.language = function (code) {
    var name = languageNames ? languageNames.of(code) : '';
    return name && name !== code ? name + ' (' + code + ')' : code;
  };

  /** "1:02:03", "4:05". */
  kit.duration = function (seconds) {
    var s = Math.max(0, Math.floor(seconds));
    var h = Math.floor(s / 3600);
    var m = Math.floor((s % 3600) / 60);
    var r = s % 60;
    var mm = h > 0 && m < 10 ? '0' + m : String(m);
    return (h > 0 ? h + ':' : '') + mm + ':' + (r < 10 ? '0' : '') + r;
  };

  kit.serverNow = function () {
    return Date.now() + kit.skew;
  };

  /** Keeps the page's clock on the server's, from an answer's `now`. */
  kit.syncClock = function (nowIso) {
    kit.skew = Date.parse(nowIso) - Date.now();
  };

  /** Calls the API; state changes carry the CSRF token. Resolves with the JSON body or rejects with {status, code, message, field, problems}. */
  kit.api = function (method, path, body) {
    var headers = { Accept: 'application/json' };
    if (method !== 'GET') headers['X-CSRF-Token'] = kit.csrf;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    return fetch(API + path, {
      method: method,
      headers: headers,
      credentials: 'same-origin',
      cache: 'no-store',
      body: body === undefined ? undefined : JSON.stringify(body),
    }).then(function (response) {
      return response.text().then(function (raw) {
        var data = null;
        try {
          data = raw ? JSON.parse(raw) : null;
        } catch (e) {
          data = null;
        }
        if (response.ok) return data;
        var error = (data && data.error) || {};
        if (response.status === 401 && kit.csrf) kit.onSessionEnded('Your session ended. Please sign in again.');
        return Promise.reject({
          status: response.status,
          code: error.code || '',
          message: error.message || 'The request failed (' + response.status + ').',
          field: error.field || '',
          problems: error.problems || [],
        });
      });
    });
  };

  /** POSTs with `control` disabled until the answer comes (a second click sends nothing); resolves and rejects as kit.api. */
  kit.postFrom = function (control, path, body) {
    control.disabled = true;
    return kit.api('POST', path, body).then(
      function (answer) {
        control.disabled = false;
        return answer;
      },
      function (error) {
        control.disabled = false;
        return Promise.reject(error);
      },
    );
  };

  var dateFormat = new Intl.DateTimeFormat('en-GB', { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' });
  kit.when = function (iso) {
    return iso ? dateFormat.format(new Date(iso)) : '—';
  };

  /** "12 d 4 h", "5 h 10 min", "overdue by 2 d 3 h". */
  kit.timeLeft = function (seconds) {
    if (seconds === null || seconds === undefined) return '—';
    var s = Math.abs(seconds);
    var d = Math.floor(s / 86400);
    var h = Math.floor((s % 86400) / 3600);
    var m = Math.floor((s % 3600) / 60);
    var text = d > 0 ? d + ' d ' + h + ' h' : h > 0 ? h + ' h ' + m + ' min' : m + ' min';
    return seconds < 0 ? 'overdue by ' + text : text;
  };

  /** A term and its value (text, or a node) in a <dl>. */
  kit.fact = function (list, term, value) {
    list.appendChild(kit.el('dt', '', term));
    var dd = kit.el('dd');
    if (typeof value === 'string') dd.textContent = value;
    else dd.appendChild(value);
    list.appendChild(dd);
  };

  /** A labelled badge: its words say what its colour shows. */
  kit.badge = function (kind, text) {
    return kit.el('span', 'badge ' + kind, text);
  };

  /** Marks the row of `reference` as the one open in a list of rows with data-reference. */
  kit.markCurrent = function (rowsSelector, reference) {
    var rows = document.querySelectorAll(rowsSelector);
    for (var i = 0; i < rows.length; i += 1) rows[i].classList.toggle('current', !!reference && rows[i].dataset.reference === reference);
  };

  window.PSBConsole = kit;
})();
