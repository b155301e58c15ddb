import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/** One message the SMTP peer accepted. */
export interface ReceivedMail {
  /** Envelope sender (MAIL FROM). */
  readonly from: string;
  /** Envelope recipients (RCPT TO). */
  readonly to: string[];
  /** The raw message, headers and body, as received. */
  readonly raw: string;
  /** Header fields, lower-case names, unfolded; the first occurrence of each. */
  readonly headers: Record<string, string>;
  /** The authenticated user, if any. */
  readonly user: string | undefined;
}

/** Options of {@link startSmtpPeer}. */
export interface SmtpPeerOptions {
  /** Credentials the peer demands; without them no AUTH is offered or needed. */
  readonly auth?: { readonly user: string; readonly pass: string };
}

/** An SMTP server on 127.0.0.1 (no TLS) that keeps every message. */
export interface SmtpPeer {
  /** `smtp://[user:pass@]127.0.0.1:<port>`, for AOS_SMTP_URL. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** `127.0.0.1:<port>`, for AOS_HTTP_ALLOW_HOSTS. */
  readonly hostPort: string;
  readonly messages: ReceivedMail[];
  close(): Promise<void>;
}

function parseHeaders(raw: string): Record<string, string> {
  const end = raw.search(/\r?\n\r?\n/);
  const block = (end >= 0 ? raw.slice(0, end) : raw).replace(/\r?\n[ \t]+/g, ' ');
  const headers: Record<string, string> = {};
  for (const line of block.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    headers[name] ??= line.slice(colon + 1).trim();
  }
  return headers;
}

/**
 * Starts a real SMTP server (smtp-server) on 127.0.0.1, port 0, without TLS. With `auth`, it
 * requires AUTH PLAIN/LOGIN with those credentials; the envelope and raw message of every
 * accepted mail are recorded before the client is told 250.
 */
export async function startSmtpPeer(options: SmtpPeerOptions = {}): Promise<SmtpPeer> {
  const messages: ReceivedMail[] = [];
  const server = new SMTPServer({
    secure: false,
    disabledCommands: options.auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    authOptional: !options.auth,
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, callback) {
      if (options.auth && auth.username === options.auth.user && auth.password === options.auth.pass) {
        callback(null, { user: auth.username });
      } else {
        callback(new Error('Invalid username or password'));
      }
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const from = session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address;
        messages.push({
          from,
          to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
          raw,
          headers: parseHeaders(raw),
          user: typeof session.user === 'string' ? session.user : undefined,
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = (server as unknown as { server: { address(): AddressInfo } }).server.address();
  const credentials = options.auth
    ? `${encodeURIComponent(options.auth.user)}:${encodeURIComponent(options.auth.pass)}@`
    : '';
  return {
    url: `smtp://${credentials}127.0.0.1:${port}`,
    host: '127.0.0.1',
    port,
    hostPort: `127.0.0.1:${port}`,
    messages,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
