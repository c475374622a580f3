/**
 * How every workflow writes to the record (PostgreSQL) through activities:
 * retried for as long as it takes, since a database outage must neither lose
 * nor fail a call's record, and at least every 10 s, so the writes that
 * failed land soon after the database is back. Each write is idempotent.
 */
import type { ActivityOptions } from '@temporalio/workflow';

export const RECORD_WRITE_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '10 seconds',
  retry: {
    initialInterval: '500 milliseconds',
    backoffCoefficient: 2,
    maximumInterval: '10 seconds',
  },
};
