// The diagram editor: bpmn-js with SpiffWorkflow's extension elements, and a side panel for the
// properties greenloop reads (lane, form, stage, tier, output, what a task page shows first and
// suggests, timer role and expression, documents, gateway conditions, scripts). Unknown
// properties are listed and flagged.
"use strict";

(function () {
  const E = window.GreenloopEditor;
  const T = E.T;
  const shell = document.getElementById("editor-shell");
  const panel = document.getElementById("props");
  let modeler, moddle, modeling, registry, canvas, overlays, selection;
  let problemsByElement = {};
  const READABLE = 0.7;
  const HELPER = /^\s*(deadline|warning)\(\s*([A-Za-z_][\w()]*)\s*,\s*(.+?)\s*,\s*([\d.]+)\s*\)\s*$/;

  function localType(bo) {
    const t = bo.$type.split(":")[1];
    return t.charAt(0).toLowerCase() + t.slice(1);
  }

  function spiffProps(bo) {
    const ext = bo.extensionElements && bo.extensionElements.values || [];
    const holder = ext.find((v) => v.$type === "spiffworkflow:properties");
    return holder ? (holder.properties || []).map((p) => ({ name: p.name, value: p.value })) : [];
  }

  function setSpiffProps(element, list) {
    const bo = element.businessObject;
    const values = (bo.extensionElements && bo.extensionElements.values || []).filter((v) => v.$type !== "spiffworkflow:properties");
    const kept = list.filter((p) => p.name);
    if (kept.length) {
      values.push(moddle.create("spiffworkflow:properties", {
        properties: kept.map((p) => moddle.create("spiffworkflow:property", { name: p.name, value: p.value })),
      }));
    }
    modeling.updateProperties(element, { extensionElements: values.length ? moddle.create("bpmn:ExtensionElements", { values: values }) : undefined });
  }

  function setProp(element, name, value) {
    const list = spiffProps(element.businessObject);
    const found = list.find((p) => p.name === name);
    if (value === "" || value === null) {
      setSpiffProps(element, list.filter((p) => p.name !== name));
    } else if (found) {
      found.value = value;
      setSpiffProps(element, list);
    } else {
      list.push({ name: name, value: value });
      setSpiffProps(element, list);
    }
  }

  function timerDef(bo) {
    return (bo.eventDefinitions || []).find((d) => d.$type === "bpmn:TimerEventDefinition");
  }

  function laneOf(bo) {
    for (let node = bo; node; node = node.$parent) {
      if (node.lanes && node.lanes.length) return node.lanes[0].name;
      if (node.$type === "bpmn:Process") break;
    }
    return null;
  }

  // ---------------------------------------------------------------- panel building blocks

  let fieldCount = 0;
  function field(label, control, help) {
    const wrap = document.createElement("div");
    wrap.className = "prop-field";
    const id = control.id || "pf-" + (++fieldCount);
    control.id = id;
    const l = document.createElement("label");
    l.htmlFor = id;
    l.textContent = label;
    wrap.append(l, control);
    if (help) {
      const h = document.createElement("p");
      h.className = "help";
      h.id = id + "-help";
      h.textContent = help;
      control.setAttribute("aria-describedby", h.id);
      wrap.appendChild(h);
    }
    return wrap;
  }

  function input(value, key, onChange, multiline) {
    const el = document.createElement(multiline ? "textarea" : "input");
    el.value = value || "";
    el.dataset.key = key;
    el.addEventListener("change", () => onChange(el.value));
    return el;
  }

  function select(value, key, choices, onChange, allowEmpty) {
    const el = document.createElement("select");
    el.dataset.key = key;
    const options = (allowEmpty ? [["", T.none]] : []).concat(choices.map((c) => (Array.isArray(c) ? c : [c, c])));
    if (value && !options.some((o) => o[0] === value)) options.push([value, value + " — " + T.unknown_value]);
    options.forEach(([v, text]) => {
      const o = document.createElement("option");
      o.value = v;
      o.textContent = v && text !== v ? v + " · " + text : text;
      o.selected = v === (value || "");
      el.appendChild(o);
    });
    el.addEventListener("change", () => onChange(el.value));
    return el;
  }

  // A fieldset with its legend: a group of fields that belong together in the panel.
  function group(className, legendText) {
    const box = document.createElement("fieldset");
    box.className = className;
    const legend = document.createElement("legend");
    legend.textContent = legendText;
    box.appendChild(legend);
    return box;
  }

  // An input without a visible label: its placeholder says what goes in, aria-label says it to screen readers.
  function unlabelled(key, text) {
    const el = document.createElement("input");
    el.dataset.key = key;
    el.setAttribute("aria-label", text);
    el.placeholder = text;
    return el;
  }

  function heading(text) {
    const h = document.createElement("h3");
    h.textContent = text;
    return h;
  }

  // ---------------------------------------------------------------- the panel

  function render(element) {
    const focusedKey = document.activeElement && panel.contains(document.activeElement) ? document.activeElement.dataset.key : null;
    panel.innerHTML = "";
    if (!element) {
      panel.appendChild(heading(T.panel_title));
      const p = document.createElement("p");
      p.className = "muted";
      p.textContent = T.select_hint;
      panel.appendChild(p);
      return;
    }
    const bo = element.businessObject;
    const type = localType(bo);
    const schema = E.state.data.properties;
    const choices = E.state.data.choices;
    const title = heading((bo.name || bo.id) + "");
    panel.appendChild(title);
    const meta = document.createElement("p");
    meta.className = "muted";
    meta.textContent = type + " · " + bo.id;
    panel.appendChild(meta);

    (problemsByElement[bo.id] || []).forEach((p) => {
      const div = document.createElement("p");
      div.className = "field-error";
      div.textContent = p.message;
      panel.appendChild(div);
    });

    if (type === "lane") {
      panel.appendChild(field(T.lane_group, select(bo.name, "name", choices.lane, (v) => modeling.updateProperties(element, { name: v }), false), T.lane_help));
      return restoreFocus(focusedKey);
    }
    panel.appendChild(field(T.name, input(bo.name, "name", (v) => modeling.updateProperties(element, { name: v }))));

    const lane = laneOf(bo);
    if (type === "userTask") {
      const p = document.createElement("p");
      p.className = lane ? "" : "field-error";
      p.textContent = lane ? T.lane_is.replace("{lane}", lane) : T.no_lane;
      panel.appendChild(p);
    }

    const timer = timerDef(bo);
    if (timer) panel.appendChild(timerFields(element, timer));
    if (type === "sequenceFlow" && bo.sourceRef && /Gateway$/.test(bo.sourceRef.$type)) panel.appendChild(conditionField(element));
    if (type === "scriptTask") {
      panel.appendChild(field(T.script, input(bo.script, "script", (v) => modeling.updateProperties(element, { script: v }), true), T.script_help));
    }
    const props = spiffProps(bo);
    const known = E.state.data.property_order.filter((name) => schema[name].elements.includes(type) && (!schema[name].timer_only || timer));
    if (known.length) panel.appendChild(heading(T.properties));
    known.forEach((name) => {
      const current = (props.find((p) => p.name === name) || {}).value || "";
      const help = schema[name].help;
      const onChange = (v) => setProp(element, name, v);
      if (name === "document" && choices.document.length) {
        panel.appendChild(documentsField(current, onChange, help));
      } else if (choices[name] && name !== "document") {
        panel.appendChild(field(name, select(current, "prop-" + name, choices[name], onChange, true), help));
      } else {
        panel.appendChild(field(name, input(current, "prop-" + name, onChange, schema[name].long), help));
      }
    });
    const others = props.filter((p) => !known.includes(p.name));
    if (others.length) {
      panel.appendChild(heading(T.other_properties));
      others.forEach((p) => {
        const row = document.createElement("div");
        row.className = "prop-other";
        const text = document.createElement("span");
        text.className = "field-error";
        text.textContent = p.name + " = " + p.value + " — " + (schema[p.name] ? T.not_here : T.unknown_property);
        const remove = document.createElement("button");
        remove.type = "button";
        remove.className = "small secondary";
        remove.textContent = T.remove;
        remove.addEventListener("click", () => setSpiffProps(element, props.filter((q) => q !== p)));
        row.append(text, remove);
        panel.appendChild(row);
      });
    }

    if (type === "businessRuleTask") {
      const ext = bo.extensionElements && bo.extensionElements.values || [];
      const called = ext.find((v) => v.$type === "spiffworkflow:calledDecisionId");
      const p = document.createElement("p");
      p.textContent = T.decision_is.replace("{id}", called ? called.decisionId : "—");
      panel.appendChild(p);
    }
    panel.appendChild(addPropertyRow(element, props));
    restoreFocus(focusedKey);
  }

  function restoreFocus(key) {
    if (!key) return;
    const el = panel.querySelector('[data-key="' + key + '"]');
    if (el) el.focus();
  }

  function documentsField(current, onChange, help) {
    const set = new Set(current.split(",").map((s) => s.trim()).filter(Boolean));
    // Most steps issue nothing: the list stays folded until it is wanted.
    const box = document.createElement("details");
    box.className = "prop-documents";
    box.open = set.size > 0;
    const legend = document.createElement("summary");
    legend.textContent = "document" + (set.size ? "：" + Array.from(set).join(", ") : "");
    box.appendChild(legend);
    E.state.data.choices.document.forEach(([kind, label]) => {
      const l = document.createElement("label");
      l.className = "check";
      const cb = document.createElement("input");
      cb.type = "checkbox";
      cb.value = kind;
      cb.checked = set.has(kind);
      cb.dataset.key = "doc-" + kind;
      cb.addEventListener("change", () => {
        if (cb.checked) set.add(kind); else set.delete(kind);
        onChange(Array.from(set).join(","));
      });
      l.append(cb, " " + label + " (" + kind + ")");
      box.appendChild(l);
    });
    const h = document.createElement("p");
    h.className = "help";
    h.textContent = help;
    box.appendChild(h);
    return box;
  }

  function timerFields(element, timer) {
    const box = group("prop-timer", T.timer);
    const kinds = ["timeDate", "timeDuration", "timeCycle"];
    const kind = kinds.find((k) => timer[k]) || "timeDate";
    const expr = timer[kind] ? timer[kind].body || "" : "";
    const setExpr = (value) => {
      const update = { timeDate: undefined, timeDuration: undefined, timeCycle: undefined };
      update[kind] = moddle.create("bpmn:FormalExpression", { body: value });
      modeling.updateModdleProperties(element, timer, update);
    };
    box.appendChild(field(T.timer_expression, input(expr, "timer-expr", setExpr), T.timer_help));
    // The working-day helper as four fields, for the usual deadline(start, days, urgent_hours).
    const m = HELPER.exec(expr);
    if (m) {
      const parts = { fn: m[1], start: m[2], days: m[3], hours: m[4] };
      const rebuild = () => setExpr(parts.fn + "(" + parts.start + ", " + parts.days + ", " + parts.hours + ")");
      const row = document.createElement("div");
      row.className = "helper-row";
      row.append(
        field(T.helper_fn, select(parts.fn, "timer-fn", [["deadline", T.fn_deadline], ["warning", T.fn_warning]], (v) => { parts.fn = v; rebuild(); })),
        field(T.helper_start, input(parts.start, "timer-start", (v) => { parts.start = v.trim(); rebuild(); })),
        field(T.helper_days, input(parts.days, "timer-days", (v) => { parts.days = v.trim(); rebuild(); })),
        field(T.helper_hours, input(parts.hours, "timer-hours", (v) => { parts.hours = v.trim(); rebuild(); })),
      );
      box.appendChild(row);
    }
    return box;
  }

  function conditionField(element) {
    const bo = element.businessObject;
    const isDefault = bo.sourceRef.default === bo;
    const body = bo.conditionExpression ? bo.conditionExpression.body : "";
    const onChange = (v) => modeling.updateProperties(element, {
      conditionExpression: v.trim() ? moddle.create("bpmn:FormalExpression", { body: v }) : undefined,
    });
    const wrap = field(T.condition, input(body, "condition", onChange, true), isDefault ? T.default_flow : T.condition_help);
    return wrap;
  }

  function addPropertyRow(element, props) {
    const box = group("prop-add", T.add_property);
    const name = unlabelled("add-name", T.property_name);
    const value = unlabelled("add-value", T.property_value);
    const button = document.createElement("button");
    button.type = "button";
    button.className = "small";
    button.textContent = T.add;
    button.addEventListener("click", () => {
      if (!name.value.trim()) return name.focus();
      setSpiffProps(element, props.concat([{ name: name.value.trim(), value: value.value }]));
    });
    box.append(name, value, button);
    return box;
  }

  // ---------------------------------------------------------------- adapter

  function restoreUnresolved(warnings) {
    // bpmn-moddle drops references it cannot resolve when it writes the XML; SpiffWorkflow's
    // multi-instance loopDataInputRef names a variable, not an element, so put it back as is.
    warnings.forEach((w) => {
      if (!w.element || !w.property || !w.value || !/unresolved reference/.test(w.message || "")) return;
      const placeholder = moddle.create("bpmn:DataInput", { id: w.value });
      const current = w.element.get(w.property);
      if (Array.isArray(current)) current.push(placeholder); else w.element.set(w.property, placeholder);
    });
  }

  const adapter = {
    async load(name, xml) {
      const result = await modeler.importXML(xml);
      restoreUnresolved(result.warnings || []);
      // A whole county's process fitted into the window is too small to read: start at the
      // left end at a readable scale instead (the minimap-free way to see the start event).
      canvas.zoom("fit-viewport");
      if (canvas.zoom() < READABLE) {
        const box = canvas.viewbox();
        canvas.viewbox({ x: box.inner.x - 20, y: box.inner.y - 20, width: box.outer.width / READABLE, height: box.outer.height / READABLE });
      }
      problemsByElement = {};
      render(null);
    },
    async save() {
      const { xml } = await modeler.saveXML({ format: true });
      return xml;
    },
    mark(problems) {
      registry.getAll().forEach((el) => canvas.removeMarker(el, "gl-problem"));
      overlays.remove({ type: "gl-problem" });
      problemsByElement = {};
      problems.forEach((p) => {
        if (!p.element) return;
        (problemsByElement[p.element] = problemsByElement[p.element] || []).push(p);
        const el = registry.get(p.element);
        if (!el) return;
        canvas.addMarker(el, "gl-problem");
        if (problemsByElement[p.element].length === 1) {
          const badge = document.createElement("div");
          badge.className = "gl-problem-badge";
          badge.textContent = "!";
          badge.title = p.message;
          overlays.add(el, "gl-problem", { position: { top: -10, right: 10 }, html: badge });
        }
      });
      const selected = selection.get()[0];
      render(selected || null);
    },
    select(id) {
      const el = registry.get(id);
      if (!el) return false;
      selection.select(el);
      if (canvas.zoom() < READABLE) canvas.zoom(READABLE);
      canvas.scrollToElement(el);
      panel.querySelector("input, select, textarea") && panel.querySelector("input, select, textarea").focus();
      return true;
    },
  };

  async function main() {
    const descriptor = await (await fetch(shell.dataset.moddleUrl)).json();
    modeler = new window.BpmnJS({ container: "#canvas", moddleExtensions: { spiffworkflow: descriptor } });
    moddle = modeler.get("moddle");
    modeling = modeler.get("modeling");
    registry = modeler.get("elementRegistry");
    canvas = modeler.get("canvas");
    overlays = modeler.get("overlays");
    selection = modeler.get("selection");
    modeler.on("selection.changed", (e) => render(e.newSelection[0] || null));
    modeler.on("elements.changed", (e) => {
      const selected = selection.get()[0];
      if (selected && e.elements.includes(selected)) render(selected);
    });
    modeler.on("commandStack.changed", E.changed);
    window.greenloopModeler = modeler;  // for the browser tests and the curious administrator
    await E.start(adapter);
  }

  main();
})();
