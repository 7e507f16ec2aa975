import { LOG_CONFIG_KEYS } from '../../../storage/config/log-config.js';
import type { TopicInfo } from '../metadata/topic-store.js';
import type { BrokerView } from './broker-view.js';
import { type GroupView, groupViews } from './group-lag.js';

/** The cumulative totals the console's charts poll, turning differences into rates. */
export function throughputSnapshot(view: BrokerView): { timeMs: number; messagesIn: number; bytesIn: number; bytesOut: number } {
  const all = view.metrics.allTopics;
  return { timeMs: Date.now(), messagesIn: all.messagesIn, bytesIn: all.bytesIn, bytesOut: all.bytesOut };
}

/**
 * The web console: one server-rendered page of the broker as it is now
 * (brokers, topics with their partitions, sizes and configs, consumer groups
 * with members and lag) and two charts of live throughput that
 * /console.js draws. Everything shown is escaped: clients choose group ids,
 * client ids and member ids.
 */
export async function renderConsole(view: BrokerView): Promise<string> {
  const groups = await groupViews(view.context, view.latestOffsets);
  const { context } = view;
  const topics = context.topics
    .all()
    .slice()
    .sort((a, b) => Number(a.internal) - Number(b.internal) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>samsa · broker ${context.brokerId}</title>
<link rel="stylesheet" href="/console.css">
<script src="/console.js" defer></script>
</head>
<body>
<header><h1>samsa</h1><p>broker ${context.brokerId} of cluster <code>${esc(context.clusterId)}</code> · <span id="refreshed">rendered ${esc(new Date().toISOString())}</span> · <a href="/metrics">/metrics</a></p></header>
<section id="throughput">
<h2>Throughput</h2>
<div class="charts">
<figure><figcaption>messages in: <output id="rate-messages">–</output>/s</figcaption><canvas id="chart-messages" width="480" height="140"></canvas></figure>
<figure><figcaption>bytes in: <output id="rate-bytes-in">–</output>/s · bytes out: <output id="rate-bytes-out">–</output>/s</figcaption><canvas id="chart-bytes" width="480" height="140"></canvas></figure>
</div>
</section>
<main id="state">
${brokersSection(view)}
${topicsSection(view, topics)}
${groupsSection(groups)}
</main>
</body>
</html>
`;
}

function brokersSection(view: BrokerView): string {
  const { context } = view;
  const controller = context.controllerId();
  const rows = context
    .liveBrokers()
    .sort((a, b) => a.nodeId - b.nodeId)
    .map((b) =>
      row([
        String(b.nodeId) + (b.nodeId === context.brokerId ? ' (this broker)' : ''),
        `${b.host}:${b.port}`,
        b.rack ?? '',
        b.nodeId === controller ? 'controller' : '',
      ]),
    );
  const listeners = view.listeners().map((l) => row([l.name, String(l.connections), String(l.pendingRequests)]));
  return `<section id="brokers"><h2>Brokers</h2>
${table(['id', 'endpoint', 'rack', 'role'], rows)}
<h3>Listeners of this broker</h3>
${table(['listener', 'connections', 'requests in flight'], listeners)}
</section>`;
}

function topicsSection(view: BrokerView, topics: readonly TopicInfo[]): string {
  const { context } = view;
  const parts = topics.map((topic) => {
    let size = 0;
    const partitionRows = topic.replicas.map((replicas, index) => {
      const meta = context.topics.partitionMetadata(topic.name, index);
      const local = context.replicas.getPartition(topic.name, index);
      const bytes = local?.log.sizeInBytes;
      size += bytes ?? 0;
      return row([
        String(index),
        meta ? String(meta.leader) : 'none',
        replicas.join(','),
        meta ? meta.isr.join(',') : '',
        num(local?.logStartOffset),
        num(local?.logEndOffset),
        num(local?.highWatermark),
        bytes === undefined ? '–' : formatBytes(bytes),
      ]);
    });
    const config = context.topics.logConfig(topic);
    const configRows = LOG_CONFIG_KEYS.map((k) => {
      const source = config.source(k.name);
      return row(
        [k.name, String(config.get(k.name)), source === 'topic' ? 'topic override' : source === 'broker' ? 'broker default' : 'default'],
        source === 'topic' ? 'override' : '',
      );
    });
    const overrides = Object.entries(topic.configs).map(([k, v]) => `${k}=${v}`);
    return `<details class="topic" data-topic="${esc(topic.name)}">
<summary><span class="name">${esc(topic.name)}</span>${topic.internal ? ' <span class="tag">internal</span>' : ''} · ${topic.replicas.length} partition${topic.replicas.length === 1 ? '' : 's'} · replication factor ${topic.replicas[0]?.length ?? 0} · ${formatBytes(size)} here${overrides.length > 0 ? ` · ${esc(overrides.join(', '))}` : ''}</summary>
${table(['partition', 'leader', 'replicas', 'isr', 'log start', 'log end', 'high watermark', 'size here'], partitionRows)}
<details class="configs"><summary>configs</summary>${table(['config', 'value', 'source'], configRows)}</details>
</details>`;
  });
  return `<section id="topics"><h2>Topics (${topics.length})</h2>
${parts.length === 0 ? '<p class="empty">no topics</p>' : parts.join('\n')}
</section>`;
}

function groupsSection(groups: readonly GroupView[]): string {
  const parts = groups.map((g) => {
    const known = g.partitions.filter((p) => p.lag !== undefined);
    const total = known.reduce((n, p) => n + p.lag!, 0);
    const unknown = g.partitions.filter((p) => p.committedOffset !== undefined && p.lag === undefined).length;
    const members = g.members.map((m) =>
      row([m.memberId, m.groupInstanceId ?? '', m.clientId, m.clientHost, m.partitions.map((tp) => `${tp.topic}-${tp.partition}`).join(', ')]),
    );
    const lags = g.partitions.map((p) =>
      row([p.topic, String(p.partition), num(p.committedOffset), num(p.endOffset), num(p.lag), p.memberId ?? ''], p.lag ? 'lagging' : ''),
    );
    return `<div class="group" data-group="${esc(g.groupId)}">
<h3><span class="name">${esc(g.groupId)}</span> · ${esc(g.state)}${g.protocol ? ` · ${esc(g.protocol)}` : ''} · ${g.members.length} member${g.members.length === 1 ? '' : 's'} · lag <span class="total-lag">${known.length > 0 ? total : '–'}</span>${unknown > 0 ? ` <span class="lag-unknown">(${unknown} partition${unknown === 1 ? '' : 's'} not counted: leader not answering)</span>` : ''}</h3>
${members.length > 0 ? table(['member', 'instance', 'client', 'host', 'assigned partitions'], members) : '<p class="empty">no members</p>'}
${table(['topic', 'partition', 'committed offset', "leader's high watermark", 'lag', 'member'], lags)}
</div>`;
  });
  return `<section id="groups"><h2>Consumer groups (${groups.length})</h2>
${parts.length === 0 ? '<p class="empty">no consumer groups</p>' : parts.join('\n')}
</section>`;
}

function table(headers: readonly string[], rows: readonly string[]): string {
  return `<table><thead><tr>${headers.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function row(cells: readonly string[], className = ''): string {
  return `<tr${className ? ` class="${className}"` : ''}>${cells.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`;
}

function num(n: number | undefined): string {
  return n === undefined ? '–' : String(n);
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[u]}`;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}
