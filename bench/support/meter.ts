import { Readable } from 'node:stream';

/** One AWS call seen by the SDK middleware. */
export interface AwsCall {
  service: 'dynamodb' | 's3' | 'ses' | 'secretsmanager';
  command: string;
  start: number;
  end: number;
  /** DynamoDB write/read units (table and GSI), computed per DynamoDB rules. */
  writeUnits: number;
  readUnits: number;
  /** Bytes of an S3 object read or written, or of a raw mail sent. */
  bytes: number;
  /** Recipients of a mail sent (SES charges per recipient). */
  recipients?: number;
  /** Approximate stored size of a DynamoDB item put (names and values, plus 100 bytes per item). */
  itemBytes?: number;
  failed: boolean;
  /** The error of a failed call, as `Name: message`. */
  error?: string;
  /** The kind of item a DynamoDB single-item call addressed (its partition key's prefix). */
  item?: string;
  /** Its sort key's prefix (`MSG` for a message in a conversation's partition). */
  sort?: string;
}

interface MiddlewareStackLike {
  // biome-ignore lint/suspicious/noExplicitAny: the SDK's middleware types differ per client and step.
  add(middleware: any, options: any): void;
}

type Input = Record<string, unknown>;

/**
 * Items that carry the `gsi1` keys: writing them also writes the index (projection ALL). Conversations
 * carry none (their customer's partition points to them), so their thread updates write no index copy.
 */
