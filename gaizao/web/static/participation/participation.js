// Supervision reports: fill the hidden lon/lat fields from the phone's location when the resident allows it.
(function () {
  var lon = document.getElementById("pz-lon");
  var lat = document.getElementById("pz-lat");
  if (!lon || !lat || !navigator.geolocation) return;
  navigator.geolocation.getCurrentPosition(function (pos) {
    lon.value = pos.coords.longitude.toFixed(6);
    lat.value = pos.coords.latitude.toFixed(6);
  }, function () {}, { timeout: 5000, maximumAge: 600000 });
})();
