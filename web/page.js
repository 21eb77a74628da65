/*
 * The Web Chat page: asks our own server for a Direct Line token, then renders Bot Framework Web Chat
 * (served by us from the botframework-webchat package) against our own Direct Line endpoint. Nothing here
 * talks to any other host. Plain ES2019 for the browser: no build step.
 *
 * Global Privacy Control: when the browser sends the signal (navigator.globalPrivacyControl, or the page
 * request carried `Sec-GPC: 1`, which the server writes into <html data-gpc="1">), every activity the page
 * sends carries `channelData.gpc = true`, so the bot has the signal in every turn; the token request says
 * so too, and the conversation's opening `conversationUpdate` (the welcome turn) carries the same flag.
 */
(function () {
  'use strict';

  var status = document.getElementById('chat-status');
  var container = document.getElementById('webchat');
  var gpc = navigator.globalPrivacyControl === true || document.documentElement.getAttribute('data-gpc') === '1';
  var locale = navigator.language || document.documentElement.lang || 'en';

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

  function requestToken() {
    return fetch(pageUrl('webchat/token'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(gpc ? { locale: locale, gpc: true } : { locale: locale }),
      credentials: 'same-origin',
      cache: 'no-store'
    }).then(function (response) {
      if (!response.ok) throw new Error('token request failed with HTTP ' + response.status);
      return response.json();
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
  requestToken().then(start, showFailure);
})();
