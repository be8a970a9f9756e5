// Shared by the diagram and decision-table editors: talking to the server (draft, check,
// deploy), the file tabs, and the list of problems. Each editor supplies an adapter:
//   { load(name, xml), save() -> xml, mark(problems), select(elementId) -> bool }
"use strict";

window.GreenloopEditor = (function () {
  const shell = document.getElementById("editor-shell");
  const T = JSON.parse(document.getElementById("editor-text").textContent);
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const statusEl = document.getElementById("editor-status");
  const problemsEl = document.getElementById("problems");
  const tabsEl = document.getElementById("file-tabs");
  const state = { data: null, kind: shell.dataset.kind, current: null, dirty: false, adapter: null };

  function status(text, kind) {
    statusEl.textContent = text;
    statusEl.className = "editor-status " + (kind || "");
  }

  function myFiles() {
    return state.kind === "bpmn" ? state.data.bpmn_files : state.data.dmn_files;
  }

  async function post(url, body) {
    const response = await fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json" },
      body: JSON.stringify(body),
    });
    let json = {};
    try { json = await response.json(); } catch (e) { json = { error: T.server_error + " (" + response.status + ")" }; }
    return { status: response.status, json: json };
  }

  // The editor's current XML goes back into the file set before anything is sent.
  async function collect() {
    myFiles()[state.current] = await state.adapter.save();
    return { bpmn_files: state.data.bpmn_files, dmn_files: state.data.dmn_files, revision: state.data.revision };
  }

  function showProblems(problems) {
    problemsEl.innerHTML = "";
    problemsEl.classList.remove("stale");
    state.adapter.mark(problems);
    const heading = document.createElement("h2");
    heading.id = "problems-heading";
    if (!problems.length) {
      heading.textContent = T.no_problems;
      heading.className = "ok";
      problemsEl.appendChild(heading);
      return;
    }
    heading.textContent = T.problems.replace("{n}", problems.length);
    problemsEl.appendChild(heading);
    const list = document.createElement("ol");
    list.className = "problem-list";
    problems.forEach((p) => {
      const item = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "problem link";
      button.dataset.element = p.element || "";
      const where = document.createElement("strong");
      where.textContent = p.element ? (p.name ? p.name + " (" + p.element + ")" : p.element) : T.whole_file;
      const msg = document.createElement("span");
      msg.textContent = " " + p.message;
      button.append(where, msg);
      button.addEventListener("click", () => {
        if (p.element && !state.adapter.select(p.element)) status(T.not_in_this_view.replace("{id}", p.element), "warn");
      });
      item.appendChild(button);
      list.appendChild(item);
    });
    problemsEl.appendChild(list);
    problemsEl.focus();
  }

  async function check() {
    status(T.checking);
    const result = await post(shell.dataset.validateUrl, await collect());
    if (result.status !== 200) return status(result.json.error || T.server_error, "error");
    showProblems(result.json.problems);
    status(result.json.ok ? T.no_problems : T.has_problems, result.json.ok ? "ok" : "error");
  }

  async function saveDraft() {
    status(T.saving);
    const result = await post(shell.dataset.saveUrl, await collect());
    if (result.status === 409) return status(result.json.error, "error");
    if (result.status !== 200) return status(result.json.error || T.server_error, "error");
    state.data.revision = result.json.revision;
    state.dirty = false;
    showProblems(result.json.problems);
    status(T.saved.replace("{r}", result.json.revision), "ok");
  }

  async function deploy() {
    const comment = document.getElementById("deploy-comment");
    if (!comment.value.trim()) {
      comment.setAttribute("aria-invalid", "true");
      comment.focus();
      return status(T.comment_required, "error");
    }
    comment.removeAttribute("aria-invalid");
    status(T.deploying);
    const body = await collect();
    body.comment = comment.value;
    const result = await post(shell.dataset.deployUrl, body);
    if (result.json.revision) state.data.revision = result.json.revision;
    if (result.status === 422 && result.json.problems) {
      state.dirty = false;  // saved as the draft even though it was refused
      showProblems(result.json.problems);
      return status(result.json.error, "error");
    }
    if (result.status !== 200) return status(result.json.error || T.server_error, "error");
    state.dirty = false;
    window.location.assign(result.json.redirect);
  }

  async function openFile(name) {
    if (state.current && state.current !== name) myFiles()[state.current] = await state.adapter.save();
    state.current = name;
    tabsEl.querySelectorAll("button").forEach((b) => b.setAttribute("aria-pressed", String(b.dataset.file === name)));
    try {
      await state.adapter.load(name, myFiles()[name]);
    } catch (err) {
      status(T.load_failed + " " + err.message, "error");
    }
  }

  async function start(adapter) {
    state.adapter = adapter;
    const response = await fetch(shell.dataset.filesUrl, { credentials: "same-origin", headers: { Accept: "application/json" } });
    state.data = await response.json();
    const names = Object.keys(myFiles()).sort();
    tabsEl.innerHTML = "";
    names.forEach((name) => {
      const b = document.createElement("button");
      b.type = "button";
      b.className = "tab";
      b.dataset.file = name;
      b.textContent = name;
      b.addEventListener("click", () => openFile(name));
      tabsEl.appendChild(b);
    });
    tabsEl.hidden = names.length < 2;
    if (!names.length) return status(T.no_files, "warn");
    await openFile(names[0]);
    const d = state.data.draft;
    status(d ? T.draft_loaded.replace("{who}", d.by).replace("{r}", state.data.revision)
             : T.version_loaded.replace("{v}", state.data.base_version), "");
    document.getElementById("btn-check").addEventListener("click", check);
    document.getElementById("btn-save").addEventListener("click", saveDraft);
    document.getElementById("btn-deploy").addEventListener("click", deploy);
    window.addEventListener("beforeunload", (event) => { if (state.dirty) { event.preventDefault(); event.returnValue = ""; } });
    shell.dataset.ready = "true";
  }

  function changed() {
    status(T.unsaved, "warn");
    state.dirty = true;
    // The list describes the files as they were checked; say so until the next check.
    if (problemsEl.firstChild && !problemsEl.classList.contains("stale")) {
      problemsEl.classList.add("stale");
      const note = document.createElement("p");
      note.className = "muted stale-note";
      note.textContent = T.stale;
      problemsEl.insertBefore(note, problemsEl.firstChild.nextSibling);
    }
  }

  return { state: state, T: T, status: status, start: start, changed: changed };
})();
