// Baseline node for `npm run bench:fanout` and `bench:watch-room`: a bare Socket.IO server with
// the same Redis adapter as StreamCat (without REDIS_URL: in-memory rooms, as StreamCat's) and
// nothing else. Sockets join the room named in their handshake; a driver socket asks for a
// room broadcast with `emit`.
const http = require('node:http');
const { Server } = require('socket.io');
const { createAdapter } = require('@socket.io/redis-adapter');
const Redis = require('ioredis');

const server = http.createServer();
const io = new Server(server, { transports: ['websocket'], serveClient: false, maxHttpBufferSize: 64 * 1024 });
if (process.env.REDIS_URL) {
  const pub = new Redis(process.env.REDIS_URL);
  io.adapter(createAdapter(pub, pub.duplicate(), { key: 'streamcat-bench-baseline' }));
}
io.on('connection', (socket) => {
  const room = socket.handshake.auth?.room;
  if (typeof room === 'string') socket.join(room);
  socket.on('emit', (room, event, payload, ack) => {
    io.to(room).emit(event, payload);
    if (typeof ack === 'function') ack({ ok: true });
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`LISTENING http://127.0.0.1:${server.address().port}\n`));
