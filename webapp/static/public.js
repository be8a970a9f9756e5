// Public portal: "use my location" fills the latitude/longitude fields. The network is closed
// (no map tiles), and browsers only offer a position on a secure page: typing it always works.
document.addEventListener("DOMContentLoaded", () => {
  const button = document.getElementById("use-location");
  if (!button || !("geolocation" in navigator) || !window.isSecureContext) return;
  const status = document.getElementById("location-status");
  button.hidden = false;
  button.addEventListener("click", () => {
    status.textContent = button.dataset.busy;
    navigator.geolocation.getCurrentPosition((pos) => {
      document.getElementById("f-latitude").value = pos.coords.latitude.toFixed(6);
      document.getElementById("f-longitude").value = pos.coords.longitude.toFixed(6);
      status.textContent = button.dataset.done;
    }, () => { status.textContent = button.dataset.failed; }, {enableHighAccuracy: true, timeout: 15000});
  });
});
