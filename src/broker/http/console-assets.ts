/**
 * The console's stylesheet and script, hand-written and served as they are
 * (no framework, no build step). The script draws the throughput charts from
 * /console/throughput.json once a second and re-renders the page's tables
 * from / every five seconds, keeping open what the reader opened.
 */

export const CONSOLE_CSS = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 0 2em 2em; color: #1d232a; background: #fbfbfc; }
header { display: flex; align-items: baseline; gap: 1.5em; border-bottom: 1px solid #d5d9de; }
h1 { font-size: 1.4em; margin: .6em 0; }
h2 { font-size: 1.15em; margin: 1.4em 0 .4em; }
h3 { font-size: 1em; margin: 1em 0 .3em; }
table { border-collapse: collapse; margin: .3em 0 .8em; }
th, td { padding: .2em .8em .2em 0; text-align: left; border-bottom: 1px solid #e6e8eb; font-variant-numeric: tabular-nums; }
th { font-weight: 600; color: #4a5561; }
tr.lagging td { background: #fff4e0; }
tr.override td { font-weight: 600; }
details.topic { margin: .3em 0; padding: .3em .6em; background: #fff; border: 1px solid #e6e8eb; border-radius: 4px; }
details.topic > summary { cursor: pointer; }
.group { margin: .5em 0; padding: .3em .6em; background: #fff; border: 1px solid #e6e8eb; border-radius: 4px; }
.name { font-weight: 600; }
.tag { font-size: .8em; color: #6b7580; border: 1px solid #c5cbd2; border-radius: 3px; padding: 0 .3em; }
.empty { color: #6b7580; }
.charts { display: flex; flex-wrap: wrap; gap: 2em; }
figure { margin: 0; }
figcaption { color: #4a5561; margin-bottom: .2em; }
canvas { background: #fff; border: 1px solid #e6e8eb; }
`;

export const CONSOLE_SCRIPT = `'use strict';
(() => {
  const POINTS = 120;
  const series = { messages: [], bytesIn: [], bytesOut: [] };
  let last;

  const human = (n) => {
    if (n < 1000) return n.toFixed(n < 10 && n > 0 ? 1 : 0);
    const units = ['k', 'M', 'G', 'T'];
    let u = -1;
    while (n >= 1000 && u < units.length - 1) { n /= 1000; u++; }
    return n.toFixed(n < 10 ? 1 : 0) + units[u];
  };

  function push(list, value) {
    list.push(value);
    if (list.length > POINTS) list.shift();
  }

  function draw(canvas, lines) {
    const ctx = canvas.getContext('2d');
    const w = canvas.width, h = canvas.height, top = 14;
    ctx.clearRect(0, 0, w, h);
    const max = Math.max(1, ...lines.flatMap((l) => l.values));
    ctx.strokeStyle = '#e6e8eb';
    ctx.beginPath(); ctx.moveTo(0, top); ctx.lineTo(w, top); ctx.moveTo(0, h - 1); ctx.lineTo(w, h - 1); ctx.stroke();
    ctx.fillStyle = '#6b7580';
    ctx.font = '11px system-ui, sans-serif';
    ctx.fillText(human(max) + '/s', 4, 11);
    for (const line of lines) {
      ctx.strokeStyle = line.color;
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      line.values.forEach((v, i) => {
        const x = w - (line.values.length - 1 - i) * (w / (POINTS - 1));
        const y = h - 1 - (v / max) * (h - 1 - top);
        if (i === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
      });
      ctx.stroke();
    }
  }

  async function sample() {
    try {
      const res = await fetch('/console/throughput.json', { cache: 'no-store' });
      const now = await res.json();
      if (last && now.timeMs > last.timeMs) {
        const s = (now.timeMs - last.timeMs) / 1000;
        push(series.messages, Math.max(0, now.messagesIn - last.messagesIn) / s);
        push(series.bytesIn, Math.max(0, now.bytesIn - last.bytesIn) / s);
        push(series.bytesOut, Math.max(0, now.bytesOut - last.bytesOut) / s);
        document.getElementById('rate-messages').textContent = human(series.messages.at(-1));
        document.getElementById('rate-bytes-in').textContent = human(series.bytesIn.at(-1)) + 'B';
        document.getElementById('rate-bytes-out').textContent = human(series.bytesOut.at(-1)) + 'B';
        draw(document.getElementById('chart-messages'), [{ values: series.messages, color: '#2f6fd6' }]);
        draw(document.getElementById('chart-bytes'), [
          { values: series.bytesIn, color: '#2f6fd6' },
          { values: series.bytesOut, color: '#d6772f' },
        ]);
      }
      last = now;
    } catch {
      // the broker is restarting or gone: the next sample tries again
    }
  }

  async function refresh() {
    try {
      const res = await fetch('/', { cache: 'no-store' });
      const page = new DOMParser().parseFromString(await res.text(), 'text/html');
      const fresh = page.getElementById('state');
      const state = document.getElementById('state');
      if (!fresh || !state) return;
      const open = new Set([...state.querySelectorAll('details[open]')].map(key));
      for (const d of fresh.querySelectorAll('details')) if (open.has(key(d))) d.open = true;
      state.replaceChildren(...[...fresh.childNodes].map((n) => document.importNode(n, true)));
      const stamp = page.getElementById('refreshed');
      if (stamp) document.getElementById('refreshed').textContent = stamp.textContent;
    } catch {
      // as above
    }
  }

  function key(details) {
    const topic = details.closest('[data-topic]');
    return (topic ? topic.dataset.topic : '') + '|' + details.className;
  }

  const every = (ms, f) => { const tick = async () => { setTimeout(tick, ms); await f(); }; tick(); };
  every(1000, sample);
  setTimeout(() => every(5000, refresh), 5000);
})();
`;
