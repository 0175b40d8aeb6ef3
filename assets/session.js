/* When the server has ended the session (signed out elsewhere, inactive too long, account disabled),
   Dash's requests answer 401. Send the person to the sign-in page, which brings them back here,
   instead of leaving a page that silently stops updating. */
(function () {
  "use strict";
  var originalFetch = window.fetch;
  window.fetch = function (resource, options) {
    return originalFetch.call(this, resource, options).then(function (response) {
      var url = String(resource && resource.url ? resource.url : resource);
      if (response.status === 401 && url.indexOf("/_dash-") !== -1) {
        var here = window.location.pathname + window.location.search;
        window.location.assign("/login?next=" + encodeURIComponent(here));
      }
      return response;
    });
  };
})();
