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
  var t = kit.t;
  var word = kit.word;

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
    return word('concerns.states', concern.state);
  }

  function topicText(concern) {
    return word('concerns.topics', concern.topic);
  }

  function dpoText(alert) {
    if (!alert) return t('concerns.dpo.none');
    return t('concerns.dpo.alert', { webhook: word('concerns.dpo.webhook', alert.webhook), email: word('concerns.dpo.email', alert.email) });
  }

  function row(concern) {
    var tr = el('tr', concern.suspectedBreach ? 'suspect' : '');
    tr.dataset.reference = concern.reference;
    tr.dataset.topic = concern.topic;
    tr.dataset.state = concern.state;
    if (state.concern && state.concern.reference === concern.reference) tr.classList.add('current');
    var open = el('button', '', concern.reference);
    open.type = 'button';
    open.setAttribute('aria-label', t('concerns.openLabel', { reference: concern.reference }));
    open.addEventListener('click', function () {
      openConcern(concern.reference).catch(kit.failed);
    });
    var first = el('td');
    first.appendChild(open);
    tr.appendChild(first);
    tr.appendChild(el('td', '', when(concern.reportedAt)));
    var about = el('td');
    if (concern.suspectedBreach) about.appendChild(kit.badge('suspect', t('concerns.suspectedBreach')));
    about.appendChild(el('span', 'block', topicText(concern)));
    tr.appendChild(about);
    var status = el('td');
    if (concern.isNew) status.appendChild(kit.badge('new', t('concerns.new')));
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
            var option = el('option', '', t('concerns.incidentChoice', { reference: incident.reference, title: incident.title }));
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
    if (!occurred) return t('concerns.occurred.notSaid');
    return occurred.at ? t('concerns.occurred.at', { date: when(occurred.at), words: occurred.phrase }) : t('concerns.occurred.notUnderstood', { words: occurred.phrase });
  }

  /** The data concerned: the categories recognised and the customer's own words, either or both. */
  function dataText(concern) {
    var categories = concern.dataCategories.length > 0 ? kit.list(concern.dataCategories) : '';
    var words = concern.dataPhrase ? t('concerns.data.customerSaid', { words: concern.dataPhrase }) : '';
    if (categories && words) return t('concerns.data.withWords', { categories: categories, words: words });
    return categories || words || t('concerns.data.notSaid');
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
      $('concern-title').textContent = t('concerns.detail.title');
      return;
    }
    if (!previous || previous.reference !== concern.reference) {
      state.awarenessDefault = localInputValue(new Date(kit.serverNow()));
      $('awareness-at').value = state.awarenessDefault;
      ['awareness-reason', 'confirm-title', 'dismiss-reason', 'merge-reason', 'reply-text'].forEach(function (id) {
        $(id).value = '';
      });
    }
    $('concern-title').textContent = t('concerns.detail.titleWithReference', { reference: concern.reference });

    var facts = $('concern-facts');
    facts.replaceChildren();
    var status = el('span', '', stateText(concern));
    if (concern.suspectedBreach) {
      status = el('span');
      status.appendChild(kit.badge('suspect', t('concerns.suspectedBreach')));
      status.appendChild(document.createTextNode(' ' + stateText(concern)));
    }
    status.dataset.state = concern.state;
    kit.fact(facts, t('concerns.facts.status'), status);
    kit.fact(facts, t('concerns.facts.about'), topicText(concern));
    kit.fact(facts, t('concerns.facts.reported'), when(concern.reportedAt));
    kit.fact(facts, t('concerns.facts.whenHappened'), occurredText(concern.occurred));
    kit.fact(facts, t('concerns.facts.whichData'), dataText(concern));
    kit.fact(facts, t('concerns.facts.reportedThrough'), [concern.channel ? kit.via(concern.channel) : '', kit.language(concern.locale), concern.timeZone].filter(Boolean).join(' · '));
    kit.fact(facts, t('concerns.facts.customer'), t(concern.identified ? 'concerns.identified' : 'concerns.anonymous'));
    if (concern.contact) kit.fact(facts, t('concerns.facts.contact'), concern.contact);
    kit.fact(facts, t('concerns.facts.dpoAlert'), dpoText(concern.dpoAlert));
    if (concern.awarenessAt) kit.fact(facts, t('concerns.facts.awareSince'), when(concern.awarenessAt));
    if (concern.incidentReference) kit.fact(facts, t('concerns.facts.incident'), concern.incidentReference);
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
      var item = el('li', '', kit.historyEntry(event.at, word('concerns.states', event.state), event.actor));
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
    if (!at) return problem(t('concerns.confirm.needTime'), 'awareness-at');
    if (at !== state.awarenessDefault) {
      var reason = $('awareness-reason').value.trim();
      if (!reason) return problem(t('concerns.confirm.needReason'), 'awareness-reason');
      body.awarenessAt = new Date(at).toISOString();
      body.awarenessReason = reason;
    }
    var into = $('confirm-incident').value;
    if (into) body.incidentReference = into;
    var title = $('confirm-title').value.trim();
    if (!into && title) body.title = title;
    act('/confirm', body, $('confirm')).then(function (answer) {
      if (!answer) return;
      kit.say(t('concerns.confirm.done'));
      loadConcerns().catch(kit.failed);
      kit.incidents.show(answer);
    });
  });

  $('dismiss-form').addEventListener('submit', function (event) {
    event.preventDefault();
    if (!state.concern) return;
    var reason = $('dismiss-reason').value.trim();
    if (!reason) return problem(t('concerns.dismiss.needReason'), 'dismiss-reason');
    act('/dismiss', { reason: reason }, $('dismiss')).then(function (answer) {
      afterChange(answer, t('concerns.dismiss.done'));
    });
  });

  $('merge-form').addEventListener('submit', function (event) {
    event.preventDefault();
    if (!state.concern) return;
    var into = $('merge-incident').value;
    if (!into) return problem(t('concerns.merge.needIncident'), 'merge-incident');
    var body = { incidentReference: into };
    var reason = $('merge-reason').value.trim();
    if (reason) body.reason = reason;
    act('/merge', body, $('merge')).then(function (answer) {
      afterChange(answer, t('concerns.merge.done', { reference: into }));
    });
  });

  $('reply-form').addEventListener('submit', function (event) {
    event.preventDefault();
    if (!state.concern) return;
    var text = $('reply-text').value.trim();
    if (!text) return problem(t('concerns.reply.needText'), 'reply-text');
    act('/reply', { text: text }, $('send-reply')).then(function (answer) {
      if (answer) $('reply-text').value = '';
      afterChange(answer, t('concerns.reply.done'));
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
