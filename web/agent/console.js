/*
 * The agent console. Plain DOM, no framework, no markup from data: every text that comes from the
 * server (and so, ultimately, from a customer) is set with textContent, and the page's CSP requires
 * Trusted Types, so an HTML sink would be refused by the browser anyway.
 */
(function () {
  'use strict';

  var API = '/agent/api';
  var REASONS = { verification: 'Identity check', customer_request: 'Asked for a person' };
  var SPEAKERS = { customer: 'Customer', bot: 'Bot', agent: 'Agent' };
  var OUTCOMES = { verified: 'verified', failed: 'not verified', none: 'returned to the bot without verification' };
  var KINDS = { email: 'Email', phone: 'Phone', customer_number: 'Customer number', aad_object_id: 'Microsoft account' };

  var state = {
    csrf: '',
    username: '',
    role: '',
    /** Server clock minus ours, milliseconds. */
    skew: 0,
    queue: [],
    held: [],
    current: null,
    /** Lines shown in the open conversation, by from|at|text (as kept), so a line is shown once: {item, text, kept}. */
    shown: new Map(),
    /**
     * What customers typed during live handoffs, unredacted, by ticket id then line key: from the
     * event stream only (the server keeps and serves redacted lines). In this page's memory while
     * the ticket is open; forgotten when it closes or the agent signs out — a reload loses it too.
     */
    typed: new Map(),
    unread: new Set(),
    events: null,
  };

  function $(id) {
    return document.getElementById(id);
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function say(text) {
    $('status').textContent = text;
  }

  var languageNames = null;
  try {
    languageNames = new Intl.DisplayNames(['en'], { type: 'language' });
  } catch (e) {
    languageNames = null;
  }
  function language(code) {
    var name = languageNames ? languageNames.of(code) : '';
    return name && name !== code ? name + ' (' + code + ')' : code;
  }

  function duration(seconds) {
    var s = Math.max(0, Math.floor(seconds));
    var h = Math.floor(s / 3600);
    var m = Math.floor((s % 3600) / 60);
    var r = s % 60;
    var mm = h > 0 && m < 10 ? '0' + m : String(m);
    return (h > 0 ? h + ':' : '') + mm + ':' + (r < 10 ? '0' : '') + r;
  }

  function serverNow() {
    return Date.now() + state.skew;
  }

  /** Calls the API; state changes carry the CSRF token. Resolves with the JSON body or rejects with {status, code, message}. */
  function api(method, path, body) {
    var headers = { Accept: 'application/json' };
    if (method !== 'GET') headers['X-CSRF-Token'] = state.csrf;
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
        if (response.status === 401 && state.csrf) signedOut('Your session ended. Please sign in again.');
        return Promise.reject({ status: response.status, code: error.code || '', message: error.message || 'The request failed (' + response.status + ').' });
      });
    });
  }

  function failed(error) {
    say(error && error.message ? error.message : 'Something went wrong.');
  }

  // --- Signing in and out ---------------------------------------------------------------------

  function showSignIn() {
    $('console').hidden = true;
    $('who').hidden = true;
    $('sign-in').hidden = false;
    $('password').value = '';
    $('username').focus();
  }

  function signedIn(session) {
    state.csrf = session.csrfToken;
    state.username = session.username;
    state.role = session.role;
    $('who-name').textContent = session.username;
    $('who-role').textContent = session.role;
    $('who').hidden = false;
    $('sign-in').hidden = true;
    $('console').hidden = false;
    openEvents();
    return loadQueue().then(function () {
      $('queue-title').focus();
    });
  }

  function signedOut(message) {
    if (state.events) state.events.close();
    state.events = null;
    state.csrf = '';
    state.current = null;
    state.typed = new Map();
    showConversation(null);
    showSignIn();
    if (message) say(message);
  }

  $('sign-in-form').addEventListener('submit', function (event) {
    event.preventDefault();
    $('sign-in-error').textContent = '';
    var username = $('username').value.trim();
    var password = $('password').value;
    if (!username || !password) {
      $('sign-in-error').textContent = 'Enter your username and password.';
      return;
    }
    api('POST', '/login', { username: username, password: password })
      .then(function (session) {
        say('');
        return signedIn(session);
      })
      .catch(function (error) {
        $('password').value = '';
        $('sign-in-error').textContent = error.status === 401 ? 'Wrong username or password.' : error.message;
        $('password').focus();
      });
  });

  $('sign-out').addEventListener('click', function () {
    api('POST', '/logout', {})
      .catch(function () {
        return null;
      })
      .then(function () {
        signedOut('You are signed out.');
      });
  });

  // --- Live events -------------------------------------------------------------------------------

  function openEvents() {
    if (state.events) state.events.close();
    var source = new EventSource(API + '/events');
    state.events = source;
    source.addEventListener('queue', function (event) {
      var change = JSON.parse(event.data);
      if (change.change === 'closed') forgetTyped(change.ticketId);
      loadQueue().catch(failed);
    });
    source.addEventListener('ticket', function (event) {
      var ticket = JSON.parse(event.data).ticket;
      if (state.current && state.current.id === ticket.id) {
        state.current = ticket;
        renderMeta();
        if (ticket.status !== 'claimed') closedHere(ticket);
      }
    });
    source.addEventListener('message', function (event) {
      var data = JSON.parse(event.data);
      if (typeof data.liveText === 'string') rememberTyped(data.ticketId, data.line, data.liveText);
      if (state.current && state.current.id === data.ticketId) {
        addLine(data.line);
      } else if (data.line.from === 'customer') {
        state.unread.add(data.ticketId);
        renderTickets();
        say('New message from a customer in one of your conversations.');
      }
    });
    source.addEventListener('signed-out', function () {
      signedOut('You were signed out.');
    });
    source.addEventListener('error', function () {
      // The browser retries by itself; once it gives up (e.g. 401), find out whether the session ended.
      if (source.readyState === EventSource.CLOSED && state.events === source) {
        setTimeout(function () {
          if (state.events !== source) return;
          api('GET', '/session').then(openEvents, function () {
            return null;
          });
        }, 3000);
      }
    });
  }

  // --- Queue -----------------------------------------------------------------------------------

  function loadQueue() {
    return api('GET', '/queue').then(function (view) {
      state.skew = Date.parse(view.now) - Date.now();
      state.queue = view.queue;
      state.held = view.held;
      renderTickets();
    });
  }

  function describe(ticket) {
    var parts = [REASONS[ticket.reason] || ticket.reason, language(ticket.locale)];
    if (ticket.pendingAction) parts.push('waiting to: ' + ticket.pendingAction);
    if (ticket.channelId) parts.push('via ' + ticket.channelId);
    return parts.join(' · ');
  }

  function waitingSince(ticket) {
    return (serverNow() - Date.parse(ticket.createdAt)) / 1000;
  }

  function ticketItem(ticket, held) {
    var item = el('li');
    item.dataset.ticket = ticket.id;
    if (state.current && state.current.id === ticket.id) item.className = 'current';
    var title = el('span', 'describe', describe(ticket));
    item.appendChild(title);
    if (held) {
      var who = ticket.agent && ticket.agent !== state.username ? 'held by ' + ticket.agent : 'yours';
      item.appendChild(el('span', 'muted', who));
      if (state.unread.has(ticket.id)) item.appendChild(el('span', 'unread', 'New message'));
    } else {
      var wait = el('span', 'wait', duration(waitingSince(ticket)));
      wait.dataset.since = ticket.createdAt;
      var waitLine = el('span', 'muted', 'Waiting ');
      waitLine.appendChild(wait);
      item.appendChild(waitLine);
    }
    var button = el('button', '', held ? 'Open' : 'Claim');
    button.type = 'button';
    button.setAttribute('aria-label', (held ? 'Open conversation: ' : 'Claim: ') + describe(ticket));
    button.addEventListener('click', function () {
      if (held) openTicket(ticket.id);
      else claim(ticket.id, button);
    });
    item.appendChild(button);
    return item;
  }

  function renderTickets() {
    var queue = $('queue');
    queue.replaceChildren();
    state.queue.forEach(function (ticket) {
      queue.appendChild(ticketItem(ticket, false));
    });
    $('queue-empty').hidden = state.queue.length > 0;
    var held = $('held');
    held.replaceChildren();
    state.held.forEach(function (ticket) {
      held.appendChild(ticketItem(ticket, true));
    });
    $('held-empty').hidden = state.held.length > 0;
    $('held-title').textContent = state.role === 'supervisor' ? 'Conversations held by agents' : 'Your conversations';
  }

  /** Waiting times tick every second from the server's clock. */
  setInterval(function () {
    var spans = document.querySelectorAll('#queue .wait');
    for (var i = 0; i < spans.length; i += 1) {
      spans[i].textContent = duration((serverNow() - Date.parse(spans[i].dataset.since)) / 1000);
    }
  }, 1000);

  function claim(id, button) {
    button.disabled = true;
    api('POST', '/handoffs/' + encodeURIComponent(id) + '/claim', {})
      .then(function () {
        say('Claimed. The customer is told a person has joined.');
        return openTicket(id);
      })
      .then(function () {
        $('message').focus();
        return loadQueue();
      })
      .catch(function (error) {
        button.disabled = false;
        say(error.status === 409 ? 'Another agent claimed this customer first.' : error.message);
        loadQueue().catch(failed);
      });
  }

  // --- Conversation ------------------------------------------------------------------------------

  function showConversation(detail) {
    $('conversation').hidden = !detail;
    $('conversation-empty').hidden = !!detail;
    $('verification').hidden = !detail;
    if (!detail) return;
    $('transcript').replaceChildren();
    state.shown = new Map();
    detail.transcript.forEach(addLine);
    renderPanel(detail.verification);
    renderMeta();
    $('check-result').textContent = '';
    $('note').value = '';
    setActionsEnabled(detail.ticket.status === 'claimed');
  }

  function openTicket(id) {
    return api('GET', '/handoffs/' + encodeURIComponent(id)).then(function (detail) {
      state.current = detail.ticket;
      state.unread.delete(id);
      showConversation(detail);
      renderTickets();
    });
  }

  function renderMeta() {
    var t = state.current;
    if (!t) return;
    var parts = [describe(t), 'status: ' + t.status];
    if (t.agent) parts.push('agent: ' + t.agent);
    if (t.outcome) parts.push('outcome: ' + (OUTCOMES[t.outcome.verification] || t.outcome.verification));
    $('ticket-meta').textContent = parts.join(' · ');
  }

  function lineKey(line) {
    return line.from + '|' + line.at + '|' + line.text;
  }

  function rememberTyped(ticketId, line, text) {
    if (!state.typed.has(ticketId)) state.typed.set(ticketId, new Map());
    state.typed.get(ticketId).set(lineKey(line), text);
  }

  /** The ticket closed: its typed texts leave memory, and the open conversation shows the kept lines. */
  function forgetTyped(ticketId) {
    state.typed.delete(ticketId);
    if (!state.current || state.current.id !== ticketId) return;
    state.shown.forEach(function (shown) {
      showKept(shown);
    });
  }

  function typedFor(key) {
    var typed = state.current ? state.typed.get(state.current.id) : undefined;
    return typed ? typed.get(key) : undefined;
  }

  /** What the customer typed, marked as such: the agent may compare it; it is not kept. */
  function showTyped(shown, text) {
    shown.text.textContent = text;
    if (shown.note) return;
    shown.item.classList.add('as-typed');
    shown.note = el('span', 'typed-note', 'As typed, live only: the kept transcript masks it.');
    shown.item.appendChild(shown.note);
  }

  function showKept(shown) {
    shown.text.textContent = shown.kept;
    if (!shown.note) return;
    shown.item.classList.remove('as-typed');
    shown.note.remove();
    shown.note = null;
  }

  function addLine(line) {
    var key = lineKey(line);
    var typed = typedFor(key);
    var shown = state.shown.get(key);
    if (shown) {
      // Served (kept) before the live event arrived: show what was typed now.
      if (typed !== undefined) showTyped(shown, typed);
      return;
    }
    var item = el('li', 'from-' + line.from);
    var time = new Date(line.at);
    item.appendChild(el('span', 'who', (SPEAKERS[line.from] || line.from) + ' · ' + time.toLocaleTimeString()));
    // Inert whatever it contains: text, never markup.
    var text = el('span', 'text', line.text);
    item.appendChild(text);
    shown = { item: item, text: text, kept: line.text, note: null };
    state.shown.set(key, shown);
    if (typed !== undefined) showTyped(shown, typed);
    var transcript = $('transcript');
    transcript.appendChild(item);
    transcript.scrollTop = transcript.scrollHeight;
  }

  function sendMessage() {
    var box = $('message');
    var text = box.value;
    if (!state.current || !text.trim()) return;
    box.disabled = true;
    api('POST', '/handoffs/' + encodeURIComponent(state.current.id) + '/messages', { text: text })
      .then(function (answer) {
        box.value = '';
        addLine(answer.line);
        if (!answer.delivered) say('Saved in the transcript, but the customer could not be reached right now.');
      })
      .catch(failed)
      .then(function () {
        box.disabled = false;
        box.focus();
      });
  }

  $('message-form').addEventListener('submit', function (event) {
    event.preventDefault();
    sendMessage();
  });
  $('message').addEventListener('keydown', function (event) {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      sendMessage();
    }
  });

  // --- Verification panel ------------------------------------------------------------------------

  function renderPanel(panel) {
    var claimed = panel.claimedIdentity;
    $('claimed-identity').textContent = claimed ? (KINDS[claimed.kind] || claimed.kind) + ': ' + claimed.masked : 'The customer named no identity.';
    var points = $('data-points');
    points.replaceChildren();
    var past = $('past-verifications');
    past.replaceChildren();
    $('record-none').hidden = !!panel.record;
    $('check-form').hidden = !panel.record;
    if (!panel.record) return;
    panel.record.dataPoints.forEach(function (point) {
      points.appendChild(el('li', '', (KINDS[point.kind] || point.kind) + ': ' + point.masked));
    });
    panel.record.verifications.forEach(function (v) {
      past.appendChild(el('li', '', 'Earlier check ' + new Date(v.at).toLocaleString() + ': ' + (OUTCOMES[v.outcome] || v.outcome) + (v.agent ? ' by ' + v.agent : '')));
    });
  }

  $('check-form').addEventListener('submit', function (event) {
    event.preventDefault();
    var value = $('check-value').value;
    if (!state.current || !value.trim()) return;
    api('POST', '/handoffs/' + encodeURIComponent(state.current.id) + '/identifier-check', { kind: $('check-kind').value, value: value })
      .then(function (answer) {
        $('check-value').value = '';
        $('check-result').textContent = answer.match ? 'Matches the record.' : 'Does not match the record.';
      })
      .catch(function (error) {
        $('check-result').textContent = error.message;
      });
  });

  function setActionsEnabled(enabled) {
    ['mark-verified', 'mark-failed', 'return-to-bot', 'message'].forEach(function (id) {
      $(id).disabled = !enabled;
    });
  }

  function closedHere(ticket) {
    forgetTyped(ticket.id);
    setActionsEnabled(false);
    say('Conversation closed: ' + (ticket.outcome ? OUTCOMES[ticket.outcome.verification] || ticket.outcome.verification : ticket.status) + '. The bot has the customer again.');
  }

  function finish(path, body) {
    if (!state.current) return;
    setActionsEnabled(false);
    api('POST', '/handoffs/' + encodeURIComponent(state.current.id) + path, body)
      .then(function (answer) {
        state.current = answer.ticket;
        renderMeta();
        closedHere(answer.ticket);
        return loadQueue();
      })
      .catch(function (error) {
        setActionsEnabled(true);
        failed(error);
      });
  }

  function outcome(result) {
    var note = $('note').value.trim();
    var body = { outcome: result, method: $('method').value };
    if (note) body.note = note;
    finish('/verification', body);
  }

  $('mark-verified').addEventListener('click', function () {
    outcome('verified');
  });
  $('mark-failed').addEventListener('click', function () {
    outcome('failed');
  });
  $('return-to-bot').addEventListener('click', function () {
    var note = $('note').value.trim();
    finish('/complete', note ? { note: note } : {});
  });

  // --- Start -------------------------------------------------------------------------------------

  api('GET', '/session').then(signedIn, function () {
    showSignIn();
  });
})();
