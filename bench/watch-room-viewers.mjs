// A viewer process of `npm run bench:watch-room`: holds a share of the viewer sockets (one
// process cannot hold 10,000 with the client work of all of them on one core) and reports
// arrival times. Driven by its parent over IPC; every time is on the machine-wide `clock()`.
import { ack, clock, connect, inBatches, okData } from './realtime-bench.mjs';

const CONCURRENCY = 50;
let sockets = [];
/** Go-live arrival times of the current round, one per socket. */
let live = [];
/** Chat latencies in 0.5 ms buckets: bucket → count (the parent merges them into percentiles). */
let chat = new Map();
let chatCount = 0;

process.on('message', async (m) => {
  try {
    if (m.type === 'connect') {
      // urls: nodes to spread over; channel: StreamCat watch room to join (null: the baseline's handshake room).
      sockets = await inBatches(m.count, CONCURRENCY, async (i) => {
        const url = m.urls[(m.offset + i) % m.urls.length];
        const s = await connect(url, m.channel ? {} : { room: 'watch' }, 180_000);
        // Generous: 10,000 joins queue behind each other on a loaded machine.
        if (m.channel) okData(await ack(s, 'watch:join', { channel: m.channel }, 180_000));
        s.on('watch:live', (p) => {
          if (p.isLive) live.push(clock());
        });
        s.on('chat:message', (p) => {
          const sent = /^wr \d+ (\d+(?:\.\d+)?)$/.exec(p.text);
          if (!sent) return;
          const b = Math.round((clock() - Number(sent[1])) * 2);
          chat.set(b, (chat.get(b) ?? 0) + 1);
          chatCount++;
        });
        return s;
      });
      process.send({ type: 'connected', count: sockets.length });
    } else if (m.type === 'live-reset') {
      live = [];
      process.send({ type: 'live-reset' });
    } else if (m.type === 'live-report') {
      await until(() => live.length >= sockets.length, m.timeoutMs);
      process.send({ type: 'live-report', times: live });
    } else if (m.type === 'chat-reset') {
      chat = new Map();
      chatCount = 0;
      process.send({ type: 'chat-reset' });
    } else if (m.type === 'chat-report') {
      await until(() => chatCount >= m.expected * sockets.length, m.timeoutMs);
      process.send({ type: 'chat-report', buckets: [...chat], count: chatCount });
    } else if (m.type === 'close') {
      for (const s of sockets) s.close();
      sockets = [];
      process.send({ type: 'closed' });
    }
  } catch (e) {
    process.send({ type: 'error', message: e instanceof Error ? e.message : String(e) });
  }
});

async function until(done, timeoutMs) {
  const end = Date.now() + timeoutMs;
  while (!done() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
}
