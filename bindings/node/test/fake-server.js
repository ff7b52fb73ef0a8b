'use strict';
// A tiny local HTTP server whose answers a test chooses, for what the sandbox
// does not do on purpose: every error status, HTML pages, stalls, broken streams.
const http = require('http');

async function fakeServer(handler) {
  const requests = [];
  const sockets = new Set();
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => {
      body += d;
    });
    req.on('end', () => {
      const r = { method: req.method, url: req.url, headers: req.headers, body };
      requests.push(r);
      handler(r, res);
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    /** Resolves when `n` connections are open at once, then when they are closed. */
    openConnections: () => sockets.size,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

function json(res, status, body, headers = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

module.exports = { fakeServer, json };
