// A stream position that a snapshot read hands to the relay: "every change after cluster time
// (t, i)". Written as `time:<t>.<i>` so it can never be mistaken for a resume token (uppercase hex).
// The API produces it (GET /api/product/ → `Stream-Position` header and `position` field); the relay
// accepts it as `?since=` and opens a catch-up stream with startAtOperationTime just after it.

/** A MongoDB cluster time: seconds and increment of a BSON Timestamp. */
export interface ClusterTime {
  t: number;
  i: number;
}

const pattern = /^time:(\d{1,10})\.(\d{1,10})$/;

/** Formats a cluster time as a stream position. */
export function formatStreamPosition(time: ClusterTime): string {
  return `time:${time.t}.${time.i}`;
}

/** Parses a stream position; null when the text is not one. */
export function parseStreamPosition(text: string): ClusterTime | null {
  const match = pattern.exec(text);
  if (!match) return null;
  const t = Number(match[1]);
  const i = Number(match[2]);
  if (t > 0xffffffff || i > 0xffffffff) return null;
  return { t, i };
}

/** The first cluster time strictly after `time`, for startAtOperationTime (which is inclusive). */
export function nextClusterTime(time: ClusterTime): ClusterTime {
  return time.i >= 0xffffffff ? { t: time.t + 1, i: 0 } : { t: time.t, i: time.i + 1 };
}

/** Orders cluster times: negative, zero or positive like a sort comparator. */
export function compareTime(a: ClusterTime, b: ClusterTime): number {
  return a.t !== b.t ? a.t - b.t : a.i - b.i;
}

/** Where a client resumes: just after an event id (a resume token), or just after a cluster time. */
export type ResumePosition = { afterId: string } | { afterTime: ClusterTime };

/** A resume token is MongoDB's opaque hex `_data`: never parsed, only checked to be hex of sane size. */
const resumeToken = /^[0-9a-fA-F]{2,1024}$/;

/** Parses `?since=` (an event id or a `time:<t>.<i>` stream position); null when it is neither. */
export function parseResumePosition(text: string): ResumePosition | null {
  const time = parseStreamPosition(text);
  if (time) return { afterTime: time };
  return resumeToken.test(text) ? { afterId: text } : null;
}

/** The text of a resume position, as a client sends it in `?since=`. */
export function formatResumePosition(position: ResumePosition): string {
  return 'afterId' in position ? position.afterId : formatStreamPosition(position.afterTime);
}
