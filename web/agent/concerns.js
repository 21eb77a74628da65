/*
 * The Concerns view: reports and suspected breaches, new ones first, breach suspects marked in words
 * and colour. Opening one shows the customer's words (the server audits each look); the team confirms
 * a breach (awareness now, or earlier with a reason), dismisses with a reason, merges into an incident
 * or replies to the customer. Customer text is set with textContent only.
 */
(function () {
  'use strict';

  var kit = window.PSBConsole;
  var $ = kit.$;
  var el = kit.el;
  var when = kit.when;

  var TOPICS = { breach: 'A suspected breach of their data', use: 'How we use their data', answer: 'An answer they got from us', other: 'Something else' };
  var STATES = { reported: 'new', confirmed_breach: 'confirmed as a breach', dismissed: 'dismissed', merged: 'merged into an incident', answered: 'answered' };
  var WEBHOOK = { delivered: 'delivered', pending: 'not yet delivered (retrying)', not_configured: 'not configured' };
  var EMAIL = { sent: 'sent', pending: 'not yet sent (retrying)', not_configured: 'not configured' };

  var state = {
    /** The concern open (its detail as last answered, with the customer's words). */
    concern: null,
    /** The awareness field's value when the concern opened ("now"): a different one needs a reason. */
    awarenessDefault: '',
  };

  function loadConcerns() {
    var query = $('concerns-closed').checked ? '?includeClosed=1' : '';
    return kit.api('GET', '/concerns' + query).then(function (view) {
      kit.syncClock(view.now);
      renderList(view.concerns);
    });
  }

  function stateText(concern) {
    return STATES[concern.state] || concern.state;
  }

  function dpoText(alert) {
    if (!alert) return 'none (not a suspected breach)';
    return 'webhook ' + (WEBHOOK[alert.webhook] || alert.webhook) + ' · email ' + (EMAIL[alert.email] || alert.email);
  }

  function row(concern) {
    var tr = el('tr', concern.suspectedBreach ? 'suspect' : '');
    tr.dataset.reference = concern.reference;
    if (state.concern && state.concern.reference === concern.reference) tr.classList.add('current');
    var open = el('button', '', concern.reference);
    open.type = 'button';
    open.setAttribute('aria-label', 'Open concern ' + concern.reference);
    open.addEventListener('click', function () {
      openConcern(concern.reference).catch(kit.failed);
    });
    var first = el('td');
    first.appendChild(open);
    tr.appendChild(first);
    tr.appendChild(el('td', '', when(concern.reportedAt)));
    var about = el('td');
    if (concern.suspectedBreach) about.appendChild(kit.badge('suspect', 'Suspected breach'));
    about.appendChild(el('span', 'block', TOPICS[concern.topic] || concern.topic));
    tr.appendChild(about);
    var status = el('td');
    if (concern.isNew) status.appendChild(kit.badge('new', 'New'));
    else status.appendChild(el('span', '', stateText(concern)));
    tr.appendChild(status);
    tr.appendChild(el('td', '', concern.dpoAlert ? dpoText(concern.dpoAlert) : '—'));
    return tr;
  }

  function renderList(concerns) {
    var body = $('concerns');
    body.replaceChildren();
    concerns.forEach(function (concern) {
      body.appendChild(row(concern));
    });
    $('concerns-empty').hidden = concerns.length > 0;
    $('concerns-table').hidden = concerns.length === 0;
  }

  $('concerns-filter').addEventListener('submit', function (event) {
    event.preventDefault();
    loadConcerns().catch(kit.failed);
  });

  /** The page's local time as a datetime-local value (minutes). */
  function localInputValue(date) {
    var shifted = new Date(date.getTime() - date.getTimezoneOffset() * 60000);
    return shifted.toISOString().slice(0, 16);
  }

  /** The open incidents, for "into incident" and "merge into". */
  function loadIncidentChoices() {
    return kit.api('GET', '/incidents').then(function (view) {
      ['confirm-incident', 'merge-incident'].forEach(function (id) {
        var select = $(id);
        var keep = select.value;
        while (select.options.length > (id === 'confirm-incident' ? 1 : 0)) select.remove(select.options.length - 1);
        view.incidents
          .filter(function (incident) {
            return incident.state !== 'closed';
          })
          .forEach(function (incident) {
            var option = el('option', '', incident.reference + ' — ' + incident.title);
            option.value = incident.reference;
            select.appendChild(option);
          });
        select.value = keep;
        if (select.selectedIndex < 0) select.selectedIndex = 0;
      });
      $('merge-block').hidden = $('merge-incident').options.length === 0;
      $('merge-none').hidden = $('merge-incident').options.length > 0;
    });
  }

  function openConcern(reference) {
    return kit.api('GET', '/concerns/' + encodeURIComponent(reference)).then(function (view) {
      showConcern(view.concern, true);
      $('concern-title').focus();
      return loadIncidentChoices().catch(kit.failed);
    });
  }

  function occurredText(occurred) {
    if (!occurred) return 'not said';
    var words = '“' + occurred.phrase + '”';
    return occurred.at ? when(occurred.at) + ' — the customer said ' + words : 'not understood — the customer said ' + words;
  }

  /** Shows a concern; `opened`: a fresh detail with the customer's words (an action's answer keeps those shown). */
  function showConcern(concern, opened) {
    var previous = state.concern;
    if (concern && !opened && previous && previous.reference === concern.reference) {
      concern.description = previous.description;
      concern.contact = previous.contact;
    }
    state.concern = concern;
    $('concern').hidden = !concern;
    $('concern-empty').hidden = !!concern;
    $('concern-error').textContent = '';
    kit.markCurrent('#concerns tr', concern ? concern.reference : null);
    if (!concern) {
      $('concern-title').textContent = 'Concern';
      return;
    }
    if (!previous || previous.reference !== concern.reference) {
      state.awarenessDefault = localInputValue(new Date(kit.serverNow()));
      $('awareness-at').value = state.awarenessDefault;
      ['awareness-reason', 'confirm-title', 'dismiss-reason', 'merge-reason', 'reply-text'].forEach(function (id) {
        $(id).value = '';
      });
    }
    $('concern-title').textContent = 'Concern ' + concern.reference;

    var facts = $('concern-facts');
    facts.replaceChildren();
    var status = el('span', '', stateText(concern));
    if (concern.suspectedBreach) {
      status = el('span');
      status.appendChild(kit.badge('suspect', 'Suspected breach'));
      status.appendChild(document.createTextNode(' ' + stateText(concern)));
    }
    kit.fact(facts, 'Status', status);
    kit.fact(facts, 'About', TOPICS[concern.topic] || concern.topic);
    kit.fact(facts, 'Reported', when(concern.reportedAt));
    kit.fact(facts, 'When it happened', occurredText(concern.occurred));
    var data = concern.dataCategories.join(', ');
    if (concern.dataPhrase) data += (data ? ' — ' : '') + 'the customer said “' + concern.dataPhrase + '”';
    kit.fact(facts, 'Which data', data || 'not said');
    kit.fact(facts, 'Reported through', [concern.channel ? 'via ' + concern.channel : '', kit.language(concern.locale), concern.timeZone].filter(Boolean).join(' · '));
    kit.fact(facts, 'Customer', concern.identified ? 'said who they are (in the ledger)' : 'did not say who they are');
    if (concern.contact) kit.fact(facts, 'Contact for the reply', concern.contact);
    kit.fact(facts, 'DPO alert', dpoText(concern.dpoAlert));
    if (concern.awarenessAt) kit.fact(facts, 'Aware since', when(concern.awarenessAt));
    if (concern.incidentReference) kit.fact(facts, 'Incident', concern.incidentReference);
    $('concern-description').textContent = concern.description || '';

    var actions = concern.actions;
    $('confirm-form').hidden = !actions.confirm;
    $('dismiss-form').hidden = !actions.dismiss;
    $('merge-form').hidden = !actions.merge;
    $('reply-form').hidden = !actions.reply;
    $('triaged-note').hidden = actions.confirm || actions.dismiss || actions.merge;

    var history = $('concern-history');
    history.replaceChildren();
    concern.history.forEach(function (event) {
      var item = el('li', '', when(event.at) + ': ' + (STATES[event.state] || event.state) + ' by ' + event.actor);
      if (event.reason) item.appendChild(el('span', 'reason', event.reason));
      history.appendChild(item);
    });
  }

  function problem(text, focus) {
    $('concern-error').textContent = text;
    if (focus) $(focus).focus();
  }

  /** POSTs an action on the open concern; shows its answer, or the service's refusal. */
  function act(path, body, control) {
    var reference = state.concern.reference;
    $('concern-error').textContent = '';
    return kit
      .postFrom(control, '/concerns/' + encodeURIComponent(reference) + path, body)
      .catch(function (error) {
        problem(error.message, error.field === 'awarenessAt' ? 'awareness-at' : null);
        return null;
      });
  }

  function afterChange(answer, done) {
    if (!answer) return;
    showConcern(answer.concern, false);
    kit.say(done);
    $('concern-title').focus();
    loadConcerns().catch(kit.failed);
  }

  $('confirm-form').addEventListener('submit', function (event) {
    event.preventDefault();
    if (!state.concern) return;
    var body = {};
    var at = $('awareness-at').value;
    if (!at) return problem('Enter when you became aware (now, or earlier).', 'awareness-at');
    if (at !== state.awarenessDefault) {
      var reason = $('awareness-reason').value.trim();
      if (!reason) return problem('Say why you became aware earlier than now: it is kept with the incident.', 'awareness-reason');
      body.awarenessAt = new Date(at).toISOString();
      body.awarenessReason = reason;
    }
    var into = $('confirm-incident').value;
    if (into) body.incidentReference = into;
    var title = $('confirm-title').value.trim();
    if (!into && title) body.title = title;
    act('/confirm', body, $('confirm')).then(function (answer) {
      if (!answer) return;
      kit.say('Confirmed as a breach: the clock to the authority is running.');
      loadConcerns().catch(kit.failed);
      kit.incidents.show(answer);
    });
  });

  $('dismiss-form').addEventListener('submit', function (event) {
    event.preventDefault();
    if (!state.concern) return;
    var reason = $('dismiss-reason').value.trim();
    if (!reason) return problem('Enter a reason: it is kept in the audit log.', 'dismiss-reason');
    act('/dismiss', { reason: reason }, $('dismiss')).then(function (answer) {
      afterChange(answer, 'Dismissed.');
    });
  });

  $('merge-form').addEventListener('submit', function (event) {
    event.preventDefault();
    if (!state.concern) return;
    var into = $('merge-incident').value;
    if (!into) return problem('Choose the incident.', 'merge-incident');
    var body = { incidentReference: into };
    var reason = $('merge-reason').value.trim();
    if (reason) body.reason = reason;
    act('/merge', body, $('merge')).then(function (answer) {
      afterChange(answer, 'Merged into incident ' + into + '.');
    });
  });

  $('reply-form').addEventListener('submit', function (event) {
    event.preventDefault();
    if (!state.concern) return;
    var text = $('reply-text').value.trim();
    if (!text) return problem('Write the reply first.', 'reply-text');
    act('/reply', { text: text }, $('send-reply')).then(function (answer) {
      if (answer) $('reply-text').value = '';
      afterChange(answer, 'Reply sent: the customer gets it in their chat or at their contact.');
    });
  });

  kit.registerView('concerns', {
    section: 'concerns-view',
    button: 'view-concerns',
    heading: 'concerns-title',
    load: loadConcerns,
    reset: function () {
      showConcern(null);
    },
  });
})();
