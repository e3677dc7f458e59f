// "Share my location": offered only where scripts run and the browser can locate.
// The location is rounded to 0.1 degree (about 11 km) before it leaves the phone.
(function () {
  var button = document.getElementById("loc");
  if (!button || !navigator.geolocation) return;
  button.hidden = false;
  button.onclick = function () {
    navigator.geolocation.getCurrentPosition(function (p) {
      var url = new URL(location.href);
      url.searchParams.set("lat", p.coords.latitude.toFixed(1));
      url.searchParams.set("lon", p.coords.longitude.toFixed(1));
      location.replace(url);
    });
  };
})();
