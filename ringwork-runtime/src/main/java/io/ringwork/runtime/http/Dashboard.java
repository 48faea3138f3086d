package io.ringwork.runtime.http;

import java.nio.charset.StandardCharsets;

/** {@code GET /}: a one-page view of the node that polls {@code /v1/cluster}. */
final class Dashboard {
    private static final byte[] PAGE = """
            <!doctype html>
            <html><head><meta charset="utf-8"><title>ringwork</title>
            <style>
              body { font: 14px system-ui, sans-serif; margin: 2em; color: #222 }
              table { border-collapse: collapse } td, th { padding: 2px 10px; text-align: right; border-bottom: 1px solid #ddd }
              th { background: #f4f4f4 } .lag { color: #b00 } code { background: #f4f4f4; padding: 1px 4px }
            </style></head>
            <body>
            <h1>ringwork <span id="node"></span></h1>
            <p id="totals"></p>
            <h2>Members</h2><table id="members"></table>
            <h2>Partitions</h2><table id="partitions"></table>
            <p>API: <code>POST /v1/events</code> <code>GET /v1/state/{key}</code> <code>GET /v1/changes</code>
               <code>GET /v1/dead-letters</code> <code>POST|GET /v1/gluer/{tenant}/{content}</code>
               <code>GET /v1/cluster</code> <code>GET /metrics</code></p>
            <script>
            function cell(tag, text, cls) { const c = document.createElement(tag); c.textContent = text; if (cls) c.className = cls; return c; }
            function table(el, header, rows) {
              el.replaceChildren();
              const h = el.insertRow(); header.forEach(x => h.appendChild(cell('th', x)));
              rows.forEach(r => { const tr = el.insertRow(); r.forEach(([v, cls]) => tr.appendChild(cell('td', v, cls))); });
            }
            async function refresh() {
              try {
                const c = await (await fetch('/v1/cluster')).json();
                document.getElementById('node').textContent = c.node;
                document.getElementById('totals').textContent =
                  `applied ${c.totals.applied}, rejected ${c.totals.rejected}, skipped ${c.totals.skipped}, lag ${c.totals.lag}`;
                table(document.getElementById('members'), ['id', 'state', 'incarnation', 'address', 'http'],
                  c.members.map(m => [[m.id + (m.self ? ' (this node)' : '')], [m.state], [m.incarnation ?? ''], [m.address], [m.http]]));
                table(document.getElementById('partitions'), ['partition', 'owner', 'checkpoint', 'log end', 'lag', 'in flight'],
                  c.partitions.map(p => [[p.partition], [p.owner], [p.checkpoint], [p.logEnd], [p.lag, p.lag > 0 ? 'lag' : ''], [p.inFlight]]));
              } catch (e) { document.getElementById('totals').textContent = 'node unreachable: ' + e; }
            }
            refresh(); setInterval(refresh, 1000);
            </script></body></html>
            """.getBytes(StandardCharsets.UTF_8);

    private Dashboard() {}

    static byte[] html() {
        return PAGE;
    }
}
