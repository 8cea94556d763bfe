/**
 * One connection to Redis (or Valkey) through the official `redis` client
 * (node-redis): commands sent as soon as they are asked for, several asked in
 * one tick written together. No offline queue — while disconnected a command
 * fails at once, so the guard answers from this process instead of a queue
 * growing — and reconnection by itself, backing off to one try a second.
 */
import { createClient } from "redis";
import type { RedisCommands } from "./redis.ts";

export interface RedisConnection extends RedisCommands {
  /** Resolves once connected, or after `ms` (false) — a start never waits on a dead Redis. */
  ready(ms: number): Promise<boolean>;
  close(): Promise<void>;
}

export function connectRedis(url: string, onError: (err: unknown) => void): RedisConnection {
  const client = createClient({
    url,
    disableOfflineQueue: true,
    // Flat replies, the same from Redis 6.2 to Valkey 8 (the client's default speaks RESP3).
    RESP: 2,
    socket: {
      connectTimeout: 2000,
      reconnectStrategy: (tries: number) => Math.min(50 * 2 ** tries, 1000),
    },
  });
  // Every failed connect is reported here too; without a listener the client would throw.
  client.on("error", onError);
  const connected = client.connect().then(() => true, (err) => {
    onError(err);
    return false;
  });
  return {
    send: (args) => client.sendCommand(args.map(String)),
    async ready(ms) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const late = new Promise<boolean>((resolve) => timer = setTimeout(() => resolve(false), ms));
      const ok = await Promise.race([connected, late]);
      clearTimeout(timer);
      return ok;
    },
    async close() {
      if (client.isOpen) await client.close().catch(() => client.destroy());
      else client.destroy();
    },
  };
}
