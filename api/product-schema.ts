import { z } from 'zod';

// The product contract. Field names stay Spanish (nombre, precio, talla): clients of the system this
// replaces rely on them. `.strict()` rejects unknown keys, so no `$`-key or operator object can reach
// MongoDB through a request body.

/** Whether a price has at most two decimals and survives a round trip through its decimal text. */
function isCents(value: number): boolean {
  const cents = Math.round(value * 100);
  return Math.abs(cents / 100 - value) < Number.EPSILON * Math.max(1, Math.abs(value)) && Number((cents / 100).toFixed(2)) === value;
}

/** The rule of each field, shared by POST/PUT (all fields) and PATCH (some). */
export const productFields = {
  nombre: z.string().trim().min(1).max(200),
  precio: z.number().finite().min(0).refine(isCents, { message: 'precio must have at most 2 decimals' }),
  talla: z.string().trim().min(1).max(16),
};

/** Body of POST and PUT: every field, nothing else. */
export const productInput = z.object(productFields).strict();
/** Body of PATCH: any non-empty subset of the fields, nothing else. */
export const productPatch = z
  .object(productFields)
  .partial()
  .strict()
  .refine((patch) => Object.keys(patch).length > 0, { message: 'at least one field is required' });

/** A validated POST/PUT body (strings trimmed). */
export type ProductInput = z.infer<typeof productInput>;
/** A validated PATCH body. */
export type ProductPatch = z.infer<typeof productPatch>;

/** A product as the API returns it and as relay events carry it: string id, ISO dates. */
export interface Product {
  id: string;
  nombre: string;
  precio: number;
  talla: string;
  createdAt: string;
  updatedAt: string;
}

/** The fields a relay subscription may filter on, with exact-match semantics. */
export const PRODUCT_FILTER_FIELDS = ['id', 'nombre', 'precio', 'talla'] as const;
export type ProductFilterField = (typeof PRODUCT_FILTER_FIELDS)[number];
