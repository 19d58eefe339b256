// A typed flow through the client openapi-typescript + openapi-fetch make from the live document:
// the test generates ./api.d.ts beside this file, type-checks it all with tsc (strict), runs it
// with node, and reads the JSON line it prints.
import createClient from 'openapi-fetch';
import type { components, paths } from './api.js';

type Post = components['schemas']['Record.posts'];
type NewPost = components['schemas']['Create.posts'];

declare const process: { argv: string[] }; // node's, without pulling in @types/node
const [base, token] = process.argv.slice(2);
const client = createClient<paths>({ baseUrl: base, headers: { Authorization: token } });

// Never called: tsc must refuse what the document refuses, or the types say nothing.
export function refusedByTheTypes(): void {
  // @ts-expect-error views is a number
  const wrongType: NewPost = { title: 'x', views: 'three' };
  // @ts-expect-error kind is one of the select's values
  const notAValue: NewPost = { title: 'x', kind: 'poem' };
  // @ts-expect-error title is required on create
  const missing: NewPost = { views: 1 };
  // @ts-expect-error no such path
  void client.GET('/api/collections/nope/records');
  void [wrongType, notAValue, missing];
}

const body: NewPost = { title: 'typed from TypeScript', views: 3, kind: 'news', tags: ['a', 'b'] };
const created = await client.POST('/api/collections/posts/records', { body });
if (!created.data) throw new Error(`create failed: ${JSON.stringify(created.error)}`);
const post: Post = created.data;

const refused = await client.POST('/api/collections/posts/records', { body: { title: '' } });

const listed = await client.GET('/api/collections/posts/records', {
  params: { query: { filter: 'views >= 3', sort: '-views', perPage: 5 } },
});
if (!listed.data) throw new Error(`list failed: ${JSON.stringify(listed.error)}`);

const viewed = await client.GET('/api/collections/posts/records/{id}', { params: { path: { id: post.id ?? '' } } });

console.log(JSON.stringify({
  created: { id: post.id, title: post.title, views: post.views, tags: post.tags },
  refused: { status: refused.response.status, code: refused.error?.data },
  listed: listed.data.items.map((item) => item.title),
  totalItems: listed.data.totalItems,
  viewed: viewed.data?.kind,
}));
