import net from 'node:net';
import { ConfigError } from '../../core/errors';

export const LOOPBACK = '127.0.0.1';

/** True when nothing listens on 127.0.0.1:port (we can bind it). */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ port, host: LOOPBACK, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/**
 * A free loopback port to keep for good. Chosen below Linux's ephemeral range (32768+) so outgoing
 * connections are unlikely to grab it between restarts; falls back to an OS-assigned port.
 */
export async function pickFreePort(exclude: number[] = []): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const port = 20000 + Math.floor(Math.random() * 12000);
    if (!exclude.includes(port) && (await isPortFree(port))) return port;
  }
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen({ port: 0, host: LOOPBACK }, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Fails with one line when a port we kept from the first start is now taken by someone else. */
export async function assertPortsFree(ports: { name: string; port: number }[], stateFile: string): Promise<void> {
  for (const { name, port } of ports) {
    if (!(await isPortFree(port))) {
      throw new ConfigError(
        `Port ${LOOPBACK}:${port} (local Kafka ${name} port, kept in ${stateFile}) is in use by another process; stop that process, or delete ${stateFile} to pick new ports (topics are kept)`,
      );
    }
  }
}
