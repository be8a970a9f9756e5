// Grid officer's report (webapp/field/grid_report.py): the phone's position, and a draft kept in
// the browser (IndexedDB: the text fields and the photos as blobs) so a lost connection loses
// nothing. The draft is restored on reload, sent when the phone is back online, and cleared once
// the server has registered it. The draft keeps the form's submission token, so sending it again
// answers with the case already registered (webapp/submissions.py).
(() => {
  const DB = "greenloop-field", STORE = "drafts", KEY = "grid-report";
  const FIELDS = ["category", "description", "latitude", "longitude", "grid_code"];

  function open() {
    return new Promise((resolve, reject) => {
      const request = indexedDB.open(DB, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(STORE);
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }

  async function run(mode, action) {
    const db = await open();
    return new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const request = action(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(request && request.result);
      tx.onerror = () => reject(tx.error);
    });
  }

  const load = () => run("readonly", (s) => s.get(KEY));
  const save = (draft) => run("readwrite", (s) => s.put(draft, KEY));
  const clear = () => run("readwrite", (s) => s.delete(KEY));

  document.addEventListener("DOMContentLoaded", async () => {
    const form = document.getElementById("grid-report");
    if (!form || !("indexedDB" in window)) return;
    const status = document.getElementById("report-status");
    const count = document.getElementById("photo-count");
    const input = document.getElementById("f-photos");
    let photos = [];  // {name, type, blob}
    let pending = false;

    const say = (text) => { status.textContent = text; status.hidden = !text; };
    const showCount = () => { count.textContent = photos.length ? form.dataset.photosText.replace("{n}", photos.length) : ""; };
    const draft = () => {
      const values = {};
      FIELDS.forEach((name) => { values[name] = form.elements[name].value; });
      return {values, photos, token: form.elements.submission_token.value, pending};
    };
    const keep = () => save(draft()).catch(() => {});

    const stored = await load().catch(() => undefined);
    if (stored) {
      FIELDS.forEach((name) => { if (stored.values[name] !== undefined) form.elements[name].value = stored.values[name]; });
      photos = stored.photos || [];
      // The same token as before: a resend of a draft the server already has registers nothing new.
      form.elements.submission_token.value = stored.token;
      pending = Boolean(stored.pending);
      showCount();
      say(form.dataset.restoredText);
    }

    FIELDS.forEach((name) => form.elements[name].addEventListener("input", keep));
    FIELDS.forEach((name) => form.elements[name].addEventListener("change", keep));
    input.addEventListener("change", async () => {
      for (const file of input.files) {
        photos.push({name: file.name, type: file.type, blob: new Blob([await file.arrayBuffer()], {type: file.type})});
      }
      input.value = "";  // the photos live in the draft now; the input would send them twice
      showCount();
      keep();
    });

    const locate = document.getElementById("locate");
    locate.addEventListener("click", () => {
      if (!("geolocation" in navigator)) { say(form.dataset.noLocationText); return; }
      navigator.geolocation.getCurrentPosition((pos) => {
        form.elements.latitude.value = pos.coords.latitude.toFixed(6);
        form.elements.longitude.value = pos.coords.longitude.toFixed(6);
        say(form.dataset.locatedText);
        keep();
      }, () => say(form.dataset.noLocationText), {enableHighAccuracy: true, timeout: 15000});
    });

    async function send() {
      const body = new FormData(form);
      body.delete("photos");
      photos.forEach((p) => body.append("photos", p.blob, p.name));
      say(form.dataset.sendingText);
      let response;
      try {
        response = await fetch(form.action, {method: "POST", body, headers: {"X-Requested-With": "fetch"},
                                             credentials: "same-origin"});
      } catch (err) {
        pending = true;
        await keep();
        say(form.dataset.savedText);
        return;
      }
      const answer = await response.json().catch(() => ({ok: false, errors: {"": [response.statusText]}}));
      if (answer.ok) {
        await clear();
        window.location.assign(answer.next);
        return;
      }
      pending = false;
      await keep();
      say(Object.values(answer.errors || {}).flat().join("；"));
    }

    form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (!navigator.onLine) {
        pending = true;
        keep().then(() => say(form.dataset.savedText));
        return;
      }
      send();
    });
    window.addEventListener("online", () => { if (pending) send(); });
    if (pending && navigator.onLine) send();
  });
})();
