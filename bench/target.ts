import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ClientKind } from '../src/core/clients/client';
import type { StoreSpec } from './stores';

export type TargetKind = 'gateway' | 'baseline';

export interface TargetSpec {
  target: TargetKind;
  store: StoreSpec;
  /** How many mothers the gateway loads into its register (ignored by the baseline). */
  mothers: number;
  /** Gateway only: how the benchmark client is registered (default `new`: REST only). */
  clientKind?: ClientKind;
  /** Gateway only: more settings as environment variables, e.g. SOAP cut-offs (the benchmark's own win). */
  env?: Record<string, string>;
}

/** What a target reports after a run, read from its own database. */
export interface TargetStats {
  /** Rows the run left behind: registered births, or baseline rows. */
  stored: number;
  /** Gateway only: notifications by status. */
  byStatus?: Record<string, number>;
  /** SQL statements and transactions sent since the target became ready (BEGIN/COMMIT included). */
  statements: number;
  transactions: number;
  /** CPU time (user + system) of the server's process since it became ready, in ms. */
  cpuMs: number;
}

/** A server under test, listening on 127.0.0.1. */
export interface RunningTarget {
  url: string;
  stats(): Promise<TargetStats>;
  close(): Promise<void>;
}

/** The production client the gateway registers and the load generator names in X-Road-Client. */
export const BENCH_CLIENT_ID = 'FI/GOV/0123456-7/bench';

/** Listens on 127.0.0.1, port 0, and resolves to the base URL. */
export async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  const { port } = server.address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
}

export async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** CPU ms (user + system) this process has used since `start`. */
export function cpuMsSince(start: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(start);
  return (d.user + d.system) / 1000;
}
