// The API reference page (/api/docs): Swagger UI over the live /api/openapi.json.
// The document depends on who asks (a superuser sees every collection, anyone else only those
// whose rules may admit them): when the dashboard holds a superuser session in this browser, the
// document is fetched with its token. "Try it out" requests are sent without it: a reader
// authorizes them on purpose with the Authorize button, so a request never bypasses the
// collection rules by surprise.
const SESSION_KEY = 'bastion.admin.auth'; // as ui/src/session.js keeps it

function superuserToken() {
  try { return JSON.parse(localStorage.getItem(SESSION_KEY))?.token || ''; } catch { return ''; }
}

function start() {
  const token = superuserToken();
  const scope = document.getElementById('docs-scope');
  scope.textContent = token
    ? 'Showing every route and collection (signed in to the dashboard as a superuser).'
    : 'Showing the routes and the collections a guest may reach; sign in to the dashboard to see everything.';
  scope.hidden = false;
  window.SwaggerUIBundle({
    url: '/api/openapi.json',
    dom_id: '#docs',
    deepLinking: true,
    tryItOutEnabled: false,
    defaultModelsExpandDepth: 0,
    // Swagger UI would otherwise ask validator.swagger.io to check the document: no outside calls.
    validatorUrl: null,
    requestInterceptor(request) {
      if (request.loadSpec && token) request.headers.Authorization = token;
      return request;
    },
    onComplete() { document.getElementById('docs').removeAttribute('aria-busy'); },
  });
}

// The bundle is a deferred classic script: it has run by the time this module does, but wait for
// it explicitly rather than rely on ordering.
if (window.SwaggerUIBundle) start();
else window.addEventListener('DOMContentLoaded', start, { once: true });
