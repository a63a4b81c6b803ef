// trund's visualiser: a step's dependency graph, both directions, a bounded neighbourhood that
// grows on click (magenta nodes are cut off: click one to expand it), laid out by dagre.
"use strict";

trun.graph = (() => {
  const { el, call, COLORS, statusBadge, getHash, setHash } = trun;
  let cy = null;
  const nodes = new Map();  // id -> node info (as dep_graph returns it) and the walk's direction

  function ensureCy() {
    if (cy) return cy;
    cy = cytoscape({
      container: document.getElementById("graph"),
      wheelSensitivity: 0.3,
      style: [
        { selector: "node", style: {
          "background-color": "data(color)", label: "data(label)", "font-size": 8, "text-valign": "bottom",
          "text-wrap": "wrap", "text-max-width": 130, width: 18, height: 18 } },
        { selector: "node.root", style: { "border-width": 3, "border-color": "#222", width: 26, height: 26 } },
        { selector: "edge", style: {
          width: 1.2, "line-color": "#999", "target-arrow-color": "#999", "target-arrow-shape": "triangle",
          "curve-style": "bezier" } },
      ],
    });
    window.trunGraph = cy;  // for the browser tests and for poking around in the console
    cy.on("tap", "node", (e) => select(e.target.id()));
    return cy;
  }

  // a node's label: the family, then each parameter with long values shortened from the left
  // (paths and dates differ at their ends)
  function short(info) {
    const clip = (v) => (v.length > 14 ? "…" + v.slice(-13) : v);
    const params = Object.entries(info.params || {}).map(([k, v]) => k + "=" + clip(String(v)));
    return [info.name, ...params].join("\n");
  }

  function merge(graph, direction) {
    for (const [id, info] of Object.entries(graph)) {
      const known = nodes.get(id);
      if (known && known.status !== "TRUNCATED" && info.status === "TRUNCATED") continue;
      const node = Object.assign({}, info, { direction });
      if (known && known.status !== "TRUNCATED") {  // seen from the other side too: keep both edges
        node.deps = [...new Set([...(known.deps || []), ...(info.deps || [])])];
        node.dependents = [...new Set([...(known.dependents || []), ...(info.dependents || [])])];
      }
      nodes.set(id, node);
    }
  }

  async function walk(id, direction, depth, includeDone) {
    const args = { step_id: id, depth, include_done: includeDone };
    if (direction !== "down") merge(await call("dep_graph", args), "up");
    if (direction !== "up") merge(await call("inverse_dep_graph", args), "down");
  }

  function draw(root) {
    const c = ensureCy();
    const elements = [];
    for (const [id, info] of nodes) {
      elements.push({ group: "nodes", data: { id, label: short(info), status: info.status,
        color: COLORS[info.status] || "#000", truncated: info.status === "TRUNCATED" },
        classes: id === root ? "root" : "" });
    }
    for (const [id, info] of nodes) {
      for (const dep of info.deps || []) if (nodes.has(dep)) elements.push({ group: "edges", data: { id: dep + "->" + id, source: dep, target: id } });
      for (const next of info.dependents || []) if (nodes.has(next)) elements.push({ group: "edges", data: { id: id + "->" + next, source: id, target: next } });
    }
    const seen = new Set();
    c.elements().remove();
    c.add(elements.filter((e) => (e.group === "nodes" || !seen.has(e.data.id)) && seen.add(e.data.id)));
    c.layout({ name: "dagre", rankDir: "TB", nodeSep: 110, rankSep: 70, animate: false }).run();
    c.fit(undefined, 30);
    if (c.zoom() > 1.6) { c.zoom(1.6); c.center(); }  // a small graph is not blown up
    const truncated = [...nodes.values()].filter((n) => n.status === "TRUNCATED").length;
    document.getElementById("graph-note").textContent =
      `${nodes.size} steps` + (truncated ? `, ${truncated} not expanded (magenta: click to expand)` : "");
  }

  function options() {
    return {
      id: document.getElementById("graph-step").value.trim(),
      direction: document.getElementById("graph-direction").value,
      depth: Math.max(1, +document.getElementById("graph-depth").value || 3),
      includeDone: !document.getElementById("graph-hide-done").checked,
    };
  }

  async function show() {
    const o = options();
    setHash({ tab: "graph", step: o.id, dir: o.direction, depth: o.depth, hidedone: o.includeDone ? "" : "1" });
    nodes.clear();
    if (!o.id) { document.getElementById("graph-note").textContent = "give a step id (or click 'graph' in the step list)"; return; }
    await walk(o.id, o.direction, o.depth, o.includeDone);
    if (!nodes.size) { document.getElementById("graph-note").textContent = "no such step: " + o.id; ensureCy().elements().remove(); return; }
    draw(o.id);
  }

  async function refresh() {
    // live update: recolour the nodes shown (one step_statuses call), no re-layout
    if (!cy || !nodes.size) return;
    const statuses = await call("step_statuses", { step_ids: [...nodes.keys()] });
    cy.nodes().forEach((n) => {
      const status = statuses[n.id()];
      if (!n.data("truncated") && status && status !== n.data("status")) {
        n.data({ status, color: COLORS[status] || "#000" });
        nodes.get(n.id()).status = status;
      }
    });
  }

  async function select(id) {
    const info = nodes.get(id);
    const o = options();
    if (info && info.status === "TRUNCATED") {
      await walk(id, info.direction, o.depth, o.includeDone);
      draw(o.id);
      return;
    }
    const panel = document.getElementById("graph-info");
    panel.replaceChildren(el("h3", {}, info ? info.display_name : id), info ? statusBadge(info.status) : "",
      el("p", {}, id),
      el("button", { type: "button", onclick: () => open(id) }, "centre the graph here"),
      el("button", { type: "button", onclick: () => trun.steps.showError(id) }, "traceback"),
      el("button", { type: "button", onclick: () => trun.steps.showLog(id) }, "log"));
  }

  function open(id) {
    document.getElementById("graph-step").value = id;
    trun.app.showTab("graph");
    show();
  }

  function legend() {
    const shown = ["PENDING", "RUNNING", "DONE", "FAILED", "DISABLED", "UNKNOWN", "TRUNCATED"];
    document.getElementById("graph-legend").replaceChildren(...shown.map((s) =>
      el("span", {}, el("i", { style: "background:" + COLORS[s] }), s.toLowerCase())));
  }

  function fromHash() {
    const h = getHash();
    if (h.step) document.getElementById("graph-step").value = h.step;
    document.getElementById("graph-direction").value = h.dir || "both";
    document.getElementById("graph-depth").value = h.depth || 3;
    document.getElementById("graph-hide-done").checked = h.hidedone === "1";
  }

  function init() {
    legend();
    document.getElementById("graph-show").onclick = show;
    document.getElementById("graph-step").addEventListener("keydown", (e) => { if (e.key === "Enter") show(); });
  }

  return { init, fromHash, show, open, refresh };
})();
