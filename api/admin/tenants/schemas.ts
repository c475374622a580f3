/** Tenants as the admin API reads and writes them. */
import { z } from 'zod';
import type { TenantRow } from '../../../db/tenants.js';
import { iso, page, pageQuery, resourceId, timestamp } from '../common.js';

const limits = {
  max_concurrent_calls: z
    .int()
    .min(1)
    .max(10_000)
    .meta({ description: 'Calls not yet ended, at once.' }),
  calls_per_minute: z.int().min(1).max(100_000).meta({ description: 'Calls started in any 60 s.' }),
  requests_per_minute: z
    .int()
    .min(1)
    .max(1_000_000)
    .meta({ description: 'API requests in a minute.' }),
};

export const createTenantBody = z
  .object({
    name: z.string().trim().min(1).max(200),
    max_concurrent_calls: limits.max_concurrent_calls.optional(),
    calls_per_minute: limits.calls_per_minute.optional(),
    requests_per_minute: limits.requests_per_minute.optional(),
  })
  .strict()
  .meta({ id: 'CreateTenant' });

export const updateTenantBody = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    status: z.enum(['active', 'suspended']).optional(),
    max_concurrent_calls: limits.max_concurrent_calls.optional(),
    calls_per_minute: limits.calls_per_minute.optional(),
    requests_per_minute: limits.requests_per_minute.optional(),
  })
  .strict()
  .refine((body) => Object.keys(body).length > 0, 'give at least one field to change')
  .meta({ id: 'UpdateTenant' });

export type UpdateTenantBody = z.output<typeof updateTenantBody>;

export const tenantParams = z.object({ tenant_id: resourceId });
export const listTenantsQuery = z.object(pageQuery);

export const tenantView = z
  .object({
    id: z.string(),
    name: z.string(),
    status: z.enum(['active', 'suspended']),
    max_concurrent_calls: z.int(),
    calls_per_minute: z.int(),
    requests_per_minute: z.int(),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'Tenant' });

export const tenantPage = page(tenantView).meta({ id: 'TenantPage' });

export type TenantView = z.output<typeof tenantView>;

export function presentTenant(row: TenantRow): TenantView {
  return {
    id: row.id,
    name: row.name,
    status: row.status,
    max_concurrent_calls: row.max_concurrent_calls,
    calls_per_minute: row.calls_per_minute,
    requests_per_minute: row.requests_per_minute,
    created_at: iso(row.created_at) ?? '',
    updated_at: iso(row.updated_at) ?? '',
  };
}
