import { createHash } from 'node:crypto';
import { startHttpPeer, type HttpPeer, type PeerRequest, type PeerResponse } from './http-peer';

/** A calendar object stored by the CalDAV peer. */
export interface StoredCalendarObject {
  readonly href: string;
  readonly body: string;
  readonly contentType: string;
  readonly etag: string;
}

/** Options of {@link startCalDavPeer}. */
export interface CalDavPeerOptions {
  /** Basic-auth credentials the peer demands (401 otherwise). */
  readonly username?: string;
  readonly password?: string;
}

/** A CalDAV calendar collection that accepts PUT of `.ics` objects. */
export interface CalDavPeer extends HttpPeer {
  /** The collection URL (no trailing slash), for AOS_CALDAV_URL. */
  readonly collectionUrl: string;
  /** Stored objects by path. */
  readonly objects: Map<string, StoredCalendarObject>;
}

const COLLECTION = '/dav/calendars/test/default';

/**
 * Starts a CalDAV-speaking server on 127.0.0.1 with one calendar collection. `PUT <collection>/<name>.ics`
 * with `Content-Type: text/calendar` stores the object (201 + ETag); `If-None-Match: *` on an
 * existing object gives 412, a body without BEGIN:VCALENDAR 400 (valid-calendar-data), GET
 * returns a stored object, OPTIONS advertises `calendar-access`.
 */
export async function startCalDavPeer(options: CalDavPeerOptions = {}): Promise<CalDavPeer> {
  const objects = new Map<string, StoredCalendarObject>();
  const authorized = (request: PeerRequest): boolean => {
    if (options.username === undefined) return true;
    const expected = `Basic ${Buffer.from(`${options.username}:${options.password ?? ''}`).toString('base64')}`;
    return request.headers.authorization === expected;
  };
  const handle = (request: PeerRequest): PeerResponse => {
    if (!authorized(request))
      return { status: 401, headers: { 'www-authenticate': 'Basic realm="aos-test"' }, body: 'unauthorized' };
    if (request.method === 'OPTIONS')
      return { status: 200, headers: { dav: '1, 2, calendar-access', allow: 'OPTIONS, GET, PUT, DELETE' } };
    const inCollection = request.pathname.startsWith(`${COLLECTION}/`) && request.pathname.endsWith('.ics');
    if (!inCollection) return { status: 404, body: 'not found' };
    const existing = objects.get(request.pathname);
    if (request.method === 'GET') {
      return existing
        ? { status: 200, headers: { 'content-type': existing.contentType, etag: existing.etag }, body: existing.body }
        : { status: 404, body: 'not found' };
    }
    if (request.method === 'DELETE') {
      objects.delete(request.pathname);
      return { status: existing ? 204 : 404 };
    }
    if (request.method !== 'PUT') return { status: 405, body: 'method not allowed' };
    const contentType = String(request.headers['content-type'] ?? '');
    if (!contentType.startsWith('text/calendar')) return { status: 415, body: 'expected text/calendar' };
    if (request.headers['if-none-match'] === '*' && existing) return { status: 412, body: 'already exists' };
    if (!request.text.startsWith('BEGIN:VCALENDAR') || !request.text.includes('END:VCALENDAR')) {
      return { status: 400, body: 'valid-calendar-data' };
    }
    const etag = `"${createHash('sha1').update(request.body).digest('hex')}"`;
    objects.set(request.pathname, { href: request.pathname, body: request.text, contentType, etag });
    return { status: existing ? 204 : 201, headers: { etag } };
  };
  const peer = await startHttpPeer({ fallback: handle });
  return { ...peer, collectionUrl: `${peer.url}${COLLECTION}`, objects };
}
