/**
 * What a media bridge process records in PostgreSQL: its registry row and
 * the voice session of every stream it accepts. Started before the server
 * listens, stopped after it closed (the last states written, then the row
 * marked stopped).
 */
import type { Queryable } from '../db/database.js';
import { saveVoiceSession } from '../db/voice-sessions.js';
import type { Logger } from '../lib/logger.js';
import { createBridgeRegistry } from './bridge-registry.js';
import { createSessionRecorder, type SessionRecorder } from './session-recorder.js';

/** How long a graceful close waits for the last session states to be written. */
const DRAIN_TIMEOUT_MS = 5_000;

export interface BridgeInstance {
  instanceId: string;
  staleAfterMs: number;
  recorder: SessionRecorder;
  stop(): Promise<void>;
}

export async function startBridgeInstance(options: {
  db: Queryable;
  streamUrl: string;
  heartbeatMs: number;
  logger: Logger;
}): Promise<BridgeInstance> {
  const { db, logger } = options;
  const registry = createBridgeRegistry(options);
  // The bridge serves calls even if the database is down now: the heartbeat registers it later.
  await registry.start();
  const recorder = createSessionRecorder({
    store: { save: (snapshot) => saveVoiceSession(db, snapshot) },
    bridgeInstanceId: registry.instanceId,
    logger,
  });
  return {
    instanceId: registry.instanceId,
    staleAfterMs: registry.staleAfterMs,
    recorder,
    async stop() {
      if (!(await recorder.drain(DRAIN_TIMEOUT_MS)))
        logger.warn('bridge stopping with voice session states not written');
      await registry.stop();
    },
  };
}
