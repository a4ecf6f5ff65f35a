// The pull bench's baseline: the requests a first pull sends to bench/pull-server.mjs — the
// same pages, the same eight requests at once for Zendesk's audits — by a client that only
// parses the answers. What the server and HTTP cost, whatever a client does with the data.
//   node bench/pull-walk.mjs URL zendesk|jira N
import { Agent, request } from 'undici';

const [url, shape, n] = process.argv.slice(2);
const N = Number(n);
const agent = new Agent({ keepAliveTimeout: 10_000, connections: 4 });
const get = async (path, auth) => {
  const res = await request(url + path, { dispatcher: agent, headers: { authorization: auth, accept: 'application/json' } });
  return JSON.parse(await res.body.text());
};
const start = Math.floor(Date.parse('2026-09-30T00:00:00Z') / 1000);
let seen = 0;
if (shape === 'zendesk') {
  const auth = `Basic ${Buffer.from('ops@acme.example/token:bench-token').toString('base64')}`;
  let page = await get(`/api/v2/incremental/tickets/cursor.json?start_time=${start}&per_page=1000`, auth);
  for (;;) {
    const ids = page.tickets.map((t) => t.id);
    seen += ids.length;
    for (let i = 0; i < ids.length; i += 100) {
      const batch = ids.slice(i, i + 100);
      let next = 0;
      await Promise.all(Array.from({ length: 8 }, async () => {
        while (next < batch.length) await get(`/api/v2/tickets/${batch[next++]}/audits.json`, auth);
      }));
    }
    if (page.end_of_stream) break;
    page = await get(`/api/v2/incremental/tickets/cursor.json?cursor=${page.after_cursor}&per_page=1000`, auth);
  }
} else {
  const auth = `Basic ${Buffer.from('ops@acme.example:bench-token').toString('base64')}`;
  await get('/rest/api/3/myself', auth);
  const jql = encodeURIComponent('(project = SUP) AND updated >= "2026/09/30 00:00" ORDER BY updated ASC, key ASC');
  let token = '';
  for (;;) {
    const page = await get(`/rest/api/3/search/jql?jql=${jql}&maxResults=100&expand=changelog${token ? `&nextPageToken=${token}` : ''}`, auth);
    seen += page.issues.length;
    if (page.isLast || !page.nextPageToken) break;
    token = page.nextPageToken;
  }
}
await agent.close();
if (seen !== N) throw new Error(`walked ${seen} tickets, not ${N}`);
