/*
 * The agent console. Plain DOM, no framework, no markup from data: every text that comes from the
 * server (and so, ultimately, from a customer) is set with textContent, and the page's CSP requires
 * Trusted Types, so an HTML sink would be refused by the browser anyway.
 */
(function () {
  'use strict';

  var kit = window.PSBConsole;
  var API = kit.API;
  var $ = kit.$;
  var el = kit.el;
  var say = kit.say;
  var failed = kit.failed;
  var api = kit.api;
  var language = kit.language;
  var duration = kit.duration;
  var serverNow = kit.serverNow;
  var when = kit.when;
  var timeLeft = kit.timeLeft;
  var fact = kit.fact;

  var t = kit.t;
  var word = kit.word;

  /** A verification outcome in words ("not verified"). */
  function outcomeText(code) {
    return word('handoffs.outcomes', code);
  }

  var state = {
    username: '',
    role: '',
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
    /** The console's parts this session may open ('handoffs', 'requests', 'concerns', 'incidents'), from the server. */
    views: [],
    /** The part shown. */
    view: '',
    /** The access request open in the Requests view (its detail as last answered). */
    request: null,
    /** Tickets this page claimed: their `claimed` events are this agent's own, not news to announce. */
    claiming: new Set(),
  };

  // --- Signing in and out ---------------------------------------------------------------------

  function showSignIn() {
    Object.keys(kit.views).forEach(function (name) {
      $(kit.views[name].section).hidden = true;
    });
    $('views').hidden = true;
    $('who').hidden = true;
    $('sign-in').hidden = false;
    $('password').value = '';
    $('username').focus();
  }

  function signedIn(session) {
    kit.csrf = session.csrfToken;
    state.username = session.username;
    state.role = session.role;
    $('who-name').textContent = session.username;
    $('who-role').textContent = word('roles', session.role);
    $('who-role').dataset.role = session.role;
    kit.compose($('who-line'), 'session.signedInAs', { name: $('who-name'), role: $('who-role') });
    state.views = (session.views || ['handoffs']).filter(function (name) {
      return kit.views[name] !== undefined;
    });
    $('who').hidden = false;
    $('sign-in').hidden = true;
    $('views').hidden = state.views.length < 2;
    Object.keys(kit.views).forEach(function (name) {
      $(kit.views[name].button).hidden = state.views.indexOf(name) < 0;
    });
    if (state.views.indexOf('handoffs') >= 0) openEvents();
    return showView(state.views[0] || 'handoffs');
  }

  /** Shows one part of the console (and loads it), focusing its heading. */
  function showView(view) {
    state.view = view;
    Object.keys(kit.views).forEach(function (name) {
      var part = kit.views[name];
      $(part.section).hidden = name !== view;
      $(part.button).setAttribute('aria-pressed', String(name === view));
    });
    return kit.views[view].load().then(function () {
      $(kit.views[view].heading).focus();
    });
  }
  kit.showView = showView;

  Array.prototype.forEach.call(document.querySelectorAll('#views button[data-view]'), function (button) {
    button.addEventListener('click', function () {
      showView(button.dataset.view).catch(failed);
    });
  });

  function signedOut(message) {
    if (state.events) state.events.close();
    state.events = null;
    kit.csrf = '';
    state.current = null;
    state.typed = new Map();
    state.views = [];
    Object.keys(kit.views).forEach(function (name) {
      kit.views[name].reset();
    });
    showSignIn();
    if (message) say(message);
  }

  $('sign-in-form').addEventListener('submit', function (event) {
    event.preventDefault();
    $('sign-in-error').textContent = '';
    var username = $('username').value.trim();
    var password = $('password').value;
    if (!username || !password) {
      $('sign-in-error').textContent = t('session.enterBoth');
      return;
    }
    api('POST', '/login', { username: username, password: password })
      .then(function (session) {
        say('');
        return signedIn(session);
      })
      .catch(function (error) {
        $('password').value = '';
        $('sign-in-error').textContent = error.status === 401 ? t('session.wrong') : error.message;
        $('password').focus();
      });
  });

  $('sign-out').addEventListener('click', function () {
    api('POST', '/logout', {})
      .catch(function () {
        return null;
      })
      .then(function () {
        signedOut(t('session.signedOut'));
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
      var waiting = findTicket(state.queue, change.ticketId);
      loadQueue()
        .then(function () {
          announceQueueChange(change, waiting);
        })
        .catch(failed);
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
        if (data.line.from === 'customer') kit.announce(t('handoffs.announceCustomerMessage', { text: typeof data.liveText === 'string' ? data.liveText : data.line.text }));
      } else if (data.line.from === 'customer') {
        state.unread.add(data.ticketId);
        renderTickets();
        kit.announce(t('handoffs.newCustomerMessage'));
      }
    });
    source.addEventListener('signed-out', function () {
      signedOut(t('session.wasSignedOut'));
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
      kit.syncClock(view.now);
      state.queue = view.queue;
      state.held = view.held;
      renderTickets();
    });
  }

  function findTicket(tickets, id) {
    for (var i = 0; i < tickets.length; i += 1) if (tickets[i].id === id) return tickets[i];
    return null;
  }

  /**
   * Says what changed in the queue without the agent's doing: a customer started waiting, or one
   * this agent could see waiting was taken by someone else (`waiting`: the ticket as it waited).
   */
  function announceQueueChange(change, waiting) {
    if (change.change === 'queued') {
      var queued = findTicket(state.queue, change.ticketId);
      if (queued) kit.announce(t('handoffs.announceWaiting', { ticket: describe(queued) }));
    } else if (change.change === 'claimed' && waiting && !state.claiming.has(change.ticketId)) {
      kit.announce(t('handoffs.announceTakenByOther', { ticket: describe(waiting) }));
    }
  }

  /** "Identity check · Italian (it) · Waiting to see their consents · via the website chat": every code in words. */
  function describe(ticket) {
    var parts = [word('handoffs.reasons', ticket.reason), language(ticket.locale)];
    if (ticket.pendingAction) parts.push(word('handoffs.pendingActions', ticket.pendingAction));
    if (ticket.channelId) parts.push(kit.via(ticket.channelId));
    return parts.join(' · ');
  }

  /** The codes behind the words, for scripts and tests: the page shows only the words. */
  function markCodes(node, ticket) {
    node.dataset.reason = ticket.reason;
    node.dataset.locale = ticket.locale;
    node.dataset.channel = ticket.channelId;
    if (ticket.pendingAction) node.dataset.pendingAction = ticket.pendingAction;
    if (ticket.status) node.dataset.status = ticket.status;
  }

  function waitingSince(ticket) {
    return (serverNow() - Date.parse(ticket.createdAt)) / 1000;
  }

  function ticketItem(ticket, held) {
    var item = el('li');
    item.dataset.ticket = ticket.id;
    markCodes(item, ticket);
    if (state.current && state.current.id === ticket.id) item.className = 'current';
    if (ticket.priority === 'incident') {
      // Handoffs about an incident come first (the server orders them); said in words, not colour only.
      item.classList.add('priority-incident');
      item.appendChild(kit.badge('incident', t('handoffs.incidentPriority')));
    }
    var title = el('span', 'describe', describe(ticket));
    item.appendChild(title);
    if (held) {
      var who = ticket.agent && ticket.agent !== state.username ? t('handoffs.heldBy', { agent: ticket.agent }) : t('handoffs.yours');
      item.appendChild(el('span', 'muted', who));
      if (state.unread.has(ticket.id)) item.appendChild(el('span', 'unread', t('handoffs.newMessage')));
    } else {
      var wait = el('span', 'wait', duration(waitingSince(ticket)));
      wait.dataset.since = ticket.createdAt;
      item.appendChild(kit.compose(el('span', 'muted'), 'handoffs.waitingFor', { time: wait }));
    }
    var button = el('button', '', held ? t('handoffs.open') : t('handoffs.claim'));
    button.type = 'button';
    button.setAttribute('aria-label', t(held ? 'handoffs.openLabel' : 'handoffs.claimLabel', { ticket: describe(ticket) }));
    button.addEventListener('click', function () {
      if (held) openTicket(ticket.id);
      else claim(ticket.id, button);
    });
    item.appendChild(button);
    return item;
  }

  /** The ticket whose button has focus, if one has: which list, which ticket, at which place. */
  function focusedTicket() {
    var active = document.activeElement;
    var item = active && active.tagName === 'BUTTON' ? active.closest('#queue li, #held li') : null;
    if (!item) return null;
    return { list: item.parentNode.id, id: item.dataset.ticket, index: Array.prototype.indexOf.call(item.parentNode.children, item) };
  }

  /**
   * After a redraw, focus goes back to the same ticket's button (in either list); when that ticket
   * left, to the one that took its place in its list, else the list's heading — never to the page.
   */
  function restoreTicketFocus(was) {
    if (!was) return;
    var same = document.querySelector('#queue li[data-ticket="' + CSS.escape(was.id) + '"] button, #held li[data-ticket="' + CSS.escape(was.id) + '"] button');
    if (same && !same.disabled) {
      same.focus();
      return;
    }
    var items = $(was.list).children;
    var near = items.length ? items[Math.min(was.index, items.length - 1)].querySelector('button') : null;
    if (near && !near.disabled) near.focus();
    else $('queue-title').focus();
  }

  function renderTickets() {
    var was = focusedTicket();
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
    $('held-title').textContent = t(state.role === 'supervisor' ? 'handoffs.heldByAgents' : 'handoffs.heldTitle');
    restoreTicketFocus(was);
  }

  /** Waiting times tick every second from the server's clock. */
  setInterval(function () {
    var spans = document.querySelectorAll('#queue .wait');
    for (var i = 0; i < spans.length; i += 1) {
      spans[i].textContent = duration((serverNow() - Date.parse(spans[i].dataset.since)) / 1000);
    }
  }, 1000);

  function claim(id, button) {
    // Not disabled while the claim runs: a disabled button loses focus to the page. A second press is ignored instead.
    if (state.claiming.has(id)) return;
    state.claiming.add(id);
    button.setAttribute('aria-disabled', 'true');
    api('POST', '/handoffs/' + encodeURIComponent(id) + '/claim', {})
      .then(function () {
        say(t('handoffs.claimed'));
        return openTicket(id);
      })
      .then(function () {
        $('message').focus();
        return loadQueue();
      })
      .catch(function (error) {
        state.claiming.delete(id);
        button.removeAttribute('aria-disabled');
        say(error.status === 409 ? t('handoffs.claimedByOther') : error.message);
        loadQueue().catch(failed);
      });
  }

  // --- Conversation ------------------------------------------------------------------------------

  function showConversation(detail) {
    $('conversation').hidden = !detail;
    $('conversation-empty').hidden = !!detail;
    $('verification').hidden = !detail;
    // No panel for a role without the ledger's data about the customer (surge): the server sends none.
    $('verification-card').hidden = !detail || detail.verification === null;
    if (!detail) return;
    $('transcript').replaceChildren();
    state.shown = new Map();
    detail.transcript.forEach(addLine);
    if (detail.verification) renderPanel(detail.verification);
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
    var ticket = state.current;
    if (!ticket) return;
    var parts = [describe(ticket), kit.t('handoffs.meta.status', { status: word('handoffs.statuses', ticket.status) })];
    if (ticket.agent) parts.push(kit.t('handoffs.meta.agent', { agent: ticket.agent }));
    if (ticket.outcome) parts.push(kit.t('handoffs.meta.outcome', { outcome: outcomeText(ticket.outcome.verification) }));
    $('ticket-meta').textContent = parts.join(' · ');
    markCodes($('ticket-meta'), ticket);
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
    shown.note = el('span', 'typed-note', t('handoffs.conversation.typedNote'));
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
    item.appendChild(el('span', 'who', word('handoffs.speakers', line.from) + ' · ' + kit.clockTime(line.at)));
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
        if (!answer.delivered) say(t('handoffs.conversation.notDelivered'));
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
    $('claimed-identity').textContent = claimed ? t('handoffs.verification.identity', { kind: word('handoffs.identifierKinds', claimed.kind), masked: claimed.masked }) : t('handoffs.verification.noIdentity');
    var points = $('data-points');
    points.replaceChildren();
    var past = $('past-verifications');
    past.replaceChildren();
    $('record-none').hidden = !!panel.record;
    $('check-form').hidden = !panel.record;
    if (!panel.record) return;
    panel.record.dataPoints.forEach(function (point) {
      points.appendChild(el('li', '', t('handoffs.verification.identity', { kind: word('handoffs.identifierKinds', point.kind), masked: point.masked })));
    });
    panel.record.verifications.forEach(function (v) {
      var vars = { at: when(v.at), outcome: outcomeText(v.outcome), agent: v.agent };
      past.appendChild(el('li', '', t(v.agent ? 'handoffs.verification.earlierCheckBy' : 'handoffs.verification.earlierCheck', vars)));
    });
  }

  $('check-form').addEventListener('submit', function (event) {
    event.preventDefault();
    var value = $('check-value').value;
    if (!state.current || !value.trim()) return;
    api('POST', '/handoffs/' + encodeURIComponent(state.current.id) + '/identifier-check', { kind: $('check-kind').value, value: value })
      .then(function (answer) {
        $('check-value').value = '';
        $('check-result').textContent = t(answer.match ? 'handoffs.verification.matches' : 'handoffs.verification.noMatch');
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
    closeActions();
    var how = ticket.outcome ? outcomeText(ticket.outcome.verification) : word('handoffs.statuses', ticket.status);
    say(t('handoffs.conversation.closed', { outcome: how }));
  }

  /**
   * Disables the open conversation's actions; when focus was on one of them (or in the message box),
   * it moves to the queue's heading — the next thing an agent does — rather than dropping to the page.
   * Answers the element that had focus.
   */
  function closeActions() {
    var active = document.activeElement;
    var inside = active && ($('conversation').contains(active) || $('verification-card').contains(active));
    setActionsEnabled(false);
    if (inside && (active.disabled || document.activeElement !== active)) $('queue-title').focus();
    return active;
  }

  function finish(path, body) {
    if (!state.current) return;
    var from = closeActions();
    api('POST', '/handoffs/' + encodeURIComponent(state.current.id) + path, body)
      .then(function (answer) {
        state.current = answer.ticket;
        renderMeta();
        closedHere(answer.ticket);
        return loadQueue();
      })
      .catch(function (error) {
        setActionsEnabled(true);
        if (from && document.activeElement === $('queue-title')) from.focus();
        failed(error);
      });
  }

  function outcome(result) {
    var note = $('note').value.trim();
    var body = { outcome: result, method: document.querySelector('input[name="method"]:checked').value };
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

  // --- Access requests ---------------------------------------------------------------------------

  /** A case's status in words ("awaiting review"). */
  function caseStatus(code) {
    return word('requests.statuses', code);
  }

  function sourceStatus(code) {
    return word('requests.sourceStatuses', code);
  }

  function badge(urgency) {
    var node = el('span', 'badge ' + urgency, word('requests.urgency', urgency));
    node.dataset.urgency = urgency;
    return node;
  }

  function sourceText(source) {
    var vars = { source: source.sourceId, status: sourceStatus(source.status) };
    if (!(source.attempts > 0 && source.status !== 'done')) return t('requests.source', vars);
    vars.attempts = t('requests.attempts', { count: source.attempts });
    if (!source.lastError) return t('requests.sourceTried', vars);
    vars.error = source.lastError;
    return t('requests.sourceFailing', vars);
  }

  function copyText(copy) {
    if (!copy) return t('requests.copy.notAssembled');
    if (copy.deleted) return t('requests.copy.deleted');
    var parts = [kit.size(copy.sizeBytes), t(copy.released ? 'requests.copy.released' : 'requests.copy.notReleased')];
    parts.push(t('requests.copy.downloads', { count: copy.maxDownloads, downloads: kit.number(copy.downloads) }));
    return parts.join(' · ');
  }

  function dueText(request) {
    return request.extended ? t('requests.dueExtended', { date: when(request.effectiveDueAt) }) : when(request.effectiveDueAt);
  }

  function requestsQuery() {
    var params = [];
    var days = $('due-within').value.trim();
    if (days) params.push('dueWithinDays=' + encodeURIComponent(days));
    if ($('include-closed').checked) params.push('includeClosed=1');
    return params.length ? '?' + params.join('&') : '';
  }

  function loadRequests() {
    return api('GET', '/requests' + requestsQuery()).then(function (view) {
      kit.syncClock(view.now);
      renderRequests(view.requests);
    });
  }

  function requestRow(request) {
    var row = el('tr', 'urgency-' + request.urgency);
    row.dataset.reference = request.reference;
    if (state.request && state.request.reference === request.reference) row.classList.add('current');
    var open = el('button', '', request.reference);
    open.type = 'button';
    open.setAttribute('aria-label', t('requests.openLabel', { reference: request.reference }));
    open.addEventListener('click', function () {
      openRequest(request.reference).catch(failed);
    });
    var first = el('td');
    first.appendChild(open);
    row.appendChild(first);
    row.appendChild(el('td', '', when(request.receivedAt)));
    var status = el('td', '', caseStatus(request.status));
    status.dataset.status = request.status;
    row.appendChild(status);
    row.appendChild(el('td', '', dueText(request)));
    var left = el('td', 'num');
    left.appendChild(badge(request.urgency));
    left.appendChild(el('span', 'left', timeLeft(request.timeLeftSeconds)));
    row.appendChild(left);
    var sources = el('td');
    var list = el('ul', 'sources-cell');
    request.sources.forEach(function (source) {
      list.appendChild(el('li', '', sourceText(source)));
    });
    sources.appendChild(list);
    row.appendChild(sources);
    row.appendChild(el('td', '', copyText(request.copy)));
    return row;
  }

  function renderRequests(requests) {
    var body = $('requests');
    body.replaceChildren();
    requests.forEach(function (request) {
      body.appendChild(requestRow(request));
    });
    $('requests-empty').hidden = requests.length > 0;
    $('requests-table').hidden = requests.length === 0;
  }

  $('requests-filter').addEventListener('submit', function (event) {
    event.preventDefault();
    loadRequests().catch(failed);
  });

  function openRequest(reference) {
    return api('GET', '/requests/' + encodeURIComponent(reference)).then(function (view) {
      showRequest(view.request);
      $('request-title').focus();
    });
  }

  function showRequest(request) {
    var previous = state.request;
    state.request = request;
    $('request').hidden = !request;
    $('request-empty').hidden = !!request;
    $('request-error').textContent = '';
    var rows = document.querySelectorAll('#requests tr');
    for (var i = 0; i < rows.length; i += 1) rows[i].classList.toggle('current', !!request && rows[i].dataset.reference === request.reference);
    if (!request) {
      $('request-title').textContent = t('requests.detail.title');
      hidePreview();
      return;
    }
    if (!previous || previous.reference !== request.reference) {
      hidePreview();
      $('extend-reason').value = '';
      $('refuse-reason').value = '';
    }
    $('request-title').textContent = t('requests.detail.titleWithReference', { reference: request.reference });

    var facts = $('request-facts');
    facts.replaceChildren();
    fact(facts, t('requests.facts.status'), caseStatus(request.status));
    fact(facts, t('requests.facts.regime'), word('regimes', request.regime));
    fact(facts, t('requests.facts.received'), when(request.receivedAt));
    if (request.acknowledgeBy) fact(facts, t('requests.facts.acknowledgeBy'), when(request.acknowledgeBy));
    fact(facts, t('requests.facts.due'), when(request.dueAt));
    if (request.extended) {
      var extendedTo = when(request.extendedDueAt);
      fact(facts, t('requests.facts.extendedTo'), request.extensionReason ? t('requests.facts.extendedToWithReason', { date: extendedTo, reason: request.extensionReason }) : extendedTo);
    }
    var left = el('span');
    left.appendChild(badge(request.urgency));
    left.appendChild(document.createTextNode(' ' + timeLeft(request.timeLeftSeconds)));
    fact(facts, t('requests.facts.timeLeft'), left);
    fact(facts, t('requests.facts.dataAsked'), request.categories ? kit.list(request.categories) : t('requests.facts.everything'));
    fact(facts, t('requests.facts.asked'), [request.channel ? kit.via(request.channel) : '', language(request.locale), request.timeZone].filter(Boolean).join(' · '));
    if (request.blockedReason) fact(facts, t(request.status === 'rejected' ? 'requests.facts.refusedBecause' : 'requests.facts.blockedBecause'), request.blockedReason);

    var sources = $('request-sources');
    sources.replaceChildren();
    request.sources.forEach(function (source) {
      var row = el('tr');
      row.appendChild(el('th', '', source.sourceId));
      row.firstChild.scope = 'row';
      var status = el('td', '', sourceStatus(source.status));
      status.dataset.status = source.status;
      row.appendChild(status);
      row.appendChild(el('td', 'num', kit.number(source.attempts)));
      row.appendChild(el('td', 'num', source.recordCount === null ? '—' : kit.number(source.recordCount)));
      row.appendChild(el('td', '', source.lastError || '—'));
      var action = el('td');
      if (request.actions.rerun.indexOf(source.sourceId) >= 0) {
        var button = el('button', '', t('requests.detail.rerun'));
        button.type = 'button';
        button.setAttribute('aria-label', t('requests.detail.rerunLabel', { source: source.sourceId }));
        button.addEventListener('click', function () {
          act('/sources/' + encodeURIComponent(source.sourceId) + '/rerun', {}, t('requests.done.rerun', { source: source.sourceId }), button);
        });
        action.appendChild(button);
      }
      row.appendChild(action);
      sources.appendChild(row);
    });

    var copy = request.copy;
    var copyLine = copyText(copy);
    if (copy && !copy.deleted) {
      copyLine += ' · ' + t('requests.copy.created', { date: when(copy.createdAt) }) + ' · ' + t('requests.copy.expires', { date: when(copy.expiresAt) });
      if (copy.releasedAt) copyLine += ' · ' + t('requests.copy.releasedOn', { date: when(copy.releasedAt) });
    }
    $('request-copy').textContent = copyLine;
    $('show-preview').hidden = !request.actions.preview;

    $('release-block').hidden = !request.actions.release;
    var extend = request.actions.extend;
    $('extend').disabled = !extend.allowed;
    $('extend-reason').disabled = !extend.allowed;
    $('extend-hint').textContent = extend.allowed
      ? t('requests.detail.extendUpTo', { date: when(request.maxExtendedDueAt) })
      : kit.has('requests.extensionBars.' + extend.bar)
        ? t('requests.extensionBars.' + extend.bar)
        : t('requests.detail.extendNotPossible');
    $('refuse').disabled = !request.actions.refuse;
    $('refuse-reason').disabled = !request.actions.refuse;

    var history = $('request-history');
    history.replaceChildren();
    request.history.forEach(function (event) {
      var item = el('li', '', kit.historyEntry(event.at, caseStatus(event.status), event.actor));
      if (event.reason) item.appendChild(el('span', 'reason', event.reason));
      history.appendChild(item);
    });
  }

  function hidePreview() {
    var frame = $('preview');
    frame.hidden = true;
    frame.removeAttribute('src');
    $('show-preview').textContent = t('requests.detail.showReport');
  }

  $('show-preview').addEventListener('click', function () {
    var frame = $('preview');
    if (!frame.hidden) {
      hidePreview();
      return;
    }
    if (!state.request) return;
    // Served sandboxed with its own strict policy; the frame's empty sandbox adds: no script, no same-origin access.
    frame.src = API + '/requests/' + encodeURIComponent(state.request.reference) + '/preview';
    frame.hidden = false;
    $('show-preview').textContent = t('requests.detail.hideReport');
  });

  /** POSTs an action on the open request; shows the case as it now is, or the service's refusal. */
  function act(path, body, done, control) {
    if (!state.request) return;
    var reference = state.request.reference;
    $('request-error').textContent = '';
    if (control) control.disabled = true;
    api('POST', '/requests/' + encodeURIComponent(reference) + path, body)
      .then(function (view) {
        showRequest(view.request);
        say(done);
        $('request-title').focus();
        return loadRequests();
      })
      .catch(function (error) {
        if (control) control.disabled = false;
        $('request-error').textContent = error.message;
      });
  }

  $('release').addEventListener('click', function () {
    act('/release', {}, t('requests.done.released'), $('release'));
  });

  function reasonFrom(box) {
    var reason = box.value.trim();
    if (!reason) {
      $('request-error').textContent = t('requests.reasonNeeded');
      box.focus();
    }
    return reason;
  }

  $('extend-form').addEventListener('submit', function (event) {
    event.preventDefault();
    var reason = reasonFrom($('extend-reason'));
    if (reason) act('/extend', { reason: reason }, t('requests.done.extended'), $('extend'));
  });

  $('refuse-form').addEventListener('submit', function (event) {
    event.preventDefault();
    var reason = reasonFrom($('refuse-reason'));
    if (reason) act('/refuse', { reason: reason }, t('requests.done.refused'), $('refuse'));
  });

  // --- The published incident notice (customers view) ------------------------------------------

  /** The notice's parts, in order; their names are `noticeParts.<part>`. */
  var NOTICE_PARTS = ['whatHappened', 'whatData', 'whatWeDo', 'whatYouShouldDo'];
  var notice = null;

  /** The notice the bot answers from, for whoever talks to customers; hidden when none is published (or none is served). */
  function loadNotice() {
    return api('GET', '/notice').then(
      function (answer) {
        notice = answer.notice;
        renderNotice();
      },
      function () {
        notice = null;
        renderNotice();
      },
    );
  }

  function renderNotice() {
    $('notice-card').hidden = !notice;
    if (!notice) return;
    var select = $('notice-language');
    var languages = Object.keys(notice.texts);
    var chosen = languages.indexOf(select.value) >= 0 ? select.value : state.current && languages.indexOf(state.current.locale) >= 0 ? state.current.locale : languages[0];
    select.replaceChildren();
    languages.forEach(function (code) {
      var option = el('option', '', language(code));
      option.value = code;
      select.appendChild(option);
    });
    select.value = chosen;
    $('notice-reference').textContent = t('handoffs.notice.intro', { reference: notice.incidentReference });
    var parts = $('notice-parts');
    parts.replaceChildren();
    var text = notice.texts[chosen] || {};
    NOTICE_PARTS.forEach(function (part) {
      fact(parts, t('noticeParts.' + part), text[part] || '—');
    });
  }

  $('notice-language').addEventListener('change', renderNotice);

  // A notice published or withdrawn meanwhile shows within a minute.
  setInterval(function () {
    if (kit.csrf && state.view === 'handoffs') loadNotice();
  }, 60000);

  // --- Start -------------------------------------------------------------------------------------

  kit.onSessionEnded = signedOut;
  kit.registerView('handoffs', {
    section: 'console',
    button: 'view-handoffs',
    heading: 'queue-title',
    load: function () {
      return Promise.all([loadQueue(), loadNotice()]);
    },
    reset: function () {
      notice = null;
      renderNotice();
      showConversation(null);
    },
  });
  kit.registerView('requests', {
    section: 'requests-view',
    button: 'view-requests',
    heading: 'requests-title',
    load: loadRequests,
    reset: function () {
      state.request = null;
      showRequest(null);
    },
  });

  // The other views' scripts (loaded after this one) register themselves first.
  document.addEventListener('DOMContentLoaded', function () {
    api('GET', '/session').then(signedIn, function () {
      showSignIn();
    });
  });
})();
