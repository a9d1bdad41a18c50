/**
 * The per-type table of the shared output contract suite (`output.case.test.ts`): how to aim
 * each registered output at a loopback server and what that server must answer. An output's owner
 * adds or extends its row; an output registered in `outputTypes` without a row fails the suite.
 */
import type { RecordedRequest, Reply } from './loopback-http.js';

/** The login the suite's SMTP server accepts; its password is the secret the email row declares. */
export const CONTRACT_SMTP = { user: 'klaxon', pass: 'CONTRACT-SMTP-PASSWORD-7f3a' } as const;

/** Where the suite's loopback servers listen, and a scratch directory. */
export interface Loopback {
  /** `http://127.0.0.1:<port>` of the HTTP server. */
  readonly origin: string;
  /** `smtp://user:pass@127.0.0.1:<port>` of the SMTP server. */
  readonly smtpUrl: string;
  /** A fresh temporary directory. */
  readonly dir: string;
}

/** One output's row. */
export interface ContractFixture {
  /** What the output speaks: the suite tests HTTP status classes over `http`, SMTP reply classes over `smtp`. */
  readonly transport: 'http' | 'smtp' | 'none';
  /** A valid config sending to the loopback server. */
  config(loopback: Loopback): Record<string, unknown>;
  /** Secret strings placed in that config: `secrets(config)` must name each of them. */
  readonly secretValues: readonly string[];
  /** HTTP: the real service's success answer to `req`. */
  readonly okReply?: (req: RecordedRequest) => Reply;
  /** HTTP: the real service's failure answer with `status` (default: a small JSON error). */
  readonly errorReply?: (status: number, headers: Readonly<Record<string, string>>) => Reply;
  /** Statuses whose retry decision differs from the common rule (408/425/429/5xx retry), with why. */
  readonly retryExceptions?: Readonly<Record<number, { readonly retryable: boolean; readonly why: string }>>;
  /** Environment variables set while the row runs (e.g. AWS credentials for an SDK client). */
  readonly env?: Readonly<Record<string, string>>;
}

const SNS_XMLNS = 'http://sns.amazonaws.com/doc/2010-03-31/';
// The query-protocol error code SNS sends for a status; any other status gets a neutral code so
// that the decision rests on the status, as the common rule expects.
const SNS_CODES: Readonly<Record<number, string>> = {
  400: 'InvalidParameter',
  403: 'AuthorizationError',
  404: 'NotFound',
  429: 'Throttled',
  500: 'InternalError',
};

/** Rows by output type. */
export const contractFixtures: Readonly<Record<string, ContractFixture>> = {
  email: {
    transport: 'smtp',
    config: (l) => ({ type: 'email', to: ['a@example.com', 'b@example.com'], from: 'k@example.com', smtp: l.smtpUrl }),
    secretValues: [CONTRACT_SMTP.pass],
  },
  pagerduty: {
    transport: 'http',
    config: (l) => ({ type: 'pagerduty', routingKey: 'CONTRACTROUTINGKEY0123456789abcd', apiUrl: `${l.origin}/v2/enqueue` }),
    secretValues: ['CONTRACTROUTINGKEY0123456789abcd'],
    okReply: (req) => ({
      status: 202,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'success', message: 'Event processed', dedup_key: JSON.parse(req.body).dedup_key }),
    }),
  },
  sns: {
    transport: 'http',
    config: (l) => ({ type: 'sns', topicArn: 'arn:aws:sns:us-west-2:111122223333:contract', endpoint: l.origin }),
    secretValues: [],
    env: { AWS_ACCESS_KEY_ID: 'AKIDCONTRACTEXAMPLE', AWS_SECRET_ACCESS_KEY: 'contract-secret-key' },
    okReply: () => ({
      status: 200,
      headers: { 'content-type': 'text/xml' },
      body: `<PublishResponse xmlns="${SNS_XMLNS}"><PublishResult><MessageId>mid-contract</MessageId></PublishResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></PublishResponse>`,
    }),
    errorReply: (status, headers) => ({
      status,
      headers: { ...headers, 'content-type': 'text/xml' },
      body: `<ErrorResponse xmlns="${SNS_XMLNS}"><Error><Type>${status >= 500 ? 'Receiver' : 'Sender'}</Type><Code>${SNS_CODES[status] ?? `Status${status}`}</Code><Message>failed</Message></Error><RequestId>r</RequestId></ErrorResponse>`,
    }),
  },
  webhook: {
    transport: 'http',
    config: (l) => ({ type: 'webhook', url: `${l.origin}/hook?token=CONTRACT-WEBHOOK-TOKEN-91c2`, secret: 'CONTRACT-HMAC-SECRET-55aa' }),
    secretValues: ['CONTRACT-WEBHOOK-TOKEN-91c2', 'CONTRACT-HMAC-SECRET-55aa'],
    okReply: () => ({ status: 200, body: 'ok' }),
  },
  slack: {
    transport: 'http',
    config: (l) => ({ type: 'slack', token: 'xoxb-CONTRACT-SLACK-TOKEN-3e9d', channel: 'C0123456', apiUrl: l.origin }),
    secretValues: ['xoxb-CONTRACT-SLACK-TOKEN-3e9d'],
    okReply: () => ({
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ok: true, channel: 'C0123456', ts: '1700000000.000100' }),
    }),
  },
  teams: {
    transport: 'http',
    config: (l) => ({ type: 'teams', url: `${l.origin}/workflows/run?api-version=1&sig=CONTRACT-TEAMS-SIG-0b7e` }),
    secretValues: ['CONTRACT-TEAMS-SIG-0b7e'],
    okReply: () => ({ status: 202, body: '' }),
  },
  console: {
    transport: 'none',
    config: () => ({ type: 'console', format: 'json' }),
    secretValues: [],
  },
  file: {
    transport: 'none',
    config: (l) => ({ type: 'file', path: `${l.dir}/deliveries.jsonl` }),
    secretValues: [],
  },
};
