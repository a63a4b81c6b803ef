// trund's visualiser: the step list (status boxes, families, server-side search, paging, actions).
"use strict";

trun.steps = (() => {
  const { el, call, action, statusBadge, ago, getHash, setHash } = trun;
  const BOXES = [
    ["PENDING", "Pending"], ["RUNNING", "Running"], ["DONE", "Done"], ["FAILED", "Failed"],
    ["UPSTREAM_FAILED", "Upstream failed"], ["DISABLED", "Disabled"], ["UPSTREAM_DISABLED", "Upstream disabled"],
  ];
  const PAGE = 50;
  let debounce = null;

  function state() {
    const h = getHash();
    return { status: h.status || "", family: h.family || "", search: h.search || "", offset: +(h.offset || 0) };
  }

  function renderBoxes(counts, current) {
    const boxes = document.getElementById("boxes");
    boxes.replaceChildren(...BOXES.map(([status, label]) => el("div", {
      class: "box " + status + (current === status ? " selected" : ""), id: "box-" + status,
      onclick: () => { setHash({ status: current === status ? "" : status, offset: 0 }); refresh(); },
    }, el("span", { class: "count" }, counts[status] || 0), label)));
  }

  function renderFamilies(families, current) {
    const list = document.querySelector("#families ul");
    list.replaceChildren(...Object.entries(families).map(([family, n]) => el("li", {
      class: family === current ? "selected" : "", "data-family": family,
      onclick: () => { setHash({ family: family === current ? "" : family, offset: 0 }); refresh(); },
    }, el("span", {}, family), el("span", {}, n))));
  }

  function actionButtons(id, step) {
    const act = (method, label) => el("button", {
      type: "button", class: "act-" + method,
      onclick: async () => { await action(method, { step_id: id }); refresh(); },
    }, label);
    const buttons = [el("button", { type: "button", class: "act-graph", onclick: () => trun.graph.open(id) }, "graph")];
    if (step.has_error) buttons.push(el("button", { type: "button", class: "act-error", onclick: () => showError(id) }, "traceback"));
    buttons.push(el("button", { type: "button", class: "act-log", onclick: () => showLog(id) }, "log"));
    if (step.status === "FAILED") buttons.push(act("forgive_failures", "forgive"));
    if (step.status === "DISABLED") buttons.push(act("re_enable_step", "re-enable"));
    if (["FAILED", "DISABLED", "RUNNING"].includes(step.status)) buttons.push(act("mark_as_done", "mark done"));
    return buttons;
  }

  function row(step) {
    const shown = step.upstream_status && step.status === "PENDING" ? step.upstream_status : step.status;
    const progress = step.progress_percentage !== null ? " " + step.progress_percentage + "%" : "";
    return el("tr", { "data-step": step.step_id },
      el("td", { class: "name", title: step.step_id }, step.display_name,
        step.status_message ? el("div", { class: "message" }, step.status_message + progress) : null),
      el("td", {}, statusBadge(shown)), el("td", {}, step.priority), el("td", {}, step.worker_running || ""),
      el("td", {}, ago(step.last_updated)), el("td", {}, ...actionButtons(step.step_id, step)));
  }

  let latest = 0;  // a slow answer to an older refresh must not overwrite a newer one

  async function refresh() {
    const s = state();
    const search = document.getElementById("search");
    if (document.activeElement !== search) search.value = s.search;
    const mine = ++latest;
    const page = await call("step_page", { status: s.status, search: s.search, family: s.family, offset: s.offset, limit: PAGE });
    if (mine !== latest) return;
    renderBoxes(page.counts, s.status);
    renderFamilies(page.families, s.family);
    document.querySelector("#steps-table tbody").replaceChildren(...page.steps.map(row));
    const last = Math.min(s.offset + PAGE, page.total);
    document.getElementById("page-note").textContent =
      page.total ? `${s.offset + 1}–${last} of ${page.total}` : "no steps match";
    document.getElementById("prev").disabled = s.offset === 0;
    document.getElementById("next").disabled = last >= page.total;
    const filters = [s.status, s.family, s.search && `"${s.search}"`].filter(Boolean);
    document.getElementById("filter-note").textContent = filters.length ? "filtered: " + filters.join(", ") : "";
  }

  async function detail(title, ...parts) {
    document.getElementById("detail-title").textContent = title;
    document.getElementById("detail-body").replaceChildren(...parts);
    const dialog = document.getElementById("detail");
    if (!dialog.open) dialog.showModal();
  }

  async function events(id) {
    const reply = await fetch("/store/step_events?step_id=" + encodeURIComponent(id)).then((r) => r.json());
    return el("table", { class: "events" }, ...reply.response.map((e) =>
      el("tr", {}, el("td", {}, new Date(e.time * 1000).toLocaleString()), el("td", {}, statusBadge(e.status)),
        el("td", {}, e.worker || ""))));
  }

  // workers send a step's explanation JSON-encoded (as Luigi's); other text is shown as it is
  function decoded(text) {
    try { const value = JSON.parse(text); return typeof value === "string" ? value : text; } catch (e) { return text; }
  }

  async function showError(id) {
    const error = await call("fetch_error", { step_id: id });
    detail("Traceback: " + (error.displayName || id), el("pre", { id: "traceback" }, decoded(error.error) || "(none)"),
      el("h3", {}, "Status changes"), await events(id));
  }

  async function showLog(id) {
    const log = await call("step_log", { step_id: id });
    detail("Log: " + id, el("pre", { id: "step-log" }, log.log === null ? "(no log file: trund --step-log-dir)" : log.log),
      el("h3", {}, "Status changes"), await events(id));
  }

  function init() {
    document.getElementById("search").addEventListener("input", (e) => {
      clearTimeout(debounce);
      debounce = setTimeout(() => { setHash({ search: e.target.value.trim(), offset: 0 }); refresh(); }, 300);
    });
    document.getElementById("prev").onclick = () => { setHash({ offset: Math.max(0, state().offset - PAGE) }); refresh(); };
    document.getElementById("next").onclick = () => { setHash({ offset: state().offset + PAGE }); refresh(); };
  }

  return { init, refresh, showError, showLog };
})();
