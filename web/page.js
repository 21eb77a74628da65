/*
 * The Web Chat page: asks our own server for a Direct Line token, then renders Bot Framework Web Chat
 * (served by us from the botframework-webchat package) against our own Direct Line endpoint. Nothing here
 * talks to any other host. Plain ES2019 for the browser: no build step.
 *
 * Global Privacy Control: when the browser sends the signal (navigator.globalPrivacyControl, or the page
 * request carried `Sec-GPC: 1`, which the server writes into <html data-gpc="1">), every activity the page
 * sends carries `channelData.gpc = true`, so the bot has the signal in every turn; the token request says
 * so too, and the conversation's opening `conversationUpdate` (the welcome turn) carries the same flag.
 *
 * Signed-in Web Chat: a company site that frames this page as `…/?signin=1` hands it the customer's
 * sign-in assertion by postMessage. The page first tells its parent it is ready
 * (`{ type: 'psb:ready' }`, which carries nothing), then waits for `{ type: 'psb:signin', assertion }`
 * from its parent window at one of the origins allowed to frame it (`data-embedders`, from
 * DIRECT_LINE_CORS_ORIGINS; or its own origin), and sends the assertion with the token request.
 * `assertion: null` starts an anonymous chat. A refused assertion is reported to the parent as
 * `{ type: 'psb:signin-failed', code }` (e.g. PSB_WEBCHAT_ASSERTION_EXPIRED: send a fresh one by
 * reloading the frame). The assertion never goes into the URL, storage or any log.
 */
(function () {
  'use strict';

  var status = document.getElementById('chat-status');
  var container = document.getElementById('webchat');
  var gpc = navigator.globalPrivacyControl === true || document.documentElement.getAttribute('data-gpc') === '1';
  var locale = navigator.language || document.documentElement.lang || 'en';
  var framedForSignIn = window.parent !== window && new URLSearchParams(location.search).get('signin') === '1';

  /** Relative to the page, so the bot can also be published under a path of the company's own site. */
  function pageUrl(relative) {
    return new URL(relative, document.baseURI).href;
  }

  function showFailure() {
    status.hidden = false;
    status.textContent = status.getAttribute('data-failed');
  }

  /** Adds the GPC signal to everything the customer sends (messages, button clicks, events). */
  function gpcMiddleware() {
    return function (next) {
      return function (action) {
        if (gpc && action.type === 'DIRECT_LINE/POST_ACTIVITY' && action.payload && action.payload.activity) {
          var activity = action.payload.activity;
          var channelData = Object.assign({}, activity.channelData, { gpc: true });
          action = Object.assign({}, action, {
            payload: Object.assign({}, action.payload, { activity: Object.assign({}, activity, { channelData: channelData }) })
          });
        }
        return next(action);
      };
    };
  }

  /** An origin may hand us an assertion when it may frame us: listed exactly, under a `https://*.` wildcard, or our own. */
  function embedderAllowed(origin) {
    if (origin === location.origin) return true;
    var allowed = (document.documentElement.getAttribute('data-embedders') || '').split(' ');
    return allowed.some(function (source) {
      if (source === origin) return true;
      if (source.indexOf('https://*.') !== 0 || origin.indexOf('https://') !== 0) return false;
      // CSP's https://*.example.com: any subdomain, default port only.
      var host = origin.slice('https://'.length);
      var suffix = source.slice('https://*'.length);
      return host.indexOf(':') === -1 && host.length > suffix.length && host.slice(-suffix.length) === suffix;
    });
  }

  /** Resolves with the parent's message `{ assertion, origin }` once an allowed parent sends one. */
  function waitForAssertion() {
    return new Promise(function (resolve) {
      function onMessage(event) {
        var data = event.data;
        if (event.source !== window.parent || !embedderAllowed(event.origin)) return;
        if (!data || data.type !== 'psb:signin') return;
        window.removeEventListener('message', onMessage);
        resolve({ assertion: typeof data.assertion === 'string' ? data.assertion : null, origin: event.origin });
      }
      window.addEventListener('message', onMessage);
      // Says nothing but "ready", so any parent may hear it; the answer is checked above.
      window.parent.postMessage({ type: 'psb:ready' }, '*');
    });
  }

  function requestToken(assertion) {
    var body = gpc ? { locale: locale, gpc: true } : { locale: locale };
    if (assertion) body.assertion = assertion;
    return fetch(pageUrl('webchat/token'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store'
    }).then(function (response) {
      if (response.ok) return response.json();
      return response.json().then(
        function (answer) {
          var error = new Error('token request failed with HTTP ' + response.status);
          error.code = answer && answer.error && answer.error.code;
          throw error;
        },
        function () {
          throw new Error('token request failed with HTTP ' + response.status);
        }
      );
    });
  }

  /** A signed-in start: the parent's assertion, then the token; a refusal is told to the parent. */
  function signedInStart() {
    return waitForAssertion().then(function (signIn) {
      return requestToken(signIn.assertion).catch(function (error) {
        window.parent.postMessage({ type: 'psb:signin-failed', code: error.code || 'PSB_INTERNAL' }, signIn.origin);
        throw error;
      });
    });
  }

  function start(grant) {
    var WebChat = window.WebChat;
    var directLine = WebChat.createDirectLine({
      token: grant.token,
      domain: pageUrl('v3/directline'),
      webSocket: true
    });
    WebChat.renderWebChat(
      {
        directLine: directLine,
        store: WebChat.createStore({}, gpcMiddleware),
        locale: locale,
        nonce: document.documentElement.getAttribute('data-style-nonce') || undefined,
        styleOptions: {
          // The bot reads text only: no attachment button.
          hideUploadButton: true,
          // The send box's edge at 4.5:1 on white (Web Chat's own #E6E6E6 is 1.2:1; WCAG 1.4.11 asks 3:1).
          sendBoxBorderTop: 'solid 1px #767676',
          suggestedActionLayout: 'flow'
        }
      },
      container
    );
    status.hidden = true;
    status.textContent = '';
  }

  if (!window.WebChat) {
    showFailure();
    return;
  }
  (framedForSignIn ? signedInStart() : requestToken(null)).then(start, showFailure);
})();
