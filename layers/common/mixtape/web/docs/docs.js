// Swagger UI on the API's own document: the page is /v1/docs, the document /v1/openapi.json beside it.
// No validator badge (it would call a public validator service) and no persisted token.
"use strict";
window.addEventListener("load", () => {
  window.ui = SwaggerUIBundle({
    url: new URL("openapi.json", window.location.href).href,
    dom_id: "#swagger-ui",
    deepLinking: true,
    docExpansion: "list",
    filter: true,
    validatorUrl: "none",
    persistAuthorization: false,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
});
