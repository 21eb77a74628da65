/*
 * What every part of the agent console shares: DOM helpers that put text only (never markup), the
 * page's texts (the server puts the catalog of the page's language in #console-texts; no sentence
 * lives in these scripts), the API client (the session's CSRF token on state changes, the server's
 * clock), dates, numbers and time left in the page's language, and the registry of views. Loaded
 * first; console.js (sign-in, the customers, access requests), concerns.js and incidents.js use it
 * as window.PSBConsole.
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

  // --- Texts -------------------------------------------------------------------------------------

  /** The page's catalog (locales/<lang>/console.json, English beneath it), read as data: never run, never parsed as markup. */
  var TEXTS = JSON.parse(kit.$('console-texts').textContent);
  /** The page's language ("it"), as the server chose it. */
  kit.lang = document.documentElement.lang || 'en';
  /** The locale dates, numbers and language names are formatted in ("en-GB" for English). */
  kit.intlLocale = typeof TEXTS.intlLocale === 'string' ? TEXTS.intlLocale : kit.lang;

  var plurals = new Intl.PluralRules(kit.intlLocale);

  function lookup(key) {
    var node = TEXTS;
    var parts = key.split('.');
    for (var i = 0; i < parts.length; i += 1) {
      if (node === null || typeof node !== 'object' || !Object.prototype.hasOwnProperty.call(node, parts[i])) return undefined;
      node = node[parts[i]];
    }
    return typeof node === 'string' ? node : undefined;
  }

  /** The text at `key` in this form: with `vars.count`, its plural form (`key_one`, `key_other`…), as i18next picks it. */
  function template(key, vars) {
    if (vars && typeof vars.count === 'number') {
      var form = lookup(key + '_' + plurals.select(vars.count)) || lookup(key + '_other');
      if (form !== undefined) return form;
    }
    return lookup(key);
  }

  /** True when the catalog holds a text at `key`. */
  kit.has = function (key) {
    return lookup(key) !== undefined || lookup(key + '_other') !== undefined;
  };

  /**
   * The text at `key` with its `{{placeholders}}` filled (as text: it is only ever set with textContent); the key itself
   * when missing. A `count` is written as the page's language writes numbers ("1.200").
   */
  kit.t = function (key, vars) {
    var text = template(key, vars);
    if (text === undefined) return key;
    return text.replace(/\{\{\s*(\w+)\s*\}\}/g, function (match, name) {
      if (!vars || vars[name] === undefined || vars[name] === null) return match;
      return name === 'count' && typeof vars[name] === 'number' ? kit.number(vars[name]) : String(vars[name]);
    });
  };

  /**
   * The words for an internal code (a status, a reason, a channel…): `group.code` in the catalog.
   * A code the catalog does not know yet shows as it is rather than as nothing.
   */
  kit.word = function (group, code) {
    var key = group + '.' + code;
    return code !== undefined && code !== null && kit.has(key) ? kit.t(key) : String(code);
  };

  /**
   * The text at `key` as nodes in `parent` (its children replaced): each `{{name}}` whose value is a
   * node is put there as that node (e.g. a live countdown, a name in bold), the rest as text.
   */
  kit.compose = function (parent, key, vars) {
    var text = template(key, vars) || key;
    var nodes = [];
    var last = 0;
    text.replace(/\{\{\s*(\w+)\s*\}\}/g, function (match, name, at) {
      if (at > last) nodes.push(document.createTextNode(text.slice(last, at)));
      var value = vars ? vars[name] : undefined;
      nodes.push(value && value.nodeType ? value : document.createTextNode(value === undefined || value === null ? match : String(value)));
      last = at + match.length;
      return match;
    });
    if (last < text.length) nodes.push(document.createTextNode(text.slice(last)));
    parent.replaceChildren.apply(parent, nodes);
    return parent;
  };

  /** A channel in words ("the website chat", "Microsoft Teams"), for whatever channel id the data carries. */
  kit.channel = function (channelId) {
    return kit.t(kit.has('channels.' + channelId) ? 'channels.' + channelId : 'channels.other');
  };

  /** "via the website chat". */
  kit.via = function (channelId) {
    return kit.t('common.via', { channel: kit.channel(channelId) });
  };

  var numberFormat = new Intl.NumberFormat(kit.intlLocale);
  /** A count as the page's language writes it ("1,200", "1.200"). */
  kit.number = function (value) {
    return numberFormat.format(value);
  };

  var listFormat = null;
  try {
    listFormat = new Intl.ListFormat(kit.intlLocale, { type: 'unit', style: 'short' });
  } catch (e) {
    listFormat = null;
  }
  /** Items of a list as the page's language joins them. */
  kit.list = function (items) {
    return listFormat ? listFormat.format(items) : items.join(', ');
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

  /** How many announcements the live region keeps: older ones leave it (they were read when they came). */
  var ANNOUNCEMENTS_KEPT = 5;

  /**
   * Tells a screen reader something that happened without the agent doing it (a customer waiting,
   * a claim by someone else, a customer's message), in the polite live region: each as a new
   * paragraph, so the same words twice are read twice.
   */
  kit.announce = function (text) {
    var region = kit.$('announcements');
    region.appendChild(kit.el('p', '', text));
    while (region.childNodes.length > ANNOUNCEMENTS_KEPT) region.removeChild(region.firstChild);
  };

  kit.failed = function (error) {
    kit.say(error && error.message ? error.message : kit.t('errors.somethingWrong'));
  };

  /** What the page says of a refusal: the words for its code (the server's own message is for developers, in English), else the status. */
  kit.errorText = function (code, status) {
    if (code && kit.has('errors.' + code)) return kit.t('errors.' + code);
    return status ? kit.t('errors.failed', { status: status }) : kit.t('errors.somethingWrong');
  };

  kit.registerView = function (name, view) {
    kit.views[name] = view;
  };

  var languageNames = null;
  try {
    languageNames = new Intl.DisplayNames([kit.intlLocale], { type: 'language' });
  } catch (e) {
    languageNames = null;
  }
  /** A language named in the page's language: "Italian (it)", "italiano (it)". */
  kit.language = function (code) {
    var name = languageNames ? languageNames.of(code) : '';
    return name && name !== code ? kit.t('common.languageWithCode', { name: name, code: code }) : code;
  };
  /** A language's name alone, in the page's language ("Italian"). */
  kit.languageName = function (code) {
    var name = languageNames ? languageNames.of(code) : '';
    return name || code;
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
        if (response.status === 401 && kit.csrf) kit.onSessionEnded(kit.t('session.ended'));
        return Promise.reject({
          status: response.status,
          code: error.code || '',
          message: kit.errorText(error.code, response.status),
          field: error.field || '',
          problems: error.problems || [],
        });
      });
    }, function () {
      // No answer at all (the network, the server down): said in words, not the browser's own message.
      return Promise.reject({ status: 0, code: '', message: kit.t('errors.network'), field: '', problems: [] });
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

  var dateFormat = new Intl.DateTimeFormat(kit.intlLocale, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' });
  kit.when = function (iso) {
    return iso ? dateFormat.format(new Date(iso)) : '—';
  };

  var timeFormat = new Intl.DateTimeFormat(kit.intlLocale, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  /** The time of day of an instant, for the transcript ("14:05:09"). */
  kit.clockTime = function (iso) {
    return timeFormat.format(new Date(iso));
  };

  /** "12 d 4 h", "5 h 10 min", "overdue by 2 d 3 h" (in the page's language). */
  kit.timeLeft = function (seconds) {
    if (seconds === null || seconds === undefined) return '—';
    var s = Math.abs(seconds);
    var d = Math.floor(s / 86400);
    var h = Math.floor((s % 86400) / 3600);
    var m = Math.floor((s % 3600) / 60);
    var text = d > 0 ? kit.t('time.daysHours', { days: d, hours: h }) : h > 0 ? kit.t('time.hoursMinutes', { hours: h, minutes: m }) : kit.t('time.minutes', { minutes: m });
    return seconds < 0 ? kit.t('time.overdueBy', { time: text }) : text;
  };

  /** "47.1 KB", "47,1 KB". */
  var sizeFormat = new Intl.NumberFormat(kit.intlLocale, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  kit.size = function (bytes) {
    if (bytes < 1024) return kit.t('sizes.bytes', { size: kit.number(bytes) });
    if (bytes < 1024 * 1024) return kit.t('sizes.kilobytes', { size: sizeFormat.format(bytes / 1024) });
    return kit.t('sizes.megabytes', { size: sizeFormat.format(bytes / (1024 * 1024)) });
  };

  /** "12 Mar 2026, 10:00 UTC: received by agent:sara" — a line of a case's history. */
  kit.historyEntry = function (at, what, actor) {
    return kit.t('common.historyEntry', { at: kit.when(at), what: what, actor: actor });
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
