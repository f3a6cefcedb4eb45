import { z } from 'zod';

// The product contract. Field names stay Spanish (nombre, precio, talla): clients of the system this
// replaces rely on them. `.strict()` rejects unknown keys, so no `$`-key or operator object can reach
// MongoDB through a request body.

/**
 * Whether a price is exactly a number with at most two decimals: the shortest text that round-trips
 * to it (what JSON.stringify sends back) has at most two digits after the point. So 999.99 passes and
 * 0.1 + 0.2 (0.30000000000000004) does not, without any epsilon arithmetic.
 */
function isCents(value: number): boolean {
  const text = String(value);
  if (text.includes('e-')) return false; // below 1e-6 and not zero
  if (text.includes('e+')) return true; // 1e21 and above: integers
  const point = text.indexOf('.');
  return point === -1 || text.length - point - 1 <= 2;
}

// A JSON string may hold an unpaired surrogate (`"\ud800"`), which is not Unicode text: BSON stores
// strings as UTF-8, and the driver writes U+FFFD in its place. Accepted, the product stored would not
// be the one the API answered with (nor carry its ETag). With the `u` flag a surrogate pair reads as
// one code point, so `\p{Cs}` finds only the unpaired ones.
const UNPAIRED_SURROGATE = /\p{Cs}/u;

/** Text of `min` to `max` UTF-16 units once trimmed, and well-formed Unicode. */
function text(min: number, max: number) {
  return z
    .string()
    .trim()
    .min(min)
    .max(max)
    .refine((value) => !UNPAIRED_SURROGATE.test(value), { message: 'must be Unicode text (an unpaired surrogate is not)' });
}

/** The rule of each field, shared by POST/PUT (all fields) and PATCH (some). */
export const productFields = {
  nombre: text(1, 200),
  precio: z.number().finite().min(0).refine(isCents, { message: 'precio must have at most 2 decimals' }),
  talla: text(1, 16),
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

/**
 * A product as the API returns it and as relay events carry it: string id, ISO dates. Clients check
 * what they receive with it; it does not repeat the input rules, the writer already applied them.
 */
export const product = z.object({
  id: z.string(),
  nombre: z.string(),
  precio: z.number(),
  talla: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Product = z.infer<typeof product>;

/** The fields a relay subscription may filter on, with exact-match semantics. */
export const PRODUCT_FILTER_FIELDS = ['id', 'nombre', 'precio', 'talla'] as const;
export type ProductFilterField = (typeof PRODUCT_FILTER_FIELDS)[number];
