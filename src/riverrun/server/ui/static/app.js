// riverrun's web UI: the run timeline (drawn from the server's layout, only the rows in
// view), the live stream of a running flow run, and the schema forms' rows and variants.
// No framework; htmx does the rest.
"use strict";
(function () {
  const ROW = 26;
  const OVERSCAN = 10;

  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  const STATE_CLASS = {
    COMPLETED: "ok", FAILED: "bad", CRASHED: "bad", CANCELLED: "muted", CANCELLING: "warn",
    RUNNING: "run", PENDING: "wait", SCHEDULED: "wait", PAUSED: "warn",
  };

  function rowHref(row, runId) {
    if (row.kind === "flow_run") return "/flow-runs/" + row.id;
    if (row.kind === "task_run") return "/task-runs/" + row.id;
    return "/flow-runs/" + runId + "?tab=tasks&q=" + encodeURIComponent(row.label);
  }

  function drawRow(row, index, runId) {
    const line = el("div", "g-row g-" + row.kind);
    line.style.top = index * ROW + "px";
    line.setAttribute("role", "treeitem");
    line.setAttribute("aria-level", String(row.depth + 1));
    const label = el("a", "g-label");
    label.href = rowHref(row, runId);
    label.style.paddingLeft = 8 + row.depth * 16 + "px";
    label.textContent = row.label;
    if (row.kind === "group") label.appendChild(el("span", "g-count", " ×" + row.count.toLocaleString()));
    label.title = row.label + (row.state ? " · " + row.state.toLowerCase() : "");
    const track = el("div", "g-track");
    const bar = el("div", "g-bar " + (STATE_CLASS[row.state] || "mixed"));
    bar.style.left = row.x0 * 100 + "%";
    bar.style.width = Math.max((row.x1 - row.x0) * 100, 0.4) + "%";
    if (row.kind === "group" && !row.state) {
      const total = row.count || 1;
      for (const [state, n] of Object.entries(row.states)) {
        const part = el("span", STATE_CLASS[state] || "muted");
        part.style.width = (100 * n) / total + "%";
        bar.appendChild(part);
      }
    }
    track.appendChild(bar);
    line.append(label, track);
    return line;
  }

  function initGantt(root) {
    const holder = root.querySelector("#gantt");
    const source = root.querySelector("#gantt-data");
    if (!holder || !source || holder.dataset.ready) return;
    holder.dataset.ready = "1";
    const layout = JSON.parse(source.textContent);
    const runId = (document.getElementById("runview") || {}).dataset?.run;
    const rows = layout.rows;
    if (!rows.length) {
      holder.appendChild(el("p", "empty", "Nothing has started yet."));
      return;
    }
    const viewport = el("div", "g-viewport");
    viewport.style.height = Math.min(rows.length * ROW, 420) + "px";
    const spacer = el("div", "g-spacer");
    spacer.style.height = rows.length * ROW + "px";
    viewport.appendChild(spacer);
    holder.appendChild(viewport);
    let drawn = "";
    function paint() {
      const first = Math.max(0, Math.floor(viewport.scrollTop / ROW) - OVERSCAN);
      const last = Math.min(rows.length, Math.ceil((viewport.scrollTop + viewport.clientHeight) / ROW) + OVERSCAN);
      const key = first + ":" + last;
      if (key === drawn) return;
      drawn = key;
      const frag = document.createDocumentFragment();
      for (let i = first; i < last; i++) frag.appendChild(drawRow(rows[i], i, runId));
      spacer.replaceChildren(frag);
    }
    let pending = false;
    viewport.addEventListener("scroll", () => {
      if (pending) return;
      pending = true;
      requestAnimationFrame(() => { pending = false; paint(); });
    }, { passive: true });
    paint();
    if (layout.start && layout.end) {
      const secs = (layout.end - layout.start) / 1e6;
      holder.appendChild(el("p", "g-axis", "0 s — " + (secs < 1 ? (secs * 1000).toFixed(0) + " ms" : secs.toFixed(1) + " s")));
    }
  }

  // -- the live stream of a running flow run -------------------------------------------------
  let stream = null;

  function lastCursor() {
    const lines = document.querySelectorAll("#log-lines .log");
    return lines.length ? lines[lines.length - 1].dataset.cursor : "";
  }

  function openStream() {
    const view = document.getElementById("runview");
    if (!view || stream) return;
    const url = view.dataset.live || "/flow-runs/" + view.dataset.run + "/stream";
    stream = new EventSource(url + "?after=" + encodeURIComponent(lastCursor()));
    stream.addEventListener("logs", (event) => {
      const box = document.getElementById("log-lines");
      const form = document.querySelector(".log-tools");
      if (!box || !form) return;
      const query = form.querySelector("input[name=q]");
      if (query && query.value) return; // a search shows matches only; re-search to refresh
      const min = Number(form.querySelector("select[name=level]")?.value || 0);
      const tmp = document.createElement("div");
      tmp.innerHTML = event.data;
      document.getElementById("no-logs")?.remove();
      for (const line of tmp.querySelectorAll(".log")) {
        if (Number(line.dataset.level) >= min) box.appendChild(line);
      }
    });
    stream.addEventListener("state", (event) => {
      const badge = document.getElementById("run-state");
      if (badge) badge.innerHTML = event.data;
    });
    stream.addEventListener("end", () => {
      stream.close();
      stream = null;
      // One request redraws the page's header, tree and tab with the final state.
      if (window.htmx) htmx.ajax("GET", location.href, { target: "#runview", select: "#runview", swap: "outerHTML" });
    });
  }

  function startLive() {
    const view = document.getElementById("runview");
    if (view && view.dataset.live) openStream();
  }

  document.body.addEventListener("rr:state-changed", () => openStream());

  // -- schema forms ---------------------------------------------------------------------------
  document.addEventListener("click", (event) => {
    const target = event.target;
    if (!(target instanceof HTMLElement)) return;
    if (target.classList.contains("add-row")) {
      const rows = target.closest(".rows");
      const template = rows.querySelector(":scope > template");
      const used = [...rows.querySelectorAll(":scope > .row")].length;
      let index = used;
      const path = rows.dataset.path;
      while (rows.querySelector('[name^="' + path + "." + index + '"]')) index++;
      const html = template.innerHTML.replaceAll("__i__", String(index));
      target.insertAdjacentHTML("beforebegin", html);
    } else if (target.classList.contains("remove-row")) {
      target.closest(".row").remove();
    }
  });
  document.addEventListener("change", (event) => {
    const target = event.target;
    if (target instanceof HTMLSelectElement && target.classList.contains("variant")) {
      for (const pane of target.parentElement.querySelectorAll(":scope > .variant-pane")) {
        pane.hidden = pane.dataset.variant !== target.value;
      }
    }
  });
  document.addEventListener("input", (event) => {
    const target = event.target;
    if (target instanceof HTMLTextAreaElement && target.classList.contains("json")) {
      let ok = true;
      if (target.value.trim()) { try { JSON.parse(target.value); } catch (e) { ok = false; } }
      target.classList.toggle("invalid", !ok);
    }
  });

  function init(root) {
    initGantt(root);
  }
  document.addEventListener("DOMContentLoaded", () => { init(document); startLive(); });
  document.addEventListener("htmx:afterSettle", () => { init(document); startLive(); });
})();
