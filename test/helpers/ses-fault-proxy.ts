import { createServer, request, type Server } from 'node:http';

/**
 * An HTTP proxy in front of the SES emulator that answers 503 (as SES does when it is unavailable) for SendRawEmail
 * calls whose raw message is addressed to a `@ses-fails.example.com` recipient and tagged as a notice, and that
 * passes a call to a `@ses-drops.example.com` recipient on (SES accepts and stores it) but then resets the
 * connection instead of answering: the sender cannot know whether SES took it. Everything else passes through
 * unchanged, so the real handlers and the real SDK meet real failures.
 */
export async function startSesFaultProxy(target: () => string): Promise<{ url: string; failed: () => number; dropped: () => number; close: () => Promise<void> }> {
  let failed = 0;
  let dropped = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const form = new URLSearchParams(body.toString('utf8'));
      const raw = form.get('RawMessage.Data');
      const isNotice = [...form.entries()].some(([k, v]) => /^Tags\.member\.\d+\.Value$/.test(k) && v.startsWith('notice-'));
      if (raw && isNotice && /^(To|Cc):.*@ses-fails\.example\.com/im.test(Buffer.from(raw, 'base64').toString('utf8'))) {
        failed++;
        res.writeHead(503, { 'content-type': 'text/xml' });
        res.end('<ErrorResponse><Error><Type>Receiver</Type><Code>ServiceUnavailable</Code><Message>injected failure</Message></Error></ErrorResponse>');
        return;
      }
      const drop = Boolean(raw && /^(To|Cc):.*@ses-drops\.example\.com/im.test(Buffer.from(raw, 'base64').toString('utf8')));
      if (drop) dropped++;
      const to = new URL(target());
      const upstream = request(
        { host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers },
        (up) => {
          if (drop) {
            up.resume();
            up.on('end', () => req.socket.destroy());
            return;
          }
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      upstream.on('error', (err) => {
        res.writeHead(502);
        res.end(String(err));
      });
      upstream.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, failed: () => failed, dropped: () => dropped, close: () => new Promise((r) => server.close(() => r())) };
}
