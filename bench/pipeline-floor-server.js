// The floor for `bench:pipeline --floor`: an HTTP relay that does the least any router must do —
// read the POST, parse it as JSON, answer 202, and POST it on to the sink with the same keep-alive
// client Klaxon uses (undici). No routing, no store, no durability. Whatever it cannot reach on a
// machine, Klaxon cannot either: it measures the machine, the client and the sink, not Klaxon.
//   node bench/pipeline-floor-server.js SINK_URL
import { createServer } from 'node:http';
import { Pool } from 'undici';

const sink = new URL(process.argv[2]);
const pool = new Pool(sink.origin, { connections: 32, pipelining: 1 });

const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const text = Buffer.concat(chunks).toString('utf8');
    const event = JSON.parse(text);
    const reply = JSON.stringify({ accepted: 1, events: [{ id: event.id, notifications: 1 }] });
    res.writeHead(202, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(reply) });
    res.end(reply);
    pool
      .request({
        path: sink.pathname,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: text,
      })
      .then((r) => r.body.dump())
      .catch((err) => process.stderr.write(`floor relay: ${err}\n`));
  });
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening on http://127.0.0.1:${server.address().port}\n`);
});
process.on('SIGTERM', () => process.exit(0));
