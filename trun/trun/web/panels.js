// trund's visualiser: the workers, resources and history (runs and a Gantt timeline) tabs.
"use strict";

trun.panels = (() => {
  const { el, call, action, statusBadge, ago, duration, COLORS } = trun;
  const SVG = "http://www.w3.org/2000/svg";

  async function workers() {
    const list = await call("worker_list", {});
    document.querySelector("#workers-table tbody").replaceChildren(...list.map((w) => el("tr", { "data-worker": w.name },
      el("td", { class: "name" }, w.name), el("td", {}, w.state),
      el("td", { class: "heartbeat" }, ago(w.last_active)), el("td", {}, w.num_steps),
      el("td", {}, ...Object.entries(w.running).map(([id, s]) => el("div", { class: "running-step" },
        el("a", { href: "#", onclick: (e) => { e.preventDefault(); trun.graph.open(id); } }, s.display_name)))),
      el("td", {}, w.state === "active" ? el("button", { type: "button",
        onclick: async () => { await action("disable_worker", { worker: w.name }); workers(); } }, "disable") : ""))));
    if (!list.length) document.querySelector("#workers-table tbody").append(el("tr", {}, el("td", { colspan: 6 }, "no live workers")));
  }

  async function resources() {
    const list = await call("resource_list", {});
    document.querySelector("#resources-table tbody").replaceChildren(...list.map((r) => el("tr", { "data-resource": r.name },
      el("td", {}, r.name), el("td", {}, `${r.num_used} / ${r.num_total}`),
      el("td", {}, el("span", { class: "bar" }, el("span", { style: `width:${r.num_total ? 100 * r.num_used / r.num_total : 0}%` }))),
      el("td", { class: "name" }, Object.keys(r.running).join(", ")))));
    if (!list.length) document.querySelector("#resources-table tbody").append(el("tr", {}, el("td", { colspan: 4 }, "no resources configured or used")));
  }

  function svg(tag, attrs, text) {
    const node = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function gantt(runs) {
    const box = document.getElementById("gantt");
    if (!runs.length) { box.replaceChildren("nothing has run yet"); return; }
    const now = Date.now() / 1000;
    const sorted = [...runs].sort((a, b) => a.started - b.started).slice(-200);
    const t0 = sorted[0].started;
    const t1 = Math.max(...sorted.map((r) => r.finished || now));
    const width = 900, label = 260, rowH = 14, span = Math.max(t1 - t0, 1e-3);
    const chart = svg("svg", { width: width + label, height: rowH * sorted.length + 20 });
    sorted.forEach((r, i) => {
      const x = label + (r.started - t0) / span * width;
      const w = Math.max(1.5, ((r.finished || now) - r.started) / span * width);
      chart.append(svg("text", { x: 2, y: i * rowH + 11 }, r.step_id.slice(0, 42)));
      const bar = svg("rect", { x, y: i * rowH + 2, width: w, height: rowH - 4, fill: COLORS[r.status] || "#000", class: "gantt-bar" });
      bar.append(svg("title", {}, `${r.step_id}: ${duration(r.duration)} (${r.status})`));
      chart.append(bar);
    });
    chart.append(svg("text", { x: label, y: rowH * sorted.length + 16 }, "0 s"));
    chart.append(svg("text", { x: label + width - 60, y: rowH * sorted.length + 16 }, duration(span)));
    box.replaceChildren(chart);
  }

  async function history() {
    const runs = await call("step_history", { limit: 500 });
    gantt(runs);
    document.querySelector("#history-table tbody").replaceChildren(...runs.map((r) => el("tr", {},
      el("td", { class: "name" }, r.step_id), el("td", {}, statusBadge(r.status)), el("td", { class: "name" }, r.worker || ""),
      el("td", {}, new Date(r.started * 1000).toLocaleTimeString()), el("td", { class: "duration" }, duration(r.duration)),
      el("td", {}, r.runs))));
  }

  return { workers, resources, history };
})();
