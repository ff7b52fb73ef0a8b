// A FlowEngine function: an HTTP handler that answers JSON.
// Deploy it with `fe deploy examples/hello --name hello --runtime nodejs22`.
import { createServer } from 'node:http';

const port = Number(process.env.PORT ?? 8080);

export function greet(name) {
  return { message: `Hello, ${name || 'world'}!`, at: new Date().toISOString() };
}

createServer((req, res) => {
  const url = new URL(req.url ?? '/', `http://localhost:${port}`);
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(greet(url.searchParams.get('name'))));
}).listen(port, () => console.log(`Listening on port ${port}`));
