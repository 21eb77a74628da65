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

  var REGIMES = { gdpr: 'GDPR', 'uk-gdpr': 'UK GDPR', lgpd: 'LGPD', pipeda: 'PIPEDA', ccpa: 'CCPA' };
  var URGENCY = { overdue: 'Overdue', soon: 'Under 24 hours left', later: 'Running', undated: 'No fixed deadline', stopped: 'Authority notified' };
  var STATES = { open: 'open: the authority is not notified yet', notified: 'the authority is notified', closed: 'closed' };
  var RECORD = [
    ['nature', 'Nature of the breach', 'text'],
    ['dataCategories', 'Categories of data', 'text'],
    ['approxSubjects', 'People concerned (approximately)', 'count'],
    ['approxRecords', 'Records concerned (approximately)', 'count'],
    ['likelyConsequences', 'Likely consequences', 'text'],
    ['measures', 'Measures taken or proposed', 'text'],
    ['dpoContact', 'DPO or contact point', 'text'],
    ['delayReasons', 'Reasons for any delay', 'text'],
  ];
  var RECORD_LABELS = {};
  RECORD.forEach(function (field) {
    RECORD_LABELS[field[0]] = field[1];
  });
  var NOTICE_PARTS = [
    ['whatHappened', 'What happened'],
    ['whatData', 'What data'],
    ['whatWeDo', 'What we are doing'],
    ['whatYouShouldDo', 'What customers should do'],
  ];
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
    var h = Math.floor(s / 3600);
    var m = Math.floor((s % 3600) / 60);
    var text = h + ' h ' + (m < 10 ? '0' : '') + m + ' min';
    return seconds < 0 ? 'Overdue by ' + text : text + ' left';
  }

  /** The clock's urgency and words now, from the server's clock: the countdown moves without asking it. */
  function clockNow(clock) {
    if (clock.urgency === 'stopped') return { urgency: 'stopped', text: 'Clock stopped' };
    if (!clock.dueAt) return { urgency: 'undated', text: clock.rule.charAt(0).toUpperCase() + clock.rule.slice(1) };
    var left = Math.floor((Date.parse(clock.dueAt) - kit.serverNow()) / 1000);
    return { urgency: left < 0 ? 'overdue' : left < SOON_SECONDS ? 'soon' : 'later', text: hoursText(left) };
  }

  function renderClock(node, clock) {
    var now = clockNow(clock);
    node.className = 'clock urgency-' + now.urgency;
    node.replaceChildren();
    node.appendChild(el('span', 'regime', REGIMES[clock.regime] || clock.regime));
    node.appendChild(kit.badge(now.urgency, URGENCY[now.urgency]));
    node.appendChild(el('strong', 'countdown', now.text));
    var due = clock.dueAt ? 'due ' + when(clock.dueAt) + ' · ' + clock.rule + ' from awareness' : clock.basis;
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
      var open = el('button', '', incident.reference + ' — ' + incident.title);
      open.type = 'button';
      open.setAttribute('aria-label', 'Open incident ' + incident.reference + ' — ' + incident.title);
      open.addEventListener('click', function () {
        openIncident(incident.reference).catch(kit.failed);
      });
      item.appendChild(open);
      item.appendChild(el('span', 'muted block', 'Aware since ' + when(incident.awarenessAt) + ' · ' + (STATES[incident.state] || incident.state)));
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
    if (value === null || value === undefined || value === '') return 'not yet known';
    return String(value);
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
        var id = 'notice-' + code + '-' + part[0];
        var label = el('label', '', part[1] + ' (' + code + ')');
        label.htmlFor = id;
        var box = el('textarea');
        box.id = id;
        box.rows = 2;
        box.maxLength = 4000;
        set.appendChild(label);
        set.appendChild(box);
      });
      holder.appendChild(set);
    });
  }

  function noticeState(notice) {
    if (!notice || notice.languages.length === 0) return 'Not written yet.';
    var written = 'Written in ' + notice.languages.map(kit.language).join(', ') + '. ';
    if (notice.published) return written + 'Published since ' + when(notice.publishedAt) + ': the bot answers from it first.';
    if (notice.withdrawnAt) return written + 'Withdrawn ' + when(notice.withdrawnAt) + '.';
    return written + 'Not published.';
  }

  function showIncident(incident) {
    var previous = state.incident;
    state.incident = incident;
    $('incident').hidden = !incident;
    $('incident-empty').hidden = !!incident;
    $('incident-error').textContent = '';
    kit.markCurrent('#incidents li', incident ? incident.reference : null);
    if (!incident) {
      $('incident-title').textContent = 'Incident';
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
    $('incident-title').textContent = 'Incident ' + incident.reference + ': ' + incident.title;

    var clocks = $('incident-clocks');
    clocks.replaceChildren();
    incident.clocks.forEach(function (clock) {
      clocks.appendChild(clockNode(clock));
    });

    var facts = $('incident-facts');
    facts.replaceChildren();
    kit.fact(facts, 'Status', STATES[incident.state] || incident.state);
    kit.fact(facts, 'Aware since', when(incident.awarenessAt));
    kit.fact(facts, 'Regimes', incident.regimes.map(function (r) {
      return REGIMES[r] || r;
    }).join(', '));
    kit.fact(facts, 'Reports', incident.concernReferences.join(', ') || 'none');

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
      kit.fact(record, field[1], recordValue(incident.record, field[0]));
    });
    $('phase-form').hidden = !incident.actions.addPhase;
    var phases = $('phases');
    phases.replaceChildren();
    incident.phases.forEach(function (phase) {
      var names = phase.fields.map(function (name) {
        return RECORD_LABELS[name] || name;
      });
      phases.appendChild(el('li', '', 'Phase ' + phase.seq + ', ' + when(phase.at) + ' by ' + phase.actor + ': ' + names.join(', ')));
    });
    $('phases-empty').hidden = incident.phases.length > 0;

    buildNoticeForm(incident.noticeLanguages);
    if (fresh) {
      incident.noticeLanguages.forEach(function (code) {
        var text = incident.noticeTexts[code] || {};
        NOTICE_PARTS.forEach(function (part) {
          $('notice-' + code + '-' + part[0]).value = text[part[0]] || '';
        });
      });
    }
    $('notice-state').textContent = noticeState(incident.notice);
    $('notice-form').hidden = !incident.actions.editNotice;
    $('publish-notice').hidden = !incident.actions.publish;
    $('withdraw-notice').hidden = !incident.actions.withdraw;

    $('affected-count').textContent = incident.affectedCount === 1 ? '1 customer is listed as affected.' : incident.affectedCount + ' customers are listed as affected.';
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
    $('show-draft').textContent = 'Show the draft';
  }

  $('show-draft').addEventListener('click', function () {
    var frame = $('draft');
    if (!frame.hidden) return hideDraft();
    if (!state.incident) return;
    // Served sandboxed with its own strict policy; the frame's empty sandbox adds: no script, no same-origin access.
    frame.src = draftUrl('/draft');
    frame.hidden = false;
    $('show-draft').textContent = 'Hide the draft';
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
    act('/notified', {}, 'Marked notified: the clocks have stopped.', $('mark-notified'));
  });

  $('phase-form').addEventListener('submit', function (event) {
    event.preventDefault();
    var fields = {};
    var bad = null;
    RECORD.forEach(function (field) {
      var value = $('phase-' + field[0]).value.trim();
      if (value === '') return;
      if (field[2] === 'count') {
        if (!/^\d+$/.test(value)) bad = bad || field;
        fields[field[0]] = Number(value);
      } else {
        fields[field[0]] = value;
      }
    });
    if (bad) return problem(bad[1] + ': enter a whole number.', 'phase-' + bad[0]);
    if (Object.keys(fields).length === 0) return problem('Fill in at least one field: each phase adds what is known now.', 'phase-nature');
    var body = { fields: fields };
    var reason = $('phase-reason').value.trim();
    if (reason) body.reason = reason;
    act('/phases', body, 'Information added as a new phase.', $('add-phase')).then(function (view) {
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
        parts[part[0]] = $('notice-' + code + '-' + part[0]).value.trim();
        if (!parts[part[0]]) empty.push(part);
      });
      if (empty.length === 0) texts[code] = parts;
      // A language left wholly blank is not sent; one half-written is.
      else if (empty.length < NOTICE_PARTS.length && !missing) missing = { code: code, part: empty[0] };
    });
    if (missing) return problem(missing.part[1] + ' (' + missing.code + '): a language needs all four parts, or none.', 'notice-' + missing.code + '-' + missing.part[0]);
    if (Object.keys(texts).length === 0) return problem('Write the notice in at least one language.', 'notice-' + state.noticeLanguages[0] + '-whatHappened');
    act('/notice', { texts: texts }, 'Notice saved.', $('save-notice'));
  });

  $('publish-notice').addEventListener('click', function () {
    act('/notice/publish', {}, 'Published: the bot answers questions about the incident from it.', $('publish-notice'));
  });
  $('withdraw-notice').addEventListener('click', function () {
    act('/notice/withdraw', {}, 'Withdrawn: the bot no longer answers from it.', $('withdraw-notice'));
  });

  $('affected-file').addEventListener('change', function () {
    var file = $('affected-file').files[0];
    state.file = null;
    if (!file) return;
    file.text().then(function (text) {
      state.file = { name: file.name, text: text };
      kit.say('File ' + file.name + ' read: import it with the button.');
    }, kit.failed);
  });

  function showProblems(problems) {
    var list = $('affected-problems');
    list.replaceChildren();
    problems.forEach(function (p) {
      list.appendChild(el('li', '', (p.row !== undefined ? 'Line ' + p.row : 'The file') + ': ' + p.reasons.join('; ')));
    });
  }

  $('affected-form').addEventListener('submit', function (event) {
    event.preventDefault();
    if (!state.incident) return;
    var csv = state.file ? state.file.text : $('affected-csv').value;
    showProblems([]);
    if (!csv.trim()) return problem('Paste the identifiers or choose a CSV file.', 'affected-csv');
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
        kit.say(view.imported + ' imported, ' + view.alreadyAffected + ' already listed. Each is sent the notice once.');
      })
      .catch(function (error) {
        problem(error.problems.length ? 'Nothing was imported: the lines below name no customer we know.' : error.message);
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
