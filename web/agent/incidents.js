/*
 * The Incidents view: each confirmed breach with the time left per regime, prominently, counted down
 * every minute in words (never colour alone); the Art. 33(3) record with information added in phases;
 * the notification draft (JSON download, or the readable page in a sandboxed frame); notified; the
 * notice to customers per language, published or withdrawn; the affected customers' import.
 */
(function () {
  'use strict';

  var kit = window.PSBConsole;
  var $ = kit.$;
  var el = kit.el;
  var when = kit.when;
  var t = kit.t;
  var word = kit.word;

  /** The Art. 33(3) record's fields and their kind; their names are `incidents.record.fields.<field>`. */
  var RECORD = [
    ['nature', 'text'],
    ['dataCategories', 'text'],
    ['approxSubjects', 'count'],
    ['approxRecords', 'count'],
    ['likelyConsequences', 'text'],
    ['measures', 'text'],
    ['dpoContact', 'text'],
    ['delayReasons', 'text'],
  ];
  function fieldName(field) {
    return word('incidents.record.fields', field);
  }
  /** The notice's parts, in order; their names are `noticeParts.<part>`. */
  var NOTICE_PARTS = ['whatHappened', 'whatData', 'whatWeDo', 'whatYouShouldDo'];
  function partName(part) {
    return t('noticeParts.' + part);
  }
  function regimeName(regime) {
    return word('regimes', regime);
  }
  /** Under a day left on a clock is "soon" (as the server says). */
  var SOON_SECONDS = 24 * 3600;

  var state = {
    /** The incident open (its detail as last answered). */
    incident: null,
    /** The languages the notice form is built for. */
    noticeLanguages: [],
    /** A CSV file chosen for the import: {name, text}. */
    file: null,
  };

  // --- Clocks ------------------------------------------------------------------------------------

  /** "71 h 05 min left", "Overdue by 1 h 00 min". */
  function hoursText(seconds) {
    var s = Math.abs(seconds);
    var vars = { hours: Math.floor(s / 3600), minutes: (Math.floor((s % 3600) / 60) < 10 ? '0' : '') + Math.floor((s % 3600) / 60) };
    return t(seconds < 0 ? 'incidents.clock.overdueBy' : 'incidents.clock.left', vars);
  }

  /** A regime's breach rule in words ("72 hours"); the server's English label for a regime the catalog does not know. */
  function ruleText(clock) {
    return kit.has('incidents.clock.rules.' + clock.regime) ? t('incidents.clock.rules.' + clock.regime) : clock.rule;
  }

  /** The countdown's words for a clock without an instant ("As soon as feasible"). */
  function undatedText(clock) {
    if (kit.has('incidents.clock.undated.' + clock.regime)) return t('incidents.clock.undated.' + clock.regime);
    var rule = ruleText(clock);
    return rule.charAt(0).toUpperCase() + rule.slice(1);
  }

  /** The clock's urgency and words now, from the server's clock: the countdown moves without asking it. */
  function clockNow(clock) {
    if (clock.urgency === 'stopped') return { urgency: 'stopped', text: t('incidents.clock.stopped') };
    if (!clock.dueAt) return { urgency: 'undated', text: undatedText(clock) };
    var left = Math.floor((Date.parse(clock.dueAt) - kit.serverNow()) / 1000);
    return { urgency: left < 0 ? 'overdue' : left < SOON_SECONDS ? 'soon' : 'later', text: hoursText(left) };
  }

  function renderClock(node, clock) {
    var now = clockNow(clock);
    node.className = 'clock urgency-' + now.urgency;
    node.dataset.regime = clock.regime;
    node.dataset.urgency = now.urgency;
    node.replaceChildren();
    node.appendChild(el('span', 'regime', regimeName(clock.regime)));
    node.appendChild(kit.badge(now.urgency, word('incidents.urgency', now.urgency)));
    node.appendChild(el('strong', 'countdown', now.text));
    var basis = kit.has('incidents.clock.basis.' + clock.regime) ? t('incidents.clock.basis.' + clock.regime) : clock.basis;
    var due = clock.dueAt ? t('incidents.clock.due', { date: when(clock.dueAt), rule: ruleText(clock) }) : basis;
    node.appendChild(el('span', 'due', due));
  }

  function clockNode(clock) {
    var node = el('p');
    node.clock = clock;
    renderClock(node, clock);
    return node;
  }

  // Every minute, each countdown on the page says the new time left (and its urgency, in words).
  setInterval(function () {
    var nodes = document.querySelectorAll('#incidents-view .clock');
    for (var i = 0; i < nodes.length; i += 1) if (nodes[i].clock) renderClock(nodes[i], nodes[i].clock);
  }, 60000);

  // --- List --------------------------------------------------------------------------------------

  function loadIncidents() {
    return kit.api('GET', '/incidents').then(function (view) {
      kit.syncClock(view.now);
      renderList(view.incidents);
    });
  }

  function renderList(incidents) {
    var list = $('incidents');
    list.replaceChildren();
    incidents.forEach(function (incident) {
      var item = el('li');
      item.dataset.reference = incident.reference;
      if (state.incident && state.incident.reference === incident.reference) item.classList.add('current');
      var names = { reference: incident.reference, title: incident.title };
      var open = el('button', '', t('incidents.listItem', names));
      open.type = 'button';
      open.setAttribute('aria-label', t('incidents.openLabel', names));
      open.addEventListener('click', function () {
        openIncident(incident.reference).catch(kit.failed);
      });
      item.appendChild(open);
      item.dataset.state = incident.state;
      item.appendChild(el('span', 'muted block', t('incidents.awareSinceState', { date: when(incident.awarenessAt), state: word('incidents.states', incident.state) })));
      incident.clocks.forEach(function (clock) {
        item.appendChild(clockNode(clock));
      });
      list.appendChild(item);
    });
    $('incidents-empty').hidden = incidents.length > 0;
  }

  // --- Detail ------------------------------------------------------------------------------------

  function openIncident(reference) {
    return kit.api('GET', '/incidents/' + encodeURIComponent(reference)).then(function (view) {
      kit.syncClock(view.now);
      showIncident(view.incident);
      $('incident-title').focus();
    });
  }

  function recordValue(record, name) {
    var value = record[name];
    if (value === null || value === undefined || value === '') return t('incidents.record.notKnown');
    return typeof value === 'number' ? kit.number(value) : String(value);
  }

  function buildNoticeForm(languages) {
    if (state.noticeLanguages.join() === languages.join()) return;
    state.noticeLanguages = languages.slice();
    var holder = $('notice-languages');
    holder.replaceChildren();
    languages.forEach(function (code) {
      var set = el('fieldset');
      set.appendChild(el('legend', '', kit.language(code)));
      NOTICE_PARTS.forEach(function (part) {
        var id = 'notice-' + code + '-' + part;
        var label = el('label', '', t('incidents.notice.partInLanguage', { part: partName(part), language: code }));
        label.htmlFor = id;
        var box = el('textarea');
        box.id = id;
        box.rows = 2;
        box.maxLength = 4000;
        // The customers' notice in that language: spell checkers and screen readers read it as such.
        box.lang = code;
        set.appendChild(label);
        set.appendChild(box);
      });
      holder.appendChild(set);
    });
  }

  function noticeState(notice) {
    if (!notice || notice.languages.length === 0) return t('incidents.notice.notWritten');
    var written = t('incidents.notice.writtenIn', { languages: kit.list(notice.languages.map(kit.language)) }) + ' ';
    if (notice.published) return written + t('incidents.notice.published', { date: when(notice.publishedAt) });
    if (notice.withdrawnAt) return written + t('incidents.notice.withdrawn', { date: when(notice.withdrawnAt) });
    return written + t('incidents.notice.notPublished');
  }

  function showIncident(incident) {
    var previous = state.incident;
    state.incident = incident;
    $('incident').hidden = !incident;
    $('incident-empty').hidden = !!incident;
    $('incident-error').textContent = '';
    kit.markCurrent('#incidents li', incident ? incident.reference : null);
    if (!incident) {
      $('incident-title').textContent = t('incidents.detail.title');
      hideDraft();
      return;
    }
    var fresh = !previous || previous.reference !== incident.reference;
    if (fresh) {
      hideDraft();
      state.file = null;
      $('affected-file').value = '';
      $('affected-csv').value = '';
      $('affected-problems').replaceChildren();
      $('phase-reason').value = '';
      RECORD.forEach(function (field) {
        $('phase-' + field[0]).value = '';
      });
    }
    $('incident-title').textContent = t('incidents.detail.titleWithReference', { reference: incident.reference, title: incident.title });

    var clocks = $('incident-clocks');
    clocks.replaceChildren();
    incident.clocks.forEach(function (clock) {
      clocks.appendChild(clockNode(clock));
    });

    var facts = $('incident-facts');
    facts.replaceChildren();
    kit.fact(facts, t('incidents.facts.status'), word('incidents.states', incident.state));
    kit.fact(facts, t('incidents.facts.awareSince'), when(incident.awarenessAt));
    kit.fact(facts, t('incidents.facts.regimes'), kit.list(incident.regimes.map(regimeName)));
    kit.fact(facts, t('incidents.facts.reports'), incident.concernReferences.length > 0 ? kit.list(incident.concernReferences) : t('common.none'));

    var languages = $('draft-language');
    if (languages.options.length !== incident.noticeLanguages.length) {
      languages.replaceChildren();
      incident.noticeLanguages.forEach(function (code) {
        var option = el('option', '', kit.language(code));
        option.value = code;
        languages.appendChild(option);
      });
    }
    draftLinks();
    $('mark-notified').hidden = !incident.actions.markNotified;

    var record = $('record');
    record.replaceChildren();
    RECORD.forEach(function (field) {
      kit.fact(record, fieldName(field[0]), recordValue(incident.record, field[0]));
    });
    $('phase-form').hidden = !incident.actions.addPhase;
    var phases = $('phases');
    phases.replaceChildren();
    incident.phases.forEach(function (phase) {
      var names = phase.fields.map(fieldName);
      phases.appendChild(el('li', '', t('incidents.phase.entry', { seq: phase.seq, date: when(phase.at), actor: phase.actor, fields: kit.list(names) })));
    });
    $('phases-empty').hidden = incident.phases.length > 0;

    buildNoticeForm(incident.noticeLanguages);
    if (fresh) {
      incident.noticeLanguages.forEach(function (code) {
        var text = incident.noticeTexts[code] || {};
        NOTICE_PARTS.forEach(function (part) {
          $('notice-' + code + '-' + part).value = text[part] || '';
        });
      });
    }
    $('notice-state').textContent = noticeState(incident.notice);
    $('notice-form').hidden = !incident.actions.editNotice;
    $('publish-notice').hidden = !incident.actions.publish;
    $('withdraw-notice').hidden = !incident.actions.withdraw;

    $('affected-count').textContent = t('incidents.affected.count', { count: incident.affectedCount });
    $('affected-form').hidden = !incident.actions.importAffected;
  }

  /** The draft's address in the language chosen. */
  function draftUrl(suffix) {
    return kit.API + '/incidents/' + encodeURIComponent(state.incident.reference) + suffix + '?lang=' + encodeURIComponent($('draft-language').value);
  }

  /** Points the download and the frame at the draft in the language chosen; `reload`: the frame shows it again (its content changed). */
  function draftLinks(reload) {
    if (!state.incident) return;
    $('draft-json').href = draftUrl('/draft.json');
    var frame = $('draft');
    var url = draftUrl('/draft');
    if (!frame.hidden && (reload === true || frame.getAttribute('src') !== url)) frame.src = url;
  }

  $('draft-language').addEventListener('change', draftLinks);

  function hideDraft() {
    var frame = $('draft');
    frame.hidden = true;
    frame.removeAttribute('src');
    $('show-draft').textContent = t('incidents.draft.show');
  }

  $('show-draft').addEventListener('click', function () {
    var frame = $('draft');
    if (!frame.hidden) return hideDraft();
    if (!state.incident) return;
    // Served sandboxed with its own strict policy; the frame's empty sandbox adds: no script, no same-origin access.
    frame.src = draftUrl('/draft');
    frame.hidden = false;
    $('show-draft').textContent = t('incidents.draft.hide');
  });

  // --- Actions -----------------------------------------------------------------------------------

  function problem(text, focus) {
    $('incident-error').textContent = text;
    if (focus) $(focus).focus();
  }

  /** POSTs an action on the open incident; shows it as it now is, or the service's refusal. */
  function act(path, body, done, control) {
    if (!state.incident) return Promise.resolve(null);
    var reference = state.incident.reference;
    $('incident-error').textContent = '';
    return kit
      .postFrom(control, '/incidents/' + encodeURIComponent(reference) + path, body)
      .then(function (view) {
        kit.syncClock(view.now);
        showIncident(view.incident);
        kit.say(typeof done === 'function' ? done(view) : done);
        $('incident-title').focus();
        loadIncidents().catch(kit.failed);
        return view;
      })
      .catch(function (error) {
        // A late notification needs the reasons for the delay: the field to fill is in the phase form.
        problem(error.message, error.field === 'delayReasons' ? 'phase-delayReasons' : null);
        return null;
      });
  }

  $('mark-notified').addEventListener('click', function () {
    act('/notified', {}, t('incidents.draft.notified'), $('mark-notified'));
  });

  $('phase-form').addEventListener('submit', function (event) {
    event.preventDefault();
    var fields = {};
    var bad = null;
    RECORD.forEach(function (field) {
      var value = $('phase-' + field[0]).value.trim();
      if (value === '') return;
      if (field[1] === 'count') {
        if (!/^\d+$/.test(value)) bad = bad || field;
        fields[field[0]] = Number(value);
      } else {
        fields[field[0]] = value;
      }
    });
    if (bad) return problem(t('incidents.phase.wholeNumber', { field: fieldName(bad[0]) }), 'phase-' + bad[0]);
    if (Object.keys(fields).length === 0) return problem(t('incidents.phase.needOne'), 'phase-nature');
    var body = { fields: fields };
    var reason = $('phase-reason').value.trim();
    if (reason) body.reason = reason;
    act('/phases', body, t('incidents.phase.done'), $('add-phase')).then(function (view) {
      if (!view) return;
      draftLinks(true);
      RECORD.forEach(function (field) {
        $('phase-' + field[0]).value = '';
      });
      $('phase-reason').value = '';
    });
  });

  $('notice-form').addEventListener('submit', function (event) {
    event.preventDefault();
    var texts = {};
    var missing = null;
    state.noticeLanguages.forEach(function (code) {
      var parts = {};
      var empty = [];
      NOTICE_PARTS.forEach(function (part) {
        parts[part] = $('notice-' + code + '-' + part).value.trim();
        if (!parts[part]) empty.push(part);
      });
      if (empty.length === 0) texts[code] = parts;
      // A language left wholly blank is not sent; one half-written is.
      else if (empty.length < NOTICE_PARTS.length && !missing) missing = { code: code, part: empty[0] };
    });
    if (missing) return problem(t('incidents.notice.allOrNone', { part: partName(missing.part), language: kit.languageName(missing.code) }), 'notice-' + missing.code + '-' + missing.part);
    if (Object.keys(texts).length === 0) return problem(t('incidents.notice.needOne'), 'notice-' + state.noticeLanguages[0] + '-whatHappened');
    act('/notice', { texts: texts }, t('incidents.notice.saved'), $('save-notice'));
  });

  $('publish-notice').addEventListener('click', function () {
    act('/notice/publish', {}, t('incidents.notice.publishedDone'), $('publish-notice'));
  });
  $('withdraw-notice').addEventListener('click', function () {
    act('/notice/withdraw', {}, t('incidents.notice.withdrawnDone'), $('withdraw-notice'));
  });

  $('affected-file').addEventListener('change', function () {
    var file = $('affected-file').files[0];
    state.file = null;
    if (!file) return;
    file.text().then(function (text) {
      state.file = { name: file.name, text: text };
      kit.say(t('incidents.affected.fileRead', { name: file.name }));
    }, kit.failed);
  });

  function showProblems(problems) {
    var list = $('affected-problems');
    list.replaceChildren();
    problems.forEach(function (p) {
      var reasons = p.reasons.join('; ');
      list.appendChild(el('li', '', p.row !== undefined ? t('incidents.affected.line', { row: p.row, reasons: reasons }) : t('incidents.affected.fileProblem', { reasons: reasons })));
    });
  }

  $('affected-form').addEventListener('submit', function (event) {
    event.preventDefault();
    if (!state.incident) return;
    var csv = state.file ? state.file.text : $('affected-csv').value;
    showProblems([]);
    if (!csv.trim()) return problem(t('incidents.affected.needInput'), 'affected-csv');
    var reference = state.incident.reference;
    $('import-affected').disabled = true;
    kit
      .api('POST', '/incidents/' + encodeURIComponent(reference) + '/affected', state.file ? { csv: csv, fileName: state.file.name } : { csv: csv })
      .then(function (view) {
        kit.syncClock(view.now);
        showIncident(view.incident);
        $('affected-csv').value = '';
        $('affected-file').value = '';
        state.file = null;
        kit.say(t('incidents.affected.done', { imported: kit.number(view.imported), already: kit.number(view.alreadyAffected) }));
      })
      .catch(function (error) {
        problem(error.problems.length ? t('incidents.affected.nothingImported') : error.message);
        showProblems(error.problems);
      })
      .then(function () {
        $('import-affected').disabled = false;
      });
  });

  kit.registerView('incidents', {
    section: 'incidents-view',
    button: 'view-incidents',
    heading: 'incidents-title',
    load: loadIncidents,
    reset: function () {
      showIncident(null);
      state.noticeLanguages = [];
    },
  });

  /** For the Concerns view: a confirmation's answer opens here, its countdown on screen. */
  kit.incidents = {
    show: function (view) {
      return kit.showView('incidents').then(function () {
        kit.syncClock(view.now);
        showIncident(view.incident);
        kit.markCurrent('#incidents li', view.incident.reference);
        $('incident-title').focus();
      });
    },
  };
})();
