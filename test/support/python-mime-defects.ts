import { spawnSync } from 'node:child_process';

/**
 * Reads mails framed as `<byte length>\n<bytes>` from stdin and prints one JSON line per mail: the
 * defects Python's parser found, as `<part type>: <Defect>`, over every part.
 */
const SCRIPT = `
import sys, json, email, email.policy
stream = sys.stdin.buffer
while True:
    size = stream.readline()
    if not size:
        break
    data = stream.read(int(size))
    found = []
    try:
        message = email.message_from_bytes(data, policy=email.policy.default)
        for part in message.walk():
            for defect in part.defects:
                found.append(part.get_content_type() + ": " + type(defect).__name__)
    except RecursionError:
        found.append("RecursionError")
    print(json.dumps(found))
`;

let interpreter: string | undefined;

/**
 * The Python interpreter `python3` names, asked once: where `python3` is a version manager's shim
 * (pyenv), each start through it costs half a second before Python itself starts.
 */
function python(): string {
  if (interpreter === undefined) {
    const result = spawnSync('python3', ['-c', 'import sys; print(sys.executable)']);
    if (result.error) throw result.error;
    interpreter = result.stdout.toString().trim() || 'python3';
  }
  return interpreter;
}

/**
 * The defects Python's `email` package (policy `default`) finds in each raw mail, one entry per part and
 * defect; `[]` for a well-formed mail. A second, independent parser: mailparser tolerates what it reads,
 * so it cannot tell us that what we wrote is malformed. One process for all mails (it starts slowly).
 */
export function pythonMimeDefectsOf(raws: readonly Buffer[]): string[][] {
  const input = Buffer.concat(raws.flatMap((raw) => [Buffer.from(`${raw.length}\n`), raw]));
  const result = spawnSync(python(), ['-c', SCRIPT], { input, maxBuffer: 64 * 1024 * 1024 });
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`python3 failed: ${result.stderr.toString()}`);
  const lines = result.stdout
    .toString()
    .split('\n')
    .filter((line) => line !== '');
  if (lines.length !== raws.length)
    throw new Error(`python3 answered ${lines.length} of ${raws.length} mails`);
  return lines.map((line) => JSON.parse(line) as string[]);
}

/** {@link pythonMimeDefectsOf} for one mail. */
export function pythonMimeDefects(raw: Buffer): string[] {
  return pythonMimeDefectsOf([raw])[0] ?? [];
}
