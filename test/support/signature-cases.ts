/** The reported signature cases (C01-C05) and a stack configured with their account and URLs. */
import { readFileSync } from 'node:fs';
import type { Stack } from '../../scripts/stack.js';
import { startTestStack } from './stack.js';

export const signatureVectors = JSON.parse(
  readFileSync(new URL('../fixtures/signature-vectors.json', import.meta.url), 'utf8'),
);

/** Twilio signs with token 12345 for this account, over https://voice.example.com. */
export function startSignatureCaseStack(): Promise<Stack> {
  return startTestStack({
    twilioAccountSid: 'ACa1b2c3d4e5f60718293a4b5c6d7e8f90',
    twilioAuthToken: signatureVectors.token,
    publicUrl: signatureVectors.origin,
    mediaStreamUrl: signatureVectors.media_stream_upgrade.url,
  });
}