const GSI_ITEM = /^(CUSTOMER#.+|OWNER#.+)$/;

function hasGsiCopy(input: Input): boolean {
  const item = input.Item as Input | undefined;
  if (item) return item.gsi1pk !== undefined;
  const key = input.Key as Input | undefined;
  const pk = key?.pk;
  const sk = key?.sk;
  return typeof pk === 'string' && GSI_ITEM.test(pk) && (sk === 'CUSTOMER' || sk === 'OWNER');
}

/**
 * A conversation write that sets or removes the due-index keys (a response promise opened or ended)
 * also writes the `due` index: one unit for its small projection (keys, owner, customer, promise). Moving
 * an existing entry (a delete and a put) costs one more; on the relay path a promise opens from none.
 * An update of other attributes writes no copy.
 */
function dueIndexUnits(input: Input): number {
  const item = input.Item as Input | undefined;
  if (item) return item.duepk !== undefined ? 1 : 0;
  const expression = input.UpdateExpression;
  if (typeof expression !== 'string') return 0;
  const names = Object.entries((input.ExpressionAttributeNames ?? {}) as Record<string, string>);
  const placeholder = names.find(([, name]) => name === 'duepk')?.[0];
  return placeholder && expression.includes(placeholder) ? 1 : 0;
}

function capacityOf(output: Input | undefined): number {
  const consumed = output?.ConsumedCapacity as { CapacityUnits?: number } | Array<{ CapacityUnits?: number }>;
  if (!consumed) return 0;
  if (Array.isArray(consumed)) return consumed.reduce((sum, c) => sum + (c.CapacityUnits ?? 0), 0);
  return consumed.CapacityUnits ?? 0;
}

const WRITES = new Set(['PutItemCommand', 'UpdateItemCommand', 'DeleteItemCommand']);
const DYNAMO_COMMANDS: Record<string, string> = {
  PutCommand: 'PutItemCommand',
  UpdateCommand: 'UpdateItemCommand',
  DeleteCommand: 'DeleteItemCommand',
  GetCommand: 'GetItemCommand',
  BatchGetCommand: 'BatchGetItemCommand',
  QueryCommand: 'QueryCommand',
  ScanCommand: 'ScanCommand',
};

/**
 * Records every AWS call of the clients it is attached to: name, start and end time, DynamoDB capacity
 * (dynalite computes the table's units when asked with `ReturnConsumedCapacity`; the `gsi1` copy and
 * failed conditional writes, which AWS also bills, are added here), and S3/SES bytes.
 */
export class AwsMeter {
  calls: AwsCall[] = [];
  /** Raw mails handed to the SES stub, in order. */
  sentRaw: Buffer[] = [];
  private sesSequence = 0;
  /** Called whenever a call starts or ends (the large-mail child labels its memory samples with it). */
  onChange?: () => void;

  /** `keepSent: false` drops sent mail instead of keeping a copy (memory measurements). */
  constructor(private readonly options: { keepSent?: boolean } = {}) {}

  reset(): void {
    this.calls = [];
    this.sentRaw = [];
  }

  attach(client: { middlewareStack: MiddlewareStackLike }, service: AwsCall['service']): void {
    client.middlewareStack.add(
      // biome-ignore lint/suspicious/noExplicitAny: see MiddlewareStackLike.
      (next: any, context: { commandName?: string }) => async (args: { input: Input }) => {
        const raw = context.commandName ?? '?';
        const command = DYNAMO_COMMANDS[raw] ?? raw;
        if (service === 'dynamodb') args.input.ReturnConsumedCapacity = 'TOTAL';
        const call: AwsCall = {
          service,
          command,
          start: performance.now(),
          end: 0,
          writeUnits: 0,
          readUnits: 0,
          bytes: 0,
          failed: false,
        };
        const key = (args.input.Key ?? args.input.Item) as Input | undefined;
        if (typeof key?.pk === 'string') call.item = key.pk.split('#', 1)[0];
        if (typeof key?.sk === 'string') call.sort = key.sk.split('#', 1)[0];
        this.calls.push(call);
        this.onChange?.();
        if (service === 'dynamodb' && command === 'PutItemCommand' && args.input.Item)
          call.itemBytes = approximateItemBytes(args.input.Item as Input);
        if (service === 's3' && command === 'PutObjectCommand')
          call.bytes = Number(args.input.ContentLength ?? 0);
        if (service === 'ses') {
          const data = (args.input.Content as { Raw?: { Data?: Uint8Array } } | undefined)?.Raw?.Data;
          const destination = args.input.Destination as
            | { ToAddresses?: string[]; CcAddresses?: string[]; BccAddresses?: string[] }
            | undefined;
          call.recipients =
            (destination?.ToAddresses?.length ?? 0) +
            (destination?.CcAddresses?.length ?? 0) +
            (destination?.BccAddresses?.length ?? 0);
          if (data) {
            call.bytes = data.byteLength;
            if (this.options.keepSent !== false) this.sentRaw.push(Buffer.from(data));
          }
        }
        try {
          const result = await next(args);
          const output = result.output as Input | undefined;
          if (service === 'dynamodb') {
            const units = capacityOf(output);
            if (WRITES.has(command))
              call.writeUnits = units + (hasGsiCopy(args.input) ? units : 0) + dueIndexUnits(args.input);
            else call.readUnits = units;
          }
          if (service === 's3' && command === 'GetObjectCommand')
            call.bytes = Number(output?.ContentLength ?? 0);
          return result;
        } catch (error) {
          call.failed = true;
          call.error = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
          // A write whose condition failed is billed like a write of the existing item (1 KB here).
          if (service === 'dynamodb' && WRITES.has(command)) call.writeUnits = 1;
          throw error;
        } finally {
          call.end = performance.now();
          this.onChange?.();
        }
      },
      { step: 'initialize', name: `benchMeter-${service}`, priority: 'high' },
    );
  }

  /**
   * Makes an SES v2 client answer `SendEmail` locally, after serialization (so the request body is built
   * as it would be for AWS), with a MessageId like SES's.
   */
  stubSes(client: { middlewareStack: MiddlewareStackLike }): void {
    client.middlewareStack.add(
      () => async () => {
        this.sesSequence += 1;
        const id = `0100019a${String(this.sesSequence).padStart(8, '0')}-bench-000000`;
        return {
          response: {
            statusCode: 200,
            headers: { 'content-type': 'application/json' },
            body: Readable.from([Buffer.from(JSON.stringify({ MessageId: id }))]),
          },
          output: {},
        };
      },
      { step: 'deserialize', name: 'benchSesStub', priority: 'low' },
    );
  }
}

/** DynamoDB's stored size of an item, approximated: UTF-8 names and values, 100 bytes of overhead. */
function approximateItemBytes(item: Input): number {
  const size = (value: unknown): number => {
    if (typeof value === 'string') return Buffer.byteLength(value);
    if (typeof value === 'number') return 8;
    if (typeof value === 'boolean' || value === null || value === undefined) return 1;
    if (value instanceof Uint8Array) return value.byteLength;
    if (Array.isArray(value)) return 3 + value.reduce((sum: number, v) => sum + 1 + size(v), 0);
    if (value instanceof Set) return [...value].reduce((sum: number, v) => sum + size(v), 0);
    if (typeof value === 'object')
      return (
        3 +
        Object.entries(value as Input).reduce((sum, [k, v]) => sum + 1 + Buffer.byteLength(k) + size(v), 0)
      );
    return 0;
  };
  return 100 + Object.entries(item).reduce((sum, [k, v]) => sum + Buffer.byteLength(k) + size(v), 0);
}

/** Totals of a list of calls. */
export interface CallSummary {
  calls: number;
  byCommand: Record<string, number>;
  dynamoWriteUnits: number;
  dynamoReadUnits: number;
  s3Gets: number;
  s3Puts: number;
  s3GetBytes: number;
  sesSends: number;
  sesBytes: number;
  /** Recipients of every mail sent together (SES charges per recipient). */
  sesRecipients: number;
  /** Bytes of the DynamoDB items put (approximate; updates of existing items are left out). */
  dynamoPutBytes: number;
  /** Longest chain of calls where each starts after the previous one ended. */
  sequentialRoundTrips: number;
}

export function summarize(calls: AwsCall[]): CallSummary {
  const byCommand: Record<string, number> = {};
  for (const call of calls) {
    const name = `${call.service}:${call.command.replace(/Command$/, '')}`;
    byCommand[name] = (byCommand[name] ?? 0) + 1;
  }
  const sum = (pick: (c: AwsCall) => number, filter: (c: AwsCall) => boolean = () => true) =>
    calls.filter(filter).reduce((total, c) => total + pick(c), 0);
  return {
    calls: calls.length,
    byCommand,
    dynamoWriteUnits: sum((c) => c.writeUnits),
    dynamoReadUnits: sum((c) => c.readUnits),
    s3Gets: sum(
      () => 1,
      (c) => c.service === 's3' && c.command === 'GetObjectCommand',
    ),
    s3Puts: sum(
      () => 1,
      (c) => c.service === 's3' && c.command === 'PutObjectCommand',
    ),
    s3GetBytes: sum(
      (c) => c.bytes,
      (c) => c.service === 's3' && c.command === 'GetObjectCommand',
    ),
    sesSends: sum(
      () => 1,
      (c) => c.service === 'ses',
    ),
    sesBytes: sum(
      (c) => c.bytes,
      (c) => c.service === 'ses',
    ),
    sesRecipients: sum(
      (c) => c.recipients ?? 1,
      (c) => c.service === 'ses',
    ),
    dynamoPutBytes: sum((c) => (c.failed ? 0 : (c.itemBytes ?? 0))),
    sequentialRoundTrips: criticalPathDepth(calls),
  };
}

/**
 * Depth of dependent calls: a call that started before another ended overlaps it (issued concurrently);
 * a call that started after another ended may depend on it. The depth of a call is one more than the
 * deepest call that ended before it started.
 */
export function criticalPathDepth(calls: AwsCall[]): number {
  const ordered = [...calls].sort((a, b) => a.start - b.start);
  const depth = new Map<AwsCall, number>();
  let deepest = 0;
  for (const call of ordered) {
    let before = 0;
    for (const earlier of ordered) {
      if (earlier === call) break;
      if (earlier.end <= call.start) before = Math.max(before, depth.get(earlier) ?? 0);
    }
    depth.set(call, before + 1);
    deepest = Math.max(deepest, before + 1);
  }
  return deepest;
}

/**
 * The time the chain of dependent calls would take on AWS with the given round trip per service: like
 * {@link criticalPathDepth}, but each call adds its service's round trip instead of 1.
 */
export function modelledPathMs(calls: AwsCall[], roundTripMs: Record<AwsCall['service'], number>): number {
  const ordered = [...calls].sort((a, b) => a.start - b.start);
  const done = new Map<AwsCall, number>();
  let longest = 0;
  for (const call of ordered) {
    let before = 0;
    for (const earlier of ordered) {
      if (earlier === call) break;
      if (earlier.end <= call.start) before = Math.max(before, done.get(earlier) ?? 0);
    }
    const end = before + roundTripMs[call.service];
    done.set(call, end);
    longest = Math.max(longest, end);
  }
  return longest;
}

/** The chain of calls as text: concurrent calls joined by `∥`, rounds by `→`. */
export function describeRounds(calls: AwsCall[]): string {
  const ordered = [...calls].sort((a, b) => a.start - b.start);
  const depth = new Map<AwsCall, number>();
  const rounds: string[][] = [];
  for (const call of ordered) {
    let before = 0;
    for (const earlier of ordered) {
      if (earlier === call) break;
      if (earlier.end <= call.start) before = Math.max(before, depth.get(earlier) ?? 0);
    }
    depth.set(call, before + 1);
    const round = rounds[before] ?? [];
    const what = [call.item, call.writeUnits > 0 ? `${call.writeUnits}w` : ''].filter(Boolean).join(' ');
    round.push(`${call.command.replace(/(Item)?Command$/, '')}${what ? ` (${what})` : ''}`);
    rounds[before] = round;
  }
  return rounds.map((round) => round.join(' ∥ ')).join(' → ');
}

/**
 * One line per call: service and command, the item it addressed (partition and sort key prefixes), its
 * write and read units, and whether it failed (a refused condition is billed too).
 */
export function describeCalls(calls: AwsCall[]): string[] {
  return [...calls]
    .sort((a, b) => a.start - b.start)
    .map((call) => {
      const item = call.item
        ? `${call.item}${call.sort && call.sort !== call.item ? `/${call.sort}` : ''}`
        : '';
      const units = call.service === 'dynamodb' ? `${call.writeUnits} WCU ${call.readUnits} RCU` : '';
      return [
        `${call.service}:${call.command.replace(/(Item)?Command$/, '')}`.padEnd(24),
        item.padEnd(14),
        units,
        call.failed ? `failed (${(call.error ?? '').split(':', 1)[0]})` : '',
      ]
        .join(' ')
        .trimEnd();
    });
}
