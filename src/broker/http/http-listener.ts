import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { ConfigError } from '../../../storage/config/config-error.js';
import type { BrokerLog } from '../broker-log.js';
import type { BrokerView } from './broker-view.js';
import { CONSOLE_CSS, CONSOLE_SCRIPT } from './console-assets.js';
import { renderConsole, throughputSnapshot } from './console-page.js';
import { renderMetrics, watchEventLoopDelay } from './metrics-exposition.js';
import { PROMETHEUS_CONTENT_TYPE } from './prometheus-text.js';

export interface HttpEndpoint {
  host: string;
  port: number;
}

const KEY = 'http.listeners';

/** `http.listeners`: `http://host:port` entries (an empty host listens on every interface, port 0 on a free port). */
export function parseHttpListeners(entries: readonly string[]): HttpEndpoint[] {
  return entries.map((entry) => {
    const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/(\[[^\]]*\]|[^:/[\]]*):(\d{1,5})\/?$/.exec(entry.trim());
    if (!m) throw new ConfigError(KEY, `'${entry}' is not a listener like http://127.0.0.1:9644`);
    if (m[1]!.toLowerCase() !== 'http') throw new ConfigError(KEY, `'${entry}': only http is served so far (put a TLS proxy in front for https)`);
    const port = Number(m[3]);
    if (port > 65535) throw new ConfigError(KEY, `'${entry}': port ${port} is not a port`);
    return { host: m[2]!.replace(/^\[|\]$/g, ''), port };
  });
}

/**
 * The broker's HTTP listener (`http.listeners`): /metrics in Prometheus'
 * text format, the web console at / (with its stylesheet, script and the
 * throughput figures its charts poll), /health for load balancers. It only
 * reads: GET and HEAD, nothing else.
 */
export class HttpListener {
  private readonly servers: Server[] = [];
  private readonly stopLoopDelay = watchEventLoopDelay();

  private constructor(
    private readonly view: BrokerView,
    private readonly log: BrokerLog,
  ) {}

  /** Listens on every endpoint; resolves with the listener and the ports bound, in order. */
  static async start(endpoints: readonly HttpEndpoint[], view: BrokerView, log: BrokerLog): Promise<{ listener: HttpListener; ports: number[] }> {
    const listener = new HttpListener(view, log);
    const ports: number[] = [];
    try {
      for (const endpoint of endpoints) ports.push(await listener.listen(endpoint));
    } catch (e) {
      await listener.close();
      throw e;
    }
    return { listener, ports };
  }

  private listen(endpoint: HttpEndpoint): Promise<number> {
    const server = createServer((req, res) => void this.serve(req, res));
    server.keepAliveTimeout = 5_000;
    this.servers.push(server);
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(endpoint.port, endpoint.host || undefined, () => {
        server.off('error', reject);
        const address = server.address();
        resolve(typeof address === 'object' && address ? address.port : endpoint.port);
      });
    });
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return send(res, 405, 'text/plain; charset=utf-8', 'read-only: GET and HEAD only\n', { Allow: 'GET, HEAD' });
    const path = (req.url ?? '/').split('?')[0];
    try {
      switch (path) {
        // /metrics and / wait for the partition leaders' latest offsets (group lag), a bounded while.
        case '/metrics':
          return send(res, 200, PROMETHEUS_CONTENT_TYPE, await renderMetrics(this.view));
        case '/health': {
          const reason = this.view.unavailable();
          return send(res, reason === undefined ? 200 : 503, 'text/plain; charset=utf-8', `${reason ?? 'serving'}\n`);
        }
        case '/':
          return send(res, 200, 'text/html; charset=utf-8', await renderConsole(this.view), CONSOLE_HEADERS);
        case '/console.js':
          return send(res, 200, 'text/javascript; charset=utf-8', CONSOLE_SCRIPT, CONSOLE_HEADERS);
        case '/console.css':
          return send(res, 200, 'text/css; charset=utf-8', CONSOLE_CSS, CONSOLE_HEADERS);
        case '/favicon.ico': // browsers ask; the console has none
          return send(res, 204, 'image/x-icon', '');
        case '/console/throughput.json':
          return send(res, 200, 'application/json', JSON.stringify(throughputSnapshot(this.view)), { 'Cache-Control': 'no-store' });
        default:
          return send(res, 404, 'text/plain; charset=utf-8', 'not found: /metrics, /health and the console at / are served here\n');
      }
    } catch (e) {
      this.log('error', `http ${path} failed: ${(e as Error).stack ?? e}`);
      return send(res, 500, 'text/plain; charset=utf-8', 'internal error; see the broker log\n');
    }
  }

  /** Stops listening; requests being answered finish (a second at most), idle keep-alive connections close at once. */
  async close(): Promise<void> {
    this.stopLoopDelay();
    await Promise.all(
      this.servers.map(
        (server) =>
          new Promise<void>((resolve) => {
            if (!server.listening) return resolve();
            const cutOff = setTimeout(() => server.closeAllConnections(), 1_000);
            server.close(() => {
              clearTimeout(cutOff);
              resolve();
            });
            server.closeIdleConnections();
          }),
      ),
    );
  }
}

/** The console's pages load only their own script and stylesheet: the names they show (group ids, client ids) are the clients' to choose. */
const CONSOLE_HEADERS = { 'Content-Security-Policy': "default-src 'self'; frame-ancestors 'none'", 'X-Content-Type-Options': 'nosniff' };

function send(res: ServerResponse, status: number, contentType: string, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body), ...headers });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}
