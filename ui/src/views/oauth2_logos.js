// The OAuth2 providers Bastion knows (bastion/auth/oauth2/provider_presets*.py; a unit test keeps
// the two lists equal) and a badge for each: the provider's initial on its brand colour, drawn
// here as SVG, so nothing is fetched and nothing needs an inline style.
import { svg } from '../dom.js';

// name: [display name, badge text, background, text colour]
export const PROVIDERS = {
  google: ['Google', 'G', '#4285f4', '#fff'],
  github: ['GitHub', 'G', '#24292f', '#fff'],
  gitlab: ['GitLab', 'G', '#fc6d26', '#fff'],
  microsoft: ['Microsoft', 'M', '#00a4ef', '#fff'],
  discord: ['Discord', 'D', '#5865f2', '#fff'],
  apple: ['Apple', 'A', '#000', '#fff'],
  facebook: ['Facebook', 'f', '#0866ff', '#fff'],
  twitter: ['X/Twitter', 'X', '#000', '#fff'],
  spotify: ['Spotify', 'S', '#1db954', '#fff'],
  twitch: ['Twitch', 'T', '#9146ff', '#fff'],
  gitea: ['Gitea/Forgejo', 'G', '#609926', '#fff'],
  patreon: ['Patreon', 'P', '#ff424d', '#fff'],
  strava: ['Strava', 'S', '#fc4c02', '#fff'],
  yandex: ['Yandex', 'Y', '#fc3f1d', '#fff'],
  kakao: ['Kakao', 'K', '#ffcd00', '#191919'],
  instagram2: ['Instagram', 'I', '#e4405f', '#fff'],
  box: ['Box', 'b', '#0061d5', '#fff'],
  oidc: ['OpenID Connect', 'ID', '#f78c40', '#fff'],
  oidc2: ['OpenID Connect (2)', 'ID2', '#f78c40', '#fff'],
  oidc3: ['OpenID Connect (3)', 'ID3', '#f78c40', '#fff'],
};

export const providerLabel = (name) => PROVIDERS[name]?.[0] || name;

// A rounded square with the provider's initial; `label` names it for screen readers (the
// surrounding text usually names the provider already, so by default it is decorative).
export function providerLogo(name, { size = 28, label } = {}) {
  const [, text, bg, ink] = PROVIDERS[name] || [name, (name[0] || '?').toUpperCase(), '#566173', '#fff'];
  const font = text.length > 2 ? 9 : text.length > 1 ? 11 : 15;
  return svg('svg', { class: 'provider-logo', viewBox: '0 0 28 28', width: size, height: size, 'data-provider': name,
    role: label ? 'img' : null, 'aria-label': label || null, 'aria-hidden': label ? null : 'true' },
  svg('rect', { width: 28, height: 28, rx: 7, fill: bg }),
  svg('text', { x: 14, y: 14, 'text-anchor': 'middle', 'dominant-baseline': 'central', fill: ink,
    'font-size': font, 'font-weight': 700, 'font-family': 'system-ui, sans-serif' }, text));
}
