import { ObjectId } from 'mongodb';

// The `after` cursor of GET /api/product/: the sort key (createdAt, _id) of the last product of a page.
// Keyset pagination stays correct while products are inserted or deleted between pages, which an
// offset cannot. Clients treat the text as opaque; it is base64url so it survives any URL unescaped.

/** The position just past the last product of a page, in the list's order (createdAt desc, _id desc). */
export interface ListCursor {
  createdAt: Date;
  id: ObjectId;
}

/** Encodes a cursor for the `next` field. */
export function encodeListCursor(cursor: ListCursor): string {
  return Buffer.from(`${cursor.createdAt.getTime()}:${cursor.id.toHexString()}`, 'utf8').toString('base64url');
}

const shape = /^(\d{1,15}):([0-9a-f]{24})$/;

/** Decodes an `after` value; null when it is not one this API produced. */
export function decodeListCursor(text: string): ListCursor | null {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(text)) return null;
  const match = shape.exec(Buffer.from(text, 'base64url').toString('utf8'));
  if (!match) return null;
  const createdAt = new Date(Number(match[1]));
  if (Number.isNaN(createdAt.getTime())) return null;
  return { createdAt, id: new ObjectId(match[2]) };
}
