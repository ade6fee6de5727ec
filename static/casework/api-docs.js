/* The API documentation page (templates/api/docs.html): loads the caller's own schema with the
   token typed in (or the staff session's cookie) and shows it with Swagger UI. The token is kept
   in this page's memory only, and sent only to this server. */
(function () {
  "use strict";

  function bearer(token) {
    return token ? { Authorization: "Bearer " + token } : {};
  }

  function show(form, token) {
    var error = document.getElementById("api-docs-error");
    error.hidden = true;
    fetch(form.dataset.schemaUrl, { headers: bearer(token), credentials: "same-origin" })
      .then(function (response) {
        if (response.status === 401 || response.status === 403) {
          throw new Error(error.dataset.unauthorised);
        }
        if (!response.ok) {
          throw new Error(error.dataset.failed);
        }
        return response.json();
      })
      .then(function (schema) {
        window.SwaggerUIBundle({
          spec: schema,
          dom_id: "#swagger-ui",
          deepLinking: true,
          requestInterceptor: function (request) {
            if (token) {
              request.headers.Authorization = "Bearer " + token;
            }
            return request;
          },
        });
      })
      .catch(function (failure) {
        error.textContent = failure.message || error.dataset.failed;
        error.hidden = false;
      });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("api-docs-token");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      show(form, form.elements.token.value.trim());
    });
  });
})();
