// The ledger export page: polls the job's status and moves the <progress> bar until the file is
// ready, then shows its download link. Without this file the page still works (a refresh link).
document.addEventListener("DOMContentLoaded", () => {
  const box = document.getElementById("ledger-export");
  if (!box) return;
  const bar = document.getElementById("ledger-progress");
  const text = document.getElementById("ledger-progress-text");
  const download = document.getElementById("ledger-download");
  const link = document.getElementById("ledger-download-link");
  const rows = (n, total) => box.dataset.labelRows.replace("{n}", n).replace("{total}", total);

  async function poll() {
    let status;
    try {
      const response = await fetch(box.dataset.statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (!response.ok) throw new Error(String(response.status));
      status = await response.json();
    } catch (err) {
      setTimeout(poll, 2000);
      return;
    }
    bar.value = status.percent;
    bar.textContent = `${status.percent}%`;
    if (status.state === "done") {
      text.textContent = box.dataset.labelDone;
      link.href = status.download;
      download.hidden = false;
      link.focus();
      return;
    }
    if (status.state === "failed") {
      text.textContent = `${box.dataset.labelFailed}: ${status.error || ""}`;
      return;
    }
    if (status.total !== null) text.textContent = rows(status.written, status.total);
    setTimeout(poll, 500);
  }
  poll();
});
