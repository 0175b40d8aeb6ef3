/* Partner submissions page: say which file is chosen and refuse one over the size limit in the
   browser, before it is sent. The server checks the size again; this only saves a long wait. */
window.dash_clientside = Object.assign({}, window.dash_clientside, {
  submissions: {
    describeFile: function (contents, dataset, filename, limit) {
      if (!contents) {
        return ["No file chosen.", true];
      }
      var comma = contents.indexOf(",");
      var payload = comma >= 0 ? contents.length - comma - 1 : contents.length;
      var padding = contents.endsWith("==") ? 2 : contents.endsWith("=") ? 1 : 0;
      var size = Math.floor((payload * 3) / 4) - padding;
      var megabytes = function (bytes) {
        return (bytes / 1024 / 1024).toFixed(bytes < 10 * 1024 * 1024 ? 1 : 0) + " MB";
      };
      var shown = size < 1024 * 1024 ? Math.ceil(size / 1024) + " KB" : megabytes(size);
      if (limit && size > limit) {
        return [
          filename + " is " + megabytes(size) + "; files may be at most " + megabytes(limit) +
            ". It was not sent. Send only new or changed periods, or split the file by period.",
          true,
        ];
      }
      if (!dataset) {
        return ["Chosen: " + filename + " (" + shown + "). Now choose the return it is for.", true];
      }
      return ["Chosen: " + filename + " (" + shown + "). Press \u201cCheck and load\u201d.", false];
    },
  },
});
