// trund's visualiser: tabs, the pause switch and live updates (the shown tab refreshes every 2 s).
"use strict";

trun.app = (() => {
  const { call, action, getHash, setHash } = trun;
  const REFRESH_MS = 2000;
  const VIEWS = {
    steps: () => trun.steps.refresh(),
    graph: () => trun.graph.refresh(),
    workers: () => trun.panels.workers(),
    resources: () => trun.panels.resources(),
    history: () => trun.panels.history(),
  };
  let current = "steps";
  let busy = false;

  function showTab(tab) {
    current = VIEWS[tab] ? tab : "steps";
    setHash({ tab: current });
    for (const a of document.querySelectorAll("#tabs a")) a.classList.toggle("active", a.dataset.tab === current);
    for (const v of document.querySelectorAll(".view")) v.classList.toggle("active", v.id === "view-" + current);
  }

  async function tick() {
    if (busy || document.hidden) return;
    busy = true;
    const live = document.getElementById("live");
    try {
      await VIEWS[current]();
      const paused = (await call("is_paused", {})).paused;
      document.getElementById("pause").textContent = paused ? "Unpause" : "Pause";
      live.classList.remove("stale");
      live.textContent = "live " + new Date().toLocaleTimeString();
    } catch (e) {
      live.classList.add("stale");
      live.textContent = "trund unreachable: " + e.message;
    } finally {
      busy = false;
    }
  }

  function init() {
    trun.steps.init();
    trun.graph.init();
    for (const a of document.querySelectorAll("#tabs a")) {
      a.addEventListener("click", (e) => { e.preventDefault(); showTab(a.dataset.tab); tick(); });
    }
    document.getElementById("pause").onclick = async () => {
      const paused = (await call("is_paused", {})).paused;
      await action(paused ? "unpause" : "pause", {});
      tick();
    };
    route();
    window.addEventListener("hashchange", route);  // a link or the back button (not our own updates)
    setInterval(tick, REFRESH_MS);
  }

  function route() {
    showTab(getHash().tab || "steps");
    if (current === "graph") {
      trun.graph.fromHash();
      trun.graph.show();
    }
    tick();
  }

  return { init, showTab, tick };
})();

document.addEventListener("DOMContentLoaded", trun.app.init);
