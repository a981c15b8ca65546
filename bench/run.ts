import { writeFile } from 'node:fs/promises';
import { type ColdStartResult, runColdStart } from './sections/cold-start.js';
import { type LargeMailFigures, runLargeMail } from './sections/large-mail.js';
import { type LatencyResult, OUTCOME_KINDS, runLatency } from './sections/latency.js';
import { runScale, type ScaleResult } from './sections/scale.js';
import { runThroughput, type ThroughputResult } from './sections/throughput.js';
import { KINDS, runWork, type WorkResult } from './sections/work.js';
import { round, startEnginesProcess } from './support/harness.js';

// `npm run bench` runs every section; `npm run bench -- work latency` runs the named ones.
const SECTIONS = ['work', 'scale', 'latency', 'throughput', 'large-mail', 'cold-start'] as const;
type Section = (typeof SECTIONS)[number];

const asked = process.argv.slice(2);
for (const name of asked) {
  if (!(SECTIONS as readonly string[]).includes(name)) {
    console.error(`unknown section ${name}; sections: ${SECTIONS.join(', ')}`);
    process.exit(2);
  }
}
const selected = new Set<Section>(asked.length > 0 ? (asked as Section[]) : SECTIONS);

interface Row {
  section: string;
  figure: string;
  value: string;
  baseline: string;
  target: string;
  met: '✓' | '✗' | '';
}
const rows: Row[] = [];
const row = (section: string, figure: string, value: string, baseline = '', target = '', met?: boolean) =>
  rows.push({ section, figure, value, baseline, target, met: met === undefined ? '' : met ? '✓' : '✗' });

const results: {
  startedAt: string;
  node: string;
  work?: WorkResult;
  scale?: ScaleResult;
  latency?: LatencyResult;
  throughput?: ThroughputResult;
  largeMail?: LargeMailFigures[];
  coldStart?: ColdStartResult;
} = { startedAt: new Date().toISOString(), node: process.version };

const needsEngines =
  selected.has('work') || selected.has('scale') || selected.has('latency') || selected.has('large-mail');
