// The statistics page's charts (webapp/templates/stats.html). Each .chart[data-chart] holds its data
// as JSON (webapp/stats/figures.py: category labels, series of numbers and, for each number, the
// case list behind it); ECharts draws it and a click on a bar or point opens that case list. Every
// number is also a link in the tables beside the charts, for the keyboard and without JavaScript.
(() => {
  "use strict";
  const COLOURS = ["#1f5fbf", "#1b7f3b", "#d9822b", "#7a4fbf", "#b3261e"];
  const ENTITIES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
  // Tooltips are HTML: names (a town or department as the administrator wrote it) are escaped, and
  // no series marker is used (its inline style attribute would break the Content-Security-Policy).
  const esc = (text) => String(text).replace(/[&<>"']/g, (c) => ENTITIES[c]);
  const shown = (value, percent) => (value === null || value === undefined ? "—" : `${value}${percent ? "%" : ""}`);
  // Only this site's own addresses are followed (they come from url_for).
  const local = (href) => typeof href === "string" && href.startsWith("/") && !href.startsWith("//");

  function tooltip(spec) {
    return (items) => {
      const list = Array.isArray(items) ? items : [items];
      if (!list.length) return "";
      const head = esc(spec.categories[list[0].dataIndex]);
      const lines = list.map((item) => {
        const series = spec.series[item.seriesIndex];
        return `${esc(series.name)}：${esc(shown(series.data[item.dataIndex], series.percent))}`;
      });
      return [head, ...lines].join("<br>");
    };
  }

  function combo(spec, narrow) {
    const crowded = narrow && spec.categories.length > 6;
    return {
      color: COLOURS,
      aria: { enabled: true },
      tooltip: { trigger: "axis", confine: true, className: "chart-tooltip", formatter: tooltip(spec) },
      legend: { top: 0, type: narrow ? "scroll" : "plain" },
      grid: { left: 8, right: 8, top: 44, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: spec.categories, axisLabel: { hideOverlap: true, rotate: crowded ? 45 : 0 } },
      yAxis: [
        { type: "value", minInterval: 1 },
        { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" }, splitLine: { show: false } },
      ],
      series: spec.series.map((s) => ({
        name: s.name, type: s.type, yAxisIndex: s.percent ? 1 : 0, data: s.data, cursor: "pointer",
        connectNulls: false, barMaxWidth: 28, symbolSize: s.type === "scatter" ? 11 : 7,
      })),
    };
  }

  function ranking(spec) {
    const series = spec.series[0];
    return {
      color: COLOURS.slice(1),
      aria: { enabled: true },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, confine: true, className: "chart-tooltip",
        formatter: tooltip(spec) },
      grid: { left: 8, right: 48, top: 8, bottom: 8, containLabel: true },
      xAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
      yAxis: { type: "category", inverse: true, data: spec.categories, axisLabel: { width: 110, overflow: "truncate" } },
      series: [{
        name: series.name, type: "bar", data: series.data, cursor: "pointer", barMaxWidth: 18,
        label: { show: true, position: "right", formatter: (p) => shown(p.value, true) },
      }],
    };
  }

  function draw(el) {
    let spec;
    try {
      spec = JSON.parse(el.dataset.chart);
    } catch (error) {
      return;
    }
    if (!spec.categories.length) {
      el.classList.add("empty");
      el.textContent = spec.empty;
      return;
    }
    if (spec.kind === "ranking") el.style.height = `${Math.max(140, spec.categories.length * 30 + 40)}px`;
    const lang = document.documentElement.lang === "en" ? "EN" : "ZH";
    const chart = window.echarts.init(el, null, { renderer: "canvas", locale: lang });
    chart.setOption(spec.kind === "ranking" ? ranking(spec) : combo(spec, el.clientWidth < 600));
    chart.on("click", (params) => {
      const series = spec.series[params.seriesIndex];
      const href = series && series.links[params.dataIndex];
      if (local(href)) window.location.assign(href);
    });
    if (window.ResizeObserver) new ResizeObserver(() => chart.resize()).observe(el);
    el.dataset.drawn = "true";
  }

  // Editing a date makes the period a custom one (a preset would ignore the dates).
  function customWhenDatesChange() {
    const period = document.getElementById("f-period");
    ["f-from", "f-to"].forEach((id) => {
      const input = document.getElementById(id);
      if (period && input) input.addEventListener("change", () => { period.value = "custom"; });
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    customWhenDatesChange();
    if (window.echarts) document.querySelectorAll(".chart[data-chart]").forEach(draw);
  });
})();
