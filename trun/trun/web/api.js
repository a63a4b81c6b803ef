// trund's visualiser: calls to the scheduler's JSON API, the status colours and small DOM helpers.
"use strict";

window.trun = (() => {
  // Luigi's graph colours by status (the boxes use the same names, see app.css)
  const COLORS = {
    PENDING: "#EEBB00", RUNNING: "#0044DD", DONE: "#00DD00", FAILED: "#DD0000", DISABLED: "#808080",
    UNKNOWN: "#000000", TRUNCATED: "#FF00FF", UPSTREAM_FAILED: "#800000", UPSTREAM_DISABLED: "#a0a0a0",
  };
  const TOKEN_KEY = "trund-token";

  async function post(method, args, token) {
    const headers = { "Content-Type": "application/json" };
    if (token) headers.Authorization = "Bearer " + token;
    const reply = await fetch("/api/" + method, { method: "POST", headers, body: JSON.stringify(args || {}) });
    const data = await reply.json().catch(() => ({ error: "not JSON (HTTP " + reply.status + ")" }));
    return { status: reply.status, data };
  }

  async function call(method, args) {
    const { status, data } = await post(method, args, localStorage.getItem(TOKEN_KEY));
    if (status !== 200) throw new Error(data.error || "HTTP " + status);
    return data.response;
  }

  // an action (changes the scheduler): asks for the token when trund wants one
  async function action(method, args) {
    let { status, data } = await post(method, args, localStorage.getItem(TOKEN_KEY));
    if (status === 403) {
      const token = window.prompt("trund needs its token for " + method + ":");
      if (!token) return null;
      localStorage.setItem(TOKEN_KEY, token);
      ({ status, data } = await post(method, args, token));
    }
    if (status !== 200) throw new Error(data.error || "HTTP " + status);
    return data.response;
  }

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") node.className = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else if (v !== null && v !== undefined) node.setAttribute(k, v);
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : String(child));
    }
    return node;
  }

  function statusBadge(status) {
    return el("span", { class: "status " + status }, status.replace("_", " ").toLowerCase());
  }

  function ago(seconds) {
    if (seconds === null || seconds === undefined) return "";
    const s = Date.now() / 1000 - seconds;
    if (s < 60) return s.toFixed(1) + " s ago";
    if (s < 3600) return (s / 60).toFixed(1) + " min ago";
    return (s / 3600).toFixed(1) + " h ago";
  }

  function duration(seconds) {
    if (seconds === null || seconds === undefined) return "running";
    if (seconds < 1) return (seconds * 1000).toFixed(0) + " ms";
    if (seconds < 120) return seconds.toFixed(1) + " s";
    return (seconds / 60).toFixed(1) + " min";
  }

  // the URL hash keeps the view's state (tab, filters), so a view can be linked and reloaded
  function getHash() {
    return Object.fromEntries(new URLSearchParams(location.hash.slice(1)));
  }

  function setHash(changes) {
    const state = Object.assign(getHash(), changes);
    for (const k of Object.keys(state)) if (state[k] === "" || state[k] === null) delete state[k];
    const hash = "#" + new URLSearchParams(state).toString();
    if (hash !== location.hash) history.replaceState(null, "", hash);
  }

  return { COLORS, call, action, el, statusBadge, ago, duration, getHash, setHash };
})();
