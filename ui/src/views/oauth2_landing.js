// Where the OAuth2 popup lands after /api/oauth2-redirect: the app that opened it already has its
// answer over realtime, so this page only says how it went and closes itself when it can.
import { brand, closeButton, outcome, publicCard } from './public_page.js';

function render(root, ok) {
  const card = publicCard(root, brand());
  const lines = ok
    ? ['Signed in. You can close this window and return to the app.']
    : ['The sign-in did not complete. Close this window and try again from the app.'];
  outcome(card, ok, lines, closeButton());
  // A window the app opened may close itself; browsers ignore this for any other window.
  if (ok) setTimeout(() => window.close(), 300);
}

export const renderOAuth2Success = (root) => render(root, true);
export const renderOAuth2Failure = (root) => render(root, false);
