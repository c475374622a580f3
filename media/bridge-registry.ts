/**
 * This bridge instance's row in the registry: written at start, heartbeated
 * every BRIDGE_HEARTBEAT_MS (one write per instance, however many calls it
 * carries), marked stopped on a graceful close. An instance that dies the hard
 * way simply stops beating, and readers see it stale after STALE_AFTER_HEARTBEATS.
 */
import { heartbeatBridgeInstance, markBridgeInstanceStopped } from '../db/bridge-instances.js';
import type { Queryable } from '../db/database.js';
import { newId } from '../lib/ids.js';
import type { Logger } from '../lib/logger.js';

/** Missed heartbeats after which an instance counts as gone. */
export const STALE_AFTER_HEARTBEATS = 3;

export interface BridgeRegistry {
  readonly instanceId: string;
  readonly staleAfterMs: number;
  /** Registers (answers whether that worked now) and keeps heartbeating until stop. */
  start(): Promise<boolean>;
  stop(): Promise<void>;
}

export interface BridgeRegistryOptions {
  db: Queryable;
  streamUrl: string;
  heartbeatMs: number;
  logger: Logger;
}

export function createBridgeRegistry(options: BridgeRegistryOptions): BridgeRegistry {
  const { db, heartbeatMs, logger } = options;
  const registration = {
    id: newId('brg'),
    streamUrl: options.streamUrl,
    heartbeatMs,
    staleAfterMs: heartbeatMs * STALE_AFTER_HEARTBEATS,
  };
  let timer: NodeJS.Timeout | undefined;
  let beating: Promise<boolean> | undefined;
  let stopped = false;
  let failing = false;

  async function beat(): Promise<boolean> {
    try {
      await heartbeatBridgeInstance(db, registration);
      if (failing) logger.info({ bridgeInstanceId: registration.id }, 'bridge heartbeat recovered');
      failing = false;
      return true;
    } catch (error) {
      if (!failing) {
        logger.warn(
          { bridgeInstanceId: registration.id, err: String(error) },
          'bridge heartbeat failing: this instance will look gone until it recovers',
        );
      }
      failing = true;
      return false;
    }
  }

  // One beat in flight at most; the next is due a heartbeat after the last one began.
  function beatThenSchedule(): Promise<boolean> {
    const startedAt = Date.now();
    beating = beat();
    void beating.then(() => {
      if (stopped) return;
      timer = setTimeout(beatThenSchedule, Math.max(0, heartbeatMs - (Date.now() - startedAt)));
      timer.unref();
    });
    return beating;
  }

  return {
    instanceId: registration.id,
    staleAfterMs: registration.staleAfterMs,
    async start() {
      const registered = await beatThenSchedule();
      const fields = { bridgeInstanceId: registration.id, heartbeatMs };
      if (registered) logger.info(fields, 'bridge instance registered');
      else logger.warn(fields, 'bridge instance not registered yet: the heartbeat keeps trying');
      return registered;
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await beating;
      await markBridgeInstanceStopped(db, registration.id).catch((error: unknown) =>
        logger.warn({ err: String(error) }, 'bridge instance not marked stopped'),
      );
    },
  };
}
