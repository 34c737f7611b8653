// Starts GraphiQL on the page api/src/http/graphiql.rs serves. Everything it loads comes from
// this server, so the IDE works on a network without internet.
(function () {
  'use strict';
  // GraphiQL's dialogs add <style> elements; the page's Content-Security-Policy admits them by
  // the nonce this script was given, which they read from this global.
  window.__webpack_nonce__ = document.currentScript.nonce;

  // The page is served at the endpoint itself, so it follows a proxy that mounts qcdc elsewhere.
  var endpoint = new URL(window.location.pathname, window.location.origin);
  var socket = new URL(endpoint.href);
  socket.protocol = endpoint.protocol === 'https:' ? 'wss:' : 'ws:';

  // The headers pane's headers go with every POST and, as the `connection_init` payload, with
  // every subscription: `{"Authorization": "Bearer <accessToken>"}` signs in both.
  var fetcher = GraphiQL.createFetcher({ url: endpoint.href, subscriptionUrl: socket.href });

  var defaultQuery = [
    '# Sign in, then put the token in the Headers pane below as',
    '# {"Authorization": "Bearer <accessToken>"}',
    'mutation {',
    '  login(username: "reporter", password: "qcdc-demo") { accessToken expiresAt }',
    '}',
    '',
  ].join('\n');

  ReactDOM.createRoot(document.getElementById('graphiql')).render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: defaultQuery,
      defaultEditorToolsVisibility: 'headers',
    }),
  );
})();
