// Patrol pages (webapp/templates/patrol/): fill the check-in position from the phone's location,
// show the distance to the point, and list today's points with their distance. The server
// computes the distance again (engine/patrol/check_in.py); this is only a guide for the officer.
(function () {
  "use strict";
  function metres(lat1, lon1, lat2, lon2) {
    var r = 6371008.8, rad = Math.PI / 180;
    var dp = (lat2 - lat1) * rad, dl = (lon2 - lon1) * rad;
    var a = Math.pow(Math.sin(dp / 2), 2) + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.pow(Math.sin(dl / 2), 2);
    return 2 * r * Math.asin(Math.min(1, Math.sqrt(a)));
  }
  function locate(done, fail) {
    if (!navigator.geolocation) { fail(); return; }
    navigator.geolocation.getCurrentPosition(function (p) { done(p.coords.latitude, p.coords.longitude); }, fail,
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  }
  var form = document.getElementById("check-in-form");
  if (form) {
    var status = document.getElementById("locate-status");
    var lat = document.getElementById("latitude"), lon = document.getElementById("longitude");
    var pLat = parseFloat(form.dataset.pointLat), pLon = parseFloat(form.dataset.pointLon);
    var far = parseFloat(form.dataset.far);
    var fill = function () {
      status.textContent = "…";
      locate(function (la, lo) {
        lat.value = la.toFixed(6); lon.value = lo.toFixed(6);
        var m = Math.round(metres(la, lo, pLat, pLon));
        status.textContent = (document.documentElement.lang === "en" ? "Distance to the point: " : "距巡查点 ") + m +
          (document.documentElement.lang === "en" ? " m" : " 米") + (m > far ? " ⚠" : "");
        status.dataset.metres = String(m);
      }, function () {
        status.textContent = document.documentElement.lang === "en" ? "Location unavailable: enter it by hand." : "无法定位，请手动填写坐标。";
      });
    };
    document.getElementById("locate").addEventListener("click", fill);
    if (!lat.value) { fill(); }
    var problem = document.getElementById("problem_found"), fields = document.getElementById("problem-fields");
    var toggle = function () { fields.hidden = !problem.checked; };
    problem.addEventListener("change", toggle);
    toggle();
  }
  var list = document.getElementById("patrol-list");
  if (list) {
    locate(function (la, lo) {
      Array.prototype.forEach.call(list.querySelectorAll(".patrol-item"), function (item) {
        var m = Math.round(metres(la, lo, parseFloat(item.dataset.lat), parseFloat(item.dataset.lon)));
        item.querySelector(".patrol-distance").textContent = " · " + m + (document.documentElement.lang === "en" ? " m" : " 米");
      });
    }, function () {});
  }
})();
