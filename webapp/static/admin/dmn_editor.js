// The decision-table editor: dmn-js opened on each decision's table. Cells are Python
// expressions in SpiffWorkflow ("noise", >= 1000, ? in ("a", "b"); - or empty matches anything).
"use strict";

(function () {
  const E = window.GreenloopEditor;
  const T = E.T;
  const viewsEl = document.getElementById("dmn-views");
  let modeler;
  let marked = [];

  function showViews() {
    viewsEl.innerHTML = "";
    const tables = modeler.getViews().filter((v) => v.type === "decisionTable");
    tables.forEach((view) => {
      const b = document.createElement("button");
      b.type = "button";
      b.className = "tab";
      b.textContent = view.name || view.id;
      b.setAttribute("aria-pressed", String(modeler.getActiveView() && modeler.getActiveView().element === view.element));
      b.addEventListener("click", async () => { await modeler.open(view); showViews(); highlight(); });
      viewsEl.appendChild(b);
    });
    viewsEl.hidden = tables.length < 2;
  }

  function cellsOf(id) {
    const q = window.CSS && CSS.escape ? CSS.escape(id) : id;
    return document.querySelectorAll('#canvas [data-element-id="' + q + '"], #canvas [data-row-id="' + q + '"], #canvas [data-col-id="' + q + '"]');
  }

  function highlight() {
    document.querySelectorAll("#canvas .gl-problem").forEach((el) => el.classList.remove("gl-problem"));
    marked.forEach((p) => cellsOf(p.element).forEach((el) => {
      el.classList.add("gl-problem");
      el.title = p.message;
    }));
  }

  const adapter = {
    async load(name, xml) {
      await modeler.importXML(xml);
      const table = modeler.getViews().find((v) => v.type === "decisionTable");
      if (table) await modeler.open(table);
      showViews();
      marked = [];
    },
    async save() {
      const { xml } = await modeler.saveXML({ format: true });
      return xml;
    },
    mark(problems) {
      marked = problems.filter((p) => p.element);
      highlight();
    },
    select(id) {
      const cells = cellsOf(id);
      if (!cells.length) return false;
      cells[0].scrollIntoView({ block: "center" });
      const focusable = cells[0].querySelector("[contenteditable]") || cells[0];
      if (focusable.focus) focusable.focus();
      return true;
    },
  };

  modeler = new window.DmnJS({ container: "#canvas", common: { keyboard: { bindTo: window } } });
  const watched = new WeakSet();
  modeler.on("views.changed", () => {
    // Edits happen in the active view's own viewer; follow each one once.
    const viewer = modeler.getActiveViewer();
    if (viewer && !watched.has(viewer)) {
      watched.add(viewer);
      viewer.on("elements.changed", E.changed);
    }
    showViews();
    setTimeout(highlight, 0);
  });
  modeler.on("import.done", () => setTimeout(highlight, 0));
  window.greenloopModeler = modeler;
  E.start(adapter);
})();
