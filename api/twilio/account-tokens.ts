/**
 * Which auth token signs a Twilio webhook. Twilio signs with the token of the
 * account that owns the call, and posts that account's AccountSid: a tenant's
 * subaccount (a sealed `twilio` credential) or, otherwise, the platform
 * account from configuration. Only the credential is read here, before the
 * signature is checked; no other tenant data is.
 */
import type { Database } from '../../db/database.js';
import { findTwilioCredential } from '../../db/credentials.js';
import type { SecretBox } from '../../lib/secret-box.js';

export interface TwilioAccountToken {
  authToken: string;
  /** Set for a tenant's subaccount: its calls may only reach that tenant's numbers. */
  tenantId?: string;
}

export type TwilioAuthTokens = (accountSid: string | undefined) => Promise<TwilioAccountToken>;

export function twilioAuthTokens(
  db: Database,
  secrets: SecretBox,
  platform: { accountSid: string; authToken: string },
): TwilioAuthTokens {
  return async (accountSid) => {
    if (!accountSid || accountSid === platform.accountSid) return { authToken: platform.authToken };
    const credential = await findTwilioCredential(db, accountSid);
    // An account we do not know can only be vouched for by the platform token.
    if (!credential) return { authToken: platform.authToken };
    return {
      authToken: secrets.open(credential.ciphertext, credential.key_id),
      tenantId: credential.tenant_id,
    };
  };
}
