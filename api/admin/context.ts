/** Who is acting on the platform, and what an admin action needs to run. */
import type { Database } from '../../db/database.js';
import type { SecretBox } from '../../lib/secret-box.js';

/**
 * The person or automation behind an admin action. `name` comes from the
 * `x-admin-actor` header (or the seed); `key` names the credential used.
 */
export interface AdminActor {
  name: string;
  key: string;
}

export interface GovernanceContext {
  db: Database;
  actor: AdminActor;
  secrets: SecretBox;
  requestId?: string;
}
