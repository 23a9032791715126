/* Starts the vendored Swagger UI for /api/v1/docs (no inline script: the CSP forbids it). */
(function () {
  "use strict";
  var body = document.body.dataset;
  var config = JSON.parse(document.getElementById("swagger-settings").textContent);
  var root = document.getElementById("swagger-ui");
  config.dom_id = "#swagger-ui";
  config.presets = [window.SwaggerUIBundle.presets.apis];
  if (body.apiCsrf && body.csrfToken) {
    config.requestInterceptor = function (req) {
      req.headers["X-CSRFToken"] = body.csrfToken;
      return req;
    };
  }
  config.onComplete = function () {
    root.dataset.loaded = "1";
  };
  window.SwaggerUIBundle(config);
})();
