import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { ConfigError } from '../core/errors';
import type { Logger } from '../core/logger';

export interface HealthReport {
  healthy: boolean;
  [detail: string]: unknown;
}

export interface MetricsServerOptions {
  registry: Registry;
  /** 0 = any free port. */
  port: number;
  /** The default port may be taken (two processes on one machine): then any free port, logged. */
  portIsDefault: boolean;
  health: () => HealthReport;
  logger: Logger;
  host?: string;
}

export interface MetricsServer {
  port: number;
  close(): Promise<void>;
}

/** GET /metrics (Prometheus text format) and GET /healthz (200 healthy, 503 not; JSON details). */
export async function startMetricsServer(o: MetricsServerOptions): Promise<MetricsServer> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET') return void res.writeHead(405).end();
    if (path === '/metrics') {
      o.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': o.registry.contentType }).end(text),
        (err: unknown) => res.writeHead(500).end(String(err)),
      );
      return;
    }
    if (path === '/healthz') {
      const report = o.health();
      return void res.writeHead(report.healthy ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(report));
    }
    res.writeHead(404).end('not found: try /metrics or /healthz\n');
  });
  const listen = (port: number): Promise<void> =>
    new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, o.host ?? '0.0.0.0', () => {
        server.off('error', reject);
        resolve();
      });
    });
  try {
    await listen(o.port);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    if (!o.portIsDefault) throw new ConfigError(`metrics port ${o.port} is in use. Fix: --metrics-port <another port>, or 0 for any free port`);
    await listen(0);
    o.logger.warn('default metrics port in use; serving on another port', { wanted: o.port, port: (server.address() as AddressInfo).port });
  }
  const port = (server.address() as AddressInfo).port;
  o.logger.info('serving metrics', { url: `http://127.0.0.1:${port}/metrics`, health: `http://127.0.0.1:${port}/healthz` });
  return { port, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** --metrics-port, else HUMPBACK_METRICS_PORT, else 9464 (the usual port of a Prometheus exporter in an app). */
export function metricsPort(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): { port: number; isDefault: boolean } {
  const raw = flag ?? env.HUMPBACK_METRICS_PORT;
  if (raw === undefined || raw === '') return { port: DEFAULT_METRICS_PORT, isDefault: true };
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`metrics port "${raw}" is not a port number. Fix: e.g. --metrics-port 9464 (0 = any free port)`);
  return { port, isDefault: false };
}

export const DEFAULT_METRICS_PORT = 9464;