const engines = needsEngines ? await startEnginesProcess() : undefined;
try {
  if (engines && selected.has('work')) {
    console.error('work per message…');
    const work = await runWork(engines);
    results.work = work;
    for (const kind of KINDS) {
      const k = work.kinds[kind];
      row('work', `${kind}: AWS calls`, String(k.calls));
      row(
        'work',
        `${kind}: DynamoDB WCU / RCU`,
        `${k.dynamoWriteUnits} / ${k.dynamoReadUnits}`,
        '',
        kind === 'follow-up' ? 'WCU ≤ 6' : '',
        kind === 'follow-up' ? k.dynamoWriteUnits <= 6 : undefined,
      );
      row(
        'work',
        `${kind}: S3 reads`,
        String(k.s3Gets),
        '',
        kind === 'follow-up' ? '≤ 1' : '',
        kind === 'follow-up' ? k.s3Gets <= 1 : undefined,
      );
      row(
        'work',
        `${kind}: $ per 10k, non-SES / SES`,
        `${k.otherCostPer10k.toFixed(3)} / ${k.sesCostPer10k.toFixed(3)} = ${(k.otherToSes * 100).toFixed(1)}%`,
        'SES charges',
        '≤ 10%',
        k.otherToSes <= 0.1,
      );
      row(
        'latency',
        `${kind}: sequential round trips`,
        String(k.sequentialRoundTrips),
        '',
        kind === 'follow-up' ? '≤ 4' : '',
        kind === 'follow-up' ? k.sequentialRoundTrips <= 4 : undefined,
      );
    }
  }
  if (engines && selected.has('work')) {
    const w = results.work as WorkResult;
    for (const [name, k] of [
      ['typical 50 KB follow-up', w.typical],
      ['owner answer, 2 on Cc', w.ownerReplyTwoCc],
    ] as const) {
      row(
        'cost',
        `${name}: $ per 10k, non-SES / SES`,
        `${k.otherCostPer10k.toFixed(3)} / ${k.sesCostPer10k.toFixed(3)} = ${(k.otherToSes * 100).toFixed(1)}%`,
        w.sesPricingPlan.split(' (')[0] ?? '',
        name.startsWith('typical') ? '≤ 5%' : '',
        name.startsWith('typical') ? k.otherToSes <= 0.05 : undefined,
      );
      row(
        'cost',
        `${name}: storage per 10k per month (S3 / DynamoDB / PITR)`,
        Object.values(k.storagePer10kPerMonth)
          .map((v) => v.toFixed(4))
          .join(' / '),
        `first year ${k.storagePer10kFirstYear.toFixed(3)}`,
      );
      row(
        'cost',
        `${name}: non-SES with a year of storage ÷ SES`,
        `${(k.otherWithYearToSes * 100).toFixed(1)}%`,
        '',
        name.startsWith('typical') ? '≤ 10%' : '',
        name.startsWith('typical') ? k.otherWithYearToSes <= 0.1 : undefined,
      );
    }
  }
  if (engines && selected.has('scale')) {
    console.error('scale…');
    const s = await runScale(engines);
    results.scale = s;
    const units = (c: { wcu: number; rcu: number; calls: number; outcome: string }) =>
      `${c.wcu} / ${c.rcu}, ${c.calls} calls, ${c.outcome}`;
    for (const r of s.conversationLength) {
      row(
        'scale',
        `follow-up in ${r.messages} messages: WCU / RCU`,
        units(r.followUp),
        '',
        'WCU ≤ 6, RCU ≤ 5',
        r.followUp.wcu <= 6 && r.followUp.rcu <= 5 && !r.followUp.outcome.startsWith('failed'),
      );
      row(
        'scale',
        `owner answer in ${r.messages + 1} messages: WCU / RCU`,
        units(r.ownerReply),
        '',
        'WCU ≤ 7, RCU ≤ 5',
        r.ownerReply.wcu <= 7 && r.ownerReply.rcu <= 5 && !r.ownerReply.outcome.startsWith('failed'),
      );
    }
    for (const r of s.senderFlood) {
      const last = r.mailsInHour === Math.max(...s.senderFlood.map((f) => f.mailsInHour));
      row(
        'scale',
        `mail ${r.mailsInHour} of one sender in an hour: WCU`,
        `${r.wcu}, ${r.outcome}`,
        r.counted < r.mailsInHour - 1 ? `counter holds ${r.counted}` : '',
        last ? 'rate-limited, WCU ≤ 3' : '',
        last ? r.outcome === 'rate-limited' && r.wcu <= 3 : undefined,
      );
    }
    const fewest = s.owners[0];
    for (const r of s.owners)
      row(
        'scale',
        `customer mail with ${r.owners} owners: RCU`,
        String(r.customerMail.rcu),
        fewest && r !== fewest ? `${fewest.owners} owners: ${fewest.customerMail.rcu}` : '',
        r !== fewest ? '≤ +1 RCU' : '',
        fewest && r !== fewest ? r.customerMail.rcu <= fewest.customerMail.rcu + 1 : undefined,
      );
  }
  if (engines && selected.has('latency')) {
    console.error('latency…');
    const l = await runLatency(engines);
    results.latency = l;
    row(
      'latency',
      `wall per message p50 / p99 (${l.messages} mails)`,
      `${l.wallMs.p50.toFixed(1)} / ${l.wallMs.p99.toFixed(1)} ms`,
    );
    row(
      'latency',
      'handler CPU p50 / p99',
      `${l.handlerCpuMs.p50.toFixed(2)} / ${l.handlerCpuMs.p99.toFixed(2)} ms`,
      `parse-only ${l.parseOnlyCpuMs.p50.toFixed(2)} / ${l.parseOnlyCpuMs.p99.toFixed(2)} ms`,
    );
    row(
      'latency',
      'handler CPU ÷ parse-only, p50',
      `${l.cpuRatioP50}×`,
      'mailparser alone',
      '≤ 3×',
      l.cpuRatioP50 <= 3,
    );
    row(
      'latency',
      '  CPU of one AWS SDK call; AWS calls per mail p50',
      `${l.sdkCallCpuMs.toFixed(2)} ms; ${l.awsCallsP50}`,
      'DynamoDB GetItem',
    );
    for (const kind of OUTCOME_KINDS) {
      const k = l.byKind[kind];
      const relayed = kind === 'relayed-to-owner' || kind === 'relayed-to-customer';
      row(
        'latency',
        `  ${kind} (${k.count}): CPU p50 / p99 ÷ parse-only`,
        `${k.cpuMs.p50.toFixed(2)} / ${k.cpuMs.p99.toFixed(2)} ms = ${k.ratio.p50}× / ${k.ratio.p99}×`,
        `same mails parsed: ${k.ownParseRatio.p50}× / ${k.ownParseRatio.p99}×`,
        relayed ? 'p50 ≤ 10×' : '',
        relayed ? k.count > 0 && k.ratio.p50 <= 10 : undefined,
      );
    }
    for (const [status, o] of Object.entries(l.byOutcome))
      row(
        'latency',
        `  ${status} (${o.count}): wall / CPU p50, round trips`,
        `${o.wallP50} / ${o.cpuP50} ms, ${o.roundTripsP50}`,
      );
  }
  if (selected.has('throughput')) {
    console.error('throughput…');
    const t = await runThroughput();
    results.throughput = t;
    row(
      'throughput',
      `local mode, ${t.senders} senders, ${t.messages} mails`,
      `${t.local.perSecond} msg/s`,
      `SMTP→file ${t.baseline.perSecond} msg/s (${(t.ratio * 100).toFixed(1)}%)`,
    );
    row('throughput', 'lost (no outcome, or relay missing)', String(t.lost), '', '0', t.lost === 0);
    row(
      'throughput',
      `  SMTP transaction start → relay written, p50 / p99 (${t.acceptToRelayMs.measured} relays)`,
      `${t.acceptToRelayMs.p50} / ${t.acceptToRelayMs.p99} ms`,
    );
  }
  if (engines && selected.has('large-mail')) {
    console.error('large mail…');
    const large = await runLargeMail(engines);
    results.largeMail = large;
    for (const m of large)
      row(
        'large mail',
        `${m.sizeMb} MB: time, peak over idle`,
        `${m.ms} ms, ${m.peakOverIdleMb} MB = ${m.ratio}×`,
        `parse-only ${m.parseOnlyPeakOverIdleMb} MB = ${m.parseOnlyRatio}×`,
        '≤ 4×',
        m.ratio <= 4,
      );
  }
  if (selected.has('cold-start')) {
    console.error('cold start…');
    const c = await runColdStart();
    results.coldStart = c;
    const beside = Object.entries(c.inboundBesideBundleLoaded);
    const besideKb = beside.reduce((sum, [, p]) => sum + p.bytes, 0) / 1024;
    for (const [name, b] of Object.entries(c.bundles))
      row(
        'cold start',
        `bundle ${name}`,
        `${b.mb} MB`,
        '',
        name === 'inbound' ? '< 1.5 MB' : '',
        name === 'inbound' ? b.mb < 1.5 : undefined,
      );
    row(
      'cold start',
      '  inbound: largest packages (metafile)',
      Object.entries(c.inboundPackages)
        .slice(0, 5)
        .map(([name, bytes]) => `${name} ${round(bytes / 1024, 0)} KB`)
        .join(', '),
    );
    row(
      'cold start',
      '  inbound: + read from beside it at cold start',
      beside.length === 0
        ? 'nothing'
        : `${round(besideKb, 1)} KB (${beside.map(([name, p]) => `${name} ${p.files} files`).join(', ')}) = ${c.inboundLoaded.mb} MB`,
      '',
      '< 1.5 MB',
      c.inboundLoaded.mb < 1.5,
    );
    row(
      'cold start',
      `load + build clients + first call (median of ${c.runs})`,
      `${c.inbound.readyMs} ms`,
      `${c.baseline.readyMs} ms`,
      '≤ 2×',
      c.readyRatio <= 2,
    );
    row(
      'cold start',
      '  ratio (import only)',
      `${c.readyRatio}× (${c.loadedRatio}×)`,
      `${c.baseline.loadedMs} ms import`,
    );
    row(
      'cold start',
      '  CPU time until ready, ratio',
      `${c.inbound.cpuMs} ms = ${c.cpuRatio}×`,
      `${c.baseline.cpuMs} ms`,
    );
  }
} finally {
  await engines?.stop();
}

const headers: Row = {
  section: 'section',
  figure: 'figure',
  value: 'value',
  baseline: 'baseline (same run)',
  target: 'target',
  met: '',
};
const widths = Object.keys(headers).map((key) =>
  Math.max(...[headers, ...rows].map((r) => [...String(r[key as keyof Row])].length)),
);
const line = (r: Row) =>
  Object.keys(headers)
    .map((key, i) => String(r[key as keyof Row]).padEnd(widths[i] ?? 0))
    .join(' │ ');
console.log(line(headers));
console.log(widths.map((w) => '─'.repeat(w)).join('─┼─'));
for (const r of rows) console.log(line(r));

const out = new URL('./results.json', import.meta.url);
if (selected.size === SECTIONS.length) {
  await writeFile(out, `${JSON.stringify({ ...results, table: rows }, null, 2)}\n`);
} else {
  // A partial run updates only its sections.
  const { readFile } = await import('node:fs/promises');
  const previous = JSON.parse(await readFile(out, 'utf8').catch(() => '{}')) as Record<string, unknown>;
  await writeFile(out, `${JSON.stringify({ ...previous, ...results, table: rows }, null, 2)}\n`);
}
console.error(`written ${out.pathname}`);
