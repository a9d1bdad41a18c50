/**
 * A real SMTP server on 127.0.0.1 (smtp-server) that requires a login, receives messages and
 * parses them with mailparser; a test can make it refuse the next commands with a reply code.
 */
import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** One received message: the envelope and the parsed mail. */
export interface ReceivedMail {
  readonly envelopeFrom: string;
  readonly envelopeTo: string[];
  readonly raw: string;
  readonly parsed: ParsedMail;
}

/** A running loopback SMTP server. */
export interface LoopbackSmtp {
  readonly port: number;
  /** `smtp://<user>:<pass>@127.0.0.1:<port>` */
  readonly url: string;
  readonly received: ReceivedMail[];
  /** Refuse MAIL FROM with this reply code (e.g. 421, 451, 550), or accept again with `undefined`. */
  failWith(code: number | undefined, text?: string): void;
  /** Refuse these recipients with 550. */
  rejectRecipients(addresses: string[]): void;
  close(): Promise<void>;
}

function smtpError(code: number, text: string): Error {
  return Object.assign(new Error(text), { responseCode: code });
}

/** Starts a server accepting `user`/`pass` (PLAIN/LOGIN, no TLS: loopback only). */
export async function startLoopbackSmtp(user = 'klaxon', pass = 's3cr3t-p@ss'): Promise<LoopbackSmtp> {
  const received: ReceivedMail[] = [];
  let failure: { code: number; text: string } | undefined;
  let rejected = new Set<string>();
  const server = new SMTPServer({
    secure: false,
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authMethods: ['PLAIN', 'LOGIN'],
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === user && auth.password === pass) callback(null, { user });
      else callback(smtpError(535, 'Authentication credentials invalid'));
    },
    onMailFrom(_address, _session, callback) {
      if (failure !== undefined) callback(smtpError(failure.code, failure.text));
      else callback();
    },
    onRcptTo(address, _session, callback) {
      if (rejected.has(address.address)) callback(smtpError(550, 'No such user here'));
      else callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        simpleParser(raw)
          .then((parsed) => {
            const from = session.envelope.mailFrom;
            received.push({
              envelopeFrom: from === false ? '' : from.address,
              envelopeTo: session.envelope.rcptTo.map((r) => r.address),
              raw,
              parsed,
            });
            callback();
          })
          .catch((e: Error) => callback(e));
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.server.address() as AddressInfo;
  return {
    port,
    url: `smtp://${encodeURIComponent(user)}:${encodeURIComponent(pass)}@127.0.0.1:${port}`,
    received,
    failWith(code, text = 'Try again later') {
      failure = code === undefined ? undefined : { code, text };
    },
    rejectRecipients(addresses) {
      rejected = new Set(addresses);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
