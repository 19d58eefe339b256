// Collections, loaded once after sign-in and reloaded after every schema change; views read them here.
import { api } from './api.js';

const listeners = new Set();
export const store = { collections: [], loaded: false };

export async function loadCollections() {
  const res = await api('GET', '/api/collections', { query: { perPage: 500, sort: 'name' } });
  store.collections = res.items;
  store.loaded = true;
  listeners.forEach((fn) => fn());
  return store.collections;
}

export const onCollections = (fn) => { listeners.add(fn); return () => listeners.delete(fn); };
export const findCollection = (idOrName) => store.collections.find((c) => c.id === idOrName || c.name === idOrName);
