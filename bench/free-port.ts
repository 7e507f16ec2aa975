import { createServer } from 'node:net';

/*
 * A port for a server a test or benchmark starts later (a broker, ZooKeeper, a proxy).
 *
 * Taken below the kernel's ephemeral range (net.ipv4.ip_local_port_range, 32768–60999 by
 * default), because a port handed out from that range by listen(0) can be taken, before the
 * server binds it, as the local port of any outgoing connection on the machine — a client
 * connecting anywhere — and the broker then fails with EADDRINUSE. Below the range only
 * another freePort() can pick it: a random pick, checked by binding, and never repeated by
 * this process, makes that unlikely.
 */
const LOWEST = 20_000;
const HIGHEST = 32_000;
const handedOut = new Set<number>();

export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = LOWEST + Math.floor(Math.random() * (HIGHEST - LOWEST));
    if (handedOut.has(port)) continue;
    if (await canBind(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`no free port between ${LOWEST} and ${HIGHEST} after 200 tries`);
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen({ port, host: '127.0.0.1', exclusive: true }, () => probe.close(() => resolve(true)));
  });
}
