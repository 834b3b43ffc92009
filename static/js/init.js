// Progressive enhancement only: every page works without this file.
import { initAll } from "../vendor/govuk/govuk-frontend.min.js";

initAll();

// A warning the person must read before going on (the venue lacks what they asked for): move focus to it,
// unless an error summary is there, which GOV.UK Frontend focuses itself.
const warning = document.querySelector("[data-app-focus]");
if (warning && !document.querySelector(".govuk-error-summary")) {
  warning.focus();
}
